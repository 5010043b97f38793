//! Signing primitives shared by every adapter, written once.
//!
//! Exchanges differ in what they sign (the pre-hash string) and how they encode the MAC (hex or
//! base64); the MAC itself is HMAC-SHA256 everywhere in this crate. The pre-hash is passed in
//! parts so no adapter has to allocate the concatenation.

use std::fmt;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretSlice, SecretString};
use sha2::Sha256;

use crate::error::Result;

/// What an adapter signs with, prepared once when it is built (a base64 secret decoded, a PEM
/// key parsed), so a malformed key fails the build rather than the first call. `Debug` shows
/// the public key's hint only.
pub(crate) struct SigningKey {
    api_key: String,
    passphrase: Option<SecretString>,
    material: Material,
}

enum Material {
    /// The bytes an HMAC is keyed with.
    Hmac(SecretSlice<u8>),
    /// An EC P-256 private key, signing ES256 JWTs (Coinbase CDP).
    Es256(Box<p256::ecdsa::SigningKey>),
    /// An Ed25519 private key, signing EdDSA JWTs (Coinbase CDP).
    Ed25519(Box<ed25519_dalek::SigningKey>),
}

/// The algorithm of a JWT signing key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JwtAlgorithm {
    /// ECDSA over P-256 with SHA-256, `r‖s` (RFC 7518 §3.4).
    Es256,
    /// Ed25519 (RFC 8037).
    EdDsa,
}

impl JwtAlgorithm {
    /// The JOSE `alg` name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            JwtAlgorithm::Es256 => "ES256",
            JwtAlgorithm::EdDsa => "EdDSA",
        }
    }
}

impl SigningKey {
    /// An HMAC key: `secret` as the MAC key's bytes.
    pub(crate) fn hmac(
        api_key: &str,
        secret: Vec<u8>,
        passphrase: Option<&SecretString>,
    ) -> SigningKey {
        SigningKey {
            api_key: api_key.to_owned(),
            passphrase: passphrase.cloned(),
            material: Material::Hmac(SecretSlice::from(secret)),
        }
    }

    /// The credentials' secret, as sent, keying an HMAC.
    pub(crate) fn hmac_from(credentials: &crate::credentials::Credentials) -> Result<SigningKey> {
        Ok(SigningKey::hmac(
            credentials.api_key(),
            credentials.secret().expose_secret().as_bytes().to_vec(),
            credentials.passphrase(),
        ))
    }

    /// The public key (or key name, or client id) sent with each request.
    pub(crate) fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The passphrase as the exchange takes it (KuCoin's is signed once, when prepared).
    pub(crate) fn passphrase(&self) -> Option<&str> {
        self.passphrase.as_ref().map(|p| p.expose_secret())
    }

    /// A JWT signing key parsed from `private_key`: a PEM EC P-256 key (SEC1 `EC PRIVATE KEY`
    /// or PKCS#8 `PRIVATE KEY`), or an Ed25519 key as base64 of its 32-byte seed or of the 64
    /// bytes seed‖public key. The error says which forms were tried, never the key.
    pub(crate) fn jwt(
        api_key: &str,
        private_key: &SecretString,
    ) -> std::result::Result<SigningKey, String> {
        use p256::pkcs8::DecodePrivateKey as _;
        let text = private_key.expose_secret().trim();
        let material = if text.starts_with("-----BEGIN EC PRIVATE KEY-----") {
            let secret = p256::SecretKey::from_sec1_pem(text)
                .map_err(|_| "the PEM EC private key is not a valid P-256 key".to_owned())?;
            Material::Es256(Box::new(p256::ecdsa::SigningKey::from(secret)))
        } else if text.starts_with("-----BEGIN PRIVATE KEY-----") {
            if let Ok(key) = p256::ecdsa::SigningKey::from_pkcs8_pem(text) {
                Material::Es256(Box::new(key))
            } else {
                let key = ed25519_dalek::SigningKey::from_pkcs8_pem(text).map_err(|_| {
                    "the PEM PKCS#8 private key is neither a P-256 nor an Ed25519 key".to_owned()
                })?;
                Material::Ed25519(Box::new(key))
            }
        } else {
            let bytes = zeroize::Zeroizing::new(
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|_| {
                        "the private key is neither PEM nor base64 (an Ed25519 key)".to_owned()
                    })?,
            );
            let seed: [u8; 32] = match bytes.len() {
                32 | 64 => {
                    let mut seed = [0u8; 32];
                    seed.copy_from_slice(&bytes[..32]);
                    seed
                }
                n => return Err(format!("an Ed25519 key is 32 or 64 bytes, not {n}")),
            };
            let key = ed25519_dalek::SigningKey::from_bytes(&seed);
            if bytes.len() == 64 && key.verifying_key().as_bytes()[..] != bytes[32..] {
                return Err("the Ed25519 key's public half does not match its seed".to_owned());
            }
            Material::Ed25519(Box::new(key))
        };
        Ok(SigningKey {
            api_key: api_key.to_owned(),
            passphrase: None,
            material,
        })
    }

    /// The HMAC key's bytes; empty for a JWT key (whose venue never asks for them).
    pub(crate) fn hmac_key(&self) -> &[u8] {
        match &self.material {
            Material::Hmac(bytes) => bytes.expose_secret(),
            Material::Es256(_) | Material::Ed25519(_) => &[],
        }
    }

    /// The JWT algorithm of this key, if it signs JWTs.
    pub(crate) fn jwt_algorithm(&self) -> Option<JwtAlgorithm> {
        match &self.material {
            Material::Hmac(_) => None,
            Material::Es256(_) => Some(JwtAlgorithm::Es256),
            Material::Ed25519(_) => Some(JwtAlgorithm::EdDsa),
        }
    }

    /// A compact JWS over `header` and `claims` (JSON texts), signed with this key.
    pub(crate) fn sign_jwt(&self, header: &str, claims: &str) -> Result<String> {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut token = String::with_capacity(header.len() + claims.len() + 128);
        URL_SAFE_NO_PAD.encode_string(header, &mut token);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(claims, &mut token);
        let signature = match &self.material {
            Material::Es256(key) => {
                use p256::ecdsa::signature::Signer as _;
                let signature: p256::ecdsa::Signature = key.sign(token.as_bytes());
                signature.to_bytes().to_vec()
            }
            Material::Ed25519(key) => {
                use ed25519_dalek::Signer as _;
                key.sign(token.as_bytes()).to_bytes().to_vec()
            }
            Material::Hmac(_) => {
                return Err(crate::error::Error::config(
                    None,
                    "an HMAC secret cannot sign a JWT: use Credentials::coinbase_cdp",
                ))
            }
        };
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        Ok(token)
    }
}

/// `bytes` random bytes from the operating system, as lowercase hex (JWT and request nonces).
pub(crate) fn random_hex(bytes: usize) -> Result<String> {
    let mut buffer = vec![0u8; bytes];
    getrandom::getrandom(&mut buffer).map_err(|e| {
        crate::error::Error::config(None, format!("the system's random source failed: {e}"))
    })?;
    Ok(lower_hex(&buffer))
}

/// `bytes` (at most 32) random bytes as lowercase hex, for JWT and request nonces: see
/// [`fill_nonce`].
pub(crate) fn nonce_hex(bytes: usize) -> Result<String> {
    let mut buffer = [0u8; 32];
    let buffer = &mut buffer[..bytes.min(32)];
    fill_nonce(buffer)?;
    Ok(lower_hex(buffer))
}

/// Fills `out` with bytes from the operating system's random source, drawn a pool at a time:
/// one system call per request made every nonce cost more than the request's HMAC. For
/// nonces only, which are public and must merely never repeat: never for a secret. (A process
/// that forks without `exec` shares its pool with the child, so their next nonces could
/// repeat: the exchange would refuse the second request, nothing more.)
pub(crate) fn fill_nonce(out: &mut [u8]) -> Result<()> {
    use std::cell::RefCell;
    const POOL: usize = 512;
    thread_local! {
        static POOL_BYTES: RefCell<([u8; POOL], usize)> = const { RefCell::new(([0; POOL], POOL)) };
    }
    POOL_BYTES.with(|pool| {
        let (bytes, used) = &mut *pool.borrow_mut();
        for byte in out.iter_mut() {
            if *used == POOL {
                getrandom::getrandom(bytes).map_err(|e| {
                    crate::error::Error::config(
                        None,
                        format!("the system's random source failed: {e}"),
                    )
                })?;
                *used = 0;
            }
            *byte = bytes[*used];
            *used += 1;
        }
        Ok(())
    })
}

/// SHA-256 of the concatenation of `parts`.
pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    use sha2::Digest as _;
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// Standard base64 HMAC-SHA512 of the concatenation of `parts` (Kraken).
pub(crate) fn base64_of_sha512_mac(key: &[u8], parts: &[&[u8]]) -> String {
    let mut mac = match Hmac::<sha2::Sha512>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA512 takes keys of any length"),
    };
    for part in parts {
        mac.update(part);
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Lowercase hex HMAC-SHA384 of the concatenation of `parts` (Gemini, Bitfinex).
pub(crate) fn hex_of_sha384_mac(key: &[u8], parts: &[&[u8]]) -> String {
    let mut mac = match Hmac::<sha2::Sha384>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA384 takes keys of any length"),
    };
    for part in parts {
        mac.update(part);
    }
    lower_hex(&mac.finalize().into_bytes())
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("api_key", &crate::credentials::key_hint(&self.api_key))
            .field("secret", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// HMAC-SHA256 of the concatenation of `parts` under `secret`.
pub fn hmac_sha256(secret: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Lowercase hex HMAC-SHA256 (Binance, Bybit).
pub fn hmac_sha256_hex(secret: &SecretString, parts: &[&str]) -> String {
    hex_of_sha256_mac(secret.expose_secret().as_bytes(), parts)
}

/// Standard base64 HMAC-SHA256 (OKX, KuCoin, Bitget).
pub fn hmac_sha256_base64(secret: &SecretString, parts: &[&str]) -> String {
    base64_of_sha256_mac(secret.expose_secret().as_bytes(), parts)
}

/// [`hmac_sha256_hex`] keyed with bytes.
pub(crate) fn hex_of_sha256_mac(key: &[u8], parts: &[&str]) -> String {
    lower_hex(&mac_of(key, parts))
}

/// [`hmac_sha256_base64`] keyed with bytes.
pub(crate) fn base64_of_sha256_mac(key: &[u8], parts: &[&str]) -> String {
    base64::engine::general_purpose::STANDARD.encode(mac_of(key, parts))
}

/// Lowercase hex, in one allocation of the final size (`hex::encode` pushes char by char).
pub(crate) fn lower_hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    push_lower_hex(&mut text, bytes);
    text
}

/// `ms` as ISO 8601 UTC, `2020-12-08T09:08:57` (OKX and HTX timestamps), with `.715` when
/// `millis`. Written digit by digit: `format!` padding costs as much as the HMAC it is signed
/// with, and every request carries a fresh timestamp.
pub(crate) fn iso_utc(ms: i64, millis: bool) -> String {
    use chrono::{Datelike as _, Timelike as _};
    let time = chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default();
    let mut text = String::with_capacity(24);
    let year = u32::try_from(time.year()).unwrap_or(0);
    for (value, width, after) in [
        (year, 4, '-'),
        (time.month(), 2, '-'),
        (time.day(), 2, 'T'),
        (time.hour(), 2, ':'),
        (time.minute(), 2, ':'),
    ] {
        push_digits(&mut text, value, width);
        text.push(after);
    }
    push_digits(&mut text, time.second(), 2);
    if millis {
        text.push('.');
        push_digits(&mut text, time.timestamp_subsec_millis(), 3);
    }
    text
}

/// The last `width` decimal digits of `value`, zero-padded.
fn push_digits(text: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = value / 10u32.pow(place) % 10;
        text.push(char::from(b'0' + digit as u8));
    }
}

/// Appends `bytes` in lowercase hex to `text`, so a signature can go straight into the query
/// that carries it.
pub(crate) fn push_lower_hex(text: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    // Encoded through a stack buffer: `String::push(char)` re-checks UTF-8 width per digit.
    let mut buffer = [0u8; 128];
    for chunk in bytes.chunks(buffer.len() / 2) {
        let digits = &mut buffer[..chunk.len() * 2];
        for (pair, byte) in digits.chunks_exact_mut(2).zip(chunk) {
            pair[0] = DIGITS[usize::from(byte >> 4)];
            pair[1] = DIGITS[usize::from(byte & 0x0f)];
        }
        match std::str::from_utf8(digits) {
            Ok(hex) => text.push_str(hex),
            Err(_) => unreachable!("hex digits are ASCII"),
        }
    }
}

fn mac_of(key: &[u8], parts: &[&str]) -> [u8; 32] {
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
    };
    for part in parts {
        mac.update(part.as_bytes());
    }
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn every_part_is_signed() {
        let secret = SecretString::from("k");
        let parts: Vec<String> = (0..12).map(|i| i.to_string()).collect();
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        assert_eq!(
            hmac_sha256_hex(&secret, &parts),
            hmac_sha256_hex(&secret, &[&parts.concat()])
        );
    }

    #[test]
    fn hex_and_base64_encode_the_same_mac() {
        let secret = SecretString::from("test_api_secret");
        // KuCoin's official SDK vector (kucoin-universal-sdk test_default_signer.py).
        assert_eq!(
            hmac_sha256_base64(&secret, &["test_", "plain"]),
            "jie/gxS38wLFFaBwl/cAzFbAzlI8MIny96jSXrB+iP4="
        );
        let hex = hmac_sha256_hex(&secret, &["test_plain"]);
        let b64 = base64::engine::general_purpose::STANDARD
            .decode("jie/gxS38wLFFaBwl/cAzFbAzlI8MIny96jSXrB+iP4=")
            .unwrap();
        assert_eq!(hex, hex::encode(b64));
    }
}

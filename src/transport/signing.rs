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

    /// The passphrase, for the exchanges that send it.
    pub(crate) fn passphrase(&self) -> Option<&str> {
        self.passphrase.as_ref().map(|p| p.expose_secret())
    }

    /// The HMAC key's bytes.
    pub(crate) fn hmac_key(&self) -> &[u8] {
        match &self.material {
            Material::Hmac(bytes) => bytes.expose_secret(),
        }
    }
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
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
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

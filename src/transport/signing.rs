//! Signing primitives shared by every adapter, written once.
//!
//! Exchanges differ in what they sign (the pre-hash string) and how they encode the MAC (hex or
//! base64); the MAC itself is HMAC-SHA256 everywhere in this crate. The pre-hash is passed in
//! parts so no adapter has to allocate the concatenation.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

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
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mac = mac_of(secret, parts);
    // One allocation of the final size; `hex::encode` pushes char by char.
    let mut text = String::with_capacity(64);
    for byte in mac {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

/// Standard base64 HMAC-SHA256 (OKX, KuCoin, Bitget).
pub fn hmac_sha256_base64(secret: &SecretString, parts: &[&str]) -> String {
    base64::engine::general_purpose::STANDARD.encode(mac_of(secret, parts))
}

fn mac_of(secret: &SecretString, parts: &[&str]) -> [u8; 32] {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()) {
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

//! Kraken spot signing: `API-Sign` is the base64 HMAC-SHA512, keyed with the base64-decoded
//! secret, of the URI path followed by SHA-256(nonce + the exact body sent)
//! (<https://docs.kraken.com/api/docs/guides/spot-rest-auth>). The nonce is an always increasing
//! integer per key: every adapter of the process signing with one key shares its counter.

use base64::Engine as _;

use crate::transport::signing::{base64_of_sha512_mac, sha256};

/// The `API-Sign` of a request to `path` whose body (holding `nonce`) is `body`, with the
/// decoded secret `secret`.
pub fn signature(secret: &[u8], path: &str, nonce: &str, body: &str) -> String {
    let digest = sha256(&[nonce.as_bytes(), body.as_bytes()]);
    base64_of_sha512_mac(secret, &[path.as_bytes(), &digest])
}

/// Kraken's secret, decoded; `None` when it is not base64 (the caller names the variable).
pub(crate) fn decode_secret(secret: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(secret.trim())
        .ok()
        .filter(|bytes| !bytes.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Kraken's published example (spot REST authentication guide).
    const SECRET: &str =
        "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";

    #[test]
    fn official_vector() {
        let secret = decode_secret(SECRET).unwrap();
        assert_eq!(
            signature(
                &secret,
                "/0/private/AddOrder",
                "1616492376594",
                "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
            ),
            "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
        );
    }

    #[test]
    fn key_info_json_body_vector() {
        // Derived from the documented algorithm with the official secret (not published).
        let secret = decode_secret(SECRET).unwrap();
        assert_eq!(
            signature(
                &secret,
                "/0/private/GetApiKeyInfo",
                "1616492376594",
                r#"{"nonce":"1616492376594"}"#
            ),
            "CdOMcl3cR5p2oNIy4JDCJS6qF+Pdsxp4wnJsuxgeOH031VC7l5wTihDfvkEZbg4mofmvM1Gn/y+eWFVYWn3GYA=="
        );
    }

    #[test]
    fn a_secret_that_is_not_base64_is_refused() {
        assert!(decode_secret("not base64!").is_none());
        assert!(decode_secret("").is_none());
    }
}

//! Bitstamp's "v2 auth" (<https://www.bitstamp.net/api/#section/Authentication>): `X-Auth-Signature`
//! is the hex HMAC-SHA256, keyed with the secret, of `BITSTAMP <key>` followed, with no
//! separator, by the method, the host, the path, the query (with its `?`, when there is one),
//! the body's content type (none for an empty body), the nonce, the timestamp in ms, `v2` and
//! the body.
//!
//! Bitstamp publishes no signature value. The tests reproduce the two vectors computed from
//! the documented formula (and, for the first, by ccxt's `sign()`) with the documentation's
//! example key `api_key` and secret `api_key_secret`.

use crate::error::{Error, Result};
use crate::transport::signing::{fill_nonce, hex_of_sha256_mac, push_lower_hex};
use crate::ExchangeId;

/// The host every request is signed for: the pre-hash names it, and Bitstamp serves its API
/// from this host only.
pub(crate) const SIGNED_HOST: &str = "www.bitstamp.net";
/// The content type of a request with a body; a request without one names none (else
/// `API0020`).
pub(crate) const FORM: &str = "application/x-www-form-urlencoded";

/// One request's parts, as the pre-hash takes them.
#[derive(Clone, Copy, Debug)]
pub struct Prehash<'a> {
    /// The public key.
    pub api_key: &'a str,
    /// `GET`, `POST`.
    pub method: &'a str,
    /// The path, trailing slash included.
    pub path: &'a str,
    /// The query as sent, without `?`; empty for none.
    pub query: &'a str,
    /// The nonce: a lower-case UUID.
    pub nonce: &'a str,
    /// The timestamp, ms since the epoch.
    pub timestamp_ms: &'a str,
    /// The body as sent; empty for none.
    pub body: &'a str,
}

/// The `X-Auth-Signature` of a request, with the secret's bytes `secret`.
pub fn signature(secret: &[u8], request: &Prehash<'_>) -> String {
    let auth = format!("BITSTAMP {}", request.api_key);
    let question = if request.query.is_empty() { "" } else { "?" };
    let content_type = if request.body.is_empty() { "" } else { FORM };
    hex_of_sha256_mac(
        secret,
        &[
            &auth,
            request.method,
            SIGNED_HOST,
            request.path,
            question,
            request.query,
            content_type,
            request.nonce,
            request.timestamp_ms,
            "v2",
            request.body,
        ],
    )
}

/// A fresh nonce: a random (version 4) UUID, lower case. Bitstamp refuses one seen in the last
/// 300 s (`API0004`), so it comes from the operating system's generator, never the clock.
pub(crate) fn nonce() -> Result<String> {
    let mut bytes = [0u8; 16];
    fill_nonce(&mut bytes)
        .map_err(|_| Error::config(ExchangeId::Bitstamp, "the system's random source failed"))?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut uuid = String::with_capacity(36);
    for (i, group) in [
        &bytes[0..4],
        &bytes[4..6],
        &bytes[6..8],
        &bytes[8..10],
        &bytes[10..16],
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            uuid.push('-');
        }
        push_lower_hex(&mut uuid, group);
    }
    Ok(uuid)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONCE: &str = "f93c979d-b00d-43a9-9b9c-fd4cd9547fa6";
    const TIMESTAMP: &str = "1567755304968";

    fn vector(path: &str, body: &str) -> String {
        signature(
            b"api_key_secret",
            &Prehash {
                api_key: "api_key",
                method: "POST",
                path,
                query: "",
                nonce: NONCE,
                timestamp_ms: TIMESTAMP,
                body,
            },
        )
    }

    #[test]
    fn a_request_with_a_body_names_its_content_type() {
        assert_eq!(
            vector("/api/v2/user_transactions/", "offset=1"),
            "526d7cd4184c381c21c2f8e6eeca15292edcc7ab8c4a188d68ee5c5ceb11b302"
        );
    }

    #[test]
    fn the_kill_switch_has_no_body_and_no_content_type() {
        assert_eq!(
            vector("/api/v2/revoke_all_api_keys/", ""),
            "8a502e8e23f61009d8918f2e1a050359504b6d4396b547948fc8f06a3306b672"
        );
    }

    #[test]
    fn nonces_are_version_4_uuids_and_differ() {
        let a = nonce().unwrap();
        let b = nonce().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(a
            .chars()
            .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}

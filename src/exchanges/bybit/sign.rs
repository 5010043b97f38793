//! Bybit v5 signing: lowercase hex HMAC-SHA256 of
//! `timestamp + apiKey + recvWindow + (queryString | jsonBody)` (bybit-exchange/docs
//! `docs/v5/guide.mdx`, "Authentication").

use secrecy::SecretString;

use crate::transport::signing::hmac_sha256_hex;

/// The `X-BAPI-SIGN` of a request; `payload` is the query string of a GET or the JSON body of a
/// POST.
pub fn signature(
    secret: &SecretString,
    timestamp_ms: &str,
    api_key: &str,
    recv_window_ms: &str,
    payload: &str,
) -> String {
    hmac_sha256_hex(secret, &[timestamp_ms, api_key, recv_window_ms, payload])
}

#[cfg(test)]
mod tests {
    use super::*;

    // Bybit's documentation shows pre-hash strings but no secret; these vectors use the secret
    // `test_secret` and were cross-checked against ccxt 4.5.90 `sign()` (shared/reference,
    // Bybit §3.2).
    fn secret() -> SecretString {
        SecretString::from("test_secret")
    }

    #[test]
    fn query_api_vector() {
        assert_eq!(
            signature(&secret(), "1658384314791", "XXXXXXXXXX", "5000", ""),
            "7cfa888ea913bd4bde77a987c5a818c6b17afcbfc0c094bc9d4ec5edf82f35a1"
        );
    }

    #[test]
    fn post_body_vector() {
        assert_eq!(
            signature(
                &secret(),
                "1658384314791",
                "XXXXXXXXXX",
                "5000",
                r#"{"apikey":"abc"}"#
            ),
            "3ba52d780efd0f094231b3371d2777933354aad69d24a1b52adc778c83877fb4"
        );
    }

    #[test]
    fn documented_prehash_vector() {
        assert_eq!(
            signature(
                &secret(),
                "1658384314791",
                "XXXXXXXXXX",
                "5000",
                "category=option&symbol=BTC-29JUL22-25000-C"
            ),
            "2c42d015234a3fc985e5294b2665235b3f51cf59dfbbde6be0097d0bc33256bf"
        );
    }
}

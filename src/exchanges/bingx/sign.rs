//! BingX signing: lowercase hex HMAC-SHA256 of the parameter string, appended as the last
//! parameter `signature`, with the key in `X-BX-APIKEY` (BingX-API/BingX-comm-api-doc
//! `REST API.md`, "Signature"; bingx-api.github.io/docs-v3 "SignAuth").

use secrecy::SecretString;

use crate::transport::signing::hmac_sha256_hex;

/// The signature of a request whose parameter string is `params` (the query string, followed
/// directly by a form body where there is one).
pub fn signature(secret: &SecretString, params: &str, body: &str) -> String {
    hmac_sha256_hex(secret, &[params, body])
}

#[cfg(test)]
mod tests {
    use super::*;

    // The secret of BingX's published example (BingX-comm-api-doc `REST API.md`, 2023-04).
    const SECRET: &str = "UuGuyEGt6ZEkpUObCYCmIfh0elYsZVh80jlYwpJuRZEw70t6vomMH7Sjmf94ztSI";

    #[test]
    fn official_vector_query_string() {
        assert_eq!(
            signature(
                &SecretString::from(SECRET),
                "quoteOrderQty=20&side=BUY&symbol=ETHUSDT&timestamp=1649404670162&type=MARKET",
                ""
            ),
            "428a3c383bde514baff0d10d3c20e5adfaacaf799e324546dafe5ccc480dd827"
        );
    }

    #[test]
    fn official_vector_query_and_body_concatenate_without_separator() {
        assert_eq!(
            signature(
                &SecretString::from(SECRET),
                "quoteOrderQty=20&side=BUY&symbol=ETHUSDT",
                "timestamp=1649404670162&type=MARKET"
            ),
            "94e0b4925060a615e1e372d4c929015d4b59d3c89067dc0beeafcfb33a6d8d10"
        );
    }

    #[test]
    fn api_permissions_vector() {
        // Computed with Python's hmac and cross-checked against ccxt 4.5.90 sign()
        // (shared/reference, BingX §6.2 LOCAL).
        assert_eq!(
            signature(&SecretString::from(SECRET), "timestamp=1649404670162", ""),
            "b91e2addf56a619e0bdfc6147ff02b90d22c2ac0ab531e5006e9edbfa2d70bb4"
        );
    }
}

//! Binance signing: lowercase hex HMAC-SHA256 of the query string followed directly by the
//! body, sent as the last query parameter `signature` (binance-spot-api-docs `rest-api.md`,
//! "SIGNED (TRADE and USER_DATA) Endpoint security").

use secrecy::SecretString;

use crate::transport::signing::hmac_sha256_hex;

/// The signature of a request whose form-encoded query string is `query` and whose form-encoded
/// body is `body` (empty for GET).
pub fn signature(secret: &SecretString, query: &str, body: &str) -> String {
    hmac_sha256_hex(secret, &[query, body])
}

#[cfg(test)]
mod tests {
    use super::*;

    // Binance's published example key pair (rest-api.md, "SIGNED Endpoint examples").
    const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

    #[test]
    fn official_vector_query_string() {
        let query = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
        assert_eq!(
            signature(&SecretString::from(SECRET), query, ""),
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
        );
    }

    #[test]
    fn official_vector_query_and_body_concatenate_without_separator() {
        // "Example 3: Mixed query string and request body".
        let query = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC";
        let body = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
        assert_eq!(
            signature(&SecretString::from(SECRET), query, body),
            "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"
        );
    }

    #[test]
    fn official_vector_non_ascii_percent_encoded() {
        let query = "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
        assert_eq!(
            signature(&SecretString::from(SECRET), query, ""),
            "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"
        );
    }

    #[test]
    fn key_info_query_vector() {
        // Cross-checked against ccxt 4.5.90 `sign()` (shared/reference, Binance §1.2).
        assert_eq!(
            signature(
                &SecretString::from(SECRET),
                "timestamp=1499827319559&recvWindow=5000",
                ""
            ),
            "6cd35332399b004466463b9ad65a112a14f31fb9ddfd5e19bd7298fbd491dbc7"
        );
    }
}

//! BingX signing: lowercase hex HMAC-SHA256 of the parameter string, appended as the last
//! parameter `signature`, with the key in `X-BX-APIKEY` (BingX-API/BingX-comm-api-doc
//! `REST API.md`, "Signature"; bingx-api.github.io/docs-v3 "SignAuth").

use secrecy::SecretString;
use serde_json::{Map, Value};

use crate::transport::signing::hmac_sha256_hex;

/// The signature of a request whose parameter string is `params` (the query string, followed
/// directly by a form body where there is one).
pub fn signature(secret: &SecretString, params: &str, body: &str) -> String {
    hmac_sha256_hex(secret, &[params, body])
}

/// The parameter string of a request sent as a JSON body (BingX's sub-account calls): every
/// parameter, `timestamp` included, sorted by name, as `name=value` joined by `&`
/// (bingx-api.github.io/docs-v3 "SignAuth", "request body" example). A text goes in as it is,
/// a number as written, and a list as compact JSON (`[1,2]`, `["1.2.3.4"]`): the docs show no
/// list; this is how ccxt renders one (`bingx.py` `custom_encode`).
pub fn body_param_string(params: &Map<String, Value>) -> String {
    let mut names: Vec<&String> = params.keys().collect();
    names.sort();
    names
        .into_iter()
        .map(|name| match &params[name] {
            Value::String(text) => format!("{name}={text}"),
            other => format!("{name}={other}"),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    fn params(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("an object"),
        }
    }

    #[test]
    fn body_parameters_sort_as_the_docs_example_shows() {
        // bingx-api.github.io/docs-v3 "SignAuth": the body
        // {"recvWindow":0,"subAccountString":"abc12345","timestamp":1696751141337} is signed as
        // this string. (The signature printed there matches neither of its examples: a doc
        // error, so only the string is reproduced.)
        let body = params(json!({
            "timestamp": 1_696_751_141_337_i64, "subAccountString": "abc12345", "recvWindow": 0
        }));
        assert_eq!(
            body_param_string(&body),
            "recvWindow=0&subAccountString=abc12345&timestamp=1696751141337"
        );
    }

    #[test]
    fn create_sub_account_key_vector() {
        // Computed with Python's hmac over the string ccxt's algorithm builds (shared/reference,
        // BingX §6.2 LOCAL): lists as compact JSON.
        let body = params(json!({
            "subUid": 16_789_999, "note": "bot2", "permissions": [1, 2],
            "ipAddresses": ["1.2.3.4"], "timestamp": 1_649_404_670_162_i64
        }));
        let string = body_param_string(&body);
        assert_eq!(
            string,
            "ipAddresses=[\"1.2.3.4\"]&note=bot2&permissions=[1,2]&subUid=16789999&timestamp=1649404670162"
        );
        assert_eq!(
            signature(&SecretString::from(SECRET), &string, ""),
            "86767cf4580d4b857ba4ff50f2c95469a1383d3fabb40bc59635c37aabba2f2d"
        );
    }
}

//! Gemini signing: every private call is a `POST` whose parameters travel in the
//! `X-GEMINI-PAYLOAD` header as base64 of a JSON object holding `request` (the path) and `nonce`;
//! `X-GEMINI-SIGNATURE` is the hex HMAC-SHA384, keyed with the secret as sent, of that base64
//! text exactly (<https://developer.gemini.com/rest-api/common/admin/roles-endpoint>: "HEX-encoded
//! HMAC-SHA384 of payload signed with API secret"; "Base64-encoded JSON payload").

use base64::Engine as _;

use crate::transport::signing::hex_of_sha384_mac;

/// The `X-GEMINI-PAYLOAD` header: base64 of the JSON text `json`.
pub fn encoded_payload(json: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(json.as_bytes())
}

/// The `X-GEMINI-SIGNATURE` of an encoded payload, with the secret's bytes.
pub fn signature(secret: &[u8], encoded_payload: &str) -> String {
    hex_of_sha384_mac(secret, &[encoded_payload.as_bytes()])
}

#[cfg(test)]
mod tests {
    use super::*;

    // Gemini's published example ("Private API invocation", docs.gemini.com/rest-api/#private-api-invocation):
    // secret `1234abcd`, this payload text exactly (4-space indent, a blank line, a final newline).
    const PAYLOAD: &str = "{\n    \"request\": \"/v1/order/status\",\n    \"nonce\": 123456,\n\n    \"order_id\": 18834\n}\n";

    #[test]
    fn official_vector() {
        let encoded = encoded_payload(PAYLOAD);
        assert_eq!(
            encoded,
            "ewogICAgInJlcXVlc3QiOiAiL3YxL29yZGVyL3N0YXR1cyIsCiAgICAibm9uY2UiOiAxMjM0NTYsCgogICAgIm9yZGVyX2lkIjogMTg4MzQKfQo="
        );
        assert_eq!(
            signature(b"1234abcd", &encoded),
            "337cc8b4ea692cfe65b4a85fcc9f042b2e3f702ac956fd098d600ab15705775017beae402be773ceee10719ff70d710f"
        );
    }
}

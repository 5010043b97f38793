//! Reading the kill switch's answer, without I/O.
//!
//! Bitstamp documents the answer as `RevokedAPIKeySchema`, `{"revoked_api_keys": [...]}`,
//! without saying what an element is. A text element is taken as a key's public id; an object
//! gives its `key`, `api_key`, `apiKey` or `id` text where it has one; anything else is counted
//! but not named.

use serde_json::Value;

use crate::adapter::RevokedAll;
use crate::ExchangeId;

/// The fields an element object may name its key by, in the order they are tried.
const KEY_FIELDS: [&str; 4] = ["key", "api_key", "apiKey", "id"];

/// What the answer says was revoked; `Err` says why it does not say.
pub(super) fn revoked_all(payload: &Value) -> Result<RevokedAll, String> {
    let Some(Value::Array(entries)) = payload.get("revoked_api_keys") else {
        return Err("the answer has no list of revoked keys (`revoked_api_keys`)".to_owned());
    };
    let key_ids = entries
        .iter()
        .filter_map(|entry| match entry {
            Value::String(id) => Some(id.trim()),
            Value::Object(fields) => KEY_FIELDS
                .iter()
                .find_map(|name| fields.get(*name).and_then(Value::as_str))
                .map(str::trim),
            _ => None,
        })
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect();
    Ok(RevokedAll {
        exchange: ExchangeId::Bitstamp,
        key_ids,
        count: Some(entries.len()),
        raw: payload.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_and_object_elements_name_keys_and_everything_is_counted() {
        let revoked = revoked_all(&json!({"revoked_api_keys": [
            "abc", {"key": "def"}, {"api_key": " ghi "}, 7, {"other": 1}, ""
        ]}))
        .unwrap();
        assert_eq!(revoked.key_ids, ["abc", "def", "ghi"]);
        assert_eq!(revoked.count, Some(6));
    }

    #[test]
    fn an_answer_without_the_list_says_nothing_was_shown() {
        for payload in [
            json!({}),
            json!({"revoked_api_keys": "all"}),
            json!({"revoked_api_keys": null}),
        ] {
            assert!(revoked_all(&payload).is_err(), "{payload}");
        }
        let none = revoked_all(&json!({"revoked_api_keys": []})).unwrap();
        assert_eq!(none.count, Some(0));
    }
}

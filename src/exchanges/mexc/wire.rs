//! MEXC's answers, as sent.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::exchanges::common::Field;

/// `GET /api/v3/apiKeyInfo`. The shape is known only from third-party code (see `map.rs`):
/// every field is read on its own ([`Field`]) and leniently, and the fields this struct does
/// not name land in `unknown`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiKeyInfo {
    #[serde(default)]
    pub(crate) access_key: Field<String>,
    #[serde(default)]
    pub(crate) note: Field<String>,
    /// A comma-separated text in the known sample; a list of texts is read too.
    #[serde(default)]
    pub(crate) permissions: Field<Tokens>,
    /// A comma-separated text; `""` when no address is bound.
    #[serde(default)]
    pub(crate) ip_white_list: Field<Tokens>,
    /// ISO 8601 text in the known sample; epoch milliseconds are read too.
    #[serde(default)]
    pub(crate) create_time: Field<Value>,
    #[serde(default)]
    pub(crate) status: Field<String>,
    /// Days, presumably, from an unknown reference: kept as evidence, not mapped.
    #[serde(default)]
    pub(crate) remaining_validity: Field<Value>,
    #[serde(skip)]
    pub(crate) unknown: Vec<String>,
}

/// Every field [`ApiKeyInfo`] reads, as MEXC names it.
const KNOWN: [&str; 7] = [
    "accessKey",
    "note",
    "permissions",
    "ipWhiteList",
    "createTime",
    "status",
    "remainingValidity",
];

impl ApiKeyInfo {
    /// Decodes `payload`, naming the fields it does not know.
    pub(crate) fn read(payload: &Value) -> Result<ApiKeyInfo, String> {
        let mut wire: ApiKeyInfo = crate::transport::answer::decode(payload, "apiKeyInfo answer")?;
        if let Value::Object(fields) = payload {
            wire.unknown = fields
                .keys()
                .filter(|name| !KNOWN.contains(&name.as_str()))
                .cloned()
                .collect();
        }
        Ok(wire)
    }
}

/// One key of `GET /api/v3/sub-account/apiKey` (`{"subAccount": [ … ]}`), or the answer of
/// `POST /api/v3/sub-account/apiKey`, which adds `subAccount` and `secretKey`. Read field by
/// field, as [`ApiKeyInfo`] is.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubAccountKey {
    #[serde(default)]
    pub(crate) api_key: Field<String>,
    #[serde(default)]
    pub(crate) note: Field<String>,
    #[serde(default)]
    pub(crate) permissions: Field<Tokens>,
    /// A comma-separated text; `""` when no address is bound.
    #[serde(default)]
    pub(crate) ip: Field<Tokens>,
    /// Epoch ms; MEXC's newer pages spell it `createTime`.
    #[serde(default)]
    pub(crate) create_time: Field<Value>,
    /// Epoch ms; MEXC's GitHub copy of the docs spells it `creatTime`.
    #[serde(default)]
    pub(crate) creat_time: Field<Value>,
    /// Only in the create answer; read here so that it is never taken for an unknown right.
    #[serde(default)]
    pub(crate) secret_key: Field<Value>,
    /// Only in the create answer: the sub-account that holds the new key.
    #[serde(default)]
    pub(crate) sub_account: Field<String>,
    #[serde(skip)]
    pub(crate) unknown: Vec<String>,
}

/// Every field [`SubAccountKey`] reads, as MEXC names it.
const SUB_ACCOUNT_KEY_FIELDS: [&str; 8] = [
    "apiKey",
    "note",
    "permissions",
    "ip",
    "createTime",
    "creatTime",
    "secretKey",
    "subAccount",
];

impl SubAccountKey {
    /// Decodes `payload`, naming the fields it does not know.
    pub(crate) fn read(payload: &Value) -> Result<SubAccountKey, String> {
        let mut wire: SubAccountKey =
            crate::transport::answer::decode(payload, "sub-account API key")?;
        if let Value::Object(fields) = payload {
            wire.unknown = fields
                .keys()
                .filter(|name| !SUB_ACCOUNT_KEY_FIELDS.contains(&name.as_str()))
                .cloned()
                .collect();
        }
        Ok(wire)
    }
}

/// Tokens sent as one comma-separated text or as a list of texts, trimmed, empty ones dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tokens(pub(crate) Vec<String>);

impl<'de> Deserialize<'de> for Tokens {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum TextOrList {
            Text(String),
            List(Vec<String>),
        }
        let parts: Vec<String> = match TextOrList::deserialize(deserializer)? {
            TextOrList::Text(text) => text.split(',').map(str::to_owned).collect(),
            TextOrList::List(items) => items,
        };
        Ok(Tokens(
            parts
                .iter()
                .map(|part| part.trim())
                .filter(|part| !part.is_empty())
                .map(str::to_owned)
                .collect(),
        ))
    }
}

/// `GET /api/v3/time`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServerTime {
    pub(crate) server_time: i64,
}

//! Bybit's answers, as sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

/// `result` of `GET /v5/user/query-api`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiKeyInfo {
    pub(crate) api_key: String,
    pub(crate) note: Option<String>,
    /// `1` read-only, `0` read-write (a boolean in other Bybit answers: both accepted).
    #[serde(deserialize_with = "flag")]
    pub(crate) read_only: bool,
    pub(crate) permissions: BTreeMap<String, Vec<String>>,
    /// `["*"]` when no IP is bound.
    pub(crate) ips: Vec<String>,
    pub(crate) created_at: String,
    /// `1970-01-01T00:00:00Z` for a key that does not expire.
    pub(crate) expired_at: Option<String>,
    pub(crate) is_master: Option<bool>,
}

/// `result` of `GET /v5/market/time`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServerTime {
    pub(crate) time_nano: String,
}

fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum IntOrBool {
        Int(i64),
        Bool(bool),
    }
    match IntOrBool::deserialize(deserializer)? {
        IntOrBool::Bool(b) => Ok(b),
        IntOrBool::Int(0) => Ok(false),
        IntOrBool::Int(1) => Ok(true),
        IntOrBool::Int(_) => Err(serde::de::Error::custom("expected 0 or 1")),
    }
}

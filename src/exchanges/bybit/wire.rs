//! Bybit's answers, as sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

use crate::exchanges::common::{Field, Text};

/// `result` of `GET /v5/user/query-api`. Every field is read on its own ([`Field`]);
/// permission groups are kept as sent and read one by one by the mapper.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiKeyInfo {
    #[serde(default)]
    pub(crate) api_key: Field<String>,
    #[serde(default)]
    pub(crate) note: Field<String>,
    /// `1` read-only, `0` read-write (a boolean in other Bybit answers: both accepted).
    #[serde(default)]
    pub(crate) read_only: Field<Flag>,
    #[serde(default)]
    pub(crate) permissions: Field<BTreeMap<String, Items>>,
    /// `["*"]` when no IP is bound.
    #[serde(default)]
    pub(crate) ips: Field<Vec<String>>,
    #[serde(default)]
    pub(crate) created_at: Field<String>,
    /// `1970-01-01T00:00:00Z` for a key that does not expire.
    #[serde(default)]
    pub(crate) expired_at: Field<String>,
    #[serde(default)]
    pub(crate) is_master: Field<bool>,
    /// `1` personal, `2` connected to a third-party application.
    #[serde(default, rename = "type")]
    pub(crate) key_type: Field<Text>,
}

/// The items of one permission group, trimmed; `None` when the group's value is not a list of
/// strings (only that group is then unreadable).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Items(pub(crate) Option<Vec<String>>);

impl<'de> Deserialize<'de> for Items {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Items(
            Option::<Vec<String>>::deserialize(deserializer)
                .ok()
                .flatten()
                .map(|items| {
                    items
                        .into_iter()
                        .map(|item| match item.trim() {
                            trimmed if trimmed.len() == item.len() => item,
                            trimmed => trimmed.to_owned(),
                        })
                        .collect()
                }),
        ))
    }
}

/// `result` of `GET /v5/market/time`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServerTime {
    pub(crate) time_nano: String,
}

/// A flag Bybit sends as `0`/`1` in some answers and as a boolean in others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Flag(pub(crate) bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum IntOrBool {
            Int(i64),
            Bool(bool),
        }
        match IntOrBool::deserialize(deserializer)? {
            IntOrBool::Bool(b) => Ok(Flag(b)),
            IntOrBool::Int(0) => Ok(Flag(false)),
            IntOrBool::Int(1) => Ok(Flag(true)),
            IntOrBool::Int(_) => Err(serde::de::Error::custom("expected 0 or 1")),
        }
    }
}

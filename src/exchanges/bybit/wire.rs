//! Bybit's answers, as sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::exchanges::common::{Field, Text};

/// `result` of `GET /v5/user/query-api`, and one entry of `GET /v5/user/sub-apikeys` (the same
/// fields, `readOnly` as a boolean, `isMaster` absent, `status` added). Every field is read on
/// its own ([`Field`]); permission groups are kept as sent and read one by one by the mapper.
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
    /// `sub-apikeys` only: `1` permanent, `2` expired, `3` within the validity period, `4`
    /// expires in less than 7 days.
    #[serde(default)]
    pub(crate) status: Field<Text>,
}

/// `result` of `GET /v5/user/query-sub-members`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubMembers {
    #[serde(default)]
    pub(crate) sub_members: Field<Vec<SubMember>>,
}

/// One sub-account of [`SubMembers`]; only its UID matters here.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct SubMember {
    /// A string in the documented example; a number is accepted too.
    #[serde(default)]
    pub(crate) uid: Field<Text>,
}

/// `result` of `GET /v5/user/sub-apikeys`: one page of a sub-account's keys. The entries are
/// kept as sent: each is the evidence of its own `KeyInfo`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubApiKeysPage {
    #[serde(default)]
    pub(crate) result: Field<Vec<Value>>,
    /// `""` on the last page.
    #[serde(default)]
    pub(crate) next_page_cursor: Field<String>,
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

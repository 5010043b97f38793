//! KuCoin's answers, as sent.

use serde::Deserialize;

use crate::exchanges::common::{Field, Text};

/// `data` of `GET /api/v1/user/api-key` ("Get Apikey Info"). Every field is read on its own
/// ([`Field`]).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiKeyInfo {
    #[serde(default)]
    pub(crate) remark: Field<String>,
    #[serde(default)]
    pub(crate) api_key: Field<String>,
    /// The key's version (`2`, `3`): which `KC-API-KEY-VERSION` it expects.
    #[serde(default)]
    pub(crate) api_version: Field<Text>,
    /// Comma-separated rights: `General,Futures,Spot,Earn,InnerTransfer,Transfer,Margin`.
    #[serde(default)]
    pub(crate) permission: Field<String>,
    /// Comma-separated allowlist, masked (`203.**.154`); absent when none is set.
    #[serde(default)]
    pub(crate) ip_whitelist: Field<String>,
    /// Creation time, ms.
    #[serde(default)]
    pub(crate) created_at: Field<i64>,
    #[serde(default)]
    pub(crate) uid: Field<Text>,
    #[serde(default)]
    pub(crate) is_master: Field<bool>,
    /// The sub-account's name; sent for sub-account keys only.
    #[serde(default)]
    pub(crate) sub_name: Field<String>,
}

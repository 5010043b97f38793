//! Kraken's answers, as sent (numbers come as strings, except `nonceWindow`).

use serde::Deserialize;

use crate::exchanges::common::Field;

/// `result` of `POST /0/private/GetApiKeyInfo`. Every field is read on its own ([`Field`]).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiKeyInfo {
    #[serde(default)]
    pub(crate) api_key_name: Field<String>,
    #[serde(default)]
    pub(crate) api_key: Field<String>,
    #[serde(default)]
    pub(crate) permissions: Field<Vec<String>>,
    /// Addresses or ranges; empty when the key is not restricted.
    #[serde(default)]
    pub(crate) ip_allowlist: Field<Vec<String>>,
    /// Unix seconds; `"0"` when the key does not expire.
    #[serde(default)]
    pub(crate) valid_until: Field<String>,
    #[serde(default)]
    pub(crate) created_time: Field<String>,
    /// Unix seconds; `null` when never used.
    #[serde(default)]
    pub(crate) last_used: Field<String>,
}

/// `result` of `GET /0/public/Time`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct ServerTime {
    pub(crate) unixtime: i64,
}

//! Gate's answers, as sent. The documentation and its examples disagree on types (the schema
//! types `created_at` as a string, the example sends a number): times are read as either.

use serde::Deserialize;
use serde_json::Value;

use crate::exchanges::common::{Field, Text};

/// One element of `GET /api/v4/account/main_keys` or of `GET /api/v4/sub_accounts/{user_id}/keys`
/// (the create answer adds `secret`, which is never read into this).
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct KeyEntry {
    /// The key; a main key masked: its first characters and `*****`.
    #[serde(default)]
    pub(crate) key: Field<String>,
    #[serde(default)]
    pub(crate) name: Field<String>,
    /// `[{"name": "spot", "read_only": false}, …]`; a group absent is not granted.
    #[serde(default)]
    pub(crate) perms: Field<Vec<Value>>,
    /// The allowlist; empty: calls are accepted from any address.
    #[serde(default)]
    pub(crate) ip_whitelist: Field<Vec<String>>,
    /// `1` normal, `2` locked, `3` frozen (main keys; sub-account keys number them the other
    /// way round).
    #[serde(default)]
    pub(crate) state: Field<Text>,
    /// Seconds since the epoch.
    #[serde(default)]
    pub(crate) created_at: Field<Text>,
    /// Seconds since the epoch.
    #[serde(default)]
    pub(crate) last_access: Field<Text>,
}

/// One element of `GET /api/v4/sub_accounts`.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct SubAccount {
    /// The sub-account's user id, a number (sent as one; read as either).
    #[serde(default)]
    pub(crate) user_id: Field<Text>,
}

/// `GET /api/v4/spot/time`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct ServerTime {
    pub(crate) server_time: i64,
}

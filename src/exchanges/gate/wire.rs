//! Gate's answers, as sent. The documentation and its examples disagree on types (the schema
//! types `created_at` as a string, the example sends a number): times are read as either.

use serde::Deserialize;
use serde_json::Value;

use crate::exchanges::common::{Field, Text};

/// One element of `GET /api/v4/account/main_keys`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct MainKey {
    /// The key, masked: its first characters and `*****`.
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

/// `GET /api/v4/spot/time`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct ServerTime {
    pub(crate) server_time: i64,
}

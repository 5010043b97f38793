//! HTX's answers, as sent.

use serde::Deserialize;

use crate::exchanges::common::{Field, Text};

/// One element of `data` in `GET /v2/user/api-key`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiKey {
    #[serde(default)]
    pub(crate) access_key: Field<String>,
    /// `normal` or `expired`.
    #[serde(default)]
    pub(crate) status: Field<String>,
    #[serde(default)]
    pub(crate) note: Field<String>,
    /// Comma-separated `readOnly`, `trade`, `withdraw`.
    #[serde(default)]
    pub(crate) permission: Field<String>,
    /// Comma-separated addresses or IPv4 networks; empty when none is bound.
    #[serde(default)]
    pub(crate) ip_addresses: Field<String>,
    /// Days the key stays valid, from its creation; `-1`: permanent.
    #[serde(default)]
    pub(crate) valid_days: Field<Text>,
    /// Milliseconds since the epoch.
    #[serde(default)]
    pub(crate) create_time: Field<i64>,
}

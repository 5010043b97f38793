//! OKX's answers, as sent (numbers come as strings).

use serde::Deserialize;

/// One element of `data` in `GET /api/v5/account/config`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountConfig {
    /// Comma-separated `read_only`, `trade`, `withdraw`.
    pub(crate) perm: String,
    /// Comma-separated allowlist; `""` when no IP is bound.
    pub(crate) ip: String,
    pub(crate) label: Option<String>,
    pub(crate) uid: String,
    pub(crate) main_uid: String,
}

/// One element of `data` in `GET /api/v5/public/time`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct ServerTime {
    pub(crate) ts: String,
}

//! Bitget's answers, as sent.

use serde::Deserialize;

use crate::exchanges::common::{Field, Text};

/// `data` of `GET /api/v2/spot/account/info`. Every field is read on its own ([`Field`]); the
/// account fields (`userId`, `parentId`, `regisTime`: the account's, not the key's) and the
/// affiliate fields are not used.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountInfo {
    /// The key's rights, as codes (`stor`, `stow`, `wwow`, …; the example shows `trade`,
    /// `readonly`).
    #[serde(default)]
    pub(crate) authorities: Field<Vec<String>>,
    /// The IP allowlist, comma-separated.
    #[serde(default)]
    pub(crate) ips: Field<String>,
}

/// `data` of `GET /api/v2/public/time`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServerTime {
    pub(crate) server_time: Text,
}

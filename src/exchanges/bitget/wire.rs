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

/// One element of `data.list` in `GET /api/v3/user/sub-list`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubAccount {
    /// The sub-account's UID, which the key calls take as `subUid`.
    #[serde(default)]
    pub(crate) sub_uid: Field<Text>,
}

/// One element of `data.items` in `GET /api/v3/user/sub-api-list`; the answers of
/// `create-sub-api` and `update-sub-api` carry the same fields (and, on creation only, the
/// secret, which is never read into this type).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubApiKey {
    #[serde(default)]
    pub(crate) api_key: Field<String>,
    #[serde(default)]
    pub(crate) note: Field<String>,
    /// `read_write` or `read_only`: whether the rights in `permissions` may act or only read.
    #[serde(default, rename = "type")]
    pub(crate) kind: Field<String>,
    /// `uta_trade` (unified account trading), `uta_mgt` (unified account management).
    #[serde(default)]
    pub(crate) permissions: Field<Vec<String>>,
    /// The IPv4 allowlist.
    #[serde(default)]
    pub(crate) ips: Field<Vec<String>>,
    /// Creation time, ms as a string (listed keys only).
    #[serde(default)]
    pub(crate) ts: Field<Text>,
}

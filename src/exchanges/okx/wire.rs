//! OKX's answers, as sent (numbers come as strings).

use serde::Deserialize;

use crate::exchanges::common::{Field, Text};

/// One element of `data` in `GET /api/v5/account/config`. Every field is read on its own
/// ([`Field`]); the many account-settings fields this crate does not use are ignored.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountConfig {
    /// Comma-separated `read_only`, `trade`, `withdraw`.
    #[serde(default)]
    pub(crate) perm: Field<String>,
    /// Comma-separated allowlist; `""` when no IP is bound.
    #[serde(default)]
    pub(crate) ip: Field<String>,
    #[serde(default)]
    pub(crate) label: Field<String>,
    /// Decimal digits, as text (a number is not an OKX UID).
    #[serde(default)]
    pub(crate) uid: Field<String>,
    #[serde(default)]
    pub(crate) main_uid: Field<String>,
    /// Account type: `0` main, `1` standard sub, `2` managed trading sub, `5` custody trading
    /// sub (Copper), `9` managed trading sub (Copper), `12` custody trading sub (Komainu).
    #[serde(default, rename = "type")]
    pub(crate) account_type: Field<Text>,
}

/// One element of `data` in `GET /api/v5/public/time`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct ServerTime {
    pub(crate) ts: String,
}

/// One element of `data` in `GET /api/v5/users/subaccount/list`: only what the key listing
/// uses.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubAccount {
    /// The sub-account's name, which every key-management call takes as `subAcct`.
    #[serde(default)]
    pub(crate) sub_acct: Field<String>,
    /// `1` standard, `2` managed trading, `5` custody (Copper), `9` managed trading (Copper),
    /// `12` custody (Komainu).
    #[serde(default, rename = "type")]
    pub(crate) account_type: Field<Text>,
    /// `false`: the sub-account is frozen.
    #[serde(default)]
    pub(crate) enable: Field<bool>,
}

/// One element of `data` in `GET /api/v5/users/subaccount/apikey`; the answers of `POST
/// /api/v5/users/subaccount/apikey` and `modify-apikey` carry the same fields (and, on
/// creation only, the secret, which is never read into this type).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubAccountKey {
    #[serde(default)]
    pub(crate) label: Field<String>,
    #[serde(default)]
    pub(crate) api_key: Field<String>,
    /// Comma-separated `read_only`, `trade` (the modify answer's example says `read`).
    #[serde(default)]
    pub(crate) perm: Field<String>,
    /// Comma-separated allowlist; `""` when no IP is bound.
    #[serde(default)]
    pub(crate) ip: Field<String>,
    /// Creation time, ms as a string.
    #[serde(default)]
    pub(crate) ts: Field<Text>,
}

//! Gemini's answers, as sent.

use serde::Deserialize;

use crate::exchanges::common::Field;

/// The answer of `POST /v1/roles`. Every field is read on its own ([`Field`]); the mapper also
/// reads the whole object, to find flags this crate does not know. `counterparty_id` (master
/// keys) decides nothing and stays in the evidence only.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Roles {
    #[serde(default, rename = "isAuditor")]
    pub(crate) is_auditor: Field<bool>,
    #[serde(default, rename = "isTrader")]
    pub(crate) is_trader: Field<bool>,
    #[serde(default, rename = "isFundManager")]
    pub(crate) is_fund_manager: Field<bool>,
    /// Master-level keys only: the Administrator role.
    #[serde(default, rename = "isAccountAdmin")]
    pub(crate) is_account_admin: Field<bool>,
}

//! Binance's answers, as sent.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::exchanges::common::Field;

/// `GET /sapi/v1/account/apiRestrictions`.
///
/// Every field is read on its own ([`Field`]): one missing or mistyped flag leaves only what it
/// decides unreported. Fields this crate does not know land in `unknown`, where a flag set to
/// `true` is a right the mapper cannot name (the open-world rule).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiRestrictions {
    #[serde(default)]
    pub(crate) ip_restrict: Field<bool>,
    #[serde(default)]
    pub(crate) create_time: Field<i64>,
    #[serde(default)]
    pub(crate) enable_reading: Field<bool>,
    #[serde(default)]
    pub(crate) enable_withdrawals: Field<bool>,
    #[serde(default)]
    pub(crate) enable_spot_and_margin_trading: Field<bool>,
    #[serde(default)]
    pub(crate) enable_internal_transfer: Field<bool>,
    #[serde(default)]
    pub(crate) permits_universal_transfer: Field<bool>,
    #[serde(default)]
    pub(crate) enable_margin: Field<bool>,
    #[serde(default)]
    pub(crate) enable_futures: Field<bool>,
    #[serde(default)]
    pub(crate) enable_portfolio_margin_trading: Field<bool>,
    #[serde(default)]
    pub(crate) enable_vanilla_options: Field<bool>,
    #[serde(default)]
    pub(crate) enable_fix_api_trade: Field<bool>,
    #[serde(default)]
    pub(crate) enable_fix_read_only: Field<bool>,
    #[serde(default)]
    pub(crate) trading_authority_expiration_time: Field<i64>,
    #[serde(flatten)]
    pub(crate) unknown: BTreeMap<String, Value>,
}

/// `GET /api/v3/time`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServerTime {
    pub(crate) server_time: i64,
}

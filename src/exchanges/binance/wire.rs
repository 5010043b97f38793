//! Binance's answers, as sent.

use serde::Deserialize;

/// `GET /sapi/v1/account/apiRestrictions`.
///
/// The fields every documented version carries are required; a missing one is a decode error
/// rather than a silent "not granted". Newer or older flags are optional and become
/// `NotReported` when absent.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiRestrictions {
    pub(crate) ip_restrict: bool,
    pub(crate) create_time: i64,
    pub(crate) enable_reading: bool,
    pub(crate) enable_withdrawals: bool,
    pub(crate) enable_spot_and_margin_trading: bool,
    pub(crate) enable_internal_transfer: Option<bool>,
    pub(crate) permits_universal_transfer: Option<bool>,
    pub(crate) enable_margin: Option<bool>,
    pub(crate) enable_futures: Option<bool>,
    pub(crate) enable_portfolio_margin_trading: Option<bool>,
    pub(crate) enable_vanilla_options: Option<bool>,
    pub(crate) enable_fix_api_trade: Option<bool>,
    pub(crate) enable_fix_read_only: Option<bool>,
    pub(crate) trading_authority_expiration_time: Option<i64>,
}

/// `GET /api/v3/time`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServerTime {
    pub(crate) server_time: i64,
}

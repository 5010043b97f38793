//! Binance's answers, as sent.

use serde::Deserialize;
use serde_json::Value;

use crate::exchanges::common::Field;
use crate::transport::answer::decode;

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
    /// The fields of the answer this struct does not name, filled by [`ApiRestrictions::read`]
    /// (cheaper than `#[serde(flatten)]`).
    #[serde(skip)]
    pub(crate) unknown: Vec<(String, Value)>,
}

/// Every field [`ApiRestrictions`] reads, as Binance names it.
const KNOWN: [&str; 14] = [
    "ipRestrict",
    "createTime",
    "enableReading",
    "enableWithdrawals",
    "enableSpotAndMarginTrading",
    "enableInternalTransfer",
    "permitsUniversalTransfer",
    "enableMargin",
    "enableFutures",
    "enablePortfolioMarginTrading",
    "enableVanillaOptions",
    "enableFixApiTrade",
    "enableFixReadOnly",
    "tradingAuthorityExpirationTime",
];

impl ApiRestrictions {
    /// Decodes `payload`, keeping the fields it does not name in `unknown`.
    pub(crate) fn read(payload: &Value) -> Result<ApiRestrictions, String> {
        let mut wire: ApiRestrictions = decode(payload, "apiRestrictions answer")?;
        if let Value::Object(fields) = payload {
            wire.unknown = fields
                .iter()
                .filter(|(name, _)| !KNOWN.contains(&name.as_str()))
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect();
        }
        Ok(wire)
    }
}

/// `GET /api/v3/time`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServerTime {
    pub(crate) server_time: i64,
}

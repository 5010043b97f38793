//! Binance's `apiRestrictions` answer → [`KeyInfo`]. Pure: no I/O, no clock.
//!
//! | Binance field | `KeyInfo` |
//! |---|---|
//! | `enableReading` | `Read` |
//! | `enableSpotAndMarginTrading` (one flag for both), `enableFixApiTrade` | `SpotTrade` |
//! | `enableSpotAndMarginTrading`, `enableMargin` ("Enable Margin Loan, Repay & Transfer"), `enablePortfolioMarginTrading` (portfolio-margin orders and loans) | `MarginTrade` |
//! | `enableFutures`, `enablePortfolioMarginTrading` | `FuturesTrade` |
//! | `enableVanillaOptions` | `OptionsTrade` |
//! | `enableWithdrawals` | `Withdraw`; also `Payment` (gift cards, the one way an account key pays another party, need "Enable Withdrawals") |
//! | `enableInternalTransfer` (master ↔ sub-account); with it off, a sub-account key with `enableSpotAndMarginTrading` still moves funds to its master and siblings (`subToMaster`, `subToSub`): `NotReported` rather than `Denied` while that flag is on | `InternalTransfer` |
//! | `permitsUniversalTransfer` (only the universal-transfer endpoint: "each business's own transfer API rights are not affected"); with it off, `NotReported` while any trading flag is on, `Denied` otherwise | `UniversalTransfer` |
//! | — (not reported; `Denied` only when every write flag above is off, since every Binance write endpoint needs one) | `SubAccountManagement`, `KeyManagement` |
//! | any other field that is on (`true`, `1`, `"true"`), or is named like a right (`enable…`, `permit…`, `…withdraw…`, …) and not plainly off | `Other(name)`: granted when on, else not reported; no write right `Denied` (an unknown flag could grant any). Every unknown field is listed in `anomalies` |
//! | `ipRestrict` (a boolean: the list itself is not returned) | `ip_restriction`: `Restricted` / `Unrestricted` |
//! | `createTime` (ms) | `created_at` |
//! | `tradingAuthorityExpirationTime` (ms; expiry of the *trading* right, absent when none) | `trading_expires_at` |
//! | — (the key authenticated) | `enabled`: `Known(true)` |
//! | — | `key_id`, `label`, `expires_at` (Binance reports no expiry of the key itself), `last_used_at`, `account`, `delegation`: `NotReported` |
//!
//! A flag of the documented example that is missing or mistyped leaves what it decides, or
//! could decide, `NotReported`, and is listed in [`KeyInfo::anomalies`]. The flags outside the
//! documented example (`enableFixApiTrade`, `enableFixReadOnly`,
//! `tradingAuthorityExpirationTime`) are optional: present, they can only add a grant.

use serde_json::Value;

use crate::exchanges::common::{loose_flag, Reading};
use crate::model::{Grant, IpRestriction, KeyInfo, Permission, Permissions, Reported};
use crate::ExchangeId;

use super::wire::ApiRestrictions;

/// `primary`, upgraded to `Granted` when a secondary flag that also grants the right is set.
/// A secondary flag that `may_be_set` though it could not be read (a documented flag absent or
/// mistyped, an undocumented one mistyped) leaves a denial unknown. An undocumented flag that
/// is absent (`enableFixApiTrade`, newer and narrower) leaves `primary` as it is.
fn or_flag(primary: Grant, secondary: Option<bool>, may_be_set: bool) -> Grant {
    match secondary {
        Some(true) => Grant::Granted,
        None if may_be_set && primary == Grant::Denied => Grant::NotReported,
        _ => primary,
    }
}

/// A documented flag that could not be read may be set.
const DOCUMENTED: bool = true;

/// `grant`, except that a `Denied` becomes `NotReported` while `other_route` may be open.
fn unless_also_via(grant: Grant, other_route: Grant) -> Grant {
    match (grant, other_route) {
        (Grant::Denied, Grant::Granted | Grant::NotReported) => Grant::NotReported,
        (grant, _) => grant,
    }
}

/// The flags of one answer, read.
struct Flags {
    reading: Option<bool>,
    spot_and_margin: Option<bool>,
    withdrawals: Option<bool>,
    internal_transfer: Option<bool>,
    universal_transfer: Option<bool>,
    margin: Option<bool>,
    futures: Option<bool>,
    portfolio_margin: Option<bool>,
    options: Option<bool>,
    fix_trade: Option<bool>,
    /// `enableFixApiTrade` was sent but could not be read: it may be on.
    fix_trade_unreadable: bool,
    fix_read: Option<bool>,
}

impl Flags {
    /// Whether a key with these flags can write anything at all. Every Binance endpoint that
    /// writes needs one of them, so a key with all of them off cannot manage anything.
    fn any_write(&self, unknown_fields: bool) -> Grant {
        let documented = [
            self.spot_and_margin,
            self.withdrawals,
            self.internal_transfer,
            self.universal_transfer,
            self.futures,
            self.options,
            self.margin,
            self.portfolio_margin,
        ];
        if documented.iter().all(|flag| *flag == Some(false))
            && self.fix_trade != Some(true)
            && !self.fix_trade_unreadable
            && !unknown_fields
        {
            Grant::Denied
        } else {
            Grant::NotReported
        }
    }
}

/// Maps a decoded `apiRestrictions` answer. `Err` when it is not one at all.
pub(crate) fn map_api_restrictions(wire: ApiRestrictions) -> Result<KeyInfo, String> {
    let mut reading = Reading::default();
    let r = &mut reading;
    let flags = Flags {
        reading: wire.enable_reading.expected("enableReading", r),
        spot_and_margin: wire
            .enable_spot_and_margin_trading
            .expected("enableSpotAndMarginTrading", r),
        withdrawals: wire.enable_withdrawals.expected("enableWithdrawals", r),
        internal_transfer: wire
            .enable_internal_transfer
            .expected("enableInternalTransfer", r),
        universal_transfer: wire
            .permits_universal_transfer
            .expected("permitsUniversalTransfer", r),
        margin: wire.enable_margin.expected("enableMargin", r),
        futures: wire.enable_futures.expected("enableFutures", r),
        portfolio_margin: wire
            .enable_portfolio_margin_trading
            .expected("enablePortfolioMarginTrading", r),
        options: wire
            .enable_vanilla_options
            .expected("enableVanillaOptions", r),
        fix_trade_unreadable: wire.enable_fix_api_trade.is_invalid(),
        fix_trade: wire.enable_fix_api_trade.optional("enableFixApiTrade", r),
        fix_read: wire.enable_fix_read_only.optional("enableFixReadOnly", r),
    };
    let ip_restrict = wire.ip_restrict.expected("ipRestrict", r);
    let create_time = wire.create_time.expected("createTime", r);
    let trading_expiry = wire
        .trading_authority_expiration_time
        .optional("tradingAuthorityExpirationTime", r);

    let flag = |value: Option<bool>| value.map(Grant::from_flag).unwrap_or_default();
    let spot_and_margin = flag(flags.spot_and_margin);
    let any_trading = [
        spot_and_margin,
        flag(flags.margin),
        flag(flags.futures),
        flag(flags.portfolio_margin),
        flag(flags.options),
    ]
    .into_iter()
    .fold(Grant::Denied, Grant::either);

    let mut permissions = Permissions::new();
    permissions
        .set(Permission::Read, flag(flags.reading))
        .set(
            Permission::SpotTrade,
            or_flag(spot_and_margin, flags.fix_trade, flags.fix_trade_unreadable),
        )
        .set(
            Permission::MarginTrade,
            or_flag(
                or_flag(spot_and_margin, flags.margin, DOCUMENTED),
                flags.portfolio_margin,
                DOCUMENTED,
            ),
        )
        .set(
            Permission::FuturesTrade,
            or_flag(flag(flags.futures), flags.portfolio_margin, DOCUMENTED),
        )
        .set(Permission::OptionsTrade, flag(flags.options))
        .set(Permission::Withdraw, flag(flags.withdrawals))
        .set(Permission::Payment, flag(flags.withdrawals))
        .set(
            Permission::InternalTransfer,
            unless_also_via(flag(flags.internal_transfer), spot_and_margin),
        )
        .set(
            Permission::UniversalTransfer,
            unless_also_via(flag(flags.universal_transfer), any_trading),
        );
    for (name, value) in [
        ("enableReading", flags.reading),
        ("enableSpotAndMarginTrading", flags.spot_and_margin),
        ("enableWithdrawals", flags.withdrawals),
        ("enableInternalTransfer", flags.internal_transfer),
        ("permitsUniversalTransfer", flags.universal_transfer),
        ("enableMargin", flags.margin),
        ("enableFutures", flags.futures),
        ("enablePortfolioMarginTrading", flags.portfolio_margin),
        ("enableVanillaOptions", flags.options),
        ("enableFixApiTrade", flags.fix_trade),
        ("enableFixReadOnly", flags.fix_read),
    ] {
        if value == Some(true) {
            permissions.add_vendor_grant(name);
        }
    }
    let unknown: Vec<(&String, Grant)> = wire
        .unknown
        .iter()
        .filter_map(|(name, value)| unknown_flag(name, value).map(|grant| (name, grant)))
        .collect();
    for (name, value) in &wire.unknown {
        r.unrecognized_right(
            name,
            &format!("a field this crate does not know ({})", value_token(value)),
        );
    }
    let manages = flags.any_write(!unknown.is_empty());
    permissions
        .set(Permission::SubAccountManagement, manages)
        .set(Permission::KeyManagement, manages);
    for (name, grant) in unknown {
        if grant == Grant::Granted {
            permissions.add_vendor_grant(name.clone());
        }
        permissions.unrecognized(name.clone(), grant);
    }

    let mut info = KeyInfo::new(ExchangeId::Binance);
    info.permissions = permissions;
    info.ip_restriction = match ip_restrict {
        Some(true) => IpRestriction::Restricted,
        Some(false) => IpRestriction::Unrestricted,
        None => IpRestriction::NotReported,
    };
    info.created_at = r.time_ms("createTime", create_time);
    info.trading_expires_at = r.time_ms("tradingAuthorityExpirationTime", trading_expiry);
    info.enabled = Reported::Known(true);
    info.anomalies = reading.finish("Binance apiRestrictions answer")?;
    Ok(info)
}

/// What an unknown field may grant: `None` when it is plainly off, or plainly not a flag (a
/// text or number under a name that does not read as a right); `Granted` when it is on
/// (`true`, `1`, `"true"`); `NotReported` for anything else that is, or is named like, a flag.
fn unknown_flag(name: &str, value: &Value) -> Option<Grant> {
    let lower = name.to_ascii_lowercase();
    let named_like_a_right = ["enable", "permit", "allow", "can"]
        .iter()
        .any(|prefix| lower.starts_with(prefix))
        || ["trade", "withdraw", "transfer", "pay"]
            .iter()
            .any(|word| lower.contains(word));
    match (value, loose_flag(value)) {
        (Value::Null, _) | (_, Some(false)) => None,
        (_, Some(true)) => Some(Grant::Granted),
        _ if named_like_a_right => Some(Grant::NotReported),
        _ => None,
    }
}

/// A short description of an unknown field's value, for its anomaly.
fn value_token(value: &Value) -> String {
    match value {
        Value::Bool(b) => format!("{b}"),
        Value::Number(_) => "a number".to_owned(),
        Value::String(_) => "a string".to_owned(),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "an object".to_owned(),
        Value::Null => "null".to_owned(),
    }
}

//! Binance's `apiRestrictions` answer → [`KeyInfo`]. Pure: no I/O, no clock.
//!
//! | Binance field | `KeyInfo` |
//! |---|---|
//! | `enableReading` | `Read` |
//! | `enableSpotAndMarginTrading` (one flag for both), `enableFixApiTrade` | `SpotTrade` |
//! | `enableSpotAndMarginTrading`, `enableMargin` (loans, repayments, margin transfers) | `MarginTrade` |
//! | `enableFutures`, `enablePortfolioMarginTrading` | `FuturesTrade` |
//! | `enableVanillaOptions` | `OptionsTrade` |
//! | `enableWithdrawals` | `Withdraw` |
//! | `enableInternalTransfer` (master ↔ sub-account) | `InternalTransfer` |
//! | `permitsUniversalTransfer` | `UniversalTransfer` |
//! | — (not reported; `Denied` only when every write flag above is off, since every Binance write endpoint needs one) | `SubAccountManagement`, `KeyManagement` |
//! | `ipRestrict` (a boolean: the list itself is not returned) | `ip_restriction`: `Restricted` / `Unrestricted` |
//! | `createTime` (ms) | `created_at` |
//! | `tradingAuthorityExpirationTime` (ms; expiry of the *trading* right, absent when none) | `trading_expires_at` |
//! | — (the key authenticated) | `enabled`: `Known(true)` |
//! | — | `key_id`, `label`, `expires_at` (Binance reports no expiry of the key itself), `last_used_at`, `account`: `NotReported` |
//!
//! A primary flag missing from the answer is `NotReported`, never `Denied`; a secondary flag
//! (FIX, portfolio margin, `enableMargin`) can only add a grant.

use crate::exchanges::common::datetime_from_ms;
use crate::model::{Grant, IpRestriction, KeyInfo, Permission, Permissions, Reported};
use crate::ExchangeId;

use super::wire::ApiRestrictions;

/// `primary`, upgraded to `Granted` when a secondary flag that also grants the right is set.
/// An absent secondary flag leaves `primary` as it is: it is a newer or narrower flag.
fn or_flag(primary: Grant, secondary: Option<bool>) -> Grant {
    if secondary == Some(true) {
        Grant::Granted
    } else {
        primary
    }
}

/// Binance reports no sub-account or key-management right. Every Binance endpoint that
/// writes needs one of the flags, so a key with all of them off cannot manage anything
/// (`Denied`); otherwise which sub-account endpoints it may call is not reported.
fn without_any_write_right(wire: &ApiRestrictions) -> Grant {
    let primary = [
        Some(wire.enable_spot_and_margin_trading),
        Some(wire.enable_withdrawals),
        wire.enable_internal_transfer,
        wire.permits_universal_transfer,
        wire.enable_futures,
        wire.enable_vanilla_options,
    ];
    // Secondary flags, as in `or_flag`, can only add a right.
    let secondary = [
        wire.enable_margin,
        wire.enable_portfolio_margin_trading,
        wire.enable_fix_api_trade,
    ];
    if primary.iter().all(|flag| *flag == Some(false)) && !secondary.contains(&Some(true)) {
        Grant::Denied
    } else {
        Grant::NotReported
    }
}

/// Maps a decoded `apiRestrictions` answer. `Err` names a field whose value is impossible.
pub(crate) fn map_api_restrictions(wire: &ApiRestrictions) -> Result<KeyInfo, String> {
    let flag = |value: Option<bool>| value.map(Grant::from_flag).unwrap_or_default();
    let trading = Grant::from_flag(wire.enable_spot_and_margin_trading);

    let mut permissions = Permissions::new();
    permissions
        .set(Permission::Read, Grant::from_flag(wire.enable_reading))
        .set(
            Permission::SpotTrade,
            or_flag(trading, wire.enable_fix_api_trade),
        )
        .set(
            Permission::MarginTrade,
            or_flag(trading, wire.enable_margin),
        )
        .set(
            Permission::FuturesTrade,
            or_flag(
                flag(wire.enable_futures),
                wire.enable_portfolio_margin_trading,
            ),
        )
        .set(Permission::OptionsTrade, flag(wire.enable_vanilla_options))
        .set(
            Permission::Withdraw,
            Grant::from_flag(wire.enable_withdrawals),
        )
        .set(
            Permission::InternalTransfer,
            flag(wire.enable_internal_transfer),
        )
        .set(
            Permission::UniversalTransfer,
            flag(wire.permits_universal_transfer),
        )
        .set(
            Permission::SubAccountManagement,
            without_any_write_right(wire),
        )
        .set(Permission::KeyManagement, without_any_write_right(wire));
    for (name, value) in [
        ("enableReading", Some(wire.enable_reading)),
        (
            "enableSpotAndMarginTrading",
            Some(wire.enable_spot_and_margin_trading),
        ),
        ("enableWithdrawals", Some(wire.enable_withdrawals)),
        ("enableInternalTransfer", wire.enable_internal_transfer),
        ("permitsUniversalTransfer", wire.permits_universal_transfer),
        ("enableMargin", wire.enable_margin),
        ("enableFutures", wire.enable_futures),
        (
            "enablePortfolioMarginTrading",
            wire.enable_portfolio_margin_trading,
        ),
        ("enableVanillaOptions", wire.enable_vanilla_options),
        ("enableFixApiTrade", wire.enable_fix_api_trade),
        ("enableFixReadOnly", wire.enable_fix_read_only),
    ] {
        if value == Some(true) {
            permissions.add_vendor_grant(name);
        }
    }

    let mut info = KeyInfo::new(ExchangeId::Binance);
    info.permissions = permissions;
    info.ip_restriction = if wire.ip_restrict {
        IpRestriction::Restricted
    } else {
        IpRestriction::Unrestricted
    };
    info.created_at = Reported::Known(datetime_from_ms(wire.create_time, "createTime")?);
    info.trading_expires_at = match wire.trading_authority_expiration_time {
        Some(ms) => Reported::Known(datetime_from_ms(ms, "tradingAuthorityExpirationTime")?),
        None => Reported::NotReported,
    };
    info.enabled = Reported::Known(true);
    Ok(info)
}

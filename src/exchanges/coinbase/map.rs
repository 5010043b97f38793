//! Coinbase's `key_permissions` answer → [`KeyInfo`]. Pure: no I/O, no clock.
//!
//! | Coinbase field | `KeyInfo` |
//! |---|---|
//! | `can_view` | `Read` |
//! | `can_trade` (spot, and the futures Advanced Trade serves, are traded with it) | `SpotTrade`, `FuturesTrade`; `MarginTrade`, `OptionsTrade`: `Denied` without it, `NotReported` with it (Coinbase does not say) |
//! | `can_transfer` ("deposit/withdrawal": "send and receive funds, on and off platform") | `Withdraw`, `Payment` (sending to another user), `UniversalTransfer` (between portfolios); `InternalTransfer`: `Denied` without it, `NotReported` with it |
//! | — (Coinbase has no API to manage keys) | `KeyManagement`: `Denied` |
//! | — (portfolios: not reported) | `SubAccountManagement`: `Denied` when no write flag is set, `NotReported` otherwise |
//! | `can_receive` ("receive inbound payments") | `Other("can_receive")` |
//! | any other `can_…` flag set | `Other(name)` granted; no write right `Denied` |
//! | — (the key's name is the caller's) | `key_id`: the key name |
//! | — (the key authenticated) | `enabled`: `Known(true)` |
//! | — (Coinbase reports none of these) | `label`, `ip_restriction`, `created_at`, `expires_at`, `last_used_at`, `account`, `delegation`: `NotReported` |
//!
//! `portfolio_uuid` and `portfolio_type` stay in the evidence.

use serde_json::Value;

use crate::exchanges::common::Reading;
use crate::model::{Grant, KeyInfo, Permission, Permissions, Reported};
use crate::ExchangeId;

use super::wire::KeyPermissions;

pub(crate) fn map_key_permissions(wire: KeyPermissions, key_name: &str) -> Result<KeyInfo, String> {
    let mut reading = Reading::default();
    let r = &mut reading;
    let view = wire.can_view.expected("can_view", r);
    let trade = wire.can_trade.expected("can_trade", r);
    let transfer = wire.can_transfer.expected("can_transfer", r);
    let receive = wire.can_receive.optional("can_receive", r);
    // The portfolio is evidence only; reading it tells the answer is one.
    let _ = wire.portfolio_uuid.optional("portfolio_uuid", r);
    let _ = wire.portfolio_type.optional("portfolio_type", r);

    let flag = |value: Option<bool>| value.map(Grant::from_flag).unwrap_or_default();
    // Granted or denied as the flag says, but "granted" only as far as Coinbase tells: a right
    // it does not describe is unknown when the flag is on.
    let unless_on = |value: Option<bool>| match value {
        Some(false) => Grant::Denied,
        _ => Grant::NotReported,
    };
    let any_write = flag(trade).either(flag(transfer));
    let mut permissions = Permissions::new();
    permissions
        .set(Permission::Read, flag(view))
        .set(Permission::SpotTrade, flag(trade))
        .set(Permission::FuturesTrade, flag(trade))
        .set(Permission::MarginTrade, unless_on(trade))
        .set(Permission::OptionsTrade, unless_on(trade))
        .set(Permission::Withdraw, flag(transfer))
        .set(Permission::Payment, flag(transfer))
        .set(Permission::UniversalTransfer, flag(transfer))
        .set(Permission::InternalTransfer, unless_on(transfer))
        .set(Permission::KeyManagement, Grant::Denied)
        .set(
            Permission::SubAccountManagement,
            if any_write == Grant::Denied {
                Grant::Denied
            } else {
                Grant::NotReported
            },
        );
    for (name, value) in [
        ("can_view", view),
        ("can_trade", trade),
        ("can_transfer", transfer),
        ("can_receive", receive),
    ] {
        if value == Some(true) {
            permissions.add_vendor_grant(name);
        }
    }
    if receive == Some(true) {
        permissions.set(Permission::Other("can_receive".into()), Grant::Granted);
    }
    for (name, value) in &wire.unknown_flags {
        if value == &Value::Bool(false) {
            r.unrecognized(name, "a flag this crate does not know, off");
            continue;
        }
        r.unrecognized_right(name, "a flag this crate does not know");
        let grant = if value == &Value::Bool(true) {
            permissions.add_vendor_grant(name.clone());
            Grant::Granted
        } else {
            Grant::NotReported
        };
        permissions.unrecognized(name.clone(), grant);
    }

    let mut info = KeyInfo::new(ExchangeId::Coinbase);
    info.permissions = permissions;
    if !key_name.is_empty() {
        info.key_id = Reported::Known(key_name.to_owned());
    }
    info.enabled = Reported::Known(true);
    info.anomalies = reading.finish("Coinbase key_permissions answer")?;
    Ok(info)
}

//! Gemini's `/v1/roles` answer → [`KeyInfo`]. Pure: no I/O, no clock.
//!
//! Gemini gives a key roles, not rights (<https://developer.gemini.com/roles>): Auditor (read
//! only, never combined with another role), Trader (assigned by default; balances, orders, trade
//! history), Fund Manager (balances, deposit addresses, crypto withdrawals, internal transfers
//! between accounts of the same master group) and, on master keys only, Administrator (create
//! and view accounts of the group).
//!
//! | Gemini field | `KeyInfo` |
//! |---|---|
//! | any of `isAuditor`, `isTrader`, `isFundManager`, `isAccountAdmin` | `Read` (every role reads balances or accounts) |
//! | `isTrader` | `SpotTrade` |
//! | `isTrader` (`false` only: Gemini's derivatives and margin depend on the account, not on the key) | `MarginTrade`, `FuturesTrade`, `OptionsTrade`: `Denied` without the role, `NotReported` with it |
//! | `isFundManager` | `Withdraw`, `InternalTransfer`, `UniversalTransfer` |
//! | `isAccountAdmin` (master keys only; absent on account-level keys, named `account-…`, and on Auditor keys, which hold no other role: `Denied` for those) | `SubAccountManagement` |
//! | — (no role manages keys; Gemini has no key API) | `KeyManagement`: `Denied` |
//! | — (no role pays another party but by withdrawal) | `Payment`: `Denied` |
//! | `counterparty_id` | kept in the evidence (master keys only) |
//! | any other `true` flag | `Other(name)` granted; no write right `Denied` |
//! | — (Gemini reports no allowlist, dates, label, id or state) | `ip_restriction`, `created_at`, `expires_at`, `last_used_at`, `label`, `key_id`, `account`: `NotReported` |
//! | — (the key authenticated) | `enabled`: `Known(true)` |
//!
//! `isAuditor` true is exclusive: every write right is then `Denied` unless another flag says
//! otherwise, which Gemini documents as impossible and which is then read as sent.

use serde_json::Value;

use crate::exchanges::common::{loose_flag, Reading};
use crate::model::{Grant, KeyInfo, Permission, Permissions, Reported};
use crate::ExchangeId;

use super::wire::Roles;

/// The fields this mapper reads; any other flag set to `true` is an unknown role.
const KNOWN: [&str; 5] = [
    "isAuditor",
    "isTrader",
    "isFundManager",
    "isAccountAdmin",
    "counterparty_id",
];

/// Maps the answer `payload` (decoded as `wire`), for the key `api_key` (its name tells an
/// account-level key, which can never hold Administrator).
pub(crate) fn map_roles(wire: Roles, payload: &Value, api_key: &str) -> Result<KeyInfo, String> {
    let mut reading = Reading::default();
    let r = &mut reading;
    let auditor = wire.is_auditor.expected("isAuditor", r);
    let trader = wire.is_trader.expected("isTrader", r);
    let fund_manager = wire.is_fund_manager.expected("isFundManager", r);
    let admin_invalid = wire.is_account_admin.is_invalid();
    let admin = wire.is_account_admin.optional("isAccountAdmin", r);

    let flag = |value: Option<bool>| value.map_or(Grant::NotReported, Grant::from_flag);
    // Administrator is exclusive to master keys: an account-level key cannot hold it.
    let account_level = api_key.trim().to_ascii_lowercase().starts_with("account-");
    // So is an Auditor key: "The Auditor role cannot be combined with other roles".
    let exclusive_auditor = auditor == Some(true);
    let admin = match admin {
        Some(admin) => Grant::from_flag(admin),
        None if (account_level || exclusive_auditor) && !admin_invalid => Grant::Denied,
        None => Grant::NotReported,
    };
    let trade = flag(trader);
    let funds = flag(fund_manager);
    let roles = [flag(auditor), trade, funds, admin];
    let read = if roles.contains(&Grant::Granted) {
        Grant::Granted
    } else if roles.iter().all(|g| *g == Grant::Denied) {
        Grant::Denied
    } else {
        Grant::NotReported
    };
    // Only the absence of the Trader role says anything about other products.
    let other_products = match trade {
        Grant::Denied => Grant::Denied,
        _ => Grant::NotReported,
    };

    let mut permissions = Permissions::new();
    permissions
        .set(Permission::Read, read)
        .set(Permission::SpotTrade, trade)
        .set(Permission::MarginTrade, other_products)
        .set(Permission::FuturesTrade, other_products)
        .set(Permission::OptionsTrade, other_products)
        .set(Permission::Withdraw, funds)
        .set(Permission::InternalTransfer, funds)
        .set(Permission::UniversalTransfer, funds)
        .set(Permission::SubAccountManagement, admin)
        .set(Permission::KeyManagement, Grant::Denied)
        .set(Permission::Payment, Grant::Denied);
    for (name, value) in [
        ("Auditor", auditor),
        ("Trader", trader),
        ("FundManager", fund_manager),
        ("Administrator", Some(admin == Grant::Granted)),
    ] {
        if value == Some(true) {
            permissions.add_vendor_grant(name);
        }
    }
    if let Value::Object(fields) = payload {
        for (name, value) in fields {
            if KNOWN.contains(&name.as_str()) {
                continue;
            }
            match loose_flag(value) {
                Some(true) => {
                    r.unrecognized_right(name, &format!("unknown role flag `{}`", name.trim()));
                    permissions.add_vendor_grant(name.trim());
                    permissions.unrecognized(name.trim(), Grant::Granted);
                }
                Some(false) => r.unrecognized(name, "unknown flag, off"),
                None => {}
            }
        }
    }

    let mut info = KeyInfo::new(ExchangeId::Gemini);
    info.permissions = permissions;
    info.enabled = Reported::Known(true);
    info.anomalies = reading.finish("Gemini roles answer")?;
    Ok(info)
}

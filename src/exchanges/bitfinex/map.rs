//! Bitfinex's `/v2/auth/r/permissions` answer → [`KeyInfo`]. Pure: no I/O, no clock.
//!
//! The answer is a list of `[SCOPE, READ, WRITE]`, READ and WRITE `0` or `1`
//! (<https://docs.bitfinex.com/reference/key-permissions>), one entry per documented scope:
//! `account`, `history`, `orders`, `positions`, `funding`, `settings`, `wallets`, `withdraw`,
//! `ui_withdraw`, `bfxpay`.
//!
//! | Bitfinex scope | `KeyInfo` |
//! |---|---|
//! | READ of any scope | `Read` (granted when any is `1`, denied when every documented scope says `0`) |
//! | `orders` WRITE (one order call for exchange, margin and derivatives pairs) | `SpotTrade`, `MarginTrade`, `FuturesTrade` |
//! | `positions` WRITE (claim, increase, close positions) | `MarginTrade`, `FuturesTrade` |
//! | — (Bitfinex lists no options) | `OptionsTrade`: `Denied` |
//! | `withdraw` WRITE, `ui_withdraw` WRITE (inferred from its name: read as a withdrawal right) | `Withdraw` |
//! | `wallets` WRITE (transfers between the account's wallets, and to a sub- or master account by e-mail) | `UniversalTransfer`, `InternalTransfer` |
//! | `account` WRITE, `settings` WRITE (sub-accounts are not a scope of their own) | `SubAccountManagement`: `Denied` when both are `0`, otherwise `NotReported` |
//! | — (no scope creates keys; `/v2/auth/w/token` mints short-lived tokens with at most the key's rights) | `KeyManagement`: `Denied` |
//! | `bfxpay` WRITE (Bitfinex Pay, merchant invoices: whether it also pays out is not documented) | `Payment`: `Denied` when `0`, otherwise `NotReported` |
//! | `account`, `history`, `funding` (margin lending), `settings`, `bfxpay`, `ui_withdraw` WRITE | `Other(scope)` granted |
//! | any other scope (`eaas` has been seen; its meaning is not documented) with READ or WRITE `1` | `Other(scope)` granted; no right `Denied` |
//! | every granted READ / WRITE | evidence: `scope:read`, `scope:write` |
//! | — (Bitfinex reports no allowlist, dates, label, id or state) | `NotReported` |
//! | — (the key authenticated) | `enabled`: `Known(true)` |
//!
//! A documented scope missing from the list is an anomaly, and every right it decides is
//! `NotReported`. An entry that is not `[scope, 0|1, 0|1]` is an anomaly too, and leaves no
//! right `Denied`: nobody can say what it was. Scopes compare without regard to case and
//! surrounding white space.

use serde_json::Value;

use crate::exchanges::common::{loose_flag, Field, Reading};
use crate::model::{AnomalyKind, Grant, KeyInfo, Permission, Permissions, Reported};
use crate::ExchangeId;

/// The scopes Bitfinex documents, each expected in every answer.
const SCOPES: [&str; 10] = [
    "account",
    "history",
    "orders",
    "positions",
    "funding",
    "settings",
    "wallets",
    "withdraw",
    "ui_withdraw",
    "bfxpay",
];

/// Scopes whose WRITE grants nothing normalized by itself: kept as `Other(scope)`.
const OTHERS: [&str; 6] = [
    "account",
    "history",
    "funding",
    "settings",
    "bfxpay",
    "ui_withdraw",
];

/// READ and WRITE of one scope.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Access {
    read: bool,
    write: bool,
}

pub(crate) fn map_permissions(payload: &Value) -> Result<KeyInfo, String> {
    let Value::Array(entries) = payload else {
        return Err("not a Bitfinex permissions answer: not a list".to_owned());
    };
    let mut reading = Reading::default();
    let mut fields: Vec<Field<Access>> = vec![Field::Absent; SCOPES.len()];
    let mut unknown: Vec<(String, Access)> = Vec::new();
    let mut unreadable = false;
    for (index, entry) in entries.iter().enumerate() {
        let scope = entry.get(0).and_then(Value::as_str).map(str::trim);
        let access = match (
            entry.get(1).and_then(loose_flag),
            entry.get(2).and_then(loose_flag),
        ) {
            (Some(read), Some(write)) => Some(Access { read, write }),
            _ => None,
        };
        let known = scope.and_then(|s| SCOPES.iter().position(|k| k.eq_ignore_ascii_case(s)));
        match (scope, known, access) {
            (_, Some(at), Some(access)) => {
                fields[at] = match &fields[at] {
                    Field::Absent => Field::Present(access),
                    Field::Present(seen) if *seen == access => Field::Present(access),
                    _ => Field::Invalid("listed twice, with different values".to_owned()),
                };
            }
            (_, Some(at), None) => {
                fields[at] = Field::Invalid("READ or WRITE is not 0 or 1".to_owned());
            }
            (Some(scope), None, Some(access)) if !scope.is_empty() => {
                unknown.push((scope.to_owned(), access));
            }
            _ => {
                unreadable = true;
                reading.note(
                    AnomalyKind::Invalid,
                    &format!("[{index}]"),
                    "not a [scope, read, write] entry: no right is reported denied",
                );
            }
        }
    }
    let scopes: Vec<Option<Access>> = fields
        .into_iter()
        .zip(SCOPES)
        .map(|(field, name)| field.expected(name, &mut reading))
        .collect();
    let of = |name: &str| {
        SCOPES
            .iter()
            .position(|s| *s == name)
            .and_then(|at| scopes[at])
    };
    let write = |name: &str| of(name).map_or(Grant::NotReported, |a| Grant::from_flag(a.write));

    let read = if scopes.iter().flatten().any(|a| a.read) {
        Grant::Granted
    } else if scopes.iter().all(Option::is_some) {
        Grant::Denied
    } else {
        Grant::NotReported
    };
    let orders = write("orders");
    let leveraged = orders.either(write("positions"));
    let transfers = write("wallets");
    let unless_granted = |grant: Grant| match grant {
        Grant::Denied => Grant::Denied,
        _ => Grant::NotReported,
    };

    let mut permissions = Permissions::new();
    permissions
        .set(Permission::Read, read)
        .set(Permission::SpotTrade, orders)
        .set(Permission::MarginTrade, leveraged)
        .set(Permission::FuturesTrade, leveraged)
        .set(Permission::OptionsTrade, Grant::Denied)
        .set(
            Permission::Withdraw,
            write("withdraw").either(write("ui_withdraw")),
        )
        .set(Permission::InternalTransfer, transfers)
        .set(Permission::UniversalTransfer, transfers)
        .set(
            Permission::SubAccountManagement,
            unless_granted(write("account").either(write("settings"))),
        )
        .set(Permission::KeyManagement, Grant::Denied)
        .set(Permission::Payment, unless_granted(write("bfxpay")));
    for (name, access) in SCOPES.iter().zip(&scopes) {
        let Some(access) = access else { continue };
        if access.read {
            permissions.add_vendor_grant(format!("{name}:read"));
        }
        if access.write {
            permissions.add_vendor_grant(format!("{name}:write"));
            if OTHERS.contains(name) {
                permissions.set(Permission::Other((*name).to_owned()), Grant::Granted);
            }
        }
    }
    for (scope, access) in &unknown {
        if access.read || access.write {
            reading.unrecognized_right(scope, &format!("unknown scope `{scope}`"));
            for (on, what) in [(access.read, "read"), (access.write, "write")] {
                if on {
                    permissions.add_vendor_grant(format!("{scope}:{what}"));
                }
            }
            permissions.unrecognized(scope.as_str(), Grant::Granted);
        } else {
            reading.unrecognized(scope, "unknown scope, neither read nor write");
        }
    }
    if unreadable {
        permissions.relax(&Permission::NORMALIZED);
    }

    let mut info = KeyInfo::new(ExchangeId::Bitfinex);
    info.permissions = permissions;
    info.enabled = Reported::Known(true);
    info.anomalies = reading.finish("Bitfinex permissions answer")?;
    Ok(info)
}

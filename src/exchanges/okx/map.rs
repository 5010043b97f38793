//! OKX's `account/config` answer → [`KeyInfo`]. Pure: no I/O, no clock.
//!
//! | OKX field | `KeyInfo` |
//! |---|---|
//! | every key | `Read` granted (`read_only` is the floor of every OKX key) |
//! | `perm` ∋ `trade` (OKX has one trade right for every product; its funding transfer needs it too) | `SpotTrade`, `MarginTrade`, `FuturesTrade`, `OptionsTrade`, `InternalTransfer`, `UniversalTransfer` |
//! | `perm` ∋ `trade`, on the master account, with a bound IP ("master accounts API Key must be linked to IP addresses" to manage sub-accounts and their keys) | `SubAccountManagement`, `KeyManagement` (`Denied` on a sub-account or without a bound IP) |
//! | `perm` ∋ `withdraw` | `Withdraw` |
//! | — (no OKX right pays another party but a withdrawal) | `Payment`: `Denied` |
//! | any other `perm` token | `Other(token)` granted; no write right `Denied` (nobody can say what a new token grants) |
//! | `ip` (`""` = no IP bound) | `ip_restriction`: `Unrestricted` / `AllowList` |
//! | `label` | `label` |
//! | `uid == mainUid` (else `type` `0`) | `account`: `Master`, else `SubAccount` |
//! | `type`: `0`/`1` holder, `2` managed, `9` managed through Copper, `5` custody by Copper, `12` custody by Komainu | `delegation` |
//! | — (the key authenticated) | `enabled`: `Known(true)` |
//! | — | `key_id`, `created_at`, `expires_at`, `last_used_at`: `NotReported` |
//!
//! Tokens are split on commas (and semicolons, bars, white space) and compare without regard to
//! case. `perm` missing or empty leaves every right but `Read` `NotReported`. OKX deletes keys with trading or withdrawal rights and no
//! bound IP after 14 days without use; that is not an expiry date, so `expires_at` stays
//! `NotReported`.

use crate::exchanges::common::{same_token, split_tokens, Reading};
use crate::model::{
    AccountKind, AnomalyKind, Delegation, Grant, IpRestriction, KeyInfo, Permission, Permissions,
    Reported,
};
use crate::ExchangeId;

use super::wire::AccountConfig;

const KNOWN_TOKENS: [&str; 3] = ["read_only", "trade", "withdraw"];

pub(crate) fn map_account_config(wire: AccountConfig) -> Result<KeyInfo, String> {
    let mut reading = Reading::default();
    let r = &mut reading;
    let perm = wire.perm.expected("perm", r);
    let ip = wire.ip.expected("ip", r);
    let label = wire.label.expected("label", r);
    let uid = wire.uid.expected("uid", r);
    let main_uid = wire.main_uid.expected("mainUid", r);
    let account_type = wire.account_type.expected("type", r);

    let mut tokens: Vec<&str> = perm.as_deref().map(split_tokens).unwrap_or_default();
    // Every OKX key holds at least `read_only`: an empty list is not an answer about rights.
    let perm_read = perm.is_some() && !tokens.is_empty();
    if perm.is_some() && !perm_read {
        r.note(
            AnomalyKind::Invalid,
            "perm",
            "empty, where every key holds at least `read_only`: its rights are not reported",
        );
        tokens.clear();
    }
    let holds = |wanted: &str| {
        perm.as_ref()
            .map(|_| tokens.iter().any(|t| same_token(t, wanted)))
    };
    let trade = holds("trade");
    let master = match (&uid, &main_uid) {
        (Some(uid), Some(main)) => Some(uid == main),
        _ => account_type.as_ref().map(|t| t.0 == "0"),
    };
    let ip_restriction = match &ip {
        Some(list) => r.allowlist("ip", [list.as_str()]),
        None => IpRestriction::NotReported,
    };
    let ip_bound = ip_restriction.is_restricted().into_option();
    let flag = |value: Option<bool>| value.map(Grant::from_flag).unwrap_or_default();

    let mut permissions = Permissions::new();
    permissions.set(Permission::Read, Grant::Granted);
    for right in [
        Permission::SpotTrade,
        Permission::MarginTrade,
        Permission::FuturesTrade,
        Permission::OptionsTrade,
        Permission::InternalTransfer,
        Permission::UniversalTransfer,
    ] {
        permissions.set(right, flag(trade));
    }
    let manages = match (trade, master, ip_bound) {
        (None, _, _) => Grant::NotReported,
        (Some(false), _, _) | (_, Some(false), _) | (_, _, Some(false)) => Grant::Denied,
        (Some(true), Some(true), Some(true)) => Grant::Granted,
        _ => Grant::NotReported,
    };
    permissions
        .set(Permission::SubAccountManagement, manages)
        .set(Permission::KeyManagement, manages)
        .set(Permission::Withdraw, flag(holds("withdraw")))
        .set(Permission::Payment, flag(perm_read.then_some(false)));
    for token in &tokens {
        permissions.add_vendor_grant(*token);
        if !KNOWN_TOKENS.iter().any(|known| same_token(known, token)) {
            r.unrecognized_right("perm", &format!("unknown token `{token}`"));
            permissions.unrecognized(*token, Grant::Granted);
        }
    }

    let mut info = KeyInfo::new(ExchangeId::Okx);
    info.permissions = permissions;
    info.ip_restriction = ip_restriction;
    info.label = label.into();
    info.account = master.map(AccountKind::master_if).into();
    info.delegation = match account_type {
        Some(t) => Reported::Known(delegation(&t.0, r)),
        None => Reported::NotReported,
    };
    info.enabled = Reported::Known(true);
    info.anomalies = reading.finish("OKX account configuration")?;
    Ok(info)
}

fn delegation(account_type: &str, reading: &mut Reading) -> Delegation {
    let named = |name: &str| Some(name.to_owned());
    match account_type {
        "0" | "1" => Delegation::None,
        "2" => Delegation::ManagedTrading { partner: None },
        "9" => Delegation::ManagedTrading {
            partner: named("Copper"),
        },
        "5" => Delegation::Custody {
            custodian: named("Copper"),
        },
        "12" => Delegation::Custody {
            custodian: named("Komainu"),
        },
        other => {
            reading.unrecognized(
                "type",
                &format!("unknown account type `{other}`: who operates the account is not known"),
            );
            Delegation::Unrecognized {
                value: other.to_owned(),
            }
        }
    }
}

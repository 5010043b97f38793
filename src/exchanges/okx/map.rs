//! OKX's `account/config` answer, and the keys of its sub-accounts, → [`KeyInfo`]. Pure: no
//! I/O, no clock.
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
//! | `uid == mainUid` as numbers, both decimal-digit text (else `type`: `0` main, a documented other sub) | `account`: `Master`, else `SubAccount`; not reported on an undocumented `type` |
//! | `type`: `0`/`1` holder, `2` managed, `9` managed through Copper, `5` custody by Copper, `12` custody by Komainu | `delegation` |
//! | — (the key authenticated) | `enabled`: `Known(true)` |
//! | — | `key_id`, `created_at`, `expires_at`, `last_used_at`: `NotReported` |
//!
//! Tokens are split on commas (and semicolons, bars, white space) and compare without regard to
//! case; `read` (the modify-apikey answer's spelling of `read_only`) is `read_only`. `perm`
//! missing or empty leaves every right but `Read` `NotReported`. OKX deletes keys with trading
//! or withdrawal rights and no bound IP after 14 days without use; that is not an expiry date,
//! so `expires_at` stays `NotReported`.

use crate::exchanges::common::{same_token, split_tokens, Reading, Text};
use crate::model::{
    AccountKind, AnomalyKind, Delegation, Grant, IpRestriction, KeyInfo, Permission, Permissions,
    Reported,
};
use crate::ExchangeId;

use super::wire::{AccountConfig, SubAccount, SubAccountKey};

/// The `perm` tokens this mapper knows. `read` is how the modify-apikey answer's example spells
/// `read_only` (its parameter table says `read_only`): the same right.
const KNOWN_TOKENS: [&str; 4] = ["read_only", "read", "trade", "withdraw"];

/// An OKX UID (decimal digits, sent as text), or `None` with an anomaly: a damaged UID differs
/// from the other one without making the key a sub-account's, and a sub-account's key would
/// lose its management rights on that difference alone.
fn okx_uid(value: Option<String>, field: &str, r: &mut Reading) -> Option<String> {
    let value = value?;
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|byte| byte.is_ascii_digit()) {
        return Some(value.to_owned());
    }
    r.note(
        AnomalyKind::Invalid,
        field,
        "not a UID (decimal digits): whose key this is comes from `type` alone",
    );
    None
}

pub(crate) fn map_account_config(wire: AccountConfig) -> Result<KeyInfo, String> {
    let mut reading = Reading::default();
    let r = &mut reading;
    let perm = wire.perm.expected("perm", r);
    let ip = wire.ip.expected("ip", r);
    let label = wire.label.expected("label", r);
    let uid = wire.uid.expected("uid", r);
    let uid = okx_uid(uid, "uid", r);
    let main_uid = wire.main_uid.expected("mainUid", r);
    let main_uid = okx_uid(main_uid, "mainUid", r);
    let account_type = wire.account_type.expected("type", r);

    // OKX's own test (uid = mainUid), as numbers: `0` padding changes no UID. `type` decides
    // only without both UIDs, and a type nobody documented proves neither.
    let master = match (&uid, &main_uid) {
        (Some(uid), Some(main)) => {
            Some(uid.trim_start_matches('0') == main.trim_start_matches('0'))
        }
        _ => account_type.as_ref().and_then(|t| master_by_type(&t.0)),
    };
    let ip_restriction = match &ip {
        Some(list) => r.allowlist("ip", [list.as_str()]),
        None => IpRestriction::NotReported,
    };
    let ip_bound = ip_restriction.is_restricted().into_option();
    let permissions = permissions_of(perm.as_deref(), r, |trade| {
        match (trade, master, ip_bound) {
            (None, _, _) => Grant::NotReported,
            (Some(false), _, _) | (_, Some(false), _) | (_, _, Some(false)) => Grant::Denied,
            (Some(true), Some(true), Some(true)) => Grant::Granted,
            _ => Grant::NotReported,
        }
    });

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

/// One key of a sub-account, as `GET /api/v5/users/subaccount/apikey` lists it, with the
/// sub-account's entry of `GET /api/v5/users/subaccount/list`. Pure.
///
/// | OKX field | `KeyInfo` |
/// |---|---|
/// | `apiKey` | `key_id` |
/// | `label` | `label` |
/// | `perm` | as for the account configuration; `SubAccountManagement` and `KeyManagement` `Denied` (only a master key manages sub-accounts) |
/// | `ip` (`""` = no IP bound) | `ip_restriction` |
/// | `ts` (ms) | `created_at` |
/// | — (listed under a sub-account) | `account`: `SubAccount` |
/// | sub-account `type` | `delegation` |
/// | sub-account `enable` (`false` = frozen; OKX keys have no switch of their own) | `enabled` |
/// | — | `expires_at`, `last_used_at`: `NotReported` |
pub(crate) fn map_sub_account_key(
    sub: &SubAccount,
    wire: SubAccountKey,
) -> Result<KeyInfo, String> {
    let mut reading = Reading::default();
    let r = &mut reading;
    let key_id = wire.api_key.expected("apiKey", r);
    let label = wire.label.expected("label", r);
    let perm = wire.perm.expected("perm", r);
    let ip = wire.ip.expected("ip", r);
    let ts = wire.ts.expected("ts", r);

    let ip_restriction = match &ip {
        Some(list) => r.allowlist("ip", [list.as_str()]),
        None => IpRestriction::NotReported,
    };
    // Only a master key manages sub-accounts and their keys.
    let permissions = permissions_of(perm.as_deref(), r, |trade| match trade {
        None => Grant::NotReported,
        Some(_) => Grant::Denied,
    });
    let created_at = match ts {
        Some(Text(text)) => match text.parse::<i64>() {
            Ok(ms) => r.time_ms("ts", Some(ms)),
            Err(_) => {
                r.note(
                    AnomalyKind::Invalid,
                    "ts",
                    "not a time in milliseconds: the creation time is not reported",
                );
                Reported::NotReported
            }
        },
        None => Reported::NotReported,
    };

    let mut info = KeyInfo::new(ExchangeId::Okx);
    info.key_id = key_id.into();
    info.label = label.into();
    info.permissions = permissions;
    info.ip_restriction = ip_restriction;
    info.created_at = created_at;
    info.account = Reported::Known(AccountKind::SubAccount);
    let mut anomalies = reading.finish("OKX sub-account API key")?;
    // The sub-account's own fields: what they miss costs only what they decide, and they never
    // make an entry without any key field pass as a key.
    let mut about_sub = Reading::default();
    info.delegation = match sub.account_type.clone().expected("type", &mut about_sub) {
        Some(t) => Reported::Known(delegation(&t.0, &mut about_sub)),
        None => Reported::NotReported,
    };
    info.enabled = sub.enable.clone().expected("enable", &mut about_sub).into();
    anomalies.extend(about_sub.anomalies);
    info.anomalies = anomalies;
    Ok(info)
}

/// The rights `perm` grants. Every OKX key holds `read_only`; one `trade` right covers every
/// product and the funding transfers; `manages` decides sub-account and key management from
/// the `trade` right (`None`: not reported).
fn permissions_of(
    perm: Option<&str>,
    r: &mut Reading,
    manages: impl FnOnce(Option<bool>) -> Grant,
) -> Permissions {
    let mut tokens: Vec<&str> = perm.map(split_tokens).unwrap_or_default();
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
    // An empty `perm` answers nothing about rights: no right is `Denied` on it.
    let holds = |wanted: &str| perm_read.then(|| tokens.iter().any(|t| same_token(t, wanted)));
    let trade = holds("trade");
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
    let manages = manages(trade);
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
    permissions
}

/// Whether `type` says the main account (`0`) or a sub-account (the documented others); `None`
/// for a type nobody documented, which proves neither.
fn master_by_type(account_type: &str) -> Option<bool> {
    match account_type {
        "0" => Some(true),
        "1" | "2" | "5" | "9" | "12" => Some(false),
        _ => None,
    }
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

//! Gate's key entries → [`KeyInfo`]: an entry of `account/main_keys` (the main account's keys)
//! and an entry of `sub_accounts/{user_id}/keys` (a sub-account's keys; the same fields, the key
//! unmasked). Pure: no I/O, no clock.
//!
//! | Gate field | `KeyInfo` |
//! |---|---|
//! | `key` (main keys masked: first 12 characters, then `*****`) | `key_id`, as shown |
//! | `name` | `label` |
//! | `perms[]` group `spot` (spot and margin), write (`read_only: false`) | `SpotTrade`, `MarginTrade` |
//! | group `margin` / `futures`, `delivery` / `options`, write | `MarginTrade` / `FuturesTrade` / `OptionsTrade` |
//! | group `wallet`, write (also for a sub-account key, which Gate says cannot withdraw: the unsafe side) | `Withdraw`, `InternalTransfer`, `UniversalTransfer` |
//! | group `account`, write (UNVERIFIED: the group Gate's sub-account calls need) | `SubAccountManagement`, `KeyManagement` |
//! | a group absent, or present with `read_only: true` | its rights `Denied` ("absent = not granted") |
//! | any group present | `Read` granted |
//! | groups `earn`, `custody`, `loan`, `unified`, `copy`, `pilot`, `otc`, `alpha`, `crossx`, write | `Other(group)` granted |
//! | — (no Gate right pays another party but a withdrawal) | `Payment`: `Denied` |
//! | a group this mapper does not know, or an entry it cannot read | `Other(name)` granted; no write right `Denied` |
//! | `ip_whitelist` (`[]` = any address) | `ip_restriction` |
//! | `state`: `1` normal; `2`, `3` locked or frozen (main keys: 2 locked, 3 frozen; sub-account keys: 2 frozen, 3 locked) | `enabled` |
//! | `created_at` (s; ms read as ms) | `created_at` |
//! | `last_access` (s) | `last_used_at` |
//! | — (`main_keys` lists the main account's keys) / the sub-account named in the path | `account`: `Master` / `SubAccount`, `sub_account`: the user id |
//! | — (Gate documents no expiry) | `expires_at`: `NotReported` |

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::exchanges::common::{same_token, Reading, Text};
use crate::model::{
    AccountKind, AnomalyKind, Grant, IpRestriction, KeyInfo, Permission, Permissions, Reported,
};
use crate::ExchangeId;

use super::wire::KeyEntry;

/// The groups and the rights their write access grants.
const GROUPS: &[(&str, &[Permission])] = &[
    ("spot", &[Permission::SpotTrade, Permission::MarginTrade]),
    ("margin", &[Permission::MarginTrade]),
    ("futures", &[Permission::FuturesTrade]),
    ("delivery", &[Permission::FuturesTrade]),
    ("options", &[Permission::OptionsTrade]),
    (
        "wallet",
        &[
            Permission::Withdraw,
            Permission::InternalTransfer,
            Permission::UniversalTransfer,
        ],
    ),
    (
        "account",
        &[Permission::SubAccountManagement, Permission::KeyManagement],
    ),
];

/// Documented groups with no normalized right of their own.
const OTHER_GROUPS: &[&str] = &[
    "earn", "custody", "loan", "unified", "copy", "pilot", "otc", "alpha", "crossx",
];

pub(crate) fn map_main_key(wire: KeyEntry) -> Result<KeyInfo, String> {
    map_entry(wire, None)
}

/// A key of the sub-account `user_id`, as `sub_accounts/{user_id}/keys` lists it.
pub(crate) fn map_sub_account_key(wire: KeyEntry, user_id: &str) -> Result<KeyInfo, String> {
    map_entry(wire, Some(user_id))
}

fn map_entry(wire: KeyEntry, sub_account: Option<&str>) -> Result<KeyInfo, String> {
    let mut reading = Reading::default();
    let r = &mut reading;
    let key = wire.key.expected("key", r);
    let name = wire.name.expected("name", r);
    let perms = wire.perms.expected("perms", r);
    let ips = wire.ip_whitelist.expected("ip_whitelist", r);
    let state = wire.state.expected("state", r);
    let created = wire.created_at.expected("created_at", r);
    let last_access = wire.last_access.optional("last_access", r);

    let mut info = KeyInfo::new(ExchangeId::Gate);
    info.key_id = key.into();
    info.label = name.into();
    info.permissions = permissions_of(perms.as_deref(), r);
    info.ip_restriction = match &ips {
        Some(list) => r.allowlist("ip_whitelist", list.iter().map(String::as_str)),
        None => IpRestriction::NotReported,
    };
    info.enabled = match state.as_ref().map(|t| t.0.as_str()) {
        Some("1") => Reported::Known(true),
        Some("2" | "3") => Reported::Known(false),
        Some(other) => {
            r.unrecognized(
                "state",
                &format!("unknown state `{other}`: whether the key is enabled is not reported"),
            );
            Reported::NotReported
        }
        None => Reported::NotReported,
    };
    info.created_at = seconds(created.as_ref(), "created_at", r);
    info.last_used_at = seconds(last_access.as_ref(), "last_access", r);
    let what = match sub_account {
        None => {
            info.account = Reported::Known(AccountKind::Master);
            "Gate main-account key"
        }
        Some(user_id) => {
            info.account = Reported::Known(AccountKind::SubAccount);
            info.sub_account = Reported::Known(user_id.to_owned());
            "Gate sub-account key"
        }
    };
    info.anomalies = reading.finish(what)?;
    Ok(info)
}

/// A time Gate sends in seconds (as a number or a string; a value beyond the year 33658 in
/// seconds is taken as milliseconds).
fn seconds(value: Option<&Text>, field: &str, r: &mut Reading) -> Reported<DateTime<Utc>> {
    let Some(Text(text)) = value else {
        return Reported::NotReported;
    };
    let parsed = text.parse::<i64>().ok().or_else(|| {
        text.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| f as i64)
    });
    match parsed {
        Some(n) if n > 0 => {
            let ms = if n >= 1_000_000_000_000 {
                n
            } else {
                n.saturating_mul(1000)
            };
            r.time_ms(field, Some(ms))
        }
        _ => {
            r.note(
                AnomalyKind::Invalid,
                field,
                "not a time in seconds: not reported",
            );
            Reported::NotReported
        }
    }
}

/// The rights a `perms` list grants, read as an answer's would be: what a key sent these
/// `perms` should show.
pub(crate) fn rights_of(perms: &[Value]) -> Permissions {
    permissions_of(Some(perms), &mut Reading::default())
}

/// The rights of `perms`. A list that cannot be read leaves every right `NotReported`.
fn permissions_of(perms: Option<&[Value]>, r: &mut Reading) -> Permissions {
    let mut permissions = Permissions::new();
    let Some(perms) = perms else {
        return permissions;
    };
    // Each group: its name, and whether it writes (`None`: unreadable).
    let mut groups: Vec<(String, Option<bool>)> = Vec::new();
    let mut unreadable = false;
    for entry in perms {
        let name = entry.get("name").and_then(Value::as_str).map(str::trim);
        let read_only = entry.get("read_only").and_then(Value::as_bool);
        match name {
            Some(name) if !name.is_empty() => {
                groups.push((name.to_owned(), read_only.map(|ro| !ro)))
            }
            _ => unreadable = true,
        }
    }
    if !groups.is_empty() || perms.is_empty() {
        permissions.set(
            Permission::Read,
            if groups.is_empty() {
                Grant::NotReported
            } else {
                Grant::Granted
            },
        );
    }
    for (group, rights) in GROUPS {
        let writes: Vec<Option<bool>> = groups
            .iter()
            .filter(|(name, _)| same_token(name, group))
            .map(|(_, write)| *write)
            .collect();
        // Granted if any entry of the group writes; unknown if one cannot be read.
        let write = if writes.contains(&Some(true)) {
            Some(true)
        } else if writes.contains(&None) {
            None
        } else {
            Some(false)
        };
        for right in *rights {
            // A right two groups grant (margin) is granted if either grants it.
            if permissions.get(right) == Grant::Granted {
                continue;
            }
            permissions.set(
                right.clone(),
                write.map(Grant::from_flag).unwrap_or_default(),
            );
        }
    }
    permissions.set(Permission::Payment, Grant::Denied);
    let mut unknown = Vec::new();
    for (name, write) in &groups {
        if *write == Some(true) || write.is_none() {
            permissions.add_vendor_grant(name.clone());
        }
        let known = GROUPS.iter().any(|(g, _)| same_token(g, name));
        let other = OTHER_GROUPS.iter().any(|g| same_token(g, name));
        if !known && !other {
            unknown.push((name.clone(), *write));
        } else if other && *write != Some(false) {
            permissions.set(Permission::Other(name.clone()), Grant::Granted);
        } else if write.is_none() {
            r.note(
                AnomalyKind::Invalid,
                "perms",
                format!(
                    "group `{name}` without a readable `read_only`: its rights are not reported"
                ),
            );
            permissions.unrecognized(name.clone(), Grant::Granted);
        }
    }
    if unreadable {
        r.note(
            AnomalyKind::Invalid,
            "perms",
            "an entry without a readable name: no write right is reported denied",
        );
        permissions.relax(&Permission::NORMALIZED);
    }
    for (name, write) in unknown {
        r.unrecognized_right("perms", &format!("unknown group `{name}`"));
        let grant = if write == Some(false) {
            Grant::NotReported
        } else {
            Grant::Granted
        };
        permissions.unrecognized(name, grant);
    }
    permissions
}

//! BingX's answers about keys → [`KeyInfo`]: the key in use (`apiPermissions`) and the keys
//! `apiKey/query` lists. Pure: no I/O, no clock.
//!
//! | BingX field | `KeyInfo` |
//! |---|---|
//! | `permissions` ∋ `2` (read) | `Read` |
//! | `permissions` ∋ `1` (spot trading) | `SpotTrade` |
//! | `permissions` ∋ `3` (perpetual futures trading) | `FuturesTrade` |
//! | `permissions` ∋ `4` (universal transfer) | `UniversalTransfer` |
//! | `permissions` ∋ `5` (withdraw; BingX pays other parties only through it) | `Withdraw`, `Payment` |
//! | `permissions` ∋ `7` (internal transfer of sub-accounts) | `InternalTransfer` |
//! | — (BingX's API serves spot and perpetual futures only: no margin borrowing, no options) | `MarginTrade`, `OptionsTrade`: `Denied` |
//! | — (sub-account calls need "Manage Subaccounts", which has no documented code) | `SubAccountManagement`, `KeyManagement`: `Denied` when every code is documented |
//! | any other code (`6` appears in one BingX example, undocumented) | `Other(code)` granted; no right `Denied` |
//! | `ipAddresses` (`[]` or `[""]` = none) | `ip_restriction` |
//! | `apiKey` (`""` in the documented example; masked in `apiKey/query`'s) / `note` | `key_id` (an empty one is not reported) / `label` |
//! | `apiPermissions`: — (the key authenticated) | `enabled`: `Known(true)` |
//! | `apiKey/query`: `createTime` (ms) | `created_at` |
//! | `apiKey/query`: `status` (values undocumented) | — (`enabled`: `NotReported`; kept in the evidence) |
//! | — | `expires_at`, `last_used_at`, `delegation`: `NotReported`; `account`: `SubAccount` for `apiKey/query`'s keys, else `NotReported` |
//!
//! An entry of `permissions` that is not a code (null, or neither a number nor text) could be
//! any right, as an unknown code could: it leaves no right `Denied`. A `permissions` that is not
//! a list leaves every right `NotReported`.

use crate::exchanges::common::{Field, Reading, Text};
use crate::model::{
    AccountKind, AnomalyKind, Grant, IpRestriction, KeyInfo, Permission, Permissions, Reported,
};
use crate::ExchangeId;

use super::wire::{ApiKeyInfo, ApiPermissions};

/// The codes BingX documents.
pub(crate) const KNOWN: [&str; 6] = ["1", "2", "3", "4", "5", "7"];

pub(crate) fn map_api_permissions(wire: ApiPermissions) -> Result<KeyInfo, String> {
    let mut reading = Reading::default();
    let r = &mut reading;
    let api_key = wire.api_key.expected("apiKey", r);
    let note = wire.note.expected("note", r);
    let codes = wire.permissions.expected("permissions", r);
    let ips = wire.ip_addresses.expected("ipAddresses", r);

    let mut info = KeyInfo::new(ExchangeId::Bingx);
    info.permissions = permissions_of(codes, r);
    info.key_id = key_id(api_key);
    info.label = note.into();
    info.ip_restriction = allowlist(ips.as_deref(), r);
    info.enabled = Reported::Known(true);
    info.anomalies = reading.finish("BingX apiPermissions answer")?;
    Ok(info)
}

/// A key as `apiKey/query` lists it: a sub-account's key, when a master key asks.
pub(crate) fn map_api_key(wire: ApiKeyInfo) -> Result<KeyInfo, String> {
    let mut reading = Reading::default();
    let r = &mut reading;
    let api_key = wire.api_key.expected("apiKey", r);
    let note = wire.note.expected("note", r);
    let codes = wire.permissions.expected("permissions", r);
    let ips = wire.ip_addresses.expected("ipAddresses", r);
    let created = wire.create_time.expected("createTime", r);

    let mut info = KeyInfo::new(ExchangeId::Bingx);
    info.permissions = permissions_of(codes, r);
    info.key_id = key_id(api_key);
    info.label = note.into();
    info.ip_restriction = allowlist(ips.as_deref(), r);
    info.created_at = r.time_ms("createTime", created);
    info.account = Reported::Known(AccountKind::SubAccount);
    info.anomalies = reading.finish("BingX API key entry")?;
    Ok(info)
}

/// The codes of a `permissions` list that could be read, and whether one could not.
pub(crate) fn held_codes(codes: Vec<Field<Text>>) -> (Vec<String>, bool) {
    let mut held = Vec::new();
    let mut unreadable = false;
    for code in codes {
        match code {
            Field::Present(text) if !text.0.is_empty() => held.push(text.0),
            // A null entry is no code either: it stands where one was.
            _ => unreadable = true,
        }
    }
    (held, unreadable)
}

fn permissions_of(codes: Option<Vec<Field<Text>>>, r: &mut Reading) -> Permissions {
    let mut permissions = Permissions::new();
    let Some(codes) = codes else {
        return permissions;
    };
    let (held, unreadable) = held_codes(codes);
    let holds = |code: &str| Grant::from_flag(held.iter().any(|h| h == code));
    permissions
        .set(Permission::Read, holds("2"))
        .set(Permission::SpotTrade, holds("1"))
        .set(Permission::FuturesTrade, holds("3"))
        .set(Permission::UniversalTransfer, holds("4"))
        .set(Permission::Withdraw, holds("5"))
        .set(Permission::Payment, holds("5"))
        .set(Permission::InternalTransfer, holds("7"))
        .set(Permission::MarginTrade, Grant::Denied)
        .set(Permission::OptionsTrade, Grant::Denied)
        .set(Permission::SubAccountManagement, Grant::Denied)
        .set(Permission::KeyManagement, Grant::Denied);
    for code in &held {
        permissions.add_vendor_grant(code.clone());
    }
    if unreadable {
        r.note(
            AnomalyKind::Invalid,
            "permissions",
            "holds an entry that is not a code (null, or neither a number nor a text): it could \
             be any right, so no right is reported denied",
        );
        permissions.relax(&Permission::NORMALIZED);
    }
    for code in held.iter().filter(|code| !KNOWN.contains(&code.as_str())) {
        r.unrecognized_right("permissions", &format!("unknown code `{code}`"));
        permissions.unrecognized(code.clone(), Grant::Granted);
    }
    permissions
}

fn key_id(api_key: Option<String>) -> Reported<String> {
    match api_key {
        Some(key) if !key.trim().is_empty() => Reported::Known(key),
        _ => Reported::NotReported,
    }
}

fn allowlist(ips: Option<&[String]>, r: &mut Reading) -> IpRestriction {
    match ips {
        Some(ips) => r.allowlist("ipAddresses", ips.iter().map(String::as_str)),
        None => IpRestriction::NotReported,
    }
}

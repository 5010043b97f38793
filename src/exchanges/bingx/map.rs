//! BingX's `apiPermissions` answer → [`KeyInfo`]. Pure: no I/O, no clock.
//!
//! | BingX field | `KeyInfo` |
//! |---|---|
//! | `permissions` ∋ `2` (read) | `Read` |
//! | `permissions` ∋ `1` (spot trading) | `SpotTrade` |
//! | `permissions` ∋ `3` (perpetual futures trading) | `FuturesTrade` |
//! | `permissions` ∋ `4` (universal transfer) | `UniversalTransfer` |
//! | `permissions` ∋ `5` (withdraw; BingX pays other parties only through it) | `Withdraw`, `Payment` |
//! | `permissions` ∋ `7` (internal transfer of sub-accounts) | `InternalTransfer` |
//! | — (BingX lists no margin or options right) | `MarginTrade`, `OptionsTrade`: `Denied` when neither `1` nor `3` is held, else `NotReported` |
//! | — (sub-account calls need "Manage Subaccounts", which has no documented code) | `SubAccountManagement`, `KeyManagement`: `Denied` when every code is documented |
//! | any other code (`6` appears in one BingX example, undocumented) | `Other(code)` granted; no right `Denied` |
//! | `ipAddresses` (`[]` or `[""]` = none) | `ip_restriction` |
//! | `apiKey` (`""` in the documented example) / `note` | `key_id` (an empty one is not reported) / `label` |
//! | — (the key authenticated) | `enabled`: `Known(true)` |
//! | — (creation time and status come from `GET /openApi/account/v1/apiKey/query`, not called) | `created_at`, `expires_at`, `last_used_at`, `account`, `delegation`: `NotReported` |
//!
//! A code that is neither a number nor text, or a `permissions` that is not a list, leaves no
//! write right `Denied`.

use crate::exchanges::common::{Field, Reading};
use crate::model::{AnomalyKind, Grant, IpRestriction, KeyInfo, Permission, Permissions, Reported};
use crate::ExchangeId;

use super::wire::ApiPermissions;

/// The codes BingX documents.
const KNOWN: [&str; 6] = ["1", "2", "3", "4", "5", "7"];

pub(crate) fn map_api_permissions(wire: ApiPermissions) -> Result<KeyInfo, String> {
    let mut reading = Reading::default();
    let r = &mut reading;
    let api_key = wire.api_key.expected("apiKey", r);
    let note = wire.note.expected("note", r);
    let codes = wire.permissions.expected("permissions", r);
    let ips = wire.ip_addresses.expected("ipAddresses", r);

    let mut permissions = Permissions::new();
    if let Some(codes) = codes {
        let mut held = Vec::new();
        let mut unreadable = false;
        for code in codes {
            match code {
                Field::Present(text) if !text.0.is_empty() => held.push(text.0),
                Field::Absent => {}
                _ => unreadable = true,
            }
        }
        let holds = |code: &str| Grant::from_flag(held.iter().any(|h| h == code));
        let trades = holds("1").either(holds("3"));
        let margin_or_options = if trades == Grant::Granted {
            Grant::NotReported
        } else {
            Grant::Denied
        };
        permissions
            .set(Permission::Read, holds("2"))
            .set(Permission::SpotTrade, holds("1"))
            .set(Permission::FuturesTrade, holds("3"))
            .set(Permission::UniversalTransfer, holds("4"))
            .set(Permission::Withdraw, holds("5"))
            .set(Permission::Payment, holds("5"))
            .set(Permission::InternalTransfer, holds("7"))
            .set(Permission::MarginTrade, margin_or_options)
            .set(Permission::OptionsTrade, margin_or_options)
            .set(Permission::SubAccountManagement, Grant::Denied)
            .set(Permission::KeyManagement, Grant::Denied);
        for code in &held {
            permissions.add_vendor_grant(code.clone());
        }
        if unreadable {
            r.note(
                AnomalyKind::Invalid,
                "permissions",
                "holds a code that is neither a number nor a text: no write right is reported denied",
            );
            permissions.relax(&Permission::WRITE);
        }
        for code in held.iter().filter(|code| !KNOWN.contains(&code.as_str())) {
            r.unrecognized_right("permissions", &format!("unknown code `{code}`"));
            permissions.unrecognized(code.clone(), Grant::Granted);
        }
    }

    let mut info = KeyInfo::new(ExchangeId::Bingx);
    info.permissions = permissions;
    info.key_id = match api_key {
        Some(key) if !key.trim().is_empty() => Reported::Known(key),
        _ => Reported::NotReported,
    };
    info.label = note.into();
    info.ip_restriction = match &ips {
        Some(ips) => r.allowlist("ipAddresses", ips.iter().map(String::as_str)),
        None => IpRestriction::NotReported,
    };
    info.enabled = Reported::Known(true);
    info.anomalies = reading.finish("BingX apiPermissions answer")?;
    Ok(info)
}

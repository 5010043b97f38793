//! Kraken Futures' `api-keys/v3/check` answer → [`KeyInfo`]. Pure: no I/O, no clock.
//!
//! A key has two access levels, each `NO_ACCESS`, `READ_ONLY` or `FULL_ACCESS` (an exhaustive
//! enum in Kraken's spec): `general` ("General API" in the key form: read-only reaches only the
//! endpoints that do not write; full access is "a master key … all endpoints, excluding digital
//! asset withdrawals") and `transfer` ("Withdrawal API": full access withdraws).
//!
//! | Kraken field | `KeyInfo` |
//! |---|---|
//! | `permissions.general` ≠ `NO_ACCESS` | `Read` |
//! | `permissions.general` = `FULL_ACCESS` | `FuturesTrade`, `SubAccountManagement` (sub-account trading switch) |
//! | `permissions.transfer` = `FULL_ACCESS` | `Withdraw` |
//! | either at `FULL_ACCESS` (which tier the transfer endpoints need is not documented) | `InternalTransfer` (between margin accounts, to sub-accounts), `UniversalTransfer` (to the spot wallet) |
//! | — (a derivatives venue: spot is traded with Kraken spot keys; no options are listed) | `SpotTrade`, `MarginTrade`, `OptionsTrade`: `Denied` |
//! | — (no API manages keys or pays another party) | `KeyManagement`, `Payment`: `Denied` |
//! | a level that is none of the three (or not text) | the rights of that tier `NotReported`, no right `Denied`, an anomaly |
//! | any other entry of `permissions` | `Other(name)`; no right stays `Denied` |
//! | `allowedCidrBlocks` ∪ `allowedCidrBlock` (empty: not restricted) | `ip_restriction` |
//! | `apiKey` | `key_id` |
//! | `createdAt` (RFC 3339) | `created_at` |
//! | — (the key authenticated) | `enabled`: `Known(true)` |
//! | — (`accountUid`, `iiban` name the account, not its kind; kept in the evidence) | `label`, `expires_at`, `last_used_at`, `account`: `NotReported` |

use serde_json::{Map, Value};

use crate::exchanges::common::{same_token, Reading};
use crate::model::{AnomalyKind, Grant, IpRestriction, KeyInfo, Permission, Permissions, Reported};
use crate::ExchangeId;

use super::wire::CheckedApiKey;

/// One tier's level, as read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    None,
    ReadOnly,
    Full,
}

/// The level of tier `name`: `None` (the Rust one) when it is absent or unreadable, which
/// the reading records; `unknown` is set when a level is sent that is none of the three.
fn level(
    map: &Map<String, Value>,
    name: &str,
    r: &mut Reading,
    unknown: &mut bool,
) -> Option<Level> {
    let field = format!("permissions.{name}");
    let Some(value) = map.get(name) else {
        r.note(
            AnomalyKind::Missing,
            &field,
            "expected in the answer and absent: what it decides is not reported",
        );
        return None;
    };
    let text = value.as_str().unwrap_or_default();
    let known = [
        ("NO_ACCESS", Level::None),
        ("READ_ONLY", Level::ReadOnly),
        ("FULL_ACCESS", Level::Full),
    ];
    match known.iter().find(|(token, _)| same_token(token, text)) {
        Some((_, level)) => Some(*level),
        None => {
            *unknown = true;
            r.unrecognized(
                &field,
                "not NO_ACCESS, READ_ONLY or FULL_ACCESS: what this tier grants is not reported",
            );
            None
        }
    }
}

pub(crate) fn map_checked_key(wire: CheckedApiKey) -> Result<KeyInfo, String> {
    let mut reading = Reading::default();
    let r = &mut reading;
    let key_id = wire.api_key.expected("apiKey", r);
    let created = wire.created_at.expected("createdAt", r);
    let permission_map = wire.permissions.expected("permissions", r);
    let blocks = wire.allowed_cidr_blocks.expected("allowedCidrBlocks", r);
    let block = wire.allowed_cidr_block.optional("allowedCidrBlock", r);

    let mut permissions = Permissions::new();
    if let Some(map) = &permission_map {
        let mut unknown = false;
        let general = level(map, "general", r, &mut unknown);
        let transfer = level(map, "transfer", r, &mut unknown);
        let full = |tier: Option<Level>| tier.map(|l| Grant::from_flag(l == Level::Full));
        permissions
            .set(Permission::SpotTrade, Grant::Denied)
            .set(Permission::MarginTrade, Grant::Denied)
            .set(Permission::OptionsTrade, Grant::Denied)
            .set(Permission::KeyManagement, Grant::Denied)
            .set(Permission::Payment, Grant::Denied);
        if let Some(general) = general {
            permissions.set(Permission::Read, Grant::from_flag(general != Level::None));
        }
        if let Some(trade) = full(general) {
            permissions
                .set(Permission::FuturesTrade, trade)
                .set(Permission::SubAccountManagement, trade);
        }
        if let Some(withdraw) = full(transfer) {
            permissions.set(Permission::Withdraw, withdraw);
        }
        // Granted when either tier grants it, denied only when both are read and deny it.
        let transfers = match (full(general), full(transfer)) {
            (Some(Grant::Granted), _) | (_, Some(Grant::Granted)) => Grant::Granted,
            (Some(Grant::Denied), Some(Grant::Denied)) => Grant::Denied,
            _ => Grant::NotReported,
        };
        permissions
            .set(Permission::InternalTransfer, transfers)
            .set(Permission::UniversalTransfer, transfers);
        if unknown {
            // A level that is none of the three may grant anything, spot included.
            permissions.relax(&Permission::NORMALIZED);
        }
        for (name, value) in map {
            let text = value.as_str().unwrap_or_default();
            if !text.is_empty() && !same_token(text, "NO_ACCESS") {
                permissions.add_vendor_grant(format!("{}:{}", name.trim(), text.trim()));
            }
        }
        for (name, value) in map
            .iter()
            .filter(|(name, _)| !["general", "transfer"].iter().any(|k| same_token(k, name)))
        {
            let name = name.trim();
            r.unrecognized_right("permissions", &format!("unknown right `{name}`"));
            let grant = match value.as_str() {
                Some(level) if same_token(level, "NO_ACCESS") => Grant::NotReported,
                _ => Grant::Granted,
            };
            permissions.unrecognized(name, grant);
        }
    }

    let mut info = KeyInfo::new(ExchangeId::KrakenFutures);
    info.permissions = permissions;
    info.key_id = key_id.into();
    info.created_at = r.time_rfc3339("createdAt", created.as_deref());
    info.ip_restriction = match (&blocks, &block) {
        (None, None) => IpRestriction::NotReported,
        _ => {
            // The singular field repeats the first range of the list, when both are sent.
            let listed = blocks.iter().flatten();
            let extra = block
                .iter()
                .filter(|one| !blocks.iter().flatten().any(|b| b.trim() == one.trim()));
            r.allowlist("allowedCidrBlocks", listed.chain(extra).map(String::as_str))
        }
    };
    info.enabled = Reported::Known(true);
    info.anomalies = reading.finish("Kraken Futures API key check")?;
    Ok(info)
}

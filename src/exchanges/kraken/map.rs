//! Kraken's `GetApiKeyInfo` answer → [`KeyInfo`]. Pure: no I/O, no clock.
//!
//! | Kraken field | `KeyInfo` |
//! |---|---|
//! | `permissions` ∋ `query-funds`, `query-open-trades`, `query-closed-trades`, `query-ledger`, `export-data` | `Read` (granted when any is listed) |
//! | `permissions` ∋ `query-funds` (`WalletTransfer`, spot ↔ futures wallet, needs only "Funds permissions - Query"), `earn-funds` (Earn allocation) | `UniversalTransfer` |
//! | `permissions` ∋ `modify-trades` ("Create & modify orders"; leverage is an order field) | `SpotTrade`, `MarginTrade` |
//! | — (futures and options are traded on Kraken Futures, with keys of their own) | `FuturesTrade`, `OptionsTrade`: `Denied` |
//! | `permissions` ∋ `withdraw-funds` (`Withdraw`; also `AccountTransfer` to a sub-account and `CreateSubaccount`) | `Withdraw`, `InternalTransfer`, `SubAccountManagement` |
//! | — (Kraken has no API to manage keys, nor one that pays another party but a withdrawal) | `KeyManagement`, `Payment`: `Denied` |
//! | `close-trades`, `add-funds`, `create-ws-token`, `add-withdraw-address`, `update-withdraw-address` | `Other(token)` granted |
//! | any other token | `Other(token)` granted; no write right `Denied` |
//! | `ipAllowlist` (empty = not restricted) | `ip_restriction` |
//! | `apiKeyName` / `apiKey` | `label` / `key_id` |
//! | `createdTime` (unix s) | `created_at` |
//! | `validUntil` (unix s, `"0"` = no expiry) | `expires_at` |
//! | `lastUsed` (unix s, `null` = never) | `last_used_at` |
//! | — (the key authenticated) | `enabled`: `Known(true)` |
//! | — | `account`, `delegation`: `NotReported` |
//!
//! The permission list is complete (13 documented values): a right none of them grants is
//! `Denied`. Tokens compare without regard to case and surrounding white space.

use chrono::{DateTime, Utc};

use crate::exchanges::common::{same_token, Reading};
use crate::model::{
    AnomalyKind, Expiry, Grant, IpRestriction, KeyInfo, Permission, Permissions, Reported,
};
use crate::ExchangeId;

use super::wire::ApiKeyInfo;

const READS: [&str; 5] = [
    "query-funds",
    "query-open-trades",
    "query-closed-trades",
    "query-ledger",
    "export-data",
];

/// Tokens that grant nothing normalized, kept as `Other`.
const OTHERS: [&str; 5] = [
    "close-trades",
    "add-funds",
    "create-ws-token",
    "add-withdraw-address",
    "update-withdraw-address",
];

const KNOWN: [&str; 3] = ["modify-trades", "withdraw-funds", "earn-funds"];

pub(crate) fn map_api_key_info(wire: ApiKeyInfo) -> Result<KeyInfo, String> {
    let mut reading = Reading::default();
    let r = &mut reading;
    let label = wire.api_key_name.expected("apiKeyName", r);
    let key_id = wire.api_key.expected("apiKey", r);
    let tokens = wire.permissions.expected("permissions", r);
    let ips = wire.ip_allowlist.expected("ipAllowlist", r);
    let valid_until = wire.valid_until.expected("validUntil", r);
    let created = wire.created_time.expected("createdTime", r);
    let last_used = wire.last_used.optional("lastUsed", r);

    let mut permissions = Permissions::new();
    if let Some(tokens) = &tokens {
        let holds = |wanted: &[&str]| {
            Grant::from_flag(
                tokens
                    .iter()
                    .any(|t| wanted.iter().any(|w| same_token(t, w))),
            )
        };
        let trade = holds(&["modify-trades"]);
        let withdraw = holds(&["withdraw-funds"]);
        permissions
            .set(Permission::Read, holds(&READS))
            .set(Permission::SpotTrade, trade)
            .set(Permission::MarginTrade, trade)
            .set(Permission::FuturesTrade, Grant::Denied)
            .set(Permission::OptionsTrade, Grant::Denied)
            .set(Permission::Withdraw, withdraw)
            .set(Permission::InternalTransfer, withdraw)
            .set(Permission::SubAccountManagement, withdraw)
            .set(
                Permission::UniversalTransfer,
                holds(&["query-funds", "earn-funds"]),
            )
            .set(Permission::KeyManagement, Grant::Denied)
            .set(Permission::Payment, Grant::Denied);
        for token in tokens {
            let token = token.trim();
            permissions.add_vendor_grant(token);
            if OTHERS.iter().any(|o| same_token(o, token)) {
                permissions.set(
                    Permission::Other(token.to_ascii_lowercase()),
                    Grant::Granted,
                );
            }
        }
        for token in tokens.iter().map(|t| t.trim()).filter(|token| {
            !READS
                .iter()
                .chain(&OTHERS)
                .chain(&KNOWN)
                .any(|known| same_token(known, token))
        }) {
            r.unrecognized_right("permissions", &format!("unknown token `{token}`"));
            permissions.unrecognized(token, Grant::Granted);
        }
    }

    let mut info = KeyInfo::new(ExchangeId::Kraken);
    info.permissions = permissions;
    info.label = label.into();
    info.key_id = key_id.into();
    info.ip_restriction = match &ips {
        Some(ips) => r.allowlist("ipAllowlist", ips.iter().map(String::as_str)),
        None => IpRestriction::NotReported,
    };
    info.created_at = seconds(created, "createdTime", r).and_then(Reported::from);
    info.expires_at = seconds(valid_until, "validUntil", r).map(|at| match at {
        Some(at) => Expiry::At(at),
        None => Expiry::Never,
    });
    info.last_used_at = seconds(last_used, "lastUsed", r).and_then(Reported::from);
    info.enabled = Reported::Known(true);
    info.anomalies = reading.finish("Kraken GetApiKeyInfo result")?;
    Ok(info)
}

/// A time sent as unix seconds in text: `Known(None)` for `"0"` (not set), an anomaly for text
/// that is not a time.
fn seconds(
    text: Option<String>,
    field: &str,
    reading: &mut Reading,
) -> Reported<Option<DateTime<Utc>>> {
    let Some(text) = text else {
        return Reported::NotReported;
    };
    match text.trim().parse::<i64>() {
        Ok(0) => Reported::Known(None),
        Ok(secs) => match secs
            .checked_mul(1000)
            .and_then(DateTime::from_timestamp_millis)
        {
            Some(at) => Reported::Known(Some(at)),
            None => {
                reading.note(
                    AnomalyKind::Invalid,
                    field,
                    format!("`{field}` is not a valid time"),
                );
                Reported::NotReported
            }
        },
        Err(_) => {
            reading.note(
                AnomalyKind::Invalid,
                field,
                format!("`{field}` is not unix seconds"),
            );
            Reported::NotReported
        }
    }
}

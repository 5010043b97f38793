//! KuCoin's `GET /api/v1/user/api-key` answer → [`KeyInfo`]. Pure: no I/O, no clock.
//!
//! | KuCoin field | `KeyInfo` |
//! |---|---|
//! | `permission` ∋ `General` (the read right every KuCoin key holds) | `Read` |
//! | `permission` ∋ `Spot` / `Margin` / `Futures` | `SpotTrade` / `MarginTrade` / `FuturesTrade` |
//! | `permission` ∋ `Transfer` (KuCoin's name for its withdrawal right; `Withdrawal` read the same way) | `Withdraw` |
//! | `permission` ∋ `InnerTransfer` ("Flex Transfer": between the account's own wallets and with its sub-accounts) | `InternalTransfer`, `UniversalTransfer` |
//! | `permission` ∋ `Earn` (subscribes and redeems earn products) | `Other("Earn")` granted |
//! | `isMaster` with `General` (a master key with `General` manages sub-accounts and their keys: docs-new, "Sub-account" endpoints, permission General) | `SubAccountManagement`, `KeyManagement` (`Denied` on a sub-account key) |
//! | — (KuCoin has no options right and no payment right besides a withdrawal) | `OptionsTrade`, `Payment`: `Denied` |
//! | any other token | `Other(token)` granted; no right stays `Denied` (nobody can say what a new token grants) |
//! | `ipWhitelist` (masked, `203.**.154`; absent or `""` = no allowlist) | `ip_restriction`: `AllowList` of `IpEntry::Pattern` (never compared exactly) / `Unrestricted` |
//! | `remark` | `label` |
//! | `apiKey` | `key_id` |
//! | `createdAt` (ms) | `created_at` |
//! | `isMaster` | `account` |
//! | `subName` (sub-account keys only) | `sub_account` |
//! | — (the key authenticated) | `enabled`: `Known(true)` |
//! | — (not in this answer; a sub key's `expire` is set at creation only) | `expires_at`, `last_used_at`: `NotReported` |
//! | `apiVersion`, `uid` | evidence only |
//!
//! Tokens are split on commas (the documentation also writes `"General, Trade"` with a space)
//! and compare without regard to case. An empty or missing `permission` leaves every right
//! `NotReported`.

use crate::exchanges::common::{same_token, split_tokens, Reading};
use crate::model::{AccountKind, AnomalyKind, Grant, IpRestriction, KeyInfo, Permission, Reported};
use crate::ExchangeId;

use super::wire::ApiKeyInfo;

/// Tokens with a meaning here, and the rights each grants.
const TOKENS: &[(&str, &[Permission])] = &[
    ("General", &[Permission::Read]),
    ("Spot", &[Permission::SpotTrade]),
    ("Margin", &[Permission::MarginTrade]),
    ("Futures", &[Permission::FuturesTrade]),
    ("Transfer", &[Permission::Withdraw]),
    ("Withdrawal", &[Permission::Withdraw]),
    (
        "InnerTransfer",
        &[Permission::InternalTransfer, Permission::UniversalTransfer],
    ),
];

/// Known tokens without a normalized right: kept as `Other`, granted, not an anomaly.
const OTHER_KNOWN: [&str; 1] = ["Earn"];

pub(crate) fn map_api_key_info(wire: ApiKeyInfo) -> Result<KeyInfo, String> {
    let mut reading = Reading::default();
    let r = &mut reading;
    let permission = wire.permission.expected("permission", r);
    let key_id = wire.api_key.expected("apiKey", r);
    let label = wire.remark.expected("remark", r);
    let created = wire.created_at.expected("createdAt", r);
    let is_master = wire.is_master.expected("isMaster", r);
    let _ = wire.api_version.expected("apiVersion", r);
    let _ = wire.uid.expected("uid", r);
    let ips_unreadable = wire.ip_whitelist.is_invalid();
    let ips = wire.ip_whitelist.optional("ipWhitelist", r);
    let sub_name = wire.sub_name.optional("subName", r);

    let mut tokens: Vec<&str> = permission.as_deref().map(split_tokens).unwrap_or_default();
    if permission.is_some() && tokens.is_empty() {
        r.note(
            AnomalyKind::Invalid,
            "permission",
            "empty, where every key holds at least `General`: its rights are not reported",
        );
        tokens.clear();
    }
    let readable = !tokens.is_empty();

    let mut info = KeyInfo::new(ExchangeId::Kucoin);
    let p = &mut info.permissions;
    if readable {
        for right in [
            Permission::Read,
            Permission::SpotTrade,
            Permission::MarginTrade,
            Permission::FuturesTrade,
            Permission::OptionsTrade,
            Permission::Withdraw,
            Permission::InternalTransfer,
            Permission::UniversalTransfer,
            Permission::Payment,
        ] {
            p.set(right, Grant::Denied);
        }
        for token in &tokens {
            if let Some((_, rights)) = TOKENS.iter().find(|(name, _)| same_token(name, token)) {
                for right in *rights {
                    p.set(right.clone(), Grant::Granted);
                }
            }
        }
        let general = tokens.iter().any(|t| same_token(t, "General"));
        let manages = match is_master {
            Some(true) if general => Grant::Granted,
            Some(_) => Grant::Denied,
            None => Grant::NotReported,
        };
        p.set(Permission::SubAccountManagement, manages)
            .set(Permission::KeyManagement, manages);
    }
    for token in &tokens {
        p.add_vendor_grant(*token);
        if let Some(known) = OTHER_KNOWN.iter().find(|k| same_token(k, token)) {
            p.set(Permission::Other((*known).to_owned()), Grant::Granted);
        }
    }
    for token in &tokens {
        let known = TOKENS.iter().any(|(name, _)| same_token(name, token))
            || OTHER_KNOWN.iter().any(|k| same_token(k, token));
        if !known {
            r.unrecognized_right("permission", &format!("unknown token `{token}`"));
            info.permissions.unrecognized(*token, Grant::Granted);
        }
    }

    info.ip_restriction = match &ips {
        Some(list) => r.allowlist("ipWhitelist", [list.as_str()]),
        // Documented as optional: a key without an allowlist has none to show.
        None if !ips_unreadable => IpRestriction::Unrestricted,
        None => IpRestriction::NotReported,
    };
    info.key_id = key_id.into();
    info.label = label.into();
    info.created_at = r.time_ms("createdAt", created);
    info.account = is_master.map(AccountKind::master_if).into();
    info.sub_account = sub_name.into();
    info.enabled = Reported::Known(true);
    info.anomalies = reading.finish("KuCoin API key information")?;
    Ok(info)
}

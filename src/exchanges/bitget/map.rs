//! Bitget's `GET /api/v2/spot/account/info` answer → [`KeyInfo`]. Pure: no I/O, no clock.
//!
//! | Bitget field | `KeyInfo` |
//! |---|---|
//! | `authorities` not empty (every code, read-only or read-write, reads) | `Read` |
//! | `authorities` ∋ `stow` (spot) | `SpotTrade` |
//! | `authorities` ∋ `smow` (margin) | `MarginTrade` |
//! | `authorities` ∋ `coow` / `cpow` (futures orders / holdings) | `FuturesTrade` |
//! | `authorities` ∋ `trade` (the documented example's word, with no documented scope) | `SpotTrade`, `MarginTrade`, `FuturesTrade` |
//! | `authorities` ∋ `wtow` (wallet transfer) | `InternalTransfer`, `UniversalTransfer` |
//! | `authorities` ∋ `wwow` (wallet withdrawal) | `Withdraw` |
//! | `authorities` ∋ `chow` (sub-account management) | `SubAccountManagement`, `KeyManagement` |
//! | `authorities` ∋ `p2pw` / `p2p` (P2P) | `Payment` |
//! | `authorities` ∋ `ttow` (copy trading), `pllw` (pledge loan), `taxw` (tax) | `Other(code)` granted |
//! | `readonly` and the read-only codes `stor smor coor cpor ttor wtor taxr chor p2pr pllr` | `Read` only |
//! | — (no Bitget code grants options trading) | `OptionsTrade`: `Denied` |
//! | any other code | `Other(code)` granted; no right stays `Denied` (nobody can say what a new code grants) |
//! | `ips` (comma-separated; `""` = no allowlist) | `ip_restriction`: `AllowList` / `Unrestricted` |
//! | — (the key authenticated) | `enabled`: `Known(true)` |
//! | — (not in this answer; `regisTime` is the *account's* registration) | `key_id`, `label`, `created_at`, `expires_at`, `last_used_at`: `NotReported` |
//! | `userId`, `parentId` (whether they tell master from sub is not documented) | evidence only; `account`: `NotReported` |
//!
//! Codes compare without regard to case. A missing, mistyped or empty `authorities` leaves
//! every right `NotReported`.

use crate::exchanges::common::{same_token, Reading};
use crate::model::{AnomalyKind, Grant, IpRestriction, KeyInfo, Permission, Reported};
use crate::ExchangeId;

use super::wire::AccountInfo;

/// Codes with a meaning here, and the rights each grants (every code also reads).
const CODES: &[(&str, &[Permission])] = &[
    ("stow", &[Permission::SpotTrade]),
    ("smow", &[Permission::MarginTrade]),
    ("coow", &[Permission::FuturesTrade]),
    ("cpow", &[Permission::FuturesTrade]),
    (
        "trade",
        &[
            Permission::SpotTrade,
            Permission::MarginTrade,
            Permission::FuturesTrade,
        ],
    ),
    (
        "wtow",
        &[Permission::InternalTransfer, Permission::UniversalTransfer],
    ),
    ("wwow", &[Permission::Withdraw]),
    (
        "chow",
        &[Permission::SubAccountManagement, Permission::KeyManagement],
    ),
    ("p2pw", &[Permission::Payment]),
    ("p2p", &[Permission::Payment]),
    ("readonly", &[]),
    ("stor", &[]),
    ("smor", &[]),
    ("coor", &[]),
    ("cpor", &[]),
    ("ttor", &[]),
    ("wtor", &[]),
    ("taxr", &[]),
    ("chor", &[]),
    ("p2pr", &[]),
    ("pllr", &[]),
];

/// Known write codes without a normalized right: kept as `Other`, granted, not an anomaly.
const OTHER_KNOWN: [&str; 3] = ["ttow", "pllw", "taxw"];

pub(crate) fn map_account_info(wire: AccountInfo) -> Result<KeyInfo, String> {
    let mut reading = Reading::default();
    let r = &mut reading;
    let authorities = wire.authorities.expected("authorities", r);
    let ips = wire.ips.expected("ips", r);

    let mut tokens: Vec<&str> = authorities
        .iter()
        .flatten()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .collect();
    if authorities.is_some() && tokens.is_empty() {
        r.note(
            AnomalyKind::Invalid,
            "authorities",
            "empty, where every key holds at least one right: its rights are not reported",
        );
        tokens.clear();
    }

    let mut info = KeyInfo::new(ExchangeId::Bitget);
    let p = &mut info.permissions;
    if !tokens.is_empty() {
        p.set(Permission::Read, Grant::Granted);
        for right in Permission::NORMALIZED.iter().filter(|p| !p.is_read()) {
            p.set(right.clone(), Grant::Denied);
        }
        for token in &tokens {
            if let Some((_, rights)) = CODES.iter().find(|(code, _)| same_token(code, token)) {
                for right in *rights {
                    p.set(right.clone(), Grant::Granted);
                }
            }
        }
    }
    for token in &tokens {
        p.add_vendor_grant(*token);
        if let Some(known) = OTHER_KNOWN.iter().find(|k| same_token(k, token)) {
            p.set(Permission::Other((*known).to_owned()), Grant::Granted);
        }
    }
    for token in &tokens {
        let known = CODES.iter().any(|(code, _)| same_token(code, token))
            || OTHER_KNOWN.iter().any(|k| same_token(k, token));
        if !known {
            r.unrecognized_right("authorities", &format!("unknown code `{token}`"));
            info.permissions.unrecognized(*token, Grant::Granted);
        }
    }

    info.ip_restriction = match &ips {
        Some(list) => r.allowlist("ips", [list.as_str()]),
        None => IpRestriction::NotReported,
    };
    info.enabled = Reported::Known(true);
    info.anomalies = reading.finish("Bitget account information")?;
    Ok(info)
}

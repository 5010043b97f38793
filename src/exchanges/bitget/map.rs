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

use crate::exchanges::common::{same_token, Reading, Text};
use crate::model::{AccountKind, AnomalyKind, Grant, IpRestriction, KeyInfo, Permission, Reported};
use crate::ExchangeId;

use super::wire::{AccountInfo, SubApiKey};

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

/// What a unified-account (UTA) sub-account key's `permissions` grant when its `type` is
/// `read_write`; with `read_only` each of them only reads.
///
/// | Bitget (`sub-api-list`, `create-sub-api`) | `KeyInfo` |
/// |---|---|
/// | `apiKey`, `note`, `ts` (ms) | `key_id`, `label`, `created_at` |
/// | `ips` | `ip_restriction` |
/// | any answered key | `Read`; `account`: `SubAccount` |
/// | `read_write` + `uta_trade` (unified account trading) | `SpotTrade`, `MarginTrade`, `FuturesTrade` |
/// | `read_write` + `uta_mgt` (unified account management, scope not documented) | `Other(uta_mgt)`; transfers, sub-account and key management `NotReported` |
/// | `read_write` + `withdraw` (listed for broker sub-account keys) | `Withdraw` |
/// | `read_only`, or a right not listed | `Denied` (options: no Bitget right grants them) |
/// | an unknown `type` | every right but `Read` `NotReported` |
/// | an unknown permission | `Other(token)` granted; no right stays `Denied` |
const UTA_RIGHTS: &[(&str, &[Permission])] = &[
    (
        "uta_trade",
        &[
            Permission::SpotTrade,
            Permission::MarginTrade,
            Permission::FuturesTrade,
        ],
    ),
    ("withdraw", &[Permission::Withdraw]),
    ("uta_mgt", &[]),
];

/// The rights `uta_mgt` may carry: its documentation names it "unified account management"
/// and says no more, so none of them is reported either way.
const UTA_MGT_MAYBE: [Permission; 4] = [
    Permission::InternalTransfer,
    Permission::UniversalTransfer,
    Permission::SubAccountManagement,
    Permission::KeyManagement,
];

/// Maps one UTA sub-account key, as `sub-api-list` lists it or `create-sub-api` answers, to a
/// [`KeyInfo`]. Pure.
pub(crate) fn map_sub_api_key(wire: SubApiKey) -> Result<KeyInfo, String> {
    let mut reading = Reading::default();
    let r = &mut reading;
    let key_id = wire.api_key.expected("apiKey", r);
    let note = wire.note.optional("note", r);
    let kind = wire.kind.expected("type", r);
    let tokens = wire.permissions.expected("permissions", r);
    let ips = wire.ips.expected("ips", r);
    let ts = wire.ts.optional("ts", r);

    let writes = match kind.as_deref().map(str::trim) {
        Some(k) if same_token(k, "read_write") => Some(true),
        Some(k) if same_token(k, "read_only") => Some(false),
        Some(other) => {
            r.unrecognized(
                "type",
                &format!("unknown permission type `{other}`: no right but reading is reported"),
            );
            None
        }
        None => None,
    };

    let mut info = KeyInfo::new(ExchangeId::Bitget);
    let p = &mut info.permissions;
    if let Some(tokens) = &tokens {
        let tokens: Vec<&str> = tokens
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .collect();
        p.set(Permission::Read, Grant::Granted);
        if let Some(writes) = writes {
            for right in Permission::NORMALIZED.iter().filter(|p| !p.is_read()) {
                p.set(right.clone(), Grant::Denied);
            }
            for token in &tokens {
                let Some((_, rights)) = UTA_RIGHTS.iter().find(|(name, _)| same_token(name, token))
                else {
                    continue;
                };
                if !writes {
                    continue;
                }
                for right in *rights {
                    p.set(right.clone(), Grant::Granted);
                }
                if same_token(token, "uta_mgt") {
                    p.set(Permission::Other("uta_mgt".to_owned()), Grant::Granted);
                    for right in &UTA_MGT_MAYBE {
                        p.set(right.clone(), Grant::NotReported);
                    }
                }
            }
        }
        for token in &tokens {
            p.add_vendor_grant(*token);
        }
        for token in &tokens {
            if !UTA_RIGHTS.iter().any(|(name, _)| same_token(name, token)) {
                r.unrecognized_right("permissions", &format!("unknown permission `{token}`"));
                info.permissions.unrecognized(*token, Grant::Granted);
            }
        }
    }

    info.ip_restriction = match &ips {
        Some(list) => r.allowlist("ips", list.iter().map(String::as_str)),
        None => IpRestriction::NotReported,
    };
    info.created_at = match ts {
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
    info.key_id = key_id.into();
    info.label = note.into();
    info.account = Reported::Known(AccountKind::SubAccount);
    info.anomalies = reading.finish("Bitget sub-account API key")?;
    Ok(info)
}

//! HTX's `GET /v2/user/api-key` entry of the key in use → [`KeyInfo`]. Pure: no I/O, no clock.
//!
//! | HTX field | `KeyInfo` |
//! |---|---|
//! | `accessKey` | `key_id` |
//! | `note` | `label` |
//! | `permission` ∋ `readOnly` | `Read` |
//! | `permission` ∋ `trade` (one right for spot, margin and contracts) | `SpotTrade`, `MarginTrade`, `FuturesTrade`, `OptionsTrade`, `InternalTransfer` |
//! | `permission` ∋ `withdraw` | `Withdraw` |
//! | a token absent from a readable `permission` | its rights `Denied`; `UniversalTransfer`, `SubAccountManagement`, `KeyManagement` with `trade` (UNVERIFIED which right the sub-user calls need) |
//! | — (no HTX right pays another party but a withdrawal) | `Payment`: `Denied` |
//! | any other token | `Other(token)` granted; no write right `Denied` |
//! | `ipAddresses` (`""` = any address) | `ip_restriction` |
//! | `status`: `normal` / `expired` | `enabled`: `true` / `false` |
//! | `validDays`: `-1` / `n` | `expires_at`: `Never` / `createTime` + `n` days |
//! | `createTime` (ms) | `created_at` |
//! | — (only a parent user's key may call `/v2/user/api-key`) | `account`: `Master` |

use chrono::Duration;

use crate::exchanges::common::{same_token, split_tokens, Reading};
use crate::model::{
    AccountKind, AnomalyKind, Expiry, Grant, IpRestriction, KeyInfo, Permission, Permissions,
    Reported,
};
use crate::ExchangeId;

use super::wire::ApiKey;

const KNOWN_TOKENS: [&str; 3] = ["readOnly", "trade", "withdraw"];

pub(crate) fn map_api_key(wire: ApiKey) -> Result<KeyInfo, String> {
    let mut reading = Reading::default();
    let r = &mut reading;
    let key = wire.access_key.expected("accessKey", r);
    let note = wire.note.expected("note", r);
    let permission = wire.permission.expected("permission", r);
    let ips = wire.ip_addresses.expected("ipAddresses", r);
    let status = wire.status.expected("status", r);
    let valid_days = wire.valid_days.expected("validDays", r);
    let created_ms = wire.create_time.expected("createTime", r);

    let mut info = KeyInfo::new(ExchangeId::Htx);
    info.key_id = key.into();
    info.label = note.into();
    info.permissions = permissions_of(permission.as_deref(), r);
    info.ip_restriction = match &ips {
        Some(list) => r.allowlist("ipAddresses", split_tokens(list)),
        None => IpRestriction::NotReported,
    };
    info.enabled = match status.as_deref().map(str::trim) {
        Some(s) if same_token(s, "normal") => Reported::Known(true),
        Some(s) if same_token(s, "expired") => Reported::Known(false),
        Some(other) => {
            r.unrecognized(
                "status",
                &format!("unknown status `{other}`: whether the key works is not reported"),
            );
            Reported::NotReported
        }
        None => Reported::NotReported,
    };
    info.created_at = r.time_ms("createTime", created_ms);
    info.expires_at = match (
        valid_days.map(|t| t.0.parse::<i64>()),
        info.created_at.known(),
    ) {
        (Some(Ok(-1)), _) => Reported::Known(Expiry::Never),
        (Some(Ok(days)), Some(created)) if days >= 0 => {
            match Duration::try_days(days).and_then(|d| created.checked_add_signed(d)) {
                Some(at) => Reported::Known(Expiry::At(at)),
                None => {
                    r.note(
                        AnomalyKind::Invalid,
                        "validDays",
                        "out of range: the expiry is not reported",
                    );
                    Reported::NotReported
                }
            }
        }
        (Some(Ok(_)), Some(_)) | (Some(Err(_)), _) => {
            r.note(
                AnomalyKind::Invalid,
                "validDays",
                "not `-1` or a number of days: the expiry is not reported",
            );
            Reported::NotReported
        }
        _ => Reported::NotReported,
    };
    info.account = Reported::Known(AccountKind::Master);
    info.anomalies = reading.finish("HTX API key")?;
    Ok(info)
}

fn permissions_of(permission: Option<&str>, r: &mut Reading) -> Permissions {
    let mut permissions = Permissions::new();
    let Some(text) = permission else {
        return permissions;
    };
    let tokens = split_tokens(text);
    if tokens.is_empty() {
        r.note(
            AnomalyKind::Invalid,
            "permission",
            "empty, where every key holds at least `readOnly`: its rights are not reported",
        );
        return permissions;
    }
    let holds = |wanted: &str| Grant::from_flag(tokens.iter().any(|t| same_token(t, wanted)));
    let trade = holds("trade");
    permissions.set(Permission::Read, holds("readOnly"));
    for right in [
        Permission::SpotTrade,
        Permission::MarginTrade,
        Permission::FuturesTrade,
        Permission::OptionsTrade,
        Permission::InternalTransfer,
        Permission::UniversalTransfer,
        Permission::SubAccountManagement,
        Permission::KeyManagement,
    ] {
        permissions.set(right, trade);
    }
    permissions
        .set(Permission::Withdraw, holds("withdraw"))
        .set(Permission::Payment, Grant::Denied);
    for token in &tokens {
        permissions.add_vendor_grant(*token);
    }
    for token in tokens {
        if !KNOWN_TOKENS.iter().any(|known| same_token(known, token)) {
            r.unrecognized_right("permission", &format!("unknown token `{token}`"));
            permissions.unrecognized(token, Grant::Granted);
        }
    }
    permissions
}

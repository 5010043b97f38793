//! MEXC's `apiKeyInfo` answer → [`KeyInfo`]. Pure: no I/O, no clock.
//!
//! **The shape of this answer is not documented in MEXC's published spot v3 docs copy**: the
//! endpoint (`GET /api/v3/apiKeyInfo`) is listed by ccxt, and the sample answer below comes
//! from third-party code only. Every field is therefore read leniently and on its own; a field
//! that is absent or mistyped costs only what it decides, and a token or field this mapper does
//! not know never makes a right `Denied`.
//!
//! | MEXC field | `KeyInfo` |
//! |---|---|
//! | `permissions` (comma-separated text, or a list) ∋ any `…_READ` | `Read` |
//! | `permissions` ∋ `SPOT_DEAL_WRITE` | `SpotTrade` |
//! | `permissions` ∋ `ISOLATED_MARGIN_DEAL_WRITE` or `ISOLATED_MARGIN_ACCOUNT_WRITE` (older docs) | `MarginTrade` |
//! | `permissions` ∋ `CONTRACT_DEAL_WRITE` | `FuturesTrade` |
//! | — (MEXC's permission list has no options right) | `OptionsTrade`: `Denied` |
//! | `permissions` ∋ `SPOT_WITHDRAW_WRITE` (withdrawals, and internal transfers to another user by e-mail, UID or mobile) | `Withdraw`, `Payment` |
//! | `permissions` ∋ `SPOT_TRANSFER_WRITE` (universal transfer, sub-account universal transfer) | `UniversalTransfer`, `InternalTransfer` |
//! | `permissions` ∋ `SPOT_ACCOUNT_WRITE` (sets the IP allowlist of a key, `POST /api/v3/apiKeyInfo`) | `KeyManagement` granted |
//! | `permissions` ∋ `SPOT_ACCOUNT_READ` or `SPOT_ACCOUNT_WRITE` (MEXC's sub-account pages require `SPOT_ACCOUNT_READ` in one copy, `SPOT_ACCOUNT_WRITE` in another; whether the key is a master key is not reported) | `SubAccountManagement`, and `KeyManagement` unless granted above: `NotReported`; neither: `Denied` |
//! | `CONTRACT_ACCOUNT_WRITE`, `SPOT_DEPOSIT_WRITE` | `Other(token)` granted |
//! | any other token | `Other(token)` granted; no right `Denied` |
//! | `ipWhiteList` (comma-separated; `""` = none) | `ip_restriction` |
//! | `accessKey` / `note` | `key_id` / `label` |
//! | `createTime` (ISO 8601 text in the sample; epoch ms read too) | `created_at` |
//! | `status`: `VALID` | `enabled`: `Known(true)`; another value: `NotReported`, listed as unrecognized |
//! | `remainingValidity` (days, presumably; from when is not said) | not mapped: kept in `raw` |
//! | a field this mapper does not know, named like a right or set to `true` | listed as an unrecognized right: no write right `Denied` |
//! | — | `expires_at`, `last_used_at`, `account`, `delegation`: `NotReported` |
//!
//! Tokens compare without regard to case and surrounding white space.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::exchanges::common::{
    datetime_from_ms, datetime_from_rfc3339, same_token, Field, Reading,
};
use crate::model::{
    AccountKind, AnomalyKind, Grant, IpRestriction, KeyInfo, Permission, Permissions, Reported,
};
use crate::ExchangeId;

use super::wire::{ApiKeyInfo, SubAccountKey, Tokens};

/// Every token MEXC documents (spot v3 "Enum definitions", and the older
/// sub-account key permissions).
const KNOWN: [&str; 18] = [
    "SPOT_ACCOUNT_READ",
    "SPOT_ACCOUNT_WRITE",
    "SPOT_DEAL_READ",
    "SPOT_DEAL_WRITE",
    "CONTRACT_ACCOUNT_READ",
    "CONTRACT_ACCOUNT_WRITE",
    "CONTRACT_DEAL_READ",
    "CONTRACT_DEAL_WRITE",
    "SPOT_WITHDRAW_READ",
    "SPOT_WITHDRAW_WRITE",
    "SPOT_TRANSFER_READ",
    "SPOT_TRANSFER_WRITE",
    "SPOT_DEPOSIT_READ",
    "SPOT_DEPOSIT_WRITE",
    "ISOLATED_MARGIN_ACCOUNT_READ",
    "ISOLATED_MARGIN_ACCOUNT_WRITE",
    "ISOLATED_MARGIN_DEAL_READ",
    "ISOLATED_MARGIN_DEAL_WRITE",
];

/// Known tokens that grant nothing normalized.
const OTHERS: [&str; 2] = ["CONTRACT_ACCOUNT_WRITE", "SPOT_DEPOSIT_WRITE"];

/// Words that make an unknown field read like a right.
const RIGHT_WORDS: [&str; 9] = [
    "perm", "withdraw", "trade", "transfer", "enable", "allow", "deal", "can", "write",
];

pub(crate) fn map_api_key_info(wire: ApiKeyInfo, raw: &Value) -> Result<KeyInfo, String> {
    let mut reading = Reading::default();
    let r = &mut reading;
    let key_id = wire.access_key.expected("accessKey", r);
    let note = wire.note.expected("note", r);
    let tokens = wire.permissions.expected("permissions", r);
    let ips = wire.ip_white_list.expected("ipWhiteList", r);
    let created = wire.create_time.expected("createTime", r);
    let status = wire.status.expected("status", r);
    let _ = wire.remaining_validity.optional("remainingValidity", r);

    let mut info = KeyInfo::new(ExchangeId::Mexc);
    info.permissions = rights(tokens.as_ref(), Holder::NotReported, &wire.unknown, raw, r);
    info.key_id = key_id.into();
    info.label = note.into();
    info.ip_restriction = match &ips {
        Some(ips) => r.allowlist("ipWhiteList", ips.0.iter().map(String::as_str)),
        None => IpRestriction::NotReported,
    };
    info.created_at = created_at("createTime", created.as_ref(), r);
    info.enabled = match status.as_deref().map(str::trim) {
        Some(status) if same_token(status, "VALID") => Reported::Known(true),
        Some(other) => {
            r.unrecognized(
                "status",
                &format!(
                    "unknown key status `{other}`: whether the key is enabled is not reported"
                ),
            );
            Reported::NotReported
        }
        None => Reported::NotReported,
    };
    info.anomalies = reading.finish("MEXC apiKeyInfo answer")?;
    Ok(info)
}

/// One entry of `GET /api/v3/sub-account/apiKey` (or the answer of `POST` on the same path)
/// → [`KeyInfo`], for a key of sub-account `sub_account`.
///
/// | MEXC field | `KeyInfo` |
/// |---|---|
/// | `apiKey` / `note` | `key_id` / `label` |
/// | `permissions` | as for `apiKeyInfo`, except that a sub-account key manages no sub-account: `SubAccountManagement` `Denied`, and `KeyManagement` `Granted` with `SPOT_ACCOUNT_WRITE` (which sets a key's allowlist), `Denied` without |
/// | `ip` (comma-separated; `""` = none) | `ip_restriction` |
/// | `createTime`, or `creatTime` as MEXC's older docs spell it (epoch ms) | `created_at` |
/// | — | `account`: `SubAccount`; `sub_account`: the name asked for |
/// | — | `enabled`, `expires_at`, `last_used_at`: `NotReported` |
pub(crate) fn map_sub_account_key(
    sub_account: &str,
    wire: SubAccountKey,
    raw: &Value,
) -> Result<KeyInfo, String> {
    let mut reading = Reading::default();
    let r = &mut reading;
    let key_id = wire.api_key.expected("apiKey", r);
    let note = wire.note.expected("note", r);
    let tokens = wire.permissions.expected("permissions", r);
    let ips = wire.ip.expected("ip", r);
    let created = match (wire.create_time, wire.creat_time) {
        (Field::Absent, Field::Absent) => {
            r.note(
                AnomalyKind::Missing,
                "createTime",
                "expected in the answer (or as `creatTime`) and absent: the creation time is not reported",
            );
            None
        }
        (Field::Absent, creat) => creat.expected("creatTime", r).map(|v| ("creatTime", v)),
        (create, _) => create.expected("createTime", r).map(|v| ("createTime", v)),
    };
    let _ = wire.secret_key.optional("secretKey", r);
    let _ = wire.sub_account.optional("subAccount", r);

    let mut info = KeyInfo::new(ExchangeId::Mexc);
    info.permissions = rights(tokens.as_ref(), Holder::SubAccount, &wire.unknown, raw, r);
    info.key_id = key_id.into();
    info.label = note.into();
    info.ip_restriction = match &ips {
        Some(ips) => r.allowlist("ip", ips.0.iter().map(String::as_str)),
        None => IpRestriction::NotReported,
    };
    info.created_at = match &created {
        Some((field, value)) => created_at(field, Some(value), r),
        None => Reported::NotReported,
    };
    info.account = Reported::Known(AccountKind::SubAccount);
    info.sub_account = Reported::Known(sub_account.to_owned());
    info.anomalies = reading.finish("MEXC sub-account API key")?;
    Ok(info)
}

/// Who holds the key, as far as the answer tells: it decides what `SPOT_ACCOUNT_READ` and
/// `SPOT_ACCOUNT_WRITE` mean for managing sub-accounts and their keys.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Holder {
    /// `apiKeyInfo` does not say whether the key is a master account's: holding either token,
    /// it may manage sub-accounts' keys (MEXC's pages ask one or the other).
    NotReported,
    /// Listed by a master key under one of its sub-accounts: MEXC's sub-account calls are
    /// "For Master Account" only, so such a key manages no sub-account.
    SubAccount,
}

/// The rights `tokens` grant, with every unknown token, and every unknown field of the answer
/// that reads like a right, kept open (no right it could grant is `Denied`).
fn rights(
    tokens: Option<&Tokens>,
    holder: Holder,
    unknown_fields: &[String],
    raw: &Value,
    r: &mut Reading,
) -> Permissions {
    let mut permissions = Permissions::new();
    let mut unknown_tokens = Vec::new();
    if let Some(tokens) = tokens {
        let tokens = &tokens.0;
        let holds =
            |wanted: &str| Grant::from_flag(tokens.iter().any(|token| same_token(token, wanted)));
        let any_read = tokens.iter().any(|t| {
            KNOWN.iter().any(|k| same_token(k, t))
                && t.trim().to_ascii_uppercase().ends_with("_READ")
        });
        let withdraw = holds("SPOT_WITHDRAW_WRITE");
        let transfer = holds("SPOT_TRANSFER_WRITE");
        let account_write = holds("SPOT_ACCOUNT_WRITE");
        let account_any = account_write.either(holds("SPOT_ACCOUNT_READ"));
        let manages = match holder {
            Holder::SubAccount => Grant::Denied,
            Holder::NotReported if account_any == Grant::Granted => Grant::NotReported,
            Holder::NotReported => Grant::Denied,
        };
        permissions
            .set(
                Permission::Read,
                if any_read {
                    Grant::Granted
                } else {
                    Grant::NotReported
                },
            )
            .set(Permission::SpotTrade, holds("SPOT_DEAL_WRITE"))
            .set(
                Permission::MarginTrade,
                holds("ISOLATED_MARGIN_DEAL_WRITE").either(holds("ISOLATED_MARGIN_ACCOUNT_WRITE")),
            )
            .set(Permission::FuturesTrade, holds("CONTRACT_DEAL_WRITE"))
            .set(Permission::OptionsTrade, Grant::Denied)
            .set(Permission::Withdraw, withdraw)
            .set(Permission::Payment, withdraw)
            .set(Permission::UniversalTransfer, transfer)
            .set(Permission::InternalTransfer, transfer)
            .set(Permission::SubAccountManagement, manages)
            .set(
                Permission::KeyManagement,
                if account_write == Grant::Granted {
                    Grant::Granted
                } else {
                    manages
                },
            );
        for token in tokens {
            let token = token.trim();
            permissions.add_vendor_grant(token);
            if OTHERS.iter().any(|o| same_token(o, token)) {
                permissions.set(
                    Permission::Other(token.to_ascii_uppercase()),
                    Grant::Granted,
                );
            } else if !KNOWN.iter().any(|k| same_token(k, token)) {
                unknown_tokens.push(token.to_owned());
            }
        }
    }
    let mut right_like_fields = Vec::new();
    for name in unknown_fields {
        let value = raw.get(name).unwrap_or(&Value::Null);
        let lower = name.to_ascii_lowercase();
        if value == &Value::Bool(true) || RIGHT_WORDS.iter().any(|w| lower.contains(w)) {
            right_like_fields.push(name.clone());
        } else {
            r.unrecognized(name, "a field this crate does not know: kept in `raw`");
        }
    }
    for token in unknown_tokens {
        r.unrecognized_right("permissions", &format!("unknown token `{token}`"));
        permissions.unrecognized(token, Grant::Granted);
    }
    for name in right_like_fields {
        r.unrecognized_right(
            &name,
            "a field this crate does not know, named like a right",
        );
        permissions.relax(&Permission::WRITE);
    }
    permissions
}

/// A creation time (`field`) as ISO 8601 text or epoch milliseconds (number or text).
fn created_at(
    field: &str,
    value: Option<&Value>,
    reading: &mut Reading,
) -> Reported<DateTime<Utc>> {
    let parsed = match value {
        None => return Reported::NotReported,
        Some(Value::Number(n)) => match n.as_i64() {
            Some(ms) => datetime_from_ms(ms, field),
            None => Err(format!("`{field}` is not a time in ms")),
        },
        Some(Value::String(text)) => match text.trim().parse::<i64>() {
            Ok(ms) => datetime_from_ms(ms, field),
            Err(_) => datetime_from_rfc3339(text, field),
        },
        Some(_) => Err(format!("`{field}` is neither a text nor a number")),
    };
    match parsed {
        Ok(at) => Reported::Known(at),
        Err(why) => {
            reading.note(AnomalyKind::Invalid, field, why);
            Reported::NotReported
        }
    }
}

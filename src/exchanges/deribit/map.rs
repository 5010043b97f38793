//! Deribit's key entries (`private/list_api_keys`) → [`KeyInfo`]. Pure: no I/O, no clock.
//!
//! `max_scope` holds `area:level` tokens; an area it leaves out is `none` ("if scope is not
//! provided, its value is set as none").
//!
//! | Deribit field | `KeyInfo` |
//! |---|---|
//! | `max_scope` ∋ any `…:read` or `…:read_write` | `Read` |
//! | `trade:read_write` (orders on every instrument: spot, futures, perpetuals, options, all on margin) | `SpotTrade`, `MarginTrade`, `FuturesTrade`, `OptionsTrade` |
//! | `block_trade:read_write`, `block_rfq:read_write` (block trades of futures and options) | `FuturesTrade`, `OptionsTrade` |
//! | `wallet:read_write` (withdrawals, transfers to sub-accounts and to other users) | `Withdraw`, `InternalTransfer`, `Payment` (`submit_transfer_to_user`), `UniversalTransfer` |
//! | `account:read_write` (sub-accounts, API keys) | `SubAccountManagement`, `KeyManagement` |
//! | any other token (a new area or level) | `Other(token)` granted; no write right `Denied` |
//! | `client_id` / `name` | `key_id` / `label` |
//! | `ip_whitelist` (absent: not reported; empty: not restricted) | `ip_restriction` |
//! | `enabled` | `enabled` |
//! | `timestamp` (ms; "created or last modified" per one SDK, so not a creation time) | `created_at`: `NotReported` |
//! | — (Deribit keys do not expire, nor report their last use) | `expires_at`, `last_used_at`: `NotReported` |
//! | — | `account`, `delegation`: `NotReported` |
//!
//! `id`, `default`, `enabled_features` and `public_key` stay in the evidence; `client_secret`
//! (Deribit sends every key's secret in the list) is blanked there.

use crate::exchanges::common::{same_token, split_tokens, Reading};
use crate::model::{Grant, IpRestriction, KeyInfo, Permission, Permissions, Reported};
use crate::ExchangeId;

use super::wire::ApiKey;

const AREAS: [&str; 5] = ["account", "trade", "wallet", "block_trade", "block_rfq"];
const LEVELS: [&str; 3] = ["none", "read", "read_write"];

/// The level of each area `max_scope` names, and the tokens this crate does not know.
struct Scope<'a> {
    levels: Vec<(&'a str, &'a str)>,
    unknown: Vec<&'a str>,
}

impl<'a> Scope<'a> {
    fn parse(text: &'a str) -> Scope<'a> {
        let mut scope = Scope {
            levels: Vec::new(),
            unknown: Vec::new(),
        };
        for token in split_tokens(text) {
            match token.split_once(':') {
                Some((area, level))
                    if AREAS.iter().any(|a| same_token(a, area))
                        && LEVELS.iter().any(|l| same_token(l, level)) =>
                {
                    scope.levels.push((area, level));
                }
                _ => scope.unknown.push(token),
            }
        }
        scope
    }

    /// Whether `area` is at `read_write`.
    fn writes(&self, area: &str) -> Grant {
        Grant::from_flag(
            self.levels
                .iter()
                .any(|(a, l)| same_token(a, area) && same_token(l, "read_write")),
        )
    }

    fn reads_anything(&self) -> Grant {
        Grant::from_flag(self.levels.iter().any(|(_, l)| !same_token(l, "none")))
    }
}

/// The key's public id, where the entry has one: how the list is searched for the key in use.
pub(crate) fn client_id_of(entry: &serde_json::Value) -> Option<&str> {
    entry.get("client_id").and_then(serde_json::Value::as_str)
}

pub(crate) fn map_api_key(wire: ApiKey) -> Result<KeyInfo, String> {
    let mut reading = Reading::default();
    let r = &mut reading;
    let client_id = wire.client_id.expected("client_id", r);
    let scope_text = wire.max_scope.expected("max_scope", r);
    let enabled = wire.enabled.expected("enabled", r);
    let name = wire.name.expected("name", r);
    let _ = wire.id.expected("id", r);
    let _ = wire.timestamp.expected("timestamp", r);
    let ips = wire.ip_whitelist.optional("ip_whitelist", r);
    let _ = wire.enabled_features.optional("enabled_features", r);

    let mut permissions = Permissions::new();
    if let Some(text) = &scope_text {
        let scope = Scope::parse(text);
        let trade = scope.writes("trade");
        let blocks = scope
            .writes("block_trade")
            .either(scope.writes("block_rfq"));
        let wallet = scope.writes("wallet");
        let account = scope.writes("account");
        permissions
            .set(Permission::Read, scope.reads_anything())
            .set(Permission::SpotTrade, trade)
            .set(Permission::MarginTrade, trade)
            .set(Permission::FuturesTrade, trade.either(blocks))
            .set(Permission::OptionsTrade, trade.either(blocks))
            .set(Permission::Withdraw, wallet)
            .set(Permission::InternalTransfer, wallet)
            .set(Permission::Payment, wallet)
            .set(Permission::UniversalTransfer, wallet)
            .set(Permission::SubAccountManagement, account)
            .set(Permission::KeyManagement, account);
        for (area, level) in &scope.levels {
            if !same_token(level, "none") {
                permissions.add_vendor_grant(format!("{area}:{level}"));
            }
        }
        for token in &scope.unknown {
            r.unrecognized_right("max_scope", &format!("unknown scope `{token}`"));
            permissions.add_vendor_grant(*token);
            permissions.unrecognized(*token, Grant::Granted);
        }
    }

    let mut info = KeyInfo::new(ExchangeId::Deribit);
    info.permissions = permissions;
    info.key_id = client_id.into();
    info.label = name.into();
    info.enabled = enabled.into();
    info.ip_restriction = match &ips {
        Some(ips) => r.allowlist("ip_whitelist", ips.iter().map(String::as_str)),
        None => IpRestriction::NotReported,
    };
    info.created_at = Reported::NotReported;
    info.anomalies = reading.finish("Deribit API key entry")?;
    Ok(info)
}

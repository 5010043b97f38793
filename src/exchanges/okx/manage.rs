//! Sub-account keys, managed from the master key: OKX's API creates, changes, lists and deletes
//! the keys of sub-accounts only, and only from a key of the master account; creating, changing
//! and deleting also need that master key bound to IP addresses and holding `trade`
//! (okx.com/docs-v5, "Sub-account": "Applies to master accounts only and master accounts API Key
//! must be linked to IP addresses", "Permission: Trade").
//!
//! Every call names the sub-account (`subAcct`): a key without its sub-account is refused here,
//! before anything is sent, except by `revoke`, which then looks for the key in every
//! sub-account's list (so a breach response can revoke what a master key lists) and deletes
//! it only where exactly one sub-account lists it. The key in use is managed on okx.com only.

use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Map, Value};

use super::{map, wire, Okx, KEY_INFO};
use crate::adapter::{KeyChange, KeyRef, NewKey, NewKeySpec, Operation, Revoked};
use crate::error::{Error, ErrorContext, Result};
use crate::exchanges::common::{self, Field, TradeRight, DIGITS, LOWER, UPPER};
use crate::exchanges::venue::{self, same_addresses, DiscardedKey, VenueAdapter};
use crate::model::{
    AccountKind, Anomaly, AnomalyKind, Grant, IpRestriction, KeyInfo, Permission, Reported,
};
use crate::transport::answer::decode;
use crate::transport::pipeline::Endpoint;
use crate::transport::scrub::Scrubber;
use crate::ExchangeId;

/// `GET /api/v5/users/subaccount/list`: 20 requests per 2 s per user. Weighed 2 against the
/// adapter's 20/s so a long listing stays within it.
const SUB_ACCOUNTS: Endpoint = Endpoint {
    weight: 2,
    ..Endpoint::read("GET", "/api/v5/users/subaccount/list")
};
/// `GET /api/v5/users/subaccount/apikey`: the keys of one sub-account, 20 requests per 2 s.
const SUB_ACCOUNT_KEYS: Endpoint = Endpoint {
    weight: 2,
    ..Endpoint::read("GET", "/api/v5/users/subaccount/apikey")
};
/// `POST /api/v5/users/subaccount/apikey`: creates a key of a sub-account.
const CREATE: Endpoint = Endpoint::write("POST", "/api/v5/users/subaccount/apikey");
/// `POST /api/v5/users/subaccount/modify-apikey`: each field sent replaces the key's own.
const MODIFY: Endpoint = Endpoint::write("POST", "/api/v5/users/subaccount/modify-apikey");
/// `POST /api/v5/users/subaccount/delete-apikey`.
const DELETE: Endpoint = Endpoint::write("POST", "/api/v5/users/subaccount/delete-apikey");

/// The most sub-accounts one page of the list holds (the documented maximum of `limit`).
const PAGE: usize = 100;
/// Pages of sub-accounts read before giving up: 2,000 sub-accounts, beyond any account OKX
/// documents, so a list that never ends is an error rather than a loop.
const MAX_PAGES: usize = 20;
/// The most addresses OKX binds to one key ("Support up to 20 addresses"; code 59503).
const MAX_IPS: usize = 20;

/// OKX's code for a call that needs the calling key bound to IP addresses.
pub(super) const MASTER_NOT_IP_BOUND: &str = "50035";

/// The key in use (as `account/config` tells it) and, from a master key, every key of every
/// sub-account. A sub-account's key sees only itself. An entry that cannot be read costs only
/// itself: it is listed with an anomaly saying why, so a breach response still sees the rest.
pub(super) async fn list_keys(adapter: &VenueAdapter) -> Result<Vec<KeyInfo>> {
    let (payload, context) = adapter
        .call(&KEY_INFO, String::new(), String::new())
        .await?;
    let own = venue::key_info_from(&Okx, payload, adapter.api_key())
        .map_err(|what| Error::decode(what, context))?;
    // Only a master key may list sub-accounts (code 59500 otherwise).
    let sub_account_key = own.account == Reported::Known(AccountKind::SubAccount);
    let mut keys = vec![own];
    if sub_account_key {
        return Ok(keys);
    }
    for entry in sub_accounts(adapter).await? {
        keys.extend(keys_of(adapter, entry).await?);
    }
    Ok(keys)
}

/// Every sub-account's entry, page by page (newest first; `after` asks for those created before
/// the oldest of the last page). Sub-accounts created in the same millisecond across a page
/// boundary are the one case `after` may skip: OKX pages by creation time only.
async fn sub_accounts(adapter: &VenueAdapter) -> Result<Vec<Value>> {
    let mut all = Vec::new();
    let mut after: Option<i64> = None;
    let mut last_context = ErrorContext::new(ExchangeId::Okx);
    for _ in 0..MAX_PAGES {
        let query = match after {
            Some(ts) => format!("after={ts}&limit={PAGE}"),
            None => format!("limit={PAGE}"),
        };
        let (payload, context) = adapter
            .call(&SUB_ACCOUNTS, query, String::new())
            .await
            .map_err(explain)?;
        let Value::Array(entries) = payload else {
            return Err(Error::decode(
                "`data` is not a list of sub-accounts",
                context,
            ));
        };
        let full = entries.len() >= PAGE;
        let oldest = entries.iter().filter_map(created_ms).min();
        all.extend(entries);
        if !full {
            return Ok(all);
        }
        after = match (oldest, after) {
            (Some(oldest), Some(previous)) if oldest >= previous => {
                return Err(Error::decode(
                    "the next page of sub-accounts is not older than the last: the list does not page",
                    context,
                ))
            }
            (Some(oldest), _) => Some(oldest),
            (None, _) => {
                return Err(Error::decode(
                    "a full page of sub-accounts without creation times (`ts`): the next page cannot be asked for",
                    context,
                ))
            }
        };
        last_context = context;
    }
    Err(Error::decode(
        format!(
            "more than {} sub-accounts: this crate stops listing there",
            PAGE * MAX_PAGES
        ),
        last_context,
    ))
}

/// A sub-account entry's creation time in ms.
fn created_ms(entry: &Value) -> Option<i64> {
    match entry.get("ts")? {
        Value::String(text) => text.trim().parse().ok(),
        Value::Number(number) => number.as_i64(),
        _ => None,
    }
}

/// The keys of one listed sub-account, each with the sub-account's entry as part of its
/// evidence (`raw`: `{"subaccount": …, "apikey": …}`).
async fn keys_of(adapter: &VenueAdapter, entry: Value) -> Result<Vec<KeyInfo>> {
    let sub: wire::SubAccount = decode(&entry, "sub-account").unwrap_or_default();
    let name = match &sub.sub_acct {
        Field::Present(name) if !name.trim().is_empty() => name.clone(),
        _ => {
            let mut info = KeyInfo::new(ExchangeId::Okx);
            info.account = Reported::Known(AccountKind::SubAccount);
            info.anomalies.push(Anomaly::new(
                AnomalyKind::Missing,
                "subAcct",
                "a sub-account listed without a readable name: its keys could not be listed",
            ));
            info.raw = json!({ "subaccount": entry });
            return Ok(vec![info]);
        }
    };
    let query = form(&[("subAcct", &name)]);
    let (payload, context) = adapter
        .call(&SUB_ACCOUNT_KEYS, query, String::new())
        .await
        .map_err(explain)?;
    let Value::Array(keys) = payload else {
        return Err(Error::decode(
            format!("`data` is not a list of the keys of sub-account `{name}`"),
            context,
        ));
    };
    Ok(keys
        .into_iter()
        .map(|key| {
            let mapped = decode::<wire::SubAccountKey>(&key, "sub-account API key")
                .and_then(|wire| map::map_sub_account_key(&sub, wire));
            let mut info = mapped.unwrap_or_else(|what| {
                let mut info = KeyInfo::new(ExchangeId::Okx);
                if let Some(id) = key.get("apiKey").and_then(Value::as_str) {
                    info.key_id = Reported::Known(id.to_owned());
                }
                info.account = Reported::Known(AccountKind::SubAccount);
                info.anomalies
                    .push(Anomaly::new(AnomalyKind::Invalid, "data", what));
                info
            });
            info.sub_account = Reported::Known(name.clone());
            info.raw = json!({ "subaccount": entry.clone(), "apikey": key });
            info
        })
        .collect())
}

/// Creates a key of `spec.sub_account`, with a strong passphrase chosen here, and hands it over
/// only once OKX's answer shows it bound to exactly the addresses asked for and holding no
/// right beyond those asked for; otherwise the new key is deleted and the error says so.
pub(super) async fn create_key(adapter: &VenueAdapter, spec: &NewKeySpec) -> Result<NewKey> {
    let sub_account = required(
        spec.sub_account.as_deref(),
        "NewKeySpec::sub_account",
        "no key was created",
    )?;
    let label = spec.label.trim();
    if label.is_empty() {
        return Err(Error::config(
            ExchangeId::Okx,
            "OKX needs a label for a new key (NewKeySpec::label): no key was created",
        ));
    }
    let trade = wants_trade(&spec.permissions)?;
    let ip = ip_param(&spec.allowed_ips)?;
    let passphrase = new_passphrase()?;
    // The create answer's `perm` shows `read_only,trade` for `trade`; the request names one.
    let body = json!({
        "subAcct": sub_account,
        "label": label,
        "passphrase": passphrase.expose_secret(),
        "perm": if trade { "trade" } else { "read_only" },
        "ip": ip,
    })
    .to_string();
    let outcome = adapter.call(&CREATE, String::new(), body).await;
    // From here on, no error may carry the passphrase (or, once known, the new secret).
    let mut hidden = vec![passphrase.expose_secret().to_owned()];
    let hide = |mut error: Error, hidden: &[String]| {
        Scrubber::new(hidden.iter().map(String::as_str)).error(&mut error);
        error
    };
    let (payload, context) = match outcome {
        Ok(answer) => answer,
        Err(error) => return Err(hide(explain(error), &hidden)),
    };
    let entry = payload
        .as_array()
        .and_then(|entries| entries.first())
        .cloned()
        .unwrap_or(Value::Null);
    let Some(api_key) = entry
        .get("apiKey")
        .and_then(Value::as_str)
        .filter(|key| !key.trim().is_empty())
        .map(str::to_owned)
    else {
        let error = CREATE.unclear(
            ExchangeId::Okx,
            format!(
                "the answer names no new key: a key may have been created for sub-account `{sub_account}`; look for it on okx.com under Sub-accounts > API keys and delete it",
            ),
            context,
        );
        return Err(hide(error, &hidden));
    };
    let secret = entry
        .get("secretKey")
        .and_then(Value::as_str)
        .filter(|secret| !secret.trim().is_empty())
        .map(str::to_owned);
    if let Some(secret) = &secret {
        hidden.push(secret.clone());
    }
    let refused = match &secret {
        None => Some("the answer carries no secret: the new key cannot be used".to_owned()),
        Some(_) => shown_differs(&entry, Some(&spec.allowed_ips), Some(trade)),
    };
    if let Some(why) = refused {
        let cause = Error::Rejected {
            context: Box::new(ErrorContext {
                message: Some(why),
                ..context
            }),
        };
        let error = new_key_deleted(adapter, &sub_account, &api_key, cause).await;
        return Err(hide(error, &hidden));
    }
    let secret = secret.unwrap_or_default();
    Ok(NewKey {
        exchange: ExchangeId::Okx,
        api_key,
        secret: SecretString::from(secret),
        passphrase: Some(passphrase),
    })
}

/// Changes a sub-account key's label, rights or addresses (`modify-apikey`: each field sent
/// replaces the key's own). The answer must show the addresses and the trade right asked for.
pub(super) async fn update_key(
    adapter: &VenueAdapter,
    target: KeyRef,
    change: &KeyChange,
) -> Result<()> {
    let (key_id, sub_account) = adapter.other_key(target, Operation::UpdateKey)?;
    let sub_account = required(
        sub_account.as_deref(),
        "KeyRef::Other::sub_account",
        "nothing was changed",
    )?;
    let mut body = Map::new();
    body.insert("subAcct".to_owned(), sub_account.into());
    body.insert("apiKey".to_owned(), key_id.trim().into());
    if let Some(label) = &change.label {
        if label.trim().is_empty() {
            return Err(Error::config(
                ExchangeId::Okx,
                "an OKX key keeps a label: the new one is empty; nothing was changed",
            ));
        }
        body.insert("label".to_owned(), label.trim().into());
    }
    let trade = match &change.permissions {
        Some(permissions) => {
            let trade = wants_trade(permissions)?;
            // modify-apikey takes every right, comma-separated.
            let perm = if trade {
                "read_only,trade"
            } else {
                "read_only"
            };
            body.insert("perm".to_owned(), perm.into());
            Some(trade)
        }
        None => None,
    };
    if let Some(ips) = &change.allowed_ips {
        body.insert("ip".to_owned(), ip_param(ips)?.into());
    }
    let (payload, context) = adapter
        .call(&MODIFY, String::new(), Value::Object(body).to_string())
        .await
        .map_err(explain)?;
    let entry = payload
        .as_array()
        .and_then(|entries| entries.first())
        .cloned()
        .unwrap_or(Value::Null);
    let ips = change.allowed_ips.as_deref();
    if ips.is_none() && trade.is_none() {
        // A new label only: nothing a caller's safety depends on to check.
        return Ok(());
    }
    // OKX accepted the call (code 0): what its answer does not show may or may not be done.
    MODIFY.accepted_change(
        ExchangeId::Okx,
        shown_differs(&entry, ips, trade),
        "okx.com under Sub-accounts > API keys",
        context,
    )
}

/// Deletes a sub-account key (`delete-apikey`).
pub(super) async fn revoke(adapter: &VenueAdapter, target: KeyRef) -> Result<Revoked> {
    let (key_id, sub_account) = adapter.other_key(target, Operation::RevokeOwn)?;
    // Without its sub-account (a breach response revoking what a master key lists), the key
    // is looked for in every sub-account: found in exactly one, it is deleted there.
    let sub_account = match sub_account.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => sub_account_of(adapter, key_id.trim()).await?,
    };
    delete(adapter, &sub_account, key_id.trim())
        .await
        .map_err(explain)?;
    Ok(Revoked {
        exchange: ExchangeId::Okx,
        key_id: Some(key_id),
    })
}

/// The one sub-account whose keys include `api_key`, as the master key lists them.
async fn sub_account_of(adapter: &VenueAdapter, api_key: &str) -> Result<String> {
    let mut found = Vec::new();
    for entry in sub_accounts(adapter).await? {
        let name = match decode::<wire::SubAccount>(&entry, "sub-account")
            .unwrap_or_default()
            .sub_acct
        {
            Field::Present(name) if !name.trim().is_empty() => name,
            _ => continue,
        };
        let listed = keys_of(adapter, entry).await?;
        if venue::lists_key(&listed, api_key) {
            found.push(name);
        }
    }
    venue::the_one_holder(
        ExchangeId::Okx,
        found,
        api_key,
        "OKX deletes sub-account keys only; name the sub-account in KeyRef::Other::sub_account",
        "nothing was revoked",
    )
}

async fn delete(adapter: &VenueAdapter, sub_account: &str, api_key: &str) -> Result<()> {
    let body = json!({ "subAcct": sub_account, "apiKey": api_key }).to_string();
    adapter.call(&DELETE, String::new(), body).await.map(drop)
}

/// A new key that cannot be handed over is deleted before the error is returned. The error
/// says what became of it: deleted, still there, or unknown.
async fn new_key_deleted(
    adapter: &VenueAdapter,
    sub_account: &str,
    api_key: &str,
    cause: Error,
) -> Error {
    let deletion = delete(adapter, sub_account, api_key).await.map_err(explain);
    DiscardedKey {
        exchange: ExchangeId::Okx,
        key: &format!("the new key `{api_key}` of sub-account `{sub_account}`"),
        words: ("deleted", "deleting"),
        by_hand: "delete it on okx.com under Sub-accounts > API keys",
    }
    .error(cause, deletion)
}

/// What in OKX's answer about a key differs from what was asked: not bound to exactly `ips`
/// (when given), able to withdraw, or not holding `trade` exactly as `trade` says (when given).
fn shown_differs(entry: &Value, ips: Option<&[String]>, trade: Option<bool>) -> Option<String> {
    let shown = decode::<wire::SubAccountKey>(entry, "API key")
        .and_then(|wire| map::map_sub_account_key(&wire::SubAccount::default(), wire));
    let shown = match shown {
        Ok(shown) => shown,
        Err(what) => return Some(format!("OKX's answer cannot be read ({what})")),
    };
    if let Some(ips) = ips {
        let wanted = IpRestriction::from_entries(ips.iter().map(String::as_str));
        if !same_addresses(&shown.ip_restriction, &wanted) {
            return Some(format!(
                "OKX's answer does not show the key bound to exactly {}",
                ips.join(", ")
            ));
        }
    }
    let granted = |right: Permission| shown.permissions.get(&right) == Grant::Granted;
    if granted(Permission::Withdraw) {
        return Some("OKX's answer shows the key able to withdraw".to_owned());
    }
    match trade {
        Some(false) if shown.permissions.get(&Permission::SpotTrade) != Grant::Denied => {
            Some("OKX's answer does not show the key read-only, as asked".to_owned())
        }
        Some(true) if !granted(Permission::SpotTrade) => {
            Some("OKX's answer does not show the key holding `trade`, as asked".to_owned())
        }
        _ => None,
    }
}

/// The sub-account a call names, or the error saying it must be named.
fn required(sub_account: Option<&str>, field: &str, nothing: &str) -> Result<String> {
    match sub_account.map(str::trim) {
        Some(name) if !name.is_empty() => Ok(name.to_owned()),
        _ => Err(Error::config(
            ExchangeId::Okx,
            format!(
                "OKX manages keys through the API only per sub-account: name it in {field}; {nothing}"
            ),
        )),
    }
}

/// Whether `permissions` need OKX's `trade` right. OKX has one trade right for every product and
/// the funding transfers, so asking for any of them grants all.
fn wants_trade(permissions: &[Permission]) -> Result<bool> {
    TradeRight {
        exchange: ExchangeId::Okx,
        covers: &[
            Permission::SpotTrade,
            Permission::MarginTrade,
            Permission::FuturesTrade,
            Permission::OptionsTrade,
            Permission::InternalTransfer,
            Permission::UniversalTransfer,
        ],
        no_funds: "OKX does not let a sub-account key withdraw (the API grants `read_only` and `trade` only; code 59504)",
        no_management: "only the master account's keys manage sub-accounts and keys on OKX: a sub-account key cannot be given that right",
    }
    .wanted(permissions)
}

/// The `ip` parameter: the addresses, comma-separated, at most [`MAX_IPS`].
fn ip_param(ips: &[String]) -> Result<String> {
    Ok(venue::bounded_addresses(ExchangeId::Okx, ips, MAX_IPS, " (code 59503)")?.join(","))
}

/// Adds what the caller must do to OKX's refusals of key management.
pub(super) fn explain(mut error: Error) -> Error {
    let hint = match error.context().and_then(|c| c.code.as_deref()) {
        Some(MASTER_NOT_IP_BOUND) => {
            "the master key must be bound to IP addresses: OKX manages sub-account keys only from a master-account key linked to IP addresses; bind this key to the addresses it is called from on okx.com (Profile > API keys > Edit) and call again"
        }
        Some("59500") => {
            "only a key of the master account manages sub-accounts and their keys: this key belongs to a sub-account"
        }
        Some("50030" | "50120") => {
            "creating, changing and deleting sub-account keys needs a master-account key holding `trade`"
        }
        Some("59510") => {
            "no sub-account has this name: list_keys or okx.com (Sub-accounts) shows the names"
        }
        Some("59506") => "the sub-account has no key with this id",
        _ => return error,
    };
    error.add_to_message(hint);
    error
}

fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// OKX asks for 8 to 32 characters with at least one digit, one upper-case letter, one
/// lower-case letter and one special character; the special characters are those its
/// documentation names as examples (`! @ # $ %`).
const SPECIAL: &[u8] = b"!@#$%";
/// The longest passphrase OKX accepts: 32 characters of 67 give about 194 bits.
const PASSPHRASE_LEN: usize = 32;

/// A new passphrase with one character of each class OKX asks for.
pub(super) fn new_passphrase() -> Result<SecretString> {
    common::new_passphrase(
        ExchangeId::Okx,
        &[UPPER, LOWER, DIGITS, SPECIAL],
        PASSPHRASE_LEN,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passphrase_has_every_class_okx_asks_for() {
        for _ in 0..200 {
            let passphrase = new_passphrase().unwrap();
            let text = passphrase.expose_secret();
            assert_eq!(text.len(), PASSPHRASE_LEN);
            for class in [UPPER, LOWER, DIGITS, SPECIAL] {
                assert!(text.bytes().any(|b| class.contains(&b)), "{class:?}");
            }
        }
        assert_ne!(
            new_passphrase().unwrap().expose_secret(),
            new_passphrase().unwrap().expose_secret()
        );
    }

    #[test]
    fn rights_okx_cannot_grant_a_sub_account_key_are_refused() {
        assert!(!wants_trade(&[Permission::Read]).unwrap());
        assert!(wants_trade(&[Permission::Read, Permission::FuturesTrade]).unwrap());
        for refused in [
            Permission::Withdraw,
            Permission::Payment,
            Permission::KeyManagement,
            Permission::Other("earn".into()),
        ] {
            let err = wants_trade(&[Permission::Read, refused.clone()]).unwrap_err();
            assert!(matches!(err, Error::Config { .. }), "{refused}: {err}");
        }
    }

    #[test]
    fn at_most_twenty_addresses() {
        let twenty: Vec<String> = (1..=20).map(|i| format!("203.0.113.{i}")).collect();
        assert_eq!(ip_param(&twenty).unwrap().split(',').count(), 20);
        let mut many = twenty;
        many.push("198.51.100.1,198.51.100.2".to_owned());
        assert!(ip_param(&many)
            .unwrap_err()
            .to_string()
            .contains("at most 20"));
    }
}

//! Sub-account keys of a unified account (UTA), managed from the master key with Bitget's v3
//! calls (bitget.com/api-doc/uta/account/sub-account): `sub-list` and `sub-api-list` list them,
//! `create-sub-api` creates one, `delete-sub-api` deletes one. Only the v3 family deletes: the
//! v2 virtual sub-account calls create, change and list keys but document no deletion, so a
//! key created there could never be revoked through the API, and a rotation could not finish.
//!
//! Bitget documents each call as "only the main account can call this API", needing
//! "Unified account management" read (listing) or read and write (creating, deleting)
//! permission on the master key. `delete-sub-api` "is not applicable for the main account or
//! sub-account to delete their own API Key", and deletes keys of unified-account sub-accounts
//! only. The key in use is managed on bitget.com only.
//!
//! The `ips` of these calls are read as the key's access allowlist, as the SDKs do; the pages
//! call them "Withdrawal Whitelist IP" (a translation of 提币白名单IP) and say no more.
//!
//! `update-sub-api` is not used: it requires a `passphrase`, and Bitget does not say whether
//! that is the key's current passphrase (which a master key does not hold) or a new one (which
//! would silently replace the one its application signs with).

use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

use super::{map, wire, Bitget, KEY_INFO};
use crate::adapter::{KeyAdapter, KeyRef, NewKey, NewKeySpec, Operation, Revoked};
use crate::error::{AuthReason, Error, ErrorContext, Result};
use crate::exchanges::common::{self, Field, Text, TradeRight, DIGITS, LOWER, UPPER};
use crate::exchanges::venue::{self, same_addresses, DiscardedKey, VenueAdapter};
use crate::model::{
    AccountKind, Anomaly, AnomalyKind, Grant, IpRestriction, KeyInfo, Permission, Reported,
};
use crate::transport::answer::decode;
use crate::transport::pipeline::Endpoint;
use crate::transport::scrub::Scrubber;
use crate::ExchangeId;

/// `GET /api/v3/user/sub-list`: the sub-accounts, a page at a time (10 requests/s per UID,
/// weighed against the adapter's 10/s).
const SUB_ACCOUNTS: Endpoint = Endpoint::read("GET", "/api/v3/user/sub-list");
/// `GET /api/v3/user/sub-api-list`: the keys of one sub-account, a page at a time.
const SUB_ACCOUNT_KEYS: Endpoint = Endpoint::read("GET", "/api/v3/user/sub-api-list");
/// `POST /api/v3/user/create-sub-api`.
const CREATE: Endpoint = Endpoint::write("POST", "/api/v3/user/create-sub-api");
/// `POST /api/v3/user/delete-sub-api`: the key dies at once.
const DELETE: Endpoint = Endpoint::write("POST", "/api/v3/user/delete-sub-api");

/// The most entries a page holds (the documented maximum of `limit`).
const PAGE: usize = 100;
/// Pages read before giving up, so a list that never ends is an error rather than a loop.
const MAX_PAGES: usize = 20;
/// The most addresses Bitget binds to one key ("A maximum of 30 IPs").
const MAX_IPS: usize = 30;

const BY_HAND: &str = "bitget.com under Sub-accounts > API Key Management";

/// The key in use, then every key of every sub-account the master key lists. Bitget's key
/// information does not say whether the key in use is the master's, so a key that may not list
/// sub-accounts gets the error saying so rather than a list that looks complete.
pub(super) async fn list_keys(adapter: &VenueAdapter) -> Result<Vec<KeyInfo>> {
    let (payload, context) = adapter
        .call(&KEY_INFO, String::new(), String::new())
        .await?;
    let own = venue::key_info_from(&Bitget, payload, adapter.api_key())
        .map_err(|what| Error::decode(what, context))?;
    let mut keys = vec![own];
    for entry in sub_accounts(adapter).await? {
        keys.extend(keys_of(adapter, entry).await?);
    }
    Ok(keys)
}

/// The entries of every page of a cursor-paged list (`data.<field>`, `hasNext`, `cursor`).
async fn pages(
    adapter: &VenueAdapter,
    endpoint: &Endpoint,
    fixed: &[(&str, &str)],
    field: &str,
    what: &str,
) -> Result<Vec<Value>> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    let mut last_context = ErrorContext::new(ExchangeId::Bitget);
    let limit = PAGE.to_string();
    for _ in 0..MAX_PAGES {
        // Sorted by name: one documentation copy asks for the query sorted.
        let mut pairs: Vec<(&str, &str)> = fixed.to_vec();
        pairs.push(("limit", &limit));
        if let Some(cursor) = &cursor {
            pairs.push(("cursor", cursor));
        }
        pairs.sort_by_key(|(name, _)| *name);
        let (payload, context) = adapter
            .call(endpoint, form(&pairs), String::new())
            .await
            .map_err(explain)?;
        let Some(Value::Array(entries)) = payload.get(field) else {
            return Err(Error::decode(
                format!("`data.{field}` is not a list of {what}"),
                context,
            ));
        };
        all.extend(entries.iter().cloned());
        let more = match payload.get("hasNext") {
            Some(Value::Bool(more)) => *more,
            Some(Value::String(more)) if more.trim().eq_ignore_ascii_case("true") => true,
            Some(Value::String(more)) if more.trim().eq_ignore_ascii_case("false") => false,
            None | Some(Value::Null) => false,
            Some(_) => {
                return Err(Error::decode(
                    format!("`data.hasNext` of the {what} is not a flag"),
                    context,
                ))
            }
        };
        if !more {
            return Ok(all);
        }
        let next = match payload.get("cursor") {
            Some(Value::String(text)) if !text.trim().is_empty() => text.trim().to_owned(),
            Some(Value::Number(number)) => number.to_string(),
            _ => {
                return Err(Error::decode(
                    format!(
                        "the {what} say there is a next page but give no `cursor` to ask for it"
                    ),
                    context,
                ))
            }
        };
        if cursor.as_deref() == Some(next.as_str()) {
            return Err(Error::decode(
                format!("the next page of {what} has the same cursor as the last: the list does not page"),
                context,
            ));
        }
        cursor = Some(next);
        last_context = context;
    }
    Err(Error::decode(
        format!(
            "more than {} {what}: this crate stops listing there",
            PAGE * MAX_PAGES
        ),
        last_context,
    ))
}

async fn sub_accounts(adapter: &VenueAdapter) -> Result<Vec<Value>> {
    pages(adapter, &SUB_ACCOUNTS, &[], "list", "sub-accounts").await
}

/// The keys of one listed sub-account, each with the sub-account's entry as part of its
/// evidence (`raw`: `{"subaccount": …, "apikey": …}`). A sub-account whose keys Bitget refuses
/// to list (a classic-account one, say) is listed as an entry with an anomaly saying why, so the
/// rest of a breach response still sees every other key.
async fn keys_of(adapter: &VenueAdapter, entry: Value) -> Result<Vec<KeyInfo>> {
    let sub: wire::SubAccount = decode(&entry, "sub-account").unwrap_or_default();
    let uid = match &sub.sub_uid {
        Field::Present(Text(uid)) if !uid.trim().is_empty() => uid.trim().to_owned(),
        _ => {
            return Ok(vec![sub_account_anomaly(
                entry,
                None,
                AnomalyKind::Missing,
                "a sub-account listed without a readable `subUid`: its keys could not be listed"
                    .to_owned(),
            )])
        }
    };
    let listed = pages(
        adapter,
        &SUB_ACCOUNT_KEYS,
        &[("subUid", &uid)],
        "items",
        "sub-account API keys",
    )
    .await;
    let keys = match listed {
        Ok(keys) => keys,
        Err(refused @ Error::Rejected { .. }) => {
            return Ok(vec![sub_account_anomaly(
                entry,
                Some(&uid),
                AnomalyKind::Invalid,
                format!(
                "Bitget refused to list this sub-account's keys ({refused}): see them on {BY_HAND}"
            ),
            )])
        }
        Err(other) => return Err(other),
    };
    Ok(keys
        .into_iter()
        .map(|key| {
            let mapped = decode::<wire::SubApiKey>(&key, "sub-account API key")
                .and_then(map::map_sub_api_key);
            let mut info = mapped.unwrap_or_else(|what| {
                let mut info = KeyInfo::new(ExchangeId::Bitget);
                if let Some(id) = key.get("apiKey").and_then(Value::as_str) {
                    info.key_id = Reported::Known(id.to_owned());
                }
                info.account = Reported::Known(AccountKind::SubAccount);
                info.anomalies
                    .push(Anomaly::new(AnomalyKind::Invalid, "items", what));
                info
            });
            info.sub_account = Reported::Known(uid.clone());
            info.raw = json!({ "subaccount": entry.clone(), "apikey": key });
            info
        })
        .collect())
}

fn sub_account_anomaly(entry: Value, uid: Option<&str>, kind: AnomalyKind, why: String) -> KeyInfo {
    let mut info = KeyInfo::new(ExchangeId::Bitget);
    info.account = Reported::Known(AccountKind::SubAccount);
    if let Some(uid) = uid {
        info.sub_account = Reported::Known(uid.to_owned());
    }
    info.anomalies.push(Anomaly::new(kind, "subUid", why));
    info.raw = json!({ "subaccount": entry });
    info
}

/// Creates a key of `spec.sub_account` (its UID) with a passphrase chosen here, and hands it
/// over only once Bitget's answer shows it bound to exactly the addresses asked for, with the
/// permission type asked for and no right that moves funds; otherwise the new key is deleted
/// and the error says so.
pub(super) async fn create_key(adapter: &VenueAdapter, spec: &NewKeySpec) -> Result<NewKey> {
    let sub_uid = match spec.sub_account.as_deref().map(str::trim) {
        Some(uid) if !uid.is_empty() => uid.to_owned(),
        _ => {
            return Err(Error::config(
                ExchangeId::Bitget,
                "Bitget creates keys through the API only for sub-accounts: name the sub-account's UID in NewKeySpec::sub_account; no key was created",
            ))
        }
    };
    let note = note_param(&spec.label)?;
    let writes = wants_trade(&spec.permissions)?;
    let ips = ip_param(&spec.allowed_ips)?;
    let passphrase = new_passphrase()?;
    let kind = if writes { "read_write" } else { "read_only" };
    // A read-only key reads the unified account through `uta_trade` (the documented example).
    let body = json!({
        "subUid": sub_uid,
        "note": note,
        "type": kind,
        "passphrase": passphrase.expose_secret(),
        "permissions": ["uta_trade"],
        "ips": ips,
    })
    .to_string();
    let outcome = adapter.call(&CREATE, String::new(), body).await;
    // From here on, no error may carry the passphrase (or, once known, the new secret).
    let mut hidden = vec![passphrase.expose_secret().to_owned()];
    let hide = |mut error: Error, hidden: &[String]| {
        Scrubber::new(hidden.iter().map(String::as_str)).error(&mut error);
        error
    };
    let (entry, context) = match outcome {
        Ok(answer) => answer,
        Err(error) => return Err(hide(explain(error), &hidden)),
    };
    let Some(api_key) = entry
        .get("apiKey")
        .and_then(Value::as_str)
        .filter(|key| !key.trim().is_empty())
        .map(|key| key.trim().to_owned())
    else {
        let error = CREATE.unclear(
            ExchangeId::Bitget,
            format!(
                "the answer names no new key: a key may have been created for sub-account `{sub_uid}`; look for one noted `{note}` on {BY_HAND} and delete it",
            ),
            context,
        );
        return Err(hide(error, &hidden));
    };
    let secret = entry
        .get("secret")
        .and_then(Value::as_str)
        .filter(|secret| !secret.trim().is_empty())
        .map(str::to_owned);
    if let Some(secret) = &secret {
        hidden.push(secret.clone());
    }
    let refused = match &secret {
        None => Some("the answer carries no secret: the new key cannot be used".to_owned()),
        Some(_) => shown_differs(&entry, &spec.allowed_ips, writes),
    };
    if let Some(why) = refused {
        let cause = Error::Rejected {
            context: Box::new(ErrorContext {
                message: Some(why),
                ..context
            }),
        };
        let error = new_key_deleted(adapter, &sub_uid, &api_key, cause).await;
        return Err(hide(error, &hidden));
    }
    Ok(NewKey {
        exchange: ExchangeId::Bitget,
        api_key,
        secret: SecretString::from(secret.unwrap_or_default()),
        passphrase: Some(passphrase),
    })
}

/// Deletes a sub-account key (`delete-sub-api` takes the key alone).
pub(super) async fn revoke(adapter: &VenueAdapter, target: KeyRef) -> Result<Revoked> {
    let KeyRef::Other { key_id, .. } = target else {
        return Err(adapter.unsupported(Operation::RevokeOwn));
    };
    delete(adapter, key_id.trim()).await.map_err(explain)?;
    Ok(Revoked {
        exchange: ExchangeId::Bitget,
        key_id: Some(key_id),
    })
}

async fn delete(adapter: &VenueAdapter, api_key: &str) -> Result<()> {
    let body = json!({ "apiKey": api_key }).to_string();
    adapter.call(&DELETE, String::new(), body).await.map(drop)
}

/// A new key that cannot be handed over is deleted before the error is returned. The error
/// says what became of it: deleted, still there, or unknown.
async fn new_key_deleted(
    adapter: &VenueAdapter,
    sub_uid: &str,
    api_key: &str,
    cause: Error,
) -> Error {
    let deletion = delete(adapter, api_key).await.map_err(explain);
    DiscardedKey {
        exchange: ExchangeId::Bitget,
        key: &format!("the new key `{api_key}` of sub-account `{sub_uid}`"),
        words: ("deleted", "deleting"),
        by_hand: &format!("delete it on {BY_HAND}"),
    }
    .error(cause, deletion)
}

/// What in Bitget's answer about a new key differs from what was asked: not bound to exactly
/// `ips`, able to move funds, or not of the permission type asked for.
fn shown_differs(entry: &Value, ips: &[String], writes: bool) -> Option<String> {
    let shown = decode::<wire::SubApiKey>(entry, "API key").and_then(map::map_sub_api_key);
    let shown = match shown {
        Ok(shown) => shown,
        Err(what) => return Some(format!("Bitget's answer cannot be read ({what})")),
    };
    let wanted = IpRestriction::from_entries(ips.iter().map(String::as_str));
    if !same_addresses(&shown.ip_restriction, &wanted) {
        return Some(format!(
            "Bitget's answer does not show the key bound to exactly {}",
            ips.join(", ")
        ));
    }
    if shown.permissions.moves_funds() != Grant::Denied {
        return Some(
            "Bitget's answer does not show the key unable to withdraw or transfer".to_owned(),
        );
    }
    let spot = shown.permissions.get(&Permission::SpotTrade);
    match (writes, spot) {
        (true, Grant::Granted) | (false, Grant::Denied) => None,
        (true, _) => {
            Some("Bitget's answer does not show the key able to trade, as asked".to_owned())
        }
        (false, _) => Some("Bitget's answer does not show the key read-only, as asked".to_owned()),
    }
}

/// Whether `permissions` need `read_write` with `uta_trade`: spot, margin and futures trading.
fn wants_trade(permissions: &[Permission]) -> Result<bool> {
    TradeRight {
        exchange: ExchangeId::Bitget,
        covers: &[
            Permission::SpotTrade,
            Permission::MarginTrade,
            Permission::FuturesTrade,
        ],
        no_funds: "this crate creates no Bitget key that moves funds",
        no_management: "Bitget's management right for sub-account keys (`uta_mgt`) has no documented scope: this crate does not grant it",
    }
    .wanted(permissions)
}

/// The `note`: "needs to start with a letter and supports [0-9], [a-z], [A-Z], as well as
/// [-,_]".
fn note_param(label: &str) -> Result<String> {
    let note = label.trim();
    let starts_with_letter = note.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    let allowed = note
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ','));
    if !starts_with_letter || !allowed {
        return Err(Error::config(
            ExchangeId::Bitget,
            format!("Bitget takes a key's note starting with a letter, of letters, digits, `-` and `_` only; `{note}` is not one: no key was created"),
        ));
    }
    Ok(note.to_owned())
}

/// The `ips` parameter: at most [`MAX_IPS`] IPv4 addresses ("Only supports IPv4").
fn ip_param(ips: &[String]) -> Result<Vec<String>> {
    let entries: Vec<String> = venue::bounded_addresses(ExchangeId::Bitget, ips, MAX_IPS, "")?
        .into_iter()
        .map(str::to_owned)
        .collect();
    if let Some(v6) = entries.iter().find(|entry| entry.contains(':')) {
        return Err(Error::config(
            ExchangeId::Bitget,
            format!(
                "Bitget binds keys to IPv4 addresses only; `{v6}` is not one: nothing was sent"
            ),
        ));
    }
    Ok(entries)
}

/// Adds what the caller must do to Bitget's refusals of key management.
pub(super) fn explain(mut error: Error) -> Error {
    if error.auth_reason() == Some(AuthReason::PermissionDenied) {
        error.add_to_message(
            "Bitget manages sub-account keys only from a key of the main account holding \"Unified account management\" permission (read to list, read and write to create and delete); a sub-account's key sees only itself (key_info)",
        );
    }
    error
}

fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The longest passphrase Bitget accepts ("8 to 32 characters of letters and numbers"): 32
/// characters of 62 give about 190 bits.
const PASSPHRASE_LEN: usize = 32;

/// A new passphrase: a letter of each case and a digit (a combination of letters and
/// numbers), the rest from all of them.
pub(super) fn new_passphrase() -> Result<SecretString> {
    common::new_passphrase(ExchangeId::Bitget, &[UPPER, LOWER, DIGITS], PASSPHRASE_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passphrase_is_32_letters_and_digits_of_every_class() {
        for _ in 0..200 {
            let passphrase = new_passphrase().unwrap();
            let text = passphrase.expose_secret();
            assert_eq!(text.len(), PASSPHRASE_LEN);
            assert!(text.bytes().all(|b| b.is_ascii_alphanumeric()));
            for class in [UPPER, LOWER, DIGITS] {
                assert!(text.bytes().any(|b| class.contains(&b)), "{class:?}");
            }
        }
        assert_ne!(
            new_passphrase().unwrap().expose_secret(),
            new_passphrase().unwrap().expose_secret()
        );
    }

    #[test]
    fn rights_this_crate_does_not_ask_bitget_for_are_refused() {
        assert!(!wants_trade(&[Permission::Read]).unwrap());
        assert!(wants_trade(&[Permission::Read, Permission::FuturesTrade]).unwrap());
        for refused in [
            Permission::Withdraw,
            Permission::InternalTransfer,
            Permission::KeyManagement,
            Permission::OptionsTrade,
            Permission::Other("earn".into()),
        ] {
            let err = wants_trade(&[Permission::Read, refused.clone()]).unwrap_err();
            assert!(matches!(err, Error::Config { .. }), "{refused}: {err}");
        }
    }

    #[test]
    fn notes_and_addresses_follow_bitgets_rules() {
        assert_eq!(note_param(" grid_bot-2 ").unwrap(), "grid_bot-2");
        for bad in ["", "1bot", "bot bot", "bot!"] {
            assert!(note_param(bad).is_err(), "{bad}");
        }
        let thirty: Vec<String> = (1..=30).map(|i| format!("203.0.113.{i}")).collect();
        assert_eq!(ip_param(&thirty).unwrap().len(), 30);
        let mut many = thirty;
        many.push("198.51.100.1".to_owned());
        assert!(ip_param(&many)
            .unwrap_err()
            .to_string()
            .contains("at most 30"));
        assert!(ip_param(&["2001:db8::1".to_owned()]).is_err());
    }
}

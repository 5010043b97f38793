//! Sub-user keys, managed from a parent user's key: HTX's API creates, changes and deletes the
//! keys of sub-users only, and only from the parent ("Sub user API key creation / modification
//! / deletion … This endpoint is used by the parent user", API Key permission: Trade), and lists
//! keys only to the parent (`GET /v2/user/api-key`, permission Read). Every call names the
//! sub-user by its uid (`subUid`).
//!
//! Creating a key needs the parent's current Google Authenticator code (`otpToken`, six
//! digits): it is asked of the caller's [`SecondFactor`](crate::SecondFactor) once per
//! creation and sent once, with that creation only. A creation HTX refuses is not sent again
//! with the same code; a creation whose outcome is unknown is never sent again at all.

use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Map, Value};

use super::{call, call_whole, map, own_uid, uid_of, wire, KEY_INFO};
use crate::adapter::{
    Challenge, ChallengeMethod, KeyChange, KeyRef, NewKey, NewKeySpec, Operation, Revoked,
};
use crate::error::{AuthReason, Error, ErrorContext, Result};
use crate::exchanges::common::{same_token, split_tokens, TradeRight};
use crate::exchanges::venue::{self, same_addresses, DiscardedKey, VenueAdapter};
use crate::model::{
    AccountKind, Anomaly, AnomalyKind, Grant, IpRestriction, KeyInfo, Permission, Reported,
};
use crate::transport::answer::decode;
use crate::transport::pipeline::Endpoint;
use crate::transport::scrub::Scrubber;
use crate::ExchangeId;

/// `GET /v2/sub-user/user-list`: the sub-users, 100 a page in ascending uid, `nextId` naming
/// the first of the next page.
const SUB_USERS: Endpoint = Endpoint::read("GET", "/v2/sub-user/user-list");
/// `POST /v2/sub-user/api-key-generation`.
const CREATE: Endpoint = Endpoint::write("POST", "/v2/sub-user/api-key-generation");
/// `POST /v2/sub-user/api-key-modification`: each field sent replaces the key's own.
const MODIFY: Endpoint = Endpoint::write("POST", "/v2/sub-user/api-key-modification");
/// `POST /v2/sub-user/api-key-deletion`.
const DELETE: Endpoint = Endpoint::write("POST", "/v2/sub-user/api-key-deletion");

/// Pages of sub-users read before giving up: 2,000 sub-users, so a list that never ends is an
/// error rather than a loop.
const MAX_PAGES: usize = 20;
/// The most addresses HTX binds to one key ("at most 20", the documentation's current copy; its
/// 2020 announcement said 10).
const MAX_IPS: usize = 20;
/// The longest note HTX takes ("up to 255 characters"; the 2020 announcement said 20).
const MAX_NOTE: usize = 255;

/// What HTX answers a sub-user's key calling an endpoint sub-users may not call.
pub(super) const SUB_USER_FORBIDDEN: &str = "403";

/// The parent's keys (`GET /v2/user/api-key` with the parent's uid), then every sub-user's keys
/// (the same call with the sub-user's uid), each naming its sub-user. An entry that cannot be
/// read costs only itself: it is listed with an anomaly saying why.
pub(super) async fn list_keys(adapter: &VenueAdapter) -> Result<Vec<KeyInfo>> {
    let parent = own_uid(adapter).await?;
    let mut keys = keys_of(adapter, &parent, None).await.map_err(explain)?;
    for entry in sub_users(adapter).await? {
        match uid_of(entry.get("uid").unwrap_or(&Value::Null)) {
            // HTX's own examples give the parent's uid in the sub-user list: never list twice.
            Some(uid) if uid == parent => {}
            Some(uid) => keys.extend(keys_of(adapter, &uid, Some(&uid)).await.map_err(explain)?),
            None => {
                let mut info = KeyInfo::new(ExchangeId::Htx);
                info.account = Reported::Known(AccountKind::SubAccount);
                info.anomalies.push(Anomaly::new(
                    AnomalyKind::Missing,
                    "uid",
                    "a sub-user listed without a readable uid: its keys could not be listed",
                ));
                info.raw = json!({ "subuser": entry });
                keys.push(info);
            }
        }
    }
    Ok(keys)
}

/// Every sub-user's entry, page by page.
async fn sub_users(adapter: &VenueAdapter) -> Result<Vec<Value>> {
    let mut all = Vec::new();
    let mut from: Option<String> = None;
    let mut last_context = ErrorContext::new(ExchangeId::Htx);
    for _ in 0..MAX_PAGES {
        let query = match &from {
            Some(id) => form(&[("fromId", id)]),
            None => String::new(),
        };
        let (envelope, context) = call_whole(adapter, &SUB_USERS, query, String::new())
            .await
            .map_err(explain)?;
        let Some(Value::Array(entries)) = envelope.get("data") else {
            return Err(Error::decode("`data` is not a list of sub-users", context));
        };
        let empty = entries.is_empty();
        all.extend(entries.iter().cloned());
        let next = envelope.get("nextId").and_then(uid_of);
        match next {
            None => return Ok(all),
            Some(_) if empty => return Ok(all),
            Some(next) if from.as_deref() == Some(next.as_str()) => return Err(Error::decode(
                "the next page of sub-users starts where the last one did: the list does not page",
                context,
            )),
            Some(next) => from = Some(next),
        }
        last_context = context;
    }
    Err(Error::decode(
        format!("more than {MAX_PAGES} pages of sub-users: this crate stops listing there"),
        last_context,
    ))
}

/// The keys of the user `uid`; `sub_user` names it where it is a sub-user.
async fn keys_of(
    adapter: &VenueAdapter,
    uid: &str,
    sub_user: Option<&str>,
) -> Result<Vec<KeyInfo>> {
    let (payload, context) = call(adapter, &KEY_INFO, form(&[("uid", uid)]), String::new()).await?;
    let Value::Array(keys) = payload else {
        return Err(Error::decode(
            format!("`data` is not a list of the keys of user `{uid}`"),
            context,
        ));
    };
    Ok(keys
        .into_iter()
        .map(|key| {
            let mapped = decode::<wire::ApiKey>(&key, "API key").and_then(map::map_api_key);
            let mut info = mapped.unwrap_or_else(|what| {
                let mut info = KeyInfo::new(ExchangeId::Htx);
                if let Some(id) = key.get("accessKey").and_then(Value::as_str) {
                    info.key_id = Reported::Known(id.to_owned());
                }
                info.anomalies
                    .push(Anomaly::new(AnomalyKind::Invalid, "data", what));
                info
            });
            match sub_user {
                Some(sub_user) => {
                    info.account = Reported::Known(AccountKind::SubAccount);
                    info.sub_account = Reported::Known(sub_user.to_owned());
                    // Managing sub-users and keys is the parent's alone (every sub-user call
                    // is "used by the parent user"), whatever the key holds.
                    info.permissions
                        .set(Permission::SubAccountManagement, Grant::Denied)
                        .set(Permission::KeyManagement, Grant::Denied);
                }
                None => info.account = Reported::Known(AccountKind::Master),
            }
            info.raw = key;
            info
        })
        .collect())
}

/// Creates a key of sub-user `spec.sub_account` with the parent's one-time code, and hands it
/// over only once HTX's answer shows it bound to exactly the addresses asked for and holding no
/// right beyond those asked for; otherwise the new key is deleted and the error says so.
pub(super) async fn create_key(adapter: &VenueAdapter, spec: &NewKeySpec) -> Result<NewKey> {
    let sub_user = required(
        spec.sub_account.as_deref(),
        "NewKeySpec::sub_account",
        "no key was created",
    )?;
    let note = note(&spec.label, "no key was created")?;
    let trade = wants_trade(&spec.permissions)?;
    let ips = ip_param(&spec.allowed_ips)?;
    let code = one_time_code(adapter, &sub_user).await?;
    let body = json!({
        "otpToken": code.expose_secret(),
        "subUid": uid_number(&sub_user),
        "note": note,
        "permission": permission_param(trade),
        "ipAddresses": ips,
    })
    .to_string();
    let outcome = call(adapter, &CREATE, String::new(), body).await;
    // From here on, no error may carry the code (or, once known, the new secret).
    let mut hidden = vec![code.expose_secret().to_owned()];
    let hide = |mut error: Error, hidden: &[String]| {
        Scrubber::new(hidden.iter().map(String::as_str)).error(&mut error);
        error
    };
    let (entry, context) = match outcome {
        Ok(answer) => answer,
        Err(Error::OutcomeUnknown {
            exchange,
            call,
            source,
        }) => {
            let error = Error::OutcomeUnknown {
                exchange,
                call: format!("{call} (a key may have been created for sub-user `{sub_user}`: look on htx.com under Sub-user Management > API key and delete any key you did not receive)"),
                source,
            };
            return Err(hide(error, &hidden));
        }
        Err(mut error) => {
            error = explain(error);
            error.add_to_message(
                "no key was created; the code sent is not sent again: a new attempt asks the SecondFactor for a new one",
            );
            return Err(hide(error, &hidden));
        }
    };
    let Some(api_key) = entry
        .get("accessKey")
        .and_then(Value::as_str)
        .filter(|key| !key.trim().is_empty())
        .map(|key| key.trim().to_owned())
    else {
        let error = CREATE.unclear(
            ExchangeId::Htx,
            format!(
                "the answer names no new key: a key may have been created for sub-user `{sub_user}`; look for it on htx.com under Sub-user Management > API key and delete it",
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
    let Some(secret) = secret.filter(|_| refused.is_none()) else {
        let cause = Error::Rejected {
            context: Box::new(ErrorContext {
                message: refused,
                ..context
            }),
        };
        let error = new_key_deleted(adapter, &sub_user, &api_key, cause).await;
        return Err(hide(error, &hidden));
    };
    Ok(NewKey {
        exchange: ExchangeId::Htx,
        api_key,
        secret: SecretString::from(secret),
        passphrase: None,
    })
}

/// The parent's Google Authenticator code, from the caller's second factor: six digits, or
/// nothing is sent.
async fn one_time_code(adapter: &VenueAdapter, sub_user: &str) -> Result<SecretString> {
    let Some(answerer) = adapter.second_factor() else {
        return Err(Error::AuthRejected {
            reason: AuthReason::SecondFactorRequired,
            context: Box::new(ErrorContext {
                exchange: Some(ExchangeId::Htx),
                endpoint: Some(CREATE.describe()),
                message: Some("HTX creates a sub-user key only with the parent user's current Google Authenticator code (otpToken): give the adapter a SecondFactor that answers with it (AdapterBuilder::second_factor), or create the key on htx.com under Sub-user Management; nothing was sent".to_owned()),
                ..Default::default()
            }),
        });
    };
    let challenge = Challenge::new(
        ExchangeId::Htx,
        Operation::CreateKey,
        ChallengeMethod::Totp,
        format!("HTX asks for the parent user's current Google Authenticator code to create an API key for sub-user {sub_user}; it is sent once, with this creation only"),
    );
    let code = answerer.answer(&challenge).await?;
    let text = code.expose_secret().trim();
    if text.len() != 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::config(
            ExchangeId::Htx,
            "the SecondFactor's answer is not a six-digit Google Authenticator code, which HTX asks for: nothing was sent, no key was created",
        ));
    }
    Ok(SecretString::from(text.to_owned()))
}

/// Changes a sub-user key's note, rights or addresses. The answer must show the addresses and
/// the trade right asked for.
pub(super) async fn update_key(
    adapter: &VenueAdapter,
    target: KeyRef,
    change: &KeyChange,
) -> Result<()> {
    let (key_id, sub_account) = adapter.other_key(target, Operation::UpdateKey)?;
    let sub_user = required(
        sub_account.as_deref(),
        "KeyRef::sub_account_key",
        "nothing was changed",
    )?;
    let mut body = Map::new();
    body.insert("subUid".to_owned(), uid_number(&sub_user));
    body.insert("accessKey".to_owned(), key_id.trim().into());
    if let Some(label) = &change.label {
        body.insert(
            "note".to_owned(),
            note(label, "nothing was changed")?.into(),
        );
    }
    let trade = match &change.permissions {
        Some(permissions) => {
            let trade = wants_trade(permissions)?;
            body.insert("permission".to_owned(), permission_param(trade).into());
            Some(trade)
        }
        None => None,
    };
    if let Some(ips) = &change.allowed_ips {
        body.insert("ipAddresses".to_owned(), ip_param(ips)?.into());
    }
    let (entry, context) = call(
        adapter,
        &MODIFY,
        String::new(),
        Value::Object(body).to_string(),
    )
    .await
    .map_err(explain)?;
    let ips = change.allowed_ips.as_deref();
    if ips.is_none() && trade.is_none() {
        // A new note only: nothing a caller's safety depends on to check.
        return Ok(());
    }
    // HTX accepted the call (code 200): what its answer does not show may or may not be done.
    MODIFY.accepted_change(
        ExchangeId::Htx,
        shown_differs(&entry, ips, trade),
        "htx.com under Sub-user Management > API key",
        context,
    )
}

/// Deletes a sub-user key. Without its sub-user (a breach response revoking what a parent key
/// lists), the key is looked for in every sub-user's keys and deleted where exactly one lists it.
pub(super) async fn revoke(adapter: &VenueAdapter, target: KeyRef) -> Result<Revoked> {
    let (key_id, sub_account) = adapter.other_key(target, Operation::RevokeOwn)?;
    let sub_user = match sub_account.as_deref().map(str::trim) {
        Some(uid) if !uid.is_empty() => {
            required(Some(uid), "KeyRef::sub_account_key", "nothing was revoked")?
        }
        _ => sub_user_of(adapter, key_id.trim()).await?,
    };
    delete(adapter, &sub_user, key_id.trim())
        .await
        .map_err(explain)?;
    Ok(Revoked {
        exchange: ExchangeId::Htx,
        key_id: Some(key_id),
    })
}

/// The one sub-user whose keys include `access_key`, as the parent lists them.
async fn sub_user_of(adapter: &VenueAdapter, access_key: &str) -> Result<String> {
    let parent = own_uid(adapter).await?;
    let mut found = Vec::new();
    for entry in sub_users(adapter).await? {
        let Some(uid) = uid_of(entry.get("uid").unwrap_or(&Value::Null)) else {
            continue;
        };
        if uid == parent {
            continue;
        }
        let listed = keys_of(adapter, &uid, Some(&uid)).await.map_err(explain)?;
        if venue::lists_key(&listed, access_key) {
            found.push(uid);
        }
    }
    venue::the_one_holder(
        ExchangeId::Htx,
        found,
        access_key,
        "no sub-user of this parent lists it: HTX deletes only sub-user keys through the API; a parent user's key is deleted on htx.com under Account > API Management",
        "nothing was revoked",
    )
}

async fn delete(adapter: &VenueAdapter, sub_user: &str, access_key: &str) -> Result<()> {
    let body = json!({ "subUid": uid_number(sub_user), "accessKey": access_key }).to_string();
    // The envelope whole: success is `code` 200, whatever `data` holds (`null` documented).
    call_whole(adapter, &DELETE, String::new(), body)
        .await
        .map(drop)
}

/// A new key that cannot be handed over is deleted before the error is returned. The error
/// says what became of it: deleted, still there, or unknown.
async fn new_key_deleted(
    adapter: &VenueAdapter,
    sub_user: &str,
    access_key: &str,
    cause: Error,
) -> Error {
    let deletion = delete(adapter, sub_user, access_key).await.map_err(explain);
    DiscardedKey {
        exchange: ExchangeId::Htx,
        key: &format!("the new key `{access_key}` of sub-user `{sub_user}`"),
        words: ("deleted", "deleting"),
        by_hand: "delete it on htx.com under Sub-user Management > API key",
    }
    .error(cause, deletion)
}

/// What HTX's answer about a created or changed key (`note`, `permission`, `ipAddresses`)
/// differs from what was asked: not bound to exactly `ips` (when given), able to withdraw or to
/// do what this crate does not know, or not holding `trade` exactly as `trade` says (when
/// given).
fn shown_differs(entry: &Value, ips: Option<&[String]>, trade: Option<bool>) -> Option<String> {
    if let Some(ips) = ips {
        let shown = match entry.get("ipAddresses") {
            Some(Value::String(list)) => IpRestriction::from_entries(split_tokens(list)),
            _ => IpRestriction::NotReported,
        };
        let wanted = IpRestriction::from_entries(ips.iter().map(String::as_str));
        if !same_addresses(&shown, &wanted) {
            return Some(format!(
                "HTX's answer does not show the key bound to exactly {}",
                ips.join(", ")
            ));
        }
    }
    let tokens = match entry.get("permission") {
        Some(Value::String(list)) => split_tokens(list),
        _ if trade.is_none() => return None,
        _ => return Some("HTX's answer does not show the key's rights".to_owned()),
    };
    // HTX lists `readOnly` for every key: a list of nothing shows nothing, and is not read as
    // "read-only".
    if tokens.is_empty() && trade.is_some() {
        return Some(
            "HTX's answer does not show the key's rights (an empty `permission`)".to_owned(),
        );
    }
    if let Some(other) = tokens
        .iter()
        .find(|token| !same_token(token, "readOnly") && !same_token(token, "trade"))
    {
        return Some(format!(
            "HTX's answer shows the key holding `{other}`, beyond reading and trading"
        ));
    }
    let holds_trade = tokens.iter().any(|token| same_token(token, "trade"));
    match trade {
        Some(wanted) if wanted != holds_trade => Some(if wanted {
            "HTX's answer does not show the key holding `trade`, as asked".to_owned()
        } else {
            "HTX's answer does not show the key read-only, as asked".to_owned()
        }),
        _ => None,
    }
}

/// The sub-user a call names, by its uid, or the error saying it must be named.
fn required(sub_user: Option<&str>, field: &str, nothing: &str) -> Result<String> {
    match sub_user.map(str::trim) {
        Some(uid) if !uid.is_empty() && uid.bytes().all(|b| b.is_ascii_digit()) && uid.len() <= 19 => {
            Ok(uid.to_owned())
        }
        Some(other) if !other.is_empty() => Err(Error::config(
            ExchangeId::Htx,
            format!("HTX names a sub-user by its numeric uid, not `{other}` ({field}); {nothing}"),
        )),
        _ => Err(Error::config(
            ExchangeId::Htx,
            format!(
                "HTX manages keys through the API only per sub-user: name its uid in {field}; {nothing}"
            ),
        )),
    }
}

/// `subUid` as HTX documents it, a number (`required` checked the digits).
fn uid_number(uid: &str) -> Value {
    uid.parse::<u64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::from(uid))
}

/// The note: HTX requires one when creating, of at most [`MAX_NOTE`] characters.
fn note(label: &str, nothing: &str) -> Result<String> {
    let label = label.trim();
    if label.is_empty() {
        return Err(Error::config(
            ExchangeId::Htx,
            format!("HTX keeps a note on every key (NewKeySpec::label, KeyChange::label): it is empty; {nothing}"),
        ));
    }
    if label.chars().count() > MAX_NOTE {
        return Err(Error::config(
            ExchangeId::Htx,
            format!("HTX takes a note of at most {MAX_NOTE} characters; {nothing}"),
        ));
    }
    Ok(label.to_owned())
}

/// `permission`: `readOnly` always (HTX requires it), `trade` where asked.
fn permission_param(trade: bool) -> &'static str {
    if trade {
        "readOnly,trade"
    } else {
        "readOnly"
    }
}

/// Whether `permissions` need HTX's `trade` right. HTX has one trade right for spot, margin and
/// contracts and the transfers they need, so asking for any of them grants all.
fn wants_trade(permissions: &[Permission]) -> Result<bool> {
    TradeRight {
        exchange: ExchangeId::Htx,
        covers: &[
            Permission::SpotTrade,
            Permission::MarginTrade,
            Permission::FuturesTrade,
            Permission::OptionsTrade,
            Permission::InternalTransfer,
            Permission::UniversalTransfer,
        ],
        no_funds: "HTX gives a sub-user key `readOnly` and `trade` only, never withdrawals",
        no_management: "only the parent user manages sub-users and their keys on HTX: a sub-user key cannot be given that right",
    }
    .wanted(permissions)
}

/// `ipAddresses`: the addresses, comma-separated, at most [`MAX_IPS`].
fn ip_param(ips: &[String]) -> Result<String> {
    Ok(venue::bounded_addresses(ExchangeId::Htx, ips, MAX_IPS, "")?.join(","))
}

/// Adds what the caller must do to HTX's refusals of key management.
fn explain(mut error: Error) -> Error {
    let hint = match error.context().and_then(|c| c.code.as_deref()) {
        Some(SUB_USER_FORBIDDEN) | Some("1002") => {
            "only a parent user's key lists keys and manages sub-user keys on HTX (creating, changing and deleting also need its trade permission): this key is a sub-user's, or lacks the right"
        }
        Some("2002") => {
            "HTX refused a field of the call: a sub-user uid or access key it does not know, a note, permission or address it does not take, or (creating) a Google Authenticator code it did not accept"
        }
        Some("2014") => "the sub-user holds as many keys as HTX allows: delete one first",
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ips(list: &[&str]) -> Vec<String> {
        list.iter().map(|ip| (*ip).to_owned()).collect()
    }

    #[test]
    fn rights_htx_cannot_grant_a_sub_user_key_are_refused() {
        assert!(!wants_trade(&[Permission::Read]).unwrap());
        assert!(wants_trade(&[Permission::Read, Permission::MarginTrade]).unwrap());
        for refused in [
            Permission::Withdraw,
            Permission::KeyManagement,
            Permission::Other("earn".into()),
        ] {
            let err = wants_trade(&[Permission::Read, refused.clone()]).unwrap_err();
            assert!(matches!(err, Error::Config { .. }), "{refused}: {err}");
        }
    }

    #[test]
    fn a_sub_user_is_named_by_its_uid() {
        assert_eq!(
            required(Some(" 132208121 "), "f", "x").unwrap(),
            "132208121"
        );
        assert_eq!(uid_number("132208121"), json!(132_208_121));
        for bad in [None, Some(""), Some("bot-1"), Some("12 3")] {
            assert!(required(bad, "f", "x").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_documented_create_answer_is_read() {
        // HTX's example answer of api-key-generation: trade, two addresses.
        let entry = json!({
            "accessKey": "2b55df29-vf25treb80-1535713d-8aea2",
            "secretKey": "c405c550-6fa0583b-fb4bc38e-d317e",
            "note": "62924133", "permission": "trade,readOnly",
            "ipAddresses": "1.1.1.1,1.1.1.2"
        });
        let asked = ips(&["1.1.1.2", "1.1.1.1"]);
        assert_eq!(shown_differs(&entry, Some(&asked), Some(true)), None);
        assert!(shown_differs(&entry, Some(&asked), Some(false)).is_some());
        assert!(shown_differs(&entry, Some(&ips(&["1.1.1.1"])), Some(true)).is_some());
        let mut withdraw = entry.clone();
        withdraw["permission"] = "readOnly,trade,withdraw".into();
        assert!(shown_differs(&withdraw, Some(&asked), Some(true))
            .unwrap()
            .contains("withdraw"));
        let mut unbound = entry;
        unbound["ipAddresses"] = "".into();
        assert!(shown_differs(&unbound, Some(&asked), Some(true)).is_some());
    }

    #[test]
    fn at_most_twenty_addresses_and_a_note() {
        let twenty: Vec<String> = (1..=20).map(|i| format!("203.0.113.{i}")).collect();
        assert_eq!(ip_param(&twenty).unwrap().split(',').count(), 20);
        let mut many = twenty;
        many.push("198.51.100.1".to_owned());
        assert!(ip_param(&many).is_err());
        assert!(note("  ", "x").is_err());
        assert!(note(&"n".repeat(256), "x").is_err());
        assert_eq!(note(" bot ", "x").unwrap(), "bot");
    }
}

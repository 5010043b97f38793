//! Sub-account keys, managed from the master key: BingX's API lists, creates, changes and
//! deletes the keys of sub-accounts only, from a key of the master account holding "Manage
//! Subaccounts" (bingx-api.github.io/docs-v3, "Sub-account"). The master account's own keys are
//! managed on bingx.com only.
//!
//! A sub-account is named by its UID (`subUid`) or its user name (`subAccountString`), which is
//! looked up in the master key's list. A key named without its sub-account is looked for in
//! every sub-account's list, and managed only where exactly one lists it. `apiKey/query` may
//! show a key masked (`zF*******zQ` in the documented example): a masked id matches a key whose
//! id begins and ends as shown.

use secrecy::SecretString;
use serde_json::{json, Value};

use super::{map, wire, Bingx, KEY_INFO};
use crate::adapter::{KeyChange, KeyRef, NewKey, NewKeySpec, Operation, Revoked};
use crate::error::{Error, ErrorContext, Result};
use crate::exchanges::common::Field;
use crate::exchanges::venue::{self, same_addresses, DiscardedKey, VenueAdapter};
use crate::model::{
    AccountKind, Anomaly, AnomalyKind, IpRestriction, KeyInfo, Permission, Reported,
};
use crate::transport::answer::decode;
use crate::transport::pipeline::Endpoint;
use crate::transport::scrub::Scrubber;
use crate::ExchangeId;

/// `GET /openApi/subAccount/v1/list`: a page of the master account's sub-accounts.
const SUB_ACCOUNTS: Endpoint = Endpoint::read("GET", "/openApi/subAccount/v1/list");
/// `GET /openApi/account/v1/apiKey/query`: the keys of one account (`uid`), or one of them
/// (`apiKey`).
const KEYS: Endpoint = Endpoint::read("GET", "/openApi/account/v1/apiKey/query");
/// `POST /openApi/subAccount/v1/apiKey/create`: answers the new key with its secret.
const CREATE: Endpoint = Endpoint::write("POST", "/openApi/subAccount/v1/apiKey/create");
/// `POST /openApi/subAccount/v1/apiKey/edit`: `note` and `permissions` are required, so every
/// edit sends the key's whole state.
const EDIT: Endpoint = Endpoint::write("POST", "/openApi/subAccount/v1/apiKey/edit");
/// `POST /openApi/subAccount/v1/apiKey/del`.
const DELETE: Endpoint = Endpoint::write("POST", "/openApi/subAccount/v1/apiKey/del");

/// The largest page of sub-accounts (the documented maximum of `limit`).
const PAGE: usize = 1000;
/// Pages read before giving up, so a list that never ends is an error rather than a loop.
const MAX_PAGES: usize = 20;
/// The most addresses BingX binds to a key ("Each API key can be linked up to 20 IP
/// addresses", bingx.com Account > API management).
const MAX_IPS: usize = 20;
/// The permission code of reading, which every key BingX creates holds ("The default
/// permission for newly created APIs is read-only", docs-v3 "SignAuth").
const READ: u8 = 2;
/// The permission code of withdrawing.
const WITHDRAW: &str = "5";

const BY_HAND: &str = "bingx.com, Account > Sub-account > API management";

/// The key in use (as `apiPermissions` tells it), then every key of every sub-account. An entry
/// that cannot be read costs only itself: it is listed with an anomaly saying why.
pub(super) async fn list_keys(adapter: &VenueAdapter) -> Result<Vec<KeyInfo>> {
    let (payload, context) = adapter
        .call(&KEY_INFO, String::new(), String::new())
        .await?;
    let own = venue::key_info_from(&Bingx, payload, adapter.api_key())
        .map_err(|what| Error::decode(what, context))?;
    let mut keys = vec![own];
    for entry in sub_accounts(adapter).await? {
        keys.extend(keys_of(adapter, entry).await?);
    }
    Ok(keys)
}

/// Every sub-account's entry, page by page.
async fn sub_accounts(adapter: &VenueAdapter) -> Result<Vec<Value>> {
    let mut all = Vec::new();
    let mut last_context = ErrorContext::new(ExchangeId::Bingx);
    for page in 1..=MAX_PAGES {
        let (payload, context) = adapter
            .call(
                &SUB_ACCOUNTS,
                format!("page={page}&limit={PAGE}"),
                String::new(),
            )
            .await
            .map_err(explain)?;
        let listed: wire::SubAccountPage = decode(&payload, "sub-account list")
            .map_err(|what| Error::decode(what, context.clone()))?;
        let entries = match listed.result {
            Field::Present(entries) => entries,
            Field::Absent => Vec::new(),
            Field::Invalid(_) => {
                return Err(Error::decode(
                    "`data.result` is not a list of sub-accounts",
                    context,
                ))
            }
        };
        let full = entries.len() >= PAGE;
        all.extend(entries);
        let total = match listed.total {
            Field::Present(total) => usize::try_from(total).ok(),
            _ => None,
        };
        if !full || total.is_some_and(|total| all.len() >= total) {
            return Ok(all);
        }
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

/// A sub-account entry's UID, when it has a readable one.
fn uid_of(entry: &Value) -> Option<String> {
    match decode::<wire::SubAccount>(entry, "sub-account")
        .unwrap_or_default()
        .sub_uid
    {
        Field::Present(uid) if is_uid(&uid.0) => Some(uid.0),
        _ => None,
    }
}

fn is_uid(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// The keys of one listed sub-account, each with the sub-account's entry as part of its
/// evidence (`raw`: `{"subaccount": …, "apikey": …}`).
async fn keys_of(adapter: &VenueAdapter, entry: Value) -> Result<Vec<KeyInfo>> {
    let Some(uid) = uid_of(&entry) else {
        let mut info = KeyInfo::new(ExchangeId::Bingx);
        info.account = Reported::Known(AccountKind::SubAccount);
        info.anomalies.push(Anomaly::new(
            AnomalyKind::Missing,
            "subUid",
            "a sub-account listed without a readable UID: its keys could not be listed",
        ));
        info.raw = json!({ "subaccount": entry });
        return Ok(vec![info]);
    };
    Ok(listed_keys(adapter, &uid, None)
        .await?
        .into_iter()
        .map(|key| {
            let mapped = decode::<wire::ApiKeyInfo>(&key, "API key").and_then(map::map_api_key);
            let mut info = mapped.unwrap_or_else(|what| {
                let mut info = KeyInfo::new(ExchangeId::Bingx);
                if let Some(id) = key.get("apiKey").and_then(Value::as_str) {
                    info.key_id = Reported::Known(id.to_owned());
                }
                info.account = Reported::Known(AccountKind::SubAccount);
                info.anomalies
                    .push(Anomaly::new(AnomalyKind::Invalid, "apiInfos", what));
                info
            });
            info.sub_account = Reported::Known(uid.clone());
            info.raw = json!({ "subaccount": entry.clone(), "apikey": key });
            info
        })
        .collect())
}

/// The entries `apiKey/query` lists for account `uid` (only those matching `api_key`, when
/// given).
async fn listed_keys(
    adapter: &VenueAdapter,
    uid: &str,
    api_key: Option<&str>,
) -> Result<Vec<Value>> {
    let query = match api_key {
        Some(api_key) => form(&[("uid", uid), ("apiKey", api_key)]),
        None => form(&[("uid", uid)]),
    };
    let (payload, context) = adapter
        .call(&KEYS, query, String::new())
        .await
        .map_err(explain)?;
    let listed: wire::ApiKeyList =
        decode(&payload, "API key list").map_err(|what| Error::decode(what, context.clone()))?;
    let entries = match listed.api_infos {
        Field::Present(entries) => entries,
        // A sub-account without keys may be answered without the list.
        Field::Absent => Vec::new(),
        Field::Invalid(_) => {
            return Err(Error::decode(
                format!("`data.apiInfos` is not a list of the keys of account {uid}"),
                context,
            ))
        }
    };
    Ok(match api_key {
        Some(api_key) => entries
            .into_iter()
            .filter(|entry| {
                entry
                    .get("apiKey")
                    .and_then(Value::as_str)
                    .is_some_and(|shown| same_key(shown, api_key))
            })
            .collect(),
        None => entries,
    })
}

/// Whether a key shown as `shown` (perhaps masked: `zF*******zQ`) is the key `api_key`: the
/// same id, or a masked one that begins and ends as `api_key` does.
pub(crate) fn same_key(shown: &str, api_key: &str) -> bool {
    let (shown, api_key) = (shown.trim(), api_key.trim());
    if shown.is_empty() || api_key.is_empty() {
        return false;
    }
    let (Some(first), Some(last)) = (shown.find('*'), shown.rfind('*')) else {
        return shown == api_key;
    };
    let (prefix, suffix) = (&shown[..first], &shown[last + 1..]);
    !prefix.is_empty()
        && !suffix.is_empty()
        && api_key.len() > prefix.len() + suffix.len()
        && api_key.starts_with(prefix)
        && api_key.ends_with(suffix)
}

/// The UID of the sub-account `name`: a UID as given, or the UID of the one sub-account whose
/// user name is `name`.
async fn sub_uid(adapter: &VenueAdapter, name: &str, nothing: &str) -> Result<String> {
    let name = name.trim();
    if is_uid(name) {
        return Ok(name.to_owned());
    }
    if name.is_empty() {
        return Err(Error::config(
            ExchangeId::Bingx,
            format!("the sub-account is named by an empty text: {nothing}"),
        ));
    }
    let uids: Vec<String> = sub_accounts(adapter)
        .await?
        .iter()
        .filter(|entry| {
            matches!(
                decode::<wire::SubAccount>(entry, "sub-account").unwrap_or_default().sub_account_string,
                Field::Present(user) if user.trim() == name
            )
        })
        .filter_map(uid_of)
        .collect();
    match uids.as_slice() {
        [uid] => Ok(uid.clone()),
        [] => Err(Error::config(
            ExchangeId::Bingx,
            format!(
                "no sub-account of this master key has the UID or user name `{name}`: {nothing}"
            ),
        )),
        _ => Err(Error::config(
            ExchangeId::Bingx,
            format!(
                "several sub-accounts are named `{name}`: name the one meant by its UID; {nothing}"
            ),
        )),
    }
}

/// The UID of the sub-account named, or of the one sub-account whose keys include `api_key`.
async fn sub_uid_of(
    adapter: &VenueAdapter,
    sub_account: Option<&str>,
    api_key: &str,
    nothing: &str,
) -> Result<String> {
    if let Some(name) = sub_account {
        return sub_uid(adapter, name, nothing).await;
    }
    let mut found = Vec::new();
    for entry in sub_accounts(adapter).await? {
        let Some(uid) = uid_of(&entry) else {
            continue;
        };
        if !listed_keys(adapter, &uid, Some(api_key)).await?.is_empty() {
            found.push(uid);
        }
    }
    venue::the_one_holder(
        ExchangeId::Bingx,
        found,
        api_key,
        "BingX manages sub-account keys only; name the sub-account in KeyRef::Other::sub_account",
        nothing,
    )
}

/// Creates a key of `spec.sub_account` and hands it over only once BingX shows it bound to
/// exactly the addresses asked for and holding exactly the rights asked for: the create answer,
/// or, where that answer does not show them, the key as `apiKey/query` lists it. Otherwise the
/// new key is deleted and the error says so.
pub(super) async fn create_key(adapter: &VenueAdapter, spec: &NewKeySpec) -> Result<NewKey> {
    const NOTHING: &str = "no key was created";
    let Some(sub_account) = spec.sub_account.as_deref() else {
        return Err(Error::config(
            ExchangeId::Bingx,
            format!("BingX creates keys through the API only for sub-accounts: name one in NewKeySpec::sub_account (its UID or user name); {NOTHING}"),
        ));
    };
    let note = spec.label.trim();
    if note.is_empty() {
        return Err(Error::config(
            ExchangeId::Bingx,
            format!("BingX needs a note for a new key (NewKeySpec::label): {NOTHING}"),
        ));
    }
    let codes = codes_for(&spec.permissions)?;
    let ips = ip_list(&spec.allowed_ips)?;
    let uid = sub_uid(adapter, sub_account, NOTHING).await?;
    let body = json!({
        "subUid": uid_number(&uid)?,
        "note": note,
        "permissions": codes,
        "ipAddresses": ips,
    })
    .to_string();
    let outcome = adapter.call(&CREATE, String::new(), body).await;
    // From the answer on, no error may carry the new secret.
    let mut hidden: Vec<String> = Vec::new();
    let hide = |mut error: Error, hidden: &[String]| {
        Scrubber::new(hidden.iter().map(String::as_str)).error(&mut error);
        error
    };
    let (data, context) = outcome.map_err(explain)?;
    if let Some(secret) = data
        .get("apiSecret")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|secret| !secret.is_empty())
    {
        hidden.push(secret.to_owned());
    }
    let api_key = match data.get("apiKey").and_then(Value::as_str).map(str::trim) {
        Some(key) if !key.is_empty() && !key.contains('*') => key.to_owned(),
        shown => {
            let what = match shown {
                Some(key) if !key.is_empty() => {
                    format!("the answer shows the new key only masked (`{key}`): it can be neither handed over nor deleted through the API")
                }
                _ => "the answer names no new key".to_owned(),
            };
            let error = CREATE.unclear(
                ExchangeId::Bingx,
                format!(
                    "{what}: a key may have been created for sub-account {uid}; look for it on {BY_HAND} and delete it",
                ),
                context,
            );
            return Err(hide(error, &hidden));
        }
    };
    let secret = hidden
        .first()
        .filter(|secret| !secret.contains('*'))
        .cloned();
    let refused = match &secret {
        None => Some(
            "the answer carries no usable secret (none, or masked): the new key cannot be used"
                .to_owned(),
        ),
        // The create answer may leave its lists empty (as BingX's example does): the key as
        // listed then decides.
        Some(_) if shows_lists(&data) => shown_differs(&data, Some(&ips), Some(&codes)),
        Some(_) => as_listed_differs(adapter, &uid, &api_key, Some(&ips), Some(&codes)).await,
    };
    if let Some(why) = refused {
        let cause = Error::Rejected {
            context: Box::new(ErrorContext {
                message: Some(why),
                ..context
            }),
        };
        let error = new_key_deleted(adapter, &uid, &api_key, cause).await;
        return Err(hide(error, &hidden));
    }
    Ok(NewKey {
        exchange: ExchangeId::Bingx,
        api_key,
        secret: SecretString::from(secret.unwrap_or_default()),
        passphrase: None,
    })
}

/// What the key as `apiKey/query` lists it shows that differs from what was asked, or why it
/// cannot be seen; `None` when it shows what was asked.
async fn as_listed_differs(
    adapter: &VenueAdapter,
    uid: &str,
    api_key: &str,
    ips: Option<&[String]>,
    codes: Option<&[u8]>,
) -> Option<String> {
    match listed_keys(adapter, uid, Some(api_key)).await {
        Ok(entries) => match entries.as_slice() {
            [entry] => shown_differs(entry, ips, codes)
                .map(|why| format!("{why} (as its answer and apiKey/query show it)")),
            [] => Some(format!(
                "neither the answer nor apiKey/query shows the key's rights and addresses (sub-account {uid} lists no such key)"
            )),
            _ => Some(format!(
                "apiKey/query lists several keys of sub-account {uid} shown like `{api_key}`: which one is new cannot be told"
            )),
        },
        Err(error) => Some(format!(
            "the answer does not show the key's rights and addresses, and apiKey/query failed ({error})"
        )),
    }
}

/// Changes a sub-account key's note, rights or addresses. BingX's edit takes the whole key
/// (`note` and `permissions` are required), so what the change does not name is read from the
/// key as listed and sent as it is.
pub(super) async fn update_key(
    adapter: &VenueAdapter,
    target: KeyRef,
    change: &KeyChange,
) -> Result<()> {
    const NOTHING: &str = "nothing was changed";
    let (key_id, sub_account) = adapter.other_key(target, Operation::UpdateKey)?;
    let key_id = key_id.trim().to_owned();
    let codes = match &change.permissions {
        Some(permissions) => Some(codes_for(permissions)?),
        None => None,
    };
    let ips = match &change.allowed_ips {
        Some(ips) => Some(ip_list(ips)?),
        None => None,
    };
    if let Some(label) = &change.label {
        if label.trim().is_empty() {
            return Err(Error::config(
                ExchangeId::Bingx,
                format!("a BingX key keeps a note: the new one is empty; {NOTHING}"),
            ));
        }
    }
    let uid = sub_uid_of(adapter, sub_account.as_deref(), &key_id, NOTHING).await?;
    let current = if change.label.is_none() || codes.is_none() || ips.is_none() {
        Some(current_key(adapter, &uid, &key_id, NOTHING).await?)
    } else {
        None
    };
    let kept = |what: &str| current.as_ref().and_then(|c| c.get(what)).cloned();
    let note = match &change.label {
        Some(label) => Value::from(label.trim()),
        None => unmasked(kept("note"), "note", "KeyChange::label", NOTHING)?,
    };
    let permissions = match &codes {
        Some(codes) => json!(codes),
        None => match kept("permissions") {
            Some(codes @ Value::Array(_)) => codes,
            _ => {
                return Err(Error::config(
                    ExchangeId::Bingx,
                    format!("BingX's edit replaces the key's rights, and its listing does not show them: name them in KeyChange::permissions; {NOTHING}"),
                ))
            }
        },
    };
    let ip_addresses = match &ips {
        Some(ips) => json!(ips),
        None => unmasked(
            kept("ipAddresses"),
            "addresses",
            "KeyChange::allowed_ips",
            NOTHING,
        )?,
    };
    let body = json!({
        "subUid": uid_number(&uid)?,
        "apiKey": key_id,
        "note": note,
        "permissions": permissions,
        "ipAddresses": ip_addresses,
    })
    .to_string();
    let (data, context) = adapter
        .call(&EDIT, String::new(), body)
        .await
        .map_err(explain)?;
    if ips.is_none() && codes.is_none() {
        // A new note only: nothing a caller's safety depends on to check.
        return Ok(());
    }
    // BingX accepted the call (code 0): what it does not show may or may not be done.
    let differs = if shows_lists(&data) {
        shown_differs(&data, ips.as_deref(), codes.as_deref())
    } else {
        as_listed_differs(adapter, &uid, &key_id, ips.as_deref(), codes.as_deref()).await
    };
    EDIT.accepted_change(ExchangeId::Bingx, differs, BY_HAND, context)
}

/// The key `api_key` of sub-account `uid`, as `apiKey/query` lists it.
async fn current_key(
    adapter: &VenueAdapter,
    uid: &str,
    api_key: &str,
    nothing: &str,
) -> Result<Value> {
    let mut entries = listed_keys(adapter, uid, Some(api_key)).await?;
    match entries.len() {
        1 => Ok(entries.remove(0)),
        0 => Err(Error::config(
            ExchangeId::Bingx,
            format!("sub-account {uid} lists no key `{api_key}`: {nothing}"),
        )),
        n => Err(Error::config(
            ExchangeId::Bingx,
            format!("sub-account {uid} lists {n} keys shown like `{api_key}`: {nothing}"),
        )),
    }
}

/// A value of the key as listed, to send back unchanged: refused when BingX shows it masked
/// (sending it back would overwrite the real one with the mask).
fn unmasked(value: Option<Value>, what: &str, field: &str, nothing: &str) -> Result<Value> {
    let masked = |value: &Value| match value {
        Value::String(text) => text.contains('*'),
        Value::Array(items) => items
            .iter()
            .any(|item| item.as_str().is_some_and(|t| t.contains('*'))),
        _ => true,
    };
    match value {
        Some(value) if !masked(&value) => Ok(value),
        _ => Err(Error::config(
            ExchangeId::Bingx,
            format!("BingX's edit replaces the key's {what}, and does not show the current ones in full: name them in {field}; {nothing}"),
        )),
    }
}

/// Deletes a sub-account key.
pub(super) async fn revoke(adapter: &VenueAdapter, target: KeyRef) -> Result<Revoked> {
    let (key_id, sub_account) = adapter.other_key(target, Operation::RevokeOwn)?;
    let api_key = key_id.trim();
    let uid = sub_uid_of(
        adapter,
        sub_account.as_deref(),
        api_key,
        "nothing was revoked",
    )
    .await?;
    delete(adapter, &uid, api_key).await.map_err(explain)?;
    Ok(Revoked {
        exchange: ExchangeId::Bingx,
        key_id: Some(key_id),
    })
}

async fn delete(adapter: &VenueAdapter, uid: &str, api_key: &str) -> Result<()> {
    let body = json!({ "subUid": uid_number(uid)?, "apiKey": api_key }).to_string();
    adapter.call(&DELETE, String::new(), body).await.map(drop)
}

/// A new key that cannot be handed over is deleted before the error is returned. The error
/// says what became of it: deleted, still there, or unknown.
async fn new_key_deleted(adapter: &VenueAdapter, uid: &str, api_key: &str, cause: Error) -> Error {
    let deletion = delete(adapter, uid, api_key).await.map_err(explain);
    DiscardedKey {
        exchange: ExchangeId::Bingx,
        key: &format!("the new key `{api_key}` of sub-account {uid}"),
        words: ("deleted", "deleting"),
        by_hand: &format!("delete it on {BY_HAND}"),
    }
    .error(cause, deletion)
}

/// Whether an answer about a key shows its rights and its addresses: both lists, not empty.
/// (A key always holds reading, and one created or changed here is always bound.)
fn shows_lists(entry: &Value) -> bool {
    ["permissions", "ipAddresses"].iter().all(|name| {
        entry
            .get(name)
            .and_then(Value::as_array)
            .is_some_and(|list| list.iter().any(|item| item.as_str() != Some("")))
    })
}

/// What BingX's answer about a key shows that differs from what was asked: not bound to exactly
/// `ips` (when given), able to withdraw, or holding other codes than `codes` (when given).
fn shown_differs(entry: &Value, ips: Option<&[String]>, codes: Option<&[u8]>) -> Option<String> {
    let shown = match decode::<wire::ApiKeyInfo>(entry, "API key") {
        Ok(shown) => shown,
        Err(what) => return Some(format!("BingX's answer cannot be read ({what})")),
    };
    if let Some(ips) = ips {
        let shown_ips = match &shown.ip_addresses {
            Field::Present(list) => IpRestriction::from_entries(list.iter().map(String::as_str)),
            _ => IpRestriction::NotReported,
        };
        let wanted = IpRestriction::from_entries(ips.iter().map(String::as_str));
        if !same_addresses(&shown_ips, &wanted) {
            return Some(format!(
                "BingX's answer does not show the key bound to exactly {}",
                ips.join(", ")
            ));
        }
    }
    let held = match shown.permissions {
        Field::Present(list) => match map::held_codes(list) {
            (held, false) => Some(held),
            (_, true) => None,
        },
        _ => None,
    };
    if held
        .as_ref()
        .is_some_and(|held| held.iter().any(|c| c == WITHDRAW))
    {
        return Some("BingX's answer shows the key able to withdraw".to_owned());
    }
    let codes = codes?;
    let Some(mut held) = held else {
        return Some("BingX's answer does not show the key's rights".to_owned());
    };
    held.sort();
    held.dedup();
    let mut wanted: Vec<String> = codes.iter().map(u8::to_string).collect();
    wanted.sort();
    (held != wanted).then(|| {
        format!(
            "BingX's answer shows the key holding codes [{}], not [{}] as asked",
            held.join(", "),
            wanted.join(", ")
        )
    })
}

/// BingX's codes for `permissions`, reading included; what BingX cannot grant, or what this
/// crate never gives a new key, is refused before anything is sent.
fn codes_for(permissions: &[Permission]) -> Result<Vec<u8>> {
    let mut codes = vec![READ];
    for permission in permissions {
        let code = match permission {
            Permission::Read => READ,
            Permission::SpotTrade => 1,
            Permission::FuturesTrade => 3,
            Permission::UniversalTransfer => 4,
            Permission::InternalTransfer => 7,
            Permission::Withdraw | Permission::Payment => {
                return Err(Error::config(
                    ExchangeId::Bingx,
                    "this crate does not give a key the right to withdraw (BingX's code 5), and BingX's edit cannot grant it: nothing was sent",
                ))
            }
            Permission::SubAccountManagement | Permission::KeyManagement => {
                return Err(Error::config(
                    ExchangeId::Bingx,
                    "BingX's API cannot give a sub-account key the right to manage sub-accounts or keys: nothing was sent",
                ))
            }
            other => {
                return Err(Error::config(
                    ExchangeId::Bingx,
                    format!("BingX has no right granting `{other}` (its API serves spot and perpetual futures): nothing was sent"),
                ))
            }
        };
        codes.push(code);
    }
    codes.sort_unstable();
    codes.dedup();
    Ok(codes)
}

/// The addresses, one per entry (a comma-separated entry is split), at most [`MAX_IPS`].
fn ip_list(ips: &[String]) -> Result<Vec<String>> {
    let entries = venue::bounded_addresses(ExchangeId::Bingx, ips, MAX_IPS, "")?;
    Ok(entries.into_iter().map(str::to_owned).collect())
}

/// `subUid` as the number BingX's parameter table types it (`long`).
fn uid_number(uid: &str) -> Result<Value> {
    uid.parse::<u64>().map(Value::from).map_err(|_| {
        Error::config(
            ExchangeId::Bingx,
            format!("`{uid}` is not a sub-account UID: nothing was sent"),
        )
    })
}

/// Adds what the caller must do to BingX's refusals of key management.
pub(super) fn explain(mut error: Error) -> Error {
    let hint = match error.context().and_then(|c| c.code.as_deref()) {
        Some("100004") => {
            "managing sub-account keys needs a key of the master account holding Manage Subaccounts"
        }
        Some("100400" | "80014") => {
            "BingX refused a parameter: check the sub-account's UID and the key's id (list_keys shows both)"
        }
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

    #[test]
    fn a_masked_id_matches_a_key_that_begins_and_ends_as_shown() {
        assert!(same_key("zF*******zQ", "zF0123456789zQ"));
        assert!(same_key(" SimKey0101 ", "SimKey0101"));
        assert!(!same_key("zF*******zQ", "zF0123456789zX"));
        assert!(!same_key("zF*******zQ", "zFzQ"));
        assert!(!same_key("****", "anything"));
        assert!(!same_key("", "anything"));
    }

    #[test]
    fn rights_map_to_codes_and_withdrawal_is_refused() {
        assert_eq!(codes_for(&[]).unwrap(), [2]);
        assert_eq!(
            codes_for(&[
                Permission::SpotTrade,
                Permission::FuturesTrade,
                Permission::Read
            ])
            .unwrap(),
            [1, 2, 3]
        );
        for refused in [
            Permission::Withdraw,
            Permission::Payment,
            Permission::MarginTrade,
            Permission::OptionsTrade,
            Permission::KeyManagement,
            Permission::Other("6".into()),
        ] {
            let err = codes_for(std::slice::from_ref(&refused)).unwrap_err();
            assert!(matches!(err, Error::Config { .. }), "{refused}: {err}");
        }
    }

    #[test]
    fn at_most_twenty_addresses() {
        let twenty: Vec<String> = (1..=20).map(|i| format!("203.0.113.{i}")).collect();
        assert_eq!(ip_list(&twenty).unwrap().len(), 20);
        let mut many = twenty;
        many.push("198.51.100.1,198.51.100.2".to_owned());
        assert!(ip_list(&many)
            .unwrap_err()
            .to_string()
            .contains("at most 20"));
    }

    #[test]
    fn what_an_answer_shows_is_compared_with_what_was_asked() {
        let ips = ["203.0.113.7".to_owned()];
        let shown = json!({ "permissions": [2, 1], "ipAddresses": ["203.0.113.7"] });
        assert_eq!(shown_differs(&shown, Some(&ips), Some(&[1, 2])), None);
        assert!(shown_differs(&shown, Some(&ips), Some(&[2])).is_some());
        let documented = json!({ "permissions": [], "ipAddresses": [] });
        assert!(shown_differs(&documented, Some(&ips), Some(&[2])).is_some());
        let withdraws = json!({ "permissions": [1, 2, 5], "ipAddresses": ["203.0.113.7"] });
        assert!(shown_differs(&withdraws, Some(&ips), None)
            .unwrap()
            .contains("withdraw"));
        let unknown = json!({ "permissions": [2, 6], "ipAddresses": ["203.0.113.7"] });
        assert!(shown_differs(&unknown, Some(&ips), Some(&[2])).is_some());
    }
}

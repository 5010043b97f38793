//! Sub-account keys, managed from the master key: KuCoin lists its sub-accounts
//! (`GET /api/v2/sub/user`, page by page) and each one's keys (`GET /api/v1/sub/api-key`),
//! creates (`POST /api/v1/sub/api-key`), changes (`POST /api/v1/sub/api-key/update`) and deletes
//! (`DELETE /api/v1/sub/api-key`) them, all with permission General from the master account
//! (docs-new, "Sub-account API"; Kucoin/kucoin-universal-sdk
//! `spec/rest/api/openapi-account-subaccount.json`). The key in use is managed on kucoin.com.
//!
//! Two facts shape these calls:
//! - **Changing or deleting a key needs that key's own passphrase** (`passphrase`, "password of
//!   the API key"). It comes with the target ([`KeyRef::with_passphrase`]); without it nothing
//!   is sent. A key created here gets a passphrase drawn from the system's random source,
//!   handed over in [`NewKey::passphrase`].
//! - **No answer shows an allowlist unmasked**: the create answer carries none, and the list
//!   shows `203.**.154`. A new key is therefore read back from its sub-account's list and handed
//!   over only if that masked list is *consistent with* exactly the addresses asked for (as
//!   many entries, each matching exactly one asked address: [`venue::consistent_addresses`]),
//!   and its rights are exactly those asked for, none moving funds unasked. That is a check,
//!   not a proof of equality: a mask hides the middle of each address. Otherwise the new key is
//!   deleted, with the passphrase chosen for it, and the error says why.

use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

use super::{map, wire, Kucoin, KEY_INFO};
use crate::adapter::{KeyAdapter, KeyChange, KeyRef, NewKey, NewKeySpec, Operation, Revoked};
use crate::error::{Error, ErrorContext, Result};
use crate::exchanges::common::{self, DIGITS, LOWER, UPPER};
use crate::exchanges::venue::{self, consistent_addresses, DiscardedKey, VenueAdapter};
use crate::model::{
    AccountKind, Anomaly, AnomalyKind, Grant, IpRestriction, KeyInfo, Permission, Reported,
};
use crate::transport::answer::decode;
use crate::transport::pipeline::Endpoint;
use crate::transport::scrub::Scrubber;
use crate::ExchangeId;

/// `GET /api/v2/sub/user`: the sub-accounts, a page at a time (weight 20, Management pool).
const SUB_ACCOUNTS: Endpoint = Endpoint {
    weight: 2,
    ..Endpoint::read("GET", "/api/v2/sub/user")
};
/// `GET /api/v1/sub/api-key`: the keys of one sub-account (weight 20, Management pool).
const SUB_ACCOUNT_KEYS: Endpoint = Endpoint {
    weight: 2,
    ..Endpoint::read("GET", "/api/v1/sub/api-key")
};

/// `POST /api/v1/sub/api-key`: creates a key of a sub-account (weight 20).
const CREATE: Endpoint = Endpoint {
    weight: 2,
    ..Endpoint::write("POST", "/api/v1/sub/api-key")
};
/// `POST /api/v1/sub/api-key/update`: replaces a key's rights and allowlist (weight 30).
const UPDATE: Endpoint = Endpoint {
    weight: 3,
    ..Endpoint::write("POST", "/api/v1/sub/api-key/update")
};
/// `DELETE /api/v1/sub/api-key?apiKey=&subName=&passphrase=` (weight 30).
const DELETE: Endpoint = Endpoint {
    weight: 3,
    ..Endpoint::write("DELETE", "/api/v1/sub/api-key")
};

/// Where a person finds a sub-account's keys on kucoin.com.
const BY_HAND: &str = "kucoin.com under Sub-Account > API";
/// The most addresses KuCoin binds to one key ("You may add up to 20 IPs").
const MAX_IPS: usize = 20;
/// The longest remark KuCoin takes ("Remarks (1–24 characters)").
const MAX_REMARK: usize = 24;

/// The most sub-accounts one page holds (the documented maximum of `pageSize`).
const PAGE: usize = 100;
/// Pages read before giving up: a list that never ends is an error rather than a loop.
const MAX_PAGES: usize = 20;

/// The key in use and, from a master key, every key of every sub-account. A sub-account's key
/// sees only itself. An entry that cannot be read costs only itself: it is listed with an
/// anomaly saying why.
pub(super) async fn list_keys(adapter: &VenueAdapter) -> Result<Vec<KeyInfo>> {
    let (payload, context) = adapter
        .call(&KEY_INFO, String::new(), String::new())
        .await?;
    let own = venue::key_info_from(&Kucoin, payload, adapter.api_key())
        .map_err(|what| Error::decode(what, context))?;
    let sub_account_key = own.account == Reported::Known(AccountKind::SubAccount);
    let mut keys = vec![own];
    if sub_account_key {
        return Ok(keys);
    }
    for name in sub_account_names(adapter).await? {
        keys.extend(keys_of(adapter, name).await?);
    }
    Ok(keys)
}

/// Every sub-account's name, page by page.
async fn sub_account_names(adapter: &VenueAdapter) -> Result<Vec<Option<String>>> {
    let mut names = Vec::new();
    let mut last_context = ErrorContext::new(ExchangeId::Kucoin);
    for page in 1..=MAX_PAGES {
        let query = format!("currentPage={page}&pageSize={PAGE}");
        let (payload, context) = adapter.call(&SUB_ACCOUNTS, query, String::new()).await?;
        let Some(Value::Array(items)) = payload.get("items") else {
            return Err(Error::decode(
                "`data.items` is not a list of sub-accounts",
                context,
            ));
        };
        let count = items.len();
        names.extend(items.iter().map(|item| {
            item.get("subName")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
        }));
        let total_pages = payload.get("totalPage").and_then(Value::as_u64);
        let last = match total_pages {
            Some(total) => page as u64 >= total,
            None => count < PAGE,
        };
        if last || count == 0 {
            return Ok(names);
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

/// The keys of one sub-account; a sub-account listed without a name is one entry saying so.
async fn keys_of(adapter: &VenueAdapter, name: Option<String>) -> Result<Vec<KeyInfo>> {
    keys_matching(adapter, name, None).await
}

/// The keys of one sub-account, or only `api_key` where it is named (the list's own filter).
async fn keys_matching(
    adapter: &VenueAdapter,
    name: Option<String>,
    api_key: Option<&str>,
) -> Result<Vec<KeyInfo>> {
    let Some(name) = name else {
        let mut info = KeyInfo::new(ExchangeId::Kucoin);
        info.account = Reported::Known(AccountKind::SubAccount);
        info.anomalies.push(Anomaly::new(
            AnomalyKind::Missing,
            "subName",
            "a sub-account listed without a readable name: its keys could not be listed",
        ));
        return Ok(vec![info]);
    };
    let query = {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("subName", &name);
        if let Some(api_key) = api_key {
            query.append_pair("apiKey", api_key);
        }
        query.finish()
    };
    let (payload, context) = adapter
        .call(&SUB_ACCOUNT_KEYS, query, String::new())
        .await?;
    let Value::Array(keys) = payload else {
        return Err(Error::decode(
            format!("`data` is not a list of the keys of sub-account `{name}`"),
            context,
        ));
    };
    Ok(keys
        .into_iter()
        .map(|key| {
            let mapped = decode::<wire::ApiKeyInfo>(&key, "sub-account API key")
                .and_then(map::map_api_key_info);
            let mut info = mapped.unwrap_or_else(|what| {
                let mut info = KeyInfo::new(ExchangeId::Kucoin);
                if let Some(id) = key.get("apiKey").and_then(Value::as_str) {
                    info.key_id = Reported::Known(id.to_owned());
                }
                info.anomalies
                    .push(Anomaly::new(AnomalyKind::Invalid, "data", what));
                info
            });
            // Listed under a sub-account, whatever the entry says of itself.
            info.account = Reported::Known(AccountKind::SubAccount);
            info.sub_account = Reported::Known(name.clone());
            info.raw = key;
            info
        })
        .collect())
}

/// Creates a key of `spec.sub_account` with a passphrase drawn here, reads it back from the
/// sub-account's list, and hands it over only if that list shows it consistent with exactly the
/// addresses asked for and holding exactly the rights asked for; otherwise the new key is
/// deleted and the error says why.
pub(super) async fn create_key(adapter: &VenueAdapter, spec: &NewKeySpec) -> Result<NewKey> {
    let sub_account = required(
        spec.sub_account.as_deref(),
        "NewKeySpec::sub_account",
        "no key was created",
    )?;
    let remark = spec.label.trim();
    if remark.is_empty() || remark.chars().count() > MAX_REMARK {
        return Err(Error::config(
            ExchangeId::Kucoin,
            format!("KuCoin needs a label of 1 to {MAX_REMARK} characters for a new key (NewKeySpec::label): no key was created"),
        ));
    }
    let (tokens, granted) = grantable(&spec.permissions)?;
    let ips = ip_param(&spec.allowed_ips)?;
    let passphrase = new_passphrase()?;
    let body = json!({
        "subName": sub_account,
        "passphrase": passphrase.expose_secret(),
        "remark": remark,
        "permission": tokens,
        "ipWhitelist": ips,
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
        Err(error) if error.is_outcome_unknown() => {
            let error = Error::OutcomeUnknown {
                exchange: ExchangeId::Kucoin,
                call: format!("creating a key labelled `{remark}` for sub-account `{sub_account}` ({}; if {BY_HAND} lists it, delete it there: its secret was never seen)", CREATE.describe()),
                source: Box::new(error),
            };
            return Err(hide(error, &hidden));
        }
        Err(error) => return Err(hide(error, &hidden)),
    };
    let text = |name: &str| {
        payload
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    // The answer echoes the passphrase, and carries the secret: neither reaches an error.
    if let Some(echoed) = text("passphrase") {
        hidden.push(echoed);
    }
    let secret = text("apiSecret");
    if let Some(secret) = &secret {
        hidden.push(secret.clone());
    }
    let Some(api_key) = text("apiKey") else {
        let error = CREATE.unclear(
            ExchangeId::Kucoin,
            format!(
                "the answer names no new key: a key labelled `{remark}` may have been created for sub-account `{sub_account}`; look for it on {BY_HAND} and delete it",
            ),
            context,
        );
        return Err(hide(error, &hidden));
    };
    let refused = match &secret {
        None => Some("the answer carries no secret: the new key cannot be used".to_owned()),
        Some(_) => {
            let wanted = IpRestriction::from_entries(spec.allowed_ips.iter().map(String::as_str));
            shown_differs(adapter, &sub_account, &api_key, Some(&wanted), &granted).await
        }
    };
    if let Some(why) = refused {
        let cause = Error::Rejected {
            context: Box::new(ErrorContext {
                message: Some(why),
                ..context
            }),
        };
        let error = new_key_deleted(adapter, &sub_account, &api_key, &passphrase, cause).await;
        return Err(hide(error, &hidden));
    }
    Ok(NewKey {
        exchange: ExchangeId::Kucoin,
        api_key,
        secret: SecretString::from(secret.unwrap_or_default()),
        passphrase: Some(passphrase),
    })
}

/// Replaces a sub-account key's allowlist (and rights, where named), with the key's own
/// passphrase. KuCoin's update takes no remark, and replaces the allowlist whatever is sent:
/// since the list shows it masked, the addresses must be named with any change. Rights left
/// unnamed are sent as the list shows them, since KuCoin documents `General` as the default of
/// an omitted `permission`. The key is read back afterwards: a change KuCoin accepted but its
/// list does not show is of unknown outcome.
pub(super) async fn update_key(
    adapter: &VenueAdapter,
    target: KeyRef,
    change: &KeyChange,
) -> Result<()> {
    let passphrase = target.passphrase().cloned();
    let KeyRef::Other {
        key_id,
        sub_account,
        ..
    } = target
    else {
        return Err(adapter.unsupported(Operation::UpdateKey));
    };
    let key_id = key_id.trim().to_owned();
    if change.label.is_some() {
        return Err(Error::config(
            ExchangeId::Kucoin,
            "KuCoin's update call does not change a key's remark (label): nothing was sent",
        ));
    }
    let Some(ips) = &change.allowed_ips else {
        return Err(Error::config(
            ExchangeId::Kucoin,
            "KuCoin's update call replaces the key's allowlist, which its list shows masked: name the addresses (KeyChange::allowed_ips) with any change; nothing was sent",
        ));
    };
    let passphrase = passphrase_of(passphrase, &key_id, "nothing was sent")?;
    let ip_list = ip_param(ips)?;
    let sub_account = match sub_account.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => sub_account_of(adapter, &key_id).await?,
    };
    let hide = |mut error: Error| {
        Scrubber::new([passphrase.expose_secret()]).error(&mut error);
        error
    };
    let (tokens, granted) = match &change.permissions {
        Some(permissions) => grantable(permissions)?,
        None => {
            let listed = listed_key(adapter, &sub_account, &key_id)
                .await
                .map_err(hide)?;
            let Some(info) = listed else {
                return Err(Error::config(
                    ExchangeId::Kucoin,
                    format!(
                        "sub-account `{sub_account}` lists no key `{key_id}`: nothing was sent"
                    ),
                ));
            };
            current_rights(&info)?
        }
    };
    let body = json!({
        "subName": sub_account,
        "apiKey": key_id,
        "passphrase": passphrase.expose_secret(),
        "permission": tokens,
        "ipWhitelist": ip_list,
    })
    .to_string();
    let (_, context) = adapter
        .call(&UPDATE, String::new(), body)
        .await
        .map_err(hide)?;
    let wanted = IpRestriction::from_entries(ips.iter().map(String::as_str));
    let differs = shown_differs(adapter, &sub_account, &key_id, Some(&wanted), &granted).await;
    UPDATE
        .accepted_change(ExchangeId::Kucoin, differs, BY_HAND, context)
        .map_err(hide)
}

/// Deletes a sub-account key, with its own passphrase. Without its sub-account, the key is
/// looked for in every sub-account and deleted only where exactly one lists it.
pub(super) async fn revoke(adapter: &VenueAdapter, target: KeyRef) -> Result<Revoked> {
    let passphrase = target.passphrase().cloned();
    let KeyRef::Other {
        key_id,
        sub_account,
        ..
    } = target
    else {
        return Err(adapter.unsupported(Operation::RevokeOwn));
    };
    let passphrase = passphrase_of(passphrase, key_id.trim(), "nothing was revoked")?;
    let sub_account = match sub_account.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => sub_account_of(adapter, key_id.trim()).await?,
    };
    delete(adapter, &sub_account, key_id.trim(), &passphrase).await?;
    Ok(Revoked {
        exchange: ExchangeId::Kucoin,
        key_id: Some(key_id),
    })
}

/// The passphrase a change or deletion is sent with, or the error saying it is needed.
fn passphrase_of(
    passphrase: Option<SecretString>,
    key_id: &str,
    nothing: &str,
) -> Result<SecretString> {
    match passphrase {
        Some(passphrase) if !passphrase.expose_secret().trim().is_empty() => Ok(passphrase),
        _ => Err(Error::config(
            ExchangeId::Kucoin,
            format!("KuCoin changes and deletes sub-account key `{key_id}` only with that key's own passphrase: give it with KeyRef::with_passphrase, or delete the key on {BY_HAND}; {nothing}"),
        )),
    }
}

/// `DELETE /api/v1/sub/api-key`; the passphrase travels in the query, as KuCoin asks, and is
/// scrubbed from any error.
async fn delete(
    adapter: &VenueAdapter,
    sub_account: &str,
    api_key: &str,
    passphrase: &SecretString,
) -> Result<()> {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("apiKey", api_key)
        .append_pair("subName", sub_account)
        .append_pair("passphrase", passphrase.expose_secret())
        .finish();
    adapter
        .call(&DELETE, query, String::new())
        .await
        .map(drop)
        .map_err(|mut error| {
            Scrubber::new([passphrase.expose_secret()]).error(&mut error);
            error
        })
}

/// A new key that cannot be handed over is deleted before the error is returned. The error
/// says what became of it: deleted, still there, or unknown.
async fn new_key_deleted(
    adapter: &VenueAdapter,
    sub_account: &str,
    api_key: &str,
    passphrase: &SecretString,
    cause: Error,
) -> Error {
    let deletion = delete(adapter, sub_account, api_key, passphrase).await;
    DiscardedKey {
        exchange: ExchangeId::Kucoin,
        key: &format!("the new key `{api_key}` of sub-account `{sub_account}`"),
        words: ("deleted", "deleting"),
        by_hand: &format!("delete it on {BY_HAND}"),
    }
    .error(cause, deletion)
}

/// The key as its sub-account's list shows it, if listed.
async fn listed_key(
    adapter: &VenueAdapter,
    sub_account: &str,
    api_key: &str,
) -> Result<Option<KeyInfo>> {
    let listed = keys_matching(adapter, Some(sub_account.to_owned()), Some(api_key)).await?;
    Ok(listed
        .into_iter()
        .find(|info| info.key_id.known().map(|id| id.trim()) == Some(api_key)))
}

/// What the sub-account's list shows of the key that differs from what was asked, read back
/// after a create or an update: not listed, an allowlist not consistent with `ips` (when
/// given), a right asked for not granted, or a right beyond those asked for granted or left
/// unreported. `None` when it is as asked.
async fn shown_differs(
    adapter: &VenueAdapter,
    sub_account: &str,
    api_key: &str,
    ips: Option<&IpRestriction>,
    granted: &[Permission],
) -> Option<String> {
    let info = match listed_key(adapter, sub_account, api_key).await {
        Ok(Some(info)) => info,
        Ok(None) => {
            return Some(format!(
                "sub-account `{sub_account}` does not list the key, so nothing shows its allowlist and rights"
            ))
        }
        Err(error) => {
            return Some(format!(
                "the key could not be read back from its sub-account's list ({error}), so nothing shows its allowlist and rights"
            ))
        }
    };
    if !info.anomalies.is_empty() {
        return Some(format!(
            "KuCoin's list of the key cannot be read in full ({})",
            info.anomalies
                .iter()
                .map(|a| format!("{}: {}", a.field, a.detail))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    if let Some(wanted) = ips {
        if !consistent_addresses(&info.ip_restriction, wanted) {
            return Some(format!(
                "KuCoin's list does not show the key's allowlist consistent with exactly the addresses asked for (shown: {})",
                shown_list(&info.ip_restriction)
            ));
        }
    }
    let mut wrong = Vec::new();
    for (right, grant) in info.permissions.iter() {
        let asked = granted.contains(right);
        match grant {
            Grant::Granted if !asked => wrong.push(format!("`{right}` is granted, not asked for")),
            Grant::NotReported if !asked => {
                wrong.push(format!("whether `{right}` is granted is not shown"))
            }
            _ => {}
        }
    }
    for right in granted {
        if info.permissions.get(right) != Grant::Granted {
            wrong.push(format!("`{right}` is asked for and not shown granted"));
        }
    }
    (!wrong.is_empty()).then(|| {
        format!(
            "KuCoin's list shows the key otherwise than asked: {}",
            wrong.join(", ")
        )
    })
}

fn shown_list(restriction: &IpRestriction) -> String {
    match restriction {
        IpRestriction::AllowList(entries) => entries
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        IpRestriction::Unrestricted => "none: any address".to_owned(),
        other => format!("{other:?}"),
    }
}

/// The one sub-account whose keys include `api_key`, as the master key lists them.
async fn sub_account_of(adapter: &VenueAdapter, api_key: &str) -> Result<String> {
    let mut found = Vec::new();
    for name in sub_account_names(adapter).await?.into_iter().flatten() {
        let listed = keys_matching(adapter, Some(name.clone()), Some(api_key)).await?;
        if venue::lists_key(&listed, api_key) {
            found.push(name);
        }
    }
    venue::the_one_holder(
        ExchangeId::Kucoin,
        found,
        api_key,
        "KuCoin manages sub-account keys only; name the sub-account with KeyRef::sub_account_key",
        "nothing was sent",
    )
}

/// The sub-account a call names, or the error saying it must be named.
fn required(sub_account: Option<&str>, field: &str, nothing: &str) -> Result<String> {
    match sub_account.map(str::trim) {
        Some(name) if !name.is_empty() => Ok(name.to_owned()),
        _ => Err(Error::config(
            ExchangeId::Kucoin,
            format!(
                "KuCoin manages keys through the API only per sub-account: name it in {field}; {nothing}"
            ),
        )),
    }
}

/// KuCoin's `permission` for `permissions`, and the rights the new key will then hold; what
/// KuCoin cannot grant a sub-account key is refused before anything is sent. `InnerTransfer`
/// ("Flex Transfer") is one right covering both transfers: asking for either grants both.
fn grantable(permissions: &[Permission]) -> Result<(String, Vec<Permission>)> {
    let mut tokens = vec!["General"];
    let mut granted = vec![Permission::Read];
    let mut grant = |token: &'static str, rights: &[Permission]| {
        if !tokens.contains(&token) {
            tokens.push(token);
            granted.extend_from_slice(rights);
        }
    };
    for permission in permissions {
        match permission {
            Permission::Read => {}
            Permission::SpotTrade => grant("Spot", &[Permission::SpotTrade]),
            Permission::MarginTrade => grant("Margin", &[Permission::MarginTrade]),
            Permission::FuturesTrade => grant("Futures", &[Permission::FuturesTrade]),
            Permission::InternalTransfer | Permission::UniversalTransfer => grant(
                "InnerTransfer",
                &[Permission::InternalTransfer, Permission::UniversalTransfer],
            ),
            Permission::Withdraw | Permission::Payment => {
                return Err(Error::config(
                    ExchangeId::Kucoin,
                    "KuCoin does not let a sub-account key withdraw (its create call grants General, Spot, Futures, Margin and InnerTransfer only), and this crate grants no withdrawal: nothing was sent",
                ))
            }
            Permission::SubAccountManagement | Permission::KeyManagement => {
                return Err(Error::config(
                    ExchangeId::Kucoin,
                    "only the master account's keys manage sub-accounts and keys on KuCoin: a sub-account key cannot be given that right; nothing was sent",
                ))
            }
            other => {
                return Err(Error::config(
                    ExchangeId::Kucoin,
                    format!("KuCoin grants a sub-account key no right `{other}` (General, Spot, Futures, Margin and InnerTransfer only): nothing was sent"),
                ))
            }
        }
    }
    Ok((tokens.join(","), granted))
}

/// The rights a listed key holds, as KuCoin's `permission` to send them back unchanged.
fn current_rights(info: &KeyInfo) -> Result<(String, Vec<Permission>)> {
    let mut rights = Vec::new();
    for (right, grant) in info.permissions.iter() {
        match grant {
            Grant::Granted => rights.push(right.clone()),
            Grant::NotReported => {
                return Err(Error::config(
                    ExchangeId::Kucoin,
                    format!("the key's rights are not all shown (`{right}`), and KuCoin's update call replaces them: name them (KeyChange::permissions); nothing was sent"),
                ))
            }
            Grant::Denied => {}
        }
    }
    grantable(&rights)
}

/// The `ipWhitelist` parameter: the addresses, comma-separated, at most [`MAX_IPS`].
fn ip_param(ips: &[String]) -> Result<String> {
    Ok(venue::bounded_addresses(ExchangeId::Kucoin, ips, MAX_IPS, "")?.join(","))
}

/// The longest passphrase KuCoin takes (7 to 32 characters without spaces): 32 characters of 62
/// give about 190 bits.
const PASSPHRASE_LEN: usize = 32;

/// A new passphrase of letters and digits only, so that it reads the same in a JSON body and in
/// the delete call's query.
pub(super) fn new_passphrase() -> Result<SecretString> {
    common::new_passphrase(ExchangeId::Kucoin, &[UPPER, LOWER, DIGITS], PASSPHRASE_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passphrase_is_what_kucoin_takes_and_new_each_time() {
        for _ in 0..200 {
            let passphrase = new_passphrase().unwrap();
            let text = passphrase.expose_secret();
            assert_eq!(text.len(), PASSPHRASE_LEN);
            assert!(text.bytes().all(|b| b.is_ascii_alphanumeric()), "{text}");
        }
        assert_ne!(
            new_passphrase().unwrap().expose_secret(),
            new_passphrase().unwrap().expose_secret()
        );
    }

    #[test]
    fn rights_kucoin_cannot_grant_a_sub_account_key_are_refused() {
        let (tokens, granted) = grantable(&[Permission::Read]).unwrap();
        assert_eq!(tokens, "General");
        assert_eq!(granted, vec![Permission::Read]);
        let (tokens, granted) = grantable(&[
            Permission::SpotTrade,
            Permission::FuturesTrade,
            Permission::InternalTransfer,
            Permission::SpotTrade,
        ])
        .unwrap();
        assert_eq!(tokens, "General,Spot,Futures,InnerTransfer");
        assert!(
            granted.contains(&Permission::UniversalTransfer),
            "InnerTransfer grants both"
        );
        for refused in [
            Permission::Withdraw,
            Permission::Payment,
            Permission::KeyManagement,
            Permission::OptionsTrade,
            Permission::Other("Earn".into()),
        ] {
            let err = grantable(&[Permission::Read, refused.clone()]).unwrap_err();
            assert!(matches!(err, Error::Config { .. }), "{refused}: {err}");
        }
    }

    #[test]
    fn at_most_twenty_addresses() {
        let twenty: Vec<String> = (1..=20).map(|i| format!("203.0.113.{i}")).collect();
        assert_eq!(ip_param(&twenty).unwrap().split(',').count(), 20);
        let mut many = twenty;
        many.push("198.51.100.1".to_owned());
        assert!(ip_param(&many)
            .unwrap_err()
            .to_string()
            .contains("at most 20"));
    }
}

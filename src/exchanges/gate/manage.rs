//! Sub-account keys, managed from the main account's key (gate.com/docs/developers/apiv4/en/
//! subaccount): `GET /api/v4/sub_accounts`, and under `/api/v4/sub_accounts/{user_id}/keys`
//! list (`GET`), create (`POST`), read one (`GET …/{key}`), change (`PUT …/{key}`, 204) and
//! delete (`DELETE …/{key}`, 204).
//!
//! Gate's `PUT` clears what it is not sent ("IP whitelist (list will be cleared if no value is
//! passed)", "Permission function name (no value will be cleared)"): an update reads the key
//! first and sends its current name, rights and addresses for what the change leaves alone.
//! Main-account keys have no such calls: they are managed on gate.com only.

use std::net::Ipv4Addr;

use secrecy::SecretString;
use serde_json::{json, Map, Value};

use super::{map, wire, Gate, KEY_INFO};
use crate::adapter::{KeyChange, KeyRef, NewKey, NewKeySpec, Operation, Revoked};
use crate::error::{AuthReason, Error, ErrorContext, Result};
use crate::exchanges::common::{same_token, Field, Text};
use crate::exchanges::venue::{self, same_addresses, DiscardedKey, VenueAdapter};
use crate::model::{
    AccountKind, Anomaly, AnomalyKind, Grant, IpRestriction, KeyInfo, Permission, Permissions,
    Reported,
};
use crate::transport::answer::decode;
use crate::transport::pipeline::Endpoint;
use crate::transport::scrub::Scrubber;
use crate::ExchangeId;

/// Every sub-account, of every type (`type=0`: without it Gate lists regular ones only).
const SUB_ACCOUNTS: Endpoint = Endpoint::read("GET", "/api/v4/sub_accounts");
const KEYS: Endpoint = Endpoint::read("GET", "/api/v4/sub_accounts/{user_id}/keys");
const KEY: Endpoint = Endpoint::read("GET", "/api/v4/sub_accounts/{user_id}/keys/{key}");
/// Never sent twice: a second key would be created.
const CREATE: Endpoint = Endpoint::write("POST", "/api/v4/sub_accounts/{user_id}/keys");
const UPDATE: Endpoint = Endpoint::write("PUT", "/api/v4/sub_accounts/{user_id}/keys/{key}");
const DELETE: Endpoint = Endpoint::write("DELETE", "/api/v4/sub_accounts/{user_id}/keys/{key}");

/// "A maximum of 20 IPv4 addresses, no ranges" (gate.com/docs/developers/apiv4, API key).
const MAX_IPS: usize = 20;

/// The groups a read-only key is given, each `read_only: true`: Gate grants nothing of a group
/// it is not sent, not even reading.
const READ_GROUPS: [&str; 6] = [
    "spot", "futures", "delivery", "options", "wallet", "account",
];

/// Groups of the documented list this crate grants writing on when asked for `Other(group)`.
const OTHER_GROUPS: [&str; 5] = ["earn", "loan", "unified", "copy", "custody"];

const BY_HAND: &str = "gate.com under Sub-Accounts > API Keys of that sub-account";

fn keys_path(user_id: &str) -> String {
    format!("/api/v4/sub_accounts/{user_id}/keys")
}

fn key_path(user_id: &str, key: &str) -> String {
    format!("/api/v4/sub_accounts/{user_id}/keys/{key}")
}

/// The key in use (as `main_keys` shows it), then every key of every sub-account, each with its
/// sub-account's user id. An entry that cannot be read costs only itself: it is listed with an
/// anomaly saying why, so a breach response still sees the rest.
pub(super) async fn list_keys(adapter: &VenueAdapter) -> Result<Vec<KeyInfo>> {
    let (payload, context) = adapter
        .call(&KEY_INFO, String::new(), String::new())
        .await?;
    let own = venue::key_info_from(&Gate, payload, adapter.api_key())
        .map_err(|what| Error::decode(what, context))?;
    let mut keys = vec![own];
    for entry in sub_accounts(adapter).await? {
        let evidence = sub_account_evidence(&entry);
        match listed_user_id(&entry) {
            Some(user_id) => keys.extend(keys_of(adapter, &user_id, &evidence).await?),
            None => {
                let mut info = KeyInfo::new(ExchangeId::Gate);
                info.account = Reported::Known(AccountKind::SubAccount);
                info.anomalies.push(Anomaly::new(
                    AnomalyKind::Missing,
                    "user_id",
                    "a sub-account listed without a readable user id: its keys could not be listed",
                ));
                info.raw = json!({ "subaccount": evidence });
                keys.push(info);
            }
        }
    }
    Ok(keys)
}

async fn sub_accounts(adapter: &VenueAdapter) -> Result<Vec<Value>> {
    let (payload, context) = adapter
        .call(&SUB_ACCOUNTS, "type=0".to_owned(), String::new())
        .await
        .map_err(explain)?;
    match payload {
        Value::Array(entries) => Ok(entries),
        _ => Err(Error::decode(
            "the answer is not a list of sub-accounts",
            context,
        )),
    }
}

/// What of a sub-account entry is kept as evidence: Gate's schema gives the entry a
/// `password` and an `email`, which have no place in a report.
fn sub_account_evidence(entry: &Value) -> Value {
    let kept: Map<String, Value> = ["user_id", "login_name", "remark", "type", "state"]
        .iter()
        .filter_map(|name| Some(((*name).to_owned(), entry.get(*name)?.clone())))
        .collect();
    Value::Object(kept)
}

fn listed_user_id(entry: &Value) -> Option<String> {
    let sub: wire::SubAccount = decode(entry, "sub-account").unwrap_or_default();
    match sub.user_id {
        Field::Present(Text(id)) => user_id(&id).ok(),
        _ => None,
    }
}

/// The keys of sub-account `user_id`, each with the sub-account's entry as part of its
/// evidence (`raw`: `{"subaccount": …, "key": …}`).
async fn keys_of(adapter: &VenueAdapter, user_id: &str, evidence: &Value) -> Result<Vec<KeyInfo>> {
    let (payload, context) = adapter
        .call_at(&KEYS, keys_path(user_id), String::new(), String::new())
        .await
        .map_err(explain)?;
    let Value::Array(keys) = payload else {
        return Err(Error::decode(
            format!("the answer is not a list of the keys of sub-account {user_id}"),
            context,
        ));
    };
    Ok(keys
        .into_iter()
        .map(|key| {
            let mut info = read_key(&key, user_id).unwrap_or_else(|what| {
                let mut info = KeyInfo::new(ExchangeId::Gate);
                if let Some(id) = key.get("key").and_then(Value::as_str) {
                    info.key_id = Reported::Known(id.to_owned());
                }
                info.account = Reported::Known(AccountKind::SubAccount);
                info.sub_account = Reported::Known(user_id.to_owned());
                info.anomalies
                    .push(Anomaly::new(AnomalyKind::Invalid, "keys", what));
                info
            });
            info.raw = json!({ "subaccount": evidence.clone(), "key": key });
            info
        })
        .collect())
}

fn read_key(entry: &Value, user_id: &str) -> std::result::Result<KeyInfo, String> {
    let wire: wire::KeyEntry = decode(entry, "sub-account API key")?;
    map::map_sub_account_key(wire, user_id)
}

/// Creates a key of sub-account `spec.sub_account` and hands it over only once Gate shows it
/// bound to exactly the addresses asked for and holding exactly the rights asked for (none
/// that moves funds); otherwise the new key is deleted and the error says so. The new secret
/// is in no error.
pub(super) async fn create_key(adapter: &VenueAdapter, spec: &NewKeySpec) -> Result<NewKey> {
    let user_id = required_user_id(
        spec.sub_account.as_deref(),
        "NewKeySpec::sub_account",
        "no key was created",
    )?;
    let perms = perms_for(&spec.permissions)?;
    let ips = ip_whitelist(&spec.allowed_ips)?;
    let mut body = Map::new();
    let label = spec.label.trim();
    if !label.is_empty() {
        body.insert("name".to_owned(), label.into());
    }
    body.insert("perms".to_owned(), perms.clone());
    body.insert("ip_whitelist".to_owned(), json!(ips));
    let (created, context) = adapter
        .call_at(&CREATE, keys_path(&user_id), String::new(), Value::Object(body).to_string())
        .await
        .map_err(|mut error| {
            if error.is_outcome_unknown() {
                error.add_to_message(&format!(
                    "a key may have been created for sub-account {user_id}: look for it with list_keys or on {BY_HAND} before creating another"
                ));
            }
            explain(error)
        })?;
    let text = |name: &str| {
        created
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    let Some(api_key) = text("key") else {
        return Err(CREATE.unclear(
            ExchangeId::Gate,
            format!(
                "the answer names no new key: a key may have been created for sub-account {user_id}; look for it (list_keys, or {BY_HAND}) and delete it",
            ),
            context,
        ));
    };
    let secret = text("secret");
    // From here on the new secret is known: no error may carry it.
    let hide = Scrubber::new(secret.as_deref());
    // The id goes into the paths of the read-back and of the deletion: an id Gate cannot have
    // (`x/../<another key>`, `k?x`, `k#x`) would send them elsewhere, a deletion to another
    // key. Nothing more is sent: the key may be on the account, for a person to delete.
    if let Err(not_an_id) = key_id_of(&api_key) {
        let cause = Error::decode(
            "the answer names the new key by an id Gate's keys cannot have, so it can be neither read back nor deleted through the API",
            context,
        );
        let mut error = DiscardedKey {
            exchange: ExchangeId::Gate,
            key: &format!("the new key `{api_key}` of sub-account {user_id}"),
            words: ("deleted", "deleting"),
            by_hand: &format!("delete it by hand on {BY_HAND}"),
        }
        .error(cause, Err(not_an_id));
        hide.error(&mut error);
        return Err(error);
    }
    let refused =
        match &secret {
            None => Some(Error::decode(
                "the answer carries no secret: the new key cannot be used",
                context,
            )),
            Some(_) => match shown_entry(adapter, &created, &user_id, &api_key).await {
                Ok((entry, context)) => shown_differs(&entry, &user_id, Some(&ips), Some(&perms))
                    .map(|why| Error::Rejected {
                        context: Box::new(ErrorContext {
                            message: Some(why),
                            ..context
                        }),
                    }),
                Err(error) => Some(error),
            },
        };
    if let Some(mut cause) = refused {
        hide.error(&mut cause);
        let mut error = new_key_deleted(adapter, &user_id, &api_key, cause).await;
        hide.error(&mut error);
        return Err(error);
    }
    Ok(NewKey {
        exchange: ExchangeId::Gate,
        api_key,
        secret: SecretString::from(secret.unwrap_or_default()),
        passphrase: None,
    })
}

/// The key as Gate shows it: the create answer when it shows the rights and the addresses,
/// else the key read back (`GET …/keys/{key}`).
async fn shown_entry(
    adapter: &VenueAdapter,
    created: &Value,
    user_id: &str,
    api_key: &str,
) -> Result<(Value, ErrorContext)> {
    let shows = |name: &str| created.get(name).is_some_and(Value::is_array);
    if shows("perms") && shows("ip_whitelist") {
        return Ok((created.clone(), ErrorContext::new(ExchangeId::Gate)));
    }
    read_back(adapter, user_id, api_key).await
}

async fn read_back(
    adapter: &VenueAdapter,
    user_id: &str,
    api_key: &str,
) -> Result<(Value, ErrorContext)> {
    adapter
        .call_at(
            &KEY,
            key_path(user_id, api_key),
            String::new(),
            String::new(),
        )
        .await
        .map_err(explain)
}

/// Changes a sub-account key's name, rights or addresses. Gate clears what `PUT` is not sent,
/// so the key is read first and what the change leaves alone is sent as it is; the key is read
/// again afterwards and must show what was asked.
pub(super) async fn update_key(
    adapter: &VenueAdapter,
    target: KeyRef,
    change: &KeyChange,
) -> Result<()> {
    let (key_id, sub_account) = adapter.other_key(target, Operation::UpdateKey)?;
    let key = key_id_of(&key_id)?;
    let perms = change.permissions.as_deref().map(perms_for).transpose()?;
    let ips = change
        .allowed_ips
        .as_deref()
        .map(ip_whitelist)
        .transpose()?;
    if let Some(label) = &change.label {
        if label.trim().is_empty() {
            return Err(Error::config(
                ExchangeId::Gate,
                "the new name of the key is empty: nothing was changed",
            ));
        }
    }
    let user_id = match sub_account.as_deref() {
        Some(id) => user_id(id)?,
        None => sub_account_of(adapter, &key).await?,
    };
    let (current, context) = read_back(adapter, &user_id, &key).await?;
    let kept = |name: &str, what: &str| -> Result<Value> {
        match current.get(name) {
            Some(value @ Value::Array(_)) => Ok(value.clone()),
            _ => Err(Error::decode(
                format!("Gate shows no readable `{name}` for key {key}, and a change sent without it clears the key's {what}: name them in the change; nothing was changed"),
                context.clone(),
            )),
        }
    };
    let mut body = Map::new();
    let name = change
        .label
        .as_deref()
        .map(str::trim)
        .or_else(|| current.get("name").and_then(Value::as_str));
    if let Some(name) = name {
        body.insert("name".to_owned(), name.into());
    }
    let sent_perms = match &perms {
        Some(perms) => perms.clone(),
        None => kept("perms", "rights")?,
    };
    body.insert("perms".to_owned(), sent_perms);
    let sent_ips = match &ips {
        Some(ips) => json!(ips),
        None => kept(
            "ip_whitelist",
            "IP allowlist (leaving it open to every address)",
        )?,
    };
    body.insert("ip_whitelist".to_owned(), sent_ips);
    adapter
        .call_at(
            &UPDATE,
            key_path(&user_id, &key),
            String::new(),
            Value::Object(body).to_string(),
        )
        .await
        .map_err(explain)?;
    if ips.is_none() && perms.is_none() {
        // A new name only: nothing a caller's safety depends on to check.
        return Ok(());
    }
    // Gate accepted the change: a read-back that fails leaves it unknown, not refused.
    let (differs, context) = match read_back(adapter, &user_id, &key).await {
        Ok((shown, context)) => (
            shown_differs(&shown, &user_id, ips.as_deref(), perms.as_ref()),
            context,
        ),
        Err(error) => (
            Some(format!(
                "the key could not be read back ({error}), so nothing shows its rights and addresses"
            )),
            error
                .context()
                .cloned()
                .unwrap_or_else(|| ErrorContext::new(ExchangeId::Gate)),
        ),
    };
    UPDATE.accepted_change(
        ExchangeId::Gate,
        differs,
        &format!("{BY_HAND} (Gate says changes take up to 5 minutes)"),
        context,
    )
}

/// Deletes a sub-account key. Without its sub-account (a breach response revoking what the
/// main key lists), the key is looked for in every sub-account and deleted where exactly one
/// lists it.
pub(super) async fn revoke(adapter: &VenueAdapter, target: KeyRef) -> Result<Revoked> {
    let (key_id, sub_account) = adapter.other_key(target, Operation::RevokeOwn)?;
    let key = key_id_of(&key_id)?;
    let user_id = match sub_account.as_deref().map(str::trim) {
        Some(id) if !id.is_empty() => user_id(id)?,
        _ => sub_account_of(adapter, &key).await?,
    };
    delete(adapter, &user_id, &key).await.map_err(explain)?;
    Ok(Revoked {
        exchange: ExchangeId::Gate,
        key_id: Some(key_id),
    })
}

async fn delete(adapter: &VenueAdapter, user_id: &str, key: &str) -> Result<()> {
    adapter
        .call_at(
            &DELETE,
            key_path(user_id, key),
            String::new(),
            String::new(),
        )
        .await
        .map(drop)
}

/// The one sub-account whose keys include `key`, as the main key lists them.
async fn sub_account_of(adapter: &VenueAdapter, key: &str) -> Result<String> {
    let mut found = Vec::new();
    for entry in sub_accounts(adapter).await? {
        let Some(user_id) = listed_user_id(&entry) else {
            continue;
        };
        let listed = keys_of(adapter, &user_id, &Value::Null).await?;
        if venue::lists_key(&listed, key) {
            found.push(user_id);
        }
    }
    venue::the_one_holder(
        ExchangeId::Gate,
        found,
        key,
        "Gate manages sub-account keys only; name the sub-account's user id in KeyRef::Other::sub_account",
        "nothing was sent",
    )
}

/// A new key that cannot be handed over is deleted before the error is returned. The error
/// says what became of it: deleted, still there, or unknown.
async fn new_key_deleted(adapter: &VenueAdapter, user_id: &str, key: &str, cause: Error) -> Error {
    let deletion = delete(adapter, user_id, key).await.map_err(explain);
    DiscardedKey {
        exchange: ExchangeId::Gate,
        key: &format!("the new key `{key}` of sub-account {user_id}"),
        words: ("deleted", "deleting"),
        by_hand: &format!("delete it on {BY_HAND}"),
    }
    .error(cause, deletion)
}

/// What Gate's entry of a key shows that differs from what was asked: not bound to exactly
/// `ips` (when given), or rights other than those `perms` grant (when given), a withdrawal
/// always among them.
fn shown_differs(
    entry: &Value,
    user_id: &str,
    ips: Option<&[String]>,
    perms: Option<&Value>,
) -> Option<String> {
    let shown = match read_key(entry, user_id) {
        Ok(shown) => shown,
        Err(what) => return Some(format!("Gate's answer cannot be read ({what})")),
    };
    if let Some(ips) = ips {
        let wanted = IpRestriction::from_entries(ips.iter().map(String::as_str));
        if !same_addresses(&shown.ip_restriction, &wanted) {
            return Some(format!(
                "Gate does not show the key bound to exactly {}",
                ips.join(", ")
            ));
        }
    }
    if shown.permissions.get(&Permission::Withdraw) != Grant::Denied {
        return Some("Gate does not show the key unable to withdraw".to_owned());
    }
    let perms = perms?;
    let wanted = map::rights_of(perms.as_array().map_or(&[][..], Vec::as_slice));
    rights_differ(&shown.permissions, &wanted)
}

fn rights_differ(shown: &Permissions, wanted: &Permissions) -> Option<String> {
    for (right, grant) in wanted.iter() {
        if grant == Grant::Granted && shown.get(right) != Grant::Granted {
            return Some(format!("Gate does not show `{right}` granted, as asked"));
        }
        if grant == Grant::Denied && shown.get(right) != Grant::Denied {
            return Some(format!("Gate does not show `{right}` withheld, as asked"));
        }
    }
    for (right, grant) in shown.iter() {
        if grant == Grant::Granted && wanted.get(right) != Grant::Granted {
            return Some(format!(
                "Gate shows `{right}` granted beyond what was asked"
            ));
        }
    }
    None
}

/// The `perms` Gate grants `permissions` with: a group written where a right needs it, every
/// other group of [`READ_GROUPS`] read only. What Gate cannot give a sub-account key, or what
/// this crate will not grant, is refused before anything is sent.
///
/// | asked | group written |
/// |---|---|
/// | `Read` | none (every key reads the groups of [`READ_GROUPS`]) |
/// | `SpotTrade`, `MarginTrade` | `spot` (Gate's group for spot and margin) |
/// | `FuturesTrade` | `futures`, `delivery` |
/// | `OptionsTrade` | `options` |
/// | `Other("earn" / "loan" / "unified" / "copy" / "custody")` | that group |
/// | `Withdraw`, transfers, `Payment` | refused: `wallet` written moves funds |
/// | `SubAccountManagement`, `KeyManagement` | refused: `account` written |
fn perms_for(permissions: &[Permission]) -> Result<Value> {
    let refuse = |why: String| {
        Err(Error::config(
            ExchangeId::Gate,
            format!("{why}: nothing was sent"),
        ))
    };
    let mut written: Vec<&str> = Vec::new();
    for permission in permissions {
        match permission {
            Permission::Read => {}
            Permission::SpotTrade | Permission::MarginTrade => written.push("spot"),
            Permission::FuturesTrade => written.extend(["futures", "delivery"]),
            Permission::OptionsTrade => written.push("options"),
            Permission::Withdraw
            | Permission::InternalTransfer
            | Permission::UniversalTransfer
            | Permission::Payment => {
                return refuse(format!("Gate grants `{permission}` through the `wallet` group, which moves funds (and Gate says a sub-account key cannot withdraw): this crate does not grant it"))
            }
            Permission::SubAccountManagement | Permission::KeyManagement => {
                return refuse(format!("Gate grants `{permission}` through the `account` group, which this crate does not give a sub-account key"))
            }
            Permission::Other(name) => match OTHER_GROUPS.iter().find(|group| same_token(group, name)) {
                Some(group) => written.push(group),
                None => {
                    return refuse(format!(
                        "Gate has no sub-account key group `{name}` this crate grants (besides the normalized rights: {})",
                        OTHER_GROUPS.join(", ")
                    ))
                }
            },
        }
    }
    let mut perms: Vec<Value> = Vec::new();
    let mut add = |name: &str, read_only: bool| {
        if !perms.iter().any(|p| p["name"] == name) {
            perms.push(json!({ "name": name, "read_only": read_only }));
        }
    };
    for group in &written {
        add(group, false);
    }
    for group in READ_GROUPS {
        add(group, true);
    }
    Ok(Value::Array(perms))
}

/// The `ip_whitelist`: IPv4 addresses only (Gate takes no ranges), at most [`MAX_IPS`].
fn ip_whitelist(ips: &[String]) -> Result<Vec<String>> {
    let mut list: Vec<String> = Vec::new();
    for entry in ips.iter().flat_map(|entry| entry.split(',')).map(str::trim) {
        if entry.is_empty() {
            continue;
        }
        let plain = entry.strip_suffix("/32").unwrap_or(entry);
        let Ok(address) = plain.parse::<Ipv4Addr>() else {
            return Err(Error::config(
                ExchangeId::Gate,
                format!("Gate binds keys to IPv4 addresses only, no ranges: `{entry}` is not one; nothing was sent"),
            ));
        };
        let address = address.to_string();
        if !list.contains(&address) {
            list.push(address);
        }
    }
    if list.len() > MAX_IPS {
        return Err(Error::config(
            ExchangeId::Gate,
            format!(
                "Gate binds at most {MAX_IPS} addresses to a key; {} given: nothing was sent",
                list.len()
            ),
        ));
    }
    Ok(list)
}

/// The sub-account a call names, or the error saying it must be named.
fn required_user_id(sub_account: Option<&str>, field: &str, nothing: &str) -> Result<String> {
    match sub_account.map(str::trim) {
        Some(id) if !id.is_empty() => user_id(id),
        _ => Err(Error::config(
            ExchangeId::Gate,
            format!("Gate manages keys through the API only per sub-account: name its user id in {field} (list_keys shows them); {nothing}"),
        )),
    }
}

/// A sub-account's user id: a positive number, since it goes into the call's path.
fn user_id(text: &str) -> Result<String> {
    let text = text.trim();
    match text.parse::<u64>() {
        Ok(id) if id > 0 && text.bytes().all(|b| b.is_ascii_digit()) => Ok(id.to_string()),
        _ => Err(Error::config(
            ExchangeId::Gate,
            format!("`{text}` is not a Gate sub-account user id (a number): nothing was sent"),
        )),
    }
}

/// A key id, which goes into the call's path: letters and digits only (Gate's keys are hex).
fn key_id_of(text: &str) -> Result<String> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Ok(text.to_owned());
    }
    Err(Error::config(
        ExchangeId::Gate,
        format!("`{text}` is not a Gate API key (letters and digits): nothing was sent"),
    ))
}

/// Adds what the caller must do to Gate's refusals of key management.
fn explain(mut error: Error) -> Error {
    if error.auth_reason() == Some(AuthReason::PermissionDenied)
        || error.context().and_then(|c| c.code.as_deref()) == Some("FORBIDDEN")
    {
        error.add_to_message(
            "Gate manages sub-account keys only from a key of the main account allowed to write its account settings (UNVERIFIED: the `account` group); a sub-account's key cannot",
        );
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rights_gate_cannot_give_a_sub_account_key_are_refused() {
        for refused in [
            Permission::Withdraw,
            Permission::InternalTransfer,
            Permission::UniversalTransfer,
            Permission::Payment,
            Permission::KeyManagement,
            Permission::SubAccountManagement,
            Permission::Other("pilot".into()),
        ] {
            let err = perms_for(&[Permission::Read, refused.clone()]).unwrap_err();
            assert!(matches!(err, Error::Config { .. }), "{refused}: {err}");
        }
    }

    #[test]
    fn a_read_only_key_reads_and_writes_nothing() {
        let perms = perms_for(&[Permission::Read]).unwrap();
        let list = perms.as_array().unwrap();
        assert_eq!(list.len(), READ_GROUPS.len());
        assert!(list.iter().all(|p| p["read_only"] == true));
        let rights = map::rights_of(list);
        assert_eq!(rights.get(&Permission::Read), Grant::Granted);
        for right in Permission::NORMALIZED
            .iter()
            .filter(|r| **r != Permission::Read)
        {
            assert_eq!(rights.get(right), Grant::Denied, "{right}");
        }
    }

    #[test]
    fn trading_writes_its_group_only() {
        let perms = perms_for(&[
            Permission::Read,
            Permission::SpotTrade,
            Permission::MarginTrade,
        ])
        .unwrap();
        let written: Vec<&str> = perms
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["read_only"] == false)
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert_eq!(written, ["spot"]);
    }

    #[test]
    fn addresses_are_ipv4_at_most_twenty() {
        assert_eq!(
            ip_whitelist(&["203.0.113.7/32".into(), " 203.0.113.8,203.0.113.7".into()]).unwrap(),
            ["203.0.113.7", "203.0.113.8"]
        );
        for refused in ["203.0.113.0/24", "2001:db8::1", "*", "example.com"] {
            assert!(ip_whitelist(&[refused.to_owned()]).is_err(), "{refused}");
        }
        let many: Vec<String> = (1..=21).map(|i| format!("203.0.113.{i}")).collect();
        assert!(ip_whitelist(&many)
            .unwrap_err()
            .to_string()
            .contains("at most 20"));
    }

    #[test]
    fn ids_that_go_into_a_path_are_checked() {
        assert_eq!(user_id(" 10001 ").unwrap(), "10001");
        for refused in ["0", "-1", "10001/keys", "1e3", "", "+5"] {
            assert!(user_id(refused).is_err(), "{refused}");
        }
        assert!(key_id_of("eb8815bf99d7bb5f8ad6497bdc4774a8").is_ok());
        for refused in ["../main_keys", "a b", "", "key?x=1"] {
            assert!(key_id_of(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn the_documented_create_answer_shows_more_than_a_spot_key() {
        let created: Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/gate/sub_account_key_created.json"
        ))
        .unwrap();
        let spot = perms_for(&[Permission::Read, Permission::SpotTrade]).unwrap();
        let why = shown_differs(
            &created,
            "10001",
            Some(&["127.0.0.1".into(), "127.0.0.2".into()]),
            Some(&spot),
        )
        .unwrap();
        // The documented key writes `wallet`: read as able to withdraw.
        assert!(why.contains("withdraw"), "{why}");
    }
}

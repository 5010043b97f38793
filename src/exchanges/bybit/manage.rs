//! Sub-account keys, managed from a master key (bybit-exchange/docs `docs/v5/user/*.mdx`,
//! 072c197): `create-sub-api`, `update-sub-api`, `delete-sub-api`, `query-sub-members` and
//! `sub-apikeys`.
//!
//! Bybit creates keys through the API only for sub-accounts; a master passes the sub key's
//! `apikey` to update or delete it. Every call but `sub-apikeys` needs a master key holding
//! "Account Transfer", "Subaccount Transfer" or "Withdrawal"; `sub-apikeys` takes any master
//! key.

use std::collections::BTreeMap;

use secrecy::SecretString;
use serde_json::{json, Value};

use super::map::{self, Source};
use super::{wire, Bybit, KEY_INFO};
use crate::adapter::{KeyChange, NewKey, NewKeySpec, Operation};
use crate::error::{AuthReason, Error, ErrorContext, Result};
use crate::exchanges::common::{same_token, Field};
use crate::exchanges::venue::{self, DiscardedKey, VenueAdapter};
use crate::model::{
    AccountKind, Anomaly, AnomalyKind, IpEntry, IpRestriction, KeyInfo, Permission, Reported,
};
use crate::transport::answer::decode;
use crate::transport::pipeline::Endpoint;
use crate::transport::scrub::Scrubber;
use crate::ExchangeId;

/// Creates a key for a sub-account: never sent twice (a second key would be created).
const CREATE_SUB_KEY: Endpoint = Endpoint::write("POST", "/v5/user/create-sub-api");
/// Changes a sub-account key's permissions and addresses.
const UPDATE_SUB_KEY: Endpoint = Endpoint::write("POST", "/v5/user/update-sub-api");
/// Deletes a sub-account key: "invalid immediately".
const DELETE_SUB_KEY: Endpoint = Endpoint::write("POST", "/v5/user/delete-sub-api");
/// The master's sub-accounts ("at most 1,000", per its page).
const SUB_MEMBERS: Endpoint = Endpoint::read("GET", "/v5/user/query-sub-members");
/// One sub-account's keys, a page at a time.
const SUB_KEYS: Endpoint = Endpoint::read("GET", "/v5/user/sub-apikeys");

/// Bybit's largest `sub-apikeys` page.
const PAGE_LIMIT: u32 = 20;
/// Pages followed per sub-account before giving up: a cursor that never ends is an error,
/// never an endless loop.
const MAX_PAGES: usize = 50;

/// What a master key needs for every call here but `sub-apikeys`.
const TRANSFER_RIGHT: &str =
    "needs a master key holding Account Transfer, Subaccount Transfer or Withdrawal";

/// The groups a sub-account key can be given (the request parameters of `create-sub-api` and
/// `update-sub-api`; `Derivatives` is deprecated there: "the system will automatically add
/// this permission"). Every one is sent, empty where nothing is granted, so that an update
/// replaces the whole set.
const SUB_KEY_GROUPS: [&str; 6] = [
    "ContractTrade",
    "Spot",
    "Wallet",
    "Options",
    "Exchange",
    "Earn",
];

/// What a read-only key is created with: Bybit wants at least one group ("one of below types
/// must be passed"), and its own read-only example lists the trading groups. `readOnly: 1`
/// keeps them from trading.
const READ_ONLY_GROUPS: [(&str, &[&str]); 3] = [
    ("ContractTrade", &["Order", "Position"]),
    ("Spot", &["SpotTrade"]),
    ("Options", &["OptionsTrade"]),
];

/// The `readOnly` flag and permission groups that grant a set of [`Permission`]s to a
/// sub-account key, and nothing this crate was not asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SubKeyGrant {
    pub(crate) read_only: bool,
    pub(crate) groups: BTreeMap<&'static str, Vec<&'static str>>,
}

impl SubKeyGrant {
    /// The grant for `permissions`; `Err` says what Bybit cannot give a sub-account key, or
    /// what this crate will not grant.
    ///
    /// | asked | Bybit group |
    /// |---|---|
    /// | `Read` alone | `readOnly: 1`, with `ContractTrade`, `Spot`, `Options` to read |
    /// | `SpotTrade`, `MarginTrade` | `Spot: [SpotTrade]` (spot margin orders are spot orders) |
    /// | `FuturesTrade` | `ContractTrade: [Order, Position]` |
    /// | `OptionsTrade` | `Options: [OptionsTrade]` (USDC contracts: options and USDC perpetuals) |
    /// | `UniversalTransfer` | `Wallet: [AccountTransfer]` |
    /// | `InternalTransfer` | `Wallet: [SubMemberTransferList]` |
    /// | `KeyManagement` | only with a transfer right: Bybit lets a sub key holding one change and delete itself |
    /// | `Other("Exchange.ExchangeHistory")`, `Other("Earn.Earn")` | those groups |
    /// | `Withdraw`, `SubAccountManagement`, `Payment`, anything else | refused |
    pub(crate) fn of(permissions: &[Permission]) -> std::result::Result<SubKeyGrant, String> {
        if permissions.is_empty() {
            return Err("name the new key's permissions (at least Permission::Read)".to_owned());
        }
        let mut groups: BTreeMap<&'static str, Vec<&'static str>> = BTreeMap::new();
        let mut add =
            |group: &'static str, items: &[&'static str]| add_items(&mut groups, group, items);
        let mut key_management = false;
        for permission in permissions {
            match permission {
                Permission::Read => {}
                Permission::SpotTrade | Permission::MarginTrade => add("Spot", &["SpotTrade"]),
                Permission::FuturesTrade => add("ContractTrade", &["Order", "Position"]),
                Permission::OptionsTrade => add("Options", &["OptionsTrade"]),
                Permission::UniversalTransfer => add("Wallet", &["AccountTransfer"]),
                Permission::InternalTransfer => add("Wallet", &["SubMemberTransferList"]),
                Permission::KeyManagement => key_management = true,
                Permission::Withdraw => {
                    return Err("a Bybit sub-account key cannot withdraw (create-sub-api's Wallet group offers AccountTransfer and SubMemberTransferList only), and this crate grants no withdrawal".to_owned())
                }
                Permission::SubAccountManagement => {
                    return Err("a Bybit sub-account key cannot manage sub-accounts".to_owned())
                }
                Permission::Payment => {
                    return Err("Bybit's payment groups (FiatP2P, FiatBitPay, FiatConvertBroker, BitCard) are not applicable to sub-account keys".to_owned())
                }
                Permission::Other(name) => {
                    let (group, item) = name.split_once('.').unwrap_or((name.as_str(), ""));
                    if same_token(group, "Exchange") && same_token(item, "ExchangeHistory") {
                        add("Exchange", &["ExchangeHistory"]);
                    } else if same_token(group, "Earn") && same_token(item, "Earn") {
                        add("Earn", &["Earn"]);
                    } else {
                        return Err(format!(
                            "Bybit has no sub-account key permission `{name}` this crate grants (besides the normalized rights: Exchange.ExchangeHistory and Earn.Earn)"
                        ));
                    }
                }
            }
        }
        let transfers = groups.contains_key("Wallet");
        if transfers && !key_management {
            return Err("a Bybit sub-account key holding Account Transfer or Sub Member Transfer can change its own permissions and addresses and delete itself (update-sub-api, delete-sub-api): ask for Permission::KeyManagement too if that is meant".to_owned());
        }
        if key_management && !transfers {
            return Err("Bybit lets a sub-account key manage keys (itself) only through Account Transfer or Sub Member Transfer: ask for UniversalTransfer or InternalTransfer too".to_owned());
        }
        let read_only = groups.is_empty();
        if read_only {
            for (group, items) in READ_ONLY_GROUPS {
                add_items(&mut groups, group, items);
            }
        }
        Ok(SubKeyGrant { read_only, groups })
    }

    /// The `permissions` object: every sub-key group, empty where nothing is granted.
    fn permissions_json(&self) -> Value {
        let groups: serde_json::Map<String, Value> = SUB_KEY_GROUPS
            .iter()
            .map(|group| {
                let items = self.groups.get(group).cloned().unwrap_or_default();
                ((*group).to_owned(), json!(items))
            })
            .collect();
        Value::Object(groups)
    }

    fn read_only_flag(&self) -> u8 {
        u8::from(self.read_only)
    }
}

fn add_items(
    groups: &mut BTreeMap<&'static str, Vec<&'static str>>,
    group: &'static str,
    items: &[&'static str],
) {
    let held = groups.entry(group).or_default();
    for item in items {
        if !held.contains(item) {
            held.push(item);
        }
    }
}

/// The sub-account UID a key is created for: required, and a number (`subuid` is an integer).
fn sub_uid(sub_account: Option<&str>) -> Result<u64> {
    let Some(text) = sub_account.map(str::trim).filter(|t| !t.is_empty()) else {
        return Err(Error::config(
            ExchangeId::Bybit,
            "Bybit creates keys through the API only for a sub-account: set NewKeySpec::sub_account to the sub-account's UID (GET /v5/user/query-sub-members lists them); nothing was sent",
        ));
    };
    parse_uid(text)
}

fn parse_uid(text: &str) -> Result<u64> {
    let text = text.trim();
    match text.parse::<u64>() {
        Ok(uid) if uid > 0 && text.bytes().all(|b| b.is_ascii_digit()) => Ok(uid),
        _ => Err(Error::config(
            ExchangeId::Bybit,
            format!("`{text}` is not a Bybit sub-account UID (a number): nothing was sent"),
        )),
    }
}

/// Bybit's `ips` parameter: the addresses, comma-separated.
fn ips_param(ips: &[String]) -> String {
    ips.iter()
        .flat_map(|entry| entry.split(|c: char| c == ',' || c == ';' || c.is_whitespace()))
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

/// Adds what a management call needs to a permission refusal, and hands everything else back
/// as it is.
fn needs_transfer_right(mut error: Error, call: &str) -> Error {
    if error.auth_reason() == Some(AuthReason::PermissionDenied) {
        error.add_to_message(&format!("{call} {TRANSFER_RIGHT}"));
    }
    error
}

/// `create-sub-api` for `spec`, then `sub-apikeys` to see the new key bound to exactly the
/// spec's addresses (the create answer shows no `ips`). The key is handed over only then;
/// otherwise it is deleted, and the error says so. The new secret is in no error.
pub(super) async fn create(adapter: &VenueAdapter, spec: &NewKeySpec) -> Result<NewKey> {
    let uid = sub_uid(spec.sub_account.as_deref())?;
    let grant = SubKeyGrant::of(&spec.permissions)
        .map_err(|why| Error::config(ExchangeId::Bybit, format!("{why}: nothing was sent")))?;
    let body = json!({
        "subuid": uid,
        "note": spec.label,
        "readOnly": grant.read_only_flag(),
        "ips": ips_param(&spec.allowed_ips),
        "permissions": grant.permissions_json(),
    });
    let (created, context) = adapter
        .call(&CREATE_SUB_KEY, String::new(), body.to_string())
        .await
        .map_err(|mut error| {
            if error.is_outcome_unknown() {
                error.add_to_message(&format!(
                    "a key may have been created for sub-account {uid}: look for it with list_keys or on bybit.com before creating another"
                ));
            }
            needs_transfer_right(error, "create-sub-api")
        })?;
    let text = |name: &str| {
        created
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|value| !value.is_empty())
    };
    let Some(api_key) = text("apiKey").map(str::to_owned) else {
        return Err(CREATE_SUB_KEY.unclear(
            ExchangeId::Bybit,
            format!(
                "the answer names no apiKey: a key may have been created for sub-account {uid}; look for it (list_keys, or bybit.com under the sub-account's API keys) and delete it",
            ),
            context,
        ));
    };
    // A secret shown masked (`******`, as sub-apikeys shows them) is no secret.
    let Some(secret) = text("secret")
        .filter(|secret| !secret.chars().all(|c| c == '*'))
        .map(str::to_owned)
    else {
        let cause = Error::decode(
            "the answer carries no secret: the new key cannot be used",
            context,
        );
        return Err(unverified_key_deleted(adapter, uid, &api_key, cause).await);
    };
    // From here on the new secret is known: no error may carry it.
    let new_secret = Scrubber::new([secret.as_str()]);
    match check_bound(adapter, uid, &api_key, &spec.allowed_ips).await {
        Ok(()) => Ok(NewKey {
            exchange: ExchangeId::Bybit,
            api_key,
            secret: SecretString::from(secret),
            passphrase: None,
        }),
        Err(mut error) => {
            new_secret.error(&mut error);
            let mut error = unverified_key_deleted(adapter, uid, &api_key, error).await;
            new_secret.error(&mut error);
            Err(error)
        }
    }
}

/// `Ok` only if `sub-apikeys` lists the key `api_key` of sub-account `uid` bound to exactly
/// `wanted`.
async fn check_bound(
    adapter: &VenueAdapter,
    uid: u64,
    api_key: &str,
    wanted: &[String],
) -> Result<()> {
    let uid = uid.to_string();
    let Some((entry, context)) = find_in_sub(adapter, &uid, api_key).await? else {
        return Err(Error::Rejected {
            context: Box::new(ErrorContext {
                endpoint: Some(SUB_KEYS.describe()),
                message: Some(format!(
                    "sub-account {uid}'s list of keys does not show the new key, so its addresses cannot be checked"
                )),
                ..ErrorContext::new(ExchangeId::Bybit)
            }),
        });
    };
    let shown = shown_ips(&entry);
    if same_addresses(&shown, wanted) {
        return Ok(());
    }
    Err(Error::Rejected {
        context: Box::new(ErrorContext {
            message: Some(format!(
                "Bybit lists the new key bound to {}, not to exactly {}",
                describe(&shown),
                wanted.join(", ")
            )),
            ..context
        }),
    })
}

/// The addresses a key entry shows (`ips`).
fn shown_ips(entry: &Value) -> IpRestriction {
    match entry.get("ips").and_then(Value::as_array) {
        Some(ips) => {
            let texts: Option<Vec<&str>> = ips.iter().map(Value::as_str).collect();
            texts.map_or(IpRestriction::NotReported, IpRestriction::from_entries)
        }
        None => IpRestriction::NotReported,
    }
}

fn describe(restriction: &IpRestriction) -> String {
    match restriction {
        IpRestriction::AllowList(entries) => entries
            .iter()
            .map(|entry| match entry {
                IpEntry::Net(net) => net.to_string(),
                IpEntry::Pattern(text) => text.clone(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        IpRestriction::Unrestricted => "any address".to_owned(),
        _ => "addresses it does not show".to_owned(),
    }
}

/// A new key that could not be handed over is deleted before the error is returned; the error
/// says what became of it: deleted, still there, or unknown.
async fn unverified_key_deleted(
    adapter: &VenueAdapter,
    uid: u64,
    api_key: &str,
    cause: Error,
) -> Error {
    let deletion = delete(adapter, api_key).await;
    DiscardedKey {
        exchange: ExchangeId::Bybit,
        key: &format!("the new key {api_key} of sub-account {uid}"),
        words: ("deleted", "deleting"),
        by_hand: "delete it on bybit.com under the sub-account's API keys",
    }
    .error(cause, deletion)
}

/// Whether `shown` is an allowlist of exactly the addresses of `wanted`.
fn same_addresses(shown: &IpRestriction, wanted: &[String]) -> bool {
    venue::same_addresses(
        shown,
        &IpRestriction::from_entries(wanted.iter().map(String::as_str)),
    )
}

/// `delete-sub-api` for the sub-account key `api_key`, signed by its master.
pub(super) async fn delete(adapter: &VenueAdapter, api_key: &str) -> Result<()> {
    adapter
        .call(
            &DELETE_SUB_KEY,
            String::new(),
            json!({ "apikey": api_key }).to_string(),
        )
        .await
        .map(drop)
        .map_err(|error| needs_transfer_right(error, "delete-sub-api"))
}

/// `update-sub-api` for the sub-account key `api_key`. Bybit reads an absent `ips` as "no
/// bind" and an absent `readOnly` as read-write, so both are always sent: what the change does
/// not name is read from the key's current entry first. The answer must show the key bound to
/// exactly the addresses sent.
pub(super) async fn update(
    adapter: &VenueAdapter,
    api_key: &str,
    sub_account: Option<&str>,
    change: &KeyChange,
) -> Result<()> {
    if change.label.is_some() {
        return Err(Error::Unsupported {
            exchange: ExchangeId::Bybit,
            operation: Operation::UpdateKey,
            manual_step: "Bybit's API cannot change a key's note (update-sub-api takes none): change it on bybit.com under Account > API Management; nothing was changed".to_owned(),
        });
    }
    let grant = change
        .permissions
        .as_deref()
        .map(SubKeyGrant::of)
        .transpose()
        .map_err(|why| Error::config(ExchangeId::Bybit, format!("{why}: nothing was sent")))?;
    let uid = sub_account.map(parse_uid).transpose()?;
    let (read_only, ips) = match (&grant, &change.allowed_ips) {
        (Some(grant), Some(ips)) => (grant.read_only, ips_param(ips)),
        _ => {
            let (entry, context) = locate(adapter, api_key, uid).await?;
            let read_only = match &grant {
                Some(grant) => grant.read_only,
                None => match entry.get("readOnly").map(|flag| decode::<wire::Flag>(flag, "readOnly")) {
                    Some(Ok(flag)) => flag.0,
                    _ => {
                        return Err(Error::decode(
                            format!("sub-apikeys shows no readable readOnly for key {api_key}, and update-sub-api makes a key read-write without one: nothing was changed"),
                            context,
                        ))
                    }
                },
            };
            let ips = match &change.allowed_ips {
                Some(ips) => ips_param(ips),
                None => current_addresses(&entry).ok_or_else(|| {
                    Error::config(
                        ExchangeId::Bybit,
                        format!("key {api_key} is not listed bound to addresses, and update-sub-api unbinds a key sent without them: name its addresses (KeyChange::allowed_ips) with the change; nothing was sent"),
                    )
                })?,
            };
            (read_only, ips)
        }
    };
    let mut body = json!({
        "apikey": api_key,
        "readOnly": u8::from(read_only),
        "ips": ips,
    });
    if let Some(grant) = &grant {
        body["permissions"] = grant.permissions_json();
    }
    let (answer, context) = adapter
        .call(&UPDATE_SUB_KEY, String::new(), body.to_string())
        .await
        .map_err(|error| needs_transfer_right(error, "update-sub-api"))?;
    let wanted: Vec<String> = ips.split(',').map(str::to_owned).collect();
    let shown = shown_ips(&answer);
    let read_only_shown = answer
        .get("readOnly")
        .and_then(|flag| decode::<wire::Flag>(flag, "readOnly").ok());
    let as_asked =
        same_addresses(&shown, &wanted) && read_only_shown.is_none_or(|flag| flag.0 == read_only);
    if as_asked {
        return Ok(());
    }
    Err(UPDATE_SUB_KEY.unclear(
        ExchangeId::Bybit,
        format!(
            "the answer shows key {api_key} bound to {} (read-only: {}), not as asked ({ips}, read-only: {read_only}): inspect the key (list_keys, or bybit.com) before relying on it",
            describe(&shown),
            read_only_shown.map_or("not shown".to_owned(), |flag| flag.0.to_string()),
        ),
        context,
    ))
}

/// The addresses a key is bound to, as Bybit's `ips` parameter; `None` when the entry shows
/// no allowlist of addresses (unbound, `*`, or unreadable).
fn current_addresses(entry: &Value) -> Option<String> {
    let IpRestriction::AllowList(entries) = shown_ips(entry) else {
        return None;
    };
    if !entries.iter().all(|entry| matches!(entry, IpEntry::Net(_))) {
        return None;
    }
    let texts: Vec<String> = entry
        .get("ips")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    Some(ips_param(&texts))
}

/// The `sub-apikeys` entry of `api_key`: in sub-account `uid` when given, else in every
/// sub-account of the master.
async fn locate(
    adapter: &VenueAdapter,
    api_key: &str,
    uid: Option<u64>,
) -> Result<(Value, ErrorContext)> {
    let uids = match uid {
        Some(uid) => vec![uid.to_string()],
        None => sub_uids(adapter).await?,
    };
    for uid in &uids {
        if let Some(found) = find_in_sub(adapter, uid, api_key).await? {
            return Ok(found);
        }
    }
    let where_ = match uid {
        Some(uid) => format!("sub-account {uid}"),
        None => "no sub-account of this master key".to_owned(),
    };
    Err(Error::config(
        ExchangeId::Bybit,
        format!("{where_} lists key {api_key} (update-sub-api changes sub-account keys only): nothing was sent"),
    ))
}

/// The master's sub-account UIDs (`query-sub-members`).
async fn sub_uids(adapter: &VenueAdapter) -> Result<Vec<String>> {
    let (payload, context) = adapter
        .call(&SUB_MEMBERS, String::new(), String::new())
        .await
        .map_err(|error| needs_transfer_right(error, "query-sub-members"))?;
    let members: wire::SubMembers = decode(&payload, "query-sub-members result")
        .map_err(|what| Error::decode(what, context.clone()))?;
    let wire::SubMembers {
        sub_members: Field::Present(members),
    } = members
    else {
        return Err(Error::decode(
            "the answer holds no list of sub-accounts (subMembers)",
            context,
        ));
    };
    members
        .into_iter()
        .map(|member| match member.uid {
            Field::Present(uid) if !uid.0.is_empty() => Ok(uid.0),
            // A sub-account without its UID hides its keys: the list would be incomplete.
            _ => Err(Error::decode(
                "a sub-account is listed without a readable uid: its keys cannot be listed",
                context.clone(),
            )),
        })
        .collect()
}

/// One sub-account's keys, page after page.
async fn sub_keys(adapter: &VenueAdapter, uid: &str) -> Result<Vec<Value>> {
    let mut keys = Vec::new();
    let mut pages = Pages::new(uid);
    while let Some(query) = pages.next_query() {
        let (page, context) = adapter.call(&SUB_KEYS, query, String::new()).await?;
        keys.extend(pages.read(page, context)?);
    }
    Ok(keys)
}

/// The `sub-apikeys` entry of `api_key` in sub-account `uid`, with the context of its page;
/// stops at the page holding it.
async fn find_in_sub(
    adapter: &VenueAdapter,
    uid: &str,
    api_key: &str,
) -> Result<Option<(Value, ErrorContext)>> {
    let mut pages = Pages::new(uid);
    while let Some(query) = pages.next_query() {
        let (page, context) = adapter.call(&SUB_KEYS, query, String::new()).await?;
        let found = pages
            .read(page, context.clone())?
            .into_iter()
            .find(|entry| {
                entry.get("apiKey").and_then(Value::as_str).map(str::trim) == Some(api_key)
            });
        if let Some(entry) = found {
            return Ok(Some((entry, context)));
        }
    }
    Ok(None)
}

/// Follows `sub-apikeys`' cursor for one sub-account, with a hard cap.
struct Pages<'a> {
    uid: &'a str,
    cursor: Option<String>,
    read: usize,
    done: bool,
}

impl<'a> Pages<'a> {
    fn new(uid: &'a str) -> Self {
        Pages {
            uid,
            cursor: None,
            read: 0,
            done: false,
        }
    }

    /// The query of the next page, or `None` after the last.
    fn next_query(&self) -> Option<String> {
        if self.done {
            return None;
        }
        let mut query = form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("subMemberId", self.uid)
            .append_pair("limit", &PAGE_LIMIT.to_string());
        if let Some(cursor) = &self.cursor {
            query.append_pair("cursor", cursor);
        }
        Some(query.finish())
    }

    /// The entries of one page; remembers where the next one starts.
    fn read(&mut self, page: Value, context: ErrorContext) -> Result<Vec<Value>> {
        self.read += 1;
        let page: wire::SubApiKeysPage = decode(&page, "sub-apikeys result")
            .map_err(|what| Error::decode(what, context.clone()))?;
        let Field::Present(entries) = page.result else {
            return Err(Error::decode(
                format!(
                    "the answer holds no list of sub-account {}'s keys (result)",
                    self.uid
                ),
                context,
            ));
        };
        let next = match page.next_page_cursor {
            Field::Present(cursor) => Some(cursor.trim().to_owned()),
            _ => None,
        }
        .filter(|cursor| !cursor.is_empty());
        match next {
            // An empty page ends the list whatever the cursor says: no loop on a stuck cursor.
            Some(cursor) if !entries.is_empty() => {
                if self.cursor.as_deref() == Some(cursor.as_str()) {
                    return Err(Error::decode(
                        format!("sub-apikeys sent the same cursor twice for sub-account {}: the list cannot be followed", self.uid),
                        context,
                    ));
                }
                if self.read >= MAX_PAGES {
                    return Err(Error::decode(
                        format!("sub-account {} has more than {MAX_PAGES} pages of keys: the list is not complete", self.uid),
                        context,
                    ));
                }
                self.cursor = Some(cursor);
            }
            _ => self.done = true,
        }
        Ok(entries)
    }
}

/// Every key the adapter's key can see: its own (`query-api`) first, then, for a master key,
/// every key of every sub-account. A sub-account key sees only itself. `query-sub-members`
/// returns at most 1,000 sub-accounts (its page says so); a master with more would need the
/// paginated `/v5/user/submembers`, which this crate does not call yet.
pub(super) async fn list(adapter: &VenueAdapter) -> Result<Vec<KeyInfo>> {
    let (payload, context) = adapter
        .call(&KEY_INFO, String::new(), String::new())
        .await?;
    let own = venue::key_info_from(&Bybit, payload, adapter.api_key())
        .map_err(|what| Error::decode(what, context))?;
    let is_sub_account = own.account == Reported::Known(AccountKind::SubAccount);
    let mut keys = vec![own];
    if is_sub_account {
        return Ok(keys);
    }
    for uid in sub_uids(adapter).await? {
        keys.extend(sub_keys(adapter, &uid).await?.into_iter().map(|entry| {
            let mut info = listed_key(entry);
            info.sub_account = Reported::Known(uid.to_string());
            info
        }));
    }
    Ok(keys)
}

/// One `sub-apikeys` entry as a [`KeyInfo`]; an entry that cannot be read costs only itself (a
/// breach response still sees every other key), with what was wrong as an anomaly.
fn listed_key(entry: Value) -> KeyInfo {
    let mapped = decode::<wire::ApiKeyInfo>(&entry, "sub-apikeys entry")
        .and_then(|wire| map::map_api_key_info(wire, Source::SubAccountList));
    let mut info = mapped.unwrap_or_else(|what| {
        let mut info = KeyInfo::new(ExchangeId::Bybit);
        if let Some(key) = entry.get("apiKey").and_then(Value::as_str) {
            info.key_id = Reported::Known(key.to_owned());
        }
        info.account = Reported::Known(AccountKind::SubAccount);
        info.anomalies
            .push(Anomaly::new(AnomalyKind::Invalid, "result", what));
        info
    });
    info.raw = entry;
    info
}

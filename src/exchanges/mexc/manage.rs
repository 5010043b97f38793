//! Sub-account keys, managed from the master key: MEXC's API lists a master account's
//! sub-accounts (`GET /api/v3/sub-account/list`), and lists, creates and deletes their keys
//! (`GET`, `POST`, `DELETE /api/v3/sub-account/apiKey`), all "For Master Account" and all
//! naming the sub-account by its name (mexcdevelop/apidocs `spot_v3_en`, "Sub-Account
//! Endpoints"). No call changes a sub-account key, and none creates or deletes a key of the
//! master account: those stay on mexc.com.
//!
//! Every parameter travels in the query string, URL-encoded before signing (the commas of
//! `permissions` and `ip` as `%2C`, as MEXC asks for values holding special characters).

use secrecy::SecretString;
use serde_json::{json, Value};

use super::{map, wire, Mexc};
use crate::adapter::{KeyRef, NewKey, NewKeySpec, Operation, Revoked};
use crate::error::{Error, ErrorContext, Result};
use crate::exchanges::common::same_token;
use crate::exchanges::venue::{self, same_addresses, DiscardedKey, Venue, VenueAdapter};
use crate::model::{
    AccountKind, Anomaly, AnomalyKind, Grant, IpRestriction, KeyInfo, Permission, Reported,
};
use crate::transport::pipeline::Endpoint;
use crate::transport::scrub::Scrubber;
use crate::ExchangeId;

/// `GET /api/v3/sub-account/list`: the sub-accounts, a page at a time.
const SUB_ACCOUNTS: Endpoint = Endpoint::read("GET", "/api/v3/sub-account/list");
/// `GET /api/v3/sub-account/apiKey`: the keys of one sub-account.
const SUB_ACCOUNT_KEYS: Endpoint = Endpoint::read("GET", "/api/v3/sub-account/apiKey");
/// `POST /api/v3/sub-account/apiKey`: creates a key of a sub-account; the answer carries its
/// secret.
const CREATE: Endpoint = Endpoint::write("POST", "/api/v3/sub-account/apiKey");
/// `DELETE /api/v3/sub-account/apiKey`.
const DELETE: Endpoint = Endpoint::write("DELETE", "/api/v3/sub-account/apiKey");

/// The most sub-accounts one page holds (the documented maximum of `limit`).
const PAGE: usize = 200;
/// Pages read before giving up: 4,000 sub-accounts, so a list that never ends is an error
/// rather than a loop.
const MAX_PAGES: usize = 20;
/// The most addresses MEXC binds to one sub-account key ("Support up to 20 addresses"; its
/// FAQ and code 730703 say 10, which MEXC then refuses with that code).
const MAX_IPS: usize = 20;

/// The rights the create call accepts (its `permissions` parameter, as documented).
const CREATABLE: [&str; 10] = [
    "SPOT_ACCOUNT_READ",
    "SPOT_ACCOUNT_WRITE",
    "SPOT_DEAL_READ",
    "SPOT_DEAL_WRITE",
    "CONTRACT_ACCOUNT_READ",
    "CONTRACT_ACCOUNT_WRITE",
    "CONTRACT_DEAL_READ",
    "CONTRACT_DEAL_WRITE",
    "SPOT_TRANSFER_READ",
    "SPOT_TRANSFER_WRITE",
];

/// MEXC's code for a key id it does not know.
const NO_SUCH_KEY: &str = "730706";

/// Where a person finds sub-account keys on mexc.com.
const BY_HAND: &str = "mexc.com, Sub-account management > API";

/// The key in use (as `apiKeyInfo` tells it) and every key of every sub-account of the master
/// account. An entry that cannot be read costs only itself: it is listed with an anomaly saying
/// why, so a breach response still sees the rest.
pub(super) async fn list_keys(adapter: &VenueAdapter) -> Result<Vec<KeyInfo>> {
    let (payload, context) = Mexc.fetch_key_info(adapter).await?;
    let own = venue::key_info_from(&Mexc, payload, adapter.api_key())
        .map_err(|what| Error::decode(what, context))?;
    let mut keys = vec![own];
    for entry in sub_accounts(adapter).await? {
        keys.extend(keys_of(adapter, entry).await?);
    }
    Ok(keys)
}

/// Every sub-account's entry, page by page. MEXC's answer carries no total: a page shorter
/// than asked for is the last.
async fn sub_accounts(adapter: &VenueAdapter) -> Result<Vec<Value>> {
    let mut all = Vec::new();
    let mut previous: Option<Vec<Value>> = None;
    let mut last_context = ErrorContext::new(ExchangeId::Mexc);
    for page in 1..=MAX_PAGES {
        let query = format!("page={page}&limit={PAGE}");
        let (payload, context) = adapter
            .call(&SUB_ACCOUNTS, query, String::new())
            .await
            .map_err(explain)?;
        let Some(Value::Array(entries)) = payload.get("subAccounts") else {
            return Err(Error::decode(
                "`subAccounts` is not a list of sub-accounts",
                context,
            ));
        };
        let full = entries.len() >= PAGE;
        if full && previous.as_ref() == Some(entries) {
            return Err(Error::decode(
                "the next page of sub-accounts repeats the last: the list does not page",
                context,
            ));
        }
        all.extend(entries.iter().cloned());
        if !full {
            return Ok(all);
        }
        previous = Some(entries.clone());
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

/// The name of a listed sub-account, if it has a readable one.
fn name_of(entry: &Value) -> Option<String> {
    entry
        .get("subAccount")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
}

/// The keys of one listed sub-account, each with the sub-account's entry as part of its
/// evidence (`raw`: `{"subaccount": …, "apikey": …}`).
async fn keys_of(adapter: &VenueAdapter, entry: Value) -> Result<Vec<KeyInfo>> {
    let Some(name) = name_of(&entry) else {
        let mut info = KeyInfo::new(ExchangeId::Mexc);
        info.account = Reported::Known(AccountKind::SubAccount);
        info.anomalies.push(Anomaly::new(
            AnomalyKind::Missing,
            "subAccount",
            "a sub-account listed without a readable name: its keys could not be listed",
        ));
        info.raw = json!({ "subaccount": entry });
        return Ok(vec![info]);
    };
    let (payload, context) = adapter
        .call(
            &SUB_ACCOUNT_KEYS,
            form(&[("subAccount", &name)]),
            String::new(),
        )
        .await
        .map_err(explain)?;
    // The list of keys is the answer's `subAccount` field.
    let Some(Value::Array(keys)) = payload.get("subAccount") else {
        return Err(Error::decode(
            format!("`subAccount` is not a list of the keys of sub-account `{name}`"),
            context,
        ));
    };
    Ok(keys
        .iter()
        .map(|key| {
            let mut info = sub_account_key(&name, key);
            info.raw = json!({ "subaccount": entry.clone(), "apikey": key });
            info
        })
        .collect())
}

/// A listed key of `sub_account`; one that cannot be read is kept with an anomaly saying why.
fn sub_account_key(sub_account: &str, key: &Value) -> KeyInfo {
    wire::SubAccountKey::read(key)
        .and_then(|wire| map::map_sub_account_key(sub_account, wire, key))
        .unwrap_or_else(|what| {
            let mut info = KeyInfo::new(ExchangeId::Mexc);
            if let Some(id) = key.get("apiKey").and_then(Value::as_str) {
                info.key_id = Reported::Known(id.to_owned());
            }
            info.account = Reported::Known(AccountKind::SubAccount);
            info.sub_account = Reported::Known(sub_account.to_owned());
            info.anomalies
                .push(Anomaly::new(AnomalyKind::Invalid, "subAccount", what));
            info
        })
}

/// Creates a key of `spec.sub_account` and hands it over only once MEXC's answer shows it with
/// a secret, bound to exactly the addresses asked for, in the sub-account asked for, and
/// holding exactly the rights asked for; otherwise the new key is deleted and the error says so.
pub(super) async fn create_key(adapter: &VenueAdapter, spec: &NewKeySpec) -> Result<NewKey> {
    let sub_account = required(
        spec.sub_account.as_deref(),
        "NewKeySpec::sub_account",
        "no key was created",
    )?;
    let note = spec.label.trim();
    if note.is_empty() {
        return Err(Error::config(
            ExchangeId::Mexc,
            "MEXC needs a note for a new key (NewKeySpec::label; code 730700): no key was created",
        ));
    }
    let tokens = tokens_for(&spec.permissions)?;
    let ip = ip_param(&spec.allowed_ips)?;
    let query = form(&[
        ("subAccount", &sub_account),
        ("note", note),
        ("permissions", &tokens.join(",")),
        ("ip", &ip),
    ]);
    let (payload, context) = adapter
        .call(&CREATE, query, String::new())
        .await
        .map_err(|mut error| {
            if error.is_outcome_unknown() {
                error.add_to_message(&format!(
                    "a key may have been created for sub-account `{sub_account}`: look for it with list_keys or on {BY_HAND} before creating another"
                ));
            }
            explain(error)
        })?;
    let text = |name: &str| {
        payload
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    let Some(api_key) = text("apiKey") else {
        // The answer may still carry the secret of a key it does not name.
        let hidden: Vec<String> = text("secretKey").into_iter().collect();
        let mut error = CREATE.unclear(
            ExchangeId::Mexc,
            format!(
                "the answer names no new key (`apiKey`): a key may have been created for sub-account `{sub_account}`; look for it with list_keys or on {BY_HAND} and delete it",
            ),
            context,
        );
        Scrubber::new(hidden.iter().map(String::as_str)).error(&mut error);
        return Err(error);
    };
    let secret = text("secretKey");
    let hidden: Vec<String> = secret.iter().cloned().collect();
    // The key is deleted where MEXC says it is, which is where it was asked for unless the
    // answer says otherwise.
    let holder = text("subAccount").unwrap_or_else(|| sub_account.clone());
    let refused = match &secret {
        None => Some("the answer carries no secret: the new key cannot be used".to_owned()),
        Some(_) if !same_token(&holder, &sub_account) => Some(format!(
            "MEXC's answer shows the key created for sub-account `{holder}`, not `{sub_account}`"
        )),
        Some(_) => shown_differs(&payload, &tokens, &spec.allowed_ips),
    };
    if let Some(why) = refused {
        let cause = Error::Rejected {
            context: Box::new(ErrorContext {
                message: Some(why),
                ..context
            }),
        };
        let mut error = new_key_deleted(adapter, &holder, &api_key, cause).await;
        Scrubber::new(hidden.iter().map(String::as_str)).error(&mut error);
        return Err(error);
    }
    Ok(NewKey {
        exchange: ExchangeId::Mexc,
        api_key,
        secret: SecretString::from(secret.unwrap_or_default()),
        passphrase: None,
    })
}

/// Deletes a sub-account key. Without its sub-account (a breach response revoking what a master
/// key lists), the key is looked for in every sub-account: found in exactly one, it is deleted
/// there.
pub(super) async fn revoke(adapter: &VenueAdapter, target: KeyRef) -> Result<Revoked> {
    let (key_id, sub_account) = adapter.other_key(target, Operation::RevokeOwn)?;
    let sub_account = match sub_account.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => sub_account_of(adapter, key_id.trim()).await?,
    };
    delete(adapter, &sub_account, key_id.trim()).await?;
    Ok(Revoked {
        exchange: ExchangeId::Mexc,
        key_id: Some(key_id),
    })
}

/// The one sub-account whose keys include `api_key`, as the master key lists them.
async fn sub_account_of(adapter: &VenueAdapter, api_key: &str) -> Result<String> {
    let mut found = Vec::new();
    for entry in sub_accounts(adapter).await? {
        let Some(name) = name_of(&entry) else {
            continue;
        };
        let listed = keys_of(adapter, entry).await?;
        if venue::lists_key(&listed, api_key) {
            found.push(name);
        }
    }
    venue::the_one_holder(
        ExchangeId::Mexc,
        found,
        api_key,
        "MEXC deletes sub-account keys only; name the sub-account in KeyRef::Other::sub_account",
        "nothing was revoked",
    )
}

async fn delete(adapter: &VenueAdapter, sub_account: &str, api_key: &str) -> Result<()> {
    let query = form(&[("subAccount", sub_account), ("apiKey", api_key)]);
    match adapter.call(&DELETE, query, String::new()).await {
        Ok(_) => Ok(()),
        Err(error) if code_of(&error) == Some(NO_SUCH_KEY) => {
            // The key named in the call, not the caller's: the master key was accepted.
            Err(Error::Rejected {
                context: Box::new(ErrorContext {
                    message: Some(format!(
                        "sub-account `{sub_account}` has no key `{api_key}` (code {NO_SUCH_KEY}); list_keys shows the keys of each sub-account"
                    )),
                    ..error.context().cloned().unwrap_or_else(|| ErrorContext::new(ExchangeId::Mexc))
                }),
            })
        }
        Err(error) => Err(explain(error)),
    }
}

/// A new key that cannot be handed over is deleted before the error is returned. The error
/// says what became of it: deleted, still there, or unknown.
async fn new_key_deleted(
    adapter: &VenueAdapter,
    sub_account: &str,
    api_key: &str,
    cause: Error,
) -> Error {
    let deletion = delete(adapter, sub_account, api_key).await;
    DiscardedKey {
        exchange: ExchangeId::Mexc,
        key: &format!("the new key `{api_key}` of sub-account `{sub_account}`"),
        words: ("deleted", "deleting"),
        by_hand: &format!("delete it on {BY_HAND}"),
    }
    .error(cause, deletion)
}

/// What in MEXC's create answer differs from what was asked: rights other than exactly
/// `tokens`, a right that moves funds off the exchange, or addresses other than exactly `ips`.
fn shown_differs(answer: &Value, tokens: &[&str], ips: &[String]) -> Option<String> {
    let shown = wire::SubAccountKey::read(answer)
        .and_then(|wire| map::map_sub_account_key("", wire, answer));
    let shown = match shown {
        Ok(shown) => shown,
        Err(what) => return Some(format!("MEXC's answer cannot be read ({what})")),
    };
    let wanted = IpRestriction::from_entries(ips.iter().map(String::as_str));
    if !same_addresses(&shown.ip_restriction, &wanted) {
        return Some(format!(
            "MEXC's answer does not show the key bound to exactly {}",
            ips.join(", ")
        ));
    }
    if shown.permissions.get(&Permission::Withdraw) != Grant::Denied
        || shown.permissions.get(&Permission::Payment) != Grant::Denied
    {
        return Some("MEXC's answer does not show the key unable to withdraw".to_owned());
    }
    let granted = &shown.permissions.vendor_granted;
    let as_asked = granted.len() == tokens.len()
        && tokens
            .iter()
            .all(|token| granted.iter().any(|shown| same_token(shown, token)));
    if !as_asked {
        return Some(format!(
            "MEXC's answer shows the rights `{}`, not the `{}` asked for",
            granted.join(","),
            tokens.join(",")
        ));
    }
    None
}

/// The sub-account a call names, or the error saying it must be named.
fn required(sub_account: Option<&str>, field: &str, nothing: &str) -> Result<String> {
    match sub_account.map(str::trim) {
        Some(name) if !name.is_empty() => Ok(name.to_owned()),
        _ => Err(Error::config(
            ExchangeId::Mexc,
            format!(
                "MEXC manages keys through the API only per sub-account, by its name: name it in {field}; {nothing}"
            ),
        )),
    }
}

/// MEXC's tokens for `permissions`, each at most once, in MEXC's documented order. What a
/// sub-account key cannot be given through the API is refused before anything is sent.
///
/// `Read` asks for `SPOT_DEAL_READ` (orders and trades) only: `SPOT_ACCOUNT_READ`, which reads
/// balances, is also the right MEXC's pages name for managing sub-accounts' keys, so a key
/// holding it cannot be shown read-only by `apiKeyInfo`; ask for it by its name
/// (`Permission::Other("SPOT_ACCOUNT_READ")`), as for any other documented token.
fn tokens_for(permissions: &[Permission]) -> Result<Vec<&'static str>> {
    let mut wanted: Vec<&'static str> = Vec::new();
    let mut transfer = (false, false);
    for permission in permissions {
        let token = match permission {
            Permission::Read => "SPOT_DEAL_READ",
            Permission::SpotTrade => "SPOT_DEAL_WRITE",
            Permission::FuturesTrade => "CONTRACT_DEAL_WRITE",
            Permission::UniversalTransfer => {
                transfer.0 = true;
                "SPOT_TRANSFER_WRITE"
            }
            Permission::InternalTransfer => {
                transfer.1 = true;
                "SPOT_TRANSFER_WRITE"
            }
            Permission::Other(name) => match CREATABLE.iter().find(|t| same_token(t, name)) {
                Some(token) => token,
                None => {
                    return Err(Error::config(
                        ExchangeId::Mexc,
                        format!(
                            "MEXC's create call grants only {}: `{}` is not one of them; nothing was sent",
                            CREATABLE.join(", "),
                            name.trim()
                        ),
                    ))
                }
            },
            Permission::Withdraw | Permission::Payment => {
                return Err(Error::config(
                    ExchangeId::Mexc,
                    "MEXC's API creates no sub-account key that can withdraw (SPOT_WITHDRAW_WRITE is not among the rights its create call grants): nothing was sent",
                ))
            }
            Permission::SubAccountManagement | Permission::KeyManagement => {
                return Err(Error::config(
                    ExchangeId::Mexc,
                    "only the master account's keys manage sub-accounts and keys on MEXC: a sub-account key is not given that right here; nothing was sent",
                ))
            }
            other => {
                return Err(Error::config(
                    ExchangeId::Mexc,
                    format!("MEXC's create call has no right granting `{other}` to a sub-account key: nothing was sent"),
                ))
            }
        };
        if !wanted.contains(&token) {
            wanted.push(token);
        }
    }
    if transfer.0 != transfer.1 {
        return Err(Error::config(
            ExchangeId::Mexc,
            "MEXC's SPOT_TRANSFER_WRITE grants universal transfers and transfers between the master account and its sub-accounts alike: ask for both UniversalTransfer and InternalTransfer, or neither; nothing was sent",
        ));
    }
    if wanted.is_empty() {
        return Err(Error::config(
            ExchangeId::Mexc,
            "MEXC needs at least one right for a new key (code 730701): nothing was sent",
        ));
    }
    wanted.sort_by_key(|token| CREATABLE.iter().position(|t| t == token));
    Ok(wanted)
}

/// The `ip` parameter: the addresses, comma-separated, at most [`MAX_IPS`].
fn ip_param(ips: &[String]) -> Result<String> {
    Ok(venue::bounded_addresses(ExchangeId::Mexc, ips, MAX_IPS, "")?.join(","))
}

fn code_of(error: &Error) -> Option<&str> {
    error.context().and_then(|c| c.code.as_deref())
}

/// Adds what the caller must do to MEXC's refusals of sub-account calls.
fn explain(mut error: Error) -> Error {
    let hint = match code_of(&error) {
        Some("700007" | "401") => {
            "MEXC's sub-account calls need a key of the master account holding SPOT_ACCOUNT_READ (SPOT_ACCOUNT_WRITE on MEXC's newer pages); a sub-account's key cannot make them"
        }
        Some("140001") => {
            "no sub-account has this name: list_keys or mexc.com (Sub-account management) shows the names"
        }
        Some("140002") => "the sub-account is frozen",
        Some("730705") => "the account already has the 30 keys MEXC allows",
        Some("730703" | "730704") => {
            "MEXC refused the addresses: at most 10 per key according to this code's text, each a plain IPv4 or IPv6 address"
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
    fn rights_map_to_the_documented_tokens_in_order() {
        assert_eq!(
            tokens_for(&[Permission::SpotTrade, Permission::Read]).unwrap(),
            ["SPOT_DEAL_READ", "SPOT_DEAL_WRITE"]
        );
        assert_eq!(
            tokens_for(&[
                Permission::UniversalTransfer,
                Permission::InternalTransfer,
                Permission::Other(" spot_account_read ".into()),
                Permission::FuturesTrade,
            ])
            .unwrap(),
            [
                "SPOT_ACCOUNT_READ",
                "CONTRACT_DEAL_WRITE",
                "SPOT_TRANSFER_WRITE"
            ]
        );
    }

    #[test]
    fn rights_mexc_cannot_grant_a_sub_account_key_are_refused() {
        for refused in [
            vec![Permission::Withdraw],
            vec![Permission::Payment],
            vec![Permission::KeyManagement],
            vec![Permission::SubAccountManagement],
            vec![Permission::MarginTrade],
            vec![Permission::OptionsTrade],
            vec![Permission::UniversalTransfer],
            vec![Permission::Other("SPOT_WITHDRAW_WRITE".into())],
            vec![],
        ] {
            let err = tokens_for(&refused).unwrap_err();
            assert!(matches!(err, Error::Config { .. }), "{refused:?}: {err}");
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

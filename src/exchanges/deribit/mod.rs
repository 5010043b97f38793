//! Deribit (v2, JSON-RPC over HTTP): `GET /api/v2/private/list_api_keys`, each request signed
//! on its own (`deri-hmac-sha256`).
//!
//! Deribit has no "this key" call: the adapter lists the account's keys and keeps the entry
//! whose `client_id` is its own. The list needs the `account:read` scope, and Deribit sends the
//! `client_secret` of every key in it: the evidence carries none of them. What a key may do is
//! its `max_scope` (`trade:read_write wallet:none …`); its allowlist, name and enabled state
//! come with it. Deribit keys do not expire, and the list tells no creation time this crate can
//! trust (`timestamp` may be the last change) nor the last use.
//!
//! Keys are managed through the API with a key holding `account:read_write`, each found by its
//! client id in the account's list (Deribit's calls take the key's number, `id`):
//!
//! | Operation | Deribit |
//! |---|---|
//! | `list_keys` | `list_api_keys` |
//! | `revoke` of another key | `remove_api_key` |
//! | `create_key` | `create_api_key`, then `edit_api_key` for the allowlist, checked before the key is handed over (else it is removed) |
//! | `update_key` | `edit_api_key`: label → `name`, allowlist → `ip_whitelist`, permissions → `max_scope` (the key's own scope is sent when the permissions stay, as an omitted scope becomes `none`); the answer must show what was asked |
//! | `set_key_enabled` | `enable_api_key` / `disable_api_key`; disabling the key in use is left to the web interface |
//! | `reset_secret` | `reset_api_key`: the same client id, a new `client_secret`; resetting the key in use cuts the adapter off |
//!
//! Removing (or disabling) the key in use is not documented, so it is left to the web interface.
//! Where the account has two-factor authentication, Deribit asks for a one-time code on key
//! management (its "security key" challenge): with a [`crate::SecondFactor`] given to the
//! adapter, the code is asked for and the call sent again once with it (see `challenge.rs`);
//! without one, that is [`crate::AuthReason::SecondFactorRequired`], with what Deribit asks for
//! in the message. Key inspection (`key_info`) never answers the challenge.

mod challenge;
mod map;
mod sign;
#[cfg(feature = "testkit")]
pub(crate) mod simulate;
mod wire;

use async_trait::async_trait;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;

pub use sign::signature;

use super::common::{as_code, message_of, take_envelope_field};
use super::venue::{self, same_addresses, DiscardedKey, Venue, VenueAdapter};
use super::{Environment, ExchangeId};
use crate::adapter::{
    Capabilities, KeyAdapter, KeyChange, KeyRef, NewKey, NewKeySpec, Operation, RevokeConfirm,
    Revoked, Support,
};
use crate::error::{AuthReason, Error, ErrorClass, ErrorCode, ErrorContext, Result};
use crate::model::{Anomaly, AnomalyKind, IpRestriction, KeyInfo, Permission, Reported};
use crate::transport::answer::decode;
use crate::transport::pipeline::{Conventions, Endpoint};
use crate::transport::scrub::Scrubber;
use crate::transport::signing::{nonce_hex, SigningKey};
use crate::transport::{RateLimit, Request};

/// The Deribit venue.
#[derive(Debug)]
pub(crate) struct Deribit;

const LIST_KEYS: Endpoint = Endpoint::read("GET", "/api/v2/private/list_api_keys");
const SERVER_TIME: Endpoint = Endpoint::read("GET", "/api/v2/public/get_time");
const CREATE_KEY: Endpoint = Endpoint::write("GET", "/api/v2/private/create_api_key");
const EDIT_KEY: Endpoint = Endpoint::write("GET", "/api/v2/private/edit_api_key");
const REMOVE_KEY: Endpoint = Endpoint::write("GET", "/api/v2/private/remove_api_key");
const ENABLE_KEY: Endpoint = Endpoint::write("GET", "/api/v2/private/enable_api_key");
const DISABLE_KEY: Endpoint = Endpoint::write("GET", "/api/v2/private/disable_api_key");
const RESET_KEY: Endpoint = Endpoint::write("GET", "/api/v2/private/reset_api_key");

impl Conventions for Deribit {
    fn exchange(&self) -> ExchangeId {
        ExchangeId::Deribit
    }

    fn sign(
        &self,
        request: &mut Request,
        key: &SigningKey,
        _: Environment,
        now_ms: i64,
    ) -> Result<()> {
        let timestamp = now_ms.to_string();
        let nonce = nonce_hex(8)?;
        let sig = signature(
            key.hmac_key(),
            &timestamp,
            &nonce,
            request.method.as_str(),
            &request.path_and_query(),
            &request.body,
        );
        request.header(
            "authorization",
            sign::authorization(key.api_key(), &timestamp, &nonce, &sig),
        );
        Ok(())
    }

    /// A JSON-RPC `error`, or Deribit's security-key challenge: a successful answer whose
    /// `result` asks for the account's second factor instead of carrying the result.
    fn error_in(&self, payload: &Value) -> Option<(String, String)> {
        rpc_error(payload).or_else(|| challenge::unanswered(payload))
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ERROR_CODES
    }

    fn unwrap_payload(&self, payload: Value) -> std::result::Result<Value, String> {
        take_envelope_field(payload, "result")
    }

    fn server_time(&self) -> Option<Endpoint> {
        Some(SERVER_TIME)
    }

    fn server_time_ms(&self, payload: &Value) -> Option<i64> {
        payload.as_i64()
    }
}

/// A JSON-RPC `error`'s code and message, with its `data.reason`, `data.param` and `data.wait`.
fn rpc_error(payload: &Value) -> Option<(String, String)> {
    let error = payload.get("error").filter(|e| e.is_object())?;
    let code = error.get("code").and_then(as_code).unwrap_or_default();
    let mut message = message_of(error, "message");
    if let Some(reason) = error.pointer("/data/reason").and_then(Value::as_str) {
        message = format!("{message}: {reason}");
    }
    if let Some(param) = error.pointer("/data/param").and_then(Value::as_str) {
        message = format!("{message} (parameter `{param}`)");
    }
    // 12998: "The client should wait for `wait` seconds to try again".
    if let Some(wait) = error.pointer("/data/wait").and_then(Value::as_u64) {
        message = format!("{message} (wait {wait} s)");
    }
    Some((code, message))
}

/// The code this crate gives Deribit's security-key challenge, which comes without one.
const SECOND_FACTOR: &str = "security_key_authorization_required";

#[async_trait]
impl Venue for Deribit {
    fn sandbox(&self) -> Environment {
        Environment::Testnet
    }

    // Deribit meters non-matching-engine calls by credits; 20 a second stays under its
    // default refill (ccxt's figure; Deribit's own is per account).
    fn rate_limit(&self) -> RateLimit {
        RateLimit::per_second(20)
    }

    fn capabilities(&self, _: Environment) -> Capabilities {
        Capabilities {
            key_info: Support::Native,
            list_keys: Support::Native,
            revoke: Support::Native,
            create_key: Support::Native,
            update_key: Support::Native,
            set_key_enabled: Support::Native,
            reset_secret: Support::Native,
            reports_key_id: Support::Native,
            reports_label: Support::Native,
            reports_ip_restriction: Support::Native,
            reports_ip_list: Support::Native,
            reports_enabled: Support::Native,
            sandbox: Support::Native,
            ..Capabilities::NONE
        }
    }

    fn base_url(&self, environment: Environment) -> Option<&'static str> {
        match environment {
            Environment::Production => Some("https://www.deribit.com"),
            Environment::Testnet => Some("https://test.deribit.com"),
            _ => None,
        }
    }

    fn key_info_endpoint(&self) -> Endpoint {
        LIST_KEYS
    }

    /// The entry of the key in use: the one whose `client_id` is ours. Offline, without a key
    /// to look for, a lone entry (or an entry given on its own) is taken.
    fn own_entry(&self, payload: Value, api_key: &str) -> std::result::Result<Value, String> {
        let entries = match payload {
            Value::Array(entries) => entries,
            entry @ Value::Object(_) if api_key.is_empty() => return Ok(entry),
            _ => return Err("`result` is not a list of API keys".to_owned()),
        };
        if api_key.is_empty() && entries.len() == 1 {
            return Ok(entries.into_iter().next().unwrap_or_default());
        }
        let mut ours = entries
            .into_iter()
            .filter(|entry| map::client_id_of(entry) == Some(api_key));
        match (ours.next(), ours.next()) {
            (Some(entry), None) => Ok(entry),
            (None, _) => Err(
                "the account's list of API keys holds no key with this key's client id".to_owned(),
            ),
            (Some(_), Some(_)) => {
                Err("the account's list of API keys holds this key's client id twice".to_owned())
            }
        }
    }

    /// Every key's `client_secret` in the list, scrubbed wherever else the answer echoes it.
    fn echoed_secrets<'a>(&self, payload: &'a Value) -> Vec<&'a str> {
        let entries = match payload {
            Value::Array(entries) => entries.as_slice(),
            entry => std::slice::from_ref(entry),
        };
        entries
            .iter()
            .filter_map(|entry| entry.get("client_secret").and_then(Value::as_str))
            .collect()
    }

    fn map_key_info(&self, payload: &Value, _: &str) -> std::result::Result<KeyInfo, String> {
        let wire: wire::ApiKey = decode(payload, "list_api_keys entry")?;
        map::map_api_key(wire)
    }

    fn manual_step(&self, operation: Operation) -> Option<&'static str> {
        Some(match operation {
            Operation::RevokeOwn => {
                "this crate does not remove the key in use through the API (Deribit does not document whether it may): remove it on deribit.com under Account > API, or from another key holding account:read_write"
            }
            Operation::SetKeyEnabled => {
                "this crate does not disable the key in use through the API (it could not enable itself again, and Deribit does not document whether it may): disable it on deribit.com under Account > API, or from another key holding account:read_write"
            }
            _ => return None,
        })
    }

    async fn list_keys(&self, adapter: &VenueAdapter) -> Result<Vec<KeyInfo>> {
        let (payload, context) =
            challenge::call(adapter, &LIST_KEYS, Operation::ListKeys, &[]).await?;
        // Every key's secret, wherever in the list it is echoed (in another key's entry too).
        let secrets = Scrubber::new(self.echoed_secrets(&payload));
        let Value::Array(entries) = payload else {
            return Err(Error::decode("`result` is not a list of API keys", context));
        };
        // One unreadable entry costs only itself: a breach response still sees every other key.
        Ok(entries
            .into_iter()
            .map(|entry| {
                let mut info =
                    venue::key_info_from(self, entry.clone(), "").unwrap_or_else(|what| {
                        let mut info = KeyInfo::new(ExchangeId::Deribit);
                        if let Some(client_id) = map::client_id_of(&entry) {
                            info.key_id = Reported::Known(client_id.to_owned());
                        }
                        info.anomalies
                            .push(Anomaly::new(AnomalyKind::Invalid, "result", what));
                        info.raw = entry;
                        info
                    });
                secrets.key_info(&mut info);
                info
            })
            .collect())
    }

    /// Removes another key (`remove_api_key`), found by its client id in the account's list.
    async fn revoke(
        &self,
        adapter: &VenueAdapter,
        target: KeyRef,
        _: RevokeConfirm,
    ) -> Result<Revoked> {
        let KeyRef::Other { key_id, .. } = &target else {
            return Err(adapter.unsupported(Operation::RevokeOwn));
        };
        let listed = listed(adapter, &target, Operation::Revoke, "nothing was removed").await?;
        remove(adapter, listed.number, Operation::Revoke)
            .await
            .map_err(|error| needs_account_write(error, "remove_api_key"))?;
        Ok(Revoked {
            exchange: ExchangeId::Deribit,
            key_id: Some(key_id.clone()),
        })
    }

    /// `create_api_key` with the scope the permissions need, then `edit_api_key` to bind it to
    /// the addresses. The key is handed over only once Deribit's answer shows exactly those
    /// addresses; otherwise it is removed, and the error says so.
    async fn create_key(&self, adapter: &VenueAdapter, spec: &NewKeySpec) -> Result<NewKey> {
        let scope = max_scope(&spec.permissions)?;
        check_name(&spec.label)?;
        let params = [("max_scope", scope.as_str()), ("name", spec.label.as_str())];
        let (created, context) =
            challenge::call(adapter, &CREATE_KEY, Operation::CreateKey, &params)
                .await
                .map_err(|error| needs_account_write(error, "create_api_key"))?;
        let Some(number) = created.get("id").and_then(Value::as_u64) else {
            return Err(CREATE_KEY.unclear(
                ExchangeId::Deribit,
                "the answer names no key number: a key may have been created without an allowlist; look for it on deribit.com under Account > API and remove it",
                context,
            ));
        };
        let created = match decode::<Created>(&created, "create_api_key result") {
            Ok(created) => created,
            Err(what) => {
                let error = Error::decode(format!("{what}: the new key cannot be used"), context);
                return Err(unbound_key_removed(adapter, number, error).await);
            }
        };
        // From here on the new secret is known: no error may carry it.
        let new_secret = Scrubber::new([created.client_secret.as_str()]);
        match bind(adapter, number, &scope, spec).await {
            Ok(()) => Ok(NewKey {
                exchange: ExchangeId::Deribit,
                api_key: created.client_id,
                secret: SecretString::from(created.client_secret),
                passphrase: None,
            }),
            Err(mut error) => {
                new_secret.error(&mut error);
                let mut error = unbound_key_removed(adapter, number, error).await;
                new_secret.error(&mut error);
                Err(error)
            }
        }
    }

    /// `edit_api_key` with the key's number and what changes: `name`, `ip_whitelist`, and
    /// `max_scope` (the key's own, as listed, when the permissions stay: Deribit sets an omitted
    /// scope to `none`). Whatever Deribit cannot take is refused before anything is sent; the
    /// answer must show what was asked, or the error says what it shows instead.
    async fn update_key(
        &self,
        adapter: &VenueAdapter,
        target: KeyRef,
        change: &KeyChange,
    ) -> Result<()> {
        let scope = change.permissions.as_deref().map(max_scope).transpose()?;
        if let Some(label) = &change.label {
            check_name(label)?;
        }
        let whitelist = change.allowed_ips.as_ref().map(|ips| whitelist(ips));
        let listed = listed(
            adapter,
            &target,
            Operation::UpdateKey,
            "nothing was changed",
        )
        .await?;
        let scope = match scope {
            Some(scope) => scope,
            None => match listed.entry.get("max_scope").and_then(Value::as_str) {
                Some(own) => own.to_owned(),
                None => {
                    return Err(Error::decode(
                        format!(
                            "the key with client id `{}` is listed without its max_scope, which edit_api_key needs (an omitted scope becomes none): nothing was changed",
                            listed.client_id
                        ),
                        listed.context,
                    ))
                }
            },
        };
        let number = listed.number.to_string();
        let mut params = vec![("id", number.as_str()), ("max_scope", scope.as_str())];
        if let Some(label) = &change.label {
            params.push(("name", label));
        }
        if let Some(whitelist) = &whitelist {
            params.push(("ip_whitelist", whitelist));
        }
        let (edited, context) = challenge::call(adapter, &EDIT_KEY, Operation::UpdateKey, &params)
            .await
            .map_err(|error| needs_account_write(error, "edit_api_key"))?;
        let mut unshown = Vec::new();
        if let Some(label) = &change.label {
            let name = edited.get("name").and_then(Value::as_str);
            if name != Some(label.as_str()) {
                unshown.push(format!(
                    "the name `{label}` (it shows {})",
                    name.map_or("none".to_owned(), |name| format!("`{name}`"))
                ));
            }
        }
        if let Some(ips) = &change.allowed_ips {
            let wanted = IpRestriction::from_entries(ips.iter().map(String::as_str));
            let shown = venue::key_info_from(&Deribit, edited.clone(), "")
                .map(|info| info.ip_restriction)
                .unwrap_or(IpRestriction::NotReported);
            if !same_addresses(&shown, &wanted) {
                unshown.push(format!("the allowlist {}", ips.join(", ")));
            }
        }
        if change.permissions.is_some() {
            let shown = edited.get("max_scope").and_then(Value::as_str);
            if !shown.is_some_and(|shown| shows_scope(shown, &scope)) {
                unshown.push(format!("the scope `{scope}`"));
            }
        }
        if unshown.is_empty() {
            return Ok(());
        }
        Err(EDIT_KEY.unclear(
            ExchangeId::Deribit,
            format!(
                "Deribit's answer does not show {} on the key with client id `{}`: the edit may be applied in part; look at the key on deribit.com under Account > API (nothing was undone)",
                unshown.join(", nor "),
                listed.client_id,
            ),
            context,
        ))
    }

    /// `enable_api_key` or `disable_api_key` with the key's number. Disabling the key in use is
    /// left to the web interface: it would cut the adapter off, unable to enable it again.
    async fn set_key_enabled(
        &self,
        adapter: &VenueAdapter,
        target: KeyRef,
        enabled: bool,
    ) -> Result<()> {
        if target == KeyRef::Own && !enabled {
            return Err(adapter.unsupported(Operation::SetKeyEnabled));
        }
        let listed = listed(
            adapter,
            &target,
            Operation::SetKeyEnabled,
            "nothing was changed",
        )
        .await?;
        let (endpoint, call, state) = if enabled {
            (&ENABLE_KEY, "enable_api_key", "enabled")
        } else {
            (&DISABLE_KEY, "disable_api_key", "disabled")
        };
        let number = listed.number.to_string();
        let (answer, context) = challenge::call(
            adapter,
            endpoint,
            Operation::SetKeyEnabled,
            &[("id", &number)],
        )
        .await
        .map_err(|error| needs_account_write(error, call))?;
        if answer.get("enabled").and_then(Value::as_bool) == Some(enabled) {
            return Ok(());
        }
        Err(endpoint.unclear(
            ExchangeId::Deribit,
            format!(
                "Deribit's answer does not show the key with client id `{}` {state}: look at it on deribit.com under Account > API",
                listed.client_id,
            ),
            context,
        ))
    }

    /// `reset_api_key` with the key's number: Deribit answers with the key, its client id
    /// unchanged and a new `client_secret`; the old secret stops working at once. The new
    /// secret is the caller's: it is in no error.
    async fn reset_secret(
        &self,
        adapter: &VenueAdapter,
        target: KeyRef,
        _: RevokeConfirm,
    ) -> Result<NewKey> {
        let listed = listed(
            adapter,
            &target,
            Operation::ResetSecret,
            "nothing was reset",
        )
        .await?;
        let number = listed.number.to_string();
        let (answer, context) = challenge::call(
            adapter,
            &RESET_KEY,
            Operation::ResetSecret,
            &[("id", &number)],
        )
        .await
        .map_err(|error| needs_account_write(error, "reset_api_key"))?;
        let secret = answer
            .get("client_secret")
            .and_then(Value::as_str)
            .filter(|secret| !secret.is_empty());
        // The answer is about the key reset when it names it, by client id or number, as
        // listed; one naming neither is still the answer to the reset of that key. Its secret
        // is then the only one the key has: it is handed over, never dropped.
        let client_id = map::client_id_of(&answer);
        let number = answer.get("id").and_then(Value::as_u64);
        let same_key = client_id.is_none_or(|id| id == listed.client_id)
            && number.is_none_or(|number| number == listed.number);
        if let (Some(secret), true) = (secret, same_key) {
            return Ok(NewKey {
                exchange: ExchangeId::Deribit,
                api_key: listed.client_id.clone(),
                secret: SecretString::from(secret.to_owned()),
                passphrase: None,
            });
        }
        let mut error = RESET_KEY.unclear(
            ExchangeId::Deribit,
            format!(
                "Deribit's answer does not give the new secret of the key with client id `{}`: its old secret may no longer work; reset it again on deribit.com under Account > API",
                listed.client_id,
            ),
            context,
        );
        Scrubber::new(secret).error(&mut error);
        Err(error)
    }

    #[cfg(feature = "testkit")]
    fn simulation(&self) -> crate::exchanges::simulation::Simulation {
        simulate::simulation()
    }
}

/// What `create_api_key` answers that this crate keeps.
#[derive(Deserialize)]
struct Created {
    client_id: String,
    client_secret: String,
}

/// A key as the account lists it.
struct Listed {
    /// The number Deribit's management calls take (`id`).
    number: u64,
    client_id: String,
    /// Its entry in the list, as received.
    entry: Value,
    /// The list's answer.
    context: ErrorContext,
}

/// Finds `target` in the account's list: the key in use by this adapter's client id, another
/// key by its client id, exactly. Refused (`untouched` says what was not done) when the list
/// holds it twice, or when another key has the number of the key in use.
async fn listed(
    adapter: &VenueAdapter,
    target: &KeyRef,
    operation: Operation,
    untouched: &str,
) -> Result<Listed> {
    let (own, client_id) = match target {
        KeyRef::Other { key_id, .. } => (false, key_id.as_str()),
        _ => (true, adapter.api_key()),
    };
    let (payload, context) = challenge::call(adapter, &LIST_KEYS, operation, &[]).await?;
    let Some(entries) = payload.as_array() else {
        return Err(Error::decode(
            format!("`result` is not a list of API keys: {untouched}"),
            context,
        ));
    };
    let refused = |why: String| Err(Error::config(ExchangeId::Deribit, why));
    let mut found = entries
        .iter()
        .filter(|entry| map::client_id_of(entry) == Some(client_id));
    let entry = match (found.next(), found.next()) {
        (Some(entry), None) => entry,
        (None, _) => {
            return refused(format!(
                "the account lists no key with client id `{client_id}`: {untouched}"
            ))
        }
        (Some(_), Some(_)) => {
            return refused(format!(
                "the account lists client id `{client_id}` more than once: {untouched}"
            ))
        }
    };
    let number_of = |entry: &Value| entry.get("id").and_then(Value::as_u64);
    let Some(number) = number_of(entry) else {
        return Err(Error::decode(
            format!(
                "the key with client id `{client_id}` is listed without its number: {untouched}"
            ),
            context,
        ));
    };
    let in_use = entries
        .iter()
        .filter(|entry| map::client_id_of(entry) == Some(adapter.api_key()))
        .any(|entry| number_of(entry) == Some(number));
    if !own && in_use {
        return refused(format!(
            "the key with client id `{client_id}` has the number of the key in use: {untouched}"
        ));
    }
    Ok(Listed {
        number,
        client_id: client_id.to_owned(),
        entry: entry.clone(),
        context,
    })
}

/// `remove_api_key` for key `number`. Only the documented `"ok"` is success; any other answer
/// leaves the outcome unknown.
async fn remove(adapter: &VenueAdapter, number: u64, operation: Operation) -> Result<()> {
    let number = number.to_string();
    let (answer, context) =
        challenge::call(adapter, &REMOVE_KEY, operation, &[("id", &number)]).await?;
    if answer.as_str() == Some("ok") {
        return Ok(());
    }
    Err(REMOVE_KEY.unclear(
        ExchangeId::Deribit,
        "the answer is not the documented \"ok\"",
        context,
    ))
}

/// The `ip_whitelist` parameter: the addresses as a JSON array, as Deribit's documented GET
/// examples send arrays.
fn whitelist(ips: &[String]) -> String {
    serde_json::to_string(ips).unwrap_or_default()
}

/// `edit_api_key` binding key `number` to the spec's addresses; `Ok` only if Deribit's answer
/// shows exactly those addresses.
async fn bind(adapter: &VenueAdapter, number: u64, scope: &str, spec: &NewKeySpec) -> Result<()> {
    let wanted = IpRestriction::from_entries(spec.allowed_ips.iter().map(String::as_str));
    let number = number.to_string();
    let whitelist = whitelist(&spec.allowed_ips);
    let params = [
        ("id", number.as_str()),
        ("max_scope", scope),
        ("ip_whitelist", whitelist.as_str()),
    ];
    let (edited, context) = challenge::call(adapter, &EDIT_KEY, Operation::CreateKey, &params)
        .await
        .map_err(|error| needs_account_write(error, "edit_api_key"))?;
    let shown = venue::key_info_from(&Deribit, edited, "")
        .map(|info| info.ip_restriction)
        .unwrap_or(IpRestriction::NotReported);
    if same_addresses(&shown, &wanted) {
        return Ok(());
    }
    Err(Error::Rejected {
        context: Box::new(ErrorContext {
            message: Some(format!(
                "Deribit's answer does not show the new key bound to exactly {}",
                spec.allowed_ips.join(", ")
            )),
            ..context
        }),
    })
}

/// A key created but not bound to its addresses is removed before the error is returned. The
/// error says what became of it: removed, still there, or unknown.
async fn unbound_key_removed(adapter: &VenueAdapter, number: u64, cause: Error) -> Error {
    let removal = remove(adapter, number, Operation::CreateKey).await;
    DiscardedKey {
        exchange: ExchangeId::Deribit,
        key: &format!("the new key (number {number}), not bound to its addresses,"),
        words: ("removed", "removing"),
        by_hand: "remove it on deribit.com under Account > API",
    }
    .error(cause, removal)
}

/// Whether a key's `max_scope` as shown gives every area of `sent` the level sent; an area the
/// answer leaves out is `none` ("if scope is not provided, its value is set as none").
fn shows_scope(shown: &str, sent: &str) -> bool {
    let level_in = |text: &str, area: &str| {
        text.split_whitespace()
            .filter_map(|token| token.split_once(':'))
            .find(|(named, _)| named.eq_ignore_ascii_case(area))
            .map_or_else(
                || "none".to_owned(),
                |(_, level)| level.to_ascii_lowercase(),
            )
    };
    sent.split_whitespace()
        .filter_map(|token| token.split_once(':'))
        .all(|(area, level)| level_in(shown, area) == level.to_ascii_lowercase())
}

/// Adds what a management call needs to a permission refusal.
fn needs_account_write(mut error: Error, call: &str) -> Error {
    if error.auth_reason() == Some(AuthReason::PermissionDenied) {
        error.add_to_message(&format!(
            "{call} needs a key with the account:read_write scope"
        ));
    }
    error
}

/// The `max_scope` that grants `permissions` and nothing Deribit can withhold: every area is
/// named, at `none` unless asked for.
fn max_scope(permissions: &[Permission]) -> Result<String> {
    let mut account = "none";
    let mut trade = "none";
    let mut wallet = "none";
    for permission in permissions {
        match permission {
            Permission::Read => {
                for area in [&mut account, &mut trade, &mut wallet] {
                    if *area == "none" {
                        *area = "read";
                    }
                }
            }
            Permission::SpotTrade
            | Permission::MarginTrade
            | Permission::FuturesTrade
            | Permission::OptionsTrade => trade = "read_write",
            Permission::Withdraw
            | Permission::InternalTransfer
            | Permission::UniversalTransfer
            | Permission::Payment => wallet = "read_write",
            Permission::SubAccountManagement | Permission::KeyManagement => account = "read_write",
            other => {
                return Err(Error::config(
                    ExchangeId::Deribit,
                    format!("Deribit has no scope granting `{other}`"),
                ))
            }
        }
    }
    Ok(format!(
        "account:{account} trade:{trade} wallet:{wallet} block_trade:none"
    ))
}

/// Deribit's rule for key names: letters, digits and underscores, at most 16.
fn check_name(name: &str) -> Result<()> {
    let fits = name.len() <= 16 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if fits {
        Ok(())
    } else {
        Err(Error::config(
            ExchangeId::Deribit,
            "a Deribit key name has only letters, digits and underscores, at most 16",
        ))
    }
}

fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

const ERRORS: &str = "https://docs.deribit.com/articles/errors (complete RPC error codes table)";
const SECURITY_KEYS: &str = "https://docs.deribit.com/articles/security-keys";
const CCXT: &str = "ccxt 4.5.90 deribit.py exceptions (from Deribit's older docs)";

/// Deribit's JSON-RPC error codes, and the security-key challenge. Deribit documents no code
/// of its own for a caller outside a key's allowlist.
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode::code("10000", ErrorClass::Auth(AuthReason::Ambiguous), "authorization_required: Authorization issue, invalid or absent signature etc.", ERRORS),
    ErrorCode::code("10028", ErrorClass::RateLimited, "too_many_requests: Allowed request rate has been exceeded.", ERRORS),
    ErrorCode::code("10040", ErrorClass::Unavailable, "retry: Request can't be processed right now and should be retried.", ERRORS),
    ErrorCode::code("11029", ErrorClass::Rejected, "invalid_arguments: Some invalid input has been detected.", ERRORS),
    ErrorCode::code("11050", ErrorClass::Rejected, "bad_request: Request has not been parsed properly.", ERRORS),
    ErrorCode::code("12000", ErrorClass::Auth(AuthReason::SecondFactorRequired), "bad_tfa: Wrong TFA code", CCXT),
    ErrorCode::code("12998", ErrorClass::RateLimited, "security_key_authorization_over_limit: Too many failed security key authorizations. The client should wait for `wait` seconds to try again.", ERRORS),
    ErrorCode::code("12999", ErrorClass::Auth(AuthReason::SecondFactorRequired), "tfa_used: TFA code is correct but it is already used. Please, use next code.", CCXT),
    ErrorCode::code("13003", ErrorClass::Auth(AuthReason::SecondFactorRequired), "tfa_required: This action requires TFA authentication.", CCXT),
    ErrorCode::code("13004", ErrorClass::Auth(AuthReason::InvalidKey), "invalid_credentials: Invalid credentials have been used.", ERRORS),
    ErrorCode::code("13007", ErrorClass::Auth(AuthReason::InvalidKey), "user_not_found: User's security code has been changed or wrong.", ERRORS),
    ErrorCode::code("13009", ErrorClass::Auth(AuthReason::Ambiguous), "unauthorized: Wrong or expired authorization token or bad signature.", ERRORS),
    ErrorCode::code("13021", ErrorClass::Auth(AuthReason::PermissionDenied), "forbidden: Not enough permissions to execute the request, forbidden.", ERRORS),
    ErrorCode::code("13025", ErrorClass::Unavailable, "method_switched_off_by_admin: API method temporarily switched off by the administrator.", ERRORS),
    ErrorCode::code("13403", ErrorClass::Auth(AuthReason::PermissionDenied), "scope_exceeded: the calling key's scope is below that of the key it tries to create, edit or delete", ERRORS),
    ErrorCode::code("13668", ErrorClass::Auth(AuthReason::SecondFactorRequired), "security_key_authorization_error: the one-time code or the challenge was refused (data.reason: tfa_code_not_matched, used_tfa_code, challenge_timeout, tfa_code_is_required)", SECURITY_KEYS),
    ErrorCode::code("13777", ErrorClass::Rejected, "replaced: Edit request was replaced by other one.", ERRORS),
    ErrorCode::code("-32000", ErrorClass::Rejected, "Missing params", ERRORS),
    ErrorCode::code("-32601", ErrorClass::Rejected, "Method not found", ERRORS),
    ErrorCode::code("-32602", ErrorClass::Rejected, "Invalid params", ERRORS),
    ErrorCode::code(SECOND_FACTOR, ErrorClass::Auth(AuthReason::SecondFactorRequired), "security_key_authorization_required: a successful answer asking for the account's second factor (a TOTP code) before the call is carried out", SECURITY_KEYS),
];

/// Maps one entry of Deribit's `list_api_keys` result (or a list holding only it) to a
/// [`KeyInfo`], without any I/O. `client_secret` is scrubbed from `raw`.
pub fn map_key_info(entry: &Value) -> Result<KeyInfo> {
    venue::map_offline(&Deribit, entry)
}

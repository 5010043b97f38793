//! What an exchange folder provides ([`Venue`]): its conventions (how it signs and answers, for
//! the shared [`Pipeline`]), its facts (hosts, capabilities, calls, manual steps), its pure
//! mapping, and the management calls its API offers. One [`VenueAdapter`], not generic, drives
//! any of them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use super::{AdapterBuilder, Environment, ExchangeId, SignedRequest, UnsignedRequest};
use crate::adapter::{
    Capabilities, KeyAdapter, KeyChange, KeyRef, NewKey, NewKeySpec, Operation, RevokeAllConfirm,
    RevokeConfirm, Revoked, RevokedAll, SecondFactor,
};
use crate::clock::{CorrectedClock, SystemClock};
use crate::credentials::Credentials;
use crate::error::{AuthReason, Error, ErrorContext, Result};
use crate::model::{IpEntry, IpRestriction, KeyInfo};
use crate::transport::pipeline::{interpret, Conventions, Endpoint, Pipeline};
use crate::transport::scrub::Scrubber;
use crate::transport::signing::SigningKey;
use crate::transport::{self, Answer, HttpTransport, Limiter, RateLimit, Request};

/// One exchange, as its folder states it. Implemented by a unit type in each exchange folder
/// and registered once in `exchanges/mod.rs`.
#[async_trait]
pub(crate) trait Venue: Conventions {
    /// The environment `.testnet(true)` selects.
    fn sandbox(&self) -> Environment;

    /// The default client-side rate limit, shared by every adapter of the process for this
    /// exchange.
    fn rate_limit(&self) -> RateLimit;

    /// What the adapter supports in `environment`; static, no I/O.
    fn capabilities(&self, environment: Environment) -> Capabilities;

    /// The base URL of `environment`, or `None` where the exchange has no such environment.
    fn base_url(&self, environment: Environment) -> Option<&'static str>;

    /// Checks the credentials and prepares what the adapter signs with. The default takes the
    /// secret's bytes as an HMAC key; a venue refuses what it cannot use (a missing
    /// passphrase, a secret that is not base64) here, at build time.
    fn prepare(&self, credentials: &Credentials) -> Result<SigningKey> {
        SigningKey::hmac_from(credentials)
    }

    /// The key-information call.
    fn key_info_endpoint(&self) -> Endpoint;

    /// The query and body of the key-information call.
    fn key_info_request(&self) -> (String, String) {
        (String::new(), String::new())
    }

    /// Sends the key-information call and returns its payload. The default sends
    /// `key_info_endpoint` with `key_info_request`; a venue that must first learn something
    /// about the caller (HTX's key query takes the account's uid) overrides it.
    async fn fetch_key_info(&self, adapter: &VenueAdapter) -> Result<(Value, ErrorContext)> {
        let (query, body) = self.key_info_request();
        adapter.call(&self.key_info_endpoint(), query, body).await
    }

    /// Why key inspection cannot work in `environment`, if it cannot (Binance's testnet).
    fn key_info_unavailable(&self, environment: Environment) -> Option<&'static str> {
        let _ = environment;
        None
    }

    /// The key in use's part of the key-information payload, where the exchange answers with
    /// several keys (Deribit lists them all); `Err` says why it is not there. The default keeps
    /// the payload whole. What this returns is the evidence.
    fn own_entry(&self, payload: Value, api_key: &str) -> std::result::Result<Value, String> {
        let _ = api_key;
        Ok(payload)
    }

    /// Secrets of other keys the exchange sends in a key-information answer (Deribit lists every
    /// key with its `client_secret`): scrubbed wherever else they are echoed, as the adapter's
    /// own secrets are. The default finds none.
    fn echoed_secrets<'a>(&self, payload: &'a Value) -> Vec<&'a str> {
        let _ = payload;
        Vec::new()
    }

    /// Maps the key-information payload, for the key whose public id is `api_key`, to a
    /// [`KeyInfo`]; `Err` says why the payload is not key information at all. Pure.
    fn map_key_info(&self, payload: &Value, api_key: &str) -> std::result::Result<KeyInfo, String>;

    /// What a person does by hand when `operation` is not available through this adapter.
    fn manual_step(&self, operation: Operation) -> Option<&'static str>;

    /// Whether revoking another key through the API needs that key's own passphrase
    /// ([`KeyRef::with_passphrase`]): KuCoin deletes a sub-account key only with it.
    fn revoke_needs_key_passphrase(&self) -> bool {
        false
    }

    /// Revokes a key through the API, where the exchange allows it. Called only for what the
    /// capabilities allow: `target` is [`KeyRef::Own`] only if `revoke_own` is available (the
    /// adapter then cuts itself off), another key only if `revoke` is.
    async fn revoke(
        &self,
        adapter: &VenueAdapter,
        target: KeyRef,
        confirm: RevokeConfirm,
    ) -> Result<Revoked> {
        let _ = confirm;
        Err(adapter.unsupported(match target {
            KeyRef::Own => Operation::RevokeOwn,
            _ => Operation::Revoke,
        }))
    }

    /// Creates a key through the API, where the exchange allows it.
    async fn create_key(&self, adapter: &VenueAdapter, spec: &NewKeySpec) -> Result<NewKey> {
        let _ = spec;
        Err(adapter.unsupported(Operation::CreateKey))
    }

    /// Lists the keys the adapter's key can see, where the exchange allows it.
    async fn list_keys(&self, adapter: &VenueAdapter) -> Result<Vec<KeyInfo>> {
        Err(adapter.unsupported(Operation::ListKeys))
    }

    /// Changes a key, where the exchange allows it. `change` is not empty and its allowlist,
    /// if any, has been checked.
    async fn update_key(
        &self,
        adapter: &VenueAdapter,
        target: KeyRef,
        change: &KeyChange,
    ) -> Result<()> {
        let _ = (target, change);
        Err(adapter.unsupported(Operation::UpdateKey))
    }

    /// Disables or enables a key, where the exchange allows it.
    async fn set_key_enabled(
        &self,
        adapter: &VenueAdapter,
        target: KeyRef,
        enabled: bool,
    ) -> Result<()> {
        let _ = (target, enabled);
        Err(adapter.unsupported(Operation::SetKeyEnabled))
    }

    /// Gives a key a new secret, where the exchange allows it.
    async fn reset_secret(
        &self,
        adapter: &VenueAdapter,
        target: KeyRef,
        confirm: RevokeConfirm,
    ) -> Result<NewKey> {
        let _ = (target, confirm);
        Err(adapter.unsupported(Operation::ResetSecret))
    }

    /// Revokes every key of every account at once, where the exchange has such a kill switch.
    async fn revoke_all(
        &self,
        adapter: &VenueAdapter,
        confirm: RevokeAllConfirm,
    ) -> Result<RevokedAll> {
        let _ = confirm;
        Err(adapter.unsupported(Operation::RevokeAll))
    }

    /// How the testkit simulates this exchange.
    #[cfg(feature = "testkit")]
    fn simulation(&self) -> super::simulation::Simulation;
}

/// A new key must be bound to addresses, and to addresses only: an unrestricted key is the
/// risk this crate exists to find, so an empty list, a wildcard or a `/0` network is refused
/// before anything is sent.
fn check_allowed_ips(exchange: ExchangeId, allowed_ips: &[String]) -> Result<()> {
    let why = match IpRestriction::from_entries(allowed_ips.iter().map(String::as_str)) {
        _ if allowed_ips.is_empty() => "a key needs the addresses it may be called from (NewKeySpec::allowed_ips, KeyChange::allowed_ips)",
        IpRestriction::AllowList(entries)
            if entries.iter().all(|entry| matches!(entry, IpEntry::Net(_))) =>
        {
            return Ok(())
        }
        IpRestriction::Unrestricted | IpRestriction::AllowList(_) => {
            "the allowed addresses of a key must be addresses or networks, not a wildcard or a network covering every address"
        }
        _ => "an allowed address of the new key is not an IP address or network",
    };
    Err(Error::config(exchange, why))
}

/// The addresses a new key or a change names, one entry each (an entry may itself be a comma
/// list), refused when there are more than the exchange binds to a key (`limit`, with `note`,
/// such as the exchange's code, after it). Nothing is sent when this fails.
#[cfg_attr(
    not(any(
        feature = "okx",
        feature = "htx",
        feature = "kucoin",
        feature = "mexc",
        feature = "bingx",
        feature = "bitget"
    )),
    allow(dead_code)
)]
pub(crate) fn bounded_addresses<'a>(
    exchange: ExchangeId,
    ips: &'a [String],
    limit: usize,
    note: &str,
) -> Result<Vec<&'a str>> {
    let entries: Vec<&str> = ips
        .iter()
        .flat_map(|entry| entry.split(','))
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .collect();
    if entries.len() > limit {
        return Err(Error::config(
            exchange,
            format!(
                "{} binds at most {limit} addresses to a key{note}; {} given: nothing was sent",
                exchange.display_name(),
                entries.len()
            ),
        ));
    }
    Ok(entries)
}

/// Whether a listing names `key` (by its public id).
#[cfg_attr(
    not(any(
        feature = "okx",
        feature = "htx",
        feature = "kucoin",
        feature = "mexc",
        feature = "gate"
    )),
    allow(dead_code)
)]
pub(crate) fn lists_key(listed: &[KeyInfo], key: &str) -> bool {
    listed
        .iter()
        .any(|info| info.key_id.known().map(|id| id.trim()) == Some(key))
}

/// The one sub-account (`holders`: those whose listing names `key`) a key was named without:
/// none or several is a configuration error asking the caller to name it, with `hint` (what the
/// exchange manages, and how to name the sub-account) and `nothing` (what was not done).
#[cfg_attr(
    not(any(
        feature = "okx",
        feature = "htx",
        feature = "kucoin",
        feature = "mexc",
        feature = "gate",
        feature = "bingx"
    )),
    allow(dead_code)
)]
pub(crate) fn the_one_holder(
    exchange: ExchangeId,
    holders: Vec<String>,
    key: &str,
    hint: &str,
    nothing: &str,
) -> Result<String> {
    match holders.as_slice() {
        [holder] => Ok(holder.clone()),
        [] => Err(Error::config(
            exchange,
            format!("no sub-account this key manages lists key `{key}` ({hint}): {nothing}"),
        )),
        several => Err(Error::config(
            exchange,
            format!(
                "sub-accounts {} all list key `{key}`: name the one meant (KeyRef::sub_account_key); {nothing}",
                several.join(", ")
            ),
        )),
    }
}

/// Whether `shown` is an allowlist of exactly the entries of `wanted`: each holds every entry
/// of the other. A new or changed key is handed over only when the exchange shows this.
pub(crate) fn same_addresses(shown: &IpRestriction, wanted: &IpRestriction) -> bool {
    match (shown, wanted) {
        (IpRestriction::AllowList(shown), IpRestriction::AllowList(wanted)) => {
            wanted.iter().all(|entry| shown.contains(entry))
                && shown.iter().all(|entry| wanted.contains(entry))
        }
        _ => false,
    }
}

/// Whether the allowlist `shown` is *consistent with* exactly the addresses `wanted`, where the
/// exchange masks what it shows (KuCoin: `203.**.154`). Never a proof of equality: a mask hides
/// digits, so two lists that differ there look alike. The rule, strict so that an ambiguous
/// answer is refused rather than guessed at:
/// - both are allowlists of the same number of entries;
/// - each shown entry is consistent with exactly one wanted entry, and no two shown entries
///   with the same one (none is left over);
/// - an address or network is consistent only with the same address or network; a masked
///   pattern with the one address or network whose text it matches, each `*` standing for any
///   run of characters, and only if it shows a digit of the address (`*.*.*.*/24` shows none);
///   two masked patterns with each other only when they read the same.
///
/// Without masked entries this is [`same_addresses`] with counts: the comparison every
/// exchange with masked lists inherits, for a new key's hand-over and a rotation's check.
pub(crate) fn consistent_addresses(shown: &IpRestriction, wanted: &IpRestriction) -> bool {
    let (IpRestriction::AllowList(shown), IpRestriction::AllowList(wanted)) = (shown, wanted)
    else {
        return false;
    };
    if shown.len() != wanted.len() {
        return false;
    }
    let mut taken = vec![false; wanted.len()];
    for entry in shown {
        let mut matching = wanted
            .iter()
            .enumerate()
            .filter(|(_, candidate)| entries_consistent(entry, candidate));
        match (matching.next(), matching.next()) {
            (Some((at, _)), None) if !taken[at] => taken[at] = true,
            _ => return false,
        }
    }
    taken.iter().all(|&t| t)
}

/// Whether one shown entry may be the wanted one (see [`consistent_addresses`]).
fn entries_consistent(shown: &IpEntry, wanted: &IpEntry) -> bool {
    match (shown, wanted) {
        (IpEntry::Net(a), IpEntry::Net(b)) => a == b,
        (IpEntry::Pattern(mask), IpEntry::Net(_)) | (IpEntry::Net(_), IpEntry::Pattern(mask)) => {
            let address = match (shown, wanted) {
                (IpEntry::Net(_), _) => shown.to_string(),
                _ => wanted.to_string(),
            };
            reveals_a_digit(mask) && mask_matches(mask.trim(), &address)
        }
        (IpEntry::Pattern(a), IpEntry::Pattern(b)) => a.trim().eq_ignore_ascii_case(b.trim()),
    }
}

/// Whether a mask shows any digit of its address (the part before a `/`): `*.*.*.*/24` or
/// `*:*::*` matches every address of its shape, so it shows nothing of the one the key is
/// bound to and is no evidence of it.
fn reveals_a_digit(mask: &str) -> bool {
    let address = mask.split('/').next().unwrap_or_default();
    address.chars().any(|c| c.is_ascii_hexdigit())
}

/// Whether `text` reads as `mask` with each run of `*` replaced by some (possibly empty) run of
/// characters; letters compare without case (IPv6 hex digits).
fn mask_matches(mask: &str, text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    let mask = mask.to_ascii_lowercase();
    let parts: Vec<&str> = mask.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return mask == text;
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for part in middle.iter().filter(|part| !part.is_empty()) {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// A new key that could not be handed over (not bound as asked, an unreadable answer) and was
/// then deleted, or not: the error says which, so the caller knows whether a key is left.
pub(crate) struct DiscardedKey<'a> {
    /// The exchange.
    pub(crate) exchange: ExchangeId,
    /// The key, as the message names it: "the new key `X` of sub-account `Y`".
    pub(crate) key: &'a str,
    /// The exchange's word for it: ("deleted", "deleting") or ("removed", "removing").
    pub(crate) words: (&'a str, &'a str),
    /// Where to delete it by hand: "delete it on okx.com under Sub-accounts > API keys".
    pub(crate) by_hand: &'a str,
}

impl DiscardedKey<'_> {
    /// The error for `cause`, given what the deletion gave.
    pub(crate) fn error(&self, cause: Error, deletion: Result<()>) -> Error {
        let DiscardedKey {
            exchange,
            key,
            words: (done, doing),
            by_hand,
        } = *self;
        match deletion {
            Ok(()) => Error::Rejected {
                context: Box::new(ErrorContext {
                    message: Some(format!(
                        "{key} could not be handed over and was {done}: no key was created ({cause})"
                    )),
                    ..cause
                        .context()
                        .cloned()
                        .unwrap_or_else(|| ErrorContext::new(exchange))
                }),
            },
            // The key may still be there: the caller must look.
            Err(failed) if failed.is_outcome_unknown() => Error::OutcomeUnknown {
                exchange,
                call: format!(
                    "{doing} {key}, which could not be handed over ({cause}; if it is still listed, {by_hand}),"
                ),
                source: Box::new(failed),
            },
            Err(failed) => Error::Rejected {
                context: Box::new(ErrorContext {
                    message: Some(format!(
                        "{key} is on the account but could not be handed over ({cause}), and {doing} it failed ({failed}): {by_hand}"
                    )),
                    ..ErrorContext::new(exchange)
                }),
            },
        }
    }
}

/// Maps a key-information payload as received and attaches it as the evidence. The caller
/// scrubs the outcome, once: map first, scrub after, so a secret equal to a vendor word never
/// changes a right.
pub(crate) fn key_info_from(
    venue: &dyn Venue,
    payload: Value,
    api_key: &str,
) -> std::result::Result<KeyInfo, String> {
    mapped_key_info(venue, payload, api_key, true)
}

/// [`key_info_from`], leaving out the walk over the evidence when the answer echoes no other
/// key's secret and `redact_named_fields` is off: for a caller that scrubs the outcome at once
/// with [`Scrubber::fresh_key_info`], whose walk redacts the same secret-named fields. One walk
/// over the answer instead of two, on every `key_info`.
fn mapped_key_info(
    venue: &dyn Venue,
    payload: Value,
    api_key: &str,
    redact_named_fields: bool,
) -> std::result::Result<KeyInfo, String> {
    let others = Scrubber::new(venue.echoed_secrets(&payload));
    let payload = venue.own_entry(payload, api_key)?;
    let mut info = venue.map_key_info(&payload, api_key)?;
    info.raw = payload;
    // Mapped first: a secret equal to a vendor word changes no right.
    if redact_named_fields || others.knows_secrets() {
        others.key_info(&mut info);
    }
    Ok(info)
}

/// Reads a whole key-information answer (status and body) offline, as the adapter would after
/// receiving it, for [`ExchangeId::key_info_from_answer`].
pub(crate) fn read_answer(
    venue: &'static dyn Venue,
    status: u16,
    body: &[u8],
    credentials: Option<&Credentials>,
) -> Result<KeyInfo> {
    let scrubber = match credentials {
        Some(credentials) => Scrubber::new(credentials.secret_values()),
        None => Scrubber::without_secrets(),
    };
    let answer = Answer {
        status,
        content_type: None,
        retry_after: None,
        request_id: None,
        body: body.to_vec(),
    };
    let context = ErrorContext {
        exchange: Some(venue.exchange()),
        endpoint: Some(venue.key_info_endpoint().describe()),
        http_status: Some(status),
        attempts: 1,
        ..Default::default()
    };
    let api_key = credentials.map_or("", Credentials::api_key);
    let outcome = interpret(venue, &answer, &context).and_then(|payload| {
        key_info_from(venue, payload, api_key).map_err(|what| Error::decode(what, context))
    });
    scrubber.outcome(outcome)
}

/// Maps a key-information payload offline, for the public `map_key_info` of each exchange
/// folder.
pub(crate) fn map_offline(venue: &'static dyn Venue, payload: &Value) -> Result<KeyInfo> {
    let outcome = key_info_from(venue, payload.clone(), "")
        .map_err(|what| Error::decode(what, ErrorContext::new(venue.exchange())));
    Scrubber::without_secrets().outcome(outcome)
}

/// Signs `request` with a key `venue` has prepared, as the venue's adapter does, for
/// [`ExchangeId::sign_request`] and [`super::RequestSigner`].
pub(crate) fn sign_detached(
    venue: &'static dyn Venue,
    key: &SigningKey,
    environment: Environment,
    request: &UnsignedRequest<'_>,
    timestamp_ms: i64,
) -> Result<SignedRequest> {
    let method = reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|_| {
        Error::config(
            venue.exchange(),
            format!("`{}` is not an HTTP method", request.method),
        )
    })?;
    let mut signed = Request {
        method,
        path: request.path.to_owned().into(),
        // Room for the signature parameters most venues append, and for every venue's headers:
        // growing them step by step costs more than the signing's own formatting.
        query: with_room(request.query, SIGNATURE_ROOM),
        body: request.body.to_owned(),
        headers: Vec::with_capacity(8),
    };
    venue.sign(
        &mut signed,
        key,
        environment.resolve(venue.sandbox()),
        timestamp_ms,
    )?;
    Ok(SignedRequest {
        query: signed.query,
        headers: signed.headers,
        body: signed.body,
    })
}

/// Bytes a signed query may add: a timestamp, a receive window and a hex HMAC-SHA256.
const SIGNATURE_ROOM: usize = 128;

fn with_room(text: &str, room: usize) -> String {
    let mut owned = String::with_capacity(text.len() + room);
    owned.push_str(text);
    owned
}

/// The adapter for any [`Venue`]: the venue's facts and calls, over one [`Pipeline`].
pub(crate) struct VenueAdapter {
    pub(crate) venue: &'static dyn Venue,
    pub(crate) pipeline: Pipeline,
    /// Set once this adapter has revoked its own key: every later call is refused at once.
    own_key_revoked: AtomicBool,
    /// Answers second-factor challenges, when the caller gave one.
    // Read by the venues whose calls are challenged (Deribit): a build without them has no reader.
    #[cfg_attr(not(feature = "deribit"), allow(dead_code))]
    pub(crate) second_factor: Option<Arc<dyn SecondFactor>>,
}

impl std::fmt::Debug for VenueAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.pipeline.fmt(f)
    }
}

impl VenueAdapter {
    pub(crate) fn build(
        venue: &'static dyn Venue,
        builder: AdapterBuilder,
    ) -> Result<Arc<dyn KeyAdapter>> {
        let id = venue.exchange();
        let environment = builder.environment.resolve(venue.sandbox());
        let credentials = builder.credentials.ok_or_else(|| {
            Error::config(
                id,
                format!(
                    "no credentials: call .credentials(..) or set {}_API_KEY and {}_API_SECRET",
                    id.env_prefix(),
                    id.env_prefix()
                ),
            )
        })?;
        let key = venue.prepare(&credentials)?;
        let base_url = match builder.base_url {
            Some(url) => url,
            None => venue
                .base_url(environment)
                .ok_or_else(|| Error::config(id, format!("{id} has no {environment} environment")))?
                .to_owned(),
        };
        let base_url = transport::validate_base_url(id, &base_url)?;
        let client = match builder.http_client {
            Some(client) => client,
            None => transport::http_client()?,
        };
        let clock = builder.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let limiter = builder
            .rate_limit
            .unwrap_or(Some(venue.rate_limit()))
            .map(|limit| Limiter::shared(id.as_str(), limit));
        let pipeline = Pipeline {
            conventions: venue,
            scrubber: Scrubber::new(credentials.secret_values()),
            key,
            environment,
            http: HttpTransport::new(
                id,
                client,
                &base_url,
                builder.timeout,
                venue.request_id_headers(),
            ),
            clock: CorrectedClock::new(clock),
            retry: builder.retry,
            limiter,
        };
        Ok(Arc::new(VenueAdapter {
            venue,
            pipeline,
            own_key_revoked: AtomicBool::new(false),
            second_factor: builder.second_factor,
        }))
    }

    /// The public id of the key this adapter signs with.
    pub(crate) fn api_key(&self) -> &str {
        self.pipeline.key.api_key()
    }

    /// Calls `endpoint` through the pipeline, unless this adapter's key is already revoked.
    pub(crate) async fn call(
        &self,
        endpoint: &Endpoint,
        query: String,
        body: String,
    ) -> Result<(Value, ErrorContext)> {
        self.call_as(self.venue, endpoint, query, body).await
    }

    /// [`VenueAdapter::call`], with the answer read by `conventions` rather than the venue's
    /// own ([`Pipeline::call_as`]).
    pub(crate) async fn call_as(
        &self,
        conventions: &dyn Conventions,
        endpoint: &Endpoint,
        query: String,
        body: String,
    ) -> Result<(Value, ErrorContext)> {
        self.refuse_once_revoked(endpoint)?;
        self.pipeline
            .call_as(conventions, endpoint, query, body)
            .await
    }

    /// [`VenueAdapter::call`] at `path`, a path carrying the call's parameters
    /// ([`Pipeline::call_at`]).
    // Used by the venues whose paths carry parameters (Gate): a build without them has none.
    #[cfg_attr(not(feature = "gate"), allow(dead_code))]
    pub(crate) async fn call_at(
        &self,
        endpoint: &Endpoint,
        path: String,
        query: String,
        body: String,
    ) -> Result<(Value, ErrorContext)> {
        self.refuse_once_revoked(endpoint)?;
        self.pipeline
            .call_at(self.venue, endpoint, path, query, body)
            .await
    }

    fn refuse_once_revoked(&self, endpoint: &Endpoint) -> Result<()> {
        if self.own_key_revoked.load(Ordering::SeqCst) {
            return Err(Error::AuthRejected {
                reason: AuthReason::InvalidKey,
                context: Box::new(ErrorContext {
                    exchange: Some(self.venue.exchange()),
                    endpoint: Some(endpoint.describe()),
                    message: Some("this adapter revoked its own key; nothing was sent".to_owned()),
                    ..Default::default()
                }),
            });
        }
        Ok(())
    }

    /// Records that this adapter's own key is gone.
    pub(crate) fn own_key_revoked(&self) {
        self.own_key_revoked.store(true, Ordering::SeqCst);
    }

    /// Scrubs an outcome built from this adapter's answers.
    pub(crate) fn scrubbed<T: crate::transport::scrub::Scrub>(
        &self,
        outcome: Result<T>,
    ) -> Result<T> {
        self.pipeline.scrubbed(outcome)
    }
}

#[async_trait]
impl KeyAdapter for VenueAdapter {
    fn exchange(&self) -> ExchangeId {
        self.venue.exchange()
    }

    fn capabilities(&self) -> Capabilities {
        self.venue.capabilities(self.pipeline.environment)
    }

    fn manual_step(&self, operation: Operation) -> String {
        self.venue.exchange().manual_step(operation).to_owned()
    }

    async fn key_info(&self) -> Result<KeyInfo> {
        if let Some(why) = self.venue.key_info_unavailable(self.pipeline.environment) {
            return Err(Error::Unsupported {
                exchange: self.venue.exchange(),
                operation: Operation::KeyInfo,
                manual_step: why.to_owned(),
            });
        }
        // An exchange whose API describes no key (Bitstamp) is never sent a request for it.
        if !self.capabilities().key_info.is_available() {
            return Err(self.unsupported(Operation::KeyInfo));
        }
        let outcome = match self.venue.fetch_key_info(self).await {
            Ok((payload, context)) => mapped_key_info(self.venue, payload, self.api_key(), false)
                .map_err(|what| Error::decode(what, context)),
            Err(error) => Err(error),
        };
        match outcome {
            // The evidence has not been walked for secret-named fields: this walk does both.
            Ok(mut info) => {
                self.pipeline.scrubber.fresh_key_info(&mut info);
                Ok(info)
            }
            Err(error) => self.scrubbed(Err(error)),
        }
    }

    async fn revoke(&self, target: KeyRef, confirm: RevokeConfirm) -> Result<Revoked> {
        if let KeyRef::Other { key_id, .. } = &target {
            if key_id.trim().is_empty() {
                return Err(Error::config(
                    self.exchange(),
                    "the key to revoke has an empty id: nothing was revoked",
                ));
            }
        }
        // Naming the key in use by its id is revoking it: the same gate, the same cut-off.
        let own = match &target {
            KeyRef::Own => true,
            KeyRef::Other { key_id, .. } => {
                key_id.trim().eq_ignore_ascii_case(self.api_key().trim())
            }
        };
        let capabilities = self.capabilities();
        let (support, operation) = if own {
            (capabilities.revoke_own, Operation::RevokeOwn)
        } else {
            (capabilities.revoke, Operation::Revoke)
        };
        if !support.is_available() {
            return Err(self.unsupported(operation));
        }
        let target = if own { KeyRef::Own } else { target };
        let outcome = self.venue.revoke(self, target, confirm).await;
        if own && outcome.is_ok() {
            self.own_key_revoked();
        }
        self.scrubbed(outcome)
    }

    async fn create_key(&self, spec: &NewKeySpec) -> Result<NewKey> {
        if !self.capabilities().create_key.is_available() {
            return Err(self.unsupported(Operation::CreateKey));
        }
        check_allowed_ips(self.exchange(), &spec.allowed_ips)?;
        // The new key's secret is the caller's to keep: only errors are scrubbed.
        self.venue
            .create_key(self, spec)
            .await
            .map_err(|mut error| {
                self.pipeline.scrubber.error(&mut error);
                error
            })
    }

    async fn list_keys(&self) -> Result<Vec<KeyInfo>> {
        if !self.capabilities().list_keys.is_available() {
            return Err(self.unsupported(Operation::ListKeys));
        }
        let outcome = self.venue.list_keys(self).await;
        self.scrubbed(outcome)
    }

    async fn update_key(&self, target: KeyRef, change: &KeyChange) -> Result<()> {
        let target = self.managed_target(target, Operation::UpdateKey)?;
        if change.is_empty() {
            return Err(Error::config(
                self.exchange(),
                "the change names nothing to change: nothing was sent",
            ));
        }
        if let Some(ips) = &change.allowed_ips {
            check_allowed_ips(self.exchange(), ips)?;
        }
        let outcome = self.venue.update_key(self, target, change).await;
        self.scrubbed(outcome)
    }

    async fn set_key_enabled(&self, target: KeyRef, enabled: bool) -> Result<()> {
        let target = self.managed_target(target, Operation::SetKeyEnabled)?;
        let outcome = self.venue.set_key_enabled(self, target, enabled).await;
        self.scrubbed(outcome)
    }

    async fn revoke_all(&self, confirm: RevokeAllConfirm) -> Result<RevokedAll> {
        if !self.capabilities().revoke_all.is_available() {
            return Err(self.unsupported(Operation::RevokeAll));
        }
        let outcome = self.venue.revoke_all(self, confirm).await;
        if outcome.is_ok() {
            // The key this adapter signs with was one of them.
            self.own_key_revoked();
        }
        self.scrubbed(outcome)
    }

    async fn reset_secret(&self, target: KeyRef, confirm: RevokeConfirm) -> Result<NewKey> {
        let target = self.managed_target(target, Operation::ResetSecret)?;
        let own = target == KeyRef::Own;
        // The new secret is the caller's to keep: only errors are scrubbed.
        let outcome = self
            .venue
            .reset_secret(self, target, confirm)
            .await
            .map_err(|mut error| {
                self.pipeline.scrubber.error(&mut error);
                error
            });
        if own && outcome.is_ok() {
            // The secret this adapter signs with died with the reset.
            self.own_key_revoked();
        }
        outcome
    }
}

impl VenueAdapter {
    /// The id and the sub-account (as given) of the other key a venue's management call names.
    /// `managed_target` turns the key in use into `KeyRef::Own` before a venue sees it; a venue
    /// handed it anyway refuses `operation` as unsupported.
    #[cfg_attr(
        not(any(
            feature = "okx",
            feature = "htx",
            feature = "gate",
            feature = "mexc",
            feature = "bingx"
        )),
        allow(dead_code)
    )]
    pub(crate) fn other_key(
        &self,
        target: KeyRef,
        operation: Operation,
    ) -> Result<(String, Option<String>)> {
        match target {
            KeyRef::Other {
                key_id,
                sub_account,
                ..
            } => Ok((key_id, sub_account)),
            _ => Err(self.unsupported(operation)),
        }
    }

    /// Checks that `operation` is available and that `target` names a key: an empty id is
    /// refused, and the key in use named by its id is `KeyRef::Own`.
    fn managed_target(&self, target: KeyRef, operation: Operation) -> Result<KeyRef> {
        if !self.capabilities().entries().iter().any(|(name, support)| {
            *name == operation_capability(operation) && support.is_available()
        }) {
            return Err(self.unsupported(operation));
        }
        match target {
            KeyRef::Other { key_id, .. } if key_id.trim().is_empty() => Err(Error::config(
                self.exchange(),
                "the key named has an empty id: nothing was sent",
            )),
            KeyRef::Other { key_id, .. }
                if key_id.trim().eq_ignore_ascii_case(self.api_key().trim()) =>
            {
                Ok(KeyRef::Own)
            }
            target => Ok(target),
        }
    }

    /// The second-factor answerer the caller gave, if any.
    #[cfg_attr(not(feature = "deribit"), allow(dead_code))]
    pub(crate) fn second_factor(&self) -> Option<&dyn SecondFactor> {
        self.second_factor.as_deref()
    }
}

/// The capability entry that gates `operation`.
fn operation_capability(operation: Operation) -> &'static str {
    match operation {
        Operation::KeyInfo => "key_info",
        Operation::ListKeys => "list_keys",
        Operation::Revoke => "revoke",
        Operation::RevokeOwn => "revoke_own",
        Operation::CreateKey => "create_key",
        Operation::UpdateKey => "update_key",
        Operation::SetKeyEnabled => "set_key_enabled",
        Operation::ResetSecret => "reset_secret",
        Operation::RevokeAll => "revoke_all",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> IpRestriction {
        IpRestriction::from_entries(entries.iter().copied())
    }

    #[test]
    fn a_masked_list_is_consistent_with_the_addresses_it_masks() {
        let asked = list(&["203.0.113.7", "198.51.100.20"]);
        assert!(consistent_addresses(&list(&["203.**.7,198.**.20"]), &asked));
        assert!(consistent_addresses(
            &list(&["198.**.20", "203.**.7"]),
            &asked
        ));
        // KuCoin's documented mask keeps the first and last octets.
        assert!(consistent_addresses(
            &list(&["10.**.1"]),
            &list(&["10.20.30.1"])
        ));
    }

    #[test]
    fn a_masked_list_that_could_hide_something_else_is_refused() {
        let asked = list(&["203.0.113.7", "198.51.100.20"]);
        for shown in [
            list(&["203.**.7"]),                    // one left over
            list(&["203.**.7,198.**.20,192.**.1"]), // one more
            list(&["203.**.8,198.**.20"]),          // another address
            list(&["203.**.7,203.**.7"]),           // the same asked address twice
            list(&["203.0.113.7,198.51.100.21"]),   // plain, and different
            IpRestriction::Unrestricted,
            IpRestriction::Restricted,
            IpRestriction::NotReported,
        ] {
            assert!(!consistent_addresses(&shown, &asked), "{shown:?}");
        }
        // A mask matching two asked addresses cannot tell which one it is.
        assert!(!consistent_addresses(
            &list(&["203.**.7,203.**.7"]),
            &list(&["203.0.113.7", "203.1.113.7"])
        ));
    }

    #[test]
    fn plain_lists_are_consistent_only_when_equal_and_masks_only_with_the_same_mask() {
        let asked = list(&["203.0.113.7", "198.51.100.0/24"]);
        assert!(consistent_addresses(
            &list(&["198.51.100.0/24,203.0.113.7"]),
            &asked
        ));
        assert!(!consistent_addresses(&list(&["203.0.113.7"]), &asked));
        assert!(consistent_addresses(
            &list(&["203.**.7"]),
            &list(&["203.**.7"])
        ));
        assert!(!consistent_addresses(
            &list(&["203.**.7"]),
            &list(&["203.**.8"])
        ));
    }

    #[test]
    fn masks_match_any_run_of_characters() {
        assert!(mask_matches("203.**.154", "203.0.113.154"));
        assert!(mask_matches("2001:db8:**:1", "2001:DB8::1"));
        assert!(!mask_matches("203.**.154", "203.0.113.15"));
        assert!(!mask_matches("203.**.154", "103.0.113.154"));
        assert!(mask_matches("1*1", "11"));
        assert!(!mask_matches("1*1", "1"));
        assert!(mask_matches("203.0.113.7", "203.0.113.7"));
    }
}

//! The conformance suite, as library functions: every adapter, the crate's own and one written
//! outside it, runs the same checks against a simulated exchange.
//!
//! Each check is an `async fn(&Subject)` that panics, like an assertion, when the adapter breaks
//! a rule. The crate's tests generate one named test per exchange and check
//! (`tests/conformance.rs`); [`run`] runs one check with a capturing log subscriber and also
//! fails if any log line carries a secret.
//!
//! What is checked:
//! - capabilities tell the truth both ways: available operations work against the simulator,
//!   unavailable ones return [`Error::Unsupported`] with a manual step and never reach the
//!   exchange; unsupported fields are never `Known`, available ones are in some scenario;
//! - scenarios mean the same everywhere (read-only is read-only, withdraw is withdraw, …);
//! - no secret reaches a `Debug`, a `Display`, the evidence, an error or a log line, wherever
//!   the exchange echoes it (a value, a key, nested, in an array, a permission name, an error
//!   code or message, a request-id header, a retried 5xx), and a secret equal to a vendor word
//!   changes no mapped value;
//! - malformed answers give a clear error naming the exchange, never a panic, and a leaf of the
//!   key information never fails the inspection;
//! - every documented error body maps to the class its code-table row claims;
//! - every fault gives its exact error after the documented number of attempts, within a
//!   bounded time (the fault matrix): a 429 with `Retry-After` and without, a 418 (Binance's IP
//!   ban), a 500, 502 or 503, no answer within the timeout, a connection reset, and the
//!   malformed answers above; a `Retry-After` within the policy is waited for, a longer one
//!   and a ban are the caller's, at once;
//! - a call that changes something is sent exactly once, whatever goes wrong.
//!
//! The checks read the exchange through key inspection. An exchange whose API describes no key
//! (Bitstamp) is read through its one call, the kill switch ([`Subject::read`]): the same
//! secret, malformed-answer and error-table checks run on that answer, and the checks about
//! key information check instead that none is claimed.
//!
//! For an adapter outside the crate, build a [`Subject`] with [`Subject::new`]: its exchange id,
//! a [`Simulation`] of its exchange, and a function building the adapter against the simulator.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use secrecy::ExposeSecret;
use serde_json::Value;

use super::{CannedAnswer, RecordedRequest, Scenario, SimulatedExchange, SERVER_TIME_MS};
use crate::adapter::{
    KeyAdapter, KeyChange, KeyRef, NewKeySpec, RevokeAllConfirm, RevokeConfirm, RevokedAll, Support,
};
use crate::clock::{Clock, FixedClock};
use crate::credentials::Credentials;
use crate::error::{AuthReason, Error, ErrorCode, Result, TransportKind};
use crate::exchanges::simulation::Simulation;
use crate::model::{Expiry, Grant, IpRestriction, KeyInfo, Permission, Reported};
use crate::transport::RetryPolicy;
use crate::{Capabilities, ExchangeId};

/// How a check builds the adapter under test.
#[non_exhaustive]
pub struct Setup {
    /// The exchange.
    pub exchange: ExchangeId,
    /// The simulated exchange's URL (or, for the HTTPS check, a plain-HTTP one to refuse).
    pub base_url: String,
    /// The credentials to sign with; `None` to check that missing credentials are refused.
    pub credentials: Option<Credentials>,
    /// The retry policy (none unless the check needs retries).
    pub retry: RetryPolicy,
    /// The signing clock, when the check needs one.
    pub clock: Option<Arc<dyn Clock>>,
    /// The request timeout, when the check needs one.
    pub timeout: Option<Duration>,
}

/// What one read of the exchange gave: key information, or, for an exchange whose API describes
/// no key (Bitstamp), the kill switch's report.
#[derive(Debug)]
#[non_exhaustive]
pub enum Reading {
    /// [`KeyAdapter::key_info`]'s answer.
    Key(Box<KeyInfo>),
    /// [`KeyAdapter::revoke_all`]'s answer.
    RevokedAll(RevokedAll),
}

impl Reading {
    /// The exchange's answer as kept for evidence.
    pub fn raw(&self) -> &Value {
        match self {
            Reading::Key(info) => &info.raw,
            Reading::RevokedAll(revoked) => &revoked.raw,
        }
    }

    /// Everything a caller could print of it: its `Debug` and its JSON.
    pub fn shown(&self) -> String {
        let json = match self {
            Reading::Key(info) => serde_json::to_string(info),
            Reading::RevokedAll(revoked) => serde_json::to_string(revoked),
        };
        format!("{self:?} {}", json.unwrap_or_default())
    }

    /// What must not change whatever the strings in the answer are.
    fn mapped_values(&self) -> String {
        match self {
            Reading::Key(info) => mapped_values(info),
            Reading::RevokedAll(revoked) => {
                format!("revoked={:?} count={:?}", revoked.key_ids, revoked.count)
            }
        }
    }
}

/// What the conformance suite checks: an adapter, and how to simulate its exchange.
#[non_exhaustive]
pub struct Subject {
    /// The exchange.
    pub exchange: ExchangeId,
    /// How the testkit simulates it.
    pub simulation: Simulation,
    /// Builds the adapter under test from a [`Setup`]; no rate limit (the simulator has none to
    /// protect).
    pub build: fn(Setup) -> Result<Arc<dyn KeyAdapter>>,
    /// Its code table.
    pub error_codes: &'static [ErrorCode],
    /// The headers it reads a request id from.
    pub request_id_headers: &'static [&'static str],
    /// The folder of its documented error bodies (`error_*.json`), if it has one.
    pub fixtures: Option<std::path::PathBuf>,
}

impl Subject {
    /// A subject for an adapter written outside this crate: its exchange, a [`Simulation`] of
    /// that exchange, and how to build the adapter against the simulator. Add its code table,
    /// request-id headers and error fixtures with the `with_…` methods, where it has them.
    pub fn new(
        exchange: ExchangeId,
        simulation: Simulation,
        build: fn(Setup) -> Result<Arc<dyn KeyAdapter>>,
    ) -> Subject {
        Subject {
            exchange,
            simulation,
            build,
            error_codes: &[],
            request_id_headers: &[],
            fixtures: None,
        }
    }

    /// The adapter's code table, checked against the error fixtures.
    pub fn with_error_codes(mut self, error_codes: &'static [ErrorCode]) -> Subject {
        self.error_codes = error_codes;
        self
    }

    /// The headers the adapter reads a request id from (secrets are planted there too).
    pub fn with_request_id_headers(mut self, headers: &'static [&'static str]) -> Subject {
        self.request_id_headers = headers;
        self
    }

    /// The folder of the exchange's documented error bodies (`error_*.json`).
    pub fn with_fixtures(mut self, folder: impl Into<std::path::PathBuf>) -> Subject {
        self.fixtures = Some(folder.into());
        self
    }

    /// A subject for an adapter of this crate's registry.
    pub fn registered(exchange: ExchangeId) -> Result<Subject> {
        let simulation = crate::exchanges::simulation(exchange).ok_or_else(|| {
            Error::config(
                exchange,
                "this build has no adapter (and so no simulation) for it",
            )
        })?;
        Ok(Subject {
            exchange,
            simulation,
            build: |setup| {
                let mut builder = setup
                    .exchange
                    .builder()
                    .base_url(setup.base_url)
                    .retry(setup.retry)
                    .rate_limit(None)
                    .second_factor(super::SimulatedSecondFactor);
                if let Some(credentials) = setup.credentials {
                    builder = builder.credentials(credentials);
                }
                if let Some(clock) = setup.clock {
                    builder = builder.clock(clock);
                }
                if let Some(timeout) = setup.timeout {
                    builder = builder.timeout(timeout);
                }
                builder.build()
            },
            error_codes: exchange.error_codes(),
            request_id_headers: exchange.request_id_headers(),
            fixtures: Some(
                [
                    env!("CARGO_MANIFEST_DIR"),
                    "tests",
                    "fixtures",
                    exchange.as_str(),
                ]
                .iter()
                .collect(),
            ),
        })
    }

    /// A simulated exchange serving `scenario`.
    pub async fn simulator(&self, scenario: Scenario) -> SimulatedExchange {
        SimulatedExchange::start_with(self.exchange, self.simulation, scenario).await
    }

    /// The default setup against `sim`.
    pub fn setup(&self, sim: &SimulatedExchange) -> Setup {
        Setup {
            exchange: self.exchange,
            base_url: sim.base_url(),
            credentials: Some(self.credentials()),
            retry: RetryPolicy::none(),
            clock: None,
            timeout: None,
        }
    }

    /// The default setup, pointed at a loopback address nothing listens on (for checks that
    /// never call the exchange).
    pub fn setup_without_simulator(&self) -> Setup {
        Setup {
            exchange: self.exchange,
            base_url: "http://127.0.0.1:9".to_owned(),
            credentials: Some(self.credentials()),
            retry: RetryPolicy::none(),
            clock: None,
            timeout: None,
        }
    }

    /// The adapter under test, against `sim`.
    pub fn adapter(&self, sim: &SimulatedExchange) -> Arc<dyn KeyAdapter> {
        self.adapter_with(self.setup(sim))
    }

    /// The adapter under test, built from `setup`.
    pub fn adapter_with(&self, setup: Setup) -> Arc<dyn KeyAdapter> {
        match (self.build)(setup) {
            Ok(adapter) => adapter,
            Err(err) => panic!("{}: the adapter does not build: {err}", self.exchange),
        }
    }

    /// A simulator for `scenario` and an adapter against it.
    pub async fn start(&self, scenario: Scenario) -> (SimulatedExchange, Arc<dyn KeyAdapter>) {
        let sim = self.simulator(scenario).await;
        let adapter = self.adapter(&sim);
        (sim, adapter)
    }

    /// Whether the adapter describes its key ([`KeyAdapter::key_info`] available). If not, the
    /// checks read the exchange through its kill switch ([`Subject::read`]).
    pub fn describes_keys(&self) -> bool {
        self.capabilities().key_info.is_available()
    }

    /// One read of the exchange: [`KeyAdapter::key_info`], or, for an exchange whose API
    /// describes no key, [`KeyAdapter::revoke_all`] (against the simulator: it is the only call
    /// such an exchange answers). A successful kill switch cuts the adapter off: read again with
    /// a new adapter.
    pub async fn read(&self, adapter: &dyn KeyAdapter) -> Result<Reading> {
        if adapter.capabilities().key_info.is_available() {
            return adapter
                .key_info()
                .await
                .map(|info| Reading::Key(Box::new(info)));
        }
        adapter
            .revoke_all(RevokeAllConfirm::IUnderstandEveryKeyOnEveryAccountDies)
            .await
            .map(Reading::RevokedAll)
    }

    /// The adapter to read with next: `adapter` itself, or, where a read is the kill switch
    /// (which cuts the adapter off), a new one built from `setup`.
    fn reader(
        &self,
        adapter: &Arc<dyn KeyAdapter>,
        setup: impl FnOnce() -> Setup,
    ) -> Arc<dyn KeyAdapter> {
        if self.describes_keys() {
            adapter.clone()
        } else {
            self.adapter_with(setup())
        }
    }

    /// What the adapter says about the key of `scenario`.
    pub async fn key_info(&self, scenario: Scenario) -> Result<KeyInfo> {
        let (_sim, adapter) = self.start(scenario).await;
        adapter.key_info().await
    }

    /// The adapter's capabilities, without a simulator.
    pub fn capabilities(&self) -> Capabilities {
        self.adapter_with(self.setup_without_simulator())
            .capabilities()
    }

    /// The simulated credentials.
    pub fn credentials(&self) -> Credentials {
        (self.simulation.credentials)()
    }

    /// The answer of `scenario`.
    pub fn answer(&self, scenario: Scenario) -> CannedAnswer {
        (self.simulation.answer)(scenario)
    }

    /// An error answer in the exchange's envelope, with HTTP status 200.
    pub fn error_answer(&self, code: &str, message: &str) -> CannedAnswer {
        CannedAnswer::ok((self.simulation.error_body)(code, message))
    }

    /// The first code of the table that refuses credentials, for building error answers.
    pub fn auth_error_code(&self) -> &'static str {
        self.error_codes
            .iter()
            .filter(|row| matches!(row.class, crate::ErrorClass::Auth(_)))
            .find_map(|row| row.code)
            .unwrap_or("401")
    }

    /// The simulated secret and passphrase.
    pub fn secrets(&self) -> Vec<String> {
        let c = self.credentials();
        let mut secrets = vec![c.secret().expose_secret().to_owned()];
        if let Some(p) = c.passphrase() {
            secrets.push(p.expose_secret().to_owned());
        }
        secrets
    }

    /// Fails if `text` shows a simulated secret.
    pub fn assert_no_secret(&self, what: &str, text: &str) {
        for secret in self.secrets() {
            assert!(
                !leaks(text, &secret),
                "{}: {what} shows a secret: {text}",
                self.exchange
            );
        }
    }
}

/// Runs `check` (one of this module's checks, called on `subject`) in a runtime of its own,
/// with every log line (this crate's, at TRACE) captured; fails if the check fails or if any
/// line shows one of `subject`'s secrets.
///
/// ```no_run
/// use exchange_keys::testkit::conformance::{self, Subject};
/// # fn main() -> exchange_keys::Result<()> {
/// let subject = Subject::registered(exchange_keys::ExchangeId::Bybit)?;
/// conformance::run(&subject, conformance::scenarios_mean_the_same_on_every_exchange(&subject));
/// # Ok(()) }
/// ```
pub fn run(subject: &Subject, check: impl Future<Output = ()>) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(err) => panic!("no runtime: {err}"),
        };
        runtime.block_on(check);
    });
    let logs = captured.text();
    subject.assert_no_secret("a log line", &logs);
}

/// Collects everything written by the `tracing` subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        self.0
            .lock()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut bytes) = self.0.lock() {
            bytes.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Whether `text` holds `secret`, in any ASCII case.
fn leaks(text: &str, secret: &str) -> bool {
    text.to_ascii_lowercase()
        .contains(&secret.to_ascii_lowercase())
}

/// The adapter names its exchange, and its capabilities are static: the same from every
/// adapter of the exchange, with key inspection native.
pub async fn capabilities_are_static_and_match_the_registry(subject: &Subject) {
    let id = subject.exchange;
    let (_sim, adapter) = subject.start(Scenario::DocumentedExample).await;
    assert_eq!(adapter.exchange(), id);
    assert_eq!(adapter.capabilities(), subject.capabilities(), "{id}");
    let caps = adapter.capabilities();
    // Every adapter inspects keys, or, where the exchange's API describes none, offers the one
    // thing it can do: revoke them all.
    assert!(
        caps.key_info == Support::Native
            || (caps.key_info == Support::Unsupported && caps.revoke_all == Support::Native),
        "{id}: {caps:?}"
    );
    if caps.key_info == Support::Unsupported {
        for (name, support) in caps.entries() {
            if name != "revoke_all" {
                assert_eq!(
                    support,
                    Support::Unsupported,
                    "{id}: {name} without key inspection"
                );
            }
        }
    }
}

/// Every operation the capabilities call unsupported returns [`Error::Unsupported`] naming the
/// exchange and a manual step, without reaching the exchange.
pub async fn unavailable_operations_return_unsupported_with_a_manual_step(subject: &Subject) {
    let id = subject.exchange;
    let (sim, adapter) = subject.start(Scenario::ReadOnly).await;
    let caps = adapter.capabilities();
    let spec = NewKeySpec::default();
    let outcomes = [
        (caps.key_info, adapter.key_info().await.err()),
        (
            caps.revoke_all,
            adapter
                .revoke_all(RevokeAllConfirm::IUnderstandEveryKeyOnEveryAccountDies)
                .await
                .err(),
        ),
        (
            caps.revoke_own,
            adapter
                .revoke(KeyRef::Own, RevokeConfirm::IUnderstandThisIsIrreversible)
                .await
                .err(),
        ),
        (
            caps.revoke,
            adapter
                .revoke(
                    KeyRef::other("conformance-other-key"),
                    RevokeConfirm::IUnderstandThisIsIrreversible,
                )
                .await
                .err(),
        ),
        (caps.create_key, adapter.create_key(&spec).await.err()),
        (caps.list_keys, adapter.list_keys().await.err()),
        (
            caps.update_key,
            adapter
                .update_key(
                    KeyRef::other("conformance-other-key"),
                    &KeyChange::new().label("renamed"),
                )
                .await
                .err(),
        ),
        (
            caps.set_key_enabled,
            adapter
                .set_key_enabled(KeyRef::other("conformance-other-key"), false)
                .await
                .err(),
        ),
        (
            caps.reset_secret,
            adapter
                .reset_secret(
                    KeyRef::other("conformance-other-key"),
                    RevokeConfirm::IUnderstandThisIsIrreversible,
                )
                .await
                .err(),
        ),
    ];
    for (support, err) in outcomes {
        if support == Support::Unsupported {
            let err = err.expect("an unsupported operation must fail");
            assert!(err.is_unsupported(), "{id}: {err}");
            match &err {
                Error::Unsupported {
                    manual_step,
                    exchange,
                    ..
                } => {
                    assert_eq!(*exchange, id);
                    assert!(
                        manual_step.len() > 20,
                        "{id}: manual step too thin: {manual_step}"
                    );
                }
                _ => unreachable!(),
            }
        }
    }
    // Unsupported operations never reach the exchange.
    if [
        caps.key_info,
        caps.revoke_all,
        caps.revoke_own,
        caps.revoke,
        caps.create_key,
        caps.list_keys,
    ]
    .iter()
    .all(|s| *s == Support::Unsupported)
    {
        assert!(sim.received_requests().await.is_empty(), "{id}");
    }
}

/// A reported field: its name, what the capabilities declare, and whether an answer has it.
type FieldCheck = (&'static str, Support, fn(&KeyInfo) -> bool);

/// A field the capabilities call unsupported is never `Known`; one they call available is
/// `Known` in some scenario; every simulated key decides reading, spot trading and withdrawal.
pub async fn reported_fields_match_capabilities(subject: &Subject) {
    let id = subject.exchange;
    let caps = subject.capabilities();
    if !subject.describes_keys() {
        // Nothing describes a key: no field may be claimed, and inspection sends nothing.
        for (name, support) in caps.entries().iter().filter(|(n, _)| {
            !matches!(
                *n,
                "key_info"
                    | "list_keys"
                    | "revoke"
                    | "revoke_own"
                    | "create_key"
                    | "update_key"
                    | "set_key_enabled"
                    | "reset_secret"
                    | "revoke_all"
            )
        }) {
            assert_eq!(*support, Support::Unsupported, "{id}: {name}");
        }
        let (sim, adapter) = subject.start(Scenario::WithdrawEnabled).await;
        let err = adapter.key_info().await.unwrap_err();
        assert!(err.is_unsupported(), "{id}: {err}");
        assert!(sim.received_requests().await.is_empty(), "{id}");
        return;
    }
    let mut infos = Vec::new();
    for scenario in Scenario::ALL {
        if let Ok(info) = subject.key_info(scenario).await {
            infos.push(info);
        }
    }
    assert!(
        infos.len() >= 4,
        "{id}: most scenarios describe a working key"
    );
    let fields: [FieldCheck; 11] = [
        ("key_id", caps.reports_key_id, |i| i.key_id.is_known()),
        ("label", caps.reports_label, |i| i.label.is_known()),
        ("ip_restriction", caps.reports_ip_restriction, |i| {
            i.ip_restriction != IpRestriction::NotReported
        }),
        ("ip_list", caps.reports_ip_list, |i| {
            matches!(i.ip_restriction, IpRestriction::AllowList(_))
        }),
        ("created_at", caps.reports_created_at, |i| {
            i.created_at.is_known()
        }),
        ("expiry", caps.reports_expiry, |i| i.expires_at.is_known()),
        ("trading_expiry", caps.reports_trading_expiry, |i| {
            i.trading_expires_at.is_known()
        }),
        ("last_used", caps.reports_last_used, |i| {
            i.last_used_at.is_known()
        }),
        ("enabled", caps.reports_enabled, |i| i.enabled.is_known()),
        ("account_kind", caps.reports_account_kind, |i| {
            i.account.is_known()
        }),
        ("delegation", caps.reports_delegation, |i| {
            i.delegation.is_known()
        }),
    ];
    for (name, support, known) in fields {
        let known_somewhere = infos.iter().any(known);
        if support.is_available() {
            assert!(
                known_somewhere,
                "{id}: `{name}` is declared {support:?} but never reported"
            );
        } else {
            assert!(
                !known_somewhere,
                "{id}: `{name}` is declared unsupported but was reported"
            );
        }
    }
    for info in &infos {
        assert_eq!(info.exchange, id);
        assert!(!info.raw.is_null(), "{id}: evidence missing");
        // The rights an audit fails on first are reported by every exchange.
        for p in [
            Permission::Read,
            Permission::SpotTrade,
            Permission::Withdraw,
        ] {
            assert_ne!(
                info.permissions.get(&p),
                Grant::NotReported,
                "{id}: {p} must be decided for every simulated key"
            );
        }
    }
}

/// Each scenario means the same on every exchange: read-only is read-only, withdraw is
/// withdraw, an invalid key is refused as such, a rate limit is retryable.
pub async fn scenarios_mean_the_same_on_every_exchange(subject: &Subject) {
    let id = subject.exchange;
    if !subject.describes_keys() {
        return refusals_mean_the_same_through_the_kill_switch(subject).await;
    }
    let reports_ips = subject.capabilities().reports_ip_restriction.is_available();
    let read_only = subject.key_info(Scenario::ReadOnly).await.unwrap();
    assert_eq!(read_only.is_read_only(), Reported::Known(true), "{id}");
    assert_eq!(read_only.can_withdraw(), Grant::Denied, "{id}");
    if reports_ips {
        assert_eq!(
            read_only.ip_restriction.is_restricted(),
            Reported::Known(true),
            "{id}"
        );
    }

    let trading = subject.key_info(Scenario::Trading).await.unwrap();
    // A trading key trades what its venue lists: a derivatives-only venue (Kraken Futures)
    // has no spot to grant.
    assert!(
        [
            Permission::SpotTrade,
            Permission::MarginTrade,
            Permission::FuturesTrade,
            Permission::OptionsTrade
        ]
        .iter()
        .any(|right| trading.permissions.get(right) == Grant::Granted),
        "{id}: the trading key trades nothing"
    );
    assert_eq!(trading.can_withdraw(), Grant::Denied, "{id}");
    if reports_ips {
        assert_eq!(
            trading.ip_restriction.is_restricted(),
            Reported::Known(true),
            "{id}"
        );
    }

    let withdraw = subject.key_info(Scenario::WithdrawEnabled).await.unwrap();
    assert_eq!(withdraw.can_withdraw(), Grant::Granted, "{id}");
    assert_eq!(withdraw.is_read_only(), Reported::Known(false), "{id}");

    let open = subject.key_info(Scenario::NoIpRestriction).await.unwrap();
    if reports_ips {
        assert_eq!(open.ip_restriction, IpRestriction::Unrestricted, "{id}");
    } else {
        assert_eq!(open.ip_restriction, IpRestriction::NotReported, "{id}");
    }

    match subject.key_info(Scenario::Expired).await {
        Ok(info) => {
            let expired_at = match (&info.expires_at, &info.trading_expires_at) {
                (Reported::Known(Expiry::At(at)), _) | (_, Reported::Known(at)) => *at,
                other => panic!("{id}: expired scenario without an expiry: {other:?}"),
            };
            assert!(
                expired_at.timestamp_millis() < SERVER_TIME_MS,
                "{id}: expiry in the past"
            );
        }
        Err(err) => assert!(
            matches!(
                err.auth_reason(),
                Some(AuthReason::Expired | AuthReason::InvalidKey | AuthReason::Ambiguous)
            ),
            "{id}: {err}"
        ),
    }

    let err = subject.key_info(Scenario::InvalidKey).await.unwrap_err();
    assert!(
        matches!(
            err.auth_reason(),
            Some(AuthReason::InvalidKey | AuthReason::Ambiguous)
        ),
        "{id}: {err}"
    );
    assert!(!err.is_retryable(), "{id}");

    let err = subject.key_info(Scenario::IpNotAllowed).await.unwrap_err();
    assert!(
        matches!(
            err.auth_reason(),
            Some(AuthReason::IpNotAllowed | AuthReason::Ambiguous)
        ),
        "{id}: {err}"
    );

    let err = subject.key_info(Scenario::RateLimited).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{id}: {err}");
    assert!(err.is_retryable(), "{id}");
    let context = err.context().unwrap();
    assert!(context.code.is_some(), "{id}: the exchange's code is kept");
    assert_eq!(context.exchange, Some(id));
}

/// For an exchange read through its kill switch: a working key's call succeeds and cuts the
/// adapter off; an invalid key, a refused address and a rate limit are refused as such, and
/// nothing is revoked.
async fn refusals_mean_the_same_through_the_kill_switch(subject: &Subject) {
    let id = subject.exchange;
    for scenario in [
        Scenario::ReadOnly,
        Scenario::Trading,
        Scenario::WithdrawEnabled,
    ] {
        let (_sim, adapter) = subject.start(scenario).await;
        match subject.read(&*adapter).await {
            Ok(Reading::RevokedAll(revoked)) => assert_eq!(revoked.exchange, id),
            other => panic!("{id} {scenario}: {other:?}"),
        }
        let err = subject.read(&*adapter).await.unwrap_err();
        assert_eq!(
            err.auth_reason(),
            Some(AuthReason::InvalidKey),
            "{id}: cut off: {err}"
        );
    }
    type Expected = fn(&Error) -> bool;
    let refusals: [(Scenario, Expected); 3] = [
        (Scenario::InvalidKey, |err| {
            matches!(
                err.auth_reason(),
                Some(AuthReason::InvalidKey | AuthReason::Ambiguous)
            ) && !err.is_retryable()
        }),
        (Scenario::IpNotAllowed, |err| {
            matches!(
                err.auth_reason(),
                Some(AuthReason::IpNotAllowed | AuthReason::Ambiguous)
            )
        }),
        (Scenario::RateLimited, |err| {
            matches!(err, Error::RateLimited { .. }) && err.is_retryable()
        }),
    ];
    for (scenario, expected) in refusals {
        let (sim, adapter) = subject.start(scenario).await;
        let err = subject.read(&*adapter).await.unwrap_err();
        assert!(expected(&err), "{id} {scenario}: {err}");
        assert_eq!(err.exchange(), Some(id), "{err}");
        let caller = sim.credentials().api_key().to_owned();
        assert!(
            !sim.with_state(|state| state.is_revoked(&caller))
                .unwrap_or(true),
            "{id} {scenario}: a refused kill switch revoked nothing"
        );
    }
}

/// No secret in the `Debug` of credentials, builder, adapter or key information, in its JSON, or
/// in an error.
pub async fn no_secret_in_debug_display_or_evidence(subject: &Subject) {
    let sim = subject.simulator(Scenario::WithdrawEnabled).await;
    let credentials = sim.credentials();
    subject.assert_no_secret("Credentials Debug", &format!("{credentials:?}"));
    subject.assert_no_secret("builder Debug", &format!("{:?}", sim.builder()));
    subject.assert_no_secret(
        "setup Debug",
        &format!("{:?}", subject.setup(&sim).credentials),
    );
    let adapter = subject.adapter(&sim);
    subject.assert_no_secret("adapter Debug", &format!("{adapter:?}"));
    let reading = subject.read(&*adapter).await.unwrap();
    subject.assert_no_secret("answer Debug and JSON", &reading.shown());

    for scenario in [
        Scenario::InvalidKey,
        Scenario::IpNotAllowed,
        Scenario::RateLimited,
    ] {
        let (_sim, adapter) = subject.start(scenario).await;
        let err = subject.read(&*adapter).await.unwrap_err();
        subject.assert_no_secret("error Display", &err.to_string());
        subject.assert_no_secret("error Debug", &format!("{err:?}"));
    }
    if adapter.capabilities().list_keys == Support::Unsupported {
        let unsupported = adapter.list_keys().await.unwrap_err();
        subject.assert_no_secret("Unsupported Debug", &format!("{unsupported:?}"));
    }
}

/// Adds, to the envelope and to the payload objects inside it (`result`, `data[..]`, or each
/// element of an answer that is a list), a
/// secret-named field holding `secret` and an innocent field holding text that contains `echo`.
fn echo_into(value: &mut Value, secret: &str, echo: &str) {
    if let Value::Array(items) = value {
        if items.iter().any(Value::is_object) {
            // A bare list of keys (Gate's `main_keys`): into each of them.
            items.iter_mut().for_each(|i| echo_into(i, secret, echo));
        } else {
            // A list of tuples (Bitfinex): the echoing object rides in it as one more entry.
            let mut entry = Value::Object(serde_json::Map::new());
            echo_into(&mut entry, secret, echo);
            items.push(entry);
        }
        return;
    }
    let Value::Object(map) = value else { return };
    for name in ["result", "data"] {
        match map.get_mut(name) {
            Some(inner @ Value::Object(_)) => echo_into(inner, secret, echo),
            Some(Value::Array(items)) => items.iter_mut().for_each(|i| echo_into(i, secret, echo)),
            _ => {}
        }
    }
    map.insert("apiSecret".into(), secret.into());
    map.insert("comment".into(), format!("echo {echo} end").into());
    // Fields that map to the label on some exchanges.
    for label in ["note", "label", "remark"] {
        map.insert(label.into(), format!("bot {echo}").into());
    }
}

/// Replaces the exchange's error message, wherever the envelope keeps it, with one quoting
/// `echo`.
fn echo_in_message(value: &mut Value, echo: &str) {
    let message = format!("invalid key or signature for {echo}");
    // A list envelope (Bitfinex `["error", code, "message"]`): its texts after the first.
    if let Value::Array(items) = value {
        for item in items.iter_mut().skip(1).filter(|item| item.is_string()) {
            *item = message.clone().into();
        }
        return;
    }
    let Value::Object(map) = value else { return };
    let mut echoed = false;
    for name in ["msg", "retMsg", "message", "err-msg"] {
        if map.contains_key(name) {
            map.insert(name.into(), message.clone().into());
            echoed = true;
        }
    }
    // Bitstamp's message is its `reason`; Gemini's `reason` is a code, beside a `message`.
    if !echoed && map.get("reason").is_some_and(Value::is_string) {
        map.insert("reason".into(), message.clone().into());
    }
    match map.get_mut("error") {
        // Kraken: a list of error strings.
        Some(Value::Array(errors)) => errors.push(message.into()),
        // JSON-RPC: an error object.
        Some(Value::Object(error)) => {
            error.insert("message".into(), message.into());
        }
        _ => {}
    }
}

/// Secrets the exchange echoes (a secret-named field, a label, a comment) reach neither the
/// evidence nor a mapped field.
pub async fn echoed_secrets_are_scrubbed_from_evidence(subject: &Subject) {
    let id = subject.exchange;
    let sim = subject.simulator(Scenario::Trading).await;
    for secret in subject.secrets() {
        let mut body = subject.answer(Scenario::Trading).body;
        echo_into(&mut body, &secret, &secret);
        sim.serve_raw(200, "application/json", body.to_string())
            .await;
        let reading = subject.read(&*subject.adapter(&sim)).await.unwrap();
        let evidence = serde_json::to_string(reading.raw()).unwrap();
        assert!(
            !evidence.contains(&secret),
            "{id}: evidence carries an echoed secret: {evidence}"
        );
        assert!(evidence.contains("[redacted]"), "{id}");
        let whole = reading.shown();
        assert!(
            !whole.contains(&secret),
            "{id}: a mapped field carries an echoed secret: {whole}"
        );
        subject.assert_no_secret("answer Debug", &whole);
    }
}

/// A secret the exchange quotes in its error message is redacted from the error.
pub async fn secrets_quoted_in_error_messages_are_redacted(subject: &Subject) {
    let id = subject.exchange;
    let sim = subject.simulator(Scenario::InvalidKey).await;
    for secret in subject.secrets() {
        let answer = subject.answer(Scenario::InvalidKey);
        let mut body = match answer.body {
            body @ Value::Object(_) => body,
            // An exchange whose refusal is plain text: its error envelope instead.
            _ => (subject.simulation.error_body)(subject.auth_error_code(), "refused"),
        };
        echo_in_message(&mut body, &secret);
        sim.serve_raw(answer.status, "application/json", body.to_string())
            .await;
        let err = subject.read(&*subject.adapter(&sim)).await.unwrap_err();
        subject.assert_no_secret("error Display", &err.to_string());
        subject.assert_no_secret("error Debug", &format!("{err:?}"));
        assert!(err.to_string().contains("[redacted]"), "{id}: {err}");
    }
}

fn malformed_answers(subject: &Subject) -> Vec<(&'static str, u16, &'static str, Vec<u8>)> {
    let documented = subject.answer(Scenario::DocumentedExample).body.to_string();
    let error_envelope =
        (subject.simulation.error_body)(subject.auth_error_code(), "refused").to_string();
    let mut wrong_types: Value = serde_json::from_str(&documented).unwrap();
    retype(&mut wrong_types);
    vec![
        (
            "HTML page on 200",
            200,
            "text/html",
            b"<!DOCTYPE html><html><body>Just a moment...</body></html>".to_vec(),
        ),
        (
            "HTML page on 502",
            502,
            "text/html",
            b"<html><head><title>502 Bad Gateway</title></head></html>".to_vec(),
        ),
        (
            "HTML page on 403",
            403,
            "text/html",
            b"<html><body>Access denied</body></html>".to_vec(),
        ),
        (
            "truncated JSON",
            200,
            "application/json",
            documented.as_bytes()[..documented.len() / 2].to_vec(),
        ),
        ("empty body", 200, "application/json", Vec::new()),
        (
            "wrong types",
            200,
            "application/json",
            wrong_types.to_string().into_bytes(),
        ),
        ("JSON null", 200, "application/json", b"null".to_vec()),
        ("JSON array", 200, "application/json", b"[]".to_vec()),
        ("empty object", 200, "application/json", b"{}".to_vec()),
        ("plain text", 200, "text/plain", b"OK".to_vec()),
        (
            "error envelope on 200",
            200,
            "application/json",
            error_envelope.into_bytes(),
        ),
    ]
}

/// Replaces every scalar with a value of another JSON type.
fn retype(value: &mut Value) {
    match value {
        Value::Object(map) => map.values_mut().for_each(retype),
        Value::Array(items) => items.iter_mut().for_each(retype),
        Value::String(_) => *value = Value::from(7),
        Value::Number(_) => *value = Value::from("seven"),
        Value::Bool(_) => *value = Value::from("yes"),
        Value::Null => *value = Value::from(false),
    }
}

/// HTML pages, truncated or empty bodies, `null`, arrays, plain text and error envelopes on
/// HTTP 200 each give a clear, short error naming the exchange. An answer whose every value has
/// another type either fails the same way or, where a field still reads (an empty allowlist),
/// claims nothing safe: no right denied, every mistyped field listed as an anomaly.
pub async fn malformed_answers_give_clear_errors_naming_the_exchange(subject: &Subject) {
    let id = subject.exchange;
    let sim = subject.simulator(Scenario::ReadOnly).await;
    let adapter = subject.adapter(&sim);
    for (case, status, content_type, body) in malformed_answers(subject) {
        sim.serve_raw(status, content_type, body).await;
        let reader = subject.reader(&adapter, || subject.setup(&sim));
        let outcome = subject.read(&*reader).await;
        if case == "wrong types" {
            match &outcome {
                Ok(Reading::Key(info)) => {
                    assert!(!info.anomalies.is_empty(), "{id}: {case}: no anomaly");
                    for right in Permission::NORMALIZED {
                        assert_ne!(
                            info.permissions.get(&right),
                            Grant::Denied,
                            "{id}: {case}: {right} denied on an unreadable answer"
                        );
                    }
                    continue;
                }
                // Revoked, by the exchange's word, but no id could be read: none is invented.
                Ok(Reading::RevokedAll(revoked)) => {
                    assert!(revoked.key_ids.is_empty(), "{id}: {case}: {revoked:?}");
                    continue;
                }
                Err(_) => {}
            }
        }
        let err = outcome.expect_err(&format!("{id}: {case} must not pass as key information"));
        let text = err.to_string();
        // The kill switch is a write: an answer nobody can read leaves its outcome unknown,
        // never a clean failure; the cause is inside.
        let err = match &err {
            Error::OutcomeUnknown { source, .. } if !subject.describes_keys() => source.as_ref(),
            other => {
                assert!(
                    subject.describes_keys()
                        || matches!(
                            other,
                            Error::AuthRejected { .. }
                                | Error::RateLimited { .. }
                                | Error::Rejected { .. }
                        ),
                    "{id}: {case}: the kill switch's outcome is unknown unless the exchange refused it: {text}"
                );
                other
            }
        };
        assert!(
            text.starts_with(&format!("{id}:")),
            "{id}: {case}: error does not name the exchange: {text}"
        );
        assert_eq!(err.exchange(), Some(id), "{case}");
        assert!(text.len() < 600, "{id}: {case}: error too long: {text}");
        match case {
            "HTML page on 200" => assert!(text.contains("HTML page"), "{id}: {text}"),
            "HTML page on 502" => {
                assert!(matches!(err, Error::Unavailable { .. }), "{id}: {text}")
            }
            "truncated JSON" => assert!(text.contains("truncated JSON"), "{id}: {text}"),
            "empty body" => assert!(text.contains("empty body"), "{id}: {text}"),
            "error envelope on 200" => {
                assert!(matches!(err, Error::AuthRejected { .. }), "{id}: {text}")
            }
            _ => {}
        }
    }
}

/// Every leaf of the documented answer, removed or given each other JSON type in turn: a leaf
/// of the key information never fails the inspection; a leaf of the envelope may, with an
/// error naming the exchange. Nothing panics.
pub async fn single_field_mutations_never_panic_and_never_fail_the_key_information(
    subject: &Subject,
) {
    let id = subject.exchange;
    let sim = subject.simulator(Scenario::DocumentedExample).await;
    let adapter = subject.adapter(&sim);
    let documented = subject.answer(Scenario::DocumentedExample).body;
    let payload: Vec<String> = subject
        .simulation
        .payload_pointer
        .split('/')
        .skip(1)
        .map(str::to_owned)
        .collect();
    let mut paths = Vec::new();
    leaf_paths(&documented, &mut Vec::new(), &mut paths);
    // Gemini's documented answer has five fields; Bitstamp's kill switch answer, one list.
    let fewest = if subject.describes_keys() { 5 } else { 1 };
    assert!(paths.len() >= fewest, "{id}");
    let replacements = [
        None,
        Some(Value::Null),
        Some(Value::from(-1)),
        Some(Value::from("x")),
        Some(Value::from(true)),
        Some(serde_json::json!([])),
        Some(serde_json::json!({})),
    ];
    let selector: Option<Vec<String>> = subject.simulation.own_key_field.map(|field| {
        payload
            .iter()
            .cloned()
            .chain(std::iter::once(field.to_owned()))
            .collect()
    });
    for path in paths.iter().filter(|path| Some(*path) != selector.as_ref()) {
        // The kill switch's answer is no key information: a mutation may make it unreadable
        // (its outcome then unknown), never a panic.
        let inside =
            subject.describes_keys() && path.len() > payload.len() && path.starts_with(&payload);
        for replacement in &replacements {
            let mut body = documented.clone();
            mutate(&mut body, path, replacement.clone());
            sim.serve_raw(200, "application/json", body.to_string())
                .await;
            let reader = subject.reader(&adapter, || subject.setup(&sim));
            match subject.read(&*reader).await {
                Ok(Reading::Key(info)) => assert_eq!(info.exchange, id),
                Ok(Reading::RevokedAll(revoked)) => assert_eq!(revoked.exchange, id),
                Err(err) => {
                    assert!(
                        !inside,
                        "{id}: {path:?} set to {replacement:?} failed the inspection: {err}"
                    );
                    assert_eq!(err.exchange(), Some(id), "{err}");
                }
            }
        }
    }
}

fn leaf_paths(value: &Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, field) in map {
                prefix.push(key.clone());
                leaf_paths(field, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (index, item) in items.iter().enumerate() {
                prefix.push(index.to_string());
                leaf_paths(item, prefix, out);
                prefix.pop();
            }
        }
        _ => out.push(prefix.clone()),
    }
}

fn mutate(value: &mut Value, path: &[String], replacement: Option<Value>) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut target = value;
    for step in parents {
        target = match target {
            Value::Object(map) => map.get_mut(step).unwrap(),
            Value::Array(items) => &mut items[step.parse::<usize>().unwrap()],
            _ => return,
        };
    }
    match (target, replacement) {
        (Value::Object(map), None) => {
            map.remove(last);
        }
        (Value::Object(map), Some(v)) => {
            map.insert(last.clone(), v);
        }
        (Value::Array(items), None) => {
            items.remove(last.parse::<usize>().unwrap());
        }
        (Value::Array(items), Some(v)) => items[last.parse::<usize>().unwrap()] = v,
        _ => {}
    }
}

/// A plain-HTTP URL off loopback is refused when the adapter is built.
pub async fn plain_http_is_refused_off_loopback(subject: &Subject) {
    let id = subject.exchange;
    let setup = Setup {
        base_url: "http://exchange.example.com".to_owned(),
        ..subject.setup_without_simulator()
    };
    let err = (subject.build)(setup).unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{id}: {err}");
    assert!(err.to_string().contains("HTTPS"), "{id}: {err}");
}

/// Building without credentials fails, naming the environment variables to set.
pub async fn missing_credentials_fail_at_build_time_naming_the_variables(subject: &Subject) {
    let id = subject.exchange;
    let setup = Setup {
        credentials: None,
        ..subject.setup_without_simulator()
    };
    let err = (subject.build)(setup).unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{id}: {err}");
    assert!(
        err.to_string()
            .contains(&format!("{}_API_KEY", id.env_prefix())),
        "{id}: {err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Secrets planted in every position an answer can carry them: found nowhere, and the mapped
// rights, addresses and dates exactly what they would be for any other string.
// ---------------------------------------------------------------------------------------------

/// A string of the same length as `secret` that no scrubber knows.
fn control_for(secret: &str) -> String {
    "Q".repeat(secret.chars().count())
}

/// The successful answer of `scenario` with `token` planted as a value, an object key, nested,
/// in an array, in upper case, and as a permission name.
fn planted_answer(subject: &Subject, scenario: Scenario, token: &str) -> Value {
    let mut body = subject.answer(scenario).body;
    (subject.simulation.plant_permission)(&mut body, token);
    let pointer = subject.simulation.payload_pointer;
    let target = body.pointer_mut(pointer).unwrap();
    // A payload that is a list (Bitfinex): the planted object rides in it as one more entry.
    let mut entry = serde_json::Map::new();
    let payload = match target {
        Value::Array(_) => &mut entry,
        other => other.as_object_mut().unwrap(),
    };
    payload.insert("plantedValue".into(), token.into());
    payload.insert(token.into(), "planted key".into());
    payload.insert(
        "plantedNested".into(),
        serde_json::json!({ "deeper": { "v": format!("prefix-{token}-suffix") } }),
    );
    payload.insert("plantedList".into(), serde_json::json!(["a", token]));
    payload.insert("plantedUpper".into(), token.to_ascii_uppercase().into());
    if let Some(Value::Array(items)) = body.pointer_mut(pointer) {
        items.push(Value::Object(entry));
    }
    body
}

/// Every header an adapter may read a request id from, set to `value`.
fn with_request_ids(subject: &Subject, mut answer: CannedAnswer, value: &str) -> CannedAnswer {
    for name in subject.request_id_headers.iter().chain(&["x-request-id"]) {
        answer = answer.header(name, value);
    }
    answer
}

/// What must not change whatever the strings in an answer are.
fn mapped_values(info: &KeyInfo) -> String {
    let grants: Vec<String> = Permission::NORMALIZED
        .iter()
        .map(|p| format!("{p}={:?}", info.permissions.get(p)))
        .collect();
    let others = info
        .permissions
        .iter()
        .filter(|(p, _)| matches!(p, Permission::Other(_)))
        .map(|(_, g)| format!("{g:?}"))
        .collect::<Vec<_>>();
    let ips = match &info.ip_restriction {
        IpRestriction::AllowList(entries) => entries
            .iter()
            .map(|e| match e {
                crate::IpEntry::Net(net) => net.to_string(),
                crate::IpEntry::Pattern(_) => "pattern".to_owned(),
            })
            .collect::<Vec<_>>()
            .join(","),
        other => format!("{other:?}"),
    };
    format!(
        "{grants:?} others={others:?} ips={ips} created={:?} expires={:?} trading={:?} used={:?} enabled={:?} account={:?}",
        info.created_at, info.expires_at, info.trading_expires_at, info.last_used_at, info.enabled, info.account
    )
}

/// The secrets, planted as a value, an object key, nested, in an array, upper-cased, as a
/// permission name and in every request-id header, are found nowhere in the key information,
/// and every mapped value is what it is with any other string.
pub async fn planted_secrets_are_found_nowhere_and_change_no_mapped_value(subject: &Subject) {
    let id = subject.exchange;
    let sim = subject.simulator(Scenario::Trading).await;
    let adapter = subject.adapter(&sim);
    for secret in subject.secrets() {
        let control = control_for(&secret);
        let mut outcomes = Vec::new();
        for token in [&secret, &control] {
            let answer = CannedAnswer::ok(planted_answer(subject, Scenario::Trading, token));
            sim.serve(with_request_ids(subject, answer, token)).await;
            let reader = subject.reader(&adapter, || subject.setup(&sim));
            outcomes.push(subject.read(&*reader).await.unwrap());
        }
        let (planted, controlled) = (&outcomes[0], &outcomes[1]);
        let shown = planted.shown();
        assert!(
            !leaks(&shown, &secret),
            "{id}: the answer's Debug or JSON shows a planted secret: {shown}"
        );
        assert!(
            serde_json::to_string(planted.raw())
                .unwrap()
                .contains("[redacted]"),
            "{id}"
        );
        assert_eq!(
            planted.mapped_values(),
            controlled.mapped_values(),
            "{id}: a planted secret changed a mapped value"
        );
        if let Reading::Key(planted) = planted {
            assert!(
                planted
                    .anomalies
                    .iter()
                    .any(|a| a.kind == crate::AnomalyKind::Unrecognized),
                "{id}: the planted permission is listed as unrecognized"
            );
        }
    }
}

/// The secrets, planted in an error answer's code, message and request-id headers, are found
/// nowhere in the error.
pub async fn secrets_planted_in_error_codes_messages_and_request_ids_are_found_nowhere(
    subject: &Subject,
) {
    let id = subject.exchange;
    let sim = subject.simulator(Scenario::InvalidKey).await;
    let adapter = subject.adapter(&sim);
    for secret in subject.secrets() {
        let answer =
            subject.error_answer(&secret, &format!("invalid key or signature for {secret}"));
        sim.serve(with_request_ids(subject, answer, &secret)).await;
        let err = subject.read(&*adapter).await.unwrap_err();
        for (what, text) in [("Display", err.to_string()), ("Debug", format!("{err:?}"))] {
            assert!(
                !leaks(&text, &secret),
                "{id}: error {what} shows a secret: {text}"
            );
        }
        let context = err.context().unwrap();
        assert_eq!(context.code.as_deref(), Some("[redacted]"), "{id}");
        assert!(
            context.message.as_deref().unwrap().contains("[redacted]"),
            "{id}"
        );
    }
}

/// The secrets, planted in 503 answers that are retried, never reach a log line, an error or
/// its context.
pub async fn secrets_in_retried_answers_never_reach_a_log_line(subject: &Subject) {
    use tracing::instrument::WithSubscriber as _;
    let id = subject.exchange;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    async {
        let sim = subject.simulator(Scenario::ReadOnly).await;
        let adapter = subject.adapter_with(Setup {
            retry: RetryPolicy {
                min_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(2),
                ..RetryPolicy::default()
            },
            ..subject.setup(&sim)
        });
        for secret in subject.secrets() {
            let mut answer = subject.error_answer(&secret, &secret);
            answer.status = 503;
            sim.serve(with_request_ids(subject, answer, &secret)).await;
            let err = subject.read(&*adapter).await.unwrap_err();
            assert!(!leaks(&format!("{err} {err:?}"), &secret), "{id}: {err:?}");
            if !subject.describes_keys() {
                // The kill switch is a write: a 503 is never sent again, and its outcome is
                // unknown.
                let Error::OutcomeUnknown { source, .. } = &err else {
                    panic!("{id}: a 503 on the kill switch: {err}")
                };
                assert!(matches!(**source, Error::Unavailable { .. }), "{id}: {err}");
                assert_eq!(sim.received_requests().await.len(), 1, "{id}");
                continue;
            }
            assert!(matches!(err, Error::Unavailable { .. }), "{id}: {err}");
            assert_eq!(err.context().unwrap().attempts, 3, "{id}");
        }
    }
    .with_subscriber(subscriber)
    .await;
    let logs = captured.text();
    assert!(
        !subject.describes_keys()
            || logs.contains("retrying") && logs.contains(&format!("exchange={id}")),
        "{id}: the retry path must log: {logs}"
    );
    subject.assert_no_secret("a log line", &logs);
}

/// A secret or passphrase equal to a vendor word, an address or a wildcard changes no mapped
/// right, address or date: answers are mapped as received and scrubbed afterwards.
pub async fn a_secret_equal_to_a_vendor_word_changes_no_mapped_value(subject: &Subject) {
    let id = subject.exchange;
    let words = [
        "withdraw",
        "trade",
        "read_only",
        "*",
        "203.0.113.10",
        "SpotTrade",
        "Wallet",
        "Withdraw",
        "enableWithdrawals",
        "true",
        "2026",
    ];
    for scenario in [
        Scenario::DocumentedExample,
        Scenario::WithdrawEnabled,
        Scenario::NoIpRestriction,
        Scenario::Trading,
    ] {
        let sim = subject.simulator(scenario).await;
        if !subject.describes_keys() {
            // Served as a canned answer, the kill switch revokes nothing in the simulator's
            // state: every adapter below can call it.
            sim.serve(subject.answer(scenario)).await;
        }
        let truth = subject.read(&*subject.adapter(&sim)).await.unwrap();
        for word in words {
            let base = sim.credentials();
            let everywhere = Credentials::new(base.api_key(), word).with_passphrase(word);
            // An exchange whose secrets have a form of their own (Kraken's base64) refuses a
            // word as a secret; the word is then only the passphrase.
            let adapter = match (subject.build)(Setup {
                credentials: Some(everywhere),
                ..subject.setup(&sim)
            }) {
                Ok(adapter) => adapter,
                Err(Error::Config { .. }) => subject.adapter_with(Setup {
                    credentials: Some(base.clone().with_passphrase(word)),
                    ..subject.setup(&sim)
                }),
                Err(err) => panic!("{id}: {err}"),
            };
            let reading = subject.read(&*adapter).await.unwrap();
            assert_eq!(
                reading.mapped_values(),
                truth.mapped_values(),
                "{id} {scenario}: a secret `{word}` changed a mapped value"
            );
            if let (Reading::Key(info), Reading::Key(truth)) = (&reading, &truth) {
                assert_eq!(
                    info.ip_restriction, truth.ip_restriction,
                    "{id} {scenario} {word}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Codes are data: every documented error body maps to the class its table row claims.
// ---------------------------------------------------------------------------------------------

/// Codes are data: every documented error body in the subject's fixtures maps to the class
/// its code-table row claims, with the row's retry verdict; every row names its source.
pub async fn every_error_fixture_maps_to_the_class_its_table_row_claims(subject: &Subject) {
    let id = subject.exchange;
    let table = subject.error_codes;
    assert!(!table.is_empty(), "{id}: no error table");
    for row in table {
        assert!(
            row.source.len() > 10,
            "{id}: a row without a source: {row:?}"
        );
        assert!(
            row.code.is_some() || row.http_status.is_some(),
            "{id}: {row:?}"
        );
    }
    let Some(folder) = &subject.fixtures else {
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("error_") && n.ends_with(".json"))
        })
        .collect();
    files.sort();
    assert!(files.len() >= 3, "{id}: too few error fixtures");
    let sim = subject.simulator(Scenario::ReadOnly).await;
    // On the simulator's clock, so a timestamp rejection is corrected, retried, and
    // reported as itself.
    let adapter = subject.adapter_with(Setup {
        clock: Some(Arc::new(FixedClock::new(SERVER_TIME_MS))),
        ..subject.setup(&sim)
    });
    for file in files {
        let body = std::fs::read_to_string(&file).unwrap();
        sim.serve_raw(200, "application/json", body).await;
        let err = subject.read(&*adapter).await.unwrap_err();
        let code = err
            .context()
            .and_then(|c| c.code.clone())
            .unwrap_or_else(|| panic!("{id}: {}: no code: {err}", file.display()));
        let row = table
            .iter()
            .find(|row| row.code == Some(code.as_str()))
            .unwrap_or_else(|| panic!("{id}: code {code} has no row in the table"));
        assert_eq!(
            err.class(),
            Some(row.class),
            "{id}: {}: {err}",
            file.display()
        );
        if !matches!(
            err,
            Error::RateLimited {
                ip_banned: true,
                ..
            }
        ) {
            assert_eq!(
                err.is_retryable(),
                row.retryable,
                "{id}: {}",
                file.display()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Management: what the capabilities call native works, and a write is sent exactly once.
// ---------------------------------------------------------------------------------------------

/// Every management operation the capabilities call native works against the stateful
/// simulator: listed keys carry no secret, a created key is listed, a revoked one is gone and
/// refused afterwards, and revoking the key in use cuts the adapter off.
pub async fn native_operations_work(subject: &Subject) {
    let id = subject.exchange;
    let caps = subject.capabilities();
    if caps.list_keys.is_available() {
        let (_sim, adapter) = subject.start(Scenario::DocumentedExample).await;
        let listed = adapter.list_keys().await.unwrap();
        assert!(
            !listed.is_empty(),
            "{id}: the documented example lists keys"
        );
        for info in &listed {
            assert_eq!(info.exchange, id);
        }
    }
    if caps.create_key.is_available() {
        let (sim, adapter) = subject.start(Scenario::WithdrawEnabled).await;
        let unbound = NewKeySpec::new("conformance-bot", vec![Permission::Read]);
        let err = adapter.create_key(&unbound).await.unwrap_err();
        assert!(
            matches!(err, Error::Config { .. }),
            "{id}: a key bound to no address is refused: {err}"
        );
        assert!(
            sim.received_requests().await.is_empty(),
            "{id}: and nothing is sent"
        );
        let created = adapter.create_key(&creatable(subject)).await.unwrap();
        assert_eq!(created.exchange, id);
        assert!(!created.api_key.is_empty(), "{id}");
        let secret = created.secret.expose_secret().to_owned();
        assert!(!secret.is_empty(), "{id}: the secret is handed over");
        assert!(
            !format!("{created:?}").contains(&secret),
            "{id}: the new secret stays out of Debug"
        );
        if caps.list_keys.is_available() {
            let listed = adapter.list_keys().await.unwrap();
            assert!(
                listed
                    .iter()
                    .any(|k| k.key_id == Reported::Known(created.api_key.clone())),
                "{id}: the created key is listed"
            );
            let shown = format!("{listed:?} {}", serde_json::to_string(&listed).unwrap());
            assert!(
                !leaks(&shown, &secret),
                "{id}: a listed key's secret, echoed by the exchange, reaches no output"
            );
        }
    }
    if caps.revoke.is_available() {
        let (sim, adapter) = subject.start(Scenario::WithdrawEnabled).await;
        let key = a_key_to_revoke(subject, &sim).await;
        let target = key.id.clone();
        let secret = sim.with_state(|state| state.secret_of(&target)).flatten();
        let revoked = adapter
            .revoke(
                managed(subject, &key),
                RevokeConfirm::IUnderstandThisIsIrreversible,
            )
            .await
            .unwrap();
        assert_eq!(revoked.exchange, id);
        assert_eq!(
            sim.with_state(|state| state.is_revoked(&target)),
            Some(true),
            "{id}: the simulator saw the revocation"
        );
        adapter
            .key_info()
            .await
            .unwrap_or_else(|err| panic!("{id}: revoking another key leaves this one: {err}"));
        if caps.list_keys.is_available() {
            let listed = adapter.list_keys().await.unwrap();
            assert!(
                listed
                    .iter()
                    .all(|k| k.key_id != Reported::Known(target.clone())),
                "{id}: the revoked key is no longer listed"
            );
        }
        if let Some(secret) = secret {
            // The subject's passphrase, where its exchange needs one to build an adapter: the
            // simulator refuses the revoked key by its id alone.
            let mut credentials = Credentials::new(target.clone(), secret);
            if let Some(passphrase) = subject.credentials().passphrase() {
                credentials = credentials.with_passphrase(passphrase.expose_secret().to_owned());
            }
            let err = subject
                .adapter_with(Setup {
                    credentials: Some(credentials),
                    ..subject.setup(&sim)
                })
                .key_info()
                .await
                .unwrap_err();
            assert!(
                matches!(
                    err.auth_reason(),
                    Some(AuthReason::InvalidKey | AuthReason::Ambiguous)
                ),
                "{id}: a revoked key is refused: {err}"
            );
        }
    }
    if caps.update_key.is_available() {
        update_key_works(subject).await;
    }
    if caps.revoke_all.is_available() {
        revoke_all_works(subject).await;
    }
    if caps.set_key_enabled.is_available() {
        set_key_enabled_works(subject).await;
    }
    if caps.reset_secret.is_available() {
        reset_secret_works(subject).await;
    }
    if caps.revoke_own.is_available() {
        let (sim, adapter) = subject.start(Scenario::WithdrawEnabled).await;
        let revoked = adapter
            .revoke(KeyRef::Own, RevokeConfirm::IUnderstandThisIsIrreversible)
            .await
            .unwrap();
        assert_eq!(revoked.exchange, id);
        let sent = sim.received_requests().await.len();
        let err = adapter.key_info().await.unwrap_err();
        assert!(
            matches!(err.auth_reason(), Some(AuthReason::InvalidKey)),
            "{id}: after revoking its own key the adapter says so: {err}"
        );
        assert_eq!(
            sim.received_requests().await.len(),
            sent,
            "{id}: and sends nothing"
        );
        let err = subject.adapter(&sim).key_info().await.unwrap_err();
        assert!(
            matches!(
                err.auth_reason(),
                Some(AuthReason::InvalidKey | AuthReason::Ambiguous)
            ),
            "{id}: the exchange refuses the revoked key: {err}"
        );
    } else if caps.revoke.is_available() {
        // Naming the key in use by its id does not get around the missing capability.
        let (sim, adapter) = subject.start(Scenario::WithdrawEnabled).await;
        let own = KeyRef::other(subject.credentials().api_key().to_owned());
        let err = adapter
            .revoke(own, RevokeConfirm::IUnderstandThisIsIrreversible)
            .await
            .unwrap_err();
        assert!(err.is_unsupported(), "{id}: {err}");
        assert!(sim.received_requests().await.is_empty(), "{id}");
    }
}

/// A native `update_key` changes the label and the allowlist the simulated exchange holds,
/// refuses an empty change and an unbound allowlist without sending anything, and leaves the
/// key in use working. An exchange whose API cannot change labels (Bybit) may refuse a change
/// naming one, with `Unsupported` or `Config` and nothing sent; the allowlist alone must then
/// change.
async fn update_key_works(subject: &Subject) {
    let id = subject.exchange;
    let (sim, adapter) = subject.start(Scenario::WithdrawEnabled).await;
    let key = a_key_to_revoke(subject, &sim).await;
    let target = key.id.clone();
    let sent = sim.received_requests().await.len();
    for refused in [
        KeyChange::new(),
        KeyChange::new().allowed_ips(Vec::<String>::new()),
        KeyChange::new().allowed_ips(["0.0.0.0/0"]),
    ] {
        let err = adapter
            .update_key(managed(subject, &key), &refused)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Config { .. }),
            "{id}: {refused:?}: {err}"
        );
    }
    assert_eq!(
        sim.received_requests().await.len(),
        sent,
        "{id}: nothing sent"
    );
    let renamed = adapter
        .update_key(
            managed(subject, &key),
            // A label every exchange's naming rule takes (Deribit: at most 16 characters).
            &KeyChange::new()
                .label("conf_renamed")
                .allowed_ips(["203.0.113.8"]),
        )
        .await;
    let label_changes = match renamed {
        Ok(()) => true,
        Err(err) if err.is_unsupported() || matches!(err, Error::Config { .. }) => {
            assert_eq!(
                sim.received_requests().await.len(),
                sent,
                "{id}: a refused label change sends nothing: {err}"
            );
            adapter
                .update_key(
                    managed(subject, &key),
                    &KeyChange::new().allowed_ips(["203.0.113.8"]),
                )
                .await
                .unwrap_or_else(|err| panic!("{id}: update_key of the allowlist: {err}"));
            false
        }
        Err(err) => panic!("{id}: update_key: {err}"),
    };
    let held = sim
        .with_state(|state| state.key(&target).cloned())
        .flatten()
        .unwrap_or_else(|| panic!("{id}: the simulator still holds the key"));
    if label_changes {
        assert_eq!(held.label, "conf_renamed", "{id}: the label changed");
    } else {
        assert_ne!(held.label, "conf_renamed", "{id}: the label stayed");
    }
    assert_eq!(
        held.ips,
        vec!["203.0.113.8".to_owned()],
        "{id}: the allowlist changed"
    );
    adapter
        .key_info()
        .await
        .unwrap_or_else(|err| panic!("{id}: changing another key leaves this one: {err}"));
}

/// A native kill switch revokes every key the exchange holds and the caller's, cuts the adapter
/// off (it sends nothing more), and the exchange refuses the caller's key afterwards.
async fn revoke_all_works(subject: &Subject) {
    let id = subject.exchange;
    let (sim, adapter) = subject.start(Scenario::WithdrawEnabled).await;
    let others: Vec<String> = (0..2)
        .filter_map(|n| {
            sim.with_state(|state| {
                state
                    .create(&format!("conformance-{n}"), Vec::new(), Vec::new())
                    .api_key
            })
        })
        .collect();
    let revoked = adapter
        .revoke_all(RevokeAllConfirm::IUnderstandEveryKeyOnEveryAccountDies)
        .await
        .unwrap();
    assert_eq!(revoked.exchange, id);
    let caller = sim.credentials().api_key().to_owned();
    for key in others.iter().chain(std::iter::once(&caller)) {
        assert_eq!(
            sim.with_state(|state| state.is_revoked(key)),
            Some(true),
            "{id}: {key} survived the kill switch"
        );
        assert!(
            revoked.key_ids.contains(key),
            "{id}: {key} not reported: {revoked:?}"
        );
    }
    let sent = sim.received_requests().await.len();
    let err = subject.read(&*adapter).await.unwrap_err();
    assert_eq!(
        err.auth_reason(),
        Some(AuthReason::InvalidKey),
        "{id}: {err}"
    );
    assert_eq!(
        sim.received_requests().await.len(),
        sent,
        "{id}: and sends nothing"
    );
    let err = subject.read(&*subject.adapter(&sim)).await.unwrap_err();
    assert!(
        matches!(
            err.auth_reason(),
            Some(AuthReason::InvalidKey | AuthReason::Ambiguous)
        ),
        "{id}: the exchange refuses the revoked key: {err}"
    );
}

/// A native `set_key_enabled` disables a key (the exchange then refuses it) and enables it
/// again.
async fn set_key_enabled_works(subject: &Subject) {
    let id = subject.exchange;
    let (sim, adapter) = subject.start(Scenario::WithdrawEnabled).await;
    let key = a_key_to_revoke(subject, &sim).await;
    let target = key.id.clone();
    let enabled = |sim: &SimulatedExchange| {
        sim.with_state(|state| state.key(&target).map(|k| k.enabled))
            .flatten()
    };
    adapter
        .set_key_enabled(managed(subject, &key), false)
        .await
        .unwrap_or_else(|err| panic!("{id}: disabling: {err}"));
    assert_eq!(
        enabled(&sim),
        Some(false),
        "{id}: the simulator saw the key disabled"
    );
    adapter
        .set_key_enabled(managed(subject, &key), true)
        .await
        .unwrap_or_else(|err| panic!("{id}: enabling: {err}"));
    assert_eq!(enabled(&sim), Some(true), "{id}: and enabled again");
    let err = adapter
        .set_key_enabled(KeyRef::other(" "), false)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Config { .. }),
        "{id}: an empty id: {err}"
    );
}

/// A native `reset_secret` hands over a new secret (kept out of `Debug`) for the same key id.
async fn reset_secret_works(subject: &Subject) {
    let id = subject.exchange;
    let (sim, adapter) = subject.start(Scenario::WithdrawEnabled).await;
    let key = a_key_to_revoke(subject, &sim).await;
    let target = key.id.clone();
    let before = sim.with_state(|state| state.secret_of(&target)).flatten();
    let reset = adapter
        .reset_secret(
            managed(subject, &key),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap_or_else(|err| panic!("{id}: reset_secret: {err}"));
    assert_eq!(reset.exchange, id);
    assert_eq!(reset.api_key, target, "{id}: the key keeps its id");
    let secret = reset.secret.expose_secret().to_owned();
    assert!(!secret.is_empty(), "{id}: the new secret is handed over");
    assert_ne!(Some(secret.clone()), before, "{id}: and it is new");
    assert_eq!(
        sim.with_state(|state| state.secret_of(&target)).flatten(),
        Some(secret.clone()),
        "{id}: the simulator holds the new secret"
    );
    assert!(
        !format!("{reset:?}").contains(&secret),
        "{id}: the new secret stays out of Debug"
    );
}

/// What the suite asks a native `create_key` for: a read-only key bound to a documentation
/// address, in the simulation's sub-account where the exchange needs one.
fn creatable(subject: &Subject) -> NewKeySpec {
    let spec =
        NewKeySpec::new("conformance_bot", vec![Permission::Read]).allowed_ips(["203.0.113.7"]);
    match subject.simulation.manage.sub_account {
        Some(sub_account) => spec.sub_account(sub_account),
        None => spec,
    }
}

/// A key other than the one in use, as the suite manages it: its public id and, when it was
/// created through the API, the passphrase it was created with.
struct ManagedKey {
    id: String,
    passphrase: Option<secrecy::SecretString>,
}

/// Another key, by its public id, in the simulation's sub-account where the exchange needs one,
/// with its own passphrase where it has one (KuCoin manages a sub-account key only with it).
fn managed(subject: &Subject, key: &ManagedKey) -> KeyRef {
    let target = match subject.simulation.manage.sub_account {
        Some(sub_account) => KeyRef::sub_account_key(key.id.clone(), sub_account),
        None => KeyRef::other(key.id.clone()),
    };
    match &key.passphrase {
        Some(passphrase) => target.with_passphrase(passphrase.clone()),
        None => target,
    }
}

/// A key other than the one in use that `sim` holds: one created through the API where that
/// is native, else one the exchange lists.
async fn a_key_to_revoke(subject: &Subject, sim: &SimulatedExchange) -> ManagedKey {
    let id = subject.exchange;
    let caps = subject.capabilities();
    let adapter = subject.adapter(sim);
    if caps.create_key.is_available() {
        let created = adapter.create_key(&creatable(subject)).await.unwrap();
        return ManagedKey {
            id: created.api_key.clone(),
            passphrase: created.passphrase.clone(),
        };
    }
    let own = subject.credentials().api_key().to_owned();
    if caps.list_keys.is_available() {
        let listed = adapter.list_keys().await.unwrap();
        if let Some(other) = listed.iter().find_map(|k| match &k.key_id {
            Reported::Known(key) if *key != own => Some(key.clone()),
            _ => None,
        }) {
            return ManagedKey {
                id: other,
                passphrase: None,
            };
        }
    }
    panic!("{id}: revoking another key is native, but the simulator neither creates nor lists another key to revoke")
}

/// A call that changes something (revoking a key, creating one) is sent exactly once, whatever
/// goes wrong: a 5xx, a timeout, a connection reset. Sending it again could create a second key
/// or act twice; the caller learns the outcome is unknown ([`Error::OutcomeUnknown`]), never
/// that it may simply retry.
pub async fn writes_are_sent_exactly_once(subject: &Subject) {
    let id = subject.exchange;
    let caps = subject.capabilities();
    let retrying = RetryPolicy {
        max_retries: 3,
        min_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
        ..RetryPolicy::default()
    };
    let writes: Vec<&str> = [
        (caps.revoke_own.is_available(), "revoke the key in use"),
        (caps.revoke.is_available(), "revoke another key"),
        (caps.create_key.is_available(), "create a key"),
        (caps.revoke_all.is_available(), "revoke every key"),
    ]
    .into_iter()
    .filter_map(|(available, name)| available.then_some(name))
    .collect();
    for write in writes {
        for fault in [Fault::Status503, Fault::Timeout, Fault::Reset] {
            let door = FaultyDoor::start(subject, fault, 0).await;
            let target = match write {
                "revoke another key" => Some(a_key_to_revoke(subject, &door.sim).await),
                _ => None,
            };
            let adapter = subject.adapter_with(Setup {
                base_url: door.url.clone(),
                retry: retrying,
                timeout: Some(Duration::from_millis(300)),
                ..subject.setup(&door.sim)
            });
            let outcome = match target {
                Some(target) => adapter
                    .revoke(
                        managed(subject, &target),
                        RevokeConfirm::IUnderstandThisIsIrreversible,
                    )
                    .await
                    .map(drop),
                None if write == "create a key" => {
                    adapter.create_key(&creatable(subject)).await.map(drop)
                }
                None if write == "revoke every key" => adapter
                    .revoke_all(RevokeAllConfirm::IUnderstandEveryKeyOnEveryAccountDies)
                    .await
                    .map(drop),
                None => adapter
                    .revoke(KeyRef::Own, RevokeConfirm::IUnderstandThisIsIrreversible)
                    .await
                    .map(drop),
            };
            let err = match outcome {
                Ok(()) => panic!("{id}: {write} under {fault:?} cannot succeed"),
                Err(err) => err,
            };
            assert_eq!(
                door.writes(),
                1,
                "{id}: {write} under {fault:?} was sent {} times",
                door.writes()
            );
            assert!(
                err.is_outcome_unknown() && !err.is_retryable(),
                "{id}: {write} under {fault:?} says its outcome is unknown: {err}"
            );
        }
    }
    if caps.create_key.is_available() {
        // The create goes through and what follows it fails (Deribit binds the new key in a
        // second call, and removes it when that fails): no call is sent twice, the caller is
        // not told to retry, and the new key's secret is in no error.
        for fault in [Fault::Status503, Fault::Timeout, Fault::Reset] {
            let door = FaultyDoor::start(subject, fault, 1).await;
            let adapter = subject.adapter_with(Setup {
                base_url: door.url.clone(),
                retry: retrying,
                timeout: Some(Duration::from_millis(300)),
                ..subject.setup(&door.sim)
            });
            let outcome = adapter.create_key(&creatable(subject)).await;
            let sent = door.write_paths();
            let mut unique = sent.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(
                unique.len(),
                sent.len(),
                "{id}: under {fault:?} after the create, a write was sent twice: {sent:?}"
            );
            if let Err(err) = outcome {
                assert!(!err.is_retryable(), "{id}: {fault:?}: {err}");
                let text = format!("{err} {err:?}");
                let secrets = door
                    .sim
                    .with_state(|state| {
                        state
                            .keys
                            .iter()
                            .map(|k| k.secret.clone())
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default();
                for secret in secrets {
                    assert!(
                        !leaks(&text, &secret),
                        "{id}: {fault:?}: the new key's secret is in the error"
                    );
                }
            }
        }
    }
}

/// What one case of the fault matrix must end in, before the kill switch's wrapping.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expected {
    RateLimited {
        retry_after: Option<Duration>,
        ip_banned: bool,
    },
    Unavailable,
    Transport(TransportKind),
    Decode,
    /// `Decode`, or, where the envelope's success code was itself given another type (`0`
    /// become `"seven"` or `7`), `Rejected` with that code: an unknown error code.
    DecodeOrRetypedCode,
    AuthRejected,
}

impl Expected {
    fn matches(self, err: &Error) -> bool {
        match (self, err) {
            (
                Expected::RateLimited {
                    retry_after,
                    ip_banned,
                },
                Error::RateLimited {
                    retry_after: got,
                    ip_banned: banned,
                    ..
                },
            ) => retry_after == *got && ip_banned == *banned,
            (Expected::Unavailable, Error::Unavailable { .. })
            | (Expected::Decode, Error::Decode { .. })
            | (Expected::AuthRejected, Error::AuthRejected { .. }) => true,
            (Expected::Transport(kind), Error::Transport { kind: got, .. }) => kind == *got,
            (Expected::DecodeOrRetypedCode, Error::Decode { .. }) => true,
            (Expected::DecodeOrRetypedCode, Error::Rejected { context }) => {
                matches!(context.code.as_deref(), Some("7" | "seven"))
            }
            _ => false,
        }
    }

    /// Whether a write failing this way may have been carried out ([`Error::OutcomeUnknown`]):
    /// the exchange did not clearly refuse it.
    fn leaves_a_write_unclear(self) -> bool {
        match self {
            Expected::Unavailable | Expected::Decode | Expected::DecodeOrRetypedCode => true,
            Expected::Transport(kind) => kind != TransportKind::Connect,
            Expected::RateLimited { .. } | Expected::AuthRejected => false,
        }
    }
}

/// How one case of the fault matrix answers the read.
enum Trouble {
    /// The simulator answers this on the read's call.
    Canned(CannedAnswer),
    /// The simulator answers this status, content type and body on the read's call.
    Raw(u16, &'static str, Vec<u8>),
    /// A front door fails the read's call this way.
    Door(Fault),
}

/// The fault matrix: every way an exchange or the network fails a read gives its exact error,
/// after the number of attempts the retry policy documents, within a bounded time. With two
/// retries of 1–2 ms backoff and a 300 ms request timeout:
///
/// | fault | error | attempts |
/// |---|---|---|
/// | 429, no `Retry-After` | `RateLimited { retry_after: None }` | 3 |
/// | 429, `Retry-After: 1` (at most [`RetryPolicy::max_retry_after`]) | `RateLimited { retry_after: 1 s }` | waits 1 s; 2 within a 1.5 s [`RetryPolicy::retry_timeout`] |
/// | 429, `Retry-After: 120` (beyond it) | `RateLimited { retry_after: 120 s }` | 1: the wait is the caller's |
/// | 418, with `Retry-After` or without | `RateLimited { ip_banned: true }` | 1: calling again extends a ban |
/// | 500, 502, 503 | `Unavailable` | 3 |
/// | no answer within the timeout | `Transport { kind: Timeout }` | 3 |
/// | connection reset | `Transport { kind: Reset }` | 3: a read is sent again on a fresh connection |
/// | HTML page, truncated JSON, empty body on 200 | `Decode` | 1 |
/// | wrong types on 200 | `Decode`; or `Rejected` where the envelope's success code, retyped, reads as an unknown error code; or a reading claiming nothing | 1 |
/// | error envelope on 200 | `AuthRejected` | 1 |
///
/// Where the read is the kill switch (Bitstamp), a write, nothing is sent twice: every case
/// takes one attempt, and a failure that may have been carried out (5xx, timeout, reset,
/// unreadable answer) is [`Error::OutcomeUnknown`] around the error above.
pub async fn faults_give_the_documented_error_after_the_documented_attempts_in_bounded_time(
    subject: &Subject,
) {
    let id = subject.exchange;
    let reads = subject.describes_keys();
    let path = subject.simulation.key_info_path;
    let timeout = Duration::from_millis(300);
    let policy = RetryPolicy {
        max_retries: 2,
        min_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
        ..RetryPolicy::default()
    };
    let second = Duration::from_secs(1);
    let long = Duration::from_secs(120);
    let quick = Duration::from_millis(1000);
    let limited = |retry_after, ip_banned| Expected::RateLimited {
        retry_after,
        ip_banned,
    };
    let status = |code: u16| CannedAnswer::with_status(code, serde_json::json!({}));
    // (case, trouble, policy, expected, attempts, at least, under), for a read.
    let mut cases: Vec<(
        String,
        Trouble,
        RetryPolicy,
        Expected,
        u32,
        Duration,
        Duration,
    )> = vec![
        (
            "429 without Retry-After".into(),
            Trouble::Canned(status(429)),
            policy,
            limited(None, false),
            3,
            Duration::ZERO,
            quick,
        ),
        (
            "429 with Retry-After: 1".into(),
            Trouble::Canned(status(429).header("retry-after", "1")),
            RetryPolicy {
                retry_timeout: Duration::from_millis(1500),
                ..policy
            },
            limited(Some(second), false),
            2,
            second,
            Duration::from_millis(1500) + Duration::from_millis(500),
        ),
        (
            "429 with Retry-After: 120".into(),
            Trouble::Canned(status(429).header("retry-after", "120")),
            policy,
            limited(Some(long), false),
            1,
            Duration::ZERO,
            quick,
        ),
        (
            "418 with Retry-After: 120".into(),
            Trouble::Canned(status(418).header("retry-after", "120")),
            policy,
            limited(Some(long), true),
            1,
            Duration::ZERO,
            quick,
        ),
        (
            "418 without Retry-After".into(),
            Trouble::Canned(status(418)),
            policy,
            limited(None, true),
            1,
            Duration::ZERO,
            quick,
        ),
    ];
    for code in [500, 502, 503] {
        cases.push((
            code.to_string(),
            Trouble::Canned(status(code)),
            policy,
            Expected::Unavailable,
            3,
            Duration::ZERO,
            quick,
        ));
    }
    cases.push((
        "no answer within the timeout".into(),
        Trouble::Door(Fault::Timeout),
        policy,
        Expected::Transport(TransportKind::Timeout),
        3,
        timeout * 3,
        Duration::from_secs(2),
    ));
    cases.push((
        "connection reset".into(),
        Trouble::Door(Fault::Reset),
        policy,
        Expected::Transport(TransportKind::Reset),
        3,
        Duration::ZERO,
        quick,
    ));
    for (case, status, content_type, body) in malformed_answers(subject) {
        let expected = match case {
            "HTML page on 200" | "truncated JSON" | "empty body" => Expected::Decode,
            "wrong types" => Expected::DecodeOrRetypedCode,
            "error envelope on 200" => Expected::AuthRejected,
            _ => continue,
        };
        cases.push((
            case.into(),
            Trouble::Raw(status, content_type, body),
            policy,
            expected,
            1,
            Duration::ZERO,
            quick,
        ));
    }
    for (case, trouble, policy, expected, attempts, at_least, under) in cases {
        // The kill switch is a write: sent once, and waiting for nothing but its one answer.
        let (attempts, at_least, under) = if reads {
            (attempts, at_least, under)
        } else if expected == Expected::Transport(TransportKind::Timeout) {
            (1, timeout, quick)
        } else {
            (1, Duration::ZERO, quick)
        };
        let (sim, door) = match trouble {
            Trouble::Door(fault) => {
                let door = FaultyDoor::failing(subject, fault, 0, move |r| r.path == path).await;
                (None, Some(door))
            }
            Trouble::Canned(answer) => {
                let sim = subject.simulator(Scenario::ReadOnly).await;
                sim.serve(answer).await;
                (Some(sim), None)
            }
            Trouble::Raw(status, content_type, body) => {
                let sim = subject.simulator(Scenario::ReadOnly).await;
                sim.serve_raw(status, content_type, body).await;
                (Some(sim), None)
            }
        };
        let setup = match (&sim, &door) {
            (Some(sim), _) => Setup {
                retry: policy,
                timeout: Some(timeout),
                ..subject.setup(sim)
            },
            (None, Some(door)) => Setup {
                base_url: door.url.clone(),
                retry: policy,
                timeout: Some(timeout),
                ..subject.setup(&door.sim)
            },
            (None, None) => unreachable!(),
        };
        let adapter = subject.adapter_with(setup);
        let started = Instant::now();
        let outcome = subject.read(&*adapter).await;
        let took = started.elapsed();
        let sent = match (&sim, &door) {
            (Some(sim), _) => sim
                .received_requests()
                .await
                .iter()
                .filter(|r| r.path == path)
                .count(),
            (None, Some(door)) => door.writes(),
            (None, None) => unreachable!(),
        };
        assert_eq!(
            sent, attempts as usize,
            "{id}: {case}: {sent} requests sent, {attempts} expected ({outcome:?})"
        );
        assert!(
            took >= at_least && took < under,
            "{id}: {case}: took {took:?}, expected from {at_least:?} to under {under:?}"
        );
        let err = match outcome {
            // Every value of another type may still read as an answer claiming nothing (the
            // malformed-answer check says what it must not claim).
            Ok(_) if case == "wrong types" => continue,
            Ok(reading) => panic!("{id}: {case} must fail, not read {reading:?}"),
            Err(err) => err,
        };
        let err = match &err {
            Error::OutcomeUnknown { source, .. } if !reads && expected.leaves_a_write_unclear() => {
                source.as_ref()
            }
            other => {
                assert!(
                    reads || !expected.leaves_a_write_unclear(),
                    "{id}: {case}: the kill switch's outcome is unknown: {other}"
                );
                other
            }
        };
        assert!(
            expected.matches(err),
            "{id}: {case}: expected {expected:?}, got {err:?}"
        );
        if let Some(context) = err.context() {
            assert_eq!(context.attempts, attempts, "{id}: {case}: {err}");
        }
    }
}

/// How [`FaultyDoor`] fails a request.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Answers 503.
    Status503,
    /// Answers nothing for longer than the adapter waits.
    Timeout,
    /// Reads the request and resets the connection (RST, not an orderly close).
    Reset,
}

/// A simulated exchange behind a front door that fails some requests one way (after letting
/// the first `spared` through) and records them; the others, and the spared ones, pass through
/// to the simulator (so a write may first look a key up).
struct FaultyDoor {
    sim: SimulatedExchange,
    url: String,
    writes: Arc<Mutex<Vec<String>>>,
}

impl FaultyDoor {
    /// A door that fails writes.
    async fn start(subject: &Subject, fault: Fault, spared: usize) -> FaultyDoor {
        FaultyDoor::failing(subject, fault, spared, subject.simulation.manage.is_write).await
    }

    /// A door that fails the requests `faulted` picks (and records them as its "writes").
    async fn failing(
        subject: &Subject,
        fault: Fault,
        spared: usize,
        faulted: impl Fn(&RecordedRequest) -> bool + Send + Sync + 'static,
    ) -> FaultyDoor {
        let faulted = Arc::new(faulted);
        let sim = subject.simulator(Scenario::DocumentedExample).await;
        let upstream = sim
            .base_url()
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let writes = Arc::new(Mutex::new(Vec::new()));
        let counter = writes.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (upstream, counter) = (upstream.clone(), counter.clone());
                let faulted = faulted.clone();
                std::thread::spawn(move || {
                    let _ = pass_or_fail(client, &upstream, |request| {
                        if !faulted(request) {
                            return None;
                        }
                        let mut writes = counter.lock().unwrap_or_else(|e| e.into_inner());
                        writes.push(request.path.clone());
                        (writes.len() > spared).then_some(fault)
                    });
                });
            }
        });
        FaultyDoor { sim, url, writes }
    }

    /// The paths of the writes received, in order.
    fn write_paths(&self) -> Vec<String> {
        self.writes
            .lock()
            .map(|writes| writes.clone())
            .unwrap_or_default()
    }

    fn writes(&self) -> usize {
        self.write_paths().len()
    }
}

/// Reads one request from `client`; fails it as `fault_for` says, or relays it to `upstream`
/// (closing both connections after the answer).
fn pass_or_fail(
    mut client: std::net::TcpStream,
    upstream: &str,
    fault_for: impl Fn(&RecordedRequest) -> Option<Fault>,
) -> std::io::Result<()> {
    use std::io::{Read, Write};
    client.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut raw = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        let read = client.read(&mut buffer)?;
        if read == 0 {
            return Ok(());
        }
        raw.extend_from_slice(&buffer[..read]);
        if let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_owned();
    let target = request_line.next().unwrap_or_default();
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
        None => (target.to_owned(), None),
    };
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    while raw.len() < head_end + length {
        let read = client.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        raw.extend_from_slice(&buffer[..read]);
    }
    let request = RecordedRequest {
        method,
        path,
        query,
        headers,
        body: String::from_utf8_lossy(&raw[head_end..]).into_owned(),
    };
    match fault_for(&request) {
        Some(Fault::Status503) => client.write_all(
            b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        ),
        Some(Fault::Timeout) => {
            std::thread::sleep(Duration::from_secs(3));
            Ok(())
        }
        Some(Fault::Reset) => {
            // Linger 0: closing sends RST, as a crashed gateway would.
            socket2::SockRef::from(&client).set_linger(Some(Duration::ZERO))?;
            Ok(())
        }
        None => {
            // One request per connection: the simulator closes after answering.
            let request_line_end = raw.windows(2).position(|w| w == b"\r\n").unwrap_or(0) + 2;
            let mut relayed = raw[..request_line_end].to_vec();
            relayed.extend_from_slice(b"connection: close\r\n");
            relayed.extend_from_slice(&raw[request_line_end..]);
            let mut server = std::net::TcpStream::connect(upstream)?;
            server.write_all(&relayed)?;
            let mut answer = Vec::new();
            server.read_to_end(&mut answer)?;
            client.write_all(&answer)
        }
    }
}

//! Hostile review of key management: a lying exchange, an unlucky operator, a tampered state
//! file, an attacker sharing a directory. Each test names the promise it attacks.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use exchange_keys::manage::breach::{self, Action, BreachTarget};
use exchange_keys::manage::rotate::{
    Phase, Rotation, RotationError, RotationState, SecretStore, Verifier,
};
use exchange_keys::manage::store::{CommandStore, FileJournal, FileStore};
use exchange_keys::testkit::{Scenario, SimulatedExchange};
use exchange_keys::{
    Capabilities, Credentials, Error, ExchangeId, KeyAdapter, KeyChange, KeyInfo, KeyRef, NewKey,
    NewKeySpec, Permission, RevokeConfirm, Revoked,
};
use secrecy::{ExposeSecret, SecretString};

// ---------------------------------------------------------------------------------------------
// Plumbing: a store that remembers, and a manager whose calls can be made to fail.

#[derive(Debug, Default)]
struct Store {
    stored: Mutex<Vec<(String, String)>>,
}

#[async_trait]
impl SecretStore for Store {
    async fn store(&self, key: &NewKey) -> Result<(), String> {
        self.stored
            .lock()
            .unwrap()
            .push((key.api_key.clone(), key.secret.expose_secret().to_owned()));
        Ok(())
    }
}

fn unknown(exchange: ExchangeId) -> Error {
    Error::OutcomeUnknown {
        exchange,
        call: "create".into(),
        source: Box::new(Error::Transport {
            exchange: Some(exchange),
            kind: exchange_keys::error::TransportKind::Timeout,
            message: "timed out".into(),
        }),
    }
}

fn unavailable(exchange: ExchangeId) -> Error {
    Error::Unavailable {
        context: Box::new(exchange_keys::ErrorContext::new(exchange)),
    }
}

/// The manager, with faults to inject.
#[derive(Debug)]
struct Wrap {
    inner: Arc<dyn KeyAdapter>,
    /// How many `list_keys` calls fail before they work again.
    list_failures: AtomicUsize,
    /// Whether `key_info` fails.
    key_info_fails: AtomicBool,
    /// Whether `create_key` times out without creating anything.
    create_times_out: AtomicBool,
    revoked: Mutex<Vec<String>>,
}

impl Wrap {
    fn new(inner: Arc<dyn KeyAdapter>) -> Arc<Wrap> {
        Arc::new(Wrap {
            inner,
            list_failures: AtomicUsize::new(0),
            key_info_fails: AtomicBool::new(false),
            create_times_out: AtomicBool::new(false),
            revoked: Mutex::default(),
        })
    }
}

#[async_trait]
impl KeyAdapter for Wrap {
    fn exchange(&self) -> ExchangeId {
        self.inner.exchange()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    async fn key_info(&self) -> exchange_keys::Result<KeyInfo> {
        if self.key_info_fails.load(Ordering::SeqCst) {
            return Err(unavailable(self.exchange()));
        }
        self.inner.key_info().await
    }
    async fn list_keys(&self) -> exchange_keys::Result<Vec<KeyInfo>> {
        let failing = self
            .list_failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if failing {
            return Err(unavailable(self.exchange()));
        }
        self.inner.list_keys().await
    }
    async fn create_key(&self, spec: &NewKeySpec) -> exchange_keys::Result<NewKey> {
        if self.create_times_out.load(Ordering::SeqCst) {
            return Err(unknown(self.exchange()));
        }
        self.inner.create_key(spec).await
    }
    async fn revoke(
        &self,
        target: KeyRef,
        confirm: RevokeConfirm,
    ) -> exchange_keys::Result<Revoked> {
        if let KeyRef::Other { key_id, .. } = &target {
            self.revoked.lock().unwrap().push(key_id.clone());
        }
        self.inner.revoke(target, confirm).await
    }
}

/// A simulated Deribit account whose own key manages a trading key, `grid_bot`.
struct Setup {
    sim: SimulatedExchange,
    manager: Arc<Wrap>,
    old: NewKey,
    store: Arc<Store>,
}

async fn setup() -> Setup {
    let sim = SimulatedExchange::start(ExchangeId::Deribit, Scenario::Trading)
        .await
        .unwrap();
    let real = sim.adapter().unwrap();
    let old = real
        .create_key(
            &NewKeySpec::new("grid_bot", vec![Permission::Read, Permission::SpotTrade])
                .allowed_ips(["203.0.113.7"]),
        )
        .await
        .unwrap();
    Setup {
        manager: Wrap::new(real),
        sim,
        old,
        store: Arc::new(Store::default()),
    }
}

impl Setup {
    fn verifier(&self) -> Verifier {
        let url = self.sim.base_url();
        Arc::new(move |credentials: Credentials| {
            ExchangeId::Deribit
                .builder()
                .base_url(url.clone())
                .retry(exchange_keys::RetryPolicy::none())
                .rate_limit(None)
                .credentials(credentials)
                .build()
        })
    }

    fn rotation_verifying(&self, verifier: Verifier) -> Rotation {
        Rotation::new(self.manager.clone(), verifier, self.store.clone())
            .verification(1, Duration::ZERO)
    }

    fn rotation(&self) -> Rotation {
        self.rotation_verifying(self.verifier())
    }

    fn revoked(&self, key: &str) -> bool {
        self.sim.with_state(|s| s.is_revoked(key)).unwrap()
    }

    fn own_key(&self) -> String {
        self.sim.credentials().api_key().to_owned()
    }

    fn old_credentials(&self) -> Credentials {
        Credentials::new(
            self.old.api_key.clone(),
            SecretString::from(self.old.secret.expose_secret().to_owned()),
        )
    }

    async fn plan(&self) -> RotationState {
        self.rotation()
            .plan(&self.old.api_key, None, None)
            .await
            .unwrap()
    }
}

// ---------------------------------------------------------------------------------------------
// Rotation: the old key is revoked only once the NEW key is verified.

/// The verifier's adapter answers for the old key (a lying exchange, or a verifier wired to the
/// wrong credentials): the new key was never inspected, so the old key must stay.
#[tokio::test]
async fn verification_answered_for_another_key_never_revokes_the_old_key() {
    let setup = setup().await;
    let url = setup.sim.base_url();
    let old_credentials = setup.old_credentials();
    let lying: Verifier = Arc::new(move |_new: Credentials| {
        ExchangeId::Deribit
            .builder()
            .base_url(url.clone())
            .retry(exchange_keys::RetryPolicy::none())
            .rate_limit(None)
            .credentials(old_credentials.clone())
            .build()
    });
    let state = setup.plan().await;
    let outcome = setup.rotation_verifying(lying).run(state).await;
    assert!(
        !setup.revoked(&setup.old.api_key),
        "the old key was revoked on the strength of another key's inspection: {outcome:?}"
    );
    let err = outcome.unwrap_err();
    assert!(
        matches!(err, RotationError::Stopped { step: "verify", .. }),
        "{err}"
    );
}

/// Resuming a stored rotation with the credentials of another key (the operator points
/// `--secret-file` at last month's file, or at the old key's): the new key is not verified.
#[tokio::test]
async fn resuming_with_credentials_of_another_key_never_revokes_the_old_key() {
    let setup = setup().await;
    let mut state = setup.plan().await;
    // Run to `Stored` by hand: create, and pretend the store acknowledged.
    let new = setup
        .manager
        .create_key(
            &NewKeySpec::new(state.label.clone(), state.permissions.clone())
                .allowed_ips(state.allowed_ips.clone()),
        )
        .await
        .unwrap();
    state.new_key = Some(new.api_key.clone());
    state.create_sent = true;
    state.phase = Phase::Stored;
    let outcome = setup
        .rotation()
        .resume(state, Some(setup.old_credentials()))
        .await;
    assert!(
        !setup.revoked(&setup.old.api_key),
        "the old key was revoked though the credentials given are not the new key's: {outcome:?}"
    );
}

/// After an unclear create whose baseline listing had failed, a key of someone else carrying
/// the same label is not "the key the create made": revoking it would cut off its owner.
#[tokio::test]
async fn an_unclear_create_without_a_baseline_never_revokes_a_foreign_key() {
    let setup = setup().await;
    let state = setup.plan().await;
    // Someone else's key, made earlier today by another rotation of a key labelled alike.
    let foreign = setup
        .sim
        .with_state(|s| {
            s.create(
                &state.label,
                vec!["trade:read_write".into()],
                vec!["198.51.100.9".into()],
            )
        })
        .unwrap();
    setup.manager.list_failures.store(1, Ordering::SeqCst);
    setup.manager.create_times_out.store(true, Ordering::SeqCst);
    let outcome = setup.rotation().run(state).await;
    assert!(
        !setup.revoked(&foreign.api_key),
        "a foreign key with the same label was revoked as our orphan: {outcome:?}"
    );
    assert!(!setup.revoked(&setup.old.api_key));
}

/// Two keys carrying the rotation's label appeared since the baseline: which one the unclear
/// create made cannot be told, so neither is revoked.
#[tokio::test]
async fn an_unclear_create_with_two_candidates_revokes_neither() {
    let setup = setup().await;
    let mut state = setup.plan().await;
    let keys_before: std::collections::BTreeSet<String> = setup
        .manager
        .list_keys()
        .await
        .unwrap()
        .iter()
        .filter_map(|k| k.key_id.known().cloned())
        .collect();
    let (a, b) = setup
        .sim
        .with_state(|s| {
            let a = s.create(&state.label, vec![], vec!["198.51.100.9".into()]);
            let b = s.create(&state.label, vec![], vec!["198.51.100.8".into()]);
            (a, b)
        })
        .unwrap();
    state.keys_before = Some(keys_before);
    state.create_sent = true;
    let _ = setup.rotation().resume(state, None).await;
    assert!(
        !setup.revoked(&a.api_key) && !setup.revoked(&b.api_key),
        "one of two look-alike keys was revoked as the orphan"
    );
}

/// An unclear create never names the manager's own key as the orphan, whatever its label.
#[tokio::test]
async fn an_unclear_create_never_takes_the_managers_own_key_for_the_orphan() {
    let setup = setup().await;
    let mut state = setup.plan().await;
    let own = setup.own_key();
    // The manager's key carries the rotation's label, and the baseline did not see it (a
    // lagging list, or a tampered state).
    setup
        .sim
        .with_state(|s| {
            if let Some(k) = s.key_mut(&own) {
                k.label = state.label.clone();
            }
        })
        .unwrap();
    let own_label = setup.manager.key_info().await.unwrap().label;
    state.label = own_label.known().cloned().unwrap_or(state.label);
    state.keys_before = Some(Default::default());
    state.create_sent = true;
    let _ = setup.rotation().resume(state, None).await;
    assert!(
        !setup.manager.revoked.lock().unwrap().contains(&own),
        "the manager's own key was revoked as the orphan"
    );
}

/// A state file claiming `Verified` without a new key: resuming it must not revoke the old key
/// (there is nothing to replace it).
#[tokio::test]
async fn a_verified_state_without_a_new_key_never_revokes_the_old_key() {
    let setup = setup().await;
    let mut state = setup.plan().await;
    state.phase = Phase::Verified;
    state.create_sent = true;
    let outcome = setup.rotation().resume(state, None).await;
    assert!(
        !setup.revoked(&setup.old.api_key),
        "the old key was revoked with no new key: {outcome:?}"
    );
}

/// A state file whose "new key" is the old key: resuming it (as an orphan to discard) or
/// rolling it back must not revoke the old key.
#[tokio::test]
async fn a_state_naming_the_old_key_as_the_new_one_never_revokes_it() {
    let setup = setup().await;
    for phase in [Phase::Created, Phase::Stored, Phase::Verified] {
        let mut state = setup.plan().await;
        state.new_key = Some(setup.old.api_key.clone());
        state.create_sent = true;
        state.phase = phase;
        let _ = setup.rotation().resume(state.clone(), None).await;
        assert!(
            !setup.revoked(&setup.old.api_key),
            "{phase:?}: resume revoked the old key"
        );
        let _ = setup.rotation().roll_back(state, "test").await;
        assert!(
            !setup.revoked(&setup.old.api_key),
            "{phase:?}: roll back revoked the old key"
        );
    }
}

/// A state file whose "new key" is the manager's own key (case and spaces changed): rolling
/// back must not revoke the key that manages everything.
#[tokio::test]
async fn a_state_naming_the_managers_key_as_the_new_one_never_revokes_it() {
    let setup = setup().await;
    let own = setup.own_key();
    let mut state = setup.plan().await;
    state.new_key = Some(format!(" {own} "));
    state.create_sent = true;
    state.phase = Phase::Created;
    let _ = setup.rotation().roll_back(state.clone(), "test").await;
    let _ = setup.rotation().resume(state, None).await;
    assert!(
        !setup
            .manager
            .revoked
            .lock()
            .unwrap()
            .iter()
            .any(|k| k.trim().eq_ignore_ascii_case(&own)),
        "the manager's own key was asked to be revoked"
    );
}

/// A state of another exchange is refused before anything is sent.
#[tokio::test]
async fn a_state_of_another_exchange_is_refused() {
    let setup = setup().await;
    let mut state = setup.plan().await;
    state.exchange = ExchangeId::Bybit;
    state.phase = Phase::Verified;
    state.new_key = Some("x".into());
    let err = setup.rotation().resume(state, None).await.unwrap_err();
    assert!(matches!(err, RotationError::Plan { .. }), "{err}");
    assert!(!setup.revoked(&setup.old.api_key));
}

// ---------------------------------------------------------------------------------------------
// Stores and journal.

async fn a_new_key() -> (SimulatedExchange, NewKey) {
    let sim = SimulatedExchange::start(ExchangeId::Deribit, Scenario::Trading)
        .await
        .unwrap();
    let key = sim
        .adapter()
        .unwrap()
        .create_key(&NewKeySpec::new("k", vec![Permission::Read]).allowed_ips(["203.0.113.7"]))
        .await
        .unwrap();
    (sim, key)
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hostile-manage-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `FileStore` never writes through a symlink planted at its path.
#[cfg(unix)]
#[tokio::test]
async fn the_file_store_never_follows_a_planted_symlink() {
    let (_sim, key) = a_new_key().await;
    let dir = scratch("store-symlink");
    let victim = dir.join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let path = dir.join("new-key.json");
    std::os::unix::fs::symlink(&victim, &path).unwrap();
    let err = FileStore::new(&path).store(&key).await.unwrap_err();
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "precious",
        "{err}"
    );
    // A dangling symlink too: it would create the file where the attacker points.
    let elsewhere = dir.join("attacker-readable");
    let dangling = dir.join("dangling.json");
    std::os::unix::fs::symlink(&elsewhere, &dangling).unwrap();
    assert!(FileStore::new(&dangling).store(&key).await.is_err());
    assert!(!elsewhere.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `FileJournal` writes its state beside the path first: a symlink planted at that predictable
/// temporary name (`<path>.tmp`, in a shared directory) must not make it overwrite the file
/// the symlink points at.
#[cfg(unix)]
#[tokio::test]
async fn the_file_journal_never_writes_through_a_planted_symlink() {
    use exchange_keys::manage::rotate::Journal;
    let setup = setup().await;
    let state = setup.plan().await;
    let dir = scratch("journal-symlink");
    let victim = dir.join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let path = dir.join("grid.rotation.json");
    let mut temporary = path.clone().into_os_string();
    temporary.push(".tmp");
    std::os::unix::fs::symlink(&victim, &temporary).unwrap();
    let journal = FileJournal::new(&path);
    let recorded = journal.record(&state);
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "precious",
        "the journal wrote through the symlink ({recorded:?})"
    );
    // The state is still recorded, and reads back.
    recorded.unwrap();
    assert_eq!(FileJournal::read(&path).unwrap(), state);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A store command that echoes what it reads (the secret) and fails: its output is not in the
/// error. A command that hangs is given up at the timeout.
#[cfg(unix)]
#[tokio::test]
async fn the_command_store_keeps_echoed_secrets_out_and_gives_up_on_a_hang() {
    use std::os::unix::fs::PermissionsExt;
    let (_sim, key) = a_new_key().await;
    let dir = scratch("command");
    let echo = dir.join("echo.sh");
    std::fs::write(&echo, "#!/bin/sh\ncat\ncat >&2\necho oops\nexit 3\n").unwrap();
    std::fs::set_permissions(&echo, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = CommandStore::new(echo.display().to_string())
        .store(&key)
        .await
        .unwrap_err();
    assert!(!err.contains(key.secret.expose_secret()), "{err}");

    let hang = dir.join("hang.sh");
    std::fs::write(&hang, "#!/bin/sh\nexec sleep 30\n").unwrap();
    std::fs::set_permissions(&hang, std::fs::Permissions::from_mode(0o755)).unwrap();
    let started = std::time::Instant::now();
    let err = CommandStore::new(hang.display().to_string())
        .timeout(Duration::from_millis(300))
        .store(&key)
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------------
// Breach.

/// When the key in use cannot be told apart (its inspection failed), a breach plan must not put
/// it among the managed keys revoked first: revoking it first would cut off the rest.
#[tokio::test]
async fn a_breach_plan_never_revokes_the_key_in_use_among_the_managed_ones() {
    let setup = setup().await;
    let own = setup.own_key();
    setup.manager.key_info_fails.store(true, Ordering::SeqCst);
    let plan = breach::plan(vec![BreachTarget {
        account: "deribit-main".into(),
        adapter: setup.manager.clone(),
        include_managed: true,
    }])
    .await;
    for step in &plan.steps {
        if let Action::RevokeManaged { key_id, .. } = &step.action {
            assert!(
                !key_id.trim().eq_ignore_ascii_case(&own),
                "the key in use is planned as a managed key, revoked before the others: {plan}"
            );
        }
    }
}

/// Planning sends no write, and the confirmation is exact: no prefix, case or partial phrase.
#[tokio::test]
async fn a_breach_plan_sends_no_write_and_wants_the_exact_phrase() {
    let setup = setup().await;
    let plan = breach::plan(vec![BreachTarget {
        account: "deribit-main".into(),
        adapter: setup.manager.clone(),
        include_managed: true,
    }])
    .await;
    assert!(setup.manager.revoked.lock().unwrap().is_empty());
    assert!(!setup.revoked(&setup.old.api_key));
    let phrase = plan.confirmation();
    for weaker in [
        String::new(),
        phrase.to_uppercase(),
        phrase[..phrase.len() - 1].to_owned(),
        "revoke".to_owned(),
        format!("{phrase} now"),
    ] {
        assert!(plan.execute(&weaker).await.is_err(), "`{weaker}` accepted");
    }
    assert!(setup.manager.revoked.lock().unwrap().is_empty());
}

/// A plan with nothing the API can revoke (every step by hand) can still be confirmed with
/// the phrase it shows.
#[tokio::test]
async fn a_manual_only_breach_plan_accepts_its_own_phrase() {
    let sim = SimulatedExchange::start(ExchangeId::Binance, Scenario::ReadOnly)
        .await
        .unwrap();
    let plan = breach::plan(vec![BreachTarget {
        account: "binance".into(),
        adapter: sim.adapter().unwrap(),
        include_managed: false,
    }])
    .await;
    assert_eq!(plan.api_revocations(), 0, "{plan}");
    let phrase = plan.confirmation();
    let report = plan.execute(&phrase).await;
    assert!(
        report.is_ok(),
        "the plan's own phrase `{phrase}` is refused"
    );
}

// ---------------------------------------------------------------------------------------------
// Gates.

/// Allowlists that admit everyone, or nothing readable, are refused before anything is sent;
/// an address with spaces around it is an address.
#[tokio::test]
async fn covering_or_unreadable_allowlists_are_refused_before_sending() {
    let setup = setup().await;
    let manager = setup.sim.adapter().unwrap();
    let target = KeyRef::other(setup.old.api_key.clone());
    for ips in [
        vec!["0.0.0.0/1", "128.0.0.0/1"],
        vec!["::/0"],
        vec!["*"],
        vec![""],
        vec![],
        vec!["203.0.113.7", "*"],
        vec!["203.0.113.7,0.0.0.0/0"],
        vec!["0.0.0.0/0.0.0.0"],
        vec!["*.*.*.*"],
        vec!["203.0.113.x"],
    ] {
        let before = setup.sim.received_requests().await.len();
        let err = manager
            .update_key(target.clone(), &KeyChange::new().allowed_ips(ips.clone()))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{ips:?}: {err}");
        assert_eq!(
            setup.sim.received_requests().await.len(),
            before,
            "{ips:?}: something was sent"
        );
    }
    manager
        .update_key(target, &KeyChange::new().allowed_ips([" 203.0.113.8 "]))
        .await
        .unwrap();
}

/// The key in use, named by its id with other case and spaces, is the key in use: disabling
/// or resetting it goes through the own-key gate (Deribit: left to the web interface).
#[tokio::test]
async fn the_key_in_use_named_oddly_is_still_the_key_in_use() {
    let setup = setup().await;
    let manager = setup.sim.adapter().unwrap();
    let own = setup.own_key();
    for named in [format!(" {own}\n"), own.to_uppercase(), own.to_lowercase()] {
        let _ = manager
            .set_key_enabled(KeyRef::other(named.clone()), false)
            .await;
        assert!(
            manager.key_info().await.is_ok(),
            "`{named}` disabled the key in use"
        );
    }
}

/// Sub-account names carrying query syntax or newlines never reach a request as parameters.
#[tokio::test]
async fn sub_account_injection_is_refused_or_encoded() {
    let sim = SimulatedExchange::start(ExchangeId::Bybit, Scenario::Trading)
        .await
        .unwrap();
    let manager = sim.adapter().unwrap();
    for sub in ["1&apikey=XYZ", "1\n2", "1 2", "-1", "0x10"] {
        let err = manager
            .create_key(
                &NewKeySpec::new("k", vec![Permission::Read])
                    .allowed_ips(["203.0.113.7"])
                    .sub_account(sub),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{sub:?}: {err}");
    }
    assert!(sim.received_requests().await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Writes: sent once, and an unclear answer is never a clean refusal.

mod common;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn requests_to(server: &MockServer, path_: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == path_)
        .count()
}

async fn mount(server: &MockServer, verb: &str, path_: &str, answer: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(path_))
        .respond_with(answer)
        .mount(server)
        .await;
}

/// Every management write that meets a 503 is sent once and reported as of unknown outcome.
#[tokio::test]
async fn a_management_write_meeting_a_503_is_sent_once_and_left_unknown() {
    let other = || KeyRef::other("TiA4AyLPq3");
    // Deribit: found by number in the list, then the write.
    for (path_, op) in [
        ("/api/v2/private/edit_api_key", "edit"),
        ("/api/v2/private/enable_api_key", "enable"),
        ("/api/v2/private/disable_api_key", "disable"),
        ("/api/v2/private/reset_api_key", "reset"),
        ("/api/v2/private/remove_api_key", "remove"),
    ] {
        let server = MockServer::start().await;
        mount(
            &server,
            "GET",
            "/api/v2/private/list_api_keys",
            ResponseTemplate::new(200)
                .set_body_json(common::fixture("deribit", "list_api_keys.json")),
        )
        .await;
        mount(&server, "GET", path_, ResponseTemplate::new(503)).await;
        let adapter = common::builder_for(ExchangeId::Deribit, &server)
            .build()
            .unwrap();
        let err = match op {
            "edit" => adapter
                .update_key(other(), &KeyChange::new().label("x"))
                .await
                .unwrap_err(),
            "enable" => adapter.set_key_enabled(other(), true).await.unwrap_err(),
            "disable" => adapter.set_key_enabled(other(), false).await.unwrap_err(),
            "reset" => adapter
                .reset_secret(other(), RevokeConfirm::IUnderstandThisIsIrreversible)
                .await
                .unwrap_err(),
            _ => adapter
                .revoke(other(), RevokeConfirm::IUnderstandThisIsIrreversible)
                .await
                .unwrap_err(),
        };
        assert!(err.is_outcome_unknown(), "deribit {op}: {err}");
        assert_eq!(requests_to(&server, path_).await, 1, "deribit {op}");
    }
    // Bybit: update (permissions and addresses named: no lookup first) and delete.
    for path_ in ["/v5/user/update-sub-api", "/v5/user/delete-sub-api"] {
        let server = MockServer::start().await;
        mount(&server, "POST", path_, ResponseTemplate::new(503)).await;
        let adapter = common::builder_for(ExchangeId::Bybit, &server)
            .build()
            .unwrap();
        let err = if path_.contains("update") {
            adapter
                .update_key(
                    KeyRef::other("SubKey1"),
                    &KeyChange::new()
                        .permissions(vec![Permission::Read])
                        .allowed_ips(["203.0.113.7"]),
                )
                .await
                .unwrap_err()
        } else {
            adapter
                .revoke(
                    KeyRef::other("SubKey1"),
                    RevokeConfirm::IUnderstandThisIsIrreversible,
                )
                .await
                .unwrap_err()
        };
        assert!(err.is_outcome_unknown(), "bybit {path_}: {err}");
        assert_eq!(requests_to(&server, path_).await, 1, "bybit {path_}");
    }
    // OKX: modify and delete.
    for path_ in [
        "/api/v5/users/subaccount/modify-apikey",
        "/api/v5/users/subaccount/delete-apikey",
    ] {
        let server = MockServer::start().await;
        mount(&server, "POST", path_, ResponseTemplate::new(503)).await;
        let adapter = common::builder_for(ExchangeId::Okx, &server)
            .build()
            .unwrap();
        let target = KeyRef::sub_account_key("SubKey1", "sub1");
        let err = if path_.contains("modify") {
            adapter
                .update_key(target, &KeyChange::new().allowed_ips(["203.0.113.7"]))
                .await
                .unwrap_err()
        } else {
            adapter
                .revoke(target, RevokeConfirm::IUnderstandThisIsIrreversible)
                .await
                .unwrap_err()
        };
        assert!(err.is_outcome_unknown(), "okx {path_}: {err}");
        assert_eq!(requests_to(&server, path_).await, 1, "okx {path_}");
    }
}

/// OKX carried the change out (code 0) but its answer shows something else: the key's state is
/// unknown, never a clean refusal that would tell the caller nothing changed.
#[tokio::test]
async fn an_okx_change_carried_out_but_shown_otherwise_is_of_unknown_outcome() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/api/v5/users/subaccount/modify-apikey",
        ResponseTemplate::new(200)
            .set_body_json(common::fixture("okx", "subaccount_apikey_modify.json")),
    )
    .await;
    let adapter = common::builder_for(ExchangeId::Okx, &server)
        .build()
        .unwrap();
    let err = adapter
        .update_key(
            KeyRef::sub_account_key("SimKey0101", "yongxu"),
            &KeyChange::new().allowed_ips(["203.0.113.9"]),
        )
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err}");
    assert!(!err.is_retryable(), "{err}");
}

/// Deribit's reset answer gives the new secret without repeating the client id: the secret is
/// the only one the key now has, and is handed over rather than dropped.
#[tokio::test]
async fn a_deribit_reset_answer_without_its_client_id_still_hands_the_secret_over() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/api/v2/private/list_api_keys",
        ResponseTemplate::new(200).set_body_json(common::fixture("deribit", "list_api_keys.json")),
    )
    .await;
    mount(
        &server,
        "GET",
        "/api/v2/private/reset_api_key",
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "jsonrpc": "2.0",
            "result": {
                "id": 1,
                "enabled": true,
                "max_scope": "trade:read",
                "client_secret": "TheOnlyNewSecretOfKey1xxxxxxxxxxxxxxxxxxxxx",
                "name": ""
            }
        })),
    )
    .await;
    let adapter = common::builder_for(ExchangeId::Deribit, &server)
        .build()
        .unwrap();
    let key = adapter
        .reset_secret(
            KeyRef::other("TiA4AyLPq3"),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap_or_else(|err| panic!("the new secret was dropped: {err}"));
    assert_eq!(key.api_key, "TiA4AyLPq3");
    assert_eq!(
        key.secret.expose_secret(),
        "TheOnlyNewSecretOfKey1xxxxxxxxxxxxxxxxxxxxx"
    );
}

// ---------------------------------------------------------------------------------------------
// Second factor.

#[derive(Debug, Default)]
struct Answerer {
    code: &'static str,
    prompts: Mutex<Vec<String>>,
}

#[derive(Debug)]
struct Lent(Arc<Answerer>);

#[async_trait]
impl exchange_keys::SecondFactor for Lent {
    async fn answer(
        &self,
        challenge: &exchange_keys::Challenge,
    ) -> exchange_keys::Result<SecretString> {
        self.0
            .prompts
            .lock()
            .unwrap()
            .push(challenge.prompt.clone());
        Ok(SecretString::from(self.0.code.to_owned()))
    }
}

/// A hostile challenge (control characters that rewrite a terminal, a megabyte of text) reaches
/// the person as a short, printable prompt.
#[tokio::test]
async fn a_hostile_challenge_prompt_is_printable_and_bounded() {
    let server = MockServer::start().await;
    let huge = "A".repeat(60_000);
    Mock::given(method("GET"))
        .and(path("/api/v2/private/list_api_keys"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "jsonrpc": "2.0",
            "result": {
                "security_keys": [{"type": "u2f\u{1b}[2J", "name": format!("\u{1b}]0;pwned\u{7}{huge}")}],
                "security_key_authorization_required": true,
                "rp_id": "evil\r\nrp",
                "challenge": format!("c\u{1b}[31m{huge}")
            }
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount(
        &server,
        "GET",
        "/api/v2/private/list_api_keys",
        ResponseTemplate::new(200).set_body_json(common::fixture("deribit", "list_api_keys.json")),
    )
    .await;
    let answerer = Arc::new(Answerer {
        code: "123456",
        ..Answerer::default()
    });
    let adapter = common::builder_for(ExchangeId::Deribit, &server)
        .second_factor(Lent(answerer.clone()))
        .build()
        .unwrap();
    let outcome = adapter.list_keys().await;
    let prompts = answerer.prompts.lock().unwrap().clone();
    assert_eq!(prompts.len(), 1, "{outcome:?}");
    let prompt = &prompts[0];
    assert!(
        !prompt.chars().any(char::is_control),
        "control characters reach the person: {:?}",
        &prompt[..prompt.len().min(200)]
    );
    assert!(prompt.len() < 4096, "a prompt of {} bytes", prompt.len());
}

/// A store command that never reads its standard input, handed a key whose secret (the
/// exchange's to choose) is larger than a pipe holds: the timeout still applies.
#[cfg(unix)]
#[tokio::test]
async fn the_command_store_timeout_holds_when_the_command_never_reads() {
    use std::os::unix::fs::PermissionsExt;
    let server = MockServer::start().await;
    let secret = "S".repeat(300_000);
    mount(
        &server,
        "GET",
        "/api/v2/private/create_api_key",
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "jsonrpc": "2.0",
            "result": {"id": 7, "client_id": "NewKey7", "client_secret": secret,
                       "enabled": true, "max_scope": "trade:read", "name": "k"}
        })),
    )
    .await;
    mount(
        &server,
        "GET",
        "/api/v2/private/edit_api_key",
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "jsonrpc": "2.0",
            "result": {"id": 7, "client_id": "NewKey7", "enabled": true,
                       "max_scope": "account:read trade:read wallet:read block_trade:none",
                       "name": "k", "ip_whitelist": ["203.0.113.7"]}
        })),
    )
    .await;
    let key = common::builder_for(ExchangeId::Deribit, &server)
        .build()
        .unwrap()
        .create_key(&NewKeySpec::new("k", vec![Permission::Read]).allowed_ips(["203.0.113.7"]))
        .await
        .unwrap();
    let dir = scratch("command-deaf");
    let deaf = dir.join("deaf.sh");
    std::fs::write(&deaf, "#!/bin/sh\nexec sleep 30\n").unwrap();
    std::fs::set_permissions(&deaf, std::fs::Permissions::from_mode(0o755)).unwrap();
    let store = CommandStore::new(deaf.display().to_string()).timeout(Duration::from_millis(300));
    let outcome = tokio::time::timeout(Duration::from_secs(10), store.store(&key)).await;
    let _ = std::fs::remove_dir_all(&dir);
    let stored = outcome.expect("the store command's timeout did not hold");
    assert!(stored.is_err(), "a command that read nothing acknowledged");
}

/// The new key's adapter, whose inspection carries a vendor flag nobody recognizes (it could
/// grant anything: the open world makes every denied right unreported).
#[derive(Debug)]
struct Mystery(Arc<dyn KeyAdapter>);

#[async_trait]
impl KeyAdapter for Mystery {
    fn exchange(&self) -> ExchangeId {
        self.0.exchange()
    }
    fn capabilities(&self) -> Capabilities {
        self.0.capabilities()
    }
    async fn key_info(&self) -> exchange_keys::Result<KeyInfo> {
        let mut info = self.0.key_info().await?;
        info.permissions
            .unrecognized("mystery_flag", exchange_keys::Grant::NotReported);
        Ok(info)
    }
}

/// A new key whose rights are not all known (a right the old key was reported NOT to hold is
/// now unreported, withdrawal included) does not match the old key: it is not verified.
#[tokio::test]
async fn a_new_key_with_rights_not_reported_is_not_verified() {
    let setup = setup().await;
    let url = setup.sim.base_url();
    let verifier: Verifier = Arc::new(move |credentials: Credentials| {
        let real = ExchangeId::Deribit
            .builder()
            .base_url(url.clone())
            .retry(exchange_keys::RetryPolicy::none())
            .rate_limit(None)
            .credentials(credentials)
            .build()?;
        Ok(Arc::new(Mystery(real)) as Arc<dyn KeyAdapter>)
    });
    let state = setup.plan().await;
    let outcome = setup.rotation_verifying(verifier).run(state).await;
    assert!(
        !setup.revoked(&setup.old.api_key),
        "the old key was revoked for a new key that may withdraw: {outcome:?}"
    );
}

/// A breach response revokes the keys a master key manages on every exchange that lists and
/// revokes them, sub-account keys included (OKX needs the sub-account to delete a key).
#[tokio::test]
async fn a_breach_response_revokes_managed_sub_account_keys_on_every_exchange() {
    for exchange in [ExchangeId::Bybit, ExchangeId::Okx, ExchangeId::Deribit] {
        let sim = SimulatedExchange::start(exchange, Scenario::Trading)
            .await
            .unwrap();
        let manager = sim.adapter().unwrap();
        let mut spec = NewKeySpec::new("grid_bot", vec![Permission::Read, Permission::SpotTrade])
            .allowed_ips(["203.0.113.7"]);
        if let Some(sub) = exchange_keys::testkit::sub_account(exchange).unwrap() {
            spec = spec.sub_account(sub);
        }
        let managed = manager.create_key(&spec).await.unwrap();
        let plan = breach::plan(vec![BreachTarget {
            account: "main".into(),
            adapter: manager.clone(),
            include_managed: true,
        }])
        .await;
        let report = plan.execute(&plan.confirmation()).await.unwrap();
        assert!(
            sim.with_state(|s| s.is_revoked(&managed.api_key)).unwrap(),
            "{exchange}: the managed key survived the breach response:\n{report}"
        );
    }
}

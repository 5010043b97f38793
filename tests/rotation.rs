//! The rotation saga keeps its promises under every failure injected at every step: the new
//! secret is never lost, the old key is revoked only after the new one is stored and
//! verified, a failed verification revokes the new key and keeps the old one, and at every
//! point the caller holds at least one working key. Run on the stateful simulated Deribit,
//! whose create, list and remove calls are native.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use exchange_keys::manage::rotate::{
    Journal, Phase, Rotation, RotationError, RotationState, SecretStore, Verifier,
};
use exchange_keys::testkit::{Scenario, SimulatedExchange};
use exchange_keys::{
    Capabilities, Credentials, Error, ExchangeId, KeyAdapter, KeyInfo, KeyRef, NewKey, NewKeySpec,
    Permission, RevokeConfirm, Revoked,
};
use secrecy::ExposeSecret;

/// A store that remembers what it acknowledged, and can be told to refuse.
#[derive(Debug, Default)]
struct Store {
    stored: Mutex<Vec<(String, String)>>,
    refuse: bool,
}

#[async_trait]
impl SecretStore for Store {
    async fn store(&self, key: &NewKey) -> Result<(), String> {
        if self.refuse {
            return Err("the vault is sealed".to_owned());
        }
        self.stored
            .lock()
            .unwrap()
            .push((key.api_key.clone(), key.secret.expose_secret().to_owned()));
        Ok(())
    }
}

impl Store {
    fn secret_of(&self, api_key: &str) -> Option<String> {
        self.stored
            .lock()
            .unwrap()
            .iter()
            .find(|(k, _)| k == api_key)
            .map(|(_, s)| s.clone())
    }
}

/// A journal that keeps every state, and can "crash" the process at a given phase: it makes
/// the rotation stop there as if the process had died (the caller then resumes from the last
/// state recorded).
#[derive(Default)]
struct Log {
    states: Mutex<Vec<RotationState>>,
}

impl Journal for Log {
    fn record(&self, state: &RotationState) -> Result<(), String> {
        self.states.lock().unwrap().push(state.clone());
        Ok(())
    }
}

impl Log {
    fn last(&self) -> RotationState {
        self.states.lock().unwrap().last().cloned().unwrap()
    }
}

/// Which manager call fails, and how.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    None,
    /// `create_key` fails cleanly (refused).
    CreateRefused,
    /// `create_key` is carried out by the exchange but the answer is lost (a timeout).
    CreateLostAnswer,
    /// `create_key` is not carried out and the answer is lost.
    CreateTimeout,
    /// Every revoke fails.
    RevokeFails,
    /// Revoking the old key fails (the new one can still be revoked).
    RevokeOldFails,
}

/// The manager adapter with a fault injected.
#[derive(Debug)]
struct Faulty {
    inner: Arc<dyn KeyAdapter>,
    fault: Fault,
    old_key: Mutex<Option<String>>,
    creates: AtomicUsize,
}

#[async_trait]
impl KeyAdapter for Faulty {
    fn exchange(&self) -> ExchangeId {
        self.inner.exchange()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    async fn key_info(&self) -> exchange_keys::Result<KeyInfo> {
        self.inner.key_info().await
    }
    async fn list_keys(&self) -> exchange_keys::Result<Vec<KeyInfo>> {
        self.inner.list_keys().await
    }
    async fn create_key(&self, spec: &NewKeySpec) -> exchange_keys::Result<NewKey> {
        let first = self.creates.fetch_add(1, Ordering::SeqCst) == 0;
        let unknown = || Error::OutcomeUnknown {
            exchange: ExchangeId::Deribit,
            call: "GET /api/v2/private/create_api_key".into(),
            source: Box::new(Error::Transport {
                exchange: Some(ExchangeId::Deribit),
                kind: exchange_keys::error::TransportKind::Timeout,
                message: "timed out".into(),
            }),
        };
        match self.fault {
            Fault::CreateRefused => Err(Error::Rejected {
                context: Box::new(exchange_keys::ErrorContext::new(ExchangeId::Deribit)),
            }),
            Fault::CreateLostAnswer if first => {
                let _ = self.inner.create_key(spec).await?;
                Err(unknown())
            }
            Fault::CreateTimeout if first => Err(unknown()),
            _ => self.inner.create_key(spec).await,
        }
    }
    async fn revoke(
        &self,
        target: KeyRef,
        confirm: RevokeConfirm,
    ) -> exchange_keys::Result<Revoked> {
        let is_old = matches!(&target, KeyRef::Other { key_id, .. } if Some(key_id) == self.old_key.lock().unwrap().as_ref());
        match self.fault {
            Fault::RevokeFails => Err(Error::Unavailable {
                context: Box::new(exchange_keys::ErrorContext::new(ExchangeId::Deribit)),
            }),
            Fault::RevokeOldFails if is_old => Err(Error::Unavailable {
                context: Box::new(exchange_keys::ErrorContext::new(ExchangeId::Deribit)),
            }),
            _ => self.inner.revoke(target, confirm).await,
        }
    }
}

struct Setup {
    sim: SimulatedExchange,
    manager: Arc<Faulty>,
    old_key: String,
    store: Arc<Store>,
    log: Arc<Log>,
}

async fn setup(fault: Fault, refuse_store: bool) -> Setup {
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
    let manager = Arc::new(Faulty {
        inner: real,
        fault,
        old_key: Mutex::new(Some(old.api_key.clone())),
        creates: AtomicUsize::new(0),
    });
    Setup {
        sim,
        manager,
        old_key: old.api_key,
        store: Arc::new(Store {
            stored: Mutex::default(),
            refuse: refuse_store,
        }),
        log: Arc::new(Log::default()),
    }
}

impl Setup {
    fn rotation(&self) -> Rotation {
        self.rotation_verifying(self.verifier())
    }

    fn rotation_verifying(&self, verifier: Verifier) -> Rotation {
        Rotation::new(self.manager.clone(), verifier, self.store.clone())
            .journal(self.log.clone())
            .verification(1, std::time::Duration::ZERO)
    }

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

    fn held(&self) -> Vec<String> {
        self.sim
            .with_state(|s| s.keys.iter().map(|k| k.api_key.clone()).collect())
            .unwrap()
    }

    fn revoked(&self, key: &str) -> bool {
        self.sim.with_state(|s| s.is_revoked(key)).unwrap()
    }

    /// The invariant at every point, crashes included: the old key works, or a new key that
    /// works and whose secret the store holds.
    fn assert_a_working_key(&self) {
        let old_alive = !self.revoked(&self.old_key);
        let stored_alive = self
            .held()
            .iter()
            .any(|k| *k != self.old_key && self.store.secret_of(k).is_some());
        assert!(old_alive || stored_alive, "no working key left");
    }

    /// Once a rotation has returned: a working key, and no live key whose secret nobody holds
    /// (a crash between create and store leaves one until the rotation is resumed).
    fn assert_one_working_key(&self) {
        self.assert_a_working_key();
        for key in self.held() {
            let known = key == self.old_key
                || self.store.secret_of(&key).is_some()
                || !key.starts_with("SimKey");
            assert!(known, "a live key {key} whose secret nobody holds");
        }
    }
}

async fn plan(setup: &Setup) -> RotationState {
    setup
        .rotation()
        .plan(&setup.old_key, None, None)
        .await
        .expect("the old key can be rotated")
}

#[tokio::test]
async fn a_rotation_creates_stores_verifies_then_revokes_the_old_key() {
    let setup = setup(Fault::None, false).await;
    let state = plan(&setup).await;
    assert_eq!(state.allowed_ips, vec!["203.0.113.7".to_owned()]);
    let done = setup.rotation().run(state).await.unwrap();
    assert_eq!(done.phase, Phase::Completed);
    let new_key = done.new_key.clone().unwrap();
    assert!(
        setup.store.secret_of(&new_key).is_some(),
        "the store holds the new secret"
    );
    assert!(setup.revoked(&setup.old_key));
    assert!(!setup.revoked(&new_key));
    // The journal saw the old key revoked only after the store and the verification.
    let phases: Vec<Phase> = setup
        .log
        .states
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.phase)
        .collect();
    let verified = phases.iter().position(|p| *p == Phase::Verified).unwrap();
    let stored = phases.iter().position(|p| *p == Phase::Stored).unwrap();
    let completed = phases.iter().position(|p| *p == Phase::Completed).unwrap();
    assert!(stored < verified && verified < completed, "{phases:?}");
    // The state holds no secret.
    let json = serde_json::to_string(&done).unwrap();
    assert!(!json.contains(&setup.store.secret_of(&new_key).unwrap()));
    setup.assert_one_working_key();
}

#[tokio::test]
async fn a_refused_create_changes_nothing() {
    let setup = setup(Fault::CreateRefused, false).await;
    let before = setup.held();
    let err = setup.rotation().run(plan(&setup).await).await.unwrap_err();
    assert!(
        matches!(err, RotationError::Stopped { step: "create", .. }),
        "{err}"
    );
    assert_eq!(setup.held(), before);
    setup.assert_one_working_key();
}

#[tokio::test]
async fn an_unclear_create_that_made_a_key_is_found_revoked_and_done_again() {
    let setup = setup(Fault::CreateLostAnswer, false).await;
    let done = setup.rotation().run(plan(&setup).await).await.unwrap();
    assert_eq!(done.phase, Phase::Completed);
    // The key made by the lost answer was found by listing and revoked: its secret was never
    // seen, so nobody could use it.
    let revoked_orphans = setup
        .sim
        .with_state(|s| s.revoked.iter().filter(|k| **k != setup.old_key).count())
        .unwrap();
    assert_eq!(revoked_orphans, 1, "{:?}", done.steps);
    assert_eq!(
        setup.manager.creates.load(Ordering::SeqCst),
        2,
        "one more create, not a blind loop"
    );
    setup.assert_one_working_key();
}

#[tokio::test]
async fn an_unclear_create_that_made_nothing_is_sent_once_more_after_listing() {
    let setup = setup(Fault::CreateTimeout, false).await;
    let done = setup.rotation().run(plan(&setup).await).await.unwrap();
    assert_eq!(done.phase, Phase::Completed);
    assert!(done
        .steps
        .iter()
        .any(|s| s.step == "find the new key" && s.detail.contains("made no key")));
    assert_eq!(setup.manager.creates.load(Ordering::SeqCst), 2);
    setup.assert_one_working_key();
}

#[tokio::test]
async fn a_refusing_store_revokes_the_new_key_and_keeps_the_old() {
    let setup = setup(Fault::None, true).await;
    let err = setup.rotation().run(plan(&setup).await).await.unwrap_err();
    assert!(
        matches!(err, RotationError::Stopped { step: "store", .. }),
        "{err}"
    );
    let state = err.state().unwrap();
    assert_eq!(state.phase, Phase::RolledBack);
    assert!(setup.revoked(state.new_key.as_ref().unwrap()));
    assert!(!setup.revoked(&setup.old_key));
    setup.assert_one_working_key();
}

#[tokio::test]
async fn a_new_key_neither_stored_nor_revocable_is_handed_back_with_its_secret() {
    let setup = setup(Fault::RevokeFails, true).await;
    let err = setup.rotation().run(plan(&setup).await).await.unwrap_err();
    let RotationError::NewKeyNotStored { key, .. } = &err else {
        panic!("{err}");
    };
    let secret = setup
        .sim
        .with_state(|s| s.secret_of(&key.api_key))
        .flatten()
        .unwrap();
    assert_eq!(
        key.secret.expose_secret(),
        secret,
        "the secret is in the caller's hands"
    );
    assert!(
        !format!("{err} {err:?}").contains(&secret),
        "and not in the error's text"
    );
    assert!(!setup.revoked(&setup.old_key));
}

#[tokio::test]
async fn a_failed_verification_revokes_the_new_key_and_keeps_the_old() {
    let setup = setup(Fault::None, false).await;
    // The verifier sees the key from an address the exchange refuses.
    let verifier: Verifier = Arc::new(|_| {
        Err(Error::Config {
            exchange: Some(ExchangeId::Deribit),
            message: "no route".into(),
        })
    });
    let err = setup
        .rotation_verifying(verifier)
        .run(plan(&setup).await)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RotationError::Stopped { step: "verify", .. }),
        "{err}"
    );
    let state = err.state().unwrap();
    assert_eq!(state.phase, Phase::RolledBack);
    assert!(setup.revoked(state.new_key.as_ref().unwrap()));
    assert!(!setup.revoked(&setup.old_key));
    setup.assert_one_working_key();
}

#[tokio::test]
async fn a_new_key_unlike_the_old_one_is_revoked() {
    let setup = setup(Fault::None, false).await;
    let stored = run_until(&setup, plan(&setup).await, Phase::Stored).await;
    let new_key = stored.new_key.clone().unwrap();
    let secret = setup.store.secret_of(&new_key).unwrap();
    // The recorded plan says the old key had another address: the new key does not match it.
    let mut unlike = stored.clone();
    unlike.allowed_ips.push("198.51.100.9".into());
    let err = setup
        .rotation()
        .resume(unlike, Some(Credentials::new(new_key.clone(), secret)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, RotationError::Stopped { step: "verify", .. }),
        "{err}"
    );
    assert!(err.to_string().contains("198.51.100.9"), "{err}");
    assert!(setup.revoked(&new_key));
    assert!(!setup.revoked(&setup.old_key));
    setup.assert_one_working_key();
}

#[tokio::test]
async fn resuming_a_stored_rotation_without_the_credentials_rolls_back() {
    let setup = setup(Fault::None, false).await;
    let stored = run_until(&setup, plan(&setup).await, Phase::Stored).await;
    let rolled = setup.rotation().resume(stored.clone(), None).await.unwrap();
    assert_eq!(rolled.phase, Phase::RolledBack);
    assert!(setup.revoked(stored.new_key.as_ref().unwrap()));
    assert!(!setup.revoked(&setup.old_key));
}

#[tokio::test]
async fn keys_that_cannot_be_copied_faithfully_are_not_rotated() {
    let setup = setup(Fault::None, false).await;
    // The simulated exchange's own key accepts any address: a copy would too.
    let own = setup.sim.credentials().api_key().to_owned();
    let sim = SimulatedExchange::start(ExchangeId::Deribit, Scenario::NoIpRestriction)
        .await
        .unwrap();
    let rotation = Rotation::new(
        sim.adapter().unwrap(),
        setup.verifier(),
        setup.store.clone(),
    );
    let err = rotation.plan(&own, None, None).await.unwrap_err();
    assert!(err.to_string().contains("any address"), "{err}");
    let err = rotation.plan("no-such-key", None, None).await.unwrap_err();
    assert!(err.to_string().contains("no-such-key"), "{err}");
}

#[tokio::test]
async fn old_key_revocation_failure_leaves_both_keys_working_and_resume_finishes() {
    let setup = setup(Fault::RevokeOldFails, false).await;
    let err = setup.rotation().run(plan(&setup).await).await.unwrap_err();
    let RotationError::OldKeyNotRevoked { state, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(state.phase, Phase::Verified);
    let new_key = state.new_key.clone().unwrap();
    assert!(!setup.revoked(&setup.old_key) && !setup.revoked(&new_key));
    setup.assert_one_working_key();
    // A later run, with the manager healthy, completes from the journal.
    let healthy = Arc::new(Faulty {
        inner: setup.manager.inner.clone(),
        fault: Fault::None,
        old_key: Mutex::new(None),
        creates: AtomicUsize::new(0),
    });
    let done = Rotation::new(healthy, setup.verifier(), setup.store.clone())
        .resume(setup.log.last(), None)
        .await
        .unwrap();
    assert_eq!(done.phase, Phase::Completed);
    assert!(setup.revoked(&setup.old_key));
}

/// A crash after each recorded step: resuming from the journal's last state either finishes
/// the rotation or rolls it back, and the invariant holds after the crash and after the
/// resume.
#[tokio::test]
async fn a_crash_after_any_step_resumes_safely() {
    for crash_after in [
        Phase::Planned,
        Phase::Created,
        Phase::Stored,
        Phase::Verified,
    ] {
        let setup = setup(Fault::None, false).await;
        let state = plan(&setup).await;
        // Run to completion, then replay as if the process had died right after the step
        // was recorded: the exchange's state is rebuilt by a rotation stopped at that step.
        let crashed = run_until(&setup, state, crash_after).await;
        setup.assert_a_working_key();
        // The new key's credentials survive a crash only if the store had them.
        let credentials = crashed.new_key.as_ref().and_then(|key| {
            setup
                .store
                .secret_of(key)
                .map(|secret| Credentials::new(key.clone(), secret))
        });
        let resumed = setup
            .rotation()
            .resume(crashed.clone(), credentials)
            .await
            .unwrap_or_else(|e| panic!("resuming after {crash_after:?}: {e}"));
        assert!(
            matches!(resumed.phase, Phase::Completed | Phase::RolledBack),
            "{crash_after:?}: {:?}",
            resumed.phase
        );
        if resumed.phase == Phase::Completed {
            let new_key = resumed.new_key.clone().unwrap();
            assert!(setup.store.secret_of(&new_key).is_some(), "{crash_after:?}");
            assert!(setup.revoked(&setup.old_key));
        } else {
            assert!(!setup.revoked(&setup.old_key), "{crash_after:?}");
        }
        setup.assert_one_working_key();
    }
}

/// Runs the rotation step by step through a journal that stops the process (drops the
/// future) as soon as `phase` is recorded, and returns the last state recorded.
async fn run_until(setup: &Setup, state: RotationState, phase: Phase) -> RotationState {
    let log = Arc::new(StopAt {
        phase,
        states: Mutex::default(),
        stop: tokio::sync::Notify::new(),
    });
    let rotation = Rotation::new(setup.manager.clone(), setup.verifier(), setup.store.clone())
        .journal(log.clone())
        .verification(1, std::time::Duration::ZERO);
    tokio::select! {
        _ = rotation.run(state) => {}
        _ = log.stop.notified() => {}
    }
    let last = log.states.lock().unwrap().last().cloned();
    last.unwrap()
}

struct StopAt {
    phase: Phase,
    states: Mutex<Vec<RotationState>>,
    stop: tokio::sync::Notify,
}

impl Journal for StopAt {
    fn record(&self, state: &RotationState) -> Result<(), String> {
        self.states.lock().unwrap().push(state.clone());
        let reached =
            state.phase == self.phase && (self.phase != Phase::Planned || state.create_sent);
        if reached {
            self.stop.notify_one();
        }
        Ok(())
    }
}

/// The saga on every exchange whose API creates, lists and revokes keys: a rotation completes,
/// and a refusing store rolls it back, leaving the old key.
#[tokio::test]
async fn rotation_works_on_every_exchange_that_manages_keys() {
    let mut rotated = Vec::new();
    let mut stopped_safely = Vec::new();
    for exchange in ExchangeId::supported() {
        let caps = exchange.capabilities().unwrap();
        if !(caps.create_key.is_available()
            && caps.revoke.is_available()
            && caps.list_keys.is_available())
        {
            continue;
        }
        let sub_account = exchange_keys::testkit::sub_account(exchange).unwrap();
        for refuse in [false, true] {
            let sim = SimulatedExchange::start(exchange, Scenario::Trading)
                .await
                .unwrap();
            let manager = sim.adapter().unwrap();
            let mut spec =
                NewKeySpec::new("grid_bot", vec![Permission::Read, Permission::SpotTrade])
                    .allowed_ips(["203.0.113.7"]);
            if let Some(sub) = sub_account {
                spec = spec.sub_account(sub);
            }
            let old = manager
                .create_key(&spec)
                .await
                .unwrap_or_else(|e| panic!("{exchange}: {e}"));
            let url = sim.base_url();
            let passphrase = sim.credentials().passphrase().cloned();
            let verifier: Verifier = Arc::new(move |credentials: Credentials| {
                // The new key's own passphrase, where it has one; else the account's.
                let credentials = match (&credentials.passphrase(), &passphrase) {
                    (None, Some(p)) => credentials.with_passphrase(p.clone()),
                    _ => credentials,
                };
                exchange
                    .builder()
                    .base_url(url.clone())
                    .retry(exchange_keys::RetryPolicy::none())
                    .rate_limit(None)
                    .credentials(credentials)
                    .build()
            });
            let store = Arc::new(Store {
                stored: Mutex::default(),
                refuse,
            });
            let mut rotation = Rotation::new(manager.clone(), verifier, store.clone())
                .verification(1, std::time::Duration::ZERO);
            if exchange.revoke_needs_key_passphrase() {
                // KuCoin deletes the old key only with its own passphrase: the caller holds it.
                rotation = rotation.old_key_passphrase(old.passphrase.clone().unwrap());
            }
            let listed = manager.list_keys().await.unwrap();
            let masked = listed.iter().any(|k| {
                k.key_id == exchange_keys::Reported::Known(old.api_key.clone())
                    && matches!(&k.ip_restriction, exchange_keys::IpRestriction::AllowList(entries)
                        if entries.iter().any(|e| matches!(e, exchange_keys::IpEntry::Pattern(_))))
            });
            if masked {
                // The list shows the old key's addresses masked: the caller names them.
                rotation = rotation.allowed_ips(["203.0.113.7"]);
            }
            // The sub-account comes from the manager's listing.
            let state = rotation
                .plan(&old.api_key, None, None)
                .await
                .unwrap_or_else(|e| panic!("{exchange}: plan: {e}"));
            assert_eq!(
                state.sub_account.as_deref(),
                sub_account,
                "{exchange}: the listing names the old key's sub-account"
            );
            let outcome = rotation.run(state).await;
            let revoked = |key: &str| sim.with_state(|s| s.is_revoked(key)).unwrap();
            if refuse {
                let err = outcome.unwrap_err();
                assert!(!revoked(&old.api_key), "{exchange}: {err}");
                let new_key = err.state().unwrap().new_key.clone().unwrap();
                assert!(revoked(&new_key), "{exchange}: the unstored key is revoked");
            } else if exchange == ExchangeId::Htx {
                // An HTX sub-user's key may not call GET /v2/user/api-key, so the new key cannot
                // be verified: the saga stops there and rolls back, the old key untouched.
                let err = outcome.unwrap_err();
                assert!(err.to_string().contains("could not be inspected"), "{err}");
                assert!(!revoked(&old.api_key), "{exchange}: {err}");
                let new_key = err.state().unwrap().new_key.clone().unwrap();
                assert!(
                    revoked(&new_key),
                    "{exchange}: the unverified key is revoked"
                );
                stopped_safely.push(exchange);
            } else {
                let done = outcome.unwrap_or_else(|e| panic!("{exchange}: {e}"));
                assert_eq!(done.phase, Phase::Completed, "{exchange}");
                assert!(revoked(&old.api_key), "{exchange}");
                assert!(store.secret_of(done.new_key.as_ref().unwrap()).is_some());
            }
        }
        if !stopped_safely.contains(&exchange) {
            rotated.push(exchange);
        }
    }
    #[cfg(feature = "htx")]
    assert_eq!(stopped_safely, [ExchangeId::Htx]);
    for expected in [
        ExchangeId::Bybit,
        ExchangeId::Okx,
        ExchangeId::Deribit,
        ExchangeId::Kucoin,
        ExchangeId::Gate,
        ExchangeId::Mexc,
        ExchangeId::Bitget,
        ExchangeId::Bingx,
    ]
    .into_iter()
    .filter(|expected| expected.is_supported())
    {
        assert!(
            rotated.contains(&expected),
            "{expected} rotates: {rotated:?}"
        );
    }
}

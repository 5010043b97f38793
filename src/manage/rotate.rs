//! Rotation as a saga: create the new key, store it, verify it, and only then revoke the old
//! one, recording every step so an interrupted rotation can be resumed or rolled back.
//!
//! The guarantees, each tested by injecting a failure at every step:
//! - the old key is revoked only after the caller's [`SecretStore`] acknowledged the new
//!   credentials and the new key was inspected and matched the old one's rights and allowlist;
//! - a failed store or verification revokes the new key and keeps the old one;
//! - a new key whose secret cannot be kept (the store refused it and revoking it failed too) is
//!   handed back in [`RotationError::NewKeyNotStored`], never dropped;
//! - at every point the caller holds at least one working key;
//! - create and revoke are never retried blindly: after an unclear create (a timeout, a reset),
//!   the saga lists the keys to find out whether the key exists before it tries again.
//!
//! The state ([`RotationState`]) holds no secret, so it can be written to disk after each step
//! ([`Journal`]). A crash between creating the key and storing it loses the new secret with the
//! process: [`Rotation::resume`] then revokes that key (nobody can use it) and starts over; the
//! old key was never touched.
//!
//! Where the exchange deletes a key only with that key's own passphrase (KuCoin's sub-account
//! keys, [`ExchangeId::revoke_needs_key_passphrase`]), the state records that the old key needs
//! one ([`RotationState::old_key_needs_passphrase`]) but never holds it: the caller gives it to
//! the [`Rotation`] ([`Rotation::old_key_passphrase`]), [`Rotation::plan`] refuses before
//! anything is created when it is missing, and a resumed run must be given it again. The new
//! key is rolled back with its own passphrase ([`NewKey::passphrase`], or the credentials given
//! to [`Rotation::resume`] / [`Rotation::roll_back_with`]); a new key whose passphrase died with
//! the process (a crash before the store, an unclear create) cannot be deleted through the API
//! there, and the rotation stops saying so.
//!
//! Where the exchange shows allowlists masked (KuCoin: `203.**.154`), the old key's addresses
//! cannot be read back: the caller names them ([`Rotation::allowed_ips`]) and the plan takes
//! them only if they are consistent with the old key's masked list. The new key is then checked
//! the same way: consistent with the addresses asked for, never claimed equal.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::adapter::{KeyAdapter, KeyRef, NewKey, NewKeySpec, RevokeConfirm};
use crate::credentials::Credentials;
use crate::error::Error;
use crate::exchanges::venue::consistent_addresses;
use crate::id::ExchangeId;
use crate::model::{Grant, IpEntry, IpRestriction, KeyInfo, Permission, Reported};

/// The version of [`RotationState`]'s serialized form.
pub const ROTATION_STATE_VERSION: u32 = 1;

/// Where the new credentials go: a file, a vault, a password manager. The rotation waits for
/// [`SecretStore::store`] to return `Ok` before it relies on the new key; `Ok` means the
/// credentials are durably stored where the application will read them.
#[async_trait]
pub trait SecretStore: fmt::Debug + Send + Sync {
    /// Stores `key` (its secret included). An error means "not stored": the rotation revokes
    /// the new key and keeps the old one.
    async fn store(&self, key: &NewKey) -> Result<(), String>;
}

/// Records the rotation's state after every step, so a later run can resume it. An error
/// before the key is created stops the rotation (nothing is created without a record); an
/// error afterwards is reported and the rotation goes on, since stopping would strand a key.
pub trait Journal: Send + Sync {
    /// Persists `state` (it holds no secret).
    fn record(&self, state: &RotationState) -> Result<(), String>;
}

/// A journal that keeps nothing, for rotations run to completion in one process.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoJournal;

impl Journal for NoJournal {
    fn record(&self, _: &RotationState) -> Result<(), String> {
        Ok(())
    }
}

/// Builds the adapter that verifies the new key from its credentials (same exchange, same
/// environment and base URL as the manager).
pub type Verifier =
    Arc<dyn Fn(Credentials) -> crate::error::Result<Arc<dyn KeyAdapter>> + Send + Sync>;

/// Where a rotation stands.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Planned; the new key may have been requested (see [`RotationState::create_sent`]).
    Planned,
    /// The new key exists; its secret is held only in memory until stored.
    Created,
    /// The store acknowledged the new credentials.
    Stored,
    /// The new key was inspected and matches the old one.
    Verified,
    /// The old key is revoked: done.
    Completed,
    /// The new key was revoked (or never created) and the old one kept.
    RolledBack,
}

/// One step's outcome, for the record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    /// What was attempted.
    pub step: String,
    /// Whether it succeeded.
    pub ok: bool,
    /// What happened.
    pub detail: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A rotation's state: what the old key is, what the new one must be, how far it got. Holds no
/// secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationState {
    /// [`ROTATION_STATE_VERSION`].
    pub version: u32,
    /// The exchange.
    pub exchange: ExchangeId,
    /// The old key's public id.
    pub old_key: String,
    /// The sub-account both keys belong to, where the exchange needs it.
    pub sub_account: Option<String>,
    /// The new key's label (dated), also how the key is recognized after an unclear create.
    pub label: String,
    /// The new key's rights: the old key's.
    pub permissions: Vec<Permission>,
    /// The new key's allowlist: the old key's (where the exchange masks it, the addresses the
    /// caller named, consistent with the old key's masked list).
    pub allowed_ips: Vec<String>,
    /// Whether revoking the old key needs its own passphrase (KuCoin's sub-account keys). The
    /// passphrase is never in the state: every run that may revoke the old key is given it
    /// with [`Rotation::old_key_passphrase`].
    #[serde(default)]
    pub old_key_needs_passphrase: bool,
    /// The keys that existed before the new one was requested, where the exchange lists them.
    pub keys_before: Option<BTreeSet<String>>,
    /// Whether a create request was sent (its outcome may be unknown).
    pub create_sent: bool,
    /// The new key's public id, once known.
    pub new_key: Option<String>,
    /// Where the rotation stands.
    pub phase: Phase,
    /// Every step, in order.
    pub steps: Vec<StepRecord>,
}

impl RotationState {
    fn log(&mut self, step: &str, ok: bool, detail: impl Into<String>) {
        self.steps.push(StepRecord {
            step: step.to_owned(),
            ok,
            detail: detail.into(),
            at: Utc::now(),
        });
    }

    /// Whether the old key was revoked (the rotation completed).
    pub fn old_key_revoked(&self) -> bool {
        self.phase == Phase::Completed
    }
}

/// Why a rotation stopped. Every variant carries the state as it was left.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    /// The rotation could not be planned: nothing was created.
    #[error("cannot rotate: {reason}")]
    Plan {
        /// Why.
        reason: String,
    },
    /// A step failed; the state says what was done and what holds. The old key works.
    #[error("rotation stopped at {}: {reason}", step)]
    Stopped {
        /// The step that failed.
        step: &'static str,
        /// Why.
        reason: String,
        /// The state left.
        state: Box<RotationState>,
    },
    /// The store refused the new credentials and the new key could not be revoked either: the
    /// new key is live, and here is its secret. Store it by hand or revoke the key.
    #[error("the new key {} could not be stored ({reason}) nor revoked: its credentials are handed back", key.api_key)]
    NewKeyNotStored {
        /// The new key, secret included.
        key: Box<NewKey>,
        /// Why it was not stored.
        reason: String,
        /// The state left.
        state: Box<RotationState>,
    },
    /// The new key is stored and verified but the old key could not be revoked: both work.
    /// Resume later, or revoke the old key by hand.
    #[error("the new key works; revoking the old key {} failed: {reason}", state.old_key)]
    OldKeyNotRevoked {
        /// Why.
        reason: String,
        /// The state left (phase `Verified`).
        state: Box<RotationState>,
    },
}

impl RotationError {
    /// The state the rotation left, when it got as far as having one.
    pub fn state(&self) -> Option<&RotationState> {
        match self {
            RotationError::Plan { .. } => None,
            RotationError::Stopped { state, .. }
            | RotationError::NewKeyNotStored { state, .. }
            | RotationError::OldKeyNotRevoked { state, .. } => Some(state),
        }
    }
}

/// A rotation of one key, managed by `manager` (the master key of its sub-account, or a key
/// with key-management rights on the account).
pub struct Rotation {
    manager: Arc<dyn KeyAdapter>,
    verifier: Verifier,
    store: Arc<dyn SecretStore>,
    journal: Arc<dyn Journal>,
    verify_attempts: u32,
    verify_delay: Duration,
    old_key_passphrase: Option<SecretString>,
    allowed_ips: Option<Vec<String>>,
}

impl fmt::Debug for Rotation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rotation")
            .field("exchange", &self.manager.exchange())
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl Rotation {
    /// A rotation through `manager`, verifying with adapters built by `verifier`, storing with
    /// `store`.
    pub fn new(
        manager: Arc<dyn KeyAdapter>,
        verifier: Verifier,
        store: Arc<dyn SecretStore>,
    ) -> Self {
        Rotation {
            manager,
            verifier,
            store,
            journal: Arc::new(NoJournal),
            verify_attempts: 3,
            verify_delay: Duration::from_secs(2),
            old_key_passphrase: None,
            allowed_ips: None,
        }
    }

    /// The old key's own passphrase, where the exchange revokes a key only with it (KuCoin's
    /// sub-account keys: [`ExchangeId::revoke_needs_key_passphrase`]). Kept in memory by this
    /// `Rotation` only, never in the state: give it again to a `Rotation` resuming the state.
    pub fn old_key_passphrase(mut self, passphrase: SecretString) -> Self {
        self.old_key_passphrase = Some(passphrase);
        self
    }

    /// The addresses to bind the new key to, where the exchange shows the old key's allowlist
    /// masked (KuCoin: `203.**.154`) so that it cannot be copied. The plan takes them only if
    /// they are consistent with the old key's list as shown: as many, each masked entry
    /// matching exactly one of them (a check, not a proof: a mask hides digits).
    pub fn allowed_ips<I: Into<String>>(mut self, ips: impl IntoIterator<Item = I>) -> Self {
        self.allowed_ips = Some(ips.into_iter().map(Into::into).collect());
        self
    }

    /// Records the state after every step.
    pub fn journal(mut self, journal: Arc<dyn Journal>) -> Self {
        self.journal = journal;
        self
    }

    /// How many times to inspect the new key before giving up (exchanges take a moment to
    /// accept a new key), and the pause between attempts. Default: 3, 2 s.
    pub fn verification(mut self, attempts: u32, delay: Duration) -> Self {
        self.verify_attempts = attempts.max(1);
        self.verify_delay = delay;
        self
    }

    /// Plans the rotation of `old_key` (of `sub_account`, where the exchange needs it and its
    /// listing does not tell): reads
    /// the old key's rights and allowlist (from `list_keys`, or `key_info` when it is the
    /// manager's own key) and names the new key `label` (default: the old label, dated).
    pub async fn plan(
        &self,
        old_key: &str,
        sub_account: Option<&str>,
        label: Option<&str>,
    ) -> Result<RotationState, RotationError> {
        let plan_error = |reason: String| RotationError::Plan { reason };
        let exchange = self.manager.exchange();
        let old_key_needs_passphrase = exchange.revoke_needs_key_passphrase();
        if old_key_needs_passphrase && self.old_key_passphrase.is_none() {
            return Err(plan_error(format!(
                "{exchange} revokes a key only with that key's own passphrase: give the old key's with Rotation::old_key_passphrase; nothing was created"
            )));
        }
        let info = self.old_key_info(old_key).await.map_err(plan_error)?;
        let permissions = recreatable_rights(&info).map_err(plan_error)?;
        let allowed_ips = match &self.allowed_ips {
            Some(given) => named_allowlist(&info.ip_restriction, given),
            None => recreatable_allowlist(&info.ip_restriction),
        }
        .map_err(plan_error)?;
        let label = match label {
            Some(label) => label.to_owned(),
            None => dated_label(info.label.known().map(String::as_str), Utc::now()),
        };
        // The sub-account as given, or as the manager's listing tells.
        let sub_account = sub_account
            .map(str::to_owned)
            .or_else(|| info.sub_account.known().cloned());
        Ok(RotationState {
            version: ROTATION_STATE_VERSION,
            exchange: self.manager.exchange(),
            old_key: old_key.to_owned(),
            sub_account,
            label,
            permissions,
            allowed_ips,
            old_key_needs_passphrase,
            keys_before: None,
            create_sent: false,
            new_key: None,
            phase: Phase::Planned,
            steps: Vec::new(),
        })
    }

    async fn old_key_info(&self, old_key: &str) -> Result<KeyInfo, String> {
        let own = self.manager.key_info().await.map_err(|e| e.to_string())?;
        if own.key_id == Reported::Known(old_key.to_owned()) {
            return Ok(own);
        }
        let listed = self
            .manager
            .list_keys()
            .await
            .map_err(|e| format!("the manager cannot list keys to read the old one: {e}"))?;
        listed
            .into_iter()
            .find(|info| info.key_id == Reported::Known(old_key.to_owned()))
            .ok_or_else(|| format!("the manager does not see a key `{old_key}`"))
    }

    /// Runs a planned rotation to the end.
    pub async fn run(&self, state: RotationState) -> Result<RotationState, RotationError> {
        self.resume(state, None).await
    }

    /// Continues a rotation from its recorded `state`. `new_credentials` are the new key's
    /// credentials as the store holds them, needed to resume after the store acknowledged
    /// them (phase `Stored`): without them, the rotation rolls back instead. Where the state
    /// says the old key needs its passphrase, this `Rotation` must have been given it again
    /// ([`Rotation::old_key_passphrase`]) for any run that may reach revoking the old key:
    /// without it, nothing is sent.
    pub async fn resume(
        &self,
        mut state: RotationState,
        new_credentials: Option<Credentials>,
    ) -> Result<RotationState, RotationError> {
        if state.exchange != self.manager.exchange() {
            return Err(RotationError::Plan {
                reason: format!(
                    "the state is of a {} rotation, the manager of {}",
                    state.exchange,
                    self.manager.exchange()
                ),
            });
        }
        check_state(&state)?;
        let rolls_back_only = matches!(state.phase, Phase::Completed | Phase::RolledBack)
            || (state.phase == Phase::Stored && new_credentials.is_none());
        if state.old_key_needs_passphrase && self.old_key_passphrase.is_none() && !rolls_back_only {
            return Err(RotationError::Plan {
                reason: format!(
                    "{} revokes the old key {} only with its own passphrase, which the state does not keep: give it again with Rotation::old_key_passphrase; nothing was sent",
                    state.exchange, state.old_key
                ),
            });
        }
        // The new key's secret lives only here until the store has it.
        let mut created: Option<NewKey> = None;
        let mut held = new_credentials;
        loop {
            match state.phase {
                Phase::Planned => created = Some(self.create(&mut state).await?),
                Phase::Created => match created.take() {
                    Some(key) => {
                        held = Some(credentials_of(&key));
                        self.store_new(&mut state, key).await?;
                    }
                    // The secret died with the process that created the key.
                    None => self.discard_orphan(&mut state).await?,
                },
                Phase::Stored => match held.clone() {
                    Some(credentials) => self.verify(&mut state, credentials).await?,
                    None => {
                        state.log(
                            "verify",
                            false,
                            "resumed without the new key's credentials: rolling back",
                        );
                        return self.roll_back(state, "no credentials to verify").await;
                    }
                },
                Phase::Verified => self.revoke_old(&mut state, held.clone()).await?,
                Phase::Completed | Phase::RolledBack => return Ok(state),
            }
        }
    }

    /// Revokes the new key, if any, and keeps the old one. Refused once the old key is
    /// revoked. Where the exchange revokes a key only with its own passphrase (KuCoin), use
    /// [`Rotation::roll_back_with`] and the new key's credentials.
    pub async fn roll_back(
        &self,
        state: RotationState,
        reason: &str,
    ) -> Result<RotationState, RotationError> {
        self.roll_back_with(state, reason, None).await
    }

    /// [`Rotation::roll_back`], revoking the new key with its own passphrase from
    /// `new_credentials` (the new key's, as the store holds them), where the exchange needs it.
    pub async fn roll_back_with(
        &self,
        mut state: RotationState,
        reason: &str,
        new_credentials: Option<Credentials>,
    ) -> Result<RotationState, RotationError> {
        if state.phase == Phase::Completed {
            return Err(RotationError::Plan {
                reason: "the rotation completed: the old key is gone, nothing to roll back to"
                    .to_owned(),
            });
        }
        if state.exchange != self.manager.exchange() {
            return Err(RotationError::Plan {
                reason: format!(
                    "the state is of a {} rotation, the manager of {}",
                    state.exchange,
                    self.manager.exchange()
                ),
            });
        }
        check_state(&state)?;
        if state.new_key.is_none() && state.create_sent {
            // The create's outcome was never learnt: find the key before declaring it absent.
            self.find_created(&mut state).await?;
        }
        if let Some(new_key) = state.new_key.clone() {
            // The credentials given are used only if they are the new key's.
            let passphrase = new_credentials
                .as_ref()
                .filter(|credentials| same_key(credentials.api_key(), &new_key))
                .and_then(Credentials::passphrase);
            self.revoke(&new_key, &state, passphrase)
                .await
                .map_err(|e| self.stopped(&mut state, "roll back", e.to_string()))?;
            state.log(
                "roll back",
                true,
                format!("revoked the new key {new_key}: {reason}"),
            );
        } else {
            state.log("roll back", true, format!("no new key to revoke: {reason}"));
        }
        state.phase = Phase::RolledBack;
        self.record(&state);
        Ok(state)
    }

    async fn create(&self, state: &mut RotationState) -> Result<NewKey, RotationError> {
        if state.create_sent {
            // A create was sent before and its outcome is unknown: find out first.
            self.find_created(state).await?;
            if state.new_key.is_some() {
                // It exists, but its secret was never seen: it is useless. Revoke it and
                // create another.
                self.discard_orphan(state).await?;
            }
        }
        if state.keys_before.is_none() {
            if let Ok(listed) = self.manager.list_keys().await {
                state.keys_before = Some(
                    listed
                        .iter()
                        .filter_map(|k| k.key_id.known().cloned())
                        .collect(),
                );
            }
        }
        state.create_sent = true;
        if let Err(reason) = self.journal.record(state) {
            state.create_sent = false;
            return Err(self.stopped(
                state,
                "create",
                format!("the journal refused the plan, so nothing was created: {reason}"),
            ));
        }
        let mut spec = NewKeySpec::new(state.label.clone(), state.permissions.clone())
            .allowed_ips(state.allowed_ips.clone());
        if let Some(sub_account) = &state.sub_account {
            spec = spec.sub_account(sub_account.clone());
        }
        match self.manager.create_key(&spec).await {
            Ok(key) => {
                state.new_key = Some(key.api_key.clone());
                state.phase = Phase::Created;
                state.log("create", true, format!("created {}", key.api_key));
                self.record(state);
                Ok(key)
            }
            Err(error) if error.is_outcome_unknown() => {
                state.log("create", false, error.to_string());
                self.find_created(state).await?;
                if state.new_key.is_some() {
                    self.discard_orphan(state).await?;
                } else {
                    state.create_sent = false;
                    self.record(state);
                }
                // One more attempt, now that the first is known to have left nothing behind.
                Box::pin(self.create_once_more(state)).await
            }
            Err(error) => {
                state.create_sent = false;
                state.log("create", false, error.to_string());
                state.phase = Phase::RolledBack;
                self.record(state);
                Err(self.stopped(state, "create", error.to_string()))
            }
        }
    }

    async fn create_once_more(&self, state: &mut RotationState) -> Result<NewKey, RotationError> {
        let mut spec = NewKeySpec::new(state.label.clone(), state.permissions.clone())
            .allowed_ips(state.allowed_ips.clone());
        if let Some(sub_account) = &state.sub_account {
            spec = spec.sub_account(sub_account.clone());
        }
        state.create_sent = true;
        self.record(state);
        match self.manager.create_key(&spec).await {
            Ok(key) => {
                state.new_key = Some(key.api_key.clone());
                state.phase = Phase::Created;
                state.log(
                    "create",
                    true,
                    format!("created {} on the second attempt", key.api_key),
                );
                self.record(state);
                Ok(key)
            }
            Err(error) => {
                state.log("create", false, error.to_string());
                self.record(state);
                // Left in `Planned` with `create_sent`: a resume finds out what happened.
                Err(self.stopped(state, "create", error.to_string()))
            }
        }
    }

    /// Looks for a key created by an unclear create: one with the rotation's label that was
    /// not there before.
    async fn find_created(&self, state: &mut RotationState) -> Result<(), RotationError> {
        let listed = match self.manager.list_keys().await {
            Ok(listed) => listed,
            Err(error) => {
                return Err(self.stopped(
                    state,
                    "find the new key",
                    format!("the create's outcome is unknown and the keys cannot be listed ({error}): check the exchange's key list by hand for a key labelled `{}`", state.label),
                ))
            }
        };
        let own = self.manager_key_id().await.map_err(|reason| {
            self.stopped(state, "find the new key", format!("the create's outcome is unknown and {reason}: check the exchange's key list by hand for a key labelled `{}`", state.label))
        })?;
        let mut candidates: Vec<&String> = Vec::new();
        for id in listed.iter().filter_map(|info| {
            let id = info.key_id.known()?;
            let new = state
                .keys_before
                .as_ref()
                .is_none_or(|before| !before.iter().any(|known| same_key(known, id)));
            let labelled = info
                .label
                .known()
                .is_some_and(|l| l.trim() == state.label.trim());
            let ours = !same_key(id, &state.old_key)
                && !own.as_deref().is_some_and(|own| same_key(id, own));
            (new && labelled && ours).then_some(id)
        }) {
            // A list showing one key twice shows one candidate.
            if !candidates.iter().any(|known| same_key(known, id)) {
                candidates.push(id);
            }
        }
        // A key is taken for the create's only when it cannot be anyone else's: without the
        // list from before the create, a key with the same label may be another rotation's,
        // and revoking it as an orphan would cut off its owner.
        let unclear = match (candidates.as_slice(), &state.keys_before) {
            ([], _) => None,
            ([_], Some(_)) => None,
            (_, None) => Some("the keys could not be listed before the create, so a key with its label may be someone else's"),
            (_, Some(_)) => Some("several keys with its label appeared since the create was sent"),
        };
        if let Some(why) = unclear {
            let named = candidates
                .iter()
                .map(|id| id.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(self.stopped(
                state,
                "find the new key",
                format!("the create's outcome is unknown and {why} ({named}): nothing was revoked; check on the exchange which key this rotation made, revoke it by hand (its secret was never seen), and start a new rotation"),
            ));
        }
        let found = candidates.first().map(|id| (*id).clone());
        state.log(
            "find the new key",
            true,
            match &found {
                Some(id) => format!("the unclear create made {id}"),
                None => "the unclear create made no key".to_owned(),
            },
        );
        state.new_key = found;
        if state.new_key.is_none() {
            state.create_sent = false;
        }
        self.record(state);
        Ok(())
    }

    /// Revokes a new key whose secret is not held, and goes back to `Planned`.
    async fn discard_orphan(&self, state: &mut RotationState) -> Result<(), RotationError> {
        if let Some(orphan) = state.new_key.clone() {
            // Its passphrase, where the exchange needs one to revoke it, died with its secret.
            self.revoke(&orphan, state, None).await.map_err(|e| {
                self.stopped(
                    state,
                    "revoke the orphan",
                    format!("the new key {orphan} has no known secret and could not be revoked ({e}): revoke it by hand"),
                )
            })?;
            state.log(
                "revoke the orphan",
                true,
                format!("revoked {orphan}, whose secret was never kept"),
            );
        }
        state.new_key = None;
        state.create_sent = false;
        state.phase = Phase::Planned;
        self.record(state);
        Ok(())
    }

    async fn store_new(&self, state: &mut RotationState, key: NewKey) -> Result<(), RotationError> {
        match self.store.store(&key).await {
            Ok(()) => {
                state.phase = Phase::Stored;
                state.log("store", true, "the store acknowledged the new credentials");
                self.record(state);
                Ok(())
            }
            Err(reason) => {
                state.log("store", false, reason.clone());
                let new_key = key.api_key.clone();
                match self.revoke(&new_key, state, key.passphrase.as_ref()).await {
                    Ok(()) => {
                        state.log(
                            "roll back",
                            true,
                            format!("revoked the unstored new key {new_key}"),
                        );
                        state.phase = Phase::RolledBack;
                        self.record(state);
                        Err(self.stopped(state, "store", reason))
                    }
                    Err(error) => {
                        state.log("roll back", false, error.to_string());
                        self.record(state);
                        Err(RotationError::NewKeyNotStored {
                            key: Box::new(key),
                            reason,
                            state: Box::new(state.clone()),
                        })
                    }
                }
            }
        }
    }

    async fn verify(
        &self,
        state: &mut RotationState,
        credentials: Credentials,
    ) -> Result<(), RotationError> {
        let new_key = state.new_key.clone().unwrap_or_default();
        if !same_key(credentials.api_key(), &new_key) {
            // Nothing is changed: resumed with the wrong credentials, the caller can resume
            // again with the right ones.
            let reason = format!(
                "the credentials given are of key {}, not of the new key {new_key}: nothing was changed; resume with the new key's credentials",
                credentials.api_key()
            );
            state.log("verify", false, reason.clone());
            return Err(self.stopped(state, "verify", reason));
        }
        let mut last = String::new();
        for attempt in 0..self.verify_attempts {
            if attempt > 0 {
                tokio::time::sleep(self.verify_delay).await;
            }
            let inspected = match (self.verifier)(credentials.clone()) {
                Ok(adapter) => adapter
                    .key_info()
                    .await
                    .map(|info| (info, adapter.capabilities().reports_key_id)),
                Err(error) => Err(error),
            };
            match inspected {
                Ok((info, reports_key_id)) => {
                    let difference = match &info.key_id {
                        Reported::Known(id) if !same_key(id, &new_key) => Some(format!(
                            "the exchange answered for key {id}, not for the new key {new_key}"
                        )),
                        Reported::NotReported if reports_key_id.is_available() => Some(format!(
                            "the exchange's answer does not name the key it is about, so it does not show the new key {new_key}"
                        )),
                        _ => differences(state, &info),
                    };
                    return match difference {
                        None => {
                            state.phase = Phase::Verified;
                            let masked = matches!(&info.ip_restriction, IpRestriction::AllowList(entries) if entries.iter().any(|e| matches!(e, IpEntry::Pattern(_))));
                            state.log(
                                "verify",
                                true,
                                if masked {
                                    "the new key works and holds the old one's rights; its allowlist, shown masked, is consistent with the addresses asked for (a mask cannot prove them equal)"
                                } else {
                                    "the new key works and matches the old one"
                                },
                            );
                            self.record(state);
                            Ok(())
                        }
                        Some(difference) => {
                            state.log("verify", false, difference.clone());
                            let reason =
                                format!("the new key does not match the old one: {difference}");
                            *state = self
                                .roll_back_with(state.clone(), &reason, Some(credentials.clone()))
                                .await?;
                            Err(self.stopped(state, "verify", reason))
                        }
                    };
                }
                Err(error) => last = error.to_string(),
            }
        }
        state.log("verify", false, last.clone());
        let reason = format!("the new key could not be inspected: {last}");
        *state = self
            .roll_back_with(state.clone(), &reason, Some(credentials))
            .await?;
        Err(self.stopped(state, "verify", reason))
    }

    async fn revoke_old(
        &self,
        state: &mut RotationState,
        new_credentials: Option<Credentials>,
    ) -> Result<(), RotationError> {
        // Rotating the manager's own key: the manager is the old key, so the new one (verified
        // to hold the same rights) revokes it.
        let own = self
            .manager
            .key_info()
            .await
            .map(|info| info.key_id == Reported::Known(state.old_key.clone()))
            .unwrap_or(false);
        let revoker = match (own, new_credentials) {
            (true, Some(credentials)) => (self.verifier)(credentials)
                .map_err(|e| self.old_not_revoked(state, e.to_string()))?,
            _ => self.manager.clone(),
        };
        let target = managed_key(&state.old_key, state.sub_account.as_deref());
        let target = match &self.old_key_passphrase {
            Some(passphrase) => target.with_passphrase(passphrase.clone()),
            None => target,
        };
        match revoker
            .revoke(target, RevokeConfirm::IUnderstandThisIsIrreversible)
            .await
        {
            Ok(_) => {
                state.phase = Phase::Completed;
                state.log(
                    "revoke the old key",
                    true,
                    format!("revoked {}", state.old_key),
                );
                self.record(state);
                Ok(())
            }
            Err(error) => {
                state.log("revoke the old key", false, error.to_string());
                self.record(state);
                Err(self.old_not_revoked(state, error.to_string()))
            }
        }
    }

    /// Revokes the new key (or an orphan): never the old key, never the manager's own key.
    /// `passphrase` is the new key's own, where it is known.
    async fn revoke(
        &self,
        key_id: &str,
        state: &RotationState,
        passphrase: Option<&SecretString>,
    ) -> Result<(), Error> {
        let exchange = self.manager.exchange();
        if same_key(key_id, &state.old_key) {
            return Err(Error::config(
                exchange,
                format!("{key_id} is the old key, not a new one: nothing was revoked"),
            ));
        }
        let own = self
            .manager_key_id()
            .await
            .map_err(|reason| Error::config(exchange, format!("{reason}: nothing was revoked")))?;
        if own.as_deref().is_some_and(|own| same_key(own, key_id)) {
            return Err(Error::config(
                exchange,
                format!(
                    "{key_id} is the key managing the rotation, not a new one: nothing was revoked"
                ),
            ));
        }
        let target = managed_key(key_id, state.sub_account.as_deref());
        let target = match passphrase {
            Some(passphrase) => target.with_passphrase(passphrase.clone()),
            None => target,
        };
        self.manager
            .revoke(target, RevokeConfirm::IUnderstandThisIsIrreversible)
            .await
            .map(|_| ())
    }

    /// The public id of the manager's own key, where its exchange reports it.
    async fn manager_key_id(&self) -> Result<Option<String>, String> {
        self.manager
            .key_info()
            .await
            .map(|info| info.key_id.known().cloned())
            .map_err(|e| format!("the manager's own key cannot be told apart ({e})"))
    }

    fn record(&self, state: &RotationState) {
        if let Err(reason) = self.journal.record(state) {
            tracing::warn!(exchange = %state.exchange, "the rotation journal refused a step: {reason}");
        }
    }

    fn stopped(
        &self,
        state: &mut RotationState,
        step: &'static str,
        reason: String,
    ) -> RotationError {
        RotationError::Stopped {
            step,
            reason,
            state: Box::new(state.clone()),
        }
    }

    fn old_not_revoked(&self, state: &RotationState, reason: String) -> RotationError {
        RotationError::OldKeyNotRevoked {
            reason,
            state: Box::new(state.clone()),
        }
    }
}

/// Another key, of `sub_account` where one is named.
fn managed_key(key_id: &str, sub_account: Option<&str>) -> KeyRef {
    match sub_account {
        Some(sub_account) => KeyRef::sub_account_key(key_id, sub_account),
        None => KeyRef::other(key_id),
    }
}

/// Whether two public key ids name the same key, as the adapters' own-key gate compares them
/// (surrounding spaces and ASCII case ignored): where the saga must not touch a key, a near
/// match counts.
fn same_key(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Refuses a state that does not hold together (read from a file that was edited, or is of
/// another rotation) before anything is sent: a phase past `Created` without a new key, a new
/// key that is the old one, an empty key id.
fn check_state(state: &RotationState) -> Result<(), RotationError> {
    let refuse = |why: &str| {
        Err(RotationError::Plan {
            reason: format!("the rotation state does not hold together: {why}; nothing was sent"),
        })
    };
    if state.old_key.trim().is_empty() {
        return refuse("it names no old key");
    }
    match state.new_key.as_deref() {
        Some(new) if new.trim().is_empty() => refuse("its new key has an empty id"),
        Some(new) if same_key(new, &state.old_key) => refuse("its new key is the old key"),
        None if matches!(
            state.phase,
            Phase::Created | Phase::Stored | Phase::Verified
        ) =>
        {
            refuse("it is past creating the new key but names none")
        }
        _ => Ok(()),
    }
}

/// The credentials of a new key, to sign with it.
pub fn credentials_of(key: &NewKey) -> Credentials {
    let credentials = Credentials::new(key.api_key.clone(), key.secret.clone());
    match &key.passphrase {
        Some(passphrase) => credentials.with_passphrase(passphrase.clone()),
        None => credentials,
    }
}

/// The old key's rights as a list to create the new key with: every normalized right it is
/// reported to hold. A right not reported, or a vendor right nobody recognized, cannot be
/// recreated faithfully: the plan is refused rather than guessing.
fn recreatable_rights(info: &KeyInfo) -> Result<Vec<Permission>, String> {
    let mut rights = Vec::new();
    let mut unknown = Vec::new();
    for (right, grant) in info.permissions.iter() {
        match (right, grant) {
            (Permission::Other(_), Grant::Granted) => unknown.push(right.to_string()),
            (_, Grant::Granted) => rights.push(right.clone()),
            (_, Grant::NotReported) => unknown.push(right.to_string()),
            _ => {}
        }
    }
    if !unknown.is_empty() {
        return Err(format!(
            "the old key's rights are not all known ({}): a new key could not be made equal to it",
            unknown.join(", ")
        ));
    }
    if rights.is_empty() {
        return Err("the exchange reports no right of the old key".to_owned());
    }
    Ok(rights)
}

/// The old key's allowlist as addresses to bind the new key to. A key without one, or whose
/// list is hidden or masked, cannot be rotated into an equal key.
fn recreatable_allowlist(restriction: &IpRestriction) -> Result<Vec<String>, String> {
    match restriction {
        IpRestriction::AllowList(entries) if !entries.is_empty() => entries
            .iter()
            .map(|entry| match entry {
                IpEntry::Net(net) if net.prefix_len() == net.max_prefix_len() => Ok(net.addr().to_string()),
                IpEntry::Net(net) => Ok(net.to_string()),
                IpEntry::Pattern(pattern) => Err(format!(
                    "the old key's allowlist is shown masked (`{pattern}`): it cannot be copied; name its addresses with Rotation::allowed_ips"
                )),
            })
            .collect(),
        IpRestriction::Unrestricted => Err("the old key accepts calls from any address: a new key is created only with an allowlist, so rotate by hand or bind the old key first".to_owned()),
        _ => Err("the exchange does not show the old key's allowlist: it cannot be copied".to_owned()),
    }
}

/// The addresses the caller named for the new key, taken only if they are addresses or
/// networks and consistent with the old key's allowlist as shown (see [`Rotation::allowed_ips`]).
fn named_allowlist(old: &IpRestriction, named: &[String]) -> Result<Vec<String>, String> {
    let wanted = IpRestriction::from_entries(named.iter().map(String::as_str));
    let entries = match &wanted {
        IpRestriction::AllowList(entries)
            if entries.iter().all(|entry| matches!(entry, IpEntry::Net(_))) =>
        {
            entries
        }
        _ => {
            return Err(format!(
                "the addresses named for the new key ({}) are not a list of addresses or networks",
                named.join(", ")
            ))
        }
    };
    if !consistent_addresses(old, &wanted) {
        let shown = match old {
            IpRestriction::AllowList(shown) => shown
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            other => format!("{other:?}"),
        };
        return Err(format!(
            "the addresses named for the new key ({}) are not consistent with the old key's allowlist as the exchange shows it ({shown})",
            named.join(", ")
        ));
    }
    Ok(entries.iter().map(ToString::to_string).collect())
}

/// `base_yymmdd`, letters, digits and `_` only, at most 16 characters: what every exchange
/// accepts as a label (Deribit's names are the narrowest).
pub fn dated_label(base: Option<&str>, now: DateTime<Utc>) -> String {
    let cleaned: String = base
        .unwrap_or("key")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut stem: String = cleaned.trim_matches('_').chars().take(9).collect();
    if stem.is_empty() {
        stem = "key".to_owned();
    }
    format!("{stem}_{}", now.format("%y%m%d"))
}

/// What differs between the planned key and the new key as inspected; `None` when it
/// matches: every planned right granted, no other right granted, the allowlist the same (or,
/// where the exchange shows it masked, consistent with the planned addresses: never claimed
/// equal, see [`consistent_addresses`]).
fn differences(state: &RotationState, info: &KeyInfo) -> Option<String> {
    let mut found = Vec::new();
    for right in &state.permissions {
        if info.permissions.get(right) != Grant::Granted {
            found.push(format!("`{right}` is not granted"));
        }
    }
    for (right, grant) in info.permissions.iter() {
        if state.permissions.contains(right) {
            continue;
        }
        match grant {
            Grant::Granted => {
                found.push(format!("`{right}` is granted beyond the old key's rights"))
            }
            // The old key's rights were all known (the plan refuses otherwise): a right the
            // exchange leaves unreported on the new key may be granted.
            Grant::NotReported => found.push(format!(
                "the exchange does not say whether `{right}` is granted"
            )),
            _ => {}
        }
    }
    let wanted: BTreeSet<String> = state
        .allowed_ips
        .iter()
        .map(|ip| IpEntry::parse(ip).to_string())
        .collect();
    let planned = IpRestriction::from_entries(state.allowed_ips.iter().map(String::as_str));
    match &info.ip_restriction {
        IpRestriction::AllowList(entries) => {
            let got: BTreeSet<String> = entries.iter().map(ToString::to_string).collect();
            let masked = entries.iter().any(|e| matches!(e, IpEntry::Pattern(_)));
            let matches = if masked {
                consistent_addresses(&info.ip_restriction, &planned)
            } else {
                got == wanted
            };
            if !matches {
                let shown = got.into_iter().collect::<Vec<_>>().join(", ");
                let asked = wanted.into_iter().collect::<Vec<_>>().join(", ");
                found.push(if masked {
                    format!("the allowlist is shown masked as {shown}, which is not consistent with {asked}")
                } else {
                    format!("the allowlist is {shown} instead of {asked}")
                });
            }
        }
        other => found.push(format!(
            "the allowlist is {other:?}, not the old key's list"
        )),
    }
    (!found.is_empty()).then(|| found.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(ips: &[&str]) -> RotationState {
        RotationState {
            version: ROTATION_STATE_VERSION,
            exchange: ExchangeId::Kucoin,
            old_key: "old".into(),
            sub_account: Some("sub".into()),
            label: "bot_260101".into(),
            permissions: vec![Permission::Read],
            allowed_ips: ips.iter().map(|ip| (*ip).to_owned()).collect(),
            old_key_needs_passphrase: true,
            keys_before: None,
            create_sent: false,
            new_key: Some("new".into()),
            phase: Phase::Stored,
            steps: Vec::new(),
        }
    }

    fn shown(list: &str) -> KeyInfo {
        let mut info = KeyInfo::new(ExchangeId::Kucoin);
        info.permissions.set(Permission::Read, Grant::Granted);
        info.ip_restriction = IpRestriction::from_list(list);
        info
    }

    #[test]
    fn a_masked_allowlist_is_checked_for_consistency_never_equality() {
        let planned = state(&["203.0.113.7", "198.51.100.20"]);
        assert_eq!(differences(&planned, &shown("203.**.7,198.**.20")), None);
        for other in ["203.**.7", "203.**.7,198.**.21", "203.**.7,203.**.7", ""] {
            let found = differences(&planned, &shown(other)).unwrap_or_default();
            assert!(found.contains("allowlist"), "{other}: {found}");
        }
        // Unmasked lists are still compared exactly.
        assert_eq!(
            differences(&planned, &shown("198.51.100.20,203.0.113.7")),
            None
        );
        assert!(differences(&planned, &shown("203.0.113.7")).is_some());
    }

    #[test]
    fn named_addresses_must_be_consistent_with_the_old_keys_masked_list() {
        let old = IpRestriction::from_list("203.**.7,198.**.20");
        let named = |ips: &[&str]| {
            named_allowlist(
                &old,
                &ips.iter().map(|ip| (*ip).to_owned()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(
            named(&["198.51.100.20", " 203.0.113.7"]).unwrap(),
            ["198.51.100.20", "203.0.113.7"]
        );
        for wrong in [
            &["203.0.113.7"][..],
            &["203.0.113.7", "198.51.100.21"],
            &["203.**.7", "198.**.20"],
            &["*"],
        ] {
            assert!(named(wrong).is_err(), "{wrong:?}");
        }
    }

    #[test]
    fn a_state_written_before_the_passphrase_flag_reads_as_not_needing_one() {
        let mut json = serde_json::to_value(state(&["203.0.113.7"])).unwrap();
        json.as_object_mut()
            .unwrap()
            .remove("old_key_needs_passphrase");
        let read: RotationState = serde_json::from_value(json).unwrap();
        assert!(!read.old_key_needs_passphrase);
    }
}

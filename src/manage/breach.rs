//! Breach response: revoke every key the exchanges' APIs let you revoke, and say exactly what
//! a person must do by hand, and where, for the rest.
//!
//! A [`BreachPlan`] is computed first and changes nothing: it lists, exchange by exchange, what
//! the API will revoke and what is manual. [`BreachPlan::execute`] carries it out only with the
//! typed confirmation the plan names ([`BreachPlan::confirmation`]), revoking the keys a master
//! key manages before the master key itself (it must still work to revoke them), going on
//! after a failure, and reporting what was revoked and what remains.
//!
//! An exchange that cannot revoke one key but has a kill switch (Bitstamp's
//! `revoke_all_api_keys`) gets [`Action::RevokeAllKeys`], carried out last: it revokes every key
//! of every account of that login, and the confirmation says so in words.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::adapter::{KeyAdapter, KeyRef, Operation, RevokeAllConfirm, RevokeConfirm};
use crate::id::ExchangeId;
use crate::model::Reported;

/// One configured key to respond for.
#[derive(Clone)]
pub struct BreachTarget {
    /// The account's name, as the caller knows it.
    pub account: String,
    /// The adapter signing with the key.
    pub adapter: Arc<dyn KeyAdapter>,
    /// Also revoke the other keys this key can list and revoke (a master key's sub-account
    /// keys, the account's other keys).
    pub include_managed: bool,
}

impl fmt::Debug for BreachTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BreachTarget")
            .field("account", &self.account)
            .field("exchange", &self.adapter.exchange())
            .field("include_managed", &self.include_managed)
            .finish()
    }
}

/// What a step does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// The API revokes the key the account signs with.
    RevokeOwn,
    /// The API revokes another key the account manages.
    RevokeManaged {
        /// The key's public id.
        key_id: String,
        /// Its sub-account, where the exchange needs it.
        #[serde(skip_serializing_if = "Option::is_none")]
        sub_account: Option<String>,
    },
    /// The exchange's kill switch: every key of every account of the login dies, the key in
    /// use included. Only where the exchange cannot revoke one key (Bitstamp).
    RevokeAllKeys,
    /// A person must do it.
    Manual {
        /// What to do, and where.
        step: String,
    },
}

/// One step of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedStep {
    /// The exchange.
    pub exchange: ExchangeId,
    /// The account whose key acts (or must be dealt with).
    pub account: String,
    /// The action.
    pub action: Action,
    /// The target's index in the plan's targets.
    #[serde(skip)]
    target: usize,
}

/// What a breach response will do. Computing it changes nothing.
#[derive(Clone, Debug, Serialize)]
pub struct BreachPlan {
    /// Every step, in the order they will be carried out: managed keys first, then the keys
    /// in use, then what is manual.
    pub steps: Vec<PlannedStep>,
    /// What could not be planned (a key that could not list what it manages), by account.
    pub warnings: Vec<String>,
    #[serde(skip)]
    targets: Vec<BreachTarget>,
}

/// The outcome of one step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum StepOutcome {
    /// Revoked.
    Revoked,
    /// The call failed; the key may still be live.
    Failed {
        /// Why.
        error: String,
    },
    /// The call got no clear answer: the key may or may not be revoked.
    Unknown {
        /// What happened.
        error: String,
    },
    /// Left for a person.
    Manual,
}

/// What a breach response did.
#[derive(Clone, Debug, Serialize)]
pub struct BreachReport {
    /// Every step with its outcome.
    pub steps: Vec<(PlannedStep, StepOutcome)>,
}

impl BreachReport {
    /// The steps revoked through the API.
    pub fn revoked(&self) -> impl Iterator<Item = &PlannedStep> {
        self.steps
            .iter()
            .filter(|(_, o)| *o == StepOutcome::Revoked)
            .map(|(s, _)| s)
    }

    /// The steps that remain: failed, unclear, or manual.
    pub fn remaining(&self) -> impl Iterator<Item = &(PlannedStep, StepOutcome)> {
        self.steps
            .iter()
            .filter(|(_, o)| *o != StepOutcome::Revoked)
    }

    /// Whether an API revocation failed or got no clear answer.
    pub fn has_failures(&self) -> bool {
        self.steps
            .iter()
            .any(|(_, o)| matches!(o, StepOutcome::Failed { .. } | StepOutcome::Unknown { .. }))
    }
}

impl fmt::Display for BreachReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (step, outcome) in &self.steps {
            let what = describe(&step.action);
            match outcome {
                StepOutcome::Revoked => {
                    writeln!(f, "REVOKED   {} {}: {what}", step.exchange, step.account)?
                }
                StepOutcome::Failed { error } => writeln!(
                    f,
                    "FAILED    {} {}: {what}: {error}",
                    step.exchange, step.account
                )?,
                StepOutcome::Unknown { error } => writeln!(
                    f,
                    "UNCLEAR   {} {}: {what}: {error}",
                    step.exchange, step.account
                )?,
                StepOutcome::Manual => {
                    writeln!(f, "BY HAND   {} {}: {what}", step.exchange, step.account)?
                }
            }
        }
        Ok(())
    }
}

fn describe(action: &Action) -> String {
    match action {
        Action::RevokeOwn => "revoke the key in use".to_owned(),
        Action::RevokeManaged {
            key_id,
            sub_account: Some(sub_account),
        } => format!("revoke managed key {key_id} of sub-account {sub_account}"),
        Action::RevokeManaged { key_id, .. } => format!("revoke managed key {key_id}"),
        Action::RevokeAllKeys => {
            "revoke EVERY key on EVERY account of this login, this one included (kill switch)"
                .to_owned()
        }
        Action::Manual { step } => step.clone(),
    }
}

/// The typed confirmation did not match the plan's.
#[derive(Debug, thiserror::Error)]
#[error(
    "the confirmation does not match: type exactly `{expected}` to revoke; nothing was revoked"
)]
pub struct ConfirmationMismatch {
    /// What the plan asks for.
    pub expected: String,
}

/// Plans the response for `targets`, calling only read operations (listing managed keys).
pub async fn plan(targets: Vec<BreachTarget>) -> BreachPlan {
    let mut managed = Vec::new();
    let mut own = Vec::new();
    let mut kill_switches = Vec::new();
    let mut manual = Vec::new();
    let mut warnings = Vec::new();
    for (index, target) in targets.iter().enumerate() {
        let adapter = &target.adapter;
        let exchange = adapter.exchange();
        let caps = adapter.capabilities();
        let step = |action| PlannedStep {
            exchange,
            account: target.account.clone(),
            action,
            target: index,
        };
        if target.include_managed && caps.list_keys.is_available() && caps.revoke.is_available() {
            // The key in use must be told apart from the keys it manages: revoked among them,
            // first, it would cut off every revocation after it.
            let listed = match adapter.key_info().await {
                Ok(own) => adapter
                    .list_keys()
                    .await
                    .map(|listed| (own.key_id.known().cloned(), listed)),
                Err(error) => Err(error),
            };
            match listed {
                Ok((own_id, listed)) => {
                    for info in listed {
                        let Reported::Known(key_id) = info.key_id else {
                            continue;
                        };
                        let own = own_id.as_deref().is_some_and(|own| {
                            own.trim().eq_ignore_ascii_case(key_id.trim())
                        });
                        if own || key_id.trim().is_empty() {
                            continue;
                        }
                        if key_id.contains('*') {
                            // Shown masked: no API call can name it.
                            manual.push(step(Action::Manual {
                                step: format!("a key listed with a masked id (`{key_id}`), labelled `{}`: revoke it by hand ({})", info.label.known().map_or("", String::as_str), adapter.manual_step(Operation::Revoke)),
                            }));
                            continue;
                        }
                        if exchange.revoke_needs_key_passphrase() {
                            // Its own passphrase is needed to delete it, and a breach response
                            // holds none: a person deletes it, rather than a call that fails.
                            let sub_account = info
                                .sub_account
                                .known()
                                .map_or(String::new(), |sub| format!(" of sub-account `{sub}`"));
                            manual.push(step(Action::Manual {
                                step: format!("key `{key_id}`{sub_account}: {exchange} deletes it through the API only with its own passphrase, which this response does not hold: {}", adapter.manual_step(Operation::Revoke)),
                            }));
                            continue;
                        }
                        managed.push(step(Action::RevokeManaged {
                            key_id,
                            sub_account: info.sub_account.into_option(),
                        }));
                    }
                }
                Err(error) => warnings.push(format!(
                    "{exchange} {}: could not inspect the key and list the keys it manages ({error}); check them by hand",
                    target.account
                )),
            }
        }
        if caps.revoke_own.is_available() {
            own.push(step(Action::RevokeOwn));
        } else if caps.revoke_all.is_available() {
            // Last of all: it also kills keys other steps may still need.
            kill_switches.push(step(Action::RevokeAllKeys));
        } else {
            manual.push(step(Action::Manual {
                step: adapter.manual_step(Operation::RevokeOwn),
            }));
        }
    }
    let mut steps = managed;
    steps.extend(own);
    steps.extend(kill_switches);
    steps.extend(manual);
    BreachPlan {
        steps,
        warnings,
        targets,
    }
}

impl BreachPlan {
    /// How many keys the API will revoke one by one (a kill switch's keys are not counted:
    /// nobody knows how many there are before it runs).
    pub fn api_revocations(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| matches!(s.action, Action::RevokeOwn | Action::RevokeManaged { .. }))
            .count()
    }

    /// The exchanges whose kill switch the plan pulls.
    pub fn kill_switches(&self) -> Vec<ExchangeId> {
        let mut exchanges: Vec<ExchangeId> = self
            .steps
            .iter()
            .filter(|s| s.action == Action::RevokeAllKeys)
            .map(|s| s.exchange)
            .collect();
        exchanges.sort_by_key(|e| e.as_str());
        exchanges.dedup();
        exchanges
    }

    /// The phrase to type to carry the plan out, naming what will die: `revoke 3 keys on
    /// bybit, deribit`, and, for a kill switch, `revoke every key on every account of
    /// bitstamp`.
    pub fn confirmation(&self) -> String {
        let mut exchanges: Vec<&str> = self
            .steps
            .iter()
            .filter(|s| matches!(s.action, Action::RevokeOwn | Action::RevokeManaged { .. }))
            .map(|s| s.exchange.as_str())
            .collect();
        exchanges.sort_unstable();
        exchanges.dedup();
        let kill_switches: Vec<&str> = self
            .kill_switches()
            .into_iter()
            .map(ExchangeId::as_str)
            .collect();
        let every = format!("every key on every account of {}", kill_switches.join(", "));
        match (exchanges.is_empty(), kill_switches.is_empty()) {
            // Nothing to revoke through an API: the phrase still ends in what can be typed.
            (true, true) => "revoke 0 keys".to_owned(),
            (true, false) => format!("revoke {every}"),
            (false, true) => format!(
                "revoke {} keys on {}",
                self.api_revocations(),
                exchanges.join(", ")
            ),
            (false, false) => format!(
                "revoke {} keys on {} and {every}",
                self.api_revocations(),
                exchanges.join(", ")
            ),
        }
    }

    /// Carries the plan out, if `typed` is exactly [`BreachPlan::confirmation`]. Every step is
    /// attempted whatever happened to the others; nothing is retried.
    pub async fn execute(&self, typed: &str) -> Result<BreachReport, ConfirmationMismatch> {
        let expected = self.confirmation();
        if typed.trim() != expected {
            return Err(ConfirmationMismatch { expected });
        }
        let mut steps = Vec::with_capacity(self.steps.len());
        for step in &self.steps {
            let adapter = &self.targets[step.target].adapter;
            let target = match &step.action {
                Action::RevokeAllKeys => {
                    let outcome = adapter
                        .revoke_all(RevokeAllConfirm::IUnderstandEveryKeyOnEveryAccountDies)
                        .await
                        .map(drop);
                    steps.push((step.clone(), step_outcome(outcome)));
                    continue;
                }
                Action::RevokeOwn => KeyRef::Own,
                Action::RevokeManaged {
                    key_id,
                    sub_account,
                } => match sub_account {
                    Some(sub_account) => {
                        KeyRef::sub_account_key(key_id.clone(), sub_account.clone())
                    }
                    None => KeyRef::other(key_id.clone()),
                },
                Action::Manual { .. } => {
                    steps.push((step.clone(), StepOutcome::Manual));
                    continue;
                }
            };
            let outcome = adapter
                .revoke(target, RevokeConfirm::IUnderstandThisIsIrreversible)
                .await
                .map(drop);
            steps.push((step.clone(), step_outcome(outcome)));
        }
        Ok(BreachReport { steps })
    }
}

fn step_outcome(outcome: crate::Result<()>) -> StepOutcome {
    match outcome {
        Ok(()) => StepOutcome::Revoked,
        Err(error) if error.is_outcome_unknown() => StepOutcome::Unknown {
            error: error.to_string(),
        },
        Err(error) => StepOutcome::Failed {
            error: error.to_string(),
        },
    }
}

impl fmt::Display for BreachPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut exchanges: Vec<ExchangeId> = self.steps.iter().map(|s| s.exchange).collect();
        exchanges.sort_by_key(|e| e.as_str());
        exchanges.dedup();
        for exchange in exchanges {
            writeln!(f, "{}:", exchange.display_name())?;
            for step in self.steps.iter().filter(|s| s.exchange == exchange) {
                let marker = match step.action {
                    Action::Manual { .. } => "by hand",
                    _ => "API    ",
                };
                writeln!(
                    f,
                    "  {marker}  {}: {}",
                    step.account,
                    describe(&step.action)
                )?;
            }
        }
        for warning in &self.warnings {
            writeln!(f, "warning: {warning}")?;
        }
        Ok(())
    }
}

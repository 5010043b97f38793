//! The audit's report: every key, every finding, the policy used, and what changed since the
//! previous report.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::drift::Drift;
use super::finding::Finding;
use super::policy::Policy;
use super::rules::{Outcome, RuleId, Severity};
use crate::credentials::Credentials;
use crate::error::Error;
use crate::id::ExchangeId;
use crate::model::KeyInfo;

/// The version of the report's JSON format. It changes only when a field changes meaning or
/// goes away; new fields may appear within a version.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// Where a configured secret is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "reports", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SecretStorage {
    /// An environment variable.
    Environment,
    /// A command's output (a password manager).
    Command,
    /// Written in the config file itself.
    Plaintext,
}

/// Which key an audit entry is about, as the caller knows it: an account name, the application
/// using it, the exchange, and (for the configuration rules) where its secret is stored.
#[derive(Clone, Debug)]
pub struct Subject {
    account: String,
    application: Option<String>,
    exchange: ExchangeId,
    key: String,
    fingerprint: Option<[u8; 32]>,
    secret_storage: Option<SecretStorage>,
}

impl Subject {
    /// The key of `account` on `exchange`.
    pub fn new(account: impl Into<String>, exchange: ExchangeId) -> Self {
        Subject {
            account: account.into(),
            application: None,
            exchange,
            key: String::new(),
            fingerprint: None,
            secret_storage: None,
        }
    }

    /// The application that uses the key.
    pub fn application(mut self, application: impl Into<String>) -> Self {
        self.application = Some(application.into());
        self
    }

    /// The key's credentials: the report shows a hint of the public key (never the secret),
    /// and keys configured more than once are recognized by a digest of the public key.
    pub fn credentials(mut self, credentials: &Credentials) -> Self {
        self.key = credentials.key_hint();
        self.fingerprint = Some(Sha256::digest(credentials.api_key().as_bytes()).into());
        self
    }

    /// Where the key's secret is stored, for the `plaintext-secret` rule.
    pub fn secret_storage(mut self, storage: SecretStorage) -> Self {
        self.secret_storage = Some(storage);
        self
    }
}

/// One key's audit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "reports", derive(schemars::JsonSchema))]
pub struct KeyAudit {
    /// The account name the caller gave.
    pub account: String,
    /// The application using the key, when given.
    pub application: Option<String>,
    /// The exchange.
    pub exchange: ExchangeId,
    /// A hint of the public key (first characters and length); never the secret.
    pub key: String,
    /// What the exchange reported, secrets scrubbed; absent when the key could not be inspected.
    pub key_info: Option<KeyInfo>,
    /// Why the key could not be inspected.
    pub error: Option<String>,
    /// Every rule's verdict.
    pub findings: Vec<Finding>,
}

impl KeyAudit {
    /// The worst severity among the failed findings.
    pub fn worst_failure(&self) -> Option<Severity> {
        self.findings
            .iter()
            .filter(|f| f.outcome == Outcome::Fail)
            .map(|f| f.severity)
            .max()
    }
}

/// Counts over the report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "reports", derive(schemars::JsonSchema))]
pub struct Summary {
    /// Keys audited.
    pub keys: usize,
    /// Keys that could not be inspected.
    pub not_inspected: usize,
    /// Findings that passed.
    pub passed: usize,
    /// Findings that could not decide.
    pub unknown: usize,
    /// Failed findings by severity.
    pub failed: BTreeMap<Severity, usize>,
    /// Changes since the baseline, by severity.
    pub drift: BTreeMap<Severity, usize>,
}

/// The audit of a set of keys under one policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "reports", derive(schemars::JsonSchema))]
pub struct Report {
    /// [`REPORT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tool and version that wrote the report.
    pub generator: String,
    /// When the audit ran (the time its rules compared against).
    pub generated_at: DateTime<Utc>,
    /// The policy, with every threshold used.
    pub policy: Policy,
    /// Every key, in the order given.
    pub keys: Vec<KeyAudit>,
    /// What changed since the baseline report, when one was given.
    #[serde(default)]
    pub drift: Vec<Drift>,
    /// Counts.
    pub summary: Summary,
}

impl Report {
    /// Whether a finding or a change at `severity` or above failed.
    pub fn fails_at(&self, severity: Severity) -> bool {
        self.keys
            .iter()
            .flat_map(|key| &key.findings)
            .any(|finding| finding.fails_at(severity))
            || self.drift.iter().any(|change| change.severity >= severity)
    }

    /// Whether a finding at `severity` or above could not decide.
    pub fn unknown_at(&self, severity: Severity) -> bool {
        self.keys
            .iter()
            .flat_map(|key| &key.findings)
            .any(|finding| finding.outcome == Outcome::Unknown && finding.severity >= severity)
    }

    /// Every finding with its key.
    pub fn findings(&self) -> impl Iterator<Item = (&KeyAudit, &Finding)> {
        self.keys
            .iter()
            .flat_map(|key| key.findings.iter().map(move |finding| (key, finding)))
    }

    /// Compares with `baseline` (a previous report) and records what changed in
    /// [`Report::drift`].
    pub fn compare_with(&mut self, baseline: &Report) {
        self.drift = super::drift::compare(baseline, self);
        self.summary = summarize(&self.keys, &self.drift);
    }

    /// Reads a report written as JSON, refusing a version this one cannot read.
    pub fn from_json(text: &str) -> Result<Report, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not a JSON report: {e}"))?;
        match value.get("schema_version").and_then(|v| v.as_u64()) {
            Some(version) if version == u64::from(REPORT_SCHEMA_VERSION) => {}
            Some(version) => {
                return Err(format!(
                    "report format version {version}; this version reads {REPORT_SCHEMA_VERSION}"
                ))
            }
            None => return Err("not an exchange-keys report: no `schema_version`".to_owned()),
        }
        serde_path_to_error::deserialize(value)
            .map_err(|e| format!("invalid report at `{}`: {}", e.path(), e.inner()))
    }
}

fn summarize(keys: &[KeyAudit], drift: &[Drift]) -> Summary {
    let mut summary = Summary {
        keys: keys.len(),
        not_inspected: keys.iter().filter(|k| k.key_info.is_none()).count(),
        ..Summary::default()
    };
    for finding in keys.iter().flat_map(|k| &k.findings) {
        match finding.outcome {
            Outcome::Pass => summary.passed += 1,
            Outcome::Unknown => summary.unknown += 1,
            Outcome::Fail => *summary.failed.entry(finding.severity).or_default() += 1,
        }
    }
    for change in drift {
        *summary.drift.entry(change.severity).or_default() += 1;
    }
    summary
}

/// Collects inspections into a [`Report`] under one policy.
///
/// ```
/// use exchange_keys::audit::{Audit, Policy, Subject};
/// use exchange_keys::{ExchangeId, KeyInfo};
///
/// let mut audit = Audit::new(Policy::trading_bot());
/// audit.add(Subject::new("grid-bot", ExchangeId::Binance), Ok(KeyInfo::new(ExchangeId::Binance)));
/// let report = audit.finish();
/// assert_eq!(report.keys.len(), 1);
/// ```
#[derive(Debug)]
pub struct Audit {
    policy: Policy,
    now: DateTime<Utc>,
    entries: Vec<(Subject, KeyAudit)>,
}

impl Audit {
    /// An audit under `policy`, at the current time.
    pub fn new(policy: Policy) -> Self {
        Audit {
            policy,
            now: Utc::now(),
            entries: Vec::new(),
        }
    }

    /// Compares dates with `now` instead of the current time.
    pub fn at(mut self, now: DateTime<Utc>) -> Self {
        self.now = now;
        self
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Adds one key and what inspecting it gave.
    pub fn add(&mut self, subject: Subject, outcome: Result<KeyInfo, Error>) {
        let (key_info, error, findings) = match outcome {
            Ok(info) => {
                let findings = self.policy.check_at(&info, self.now);
                (Some(info), None, findings)
            }
            Err(err) => (None, Some(err.to_string()), self.policy.check_error(&err)),
        };
        let audit = KeyAudit {
            account: subject.account.clone(),
            application: subject.application.clone(),
            exchange: subject.exchange,
            key: subject.key.clone(),
            key_info,
            error,
            findings,
        };
        self.entries.push((subject, audit));
    }

    /// The report: the configuration rules (`shared-key`, `plaintext-secret`) are checked for
    /// the subjects that carry what they read.
    pub fn finish(self) -> Report {
        let configuration = configuration_findings(&self.policy, &self.entries);
        let keys: Vec<KeyAudit> = self
            .entries
            .into_iter()
            .zip(configuration)
            .map(|((_, mut audit), extra)| {
                audit.findings.extend(extra);
                audit
            })
            .collect();
        let summary = summarize(&keys, &[]);
        Report {
            schema_version: REPORT_SCHEMA_VERSION,
            generator: concat!("exchange-keys ", env!("CARGO_PKG_VERSION")).to_owned(),
            generated_at: self.now,
            policy: self.policy,
            keys,
            drift: Vec::new(),
            summary,
        }
    }
}

fn configuration_findings(policy: &Policy, entries: &[(Subject, KeyAudit)]) -> Vec<Vec<Finding>> {
    let mut by_key: BTreeMap<[u8; 32], Vec<usize>> = BTreeMap::new();
    for (index, (subject, _)) in entries.iter().enumerate() {
        if let Some(fingerprint) = subject.fingerprint {
            by_key.entry(fingerprint).or_default().push(index);
        }
    }
    entries
        .iter()
        .map(|(subject, _)| {
            let mut findings = Vec::new();
            if let Some(fingerprint) = subject.fingerprint {
                findings.push(shared_key(subject, &by_key[&fingerprint], entries));
            }
            if let Some(storage) = subject.secret_storage {
                let (outcome, detail) = match storage {
                    SecretStorage::Plaintext => {
                        (Outcome::Fail, "the secret is written in the config file")
                    }
                    SecretStorage::Environment => {
                        (Outcome::Pass, "the secret is read from the environment")
                    }
                    SecretStorage::Command => (Outcome::Pass, "the secret is read from a command"),
                };
                findings.push(
                    Finding::new(RuleId::PlaintextSecret, outcome, detail)
                        .with_evidence("config.accounts.secret", storage),
                );
            }
            policy.finish(findings)
        })
        .collect()
}

fn shared_key(subject: &Subject, same_key: &[usize], entries: &[(Subject, KeyAudit)]) -> Finding {
    let name = |s: &Subject| s.application.clone().unwrap_or_else(|| s.account.clone());
    let own = name(subject);
    let others: BTreeSet<String> = same_key
        .iter()
        .map(|&i| &entries[i].0)
        .filter(|other| other.exchange == subject.exchange)
        .map(name)
        .filter(|other| *other != own)
        .collect();
    let accounts: Vec<&str> = same_key
        .iter()
        .map(|&i| entries[i].0.account.as_str())
        .collect();
    let finding = if others.is_empty() {
        Finding::new(
            RuleId::SharedKey,
            Outcome::Pass,
            format!("only `{own}` uses this key"),
        )
    } else {
        Finding::new(
            RuleId::SharedKey,
            Outcome::Fail,
            format!(
                "the same key is also configured for {}",
                others
                    .iter()
                    .map(|o| format!("`{o}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    };
    finding.with_evidence("config.accounts", accounts)
}

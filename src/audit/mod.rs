//! The audit: a security checklist as rules a machine enforces, a [`Policy`] saying what the
//! user expects, [`Report`]s with drift since a baseline, and [`fleet`] verification of many
//! keys at once.
//!
//! ```
//! use exchange_keys::audit::{Outcome, Policy, RuleId};
//! use exchange_keys::{ExchangeId, KeyInfo};
//!
//! // An exchange that reports nothing proves nothing: every rule says unknown, none passes.
//! let findings = Policy::trading_bot().check(&KeyInfo::new(ExchangeId::Okx));
//! let withdrawal = findings.iter().find(|f| f.rule == RuleId::WithdrawalEnabled).unwrap();
//! assert_eq!(withdrawal.outcome, Outcome::Unknown);
//! ```
//!
//! The rules ([`RULES`]) come from the checklist careful traders follow: no withdrawal or
//! transfer rights, an IP allowlist inside the user's networks, no rights beyond the
//! application's needs, regular rotation, descriptive labels, one key per application, no
//! plaintext secrets. Each gives [`Outcome::Pass`], [`Outcome::Fail`] or [`Outcome::Unknown`]:
//! unknown whenever an input is not reported by the exchange (or not declared by the policy),
//! never pass.

#[cfg(feature = "config")]
#[cfg_attr(docsrs, doc(cfg(feature = "config")))]
pub mod config;
mod drift;
mod finding;
pub mod fleet;
mod policy;
#[cfg(feature = "reports")]
#[cfg_attr(docsrs, doc(cfg(feature = "reports")))]
pub mod render;
mod report;
mod rules;

pub use drift::{compare, ChangeKind, Drift};
pub use finding::{Evidence, Finding};
pub use policy::{label_stem, Policy, GENERIC_LABELS};
pub use report::{Audit, KeyAudit, Report, SecretStorage, Subject, Summary, REPORT_SCHEMA_VERSION};
pub use rules::{Outcome, Rule, RuleId, Severity, RULES};

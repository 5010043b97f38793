//! One rule's verdict on one key, with the evidence it read.

use serde::{Deserialize, Serialize};

use super::rules::{Outcome, RuleId, Severity};

/// A value a rule read, named by its field (`permissions.withdraw`, `created_at`,
/// `policy.max_age_days`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "reports", derive(schemars::JsonSchema))]
pub struct Evidence {
    /// The field, as in [`Rule::reads`](super::Rule::reads).
    pub field: String,
    /// Its value; `null` when the exchange does not report it.
    pub value: serde_json::Value,
}

impl Evidence {
    /// `field` had `value`.
    pub fn new(field: impl Into<String>, value: impl Serialize) -> Self {
        Evidence {
            field: field.into(),
            value: serde_json::to_value(value).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// A rule's verdict on one key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "reports", derive(schemars::JsonSchema))]
pub struct Finding {
    /// The rule.
    pub rule: RuleId,
    /// The rule's title.
    pub title: String,
    /// The severity of a failure (the policy may have changed the rule's default).
    pub severity: Severity,
    /// Pass, fail, or unknown.
    pub outcome: Outcome,
    /// What was found, in one sentence.
    pub detail: String,
    /// The values the rule read.
    pub evidence: Vec<Evidence>,
    /// What to do about a failure (or about an unknown: how to find out).
    pub remediation: String,
}

impl Finding {
    /// `rule` concluded `outcome`, because of `detail`.
    pub fn new(rule: RuleId, outcome: Outcome, detail: impl Into<String>) -> Self {
        let described = rule.rule();
        Finding {
            rule,
            title: described.title.to_owned(),
            severity: described.severity,
            outcome,
            detail: detail.into(),
            evidence: Vec::new(),
            remediation: described.remediation.to_owned(),
        }
    }

    /// Adds a value the rule read.
    pub fn with_evidence(mut self, field: impl Into<String>, value: impl Serialize) -> Self {
        self.evidence.push(Evidence::new(field, value));
        self
    }

    /// Replaces the remediation text.
    pub fn with_remediation(mut self, remediation: impl Into<String>) -> Self {
        self.remediation = remediation.into();
        self
    }

    /// Whether this finding failed at `severity` or above.
    pub fn fails_at(&self, severity: Severity) -> bool {
        self.outcome == Outcome::Fail && self.severity >= severity
    }
}

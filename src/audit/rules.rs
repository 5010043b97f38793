//! The audit's rules: stable ids, severities, and what each finding says.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How bad a failed rule is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "reports", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing to fix.
    Info,
    /// Hygiene.
    Low,
    /// A weakness an attacker needs something else to use.
    Medium,
    /// A weakness that loses funds or control with one more mistake.
    High,
    /// A stolen key alone can drain the account.
    Critical,
}

impl Severity {
    /// Every severity, from the least to the most severe.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// `info`, `low`, `medium`, `high` or `critical`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|severity| severity.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("unknown severity `{s}`: expected info, low, medium, high or critical")
            })
    }
}

/// What a rule concluded about one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "reports", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The key satisfies the rule, on evidence the exchange reported.
    Pass,
    /// The key breaks the rule.
    Fail,
    /// The rule could not decide: an input it needs is not reported by the exchange, is masked,
    /// or is not declared by the policy. Never read as a pass.
    Unknown,
}

impl Outcome {
    /// `pass`, `fail` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! rules {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $id:literal, $severity:ident, $title:literal,
        reads [$($field:literal),*],
        why $rationale:literal,
        fix $remediation:literal;
    )*) => {
        /// A rule's stable id. Serialized as its kebab-case id (`withdrawal-enabled`), which never
        /// changes once published: baselines, suppressions and SIEM queries rely on it.
        #[non_exhaustive]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "reports", derive(schemars::JsonSchema))]
        pub enum RuleId {
            $(
                $(#[$doc])*
                #[serde(rename = $id)]
                $variant,
            )*
        }

        /// Every rule, in report order.
        pub static RULES: &[Rule] = &[
            $(Rule {
                id: RuleId::$variant,
                title: $title,
                severity: Severity::$severity,
                reads: &[$($field),*],
                rationale: $rationale,
                remediation: $remediation,
            },)*
        ];

        impl RuleId {
            /// The stable id, e.g. `withdrawal-enabled`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(RuleId::$variant => $id,)*
                }
            }
        }
    };
}

rules! {
    /// The key can send funds to another party: withdraw, or pay (P2P, merchant, card).
    WithdrawalEnabled = "withdrawal-enabled", Critical, "Key can withdraw or pay out",
        reads ["permissions.withdraw", "permissions.payment"],
        why "A stolen key that can withdraw empties the account in one call; no trading tool needs it.",
        fix "Remove the withdrawal (and payment) permission from the key, or replace the key with one created without it.";
    /// The key accepts calls from any address.
    NoIpRestriction = "no-ip-restriction", Critical, "Key accepts calls from any IP address",
        reads ["ip_restriction"],
        why "Without an allowlist, a leaked key works from the attacker's machine as well as yours.",
        fix "Bind the key to the fixed addresses of the machines that use it.";
    /// The key can move funds between accounts or wallets.
    TransferEnabled = "transfer-enabled", High, "Key can transfer funds between accounts or wallets",
        reads ["permissions.internal_transfer", "permissions.universal_transfer"],
        why "Transfers move funds to sub-accounts or wallets where another key, or a withdrawal, can reach them.",
        fix "Remove the transfer permissions unless the application moves funds by design.";
    /// An allowlist entry lies outside the networks the policy allows.
    AllowlistOutsidePolicy = "allowlist-outside-policy", High, "Allowlist holds addresses outside the policy's networks",
        reads ["ip_restriction", "policy.allowed_networks"],
        why "An address you do not control on the allowlist lets whoever holds it use a leaked key.",
        fix "Remove the addresses that are not yours from the key's allowlist, or add your new network to the policy.";
    /// The key holds rights the application does not need.
    ExcessPermissions = "excess-permissions", High, "Key holds permissions the application does not need",
        reads ["permissions", "policy.needs"],
        why "Least privilege: every right beyond what the application uses is a right an attacker gets for free.",
        fix "Create a key with only the permissions the policy lists, then revoke this one.";
    /// The key is connected to a third-party application the policy does not list.
    UnlistedThirdParty = "unlisted-third-party", Medium, "Key is bound to a third-party application the policy does not list",
        reads ["delegation", "policy.allowed_apps"],
        why "A key held by a third party is only as safe as that party's systems.",
        fix "Disconnect the application in the exchange's settings, or add it to the policy's allowed_apps if you trust it.";
    /// The key is older than the policy's maximum age.
    KeyTooOld = "key-too-old", Medium, "Key is older than the rotation period",
        reads ["created_at", "policy.max_age_days"],
        why "The longer a key lives, the more copies of it exist in configs, backups and logs.",
        fix "Rotate the key: create a new one with the same rights, switch the application, revoke the old one.";
    /// The key expires within the policy's warning period.
    ExpiresSoon = "expires-soon", Low, "Key expires soon",
        reads ["expires_at", "trading_expires_at", "policy.expiry_warning_days"],
        why "An expiring key stops the application without warning.",
        fix "Rotate the key before it expires.";
    /// The key (or its trading right) has expired.
    Expired = "expired", High, "Key has expired",
        reads ["expires_at", "trading_expires_at"],
        why "An expired key means a stopped application, or a configuration that no longer matches the exchange.",
        fix "Replace the key and remove the expired one from the configuration.";
    /// The key has not been used for longer than the policy allows.
    Unused = "unused", Medium, "Key has not been used for a long time",
        reads ["last_used_at", "policy.max_unused_days"],
        why "A key nobody uses is a key nobody watches.",
        fix "Revoke the key if nothing needs it.";
    /// The label is empty or says nothing about the key's use.
    GenericLabel = "generic-label", Low, "Key has an empty or generic label",
        reads ["label", "policy.generic_labels"],
        why "In an incident you must know at a glance which application a key belongs to, to revoke the right one.",
        fix "Label the key with the application and host that use it, e.g. `grid-bot@fra-1`.";
    /// One key is configured for more than one application.
    SharedKey = "shared-key", Medium, "One key is used by several applications",
        reads ["config.accounts"],
        why "A key shared between applications cannot be revoked for one without stopping the others, and a leak cannot be traced.",
        fix "Give each application its own key.";
    /// The configuration holds a secret in plain text.
    PlaintextSecret = "plaintext-secret", High, "Secret stored in plain text in the configuration",
        reads ["config.accounts"],
        why "Config files end up in repositories, backups and screenshots.",
        fix "Read the secret from an environment variable or a password manager command instead.";
    /// The key could not be inspected.
    NotInspected = "not-inspected", High, "Key could not be inspected",
        reads ["error"],
        why "A key that cannot be inspected cannot be audited: every other rule is unknown for it.",
        fix "Follow the error's advice; then run the audit again.";
    /// The exchange's answer differed from its documentation.
    UndocumentedAnswer = "undocumented-answer", Info, "Exchange answered in an undocumented shape",
        reads ["anomalies"],
        why "Fields the adapter did not recognize were read as unknown, never as safe; the findings that depend on them say unknown.",
        fix "Check the key in the exchange's web interface, and report the anomaly to exchange-keys.";
}

/// What a rule checks, why, and how to fix it.
#[derive(Debug)]
pub struct Rule {
    /// The stable id.
    pub id: RuleId,
    /// A one-line title.
    pub title: &'static str,
    /// The severity of a failure.
    pub severity: Severity,
    /// The evidence the rule reads: fields of [`KeyInfo`](crate::KeyInfo), of the policy, or of
    /// the configuration.
    pub reads: &'static [&'static str],
    /// Why it matters.
    pub rationale: &'static str,
    /// What to do when it fails.
    pub remediation: &'static str,
}

impl RuleId {
    /// The rule's description.
    pub fn rule(self) -> &'static Rule {
        // Every id has its row: the macro writes both from one list.
        RULES
            .iter()
            .find(|rule| rule.id == self)
            .unwrap_or(&RULES[0])
    }

    /// Every rule id, in report order.
    pub fn all() -> impl Iterator<Item = RuleId> {
        RULES.iter().map(|rule| rule.id)
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RuleId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RuleId::all()
            .find(|id| id.as_str() == s.trim())
            .ok_or_else(|| format!("unknown rule `{s}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for id in RuleId::all() {
            assert!(seen.insert(id.as_str()), "duplicate id {id}");
            assert_eq!(id.as_str().parse::<RuleId>(), Ok(id));
            assert_eq!(id.rule().id, id);
            assert_eq!(
                serde_json::to_value(id).unwrap(),
                serde_json::json!(id.as_str())
            );
        }
    }

    #[test]
    fn severities_are_ordered_and_parse() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Low > Severity::Info);
        assert_eq!(" HIGH ".parse::<Severity>(), Ok(Severity::High));
        assert!("severe".parse::<Severity>().is_err());
    }
}

//! What the user expects of their keys, and the rules that check one key against it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::finding::Finding;
use super::rules::{Outcome, RuleId, Severity};
use crate::error::{AuthReason, Error};
use crate::model::{
    admits_every_address, canonical_net, Delegation, Expiry, Grant, IpEntry, IpRestriction,
    KeyInfo, Permission, Reported,
};

/// Labels that say nothing about a key's use, compared after [`label_stem`].
pub const GENERIC_LABELS: [&str; 10] = [
    "api", "api key", "apikey", "key", "test", "default", "my key", "new key", "new", "bot",
];

/// What the user expects of their keys: the permissions the application needs, the networks it
/// runs from, the thresholds. Every value the audit used is recorded in its report.
///
/// Built in code (`Policy::trading_bot().allowed_networks(…)`), from a preset, or read from the
/// `[policy]` table of the audit's config file (feature `config`). Absent settings keep their
/// defaults; a setting left undeclared (`needs`, `allowed_networks`) makes the rules that read it
/// say `unknown`, never `pass`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "reports", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// The preset the policy started from (`default`, `read-only`, `trading-bot`) or a name of
    /// the user's.
    pub name: String,
    /// The permissions the application needs (`read`, `spot_trade`, …). Undeclared: the
    /// `excess-permissions` rule says unknown.
    #[cfg_attr(feature = "reports", schemars(with = "Option<Vec<String>>"))]
    pub needs: Option<BTreeSet<Permission>>,
    /// The networks the key's allowlist may hold (`203.0.113.0/24`). Undeclared: the
    /// `allowlist-outside-policy` rule says unknown.
    #[cfg_attr(feature = "reports", schemars(with = "Option<Vec<String>>"))]
    pub allowed_networks: Option<Vec<IpNet>>,
    /// Third-party applications, managers and custodians the user trusts with a key, by the name
    /// the exchange gives (compared without regard to case).
    pub allowed_apps: Vec<String>,
    /// Rotate keys older than this many days.
    pub max_age_days: u32,
    /// Warn this many days before a key expires.
    pub expiry_warning_days: u32,
    /// Flag keys unused for this many days, where the exchange reports last use.
    pub max_unused_days: u32,
    /// Labels that say nothing about a key's use (compared after [`label_stem`]).
    pub generic_labels: Vec<String>,
    /// Severities changed from the rules' defaults.
    #[cfg_attr(feature = "reports", schemars(with = "BTreeMap<String, Severity>"))]
    pub severity: BTreeMap<RuleId, Severity>,
    /// Rules not evaluated at all.
    pub ignore: BTreeSet<RuleId>,
}

impl Default for Policy {
    /// The `default` preset: every rule, default thresholds (90 days' age, 14 days' expiry
    /// warning, 45 days unused), nothing declared about needs or networks.
    fn default() -> Self {
        Policy {
            name: "default".to_owned(),
            needs: None,
            allowed_networks: None,
            allowed_apps: Vec::new(),
            max_age_days: 90,
            expiry_warning_days: 14,
            max_unused_days: 45,
            generic_labels: GENERIC_LABELS.iter().map(|l| (*l).to_owned()).collect(),
            severity: BTreeMap::new(),
            ignore: BTreeSet::new(),
        }
    }
}

impl Policy {
    /// For platforms verifying the keys their users hand them: the key must only read. A key
    /// with no allowlist is a `medium` finding here, not `critical`: a read-only key moves no
    /// funds, and users cannot always bind it to the platform's addresses.
    pub fn read_only() -> Self {
        let mut policy = Policy {
            name: "read-only".to_owned(),
            needs: Some(BTreeSet::from([Permission::Read])),
            ..Policy::default()
        };
        policy
            .severity
            .insert(RuleId::NoIpRestriction, Severity::Medium);
        policy
    }

    /// For a trading bot: read and trade (spot, margin, futures, options), never withdraw or
    /// transfer, allowlist required.
    pub fn trading_bot() -> Self {
        Policy {
            name: "trading-bot".to_owned(),
            needs: Some(BTreeSet::from([
                Permission::Read,
                Permission::SpotTrade,
                Permission::MarginTrade,
                Permission::FuturesTrade,
                Permission::OptionsTrade,
            ])),
            ..Policy::default()
        }
    }

    /// The preset named `name`: `default`, `read-only` or `trading-bot`.
    pub fn preset(name: &str) -> Option<Self> {
        match name.trim() {
            "default" => Some(Policy::default()),
            "read-only" | "read_only" => Some(Policy::read_only()),
            "trading-bot" | "trading_bot" => Some(Policy::trading_bot()),
            _ => None,
        }
    }

    /// Sets the permissions the application needs.
    pub fn needs(mut self, needs: impl IntoIterator<Item = Permission>) -> Self {
        self.needs = Some(needs.into_iter().collect());
        self
    }

    /// Sets the networks allowlists may hold.
    pub fn allowed_networks(mut self, networks: impl IntoIterator<Item = IpNet>) -> Self {
        self.allowed_networks = Some(networks.into_iter().collect());
        self
    }

    /// The severity a failure of `rule` has under this policy.
    pub fn severity_of(&self, rule: RuleId) -> Severity {
        self.severity
            .get(&rule)
            .copied()
            .unwrap_or(rule.rule().severity)
    }

    /// Checks one inspected key at the current time; see [`Policy::check_at`].
    pub fn check(&self, info: &KeyInfo) -> Vec<Finding> {
        self.check_at(info, Utc::now())
    }

    /// Checks one inspected key at `now`: one finding per rule that reads a key (the rules on
    /// the configuration, `shared-key` and `plaintext-secret`, are the config's to check), minus
    /// the ignored ones.
    pub fn check_at(&self, info: &KeyInfo, now: DateTime<Utc>) -> Vec<Finding> {
        let findings = vec![
            withdrawal(info),
            ip_restriction(info),
            transfer(info),
            allowlist_outside(self, info),
            excess_permissions(self, info),
            third_party(self, info),
            too_old(self, info, now),
            expires_soon(self, info, now),
            expired(info, now),
            unused(self, info, now),
            generic_label(self, info),
            undocumented(info),
        ];
        self.finish(findings)
    }

    /// The finding for a key that could not be inspected: it fails, carrying the error's
    /// reason and what to do about it.
    pub fn check_error(&self, error: &Error) -> Vec<Finding> {
        let finding = Finding::new(RuleId::NotInspected, Outcome::Fail, error.to_string())
            .with_evidence("error", error_kind(error))
            .with_remediation(advice(error));
        self.finish(vec![finding])
    }

    /// Applies the policy's severities and ignored rules.
    pub(crate) fn finish(&self, findings: Vec<Finding>) -> Vec<Finding> {
        findings
            .into_iter()
            .filter(|finding| !self.ignore.contains(&finding.rule))
            .map(|mut finding| {
                finding.severity = self.severity_of(finding.rule);
                if finding.outcome == Outcome::Unknown {
                    // A fix for a failure that may not exist would mislead: say how to find out.
                    finding.remediation = format!(
                        "Undecided, not passed. Check it in the exchange's web interface, or declare what the policy lacks; if it fails there: {}",
                        finding.remediation
                    );
                }
                finding
            })
            .collect()
    }
}

/// A short, stable name for the kind of error, for reports and SIEM queries.
pub(crate) fn error_kind(error: &Error) -> String {
    match error {
        Error::AuthRejected { reason, .. } => format!("auth_rejected:{}", auth_reason(*reason)),
        Error::RateLimited {
            ip_banned: true, ..
        } => "ip_banned".to_owned(),
        Error::RateLimited { .. } => "rate_limited".to_owned(),
        Error::Unavailable { .. } => "unavailable".to_owned(),
        Error::Rejected { .. } => "rejected".to_owned(),
        Error::Unsupported { .. } => "unsupported".to_owned(),
        Error::Decode { .. } => "unexpected_answer".to_owned(),
        Error::Transport { .. } => "transport".to_owned(),
        Error::OutcomeUnknown { .. } => "outcome_unknown".to_owned(),
        Error::Config { .. } => "config".to_owned(),
    }
}

fn auth_reason(reason: AuthReason) -> &'static str {
    match reason {
        AuthReason::InvalidKey => "invalid_key",
        AuthReason::WrongEnvironment => "wrong_environment",
        AuthReason::BadSignature => "bad_signature",
        AuthReason::BadPassphrase => "bad_passphrase",
        AuthReason::IpNotAllowed => "ip_not_allowed",
        AuthReason::PermissionDenied => "permission_denied",
        AuthReason::Expired => "expired",
        AuthReason::Disabled => "disabled",
        AuthReason::TimestampOutOfWindow => "timestamp_out_of_window",
        AuthReason::Ambiguous => "ambiguous",
        AuthReason::SecondFactorRequired => "second_factor_required",
    }
}

/// What to do about an error that stopped an inspection.
fn advice(error: &Error) -> String {
    let text = match error {
        Error::AuthRejected { reason, .. } => match reason {
            AuthReason::InvalidKey => "The exchange does not know this key: it was deleted, or belongs to another environment (testnet, demo). Remove it from the configuration or replace it.",
            AuthReason::WrongEnvironment => "The key belongs to another environment of the exchange (demo or testnet versus production): select the right one.",
            AuthReason::BadSignature => "The signature did not verify: the secret configured for this key is wrong.",
            AuthReason::BadPassphrase => "The passphrase configured for this key is wrong.",
            AuthReason::IpNotAllowed => "This machine's address is not on the key's allowlist: run the audit from an allowed address. (The allowlist works.)",
            AuthReason::PermissionDenied => "The key may not call the exchange's key-information endpoint: give it read permission, or inspect it in the web interface.",
            AuthReason::Expired => "The key has expired: replace it, and remove it from the configuration.",
            AuthReason::Disabled => "The key or account is frozen or disabled: check the account in the web interface.",
            AuthReason::TimestampOutOfWindow => "This machine's clock is off: synchronise it (NTP) and run again.",
            AuthReason::Ambiguous => "The exchange refused the key without saying why (unknown key, address not allowed, or missing permission): check each in the web interface.",
            AuthReason::SecondFactorRequired => "The exchange asks for a second factor: complete the step in its web interface.",
        }
        .to_owned(),
        Error::RateLimited { ip_banned: true, .. } => "The exchange has banned this address for a while: wait for the ban to end before calling again (calls during a ban extend it).".to_owned(),
        Error::RateLimited { .. } | Error::Unavailable { .. } | Error::Transport { .. } => {
            "A passing failure: run the audit again later.".to_owned()
        }
        Error::Unsupported { manual_step, .. } => {
            format!("The exchange's API cannot tell: {manual_step}")
        }
        Error::Decode { .. } => "The exchange answered in a shape this version does not understand: inspect the key in the web interface, and report the answer to exchange-keys.".to_owned(),
        Error::Config { .. } => "Fix the configuration named in the error.".to_owned(),
        _ => "Inspect the key in the exchange's web interface.".to_owned(),
    };
    text
}

fn grant_value(grant: Grant) -> serde_json::Value {
    match grant {
        Grant::Granted => serde_json::json!("granted"),
        Grant::Denied => serde_json::json!("denied"),
        Grant::NotReported => serde_json::Value::Null,
    }
}

fn permission_evidence(mut finding: Finding, info: &KeyInfo, rights: &[Permission]) -> Finding {
    for right in rights {
        finding = finding.with_evidence(
            format!("permissions.{right}"),
            grant_value(info.permissions.get(right)),
        );
    }
    finding
}

/// Fails when any of `rights` is granted, passes when every one is reported denied.
fn grants_any(rule: RuleId, info: &KeyInfo, rights: &[Permission], what: &str) -> Finding {
    let grants: Vec<Grant> = rights.iter().map(|r| info.permissions.get(r)).collect();
    let granted: Vec<String> = rights
        .iter()
        .zip(&grants)
        .filter(|(_, g)| **g == Grant::Granted)
        .map(|(r, _)| r.to_string())
        .collect();
    let finding = if !granted.is_empty() {
        Finding::new(
            rule,
            Outcome::Fail,
            format!("the key can {what}: {} granted", granted.join(", ")),
        )
    } else if grants.iter().all(|g| *g == Grant::Denied) {
        Finding::new(
            rule,
            Outcome::Pass,
            format!("the exchange reports the key cannot {what}"),
        )
    } else {
        let unknown: Vec<String> = rights
            .iter()
            .zip(&grants)
            .filter(|(_, g)| **g == Grant::NotReported)
            .map(|(r, _)| r.to_string())
            .collect();
        Finding::new(
            rule,
            Outcome::Unknown,
            format!(
                "the exchange does not report {} for this key",
                unknown.join(", ")
            ),
        )
    };
    permission_evidence(finding, info, rights)
}

fn withdrawal(info: &KeyInfo) -> Finding {
    grants_any(
        RuleId::WithdrawalEnabled,
        info,
        &[Permission::Withdraw, Permission::Payment],
        "send funds to another party",
    )
}

fn transfer(info: &KeyInfo) -> Finding {
    grants_any(
        RuleId::TransferEnabled,
        info,
        &[Permission::InternalTransfer, Permission::UniversalTransfer],
        "transfer funds between accounts or wallets",
    )
}

fn ip_restriction(info: &KeyInfo) -> Finding {
    let (outcome, detail) = match &info.ip_restriction {
        IpRestriction::Unrestricted => (Outcome::Fail, "the key accepts calls from any address"),
        // An allowlist with no entry would mean no address may call: no exchange says that,
        // so it is an answer nobody can vouch for.
        IpRestriction::AllowList(entries) if entries.is_empty() => (
            Outcome::Unknown,
            "the exchange reports an allowlist with no entry",
        ),
        // `*`, `0.0.0.0/0`, or networks covering a whole family: an allowlist in name only
        // (one built by hand or read back from JSON, not through the shared parser).
        IpRestriction::AllowList(entries) if admits_every_address(entries) => {
            (Outcome::Fail, "the key's allowlist admits every address")
        }
        IpRestriction::AllowList(_) | IpRestriction::Restricted => {
            (Outcome::Pass, "the key is bound to an allowlist")
        }
        IpRestriction::NotReported => (
            Outcome::Unknown,
            "the exchange does not report the key's IP restriction",
        ),
    };
    Finding::new(RuleId::NoIpRestriction, outcome, detail)
        .with_evidence("ip_restriction", &info.ip_restriction)
}

fn allowlist_outside(policy: &Policy, info: &KeyInfo) -> Finding {
    let rule = RuleId::AllowlistOutsidePolicy;
    let finding = |outcome, detail: String| {
        Finding::new(rule, outcome, detail)
            .with_evidence("ip_restriction", &info.ip_restriction)
            .with_evidence("policy.allowed_networks", &policy.allowed_networks)
    };
    let Some(allowed) = &policy.allowed_networks else {
        return finding(
            Outcome::Unknown,
            "the policy declares no allowed networks (set `allowed_networks`)".to_owned(),
        );
    };
    let allowed: Vec<IpNet> = allowed.iter().copied().map(canonical_net).collect();
    match &info.ip_restriction {
        IpRestriction::Unrestricted => finding(
            Outcome::Fail,
            "the key accepts every address, including those outside the policy".to_owned(),
        ),
        IpRestriction::AllowList(entries) if admits_every_address(entries) => finding(
            Outcome::Fail,
            "the key's allowlist admits every address, including those outside the policy"
                .to_owned(),
        ),
        IpRestriction::AllowList(entries) => {
            let mut outside = Vec::new();
            let mut masked = Vec::new();
            for entry in entries {
                match entry {
                    IpEntry::Net(net) => {
                        let net = canonical_net(*net);
                        if !allowed.iter().any(|a| a.contains(&net)) {
                            outside.push(net.to_string());
                        }
                    }
                    IpEntry::Pattern(pattern) => masked.push(pattern.clone()),
                }
            }
            if entries.is_empty() {
                finding(
                    Outcome::Unknown,
                    "the exchange reports an allowlist with no entry".to_owned(),
                )
            } else if !outside.is_empty() {
                finding(
                    Outcome::Fail,
                    format!("outside the allowed networks: {}", outside.join(", ")),
                )
            } else if !masked.is_empty() {
                finding(
                    Outcome::Unknown,
                    format!(
                        "the exchange shows entries masked ({}): they cannot be compared with the policy",
                        masked.join(", ")
                    ),
                )
            } else {
                finding(
                    Outcome::Pass,
                    "every allowlist entry lies inside the allowed networks".to_owned(),
                )
            }
        }
        IpRestriction::Restricted => finding(
            Outcome::Unknown,
            "the exchange says the key is bound to addresses but does not show them".to_owned(),
        ),
        _ => finding(
            Outcome::Unknown,
            "the exchange does not report the key's allowlist".to_owned(),
        ),
    }
}

fn excess_permissions(policy: &Policy, info: &KeyInfo) -> Finding {
    let rule = RuleId::ExcessPermissions;
    let Some(needs) = &policy.needs else {
        return Finding::new(
            rule,
            Outcome::Unknown,
            "the policy declares no needed permissions (set `needs`)",
        )
        .with_evidence("permissions", &info.permissions);
    };
    let mut excess = Vec::new();
    let mut unknown = Vec::new();
    for right in Permission::NORMALIZED.iter().filter(|r| !needs.contains(r)) {
        match info.permissions.get(right) {
            Grant::Granted => excess.push(right.to_string()),
            Grant::NotReported => unknown.push(right.to_string()),
            Grant::Denied => {}
        }
    }
    // A vendor token nobody recognized may grant anything: unknown, unless listed as needed.
    for (right, grant) in info.permissions.iter() {
        if matches!(right, Permission::Other(_))
            && grant == Grant::Granted
            && !needs.contains(right)
        {
            unknown.push(right.to_string());
        }
    }
    let finding = if !excess.is_empty() {
        Finding::new(
            rule,
            Outcome::Fail,
            format!("granted beyond the policy's needs: {}", excess.join(", ")),
        )
    } else if !unknown.is_empty() {
        Finding::new(
            rule,
            Outcome::Unknown,
            format!(
                "not reported or not recognized, so possibly beyond the policy's needs: {}",
                unknown.join(", ")
            ),
        )
    } else {
        Finding::new(
            rule,
            Outcome::Pass,
            "the key holds nothing beyond the policy's needs",
        )
    };
    finding
        .with_evidence("permissions", &info.permissions)
        .with_evidence("policy.needs", needs)
}

fn third_party(policy: &Policy, info: &KeyInfo) -> Finding {
    let rule = RuleId::UnlistedThirdParty;
    let listed = |name: &str| {
        policy
            .allowed_apps
            .iter()
            .any(|app| app.trim().eq_ignore_ascii_case(name.trim()))
    };
    let (outcome, detail) = match &info.delegation {
        Reported::Known(Delegation::None) => (
            Outcome::Pass,
            "the key is not bound to a third party".to_owned(),
        ),
        Reported::Known(Delegation::ThirdPartyApp) => (
            Outcome::Fail,
            "the key is bound to a third-party application the exchange does not name".to_owned(),
        ),
        Reported::Known(
            Delegation::ManagedTrading { partner: name } | Delegation::Custody { custodian: name },
        ) => match name {
            Some(name) if listed(name) => (
                Outcome::Pass,
                format!("the key is delegated to `{name}`, which the policy lists"),
            ),
            Some(name) => (
                Outcome::Fail,
                format!("the key is delegated to `{name}`, which the policy does not list"),
            ),
            None => (
                Outcome::Fail,
                "the key is delegated to a party the exchange does not name".to_owned(),
            ),
        },
        Reported::Known(Delegation::Unrecognized { value }) => (
            Outcome::Unknown,
            format!("the exchange reports a delegation this version does not know: `{value}`"),
        ),
        Reported::NotReported => (
            Outcome::Unknown,
            "the exchange does not report whether a third party holds the key".to_owned(),
        ),
    };
    Finding::new(rule, outcome, detail)
        .with_evidence("delegation", &info.delegation)
        .with_evidence("policy.allowed_apps", &policy.allowed_apps)
}

fn days(duration: chrono::Duration) -> i64 {
    duration.num_days()
}

/// How far in the future a reported past event (creation, last use) may lie before it
/// contradicts itself: clocks differ, a day does not.
const CLOCK_SKEW_DAYS: i64 = 1;

/// Whether `at`, reported as a past event, lies too far after `now` to be believed.
fn in_the_future(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    at - now > chrono::Duration::days(CLOCK_SKEW_DAYS)
}

fn too_old(policy: &Policy, info: &KeyInfo, now: DateTime<Utc>) -> Finding {
    let rule = RuleId::KeyTooOld;
    let (outcome, detail) = match info.age_at(now) {
        // A creation date in the future is no evidence of a young key.
        Reported::Known(_) if matches!(info.created_at, Reported::Known(at) if in_the_future(at, now)) => {
            (
                Outcome::Unknown,
                "the exchange reports a creation time in the future".to_owned(),
            )
        }
        Reported::Known(age) if days(age) > i64::from(policy.max_age_days) => (
            Outcome::Fail,
            format!(
                "created {} days ago (policy: rotate after {} days)",
                days(age),
                policy.max_age_days
            ),
        ),
        Reported::Known(age) => (
            Outcome::Pass,
            format!(
                "created {} days ago (policy: rotate after {} days)",
                days(age).max(0),
                policy.max_age_days
            ),
        ),
        Reported::NotReported => (
            Outcome::Unknown,
            "the exchange does not report when the key was created".to_owned(),
        ),
    };
    Finding::new(rule, outcome, detail)
        .with_evidence("created_at", &info.created_at)
        .with_evidence("policy.max_age_days", policy.max_age_days)
}

/// The earliest known expiry among the key's and its trading right's, with what it is of, and
/// whether both are known.
fn earliest_expiry(info: &KeyInfo) -> (Option<(DateTime<Utc>, &'static str)>, bool) {
    let mut dates = Vec::new();
    let mut all_known = true;
    match &info.expires_at {
        Reported::Known(Expiry::At(at)) => dates.push((*at, "the key")),
        Reported::Known(Expiry::Never) => {}
        Reported::NotReported => all_known = false,
    }
    if let Reported::Known(at) = &info.trading_expires_at {
        dates.push((*at, "the key's trading right"));
    }
    (dates.into_iter().min_by_key(|(at, _)| *at), all_known)
}

fn expiry_evidence(finding: Finding, info: &KeyInfo) -> Finding {
    finding
        .with_evidence("expires_at", &info.expires_at)
        .with_evidence("trading_expires_at", &info.trading_expires_at)
}

fn expires_soon(policy: &Policy, info: &KeyInfo, now: DateTime<Utc>) -> Finding {
    let rule = RuleId::ExpiresSoon;
    let warning = chrono::Duration::days(i64::from(policy.expiry_warning_days));
    let (earliest, all_known) = earliest_expiry(info);
    let (outcome, detail) = match earliest {
        Some((at, what)) if at <= now => (
            Outcome::Fail,
            format!("{what} expired on {}", at.date_naive()),
        ),
        Some((at, what)) if at - now <= warning => (
            Outcome::Fail,
            format!(
                "{what} expires on {} ({} days; policy warns {} days ahead)",
                at.date_naive(),
                days(at - now),
                policy.expiry_warning_days
            ),
        ),
        _ if !all_known => (
            Outcome::Unknown,
            "the exchange does not report when the key expires".to_owned(),
        ),
        Some((at, what)) => (
            Outcome::Pass,
            format!("{what} expires on {}", at.date_naive()),
        ),
        None => (Outcome::Pass, "the key never expires".to_owned()),
    };
    expiry_evidence(Finding::new(rule, outcome, detail), info)
        .with_evidence("policy.expiry_warning_days", policy.expiry_warning_days)
}

fn expired(info: &KeyInfo, now: DateTime<Utc>) -> Finding {
    let rule = RuleId::Expired;
    let (earliest, all_known) = earliest_expiry(info);
    let (outcome, detail) = match earliest {
        Some((at, what)) if at <= now => (
            Outcome::Fail,
            format!("{what} expired on {}", at.date_naive()),
        ),
        _ if !all_known => (
            Outcome::Unknown,
            "the exchange does not report when the key expires".to_owned(),
        ),
        _ => (Outcome::Pass, "the key has not expired".to_owned()),
    };
    expiry_evidence(Finding::new(rule, outcome, detail), info)
}

fn unused(policy: &Policy, info: &KeyInfo, now: DateTime<Utc>) -> Finding {
    let rule = RuleId::Unused;
    let (outcome, detail) = match &info.last_used_at {
        Reported::Known(at) if in_the_future(*at, now) => (
            Outcome::Unknown,
            "the exchange reports a last use in the future".to_owned(),
        ),
        Reported::Known(at) if days(now - *at) > i64::from(policy.max_unused_days) => (
            Outcome::Fail,
            format!(
                "last used {} days ago (policy: {} days)",
                days(now - *at),
                policy.max_unused_days
            ),
        ),
        Reported::Known(at) => (
            Outcome::Pass,
            format!("last used {} days ago", days(now - *at).max(0)),
        ),
        Reported::NotReported => (
            Outcome::Unknown,
            "the exchange does not report when the key was last used".to_owned(),
        ),
    };
    Finding::new(rule, outcome, detail)
        .with_evidence("last_used_at", &info.last_used_at)
        .with_evidence("policy.max_unused_days", policy.max_unused_days)
}

/// A label reduced to what tells labels apart for the generic-label rule: lowercase letters
/// and digits, trailing digits dropped (`"API Key #2"` → `apikey`).
pub fn label_stem(label: &str) -> String {
    let letters: String = label
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    letters
        .trim_end_matches(|c: char| c.is_ascii_digit())
        .to_owned()
}

fn generic_label(policy: &Policy, info: &KeyInfo) -> Finding {
    let rule = RuleId::GenericLabel;
    let (outcome, detail) = match &info.label {
        Reported::Known(label) => {
            let stem = label_stem(label);
            if label.trim().is_empty() {
                (Outcome::Fail, "the label is empty".to_owned())
            } else if stem.is_empty() {
                (Outcome::Fail, format!("the label `{label}` says nothing"))
            } else if policy.generic_labels.iter().any(|g| label_stem(g) == stem) {
                (Outcome::Fail, format!("the label `{label}` is generic"))
            } else {
                (Outcome::Pass, format!("labelled `{label}`"))
            }
        }
        Reported::NotReported => (
            Outcome::Unknown,
            "the exchange does not report the key's label".to_owned(),
        ),
    };
    Finding::new(rule, outcome, detail).with_evidence("label", &info.label)
}

fn undocumented(info: &KeyInfo) -> Finding {
    let rule = RuleId::UndocumentedAnswer;
    let finding = if info.anomalies.is_empty() {
        Finding::new(rule, Outcome::Pass, "the answer was as documented")
    } else {
        let fields: Vec<&str> = info.anomalies.iter().map(|a| a.field.as_str()).collect();
        Finding::new(
            rule,
            Outcome::Fail,
            format!("not as documented: {}", fields.join(", ")),
        )
    };
    finding.with_evidence("anomalies", &info.anomalies)
}

//! Every audit rule passes, fails and says unknown on the evidence it should: unknown whenever
//! an input is not reported (or not declared by the policy), never pass.

use chrono::{DateTime, Duration, TimeZone, Utc};
use exchange_keys::audit::{
    Audit, ChangeKind, Finding, Outcome, Policy, RuleId, SecretStorage, Severity, Subject, RULES,
};
use exchange_keys::{
    Credentials, Delegation, Error, ExchangeId, Expiry, Grant, IpEntry, IpRestriction, KeyInfo,
    Permission, Reported,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap()
}

/// A key every rule passes under [`policy`]: reads and trades spot, bound to one address inside
/// the policy's network, ten days old, never expires, used yesterday, well labelled.
fn safe_key() -> KeyInfo {
    let mut info = KeyInfo::new(ExchangeId::Binance);
    for right in Permission::NORMALIZED {
        info.permissions.set(right, Grant::Denied);
    }
    info.permissions
        .set(Permission::Read, Grant::Granted)
        .set(Permission::SpotTrade, Grant::Granted);
    info.ip_restriction = IpRestriction::AllowList(vec![IpEntry::parse("203.0.113.7")]);
    info.created_at = Reported::Known(now() - Duration::days(10));
    info.expires_at = Reported::Known(Expiry::Never);
    info.last_used_at = Reported::Known(now() - Duration::days(1));
    info.label = Reported::Known("grid-bot@fra-1".into());
    info.enabled = Reported::Known(true);
    info.delegation = Reported::Known(Delegation::None);
    info
}

fn policy() -> Policy {
    Policy::trading_bot().allowed_networks(["203.0.113.0/24".parse().unwrap()])
}

fn verdict(policy: &Policy, info: &KeyInfo, rule: RuleId) -> Finding {
    policy
        .check_at(info, now())
        .into_iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("no finding for {rule}"))
}

fn outcome(info: &KeyInfo, rule: RuleId) -> Outcome {
    verdict(&policy(), info, rule).outcome
}

#[test]
fn a_safe_key_passes_every_key_rule() {
    for finding in policy().check_at(&safe_key(), now()) {
        assert_eq!(finding.outcome, Outcome::Pass, "{finding:?}");
    }
}

#[test]
fn a_key_the_exchange_says_nothing_about_passes_nothing_that_matters() {
    let findings = policy().check_at(&KeyInfo::new(ExchangeId::Okx), now());
    for finding in findings {
        if finding.rule == RuleId::UndocumentedAnswer {
            continue;
        }
        assert_eq!(finding.outcome, Outcome::Unknown, "{finding:?}");
    }
}

/// Clears one field of a key.
type Blank = fn(&mut KeyInfo);

/// Each field a rule declares it reads, when not reported, makes that rule unknown: the
/// rules' `reads` lists are true, and a missing input is never a pass.
#[test]
fn an_unreported_input_makes_each_rule_reading_it_unknown() {
    let blank: Vec<(&str, Blank)> = vec![
        ("permissions.withdraw", |i| {
            i.permissions.set(Permission::Withdraw, Grant::NotReported);
        }),
        ("permissions.payment", |i| {
            i.permissions.set(Permission::Payment, Grant::NotReported);
        }),
        ("permissions.internal_transfer", |i| {
            i.permissions
                .set(Permission::InternalTransfer, Grant::NotReported);
        }),
        ("permissions.universal_transfer", |i| {
            i.permissions
                .set(Permission::UniversalTransfer, Grant::NotReported);
        }),
        ("ip_restriction", |i| {
            i.ip_restriction = IpRestriction::NotReported
        }),
        ("created_at", |i| i.created_at = Reported::NotReported),
        ("expires_at", |i| i.expires_at = Reported::NotReported),
        ("last_used_at", |i| i.last_used_at = Reported::NotReported),
        ("label", |i| i.label = Reported::NotReported),
        ("delegation", |i| i.delegation = Reported::NotReported),
    ];
    for (field, clear) in blank {
        let mut info = safe_key();
        clear(&mut info);
        let readers: Vec<RuleId> = RULES
            .iter()
            .filter(|rule| {
                rule.reads.contains(&field)
                    || (field.starts_with("permissions.") && rule.reads.contains(&"permissions"))
            })
            .map(|rule| rule.id)
            .collect();
        assert!(!readers.is_empty(), "no rule reads {field}");
        for rule in readers {
            assert_eq!(
                outcome(&info, rule),
                Outcome::Unknown,
                "{rule} with {field} not reported"
            );
        }
    }
}

#[test]
fn withdrawal_or_payment_is_critical() {
    let mut info = safe_key();
    info.permissions.set(Permission::Withdraw, Grant::Granted);
    let finding = verdict(&policy(), &info, RuleId::WithdrawalEnabled);
    assert_eq!(
        (finding.outcome, finding.severity),
        (Outcome::Fail, Severity::Critical)
    );
    assert!(finding.detail.contains("withdraw"));
    assert!(finding
        .evidence
        .iter()
        .any(|e| e.field == "permissions.withdraw" && e.value == "granted"));

    let mut info = safe_key();
    info.permissions.set(Permission::Payment, Grant::Granted);
    assert_eq!(outcome(&info, RuleId::WithdrawalEnabled), Outcome::Fail);
    // Granted wins over unknown: one right granted is enough to fail.
    info.permissions
        .set(Permission::Withdraw, Grant::NotReported);
    assert_eq!(outcome(&info, RuleId::WithdrawalEnabled), Outcome::Fail);
}

#[test]
fn an_unrecognized_vendor_token_leaves_withdrawal_unknown() {
    let mut info = safe_key();
    info.permissions.unrecognized("SuperPower", Grant::Granted);
    assert_eq!(outcome(&info, RuleId::WithdrawalEnabled), Outcome::Unknown);
    assert_eq!(outcome(&info, RuleId::ExcessPermissions), Outcome::Unknown);
}

#[test]
fn transfer_rights_are_high() {
    for right in [Permission::InternalTransfer, Permission::UniversalTransfer] {
        let mut info = safe_key();
        info.permissions.set(right.clone(), Grant::Granted);
        let finding = verdict(&policy(), &info, RuleId::TransferEnabled);
        assert_eq!(
            (finding.outcome, finding.severity),
            (Outcome::Fail, Severity::High),
            "{right}"
        );
    }
}

#[test]
fn no_ip_restriction_is_critical_and_a_hidden_list_still_counts_as_restricted() {
    let mut info = safe_key();
    info.ip_restriction = IpRestriction::from_list("0.0.0.0/0");
    let finding = verdict(&policy(), &info, RuleId::NoIpRestriction);
    assert_eq!(
        (finding.outcome, finding.severity),
        (Outcome::Fail, Severity::Critical)
    );
    info.ip_restriction = IpRestriction::Restricted;
    assert_eq!(outcome(&info, RuleId::NoIpRestriction), Outcome::Pass);
    // An allowlist with no entry is no answer: neither restricted nor inside the policy.
    info.ip_restriction = IpRestriction::AllowList(Vec::new());
    assert_eq!(outcome(&info, RuleId::NoIpRestriction), Outcome::Unknown);
    assert_eq!(
        outcome(&info, RuleId::AllowlistOutsidePolicy),
        Outcome::Unknown
    );
}

#[test]
fn allowlist_entries_outside_the_policy_fail_and_masked_ones_are_unknown() {
    let mut info = safe_key();
    info.ip_restriction = IpRestriction::from_entries(["203.0.113.7", "198.51.100.4"]);
    let finding = verdict(&policy(), &info, RuleId::AllowlistOutsidePolicy);
    assert_eq!(finding.outcome, Outcome::Fail);
    assert!(
        finding.detail.contains("198.51.100.4"),
        "{}",
        finding.detail
    );
    assert!(!finding.detail.contains("203.0.113.7"));

    // A network wider than the policy's is outside it.
    info.ip_restriction = IpRestriction::from_entries(["203.0.0.0/16"]);
    assert_eq!(
        outcome(&info, RuleId::AllowlistOutsidePolicy),
        Outcome::Fail
    );

    // An IPv4-mapped IPv6 address is the IPv4 address.
    info.ip_restriction = IpRestriction::from_entries(["::ffff:203.0.113.9"]);
    assert_eq!(
        outcome(&info, RuleId::AllowlistOutsidePolicy),
        Outcome::Pass
    );

    // KuCoin-style masked entries cannot be compared: never a match, never a mismatch.
    info.ip_restriction = IpRestriction::from_entries(["203.**.7"]);
    assert_eq!(
        outcome(&info, RuleId::AllowlistOutsidePolicy),
        Outcome::Unknown
    );
    // ...unless another entry is outside for sure.
    info.ip_restriction = IpRestriction::from_entries(["203.**.7", "198.51.100.4"]);
    assert_eq!(
        outcome(&info, RuleId::AllowlistOutsidePolicy),
        Outcome::Fail
    );

    info.ip_restriction = IpRestriction::Unrestricted;
    assert_eq!(
        outcome(&info, RuleId::AllowlistOutsidePolicy),
        Outcome::Fail
    );
    info.ip_restriction = IpRestriction::Restricted;
    assert_eq!(
        outcome(&info, RuleId::AllowlistOutsidePolicy),
        Outcome::Unknown
    );

    // A policy that declares no networks cannot judge.
    let undeclared = Policy::trading_bot();
    let finding = verdict(&undeclared, &safe_key(), RuleId::AllowlistOutsidePolicy);
    assert_eq!(finding.outcome, Outcome::Unknown);
    assert!(finding.detail.contains("allowed_networks"));
}

#[test]
fn rights_beyond_the_declared_needs_fail() {
    let mut info = safe_key();
    info.permissions
        .set(Permission::SubAccountManagement, Grant::Granted);
    let finding = verdict(&policy(), &info, RuleId::ExcessPermissions);
    assert_eq!(finding.outcome, Outcome::Fail);
    assert!(finding.detail.contains("sub_account_management"));

    let read_only = Policy::read_only();
    assert_eq!(
        verdict(&read_only, &safe_key(), RuleId::ExcessPermissions).outcome,
        Outcome::Fail,
        "spot trading is beyond a read-only policy"
    );
    assert_eq!(
        verdict(&Policy::default(), &safe_key(), RuleId::ExcessPermissions).outcome,
        Outcome::Unknown,
        "no needs declared"
    );
    let mut info = safe_key();
    info.permissions
        .set(Permission::MarginTrade, Grant::NotReported);
    // Margin is among a trading bot's needs: not knowing it changes nothing.
    assert_eq!(outcome(&info, RuleId::ExcessPermissions), Outcome::Pass);
    info.permissions
        .set(Permission::KeyManagement, Grant::NotReported);
    assert_eq!(outcome(&info, RuleId::ExcessPermissions), Outcome::Unknown);
}

#[test]
fn third_parties_pass_only_when_the_policy_lists_them() {
    let mut info = safe_key();
    info.delegation = Reported::Known(Delegation::ThirdPartyApp);
    let finding = verdict(&policy(), &info, RuleId::UnlistedThirdParty);
    assert_eq!(
        (finding.outcome, finding.severity),
        (Outcome::Fail, Severity::Medium)
    );

    info.delegation = Reported::Known(Delegation::Custody {
        custodian: Some("Copper".into()),
    });
    assert_eq!(outcome(&info, RuleId::UnlistedThirdParty), Outcome::Fail);
    let mut trusting = policy();
    trusting.allowed_apps = vec![" copper ".into()];
    assert_eq!(
        verdict(&trusting, &info, RuleId::UnlistedThirdParty).outcome,
        Outcome::Pass
    );
    info.delegation = Reported::Known(Delegation::Unrecognized { value: "7".into() });
    assert_eq!(outcome(&info, RuleId::UnlistedThirdParty), Outcome::Unknown);
}

#[test]
fn age_uses_the_policy_threshold() {
    let mut info = safe_key();
    info.created_at = Reported::Known(now() - Duration::days(91));
    let finding = verdict(&policy(), &info, RuleId::KeyTooOld);
    assert_eq!(
        (finding.outcome, finding.severity),
        (Outcome::Fail, Severity::Medium)
    );
    assert!(finding.detail.contains("91 days"));
    info.created_at = Reported::Known(now() - Duration::days(90));
    assert_eq!(outcome(&info, RuleId::KeyTooOld), Outcome::Pass);
    let mut strict = policy();
    strict.max_age_days = 30;
    assert_eq!(
        verdict(&strict, &info, RuleId::KeyTooOld).outcome,
        Outcome::Fail
    );
    assert!(verdict(&strict, &info, RuleId::KeyTooOld)
        .evidence
        .iter()
        .any(|e| e.field == "policy.max_age_days" && e.value == 30));
}

#[test]
fn expiry_warns_low_and_expired_is_high() {
    let mut info = safe_key();
    info.expires_at = Reported::Known(Expiry::At(now() + Duration::days(5)));
    let soon = verdict(&policy(), &info, RuleId::ExpiresSoon);
    assert_eq!(
        (soon.outcome, soon.severity),
        (Outcome::Fail, Severity::Low)
    );
    assert_eq!(outcome(&info, RuleId::Expired), Outcome::Pass);

    info.expires_at = Reported::Known(Expiry::At(now() + Duration::days(30)));
    assert_eq!(outcome(&info, RuleId::ExpiresSoon), Outcome::Pass);

    info.expires_at = Reported::Known(Expiry::At(now() - Duration::days(1)));
    let expired = verdict(&policy(), &info, RuleId::Expired);
    assert_eq!(
        (expired.outcome, expired.severity),
        (Outcome::Fail, Severity::High)
    );

    // Binance dates the trading right apart from the key: its expiry counts too.
    let mut info = safe_key();
    info.trading_expires_at = Reported::Known(now() - Duration::hours(1));
    assert_eq!(outcome(&info, RuleId::Expired), Outcome::Fail);
    assert!(verdict(&policy(), &info, RuleId::Expired)
        .detail
        .contains("trading right"));

    // Only the trading right's date known, and far: the key's own expiry is still unknown.
    let mut info = safe_key();
    info.expires_at = Reported::NotReported;
    info.trading_expires_at = Reported::Known(now() + Duration::days(300));
    assert_eq!(outcome(&info, RuleId::ExpiresSoon), Outcome::Unknown);
    assert_eq!(outcome(&info, RuleId::Expired), Outcome::Unknown);
}

#[test]
fn unused_keys_fail_where_last_use_is_reported() {
    let mut info = safe_key();
    info.last_used_at = Reported::Known(now() - Duration::days(46));
    let finding = verdict(&policy(), &info, RuleId::Unused);
    assert_eq!(
        (finding.outcome, finding.severity),
        (Outcome::Fail, Severity::Medium)
    );
    info.last_used_at = Reported::Known(now() - Duration::days(44));
    assert_eq!(outcome(&info, RuleId::Unused), Outcome::Pass);
}

#[test]
fn empty_and_generic_labels_fail() {
    for label in [
        "",
        "   ",
        "API Key 1",
        "test",
        "key",
        "Default",
        "api-key #2",
        "TEST123",
    ] {
        let mut info = safe_key();
        info.label = Reported::Known(label.into());
        let finding = verdict(&policy(), &info, RuleId::GenericLabel);
        assert_eq!(
            (finding.outcome, finding.severity),
            (Outcome::Fail, Severity::Low),
            "{label:?}"
        );
    }
    for label in ["grid-bot@fra-1", "tax export (Koinly)", "testnet arbitrage"] {
        let mut info = safe_key();
        info.label = Reported::Known(label.into());
        assert_eq!(
            outcome(&info, RuleId::GenericLabel),
            Outcome::Pass,
            "{label:?}"
        );
    }
}

#[test]
fn an_undocumented_answer_is_info() {
    let mut info = safe_key();
    info.anomalies.push(exchange_keys::Anomaly::new(
        exchange_keys::AnomalyKind::Missing,
        "enableWithdrawals",
        "absent",
    ));
    let finding = verdict(&policy(), &info, RuleId::UndocumentedAnswer);
    assert_eq!(
        (finding.outcome, finding.severity),
        (Outcome::Fail, Severity::Info)
    );
}

#[test]
fn a_key_that_could_not_be_inspected_fails_with_the_reason_and_what_to_do() {
    let error = Error::Unsupported {
        exchange: ExchangeId::Kraken,
        operation: exchange_keys::Operation::KeyInfo,
        manual_step: "Settings > API".into(),
    };
    let findings = policy().check_error(&error);
    assert_eq!(findings.len(), 1);
    let finding = &findings[0];
    assert_eq!(finding.rule, RuleId::NotInspected);
    assert_eq!(
        (finding.outcome, finding.severity),
        (Outcome::Fail, Severity::High)
    );
    assert!(finding.detail.contains("Settings > API"));
    assert!(finding.remediation.contains("Settings > API"));
    assert_eq!(finding.evidence[0].value, "unsupported");
}

#[test]
fn severity_overrides_and_ignored_rules_apply() {
    let mut custom = policy();
    custom.severity.insert(RuleId::GenericLabel, Severity::High);
    custom.ignore.insert(RuleId::Unused);
    let mut info = safe_key();
    info.label = Reported::Known("test".into());
    let findings = custom.check_at(&info, now());
    assert!(findings.iter().all(|f| f.rule != RuleId::Unused));
    let label = findings
        .iter()
        .find(|f| f.rule == RuleId::GenericLabel)
        .unwrap();
    assert_eq!(label.severity, Severity::High);
    // The read-only preset downgrades a missing allowlist: a read-only key moves no funds.
    let mut open = safe_key();
    open.ip_restriction = IpRestriction::Unrestricted;
    assert_eq!(
        verdict(&Policy::read_only(), &open, RuleId::NoIpRestriction).severity,
        Severity::Medium
    );
}

fn credentials(key: &str) -> Credentials {
    Credentials::new(key, "s3cr3t-value-never-shown")
}

#[test]
fn one_key_for_two_applications_and_plaintext_secrets_are_configuration_findings() {
    let mut audit = Audit::new(policy()).at(now());
    audit.add(
        Subject::new("grid", ExchangeId::Binance)
            .application("grid-bot")
            .credentials(&credentials("AAAA-shared"))
            .secret_storage(SecretStorage::Plaintext),
        Ok(safe_key()),
    );
    audit.add(
        Subject::new("dca", ExchangeId::Binance)
            .application("dca-bot")
            .credentials(&credentials("AAAA-shared"))
            .secret_storage(SecretStorage::Environment),
        Ok(safe_key()),
    );
    audit.add(
        Subject::new("alone", ExchangeId::Binance)
            .application("tax")
            .credentials(&credentials("BBBB-own"))
            .secret_storage(SecretStorage::Command),
        Ok(safe_key()),
    );
    let report = audit.finish();
    let find = |account: &str, rule: RuleId| {
        report
            .findings()
            .find(|(key, f)| key.account == account && f.rule == rule)
            .map(|(_, f)| f.clone())
            .unwrap()
    };
    let shared = find("grid", RuleId::SharedKey);
    assert_eq!(
        (shared.outcome, shared.severity),
        (Outcome::Fail, Severity::Medium)
    );
    assert!(shared.detail.contains("dca-bot"), "{}", shared.detail);
    assert_eq!(find("dca", RuleId::SharedKey).outcome, Outcome::Fail);
    assert_eq!(find("alone", RuleId::SharedKey).outcome, Outcome::Pass);

    let plaintext = find("grid", RuleId::PlaintextSecret);
    assert_eq!(
        (plaintext.outcome, plaintext.severity),
        (Outcome::Fail, Severity::High)
    );
    assert_eq!(find("dca", RuleId::PlaintextSecret).outcome, Outcome::Pass);
    assert_eq!(
        find("alone", RuleId::PlaintextSecret).outcome,
        Outcome::Pass
    );

    // The report names keys by a hint, never by the secret.
    let text = serde_json::to_string(&report).unwrap();
    assert!(!text.contains("s3cr3t"));
    assert!(report.fails_at(Severity::High));
    assert!(!report.fails_at(Severity::Critical));
}

#[test]
fn without_configuration_the_configuration_rules_are_not_claimed() {
    let mut audit = Audit::new(policy()).at(now());
    audit.add(Subject::new("api", ExchangeId::Binance), Ok(safe_key()));
    let report = audit.finish();
    assert!(report
        .findings()
        .all(|(_, f)| f.rule != RuleId::SharedKey && f.rule != RuleId::PlaintextSecret));
}

#[test]
fn the_report_counts_and_records_its_thresholds() {
    let mut audit = Audit::new(policy()).at(now());
    let mut risky = safe_key();
    risky.permissions.set(Permission::Withdraw, Grant::Granted);
    audit.add(Subject::new("a", ExchangeId::Binance), Ok(risky));
    audit.add(
        Subject::new("b", ExchangeId::Okx),
        Err(Error::Config {
            exchange: Some(ExchangeId::Okx),
            message: "missing passphrase".into(),
        }),
    );
    let report = audit.finish();
    assert_eq!(report.summary.keys, 2);
    assert_eq!(report.summary.not_inspected, 1);
    assert_eq!(report.summary.failed.get(&Severity::Critical), Some(&1));
    // Withdrawal is also beyond a trading bot's needs; the other key failed inspection.
    assert_eq!(report.summary.failed.get(&Severity::High), Some(&2));
    assert_eq!(report.policy.max_age_days, 90);
    assert_eq!(report.generated_at, now());
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["policy"]["expiry_warning_days"], 14);
    assert_eq!(json["keys"][0]["findings"][0]["rule"], "withdrawal-enabled");
    let back = exchange_keys::audit::Report::from_json(&json.to_string()).unwrap();
    assert_eq!(back, report);
}

#[test]
fn drift_flags_rights_gained_allowlists_widened_or_removed_labels_and_keys_gone() {
    let audit_of = |infos: Vec<(&str, KeyInfo)>| {
        let mut audit = Audit::new(policy()).at(now());
        for (account, info) in infos {
            audit.add(
                Subject::new(account, ExchangeId::Binance).credentials(&credentials(account)),
                Ok(info),
            );
        }
        audit.finish()
    };
    let baseline = audit_of(vec![
        ("bot", safe_key()),
        ("open", safe_key()),
        ("gone", safe_key()),
    ]);

    let mut bot = safe_key();
    bot.permissions.set(Permission::Withdraw, Grant::Granted);
    bot.label = Reported::Known("renamed".into());
    bot.ip_restriction = IpRestriction::from_entries(["203.0.113.7", "198.51.100.0/24"]);
    let mut open = safe_key();
    open.ip_restriction = IpRestriction::Unrestricted;
    let mut current = audit_of(vec![("bot", bot), ("open", open), ("new", safe_key())]);
    current.compare_with(&baseline);

    let kinds: Vec<(ChangeKind, &str, Severity)> = current
        .drift
        .iter()
        .map(|d| (d.kind, d.account.as_str(), d.severity))
        .collect();
    assert!(kinds.contains(&(ChangeKind::RightGained, "bot", Severity::Critical)));
    assert!(kinds.contains(&(ChangeKind::LabelChanged, "bot", Severity::Low)));
    assert!(kinds.contains(&(ChangeKind::AllowlistWidened, "bot", Severity::High)));
    assert!(kinds.contains(&(ChangeKind::AllowlistRemoved, "open", Severity::Critical)));
    assert!(kinds.contains(&(ChangeKind::KeyGone, "gone", Severity::Medium)));
    assert!(kinds.contains(&(ChangeKind::KeyAdded, "new", Severity::Info)));
    assert_eq!(kinds.len(), 6, "{kinds:?}");
    let widened = current
        .drift
        .iter()
        .find(|d| d.kind == ChangeKind::AllowlistWidened)
        .unwrap();
    assert!(widened.detail.contains("198.51.100.0/24"));
    assert_eq!(current.summary.drift.get(&Severity::Critical), Some(&2));

    // A change fails `--fail-on` by itself: with every rule ignored, a key gone (medium)
    // still fails the medium bar and not the high one.
    let mut silent = policy();
    silent.ignore = RuleId::all().collect();
    let mut audit = Audit::new(silent).at(now());
    audit.add(
        Subject::new("bot", ExchangeId::Binance).credentials(&credentials("bot")),
        Ok(safe_key()),
    );
    let mut quiet = audit.finish();
    quiet.compare_with(&baseline);
    assert!(quiet.fails_at(Severity::Medium));
    assert!(!quiet.fails_at(Severity::High));

    // Nothing changed: no drift; a narrowed allowlist is not a widening.
    let mut same = audit_of(vec![
        ("bot", safe_key()),
        ("open", safe_key()),
        ("gone", safe_key()),
    ]);
    same.compare_with(&baseline);
    assert!(same.drift.is_empty(), "{:?}", same.drift);
}

//! A hostile review of the audit layer, through its public API: evidence that is masked,
//! contradictory or crafted must never make a rule pass, no secret may reach any output, and
//! no input may make the audit panic.

use std::path::PathBuf;
use std::process::{Command, Output};

use chrono::{DateTime, Duration, TimeZone, Utc};
use exchange_keys::audit::config::Config;
use exchange_keys::audit::render::{self, Format, RenderOptions};
use exchange_keys::audit::{
    compare, Audit, ChangeKind, Outcome, Policy, Report, RuleId, SecretStorage, Severity, Subject,
};
use exchange_keys::testkit::{
    error_answer, scenario_answer, CannedAnswer, Scenario, SimulatedExchange,
};
use exchange_keys::{
    Credentials, Delegation, ExchangeId, Expiry, Grant, IpEntry, IpRestriction, KeyInfo,
    Permission, Reported,
};
use secrecy::ExposeSecret;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap()
}

fn render(report: &Report, format: Format, color: bool) -> String {
    let mut out = Vec::new();
    render::write(report, format, &RenderOptions { color }, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn all_formats(report: &Report) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for format in Format::ALL {
        for color in [false, true] {
            out.push((
                format!("{format} color={color}"),
                render(report, format, color),
            ));
        }
    }
    out
}

fn outcome_of(findings: &[exchange_keys::audit::Finding], rule: RuleId) -> Outcome {
    findings
        .iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("no finding for {rule}"))
        .outcome
}

/// A key every rule of `policy()` passes, on evidence reported for every field.
fn clean_key() -> KeyInfo {
    let mut info = KeyInfo::new(ExchangeId::Binance);
    info.key_id = Reported::Known("clean-key-id".to_owned());
    info.label = Reported::Known("grid-bot@fra-1".to_owned());
    for permission in Permission::NORMALIZED {
        let grant = if matches!(permission, Permission::Read | Permission::SpotTrade) {
            Grant::Granted
        } else {
            Grant::Denied
        };
        info.permissions.set(permission, grant);
    }
    info.ip_restriction = IpRestriction::AllowList(vec![IpEntry::parse("203.0.113.7")]);
    info.created_at = Reported::Known(now() - Duration::days(10));
    info.expires_at = Reported::Known(Expiry::Never);
    info.last_used_at = Reported::Known(now() - Duration::days(1));
    info.enabled = Reported::Known(true);
    info.delegation = Reported::Known(Delegation::None);
    info
}

fn policy() -> Policy {
    Policy::trading_bot().allowed_networks(["203.0.113.0/24".parse().unwrap()])
}

#[test]
fn the_clean_key_passes_every_rule() {
    for finding in policy().check_at(&clean_key(), now()) {
        assert_eq!(finding.outcome, Outcome::Pass, "{finding:?}");
    }
}

// ---------------------------------------------------------------- allowlists

/// An allowlist built by hand (an adapter written outside the crate, a stored `KeyInfo` read
/// back) can hold what the shared parser turns into `Unrestricted`: the rule must not pass it.
#[test]
fn an_allowlist_admitting_every_address_is_no_restriction() {
    let everything: Vec<Vec<IpEntry>> = vec![
        vec![IpEntry::parse("0.0.0.0/0")],
        vec![IpEntry::parse("::/0")],
        vec![IpEntry::parse("203.0.113.7"), IpEntry::parse("*")],
        vec![IpEntry::parse("*.*.*.*")],
        vec![IpEntry::parse("0.0.0.0/1"), IpEntry::parse("128.0.0.0/1")],
        vec![IpEntry::parse("::ffff:0:0/96")],
    ];
    for entries in everything {
        let mut info = clean_key();
        info.ip_restriction = IpRestriction::AllowList(entries.clone());
        let findings = Policy::trading_bot().check_at(&info, now());
        assert_eq!(
            outcome_of(&findings, RuleId::NoIpRestriction),
            Outcome::Fail,
            "{entries:?}"
        );
        // Read back from JSON, as a stored KeyInfo or a baseline would be.
        let back: KeyInfo = serde_json::from_value(serde_json::to_value(&info).unwrap()).unwrap();
        let findings = Policy::trading_bot().check_at(&back, now());
        assert_eq!(
            outcome_of(&findings, RuleId::NoIpRestriction),
            Outcome::Fail,
            "{entries:?} after a JSON round trip"
        );
    }
}

#[test]
fn ipv4_mapped_entries_compare_as_ipv4_with_the_policy() {
    let mut info = clean_key();
    info.ip_restriction = IpRestriction::AllowList(vec![IpEntry::parse("::ffff:203.0.113.9")]);
    let findings = policy().check_at(&info, now());
    assert_eq!(
        outcome_of(&findings, RuleId::AllowlistOutsidePolicy),
        Outcome::Pass
    );
    info.ip_restriction = IpRestriction::AllowList(vec![IpEntry::parse("::ffff:198.51.100.9")]);
    let findings = policy().check_at(&info, now());
    assert_eq!(
        outcome_of(&findings, RuleId::AllowlistOutsidePolicy),
        Outcome::Fail
    );
}

#[test]
fn a_zone_scoped_or_odd_entry_never_passes_the_policy() {
    for odd in [
        "fe80::1%eth0",
        "203.0.113.*",
        "203.0.113.7:443",
        "localhost",
    ] {
        let mut info = clean_key();
        info.ip_restriction = IpRestriction::AllowList(vec![IpEntry::parse(odd)]);
        let findings = policy().check_at(&info, now());
        assert_ne!(
            outcome_of(&findings, RuleId::AllowlistOutsidePolicy),
            Outcome::Pass,
            "{odd}"
        );
    }
}

#[test]
fn a_huge_allowlist_is_checked_without_trouble() {
    let entries: Vec<IpEntry> = (0..50_000u32)
        .map(|i| {
            IpEntry::Net(std::net::IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i)).into())
        })
        .collect();
    let mut info = clean_key();
    info.ip_restriction = IpRestriction::AllowList(entries);
    let findings = policy().check_at(&info, now());
    assert_eq!(
        outcome_of(&findings, RuleId::AllowlistOutsidePolicy),
        Outcome::Fail
    );
    assert_eq!(
        outcome_of(&findings, RuleId::NoIpRestriction),
        Outcome::Pass
    );
}

// ---------------------------------------------------------------- dates

/// A key "created" a year from now, or "last used" next year, is contradictory evidence: the
/// rotation and unused rules cannot vouch for it.
#[test]
fn dates_in_the_future_are_not_evidence_of_a_young_or_used_key() {
    let mut info = clean_key();
    info.created_at = Reported::Known(now() + Duration::days(365));
    info.last_used_at = Reported::Known(now() + Duration::days(365));
    let findings = policy().check_at(&info, now());
    assert_eq!(outcome_of(&findings, RuleId::KeyTooOld), Outcome::Unknown);
    assert_eq!(outcome_of(&findings, RuleId::Unused), Outcome::Unknown);
    // A little clock skew is no contradiction.
    let mut info = clean_key();
    info.created_at = Reported::Known(now() + Duration::minutes(5));
    info.last_used_at = Reported::Known(now() + Duration::minutes(5));
    let findings = policy().check_at(&info, now());
    assert_eq!(outcome_of(&findings, RuleId::KeyTooOld), Outcome::Pass);
    assert_eq!(outcome_of(&findings, RuleId::Unused), Outcome::Pass);
}

#[test]
fn extreme_dates_and_thresholds_never_panic() {
    let extremes = [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC, now()];
    let mut policy = policy();
    for thresholds in [0u32, u32::MAX] {
        policy.max_age_days = thresholds;
        policy.expiry_warning_days = thresholds;
        policy.max_unused_days = thresholds;
        for &at in &extremes {
            for &when in &extremes {
                let mut info = clean_key();
                info.created_at = Reported::Known(at);
                info.last_used_at = Reported::Known(at);
                info.expires_at = Reported::Known(Expiry::At(at));
                info.trading_expires_at = Reported::Known(at);
                let mut audit = Audit::new(policy.clone()).at(when);
                audit.add(Subject::new("x", ExchangeId::Binance), Ok(info));
                let report = audit.finish();
                let _ = all_formats(&report);
                let text = serde_json::to_string(&report).unwrap();
                Report::from_json(&text).unwrap();
            }
        }
    }
}

#[test]
fn expiry_exactly_now_is_expired_and_never_with_an_expired_trading_right_fails() {
    let mut info = clean_key();
    info.expires_at = Reported::Known(Expiry::At(now()));
    let findings = policy().check_at(&info, now());
    assert_eq!(outcome_of(&findings, RuleId::Expired), Outcome::Fail);
    let mut info = clean_key();
    info.expires_at = Reported::Known(Expiry::Never);
    info.trading_expires_at = Reported::Known(now() - Duration::days(1));
    let findings = policy().check_at(&info, now());
    assert_eq!(outcome_of(&findings, RuleId::Expired), Outcome::Fail);
    assert_eq!(outcome_of(&findings, RuleId::ExpiresSoon), Outcome::Fail);
}

// ---------------------------------------------------------------- permissions and labels

#[test]
fn an_unknown_vendor_token_granted_is_never_a_pass_of_excess_permissions() {
    let mut info = clean_key();
    info.permissions
        .unrecognized("Wallet.SuperWithdraw", Grant::Granted);
    let findings = policy().check_at(&info, now());
    assert_eq!(
        outcome_of(&findings, RuleId::ExcessPermissions),
        Outcome::Unknown
    );
    assert_eq!(
        outcome_of(&findings, RuleId::WithdrawalEnabled),
        Outcome::Unknown
    );
    // Declared as needed, it is no longer an excess; the other rules stay undecided.
    let policy = policy().needs([
        Permission::Read,
        Permission::SpotTrade,
        Permission::Other("Wallet.SuperWithdraw".into()),
    ]);
    let findings = policy.check_at(&info, now());
    assert_ne!(
        outcome_of(&findings, RuleId::WithdrawalEnabled),
        Outcome::Pass
    );
}

#[test]
fn zero_width_characters_do_not_dodge_the_generic_label_rule() {
    for label in [
        "a\u{200b}pi",
        "K\u{200d}E\u{feff}Y",
        "api\u{00ad}key 2",
        "  ",
        "🔑",
    ] {
        let mut info = clean_key();
        info.label = Reported::Known(label.to_owned());
        let findings = policy().check_at(&info, now());
        assert_eq!(
            outcome_of(&findings, RuleId::GenericLabel),
            Outcome::Fail,
            "{label:?}"
        );
    }
}

// ---------------------------------------------------------------- secrets

const SECRET: &str = "SuperSecretValue-9f8e7d6c5b4a";

async fn sim_report(exchange: ExchangeId, answer: CannedAnswer) -> (Report, Vec<String>) {
    let sim = SimulatedExchange::start(exchange, Scenario::Trading)
        .await
        .unwrap();
    sim.serve(answer).await;
    let credentials = sim.credentials();
    let mut secrets = vec![credentials.secret().expose_secret().to_owned()];
    if let Some(p) = credentials.passphrase() {
        secrets.push(p.expose_secret().to_owned());
    }
    let outcome = sim.adapter().unwrap().key_info().await;
    let mut audit = Audit::new(policy()).at(now());
    audit.add(
        Subject::new("acct", exchange)
            .credentials(&credentials)
            .secret_storage(SecretStorage::Plaintext),
        outcome,
    );
    (audit.finish(), secrets)
}

fn echo_everywhere(value: &mut serde_json::Value, secret: &str) {
    match value {
        serde_json::Value::Object(map) => {
            for (_, v) in map.iter_mut() {
                echo_everywhere(v, secret);
            }
            map.insert(secret.to_owned(), serde_json::json!(secret));
            map.insert("secretKey".to_owned(), serde_json::json!(secret));
        }
        serde_json::Value::Array(items) => {
            items.iter_mut().for_each(|v| echo_everywhere(v, secret))
        }
        serde_json::Value::String(s) => *s = format!("{s} {secret}"),
        _ => {}
    }
}

#[tokio::test]
async fn secrets_echoed_by_an_exchange_reach_no_report_format() {
    for exchange in ExchangeId::supported() {
        let credentials = exchange_keys::testkit::credentials(exchange).unwrap();
        let mut secrets = vec![credentials.secret().expose_secret().to_owned()];
        if let Some(p) = credentials.passphrase() {
            secrets.push(p.expose_secret().to_owned());
        }
        for secret in &secrets {
            // Echoed in every string and as a key of every object of the key-info answer.
            let mut answer = scenario_answer(exchange, Scenario::Trading).unwrap();
            echo_everywhere(&mut answer.body, secret);
            let (report, _) = sim_report(exchange, answer).await;
            for (what, text) in all_formats(&report) {
                assert!(!text.contains(secret.as_str()), "{exchange} {what}: {text}");
            }
            // Echoed in an error message.
            let answer = error_answer(exchange, "10003", &format!("bad key {secret} !")).unwrap();
            let (report, _) = sim_report(exchange, answer).await;
            for (what, text) in all_formats(&report) {
                assert!(!text.contains(secret.as_str()), "{exchange} {what}: {text}");
            }
        }
    }
}

#[test]
fn a_secret_in_a_config_error_is_never_shown() {
    let cases = [
        // Unterminated string holding the secret.
        format!("[[account]]\nname = \"a\"\nexchange = \"binance\"\napi_key = \"k\"\nsecret = \"{SECRET}\n"),
        // An invalid escape inside the secret.
        format!("[[account]]\nname = \"a\"\nexchange = \"binance\"\napi_key = \"k\"\nsecret = \"{SECRET}\\q\"\n"),
        // The secret twice.
        format!("[[account]]\nname = \"a\"\nexchange = \"binance\"\napi_key = \"k\"\nsecret = \"{SECRET}\"\nsecret = \"{SECRET}\"\n"),
        // The secret where a boolean belongs.
        format!("[[account]]\nname = \"a\"\nexchange = \"binance\"\napi_key = \"k\"\nsecret = \"{SECRET}\"\nsandbox = \"{SECRET}\"\n"),
        // The secret as a source table key.
        format!("[[account]]\nname = \"a\"\nexchange = \"binance\"\napi_key = \"k\"\nsecret = {{ {SECRET} = \"x\" }}\n"),
        format!("[[account]]\nname = \"a\"\nexchange = \"binance\"\napi_key = \"k\"\npassphrase = {{ \"{SECRET}\" = {{ env = \"X\" }} }}\nsecret = {{ env = \"X\" }}\n"),
        // A secret in a base URL's user info.
        format!("[[account]]\nname = \"a\"\nexchange = \"binance\"\napi_key = \"k\"\nsecret = {{ env = \"X\" }}\nbase_url = \"https://u:{SECRET}@example.com\"\n"),
        format!("[[account]]\nname = \"a\"\nexchange = \"binance\"\napi_key = \"k\"\nsecret = {{ env = \"X\" }}\nbase_url = \"http://u:{SECRET}@[::1\"\n"),
    ];
    for text in cases {
        let error = Config::parse(&text, "k.toml").unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(SECRET), "{shown}");
    }
}

// ---------------------------------------------------------------- injection

#[test]
fn terminal_controls_and_bidi_overrides_never_reach_the_table() {
    let mut info = clean_key();
    info.label = Reported::Known(
        "evil\u{1b}]8;;http://x\u{7}link\u{1b}[2J\u{9b}31m\r\u{202e}gnp.exe\u{2066}".to_owned(),
    );
    info.delegation = Reported::Known(Delegation::ManagedTrading {
        partner: Some("p\u{1b}[31m\u{202e}x".to_owned()),
    });
    let mut audit = Audit::new(policy()).at(now());
    audit.add(
        Subject::new("a\u{1b}[1mb\u{202e}", ExchangeId::Binance),
        Ok(info),
    );
    let report = audit.finish();
    for color in [false, true] {
        let text = render(&report, Format::Table, color);
        for bad in ['\u{9b}', '\r', '\u{7}', '\u{202e}', '\u{2066}'] {
            assert!(!text.contains(bad), "{bad:?} in\n{text}");
        }
        let escapes = text.matches('\u{1b}').count();
        if !color {
            assert_eq!(escapes, 0, "{text}");
        } else {
            // Only the painter's own codes: each starts `ESC[` and a digit and ends with `m`.
            for piece in text.split('\u{1b}').skip(1) {
                assert!(
                    piece.starts_with("[0m")
                        || piece.starts_with("[1;")
                        || piece.starts_with("[3")
                        || piece.starts_with("[2m"),
                    "{piece:?}"
                );
            }
        }
    }
}

#[test]
fn ocsf_stays_one_event_per_line_and_html_stays_inert() {
    let mut info = clean_key();
    info.label = Reported::Known("api\n{\"fake\":1}\r\n<img src=x onerror=alert(1)>".to_owned());
    let mut audit = Audit::new(policy()).at(now());
    audit.add(
        Subject::new("a\n</code><script>", ExchangeId::Binance),
        Ok(info),
    );
    let report = audit.finish();
    for line in render(&report, Format::Ocsf, false).lines() {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(event["class_uid"], 2004);
    }
    let html = render(&report, Format::Html, false);
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<script"), "{html}");
}

/// A cell starting with `=`, `+`, `-`, `@` (or a tab or carriage return) is a formula to a
/// spreadsheet: account names and applications come from users on a platform.
#[test]
fn csv_cells_never_start_a_formula() {
    let mut info = clean_key();
    info.label = Reported::Known("=HYPERLINK(\"http://x\",\"y\")".to_owned());
    let mut audit = Audit::new(policy()).at(now());
    audit.add(
        Subject::new("=cmd|' /C calc'!A0", ExchangeId::Binance).application("+SUM(1,2)"),
        Ok(info),
    );
    audit.add(
        Subject::new("@risky", ExchangeId::Binance).application("-2+3"),
        Ok(clean_key()),
    );
    let report = audit.finish();
    let text = render(&report, Format::Csv, false);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    for record in reader.records() {
        for cell in record.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "formula cell {cell:?}"
            );
        }
    }
}

#[test]
fn hostile_json_reports_are_refused_without_panicking() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let valid = {
        let mut audit = Audit::new(policy()).at(now());
        audit.add(Subject::new("a", ExchangeId::Binance), Ok(clean_key()));
        serde_json::to_string(&audit.finish()).unwrap()
    };
    let cases = [
        deep.clone(),
        format!("{{\"schema_version\": 1, \"x\": {deep}}}"),
        "{\"schema_version\": 1e400}".to_owned(),
        "{\"schema_version\": 18446744073709551617}".to_owned(),
        "{\"schema_version\": \"1\"}".to_owned(),
        "{\"schema_version\": -1}".to_owned(),
        "{\"schema_version\": 1, \"schema_version\": 2}".to_owned(),
        valid.replacen("\"generated_at\":\"", "\"generated_at\":\"+999999-", 1),
        valid.replacen("\"max_age_days\":90", "\"max_age_days\":99999999999", 1),
        valid.replacen("\"keys\":1", "\"keys\":-1", 1),
        "\u{feff}{}".to_owned(),
        String::new(),
    ];
    for case in &cases {
        let _ = Report::from_json(case);
    }
    assert!(Report::from_json(&valid).is_ok());
}

// ---------------------------------------------------------------- drift

fn report_with(info: KeyInfo) -> Report {
    let mut audit = Audit::new(policy()).at(now());
    audit.add(
        Subject::new("acct", ExchangeId::Binance)
            .credentials(&Credentials::new("public-key-1", "s3cr3t-value")),
        Ok(info),
    );
    audit.finish()
}

#[test]
fn drift_reads_ipv4_mapped_entries_as_ipv4() {
    let mut before = clean_key();
    before.ip_restriction = IpRestriction::AllowList(vec![IpEntry::parse("203.0.113.0/24")]);
    let mut after = clean_key();
    after.ip_restriction = IpRestriction::AllowList(vec![IpEntry::parse("::ffff:203.0.113.5")]);
    let changes = compare(&report_with(before.clone()), &report_with(after.clone()));
    assert!(
        !changes
            .iter()
            .any(|c| c.kind == ChangeKind::AllowlistWidened),
        "false alarm: {changes:?}"
    );
    // And the other way round: a mapped network before, an IPv4 address outside it after.
    let mut before = clean_key();
    before.ip_restriction =
        IpRestriction::AllowList(vec![IpEntry::parse("::ffff:203.0.113.0/120")]);
    let mut after = clean_key();
    after.ip_restriction = IpRestriction::AllowList(vec![IpEntry::parse("203.0.113.9")]);
    let changes = compare(&report_with(before), &report_with(after));
    assert!(changes.is_empty(), "false alarm: {changes:?}");
}

#[test]
fn drift_sees_rights_gained_from_not_reported_and_allowlists_widened() {
    let mut before = clean_key();
    before
        .permissions
        .set(Permission::Withdraw, Grant::NotReported);
    let mut after = clean_key();
    after.permissions.set(Permission::Withdraw, Grant::Granted);
    after.ip_restriction = IpRestriction::AllowList(vec![
        IpEntry::parse("203.0.113.7"),
        IpEntry::parse("198.51.100.1"),
    ]);
    let changes = compare(&report_with(before), &report_with(after));
    assert!(changes
        .iter()
        .any(|c| c.kind == ChangeKind::RightGained && c.severity == Severity::Critical));
    assert!(changes
        .iter()
        .any(|c| c.kind == ChangeKind::AllowlistWidened));
}

// ---------------------------------------------------------------- weakening policies

/// A policy that ignores rules or lowers their severity is recorded where people read it:
/// the table and the HTML page say so, not only the JSON.
#[test]
fn ignored_rules_and_lowered_severities_are_shown_in_human_formats() {
    let mut policy = policy();
    policy.ignore.insert(RuleId::WithdrawalEnabled);
    policy
        .severity
        .insert(RuleId::NoIpRestriction, Severity::Info);
    let mut audit = Audit::new(policy).at(now());
    audit.add(Subject::new("a", ExchangeId::Binance), Ok(clean_key()));
    let report = audit.finish();
    for format in [Format::Table, Format::Html] {
        let text = render(&report, format, false);
        assert!(text.contains("withdrawal-enabled"), "{format}:\n{text}");
        assert!(text.contains("no-ip-restriction"), "{format}:\n{text}");
    }
}

#[test]
fn a_config_allowing_every_network_is_refused() {
    for networks in [
        "[\"0.0.0.0/0\"]",
        "[\"::/0\"]",
        "[\"::ffff:0:0/96\"]",
        "[\"0.0.0.0/1\", \"128.0.0.0/1\"]",
    ] {
        let text = format!(
            "[policy]\nallowed_networks = {networks}\n[[account]]\nname = \"a\"\nexchange = \"binance\"\napi_key = \"k\"\nsecret = {{ env = \"X\" }}\n"
        );
        let error = Config::parse(&text, "k.toml").expect_err(networks);
        assert!(
            error
                .field
                .as_deref()
                .unwrap_or("")
                .starts_with("policy.allowed_networks"),
            "{error}"
        );
    }
}

// ---------------------------------------------------------------- fleet

#[tokio::test]
async fn fleet_keys_for_exchanges_not_in_the_build_come_back_as_errors() {
    use exchange_keys::audit::fleet::{Fleet, FleetKey};
    use futures_util::StreamExt;
    let keys: Vec<FleetKey> = ExchangeId::ALL
        .iter()
        .filter(|id| !id.is_supported())
        .map(|&exchange| FleetKey {
            reference: exchange.to_string(),
            exchange,
            credentials: Credentials::new("k", SECRET),
        })
        .collect();
    let count = keys.len();
    let results: Vec<_> = Fleet::new()
        .concurrency(usize::MAX)
        .check(keys)
        .collect()
        .await;
    assert_eq!(results.len(), count);
    for checked in results {
        let error = checked.outcome.unwrap_err();
        assert!(!format!("{error} {error:?}").contains(SECRET));
    }
}

// ---------------------------------------------------------------- the CLI

fn keyaudit() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|d| d.parent()).unwrap();
    let binary = dir.join("examples").join("keyaudit");
    if !binary.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--all-features", "--example", "keyaudit"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(status.success());
    }
    binary
}

fn run(args: &[&str]) -> Output {
    Command::new(keyaudit())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn the_demo_with_no_exchange_selected_is_a_usage_error() {
    // An exchange this build has no adapter for; none is left once every id has one.
    let Some(unsupported) = exchange_keys::ExchangeId::ALL
        .iter()
        .copied()
        .find(|id| !id.is_supported())
    else {
        return;
    };
    let output = run(&[
        "--demo",
        "--exchange",
        unsupported.as_str(),
        "--fail-on",
        "info",
    ]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}

#[test]
fn the_demo_is_deterministic() {
    let a = run(&["--demo", "--format", "csv", "--fail-on", "critical"]);
    let b = run(&["--demo", "--format", "csv", "--fail-on", "critical"]);
    assert_eq!(a.status.code(), Some(1));
    assert_eq!(a.status.code(), b.status.code());
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn output_that_cannot_be_written_is_an_error() {
    for path in ["/dev/full", "/nonexistent-dir/x.json"] {
        let output = run(&["--demo", "--output", path]);
        assert_eq!(output.status.code(), Some(2), "{path}: {output:?}");
    }
}

/// `--policy` is documented as the preset "when no config file gives one": given with a
/// config, it must not silently replace the config's policy (its networks, needs, ignores).
#[test]
fn policy_flag_does_not_silently_replace_the_configs_policy() {
    let dir = std::env::temp_dir().join(format!("hostile-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("k.toml");
    std::fs::write(
        &config,
        "[policy]\npreset = \"trading-bot\"\nallowed_networks = [\"203.0.113.0/24\"]\n\
         [[account]]\nname = \"a\"\nexchange = \"binance\"\napi_key = \"k\"\nsecret = { env = \"HOSTILE_UNSET_VAR\" }\n",
    )
    .unwrap();
    let output = run(&[
        "--config",
        config.to_str().unwrap(),
        "--policy",
        "default",
        "--format",
        "json",
    ]);
    if output.status.code() == Some(0) {
        let report = Report::from_json(&String::from_utf8_lossy(&output.stdout)).unwrap();
        assert!(
            report.policy.allowed_networks.is_some(),
            "--policy dropped the config's policy"
        );
    } else {
        assert_eq!(output.status.code(), Some(2), "{output:?}");
    }
}

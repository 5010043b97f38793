//! `keyaudit`, run as users run it: exit codes, formats, the demo showing every rule, config
//! files, baselines. The example is built by `cargo test`; a test run on its own builds it
//! first.

mod common;

use std::path::PathBuf;
use std::process::Output;

use exchange_keys::audit::{ChangeKind, Outcome, Report, RuleId};
use exchange_keys::testkit::{Scenario, SimulatedExchange};
use exchange_keys::ExchangeId;

fn run(args: &[&str]) -> Output {
    run_with(args, &[])
}

fn run_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    common::run_example("keyaudit", args, env, None)
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("an exit code, not a signal")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn the_demo_shows_every_rule_failing_at_least_once() {
    let output = run(&["--demo", "--format", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let report = Report::from_json(&stdout(&output)).expect("a JSON report");
    for rule in RuleId::all() {
        assert!(
            report
                .findings()
                .any(|(_, f)| f.rule == rule && f.outcome == Outcome::Fail),
            "the demo never shows {rule} failing"
        );
    }
    // And every supported exchange is in it.
    for exchange in ExchangeId::supported() {
        assert!(
            report.keys.iter().any(|k| k.exchange == exchange),
            "{exchange}"
        );
    }
}

#[test]
fn fail_on_exits_1_only_at_or_above_the_severity() {
    let output = run(&["--demo", "--fail-on", "critical"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    // The table still went out: the exit code does not cost the report.
    assert!(stdout(&output).contains("withdrawal-enabled"));

    let output = run(&["--demo", "--format", "csv"]);
    assert_eq!(
        code(&output),
        0,
        "without --fail-on the audit exits 0 whatever it found"
    );
}

#[test]
fn usage_and_config_errors_exit_2() {
    for args in [
        vec!["--format", "xml"],
        vec!["--fail-on", "severe"],
        vec!["--unknown-fails"],
        vec!["--config", "/nonexistent/keyaudit.toml"],
        vec!["--demo", "--baseline", "/nonexistent/previous.json"],
        vec!["--demo", "--policy", "yolo"],
        vec!["--no-such-option"],
    ] {
        let output = run(&args);
        assert_eq!(code(&output), 2, "{args:?}: {}", stderr(&output));
        assert!(!stderr(&output).is_empty(), "{args:?} says why");
    }
    // No key anywhere: a usage error that says what to set.
    let output = run(&[]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("--demo"), "{}", stderr(&output));
}

#[test]
fn help_documents_the_exit_codes_and_examples() {
    let output = run(&["--help"]);
    assert_eq!(code(&output), 0);
    let text = stdout(&output);
    for expected in [
        "Exit status",
        "--fail-on",
        "--baseline",
        "--demo",
        "Examples",
    ] {
        assert!(text.contains(expected), "--help lacks {expected}");
    }
}

#[test]
fn an_invalid_config_names_the_file_and_the_line() {
    let dir = tempdir("invalid-config");
    let path = dir.join("keyaudit.toml");
    std::fs::write(
        &path,
        "[[account]]\nname = \"a\"\nexchange = \"binanse\"\napi_key = \"k\"\nsecret = { env = \"X\" }\n",
    )
    .unwrap();
    let output = run(&["--config", path.to_str().unwrap()]);
    assert_eq!(code(&output), 2);
    let message = stderr(&output);
    assert!(message.contains("keyaudit.toml:3"), "{message}");
    assert!(message.contains("binanse"), "{message}");
}

#[test]
fn a_baseline_flags_what_changed_and_fails_on_it() {
    let dir = tempdir("baseline");
    let baseline = dir.join("previous.json");
    let demo_json = |exchange: &str, extra: &[&str]| {
        let mut args = vec!["--demo", "--exchange", exchange, "--format", "json"];
        args.extend_from_slice(extra);
        run(&args)
    };
    let baseline_path = baseline.to_str().unwrap();
    let output = demo_json("bybit", &["--output", baseline_path]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stdout(&output).is_empty(), "--output leaves stdout alone");

    // The same keys again: nothing drifted.
    let output = demo_json("bybit", &["--baseline", baseline_path]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let report = Report::from_json(&stdout(&output)).unwrap();
    assert!(report.drift.is_empty(), "{:?}", report.drift);

    // Another exchange's keys against it: Bybit's keys are gone, Kraken's are new.
    let output = demo_json("kraken", &["--baseline", baseline_path]);
    let report = Report::from_json(&stdout(&output)).unwrap();
    assert!(report
        .drift
        .iter()
        .any(|d| d.kind == ChangeKind::KeyGone && d.exchange == ExchangeId::Bybit));
    assert!(report
        .drift
        .iter()
        .any(|d| d.kind == ChangeKind::KeyAdded && d.exchange == ExchangeId::Kraken));

    let garbage = dir.join("garbage.json");
    std::fs::write(&garbage, "<html>").unwrap();
    let output = run(&["--demo", "--baseline", garbage.to_str().unwrap()]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("garbage.json"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_config_file_audits_its_accounts_and_never_prints_their_secrets() {
    let sim = SimulatedExchange::start(ExchangeId::Binance, Scenario::ReadOnly)
        .await
        .unwrap();
    let secret = "kEy-AuDiT-sEcReT-4c1d";
    let dir = tempdir("config");
    let path = dir.join("keyaudit.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[policy]
preset = "read-only"
allowed_networks = ["203.0.113.0/24"]

[[account]]
name = "tracker"
exchange = "binance"
application = "portfolio-tracker"
api_key = "{key}"
secret = {{ env = "KEYAUDIT_TEST_SECRET" }}
base_url = "{url}"
"#,
            key = sim.credentials().api_key(),
            url = sim.base_url()
        ),
    )
    .unwrap();
    let config = path.to_str().unwrap();
    let env = [("KEYAUDIT_TEST_SECRET", secret)];
    for format in ["table", "json", "csv", "ocsf", "html"] {
        let output = run_with(&["--config", config, "--format", format], &env);
        assert_eq!(code(&output), 0, "{format}: {}", stderr(&output));
        assert!(
            !stdout(&output).contains(secret),
            "{format} leaks the secret"
        );
        assert!(!stderr(&output).contains(secret));
    }
    let output = run_with(&["--config", config, "--format", "json"], &env);
    let report = Report::from_json(&stdout(&output)).unwrap();
    assert_eq!(report.policy.name, "read-only");
    assert_eq!(report.keys.len(), 1);
    assert!(
        report.keys[0].key_info.is_some(),
        "{:?}",
        report.keys[0].error
    );
    // A read-only key: nothing critical.
    let output = run_with(&["--config", config, "--fail-on", "critical"], &env);
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    // Binance shows no allowlist, only that there is one: unknown, and with
    // --unknown-fails that fails the high bar.
    let output = run_with(
        &["--config", config, "--fail-on", "high", "--unknown-fails"],
        &env,
    );
    assert_eq!(code(&output), 1, "{}", stdout(&output));
    // The secret missing from the environment: the key is not inspected, the audit still runs.
    let output = run(&["--config", config, "--format", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let report = Report::from_json(&stdout(&output)).unwrap();
    assert!(report.keys[0]
        .error
        .as_deref()
        .unwrap_or_default()
        .contains("KEYAUDIT_TEST_SECRET"));
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("keyaudit-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

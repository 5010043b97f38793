//! `rotate` and `revoke`, run as users run them, on the simulated exchanges.

mod common;

use std::process::Output;

fn code(output: &Output) -> i32 {
    output.status.code().expect("an exit code")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("manage-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn rotate_demo_stores_the_new_secret_in_a_private_file_and_revokes_the_old_key() {
    let dir = scratch("rotate");
    let secret_file = dir.join("new-key.json");
    let state_file = dir.join("rotation.json");
    let output = common::run_example(
        "rotate",
        &[
            "--demo",
            "--secret-file",
            secret_file.to_str().unwrap(),
            "--state",
            state_file.to_str().unwrap(),
        ],
        &[],
        None,
    );
    assert_eq!(code(&output), 0, "{}", text(&output));
    assert!(text(&output).contains("done:"), "{}", text(&output));
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&secret_file).unwrap()).unwrap();
    let secret = stored["secret"].as_str().unwrap();
    assert!(!secret.is_empty());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "only the owner reads the new secret");
    }
    let state = std::fs::read_to_string(&state_file).unwrap();
    assert!(state.contains("\"completed\""), "{state}");
    assert!(!state.contains(secret), "the state file holds no secret");
    assert!(!text(&output).contains(secret), "the secret is not printed");

    // A second run into the same file refuses to overwrite it, and keeps the old key.
    let output = common::run_example(
        "rotate",
        &["--demo", "--secret-file", secret_file.to_str().unwrap()],
        &[],
        None,
    );
    assert_eq!(code(&output), 1, "{}", text(&output));
    assert!(
        text(&output).contains("never overwritten"),
        "{}",
        text(&output)
    );
    assert!(
        text(&output).contains("revoked the unstored new key"),
        "{}",
        text(&output)
    );
}

#[test]
fn rotate_without_a_store_is_a_usage_error() {
    let output = common::run_example("rotate", &["--demo"], &[], None);
    assert_eq!(code(&output), 2);
    assert!(text(&output).contains("--secret-file"), "{}", text(&output));
    let output = common::run_example("rotate", &["--help"], &[], None);
    assert_eq!(code(&output), 0);
    assert!(text(&output).contains("Exit status"));
    assert!(text(&output).contains("--old-passphrase-env"));
}

#[test]
fn an_old_passphrase_comes_only_from_a_variable_that_is_set() {
    let dir = scratch("passphrase");
    let secret_file = dir.join("new-key.json");
    let secret_file = secret_file.to_str().unwrap();
    let args = [
        "--demo",
        "--secret-file",
        secret_file,
        "--old-passphrase-env",
        "EXCHANGE_KEYS_TEST_UNSET_PASSPHRASE",
    ];
    let output = common::run_example("rotate", &args, &[], None);
    assert_eq!(code(&output), 2, "{}", text(&output));
    assert!(
        text(&output).contains("`EXCHANGE_KEYS_TEST_UNSET_PASSPHRASE` is not set"),
        "{}",
        text(&output)
    );
    assert!(
        !std::path::Path::new(secret_file).exists(),
        "nothing was created"
    );
    // Set, it is used and never shown.
    let env = [(
        "EXCHANGE_KEYS_TEST_UNSET_PASSPHRASE",
        "Pq7-old-passphrase-kept-private",
    )];
    let output = common::run_example("rotate", &args, &env, None);
    assert_eq!(code(&output), 0, "{}", text(&output));
    assert!(
        !text(&output).contains("Pq7-old-passphrase"),
        "{}",
        text(&output)
    );
}

#[test]
fn revoke_demo_plans_without_revoking_and_executes_only_on_the_exact_phrase() {
    let output = common::run_example("revoke", &["--demo"], &[], None);
    assert_eq!(code(&output), 0, "{}", text(&output));
    let plan = text(&output);
    assert!(plan.contains("Nothing was revoked"), "{plan}");
    assert!(
        plan.contains("by hand") && plan.contains("binance.com"),
        "{plan}"
    );

    // A wrong phrase on standard input: nothing revoked, exit 2.
    let output = common::run_example("revoke", &["--demo", "--execute"], &[], Some("yes\n"));
    assert_eq!(code(&output), 2, "{}", text(&output));
    assert!(
        text(&output).contains("nothing was revoked"),
        "{}",
        text(&output)
    );

    // The phrase the plan asks for, as the refusal names it.
    let refused = text(&output);
    let start =
        refused.find("type exactly `").expect("the phrase is named") + "type exactly `".len();
    let end = refused[start..].find('`').unwrap() + start;
    let phrase = refused[start..end].to_owned();
    assert!(
        phrase.starts_with("revoke ") && phrase.contains("bybit"),
        "{phrase}"
    );
    let output = common::run_example(
        "revoke",
        &["--demo", "--execute"],
        &[],
        Some(&format!("{phrase}\n")),
    );
    assert_eq!(code(&output), 0, "{}", text(&output));
    let report = text(&output);
    assert!(
        report.contains("REVOKED") && report.contains("BY HAND"),
        "{report}"
    );
    let output = common::run_example(
        "revoke",
        &["--demo", "--execute", "--confirm", &phrase],
        &[],
        None,
    );
    assert_eq!(code(&output), 0, "unattended: {}", text(&output));
}

//! The audit's config file: what a valid file parses to, where each invalid one is said to be
//! wrong, how sources resolve, and that no secret ever shows in an error or a `Debug`.
//!
//! Fixtures: `tests/fixtures/audit-config/` (its README says what each file is).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use exchange_keys::audit::config::{AccountConfig, Config, ConfigError, SecretSource};
use exchange_keys::audit::{Audit, Outcome, Policy, RuleId, SecretStorage, Severity};
use exchange_keys::{CredentialForm, ExchangeId, KeyInfo, Permission};
use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};

const FIXTURES: &str = "tests/fixtures/audit-config";
/// Planted in the leak fixtures; must never come back.
const MARKERS: [&str; 3] = ["Xq9-LEAKED-SECRET-7Hh", "LEAKED", "8675309042"];

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(FIXTURES).join(name)
}

fn error_of(name: &str) -> ConfigError {
    match Config::from_path(fixture(name)) {
        Ok(config) => panic!("{name} parsed: {config:?}"),
        Err(error) => error,
    }
}

fn plaintext(value: &str) -> SecretSource {
    SecretSource::Plaintext(SecretString::from(value.to_owned()))
}

fn net(text: &str) -> IpNet {
    text.parse().unwrap()
}

#[test]
fn complete_config_parses_to_the_expected_config() {
    let config = Config::from_path(fixture("complete.toml")).unwrap();

    let mut policy = Policy::read_only();
    policy.name = "platform-intake".to_owned();
    policy.needs = Some(BTreeSet::from([
        Permission::Read,
        Permission::SpotTrade,
        Permission::Other("ENABLE_FIX_API".to_owned()),
    ]));
    policy.allowed_networks = Some(vec![
        net("203.0.113.0/24"),
        net("2001:db8::/48"),
        net("198.51.100.7/32"),
    ]);
    policy.allowed_apps = vec!["3Commas".to_owned()];
    policy.max_age_days = 60;
    policy.expiry_warning_days = 10;
    policy.max_unused_days = 30;
    policy.generic_labels = vec!["api".to_owned(), "bot".to_owned()];
    // The preset's own change stays; the file's are added.
    policy.severity = BTreeMap::from([
        (RuleId::NoIpRestriction, Severity::Medium),
        (RuleId::KeyTooOld, Severity::High),
        (RuleId::GenericLabel, Severity::Info),
    ]);
    policy.ignore = BTreeSet::from([RuleId::UndocumentedAnswer, RuleId::Unused]);
    assert_eq!(config.policy, policy);

    let expected = [
        AccountConfig {
            name: "binance-grid".to_owned(),
            exchange: ExchangeId::Binance,
            application: Some("grid-bot".to_owned()),
            api_key: plaintext("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"),
            secret: SecretSource::Env("BINANCE_GRID_SECRET".to_owned()),
            passphrase: None,
            sandbox: false,
            base_url: None,
        },
        AccountConfig {
            name: "okx-hedge".to_owned(),
            exchange: ExchangeId::Okx,
            application: Some("hedger".to_owned()),
            api_key: SecretSource::Env("OKX_HEDGE_API_KEY".to_owned()),
            secret: SecretSource::Command("pass show exchange/okx-hedge/secret".to_owned()),
            passphrase: Some(SecretSource::Env("OKX_HEDGE_PASSPHRASE".to_owned())),
            sandbox: true,
            base_url: None,
        },
        AccountConfig {
            name: "bybit-literal".to_owned(),
            exchange: ExchangeId::Bybit,
            application: None,
            api_key: plaintext("bybit-public-key"),
            secret: plaintext("Pl41nT3xt-Secret-Bybit"),
            passphrase: None,
            sandbox: false,
            base_url: Some("https://api.bytick.com".to_owned()),
        },
        AccountConfig {
            name: "okx-table-plaintext".to_owned(),
            exchange: ExchangeId::Okx,
            application: None,
            api_key: plaintext("okx-public-key"),
            secret: plaintext("Pl41nT3xt-Secret-Okx"),
            passphrase: Some(plaintext("Pl41nT3xt-Passphrase-Okx")),
            sandbox: false,
            base_url: Some("http://127.0.0.1:8080".to_owned()),
        },
        AccountConfig {
            name: "coinbase-treasury".to_owned(),
            exchange: ExchangeId::Coinbase,
            application: Some("treasury-report".to_owned()),
            api_key: plaintext("organizations/o/apiKeys/k"),
            secret: SecretSource::Command("op read op://vault/coinbase/private-key".to_owned()),
            passphrase: None,
            sandbox: false,
            base_url: None,
        },
    ];
    assert_eq!(config.accounts.len(), expected.len());
    for (got, want) in config.accounts.iter().zip(&expected) {
        assert_eq!(got.name, want.name);
        assert_eq!(got.exchange, want.exchange, "{}", want.name);
        assert_eq!(got.application, want.application, "{}", want.name);
        assert_eq!(got.api_key, want.api_key, "{}", want.name);
        assert_eq!(got.secret, want.secret, "{}", want.name);
        assert_eq!(got.passphrase, want.passphrase, "{}", want.name);
        assert_eq!(got.sandbox, want.sandbox, "{}", want.name);
        assert_eq!(got.base_url, want.base_url, "{}", want.name);
    }

    let debug = format!("{config:?}");
    assert!(!debug.contains("Pl41nT3xt"), "{debug}");
    assert!(debug.contains("[redacted]"), "{debug}");
}

#[test]
fn the_documented_example_parses() {
    let config = Config::from_path("examples/keyaudit.toml").unwrap();
    assert_eq!(config.policy.name, "bots-fra-1");
    assert_eq!(
        config.policy.needs,
        Some(BTreeSet::from([
            Permission::Read,
            Permission::SpotTrade,
            Permission::FuturesTrade
        ]))
    );
    assert_eq!(config.policy.severity_of(RuleId::KeyTooOld), Severity::High);
    let names: Vec<&str> = config.accounts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "binance-grid",
            "okx-hedge",
            "coinbase-treasury",
            "bybit-market-maker"
        ]
    );
    // The example users copy keeps every secret out of the file.
    for account in &config.accounts {
        assert_ne!(account.secret.storage(), SecretStorage::Plaintext);
        if let Some(passphrase) = &account.passphrase {
            assert_ne!(passphrase.storage(), SecretStorage::Plaintext);
        }
    }
}

/// An invalid fixture and what its error must say.
struct Invalid {
    file: &'static str,
    line: Option<usize>,
    field: Option<&'static str>,
    /// Words the message must hold.
    words: &'static [&'static str],
}

const INVALID: &[Invalid] = &[
    Invalid {
        file: "syntax-error.toml",
        line: Some(6),
        field: None,
        words: &["invalid TOML"],
    },
    Invalid {
        file: "unknown-top-level-key.toml",
        line: Some(1),
        field: Some("polcy"),
        words: &["unknown field `polcy`"],
    },
    Invalid {
        file: "unknown-policy-key.toml",
        line: Some(3),
        field: Some("policy.max_age"),
        words: &["unknown field `max_age`", "max_age_days"],
    },
    Invalid {
        file: "unknown-account-key.toml",
        line: Some(6),
        field: Some("account[0].testnet"),
        words: &["unknown field `testnet`", "sandbox"],
    },
    Invalid {
        file: "unknown-source-key.toml",
        line: Some(5),
        field: Some("account[0].secret.environment"),
        words: &["unknown field `environment`", "`env`"],
    },
    Invalid {
        file: "source-with-two-kinds.toml",
        line: Some(5),
        field: Some("account[0].secret"),
        words: &["only one of"],
    },
    Invalid {
        file: "wrong-type.toml",
        line: Some(2),
        field: Some("policy.max_age_days"),
        words: &["invalid type: string", "u32"],
    },
    Invalid {
        file: "unknown-exchange.toml",
        line: Some(9),
        field: Some("account[1].exchange"),
        words: &[
            "unknown exchange `binanse`",
            "known: binance",
            "did you mean `binance`",
        ],
    },
    // Every id has an adapter in a full build: the case needs Bitstamp's feature off.
    #[cfg(not(feature = "bitstamp"))]
    Invalid {
        file: "unsupported-exchange.toml",
        line: Some(3),
        field: Some("account[0].exchange"),
        words: &["no adapter for Bitstamp", "cargo feature `bitstamp`"],
    },
    Invalid {
        file: "unknown-permission.toml",
        line: Some(2),
        field: Some("policy.needs[1]"),
        words: &["unknown permission `trade`", "spot_trade"],
    },
    Invalid {
        file: "invalid-network.toml",
        line: Some(4),
        field: Some("policy.allowed_networks[1]"),
        words: &["`203.0.113.300/32` is not a network"],
    },
    Invalid {
        file: "network-host-bits.toml",
        line: Some(2),
        field: Some("policy.allowed_networks[0]"),
        words: &["host bits", "203.0.113.0/24", "203.0.113.7/32"],
    },
    Invalid {
        file: "unknown-preset.toml",
        line: Some(2),
        field: Some("policy.preset"),
        words: &["unknown preset `paranoid`", "trading-bot"],
    },
    Invalid {
        file: "unknown-rule-in-severity.toml",
        line: Some(3),
        field: Some("policy.severity.no-ip-restrictions"),
        words: &["unknown rule `no-ip-restrictions`", "no-ip-restriction,"],
    },
    Invalid {
        file: "unknown-rule-in-ignore.toml",
        line: Some(2),
        field: Some("policy.ignore[1]"),
        words: &["unknown rule `stale`"],
    },
    Invalid {
        file: "unknown-severity.toml",
        line: Some(2),
        field: Some("policy.severity.key-too-old"),
        words: &["unknown severity `urgent`", "critical"],
    },
    Invalid {
        file: "duplicate-account-name.toml",
        line: Some(8),
        field: Some("account[1].name"),
        words: &["duplicate account name `grid`", "account[0]"],
    },
    Invalid {
        file: "no-accounts.toml",
        line: None,
        field: Some("account"),
        words: &["no accounts", "[[account]]"],
    },
    Invalid {
        file: "empty-account-list.toml",
        line: Some(1),
        field: Some("account"),
        words: &["no accounts"],
    },
    Invalid {
        file: "single-bracket-account.toml",
        line: Some(1),
        field: Some("account"),
        words: &["[[account]]"],
    },
    Invalid {
        file: "missing-name.toml",
        line: Some(1),
        field: Some("account[0].name"),
        words: &["`name` is missing"],
    },
    Invalid {
        file: "missing-exchange.toml",
        line: Some(1),
        field: Some("account[0].exchange"),
        words: &["`exchange` is missing"],
    },
    Invalid {
        file: "missing-api-key.toml",
        line: Some(1),
        field: Some("account[0].api_key"),
        words: &["`api_key` is missing"],
    },
    Invalid {
        file: "missing-secret.toml",
        line: Some(1),
        field: Some("account[0].secret"),
        words: &["`secret` is missing"],
    },
    Invalid {
        file: "okx-without-passphrase.toml",
        line: Some(1),
        field: Some("account[0].passphrase"),
        words: &["OKX keys need their passphrase"],
    },
    Invalid {
        file: "passphrase-not-used.toml",
        line: Some(6),
        field: Some("account[0].passphrase"),
        words: &["Binance keys have no passphrase"],
    },
    Invalid {
        file: "base-url-plain-http.toml",
        line: Some(6),
        field: Some("account[0].base_url"),
        words: &["plain http://", "loopback"],
    },
];

#[test]
fn each_invalid_config_names_its_file_line_and_field() {
    for Invalid {
        file: name,
        line,
        field,
        words,
    } in INVALID
    {
        let error = error_of(name);
        let file = fixture(name).display().to_string();
        assert_eq!(error.file, file, "{name}");
        assert_eq!(error.line, *line, "{name}: {error}");
        assert_eq!(error.column.is_some(), line.is_some(), "{name}: {error}");
        assert_eq!(error.field.as_deref(), *field, "{name}: {error}");
        for word in *words {
            assert!(
                error.message.contains(word),
                "{name}: `{word}` not in {error}"
            );
        }
        let text = error.to_string();
        let place = match line {
            Some(line) => format!("{file}:{line}:"),
            None => format!("{file}: "),
        };
        assert!(text.starts_with(&place), "{name}: {text}");
        if let Some(field) = field {
            assert!(text.contains(&format!(": {field}: ")), "{name}: {text}");
        }
    }
}

#[test]
fn display_reads_file_line_column_field_message() {
    let text = "[[account]]\nname = \"a\"\nexchange = \"binanse\"\napi_key = \"k\"\nsecret = { env = \"S\" }\n";
    let error = Config::parse(text, "keyaudit.toml").unwrap_err();
    assert_eq!(
        (error.line, error.column),
        (Some(3), Some(12)),
        "the column of the value"
    );
    assert!(
        error.to_string().starts_with(
            "keyaudit.toml:3:12: account[0].exchange: unknown exchange `binanse` (known: "
        ),
        "{error}"
    );
}

#[test]
fn leak_fixtures_fail_without_showing_the_secret() {
    let cases: &[(&str, usize, Option<&str>)] = &[
        ("leak-same-line.toml", 5, None),
        ("leak-next-line.toml", 6, Some("account[0].sandbox")),
        ("leak-unterminated.toml", 5, None),
        ("leak-inline-table.toml", 5, Some("account[0].secret.note")),
        (
            "leak-numeric-passphrase.toml",
            6,
            Some("account[0].passphrase"),
        ),
        (
            "leak-secret-as-exchange.toml",
            3,
            Some("account[0].exchange"),
        ),
    ];
    for (name, line, field) in cases {
        let error = error_of(name);
        assert_eq!(error.line, Some(*line), "{name}: {error}");
        assert_eq!(error.field.as_deref(), *field, "{name}: {error}");
        for shown in [
            error.to_string(),
            format!("{error:?}"),
            format!("{error:#?}"),
        ] {
            for marker in MARKERS {
                assert!(!shown.contains(marker), "{name} shows `{marker}`: {shown}");
            }
        }
    }
}

#[test]
fn a_secret_in_any_value_of_the_wrong_type_is_not_quoted() {
    let secret = "Xq9-LEAKED-SECRET-7Hh";
    let account = "[[account]]\nname = \"a\"\nexchange = \"binance\"\napi_key = \"k\"\nsecret = { env = \"S\" }\n";
    for (wrong, field) in [
        (
            format!("[policy]\nmax_age_days = \"{secret}\"\n{account}"),
            "policy.max_age_days",
        ),
        (
            format!("[policy]\nallowed_apps = \"{secret}\"\n{account}"),
            "policy.allowed_apps",
        ),
        (
            format!("{account}sandbox = \"{secret}\"\n"),
            "account[0].sandbox",
        ),
        (
            format!("{account}sandbox = \"{secret}, expected {secret}\"\n"),
            "account[0].sandbox",
        ),
        (
            format!("{account}passphrase = {{ command = 8675309042 }}\n"),
            "account[0].passphrase.command",
        ),
        (
            format!("{account}passphrase = {{ plaintext = [\"{secret}\"] }}\n"),
            "account[0].passphrase.plaintext",
        ),
        (
            format!("{account}passphrase = [\"{secret}\"]\n"),
            "account[0].passphrase",
        ),
        (
            format!("{account}passphrase = 86753.09042\n"),
            "account[0].passphrase",
        ),
    ] {
        let error = Config::parse(&wrong, "k.toml").unwrap_err();
        assert_eq!(error.field.as_deref(), Some(field), "{error}");
        let shown = format!("{error} {error:?}");
        for marker in MARKERS {
            assert!(!shown.contains(marker), "shows `{marker}`: {shown}");
        }
    }
}

#[test]
fn variable_names_are_not_scrubbed_as_secrets() {
    // The account's name equals a variable's name: the message still says which name.
    let account = "[[account]]\nname = \"GRID_SECRET\"\nexchange = \"binance\"\napi_key = \"k\"\nsecret = { env = \"GRID_SECRET\" }\n";
    let error = Config::parse(&format!("{account}\n{account}"), "k.toml").unwrap_err();
    assert!(
        error
            .message
            .contains("duplicate account name `GRID_SECRET`"),
        "{error}"
    );
    // A secret equal to an account's name is scrubbed even there: the secret wins.
    let text = "[[account]]\nname = \"same-as-secret\"\nexchange = \"binanse\"\napi_key = \"k\"\nsecret = \"binanse\"\n";
    let error = Config::parse(text, "k.toml").unwrap_err();
    assert!(!error.to_string().contains("binanse"), "{error}");
}

#[test]
fn secret_sources_resolve() {
    let variable = format!("EXCHANGE_KEYS_AUDIT_CONFIG_TEST_{}", std::process::id());
    std::env::set_var(&variable, "from-the-environment");
    let env = SecretSource::Env(variable.clone());
    assert_eq!(
        env.resolve().unwrap().expose_secret(),
        "from-the-environment"
    );
    std::env::remove_var(&variable);
    let error = env.resolve().unwrap_err();
    assert!(
        error.contains(&variable) && error.contains("not set"),
        "{error}"
    );

    let command = SecretSource::Command("echo value".to_owned());
    assert_eq!(command.resolve().unwrap().expose_secret(), "value");
    let error = SecretSource::Command("false".to_owned())
        .resolve()
        .unwrap_err();
    assert!(error.contains("`false`"), "{error}");

    assert_eq!(
        plaintext("in-the-file").resolve().unwrap().expose_secret(),
        "in-the-file"
    );
}

#[test]
fn sources_say_where_they_store() {
    assert_eq!(
        SecretSource::Env("X".to_owned()).storage(),
        SecretStorage::Environment
    );
    assert_eq!(
        SecretSource::Command("pass show x".to_owned()).storage(),
        SecretStorage::Command
    );
    assert_eq!(plaintext("s").storage(), SecretStorage::Plaintext);
}

#[test]
fn debug_of_a_source_shows_no_secret() {
    assert_eq!(
        format!("{:?}", plaintext("Xq9-LEAKED-SECRET-7Hh")),
        "Plaintext([redacted])"
    );
    assert_eq!(
        format!("{:?}", SecretSource::Env("BINANCE_SECRET".to_owned())),
        "Env(\"BINANCE_SECRET\")"
    );
    // A secret pasted into a command's arguments stays out of logs.
    let command = format!(
        "{:?}",
        SecretSource::Command("/usr/bin/pass show Xq9-LEAKED-SECRET-7Hh".to_owned())
    );
    assert_eq!(command, "Command(\"pass …\")");
}

fn one_account(text: &str) -> AccountConfig {
    let mut config = Config::parse(text, "test.toml").unwrap();
    assert_eq!(config.accounts.len(), 1);
    config.accounts.remove(0)
}

#[test]
fn credentials_resolve_every_source() {
    let variable = format!("EXCHANGE_KEYS_AUDIT_CONFIG_KEY_{}", std::process::id());
    std::env::set_var(&variable, " public-key ");
    let account = one_account(&format!(
        "[[account]]\nname = \"okx\"\nexchange = \"okx\"\napi_key = {{ env = \"{variable}\" }}\n\
         secret = {{ command = \"echo the-secret\" }}\npassphrase = \"the-passphrase\"\n"
    ));
    let credentials = account.credentials().unwrap();
    std::env::remove_var(&variable);
    assert_eq!(credentials.form(), CredentialForm::Hmac);
    assert_eq!(credentials.api_key(), "public-key");
    assert_eq!(credentials.secret().expose_secret(), "the-secret");
    assert_eq!(
        credentials.passphrase().map(|p| p.expose_secret()),
        Some("the-passphrase")
    );
    // Built and ready: the OKX adapter refuses credentials without a passphrase.
    assert!(account.builder().credentials(credentials).build().is_ok());
}

#[test]
fn coinbase_accounts_give_cdp_credentials() {
    let account = one_account(
        "[[account]]\nname = \"cb\"\nexchange = \"coinbase\"\napi_key = \"organizations/o/apiKeys/k\"\n\
         secret = \"-----BEGIN EC PRIVATE KEY-----\\\\nMHc\\\\n-----END EC PRIVATE KEY-----\\\\n\"\n",
    );
    let credentials = account.credentials().unwrap();
    assert_eq!(credentials.form(), CredentialForm::CoinbaseCdp);
    assert_eq!(credentials.api_key(), "organizations/o/apiKeys/k");
    assert_eq!(
        credentials.secret().expose_secret(),
        "-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----"
    );
}

#[test]
fn credential_errors_name_the_account_and_the_variable_only() {
    let variable = format!("EXCHANGE_KEYS_AUDIT_CONFIG_UNSET_{}", std::process::id());
    let account = one_account(&format!(
        "[[account]]\nname = \"binance-grid\"\nexchange = \"binance\"\napi_key = \"Xq9-LEAKED-SECRET-7Hh\"\n\
         secret = {{ env = \"{variable}\" }}\n"
    ));
    let error = account.credentials().unwrap_err();
    assert_eq!(
        error.field.as_deref(),
        Some("account `binance-grid`.secret")
    );
    let text = error.to_string();
    assert!(
        text.contains(&variable) && text.contains("not set"),
        "{text}"
    );
    assert!(!text.contains("LEAKED"), "{text}");

    let account = one_account(
        "[[account]]\nname = \"bybit\"\nexchange = \"bybit\"\napi_key = \"k\"\n\
         secret = { command = \"Xq9-LEAKED-SECRET-7Hh pasted here\" }\n",
    );
    let text = account.credentials().unwrap_err().to_string();
    assert!(text.starts_with("account `bybit`.secret: "), "{text}");
    assert!(
        !text.contains("LEAKED") && !text.contains("pasted here"),
        "{text}"
    );
}

#[test]
fn subjects_carry_the_weakest_secret_storage() {
    let variable = format!("EXCHANGE_KEYS_AUDIT_CONFIG_SUBJECT_{}", std::process::id());
    std::env::set_var(&variable, "from-env");
    let base = "exchange = \"okx\"\napi_key = \"okx-public-key\"\n";
    let cases = [
        (
            format!(
                "secret = {{ env = \"{variable}\" }}\npassphrase = {{ env = \"{variable}\" }}\n"
            ),
            SecretStorage::Environment,
            Outcome::Pass,
        ),
        (
            "secret = { command = \"echo s\" }\npassphrase = { command = \"echo p\" }\n".to_owned(),
            SecretStorage::Command,
            Outcome::Pass,
        ),
        (
            format!(
                "secret = {{ command = \"echo s\" }}\npassphrase = {{ env = \"{variable}\" }}\n"
            ),
            SecretStorage::Environment,
            Outcome::Pass,
        ),
        (
            "secret = \"plain\"\npassphrase = { command = \"echo p\" }\n".to_owned(),
            SecretStorage::Plaintext,
            Outcome::Fail,
        ),
        (
            format!(
                "secret = {{ env = \"{variable}\" }}\npassphrase = {{ plaintext = \"plain\" }}\n"
            ),
            SecretStorage::Plaintext,
            Outcome::Fail,
        ),
    ];
    for (sources, storage, outcome) in cases {
        let account = one_account(&format!(
            "[[account]]\nname = \"okx-hedge\"\napplication = \"hedger\"\n{base}{sources}"
        ));
        let credentials = account.credentials().unwrap();
        let mut audit = Audit::new(Policy::default());
        audit.add(
            account.subject(&credentials),
            Ok(KeyInfo::new(ExchangeId::Okx)),
        );
        let report = audit.finish();
        let key = &report.keys[0];
        assert_eq!(key.account, "okx-hedge");
        assert_eq!(key.application.as_deref(), Some("hedger"));
        assert_eq!(key.exchange, ExchangeId::Okx);
        assert_eq!(key.key, credentials.key_hint());
        let finding = key
            .findings
            .iter()
            .find(|f| f.rule == RuleId::PlaintextSecret)
            .expect("the plaintext-secret rule reads the subject's storage");
        assert_eq!(finding.outcome, outcome, "{sources}");
        let evidence = serde_json::to_value(storage).unwrap();
        assert!(
            finding.evidence.iter().any(|e| e.value == evidence),
            "{sources}: {:?}",
            finding.evidence
        );
    }
    std::env::remove_var(&variable);
}

#[test]
fn builders_carry_sandbox_and_base_url() {
    let account = one_account(
        "[[account]]\nname = \"b\"\nexchange = \"bybit\"\napi_key = \"k\"\nsecret = \"s\"\n\
         sandbox = true\nbase_url = \"http://127.0.0.1:9\"\n",
    );
    assert!(account.sandbox);
    let builder = format!("{:?}", account.builder());
    assert!(builder.contains("http://127.0.0.1:9"), "{builder}");
    assert!(builder.contains("Sandbox"), "{builder}");
}

#[test]
fn a_missing_file_is_named() {
    let error = Config::from_path(fixture("no-such-file.toml")).unwrap_err();
    assert_eq!(
        error.file,
        fixture("no-such-file.toml").display().to_string()
    );
    assert_eq!(error.line, None);
    assert!(error.message.contains("cannot read"), "{error}");
}

#[test]
fn every_fixture_is_described_in_the_readme() {
    let readme = std::fs::read_to_string(fixture("README.md")).unwrap();
    for entry in std::fs::read_dir(FIXTURES).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".toml") {
            assert!(
                readme.contains(&format!("`{name}`")),
                "{name} is not in the README"
            );
        }
    }
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Any text gives a config or an error, and an error's line lies within the text.
        #[test]
        fn on_any_text(text in "\\PC{0,200}") {
            if let Err(error) = Config::parse(&text, "any.toml") {
                if let Some(line) = error.line {
                    prop_assert!(line >= 1 && line <= text.split('\n').count().max(1));
                }
            }
        }

        /// A valid file cut anywhere (mid-string, mid-character) gives a config or an error.
        #[test]
        fn on_truncated_fixtures(cut in 0usize..2_000) {
            let text = std::fs::read_to_string(fixture("complete.toml")).unwrap();
            let mut cut = cut.min(text.len());
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            let _ = Config::parse(&text[..cut], "cut.toml");
        }
    }
}

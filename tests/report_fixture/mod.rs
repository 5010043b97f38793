//! A report with something of everything, shared by `report_formats.rs` and `report_schema.rs`:
//! keys inspected through the simulated exchange, a key that cannot be inspected, a key that
//! passes every rule, a key that reports nothing, hostile text in names and labels, and drift
//! since a baseline.

#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use exchange_keys::audit::{Audit, Policy, Report, SecretStorage, Subject};
use exchange_keys::testkit::{Scenario, SimulatedExchange};
use exchange_keys::{
    Credentials, Delegation, ExchangeId, Expiry, Grant, IpEntry, IpRestriction, KeyInfo,
    Permission, Reported,
};
use secrecy::ExposeSecret;

/// Text meant to break every format: markup, both quotes, a comma, a line break, an escape
/// sequence.
pub const HOSTILE: &str = "<script>alert(\"x\")</script>, 'q' \"quoted\"\nnext line \u{1b}[31mred";

pub struct Fixture {
    pub report: Report,
    /// The secrets of every credential used: none may appear in any output.
    pub secrets: Vec<String>,
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap()
}

pub fn policy() -> Policy {
    Policy::trading_bot().allowed_networks(["203.0.113.0/24".parse().unwrap()])
}

fn secrets_of(credentials: &Credentials) -> Vec<String> {
    let mut secrets = vec![credentials.secret().expose_secret().to_owned()];
    if let Some(passphrase) = credentials.passphrase() {
        secrets.push(passphrase.expose_secret().to_owned());
    }
    secrets
}

/// A key that passes every rule of [`policy`], on evidence reported for every field.
pub fn clean_key() -> KeyInfo {
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
    info.trading_expires_at = Reported::NotReported;
    info.last_used_at = Reported::Known(now() - Duration::days(1));
    info.enabled = Reported::Known(true);
    info.delegation = Reported::Known(Delegation::None);
    info
}

/// A key whose label and allowlist carry hostile text.
fn hostile_key() -> KeyInfo {
    let mut info = KeyInfo::new(ExchangeId::Kraken);
    info.label = Reported::Known(HOSTILE.to_owned());
    info.ip_restriction = IpRestriction::AllowList(vec![
        IpEntry::parse("198.51.100.0/24"),
        IpEntry::parse("203.**.154"),
    ]);
    info.permissions.set(Permission::Withdraw, Grant::Granted);
    info
}

async fn inspect(
    exchange: ExchangeId,
    scenario: Scenario,
) -> (Credentials, exchange_keys::Result<KeyInfo>) {
    let sim = SimulatedExchange::start(exchange, scenario).await.unwrap();
    let outcome = sim.adapter().unwrap().key_info().await;
    (sim.credentials(), outcome)
}

async fn audit(binance_scenario: Scenario, with_gone_key: bool) -> (Report, Vec<String>) {
    let mut audit = Audit::new(policy()).at(now());
    let mut secrets = Vec::new();

    let (binance, info) = inspect(ExchangeId::Binance, binance_scenario).await;
    secrets.extend(secrets_of(&binance));
    audit.add(
        Subject::new("main", ExchangeId::Binance)
            .application("grid-bot")
            .credentials(&binance)
            .secret_storage(SecretStorage::Plaintext),
        info,
    );

    let (okx, info) = inspect(ExchangeId::Okx, Scenario::Trading).await;
    secrets.extend(secrets_of(&okx));
    audit.add(
        Subject::new("okx-desk", ExchangeId::Okx)
            .application("market-maker")
            .credentials(&okx)
            .secret_storage(SecretStorage::Environment),
        info,
    );

    let (bybit, error) = inspect(ExchangeId::Bybit, Scenario::InvalidKey).await;
    assert!(
        error.is_err(),
        "the invalid-key scenario fails the inspection"
    );
    secrets.extend(secrets_of(&bybit));
    audit.add(
        Subject::new("broken", ExchangeId::Bybit).credentials(&bybit),
        error,
    );

    // The same Binance key again, for another application: `shared-key` fails for both.
    audit.add(
        Subject::new("main", ExchangeId::Binance)
            .application("tax-export")
            .credentials(&binance),
        Ok(clean_key()),
    );

    let clean = Credentials::new("CLEANKEY0123456789", "clean-secret-never-shown");
    secrets.extend(secrets_of(&clean));
    audit.add(
        Subject::new("clean", ExchangeId::Binance)
            .application("grid-bot@fra-1")
            .credentials(&clean)
            .secret_storage(SecretStorage::Command),
        Ok(clean_key()),
    );

    audit.add(
        Subject::new("silent", ExchangeId::Coinbase),
        Ok(KeyInfo::new(ExchangeId::Coinbase)),
    );

    audit.add(
        Subject::new(format!("acct, {HOSTILE}"), ExchangeId::Kraken).application(HOSTILE),
        Ok(hostile_key()),
    );

    if with_gone_key {
        audit.add(
            Subject::new("retired", ExchangeId::Okx),
            Ok(KeyInfo::new(ExchangeId::Okx)),
        );
    }
    (audit.finish(), secrets)
}

/// The report, compared with a baseline in which the Binance key could only trade, the hostile
/// key had another label and no withdrawal right, and one more key existed.
pub async fn fixture() -> Fixture {
    let (mut baseline, _) = audit(Scenario::Trading, true).await;
    for key in &mut baseline.keys {
        if let Some(info) = key.key_info.as_mut() {
            if info.exchange == ExchangeId::Kraken {
                info.label = Reported::Known("old label".to_owned());
                info.permissions.set(Permission::Withdraw, Grant::Denied);
            }
        }
    }
    let (mut report, secrets) = audit(Scenario::WithdrawEnabled, false).await;
    report.compare_with(&baseline);
    assert!(!report.drift.is_empty(), "the fixture has drift");
    Fixture { report, secrets }
}

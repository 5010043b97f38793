//! The audit's config file: which keys to audit, where each secret comes from, and the
//! [`Policy`] to hold them to (feature `config`).
//!
//! ```no_run
//! use exchange_keys::audit::config::Config;
//! use exchange_keys::audit::Audit;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::from_path("keyaudit.toml")?;
//! let mut audit = Audit::new(config.policy.clone());
//! for account in &config.accounts {
//!     let credentials = account.credentials()?;
//!     let subject = account.subject(&credentials);
//!     let adapter = account.builder().credentials(credentials).build()?;
//!     audit.add(subject, adapter.key_info().await);
//! }
//! let report = audit.finish();
//! # let _ = report;
//! # Ok(())
//! # }
//! ```
//!
//! # The format
//!
//! A TOML file with one optional `[policy]` table and one `[[account]]` table per key.
//!
//! **`[policy]`** starts from a preset and overrides what it names; every key is optional.
//!
//! | key | meaning |
//! |---|---|
//! | `preset` | `default` (every rule, nothing declared), `read-only` or `trading-bot`; default `default` |
//! | `name` | the policy's name in reports; default: the preset's |
//! | `needs` | the permissions the applications need: `read`, `spot_trade`, `margin_trade`, `futures_trade`, `options_trade`, `withdraw`, `internal_transfer`, `universal_transfer`, `sub_account_management`, `key_management`, `payment`, or `other:<vendor name>` |
//! | `allowed_networks` | the networks a key's allowlist may hold: `203.0.113.0/24`, `2001:db8::/48`, or single addresses; a list admitting every address (`0.0.0.0/0`, `::/0`, …) is refused |
//! | `allowed_apps` | third-party applications trusted with a key, by the name the exchange gives |
//! | `max_age_days`, `expiry_warning_days`, `max_unused_days` | thresholds of the `key-too-old`, `expires-soon` and `unused` rules |
//! | `generic_labels` | labels that say nothing about a key's use (replaces the built-in list) |
//! | `severity` | a table of rule id → `info`, `low`, `medium`, `high` or `critical`, added to the preset's |
//! | `ignore` | rule ids not evaluated at all, added to the preset's |
//!
//! **`[[account]]`**, one per key:
//!
//! | key | meaning |
//! |---|---|
//! | `name` | required, unique: how reports and errors name the account |
//! | `exchange` | required: an exchange id this build has an adapter for (`binance`, `okx`, …) |
//! | `application` | the application that uses the key (for the `shared-key` rule) |
//! | `api_key` | required: the public key, as a string or a source table; for `coinbase`, the CDP key's name |
//! | `secret` | required: the secret's source; for `coinbase`, the CDP private key (PEM) |
//! | `passphrase` | the passphrase's source: required for OKX (and KuCoin, Bitget), refused elsewhere |
//! | `sandbox` | `true` selects the exchange's testnet or demo environment |
//! | `base_url` | another host for the exchange's API: `https://`, or `http://` to a loopback address |
//!
//! A source is one of `{ env = "VARIABLE" }` (an environment variable), `{ command = "pass show
//! exchange/binance" }` (a command printing the secret, split on whitespace and run without a
//! shell, within a time and size limit), or the value itself, `"…"` or `{ plaintext = "…" }`.
//! A secret written in the file works, and is reported by the `plaintext-secret` rule.
//!
//! Errors name the file, the line and column, and the field (`account[1].exchange`, counting
//! accounts from 0 in the order written), and never repeat a secret. Reading a config does not
//! read any secret: [`AccountConfig::credentials`] does, when the caller asks.
//!
//! # A complete example
//!
//! The file `examples/keyaudit.toml`:
//!
//! ```toml
#![doc = include_str!("../../../examples/keyaudit.toml")]
//! ```

use std::fmt;
use std::path::Path;

use secrecy::{ExposeSecret, SecretString};

use super::policy::Policy;
use super::report::{SecretStorage, Subject};
use crate::credentials::{read_secret_from_command, Credentials};
use crate::exchanges::AdapterBuilder;
use crate::id::ExchangeId;

mod build;
mod raw;

/// Where a value of the config comes from: an environment variable, a command's output, or
/// the file itself.
///
/// `Debug` shows the variable's name, the command's program (not its arguments), and nothing
/// of a plaintext value. Two plaintext sources are equal when their values are.
#[derive(Clone)]
pub enum SecretSource {
    /// The environment variable of this name.
    Env(String),
    /// What this command prints (split on whitespace, run without a shell): `pass show
    /// exchange/binance`, `op read op://vault/binance/secret`.
    Command(String),
    /// The value itself, written in the config file.
    Plaintext(SecretString),
}

impl SecretSource {
    /// Where the value is stored, for the `plaintext-secret` rule.
    pub fn storage(&self) -> SecretStorage {
        match self {
            SecretSource::Env(_) => SecretStorage::Environment,
            SecretSource::Command(_) => SecretStorage::Command,
            SecretSource::Plaintext(_) => SecretStorage::Plaintext,
        }
    }

    /// Reads the value: the variable, the command's output (see
    /// [`read_secret_from_command`]), or the plaintext.
    ///
    /// The error names the variable or the command's program, never a value or the command's
    /// output.
    pub fn resolve(&self) -> Result<SecretString, String> {
        match self {
            SecretSource::Env(name) => match std::env::var(name) {
                Ok(value) if value.is_empty() => {
                    Err(format!("environment variable `{name}` is empty"))
                }
                Ok(value) => Ok(SecretString::from(value)),
                Err(std::env::VarError::NotPresent) => {
                    Err(format!("environment variable `{name}` is not set"))
                }
                Err(std::env::VarError::NotUnicode(_)) => {
                    Err(format!("environment variable `{name}` is not valid UTF-8"))
                }
            },
            SecretSource::Command(command) => read_secret_from_command(command)
                .map_err(|why| format!("the command failed: {why}")),
            SecretSource::Plaintext(value) => Ok(value.clone()),
        }
    }
}

impl PartialEq for SecretSource {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (SecretSource::Env(a), SecretSource::Env(b)) => a == b,
            (SecretSource::Command(a), SecretSource::Command(b)) => a == b,
            (SecretSource::Plaintext(a), SecretSource::Plaintext(b)) => {
                a.expose_secret() == b.expose_secret()
            }
            _ => false,
        }
    }
}

impl fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::Env(name) => f.debug_tuple("Env").field(name).finish(),
            // A secret pasted where the command belongs must not come back in a log line, so
            // only the program's file name is shown, as `read_secret_from_command` does.
            SecretSource::Command(command) => {
                let mut words = command.split_whitespace();
                let program = words.next().map(program_name).unwrap_or_default();
                let shown = if words.next().is_some() {
                    format!("{program} …")
                } else {
                    program.to_owned()
                };
                f.debug_tuple("Command").field(&shown).finish()
            }
            SecretSource::Plaintext(_) => f.write_str("Plaintext([redacted])"),
        }
    }
}

/// The file name of a program, without its directory.
fn program_name(program: &str) -> &str {
    Path::new(program)
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("")
}

/// One `[[account]]`: a key on an exchange and where its secrets come from.
#[derive(Clone, Debug)]
pub struct AccountConfig {
    /// The account's name, unique in the file.
    pub name: String,
    /// The exchange; this build has an adapter for it.
    pub exchange: ExchangeId,
    /// The application that uses the key.
    pub application: Option<String>,
    /// The public key (for Coinbase, the CDP key's name).
    pub api_key: SecretSource,
    /// The secret (for Coinbase, the CDP private key).
    pub secret: SecretSource,
    /// The passphrase (OKX, KuCoin, Bitget).
    pub passphrase: Option<SecretSource>,
    /// Whether to use the exchange's sandbox (testnet or demo).
    pub sandbox: bool,
    /// Another host for the exchange's API.
    pub base_url: Option<String>,
}

impl AccountConfig {
    /// Resolves the sources into credentials. Errors name the account and the source (variable
    /// name / program name), never a secret value.
    pub fn credentials(&self) -> Result<Credentials, ConfigError> {
        let read = |field: &str, source: &SecretSource| {
            source.resolve().map_err(|why| ConfigError {
                file: String::new(),
                line: None,
                column: None,
                field: Some(format!("account `{}`.{field}", self.name)),
                message: why,
            })
        };
        let api_key = read("api_key", &self.api_key)?;
        let secret = read("secret", &self.secret)?;
        // As `Credentials::from_env` does: a Coinbase key is a CDP key, its secret a private key.
        if self.exchange == ExchangeId::Coinbase {
            return Ok(Credentials::coinbase_cdp(
                api_key.expose_secret().to_owned(),
                secret,
            ));
        }
        let mut credentials = Credentials::new(api_key.expose_secret().trim(), secret);
        if let Some(passphrase) = &self.passphrase {
            credentials = credentials.with_passphrase(read("passphrase", passphrase)?);
        }
        Ok(credentials)
    }

    /// The audit subject: account name, exchange, application, credentials hint/fingerprint,
    /// secret storage (the weakest storage among secret and passphrase).
    pub fn subject(&self, credentials: &Credentials) -> Subject {
        let weakest = std::iter::once(&self.secret)
            .chain(&self.passphrase)
            .map(SecretSource::storage)
            .min_by_key(|storage| strength(*storage))
            .unwrap_or(SecretStorage::Plaintext);
        let subject = Subject::new(self.name.clone(), self.exchange)
            .credentials(credentials)
            .secret_storage(weakest);
        match &self.application {
            Some(application) => subject.application(application.clone()),
            None => subject,
        }
    }

    /// A builder for this account's adapter: exchange builder + sandbox + base_url
    /// (credentials given separately by the caller).
    pub fn builder(&self) -> AdapterBuilder {
        let builder = self.exchange.builder().testnet(self.sandbox);
        match &self.base_url {
            Some(url) => builder.base_url(url.clone()),
            None => builder,
        }
    }
}

/// How hard a storage is to read for someone who should not: the file is read by whoever reads
/// the file, the environment by the process's user (and its children), a password manager asks
/// for more.
fn strength(storage: SecretStorage) -> u8 {
    match storage {
        SecretStorage::Plaintext => 0,
        SecretStorage::Environment => 1,
        SecretStorage::Command => 2,
    }
}

/// The audit's configuration: the policy and the accounts, in the order written.
#[derive(Clone, Debug)]
pub struct Config {
    /// The policy: the preset with the file's overrides.
    pub policy: Policy,
    /// Every account, at least one.
    pub accounts: Vec<AccountConfig>,
}

impl Config {
    /// Reads and checks the config file at `path`; errors name it as given.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: origin.clone(),
            line: None,
            column: None,
            field: None,
            message: format!("cannot read the file: {e}"),
        })?;
        Config::parse(&text, &origin)
    }

    /// Reads and checks a config given as text; `origin` names the text in errors (a file
    /// name).
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        build::parse(text, origin)
    }
}

/// What is wrong with a config, and where: `keyaudit.toml:12:5: account[1].exchange: unknown
/// exchange `binanse` (known: …)`.
///
/// Never holds a secret: messages are written from what was expected, not from what the file
/// holds where a secret may be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file (the `origin` given to [`Config::parse`]); empty for an error resolving an
    /// account's secrets, which names the account in `field`.
    pub file: String,
    /// The line, from 1.
    pub line: Option<usize>,
    /// The column, from 1, in characters.
    pub column: Option<usize>,
    /// The field: `policy.max_age_days`, `account[1].exchange` (accounts counted from 0).
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.file.is_empty() {
            f.write_str(&self.file)?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
                if let Some(column) = self.column {
                    write!(f, ":{column}")?;
                }
            }
            f.write_str(": ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

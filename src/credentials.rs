//! API credentials, kept in [`secrecy`] types so they never print.
//!
//! # Environment variables
//!
//! [`Credentials::from_env`] reads, for an exchange whose id upper-cased with `-` turned into
//! `_` gives `PREFIX` (`binance` → `BINANCE`, `kraken-futures` → `KRAKEN_FUTURES`):
//!
//! | variable | meaning |
//! |---|---|
//! | `PREFIX_API_KEY` | the public API key (required) |
//! | `PREFIX_API_SECRET` | the secret |
//! | `PREFIX_API_SECRET_COMMAND` | instead of the secret: a command printing it, e.g. `pass show exchange/binance` or `op read op://vault/binance/secret` (split on whitespace, run without a shell) |
//! | `PREFIX_API_PASSPHRASE` | the passphrase (OKX, KuCoin, Bitget) |
//! | `PREFIX_API_PASSPHRASE_COMMAND` | instead of the passphrase: a command printing it |

use std::fmt;
use std::process::{Command, Stdio};

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};
use crate::exchanges::ExchangeId;

/// An API key with its secret and, for the exchanges that use one, its passphrase.
///
/// `Debug` shows the first characters of the public key and nothing of the secret or passphrase.
#[derive(Clone)]
pub struct Credentials {
    api_key: String,
    secret: SecretString,
    passphrase: Option<SecretString>,
}

impl Credentials {
    /// Credentials from a public key and its secret.
    pub fn new(api_key: impl Into<String>, secret: impl Into<SecretString>) -> Self {
        Credentials {
            api_key: api_key.into(),
            secret: secret.into(),
            passphrase: None,
        }
    }

    /// Adds the passphrase (OKX, KuCoin, Bitget).
    pub fn with_passphrase(mut self, passphrase: impl Into<SecretString>) -> Self {
        self.passphrase = Some(passphrase.into());
        self
    }

    /// Reads the credentials of `exchange` from the environment (see the module docs).
    ///
    /// The error names the missing variables, never their values.
    pub fn from_env(exchange: ExchangeId) -> Result<Self> {
        Self::from_lookup(exchange, |name| std::env::var(name).ok())
    }

    /// Like [`Credentials::from_env`], but reading variables through `lookup` (for tests and
    /// for configuration sources other than the process environment).
    pub fn from_lookup(
        exchange: ExchangeId,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let prefix = exchange.env_prefix();
        let key_var = format!("{prefix}_API_KEY");
        let api_key = lookup(&key_var)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| Error::config(exchange, format!("{key_var} is not set")))?;
        let secret =
            secret_from(exchange, &lookup, &format!("{prefix}_API_SECRET"))?.ok_or_else(|| {
                Error::config(
                    exchange,
                    format!("neither {prefix}_API_SECRET nor {prefix}_API_SECRET_COMMAND is set"),
                )
            })?;
        let mut credentials = Credentials::new(api_key.trim(), secret);
        if let Some(passphrase) =
            secret_from(exchange, &lookup, &format!("{prefix}_API_PASSPHRASE"))?
        {
            credentials = credentials.with_passphrase(passphrase);
        }
        Ok(credentials)
    }

    /// Whether the environment holds at least the public key for `exchange`.
    pub fn env_has_key(exchange: ExchangeId) -> bool {
        std::env::var_os(format!("{}_API_KEY", exchange.env_prefix())).is_some()
    }

    /// The public API key.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// A short, non-identifying hint of the public key for logs and reports: its first four
    /// characters and its length.
    pub fn key_hint(&self) -> String {
        key_hint(&self.api_key)
    }

    /// The secret. Exposing it is explicit, as `secrecy` intends.
    pub fn secret(&self) -> &SecretString {
        &self.secret
    }

    /// The passphrase, if any.
    pub fn passphrase(&self) -> Option<&SecretString> {
        self.passphrase.as_ref()
    }

    /// Every secret string held, for scrubbing them out of evidence.
    pub(crate) fn secret_values(&self) -> Vec<&str> {
        let mut values = vec![self.secret.expose_secret()];
        if let Some(p) = &self.passphrase {
            values.push(p.expose_secret());
        }
        values.retain(|v| !v.is_empty());
        values
    }
}

/// The first four characters of a public key and its length, e.g. `vmPU…(64)`.
pub fn key_hint(api_key: &str) -> String {
    let head: String = api_key.chars().take(4).collect();
    format!("{head}…({})", api_key.chars().count())
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("api_key", &self.key_hint())
            .field("secret", &"[redacted]")
            .field(
                "passphrase",
                &self.passphrase.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

fn secret_from(
    exchange: ExchangeId,
    lookup: &impl Fn(&str) -> Option<String>,
    var: &str,
) -> Result<Option<SecretString>> {
    if let Some(value) = lookup(var).filter(|v| !v.is_empty()) {
        return Ok(Some(SecretString::from(value)));
    }
    let command_var = format!("{var}_COMMAND");
    match lookup(&command_var).filter(|v| !v.trim().is_empty()) {
        Some(command) => read_secret_from_command(&command)
            .map(Some)
            .map_err(|why| Error::config(exchange, format!("{command_var}: {why}"))),
        None => Ok(None),
    }
}

/// Runs `command_line` (split on whitespace, no shell) and returns its standard output, less
/// the trailing newline, as a secret. Its standard error is not captured, so a password
/// manager's prompt still reaches the terminal.
pub fn read_secret_from_command(command_line: &str) -> std::result::Result<SecretString, String> {
    let mut words = command_line.split_whitespace();
    let program = words.next().ok_or("empty command")?;
    let output = Command::new(program)
        .args(words)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not run `{program}`: {e}"))?;
    if !output.status.success() {
        return Err(format!("`{program}` exited with {}", output.status));
    }
    let text = String::from_utf8(output.stdout)
        .map_err(|_| format!("`{program}` printed something that is not UTF-8"))?;
    let secret = text.trim_end_matches(['\r', '\n']).to_owned();
    if secret.is_empty() {
        return Err(format!("`{program}` printed nothing"));
    }
    Ok(SecretString::from(secret))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn debug_never_shows_secret_or_passphrase() {
        let c = Credentials::new("AKIDPUBLICKEY", "s3cr3t-value").with_passphrase("pass-phrase-1");
        let text = format!("{c:?}");
        assert!(!text.contains("s3cr3t-value"), "{text}");
        assert!(!text.contains("pass-phrase-1"), "{text}");
        assert!(!text.contains("AKIDPUBLICKEY"), "{text}");
        assert!(text.contains("AKID…(13)"), "{text}");
    }

    #[test]
    fn env_convention_uses_prefix_and_optional_passphrase() {
        let c = Credentials::from_lookup(
            ExchangeId::Okx,
            lookup(&[
                ("OKX_API_KEY", "k"),
                ("OKX_API_SECRET", "s"),
                ("OKX_API_PASSPHRASE", "p"),
            ]),
        )
        .unwrap();
        assert_eq!(c.api_key(), "k");
        assert_eq!(c.secret().expose_secret(), "s");
        assert_eq!(c.passphrase().unwrap().expose_secret(), "p");
    }

    #[test]
    fn missing_variables_are_named_not_valued() {
        let err =
            Credentials::from_lookup(ExchangeId::Binance, lookup(&[("BINANCE_API_KEY", "k")]))
                .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("BINANCE_API_SECRET"), "{text}");
        let err = Credentials::from_lookup(ExchangeId::Binance, lookup(&[])).unwrap_err();
        assert!(err.to_string().contains("BINANCE_API_KEY is not set"));
    }

    #[test]
    fn secret_can_come_from_a_command() {
        let c = Credentials::from_lookup(
            ExchangeId::Bybit,
            lookup(&[
                ("BYBIT_API_KEY", "k"),
                ("BYBIT_API_SECRET_COMMAND", "echo from-command"),
            ]),
        )
        .unwrap();
        assert_eq!(c.secret().expose_secret(), "from-command");
    }

    #[test]
    fn failing_command_is_a_config_error_without_output() {
        let err = Credentials::from_lookup(
            ExchangeId::Bybit,
            lookup(&[
                ("BYBIT_API_KEY", "k"),
                ("BYBIT_API_SECRET_COMMAND", "false"),
            ]),
        )
        .unwrap_err();
        assert!(matches!(err, Error::Config { .. }));
        assert!(err.to_string().contains("BYBIT_API_SECRET_COMMAND"));
    }
}

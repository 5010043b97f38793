//! API credentials, kept in [`secrecy`] types so they never print.
//!
//! # Environment variables
//!
//! [`Credentials::from_env`] reads, for an exchange whose id upper-cased with `-` turned into
//! `_` gives `PREFIX` (`binance` → `BINANCE`, `kraken-futures` → `KRAKEN_FUTURES`):
//!
//! | variable | meaning |
//! |---|---|
//! | `PREFIX_API_KEY` | the public API key (required); for Coinbase, the CDP key's name |
//! | `PREFIX_API_SECRET` | the secret; for Coinbase, the CDP private key (PEM, `\n` escapes allowed) |
//! | `PREFIX_API_SECRET_COMMAND` | instead of the secret: a command printing it, e.g. `pass show exchange/binance` or `op read op://vault/binance/secret` (split on whitespace, run without a shell) |
//! | `PREFIX_API_PASSPHRASE` | the passphrase (OKX, KuCoin, Bitget) |
//! | `PREFIX_API_PASSPHRASE_COMMAND` | instead of the passphrase: a command printing it |

use std::fmt;
use std::process::{Command, Stdio};

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};
use crate::id::ExchangeId;

/// Which kind of key the credentials hold.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CredentialForm {
    /// A public key and a shared secret keying an HMAC, with an optional passphrase: most
    /// exchanges. Kraken's secret is base64, decoded and checked when the adapter is built.
    Hmac,
    /// A Coinbase CDP API key: the key's name (`organizations/…/apiKeys/…`) and its private
    /// key, a PEM EC P-256 key (ES256) or a base64 Ed25519 key. Each request carries a fresh
    /// JWT signed with it.
    CoinbaseCdp,
}

/// An API key with its secret and, for the exchanges that use one, its passphrase; or a
/// Coinbase CDP key ([`Credentials::coinbase_cdp`]).
///
/// `Debug` shows the first characters of the public key and nothing of the secret or passphrase.
#[derive(Clone)]
pub struct Credentials {
    form: CredentialForm,
    api_key: String,
    secret: SecretString,
    passphrase: Option<SecretString>,
}

impl Credentials {
    /// Credentials from a public key and its secret ([`CredentialForm::Hmac`]).
    pub fn new(api_key: impl Into<String>, secret: impl Into<SecretString>) -> Self {
        Credentials {
            form: CredentialForm::Hmac,
            api_key: api_key.into(),
            secret: secret.into(),
            passphrase: None,
        }
    }

    /// A Coinbase CDP key: its name and its private key, PEM (`-----BEGIN EC PRIVATE
    /// KEY-----`, newlines as sent or escaped as `\n`, as in environment variables) or a base64
    /// Ed25519 key. Parsed and checked when the adapter is built.
    pub fn coinbase_cdp(key_name: impl Into<String>, private_key: impl Into<SecretString>) -> Self {
        let private_key: SecretString = private_key.into();
        let unescaped = private_key
            .expose_secret()
            .replace("\\n", "\n")
            .trim()
            .to_owned();
        Credentials {
            form: CredentialForm::CoinbaseCdp,
            api_key: key_name.into().trim().to_owned(),
            secret: SecretString::from(unescaped),
            passphrase: None,
        }
    }

    /// Which kind of key this is.
    pub fn form(&self) -> CredentialForm {
        self.form
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
        if exchange == ExchangeId::Coinbase {
            return Ok(Credentials::coinbase_cdp(api_key, secret));
        }
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
            .field("form", &self.form)
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

/// Limits on a command that prints a secret ([`read_secret_from_command_with`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandLimits {
    /// How long the command may run; it is stopped after that. A password manager that asks
    /// for a fingerprint or a master password needs a person: the default is 60 s.
    pub timeout: std::time::Duration,
    /// The most it may print; a secret is short, so more means the wrong command. Default
    /// 64 KiB.
    pub max_bytes: usize,
}

impl Default for CommandLimits {
    fn default() -> Self {
        CommandLimits {
            timeout: std::time::Duration::from_secs(60),
            max_bytes: 64 * 1024,
        }
    }
}

/// Runs `command_line` (split on whitespace, no shell) and returns its standard output, less
/// the trailing newline, as a secret, within the default [`CommandLimits`]. Its standard error
/// is not captured, so a password manager's prompt still reaches the terminal.
///
/// Errors name the program by its file name only, never the command line, and not even that
/// when the program does not exist: a secret pasted into the wrong variable must not be
/// printed back.
pub fn read_secret_from_command(command_line: &str) -> std::result::Result<SecretString, String> {
    read_secret_from_command_with(command_line, CommandLimits::default())
}

/// [`read_secret_from_command`] within `limits`.
pub fn read_secret_from_command_with(
    command_line: &str,
    limits: CommandLimits,
) -> std::result::Result<SecretString, String> {
    use std::io::Read as _;
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    let mut words = command_line.split_whitespace();
    let program = words.next().ok_or("empty command")?;
    let mut child = Command::new(program)
        .args(words)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => "its program was not found (the name is not repeated here, in case a secret was pasted into this variable)".to_owned(),
            kind => format!("could not run `{}`: {kind}", program_name(program)),
        })?;
    let name = program_name(program);
    let Some(stdout) = child.stdout.take() else {
        return Err(format!("`{name}` gave no output stream"));
    };
    let cap = limits.max_bytes;
    let (sender, receiver) = mpsc::channel();
    // Reads at most one byte past the cap, then drops the pipe: a command that keeps writing
    // gets a broken pipe instead of blocking.
    std::thread::spawn(move || {
        let mut buffer = Vec::new();
        let read = stdout
            .take(u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1))
            .read_to_end(&mut buffer);
        let _ = sender.send(read.map(|_| buffer));
    });
    let deadline = Instant::now().checked_add(limits.timeout);
    let stop = |child: &mut std::process::Child, why: String| {
        let _ = child.kill();
        let _ = child.wait();
        Err(why)
    };
    let mut output = None;
    let status = loop {
        if output.is_none() {
            if let Ok(read) = receiver.try_recv() {
                match read {
                    Ok(bytes) if bytes.len() > cap => {
                        return stop(
                            &mut child,
                            format!("`{name}` printed more than {cap} bytes"),
                        )
                    }
                    Ok(bytes) => output = Some(bytes),
                    Err(e) => {
                        return stop(
                            &mut child,
                            format!("reading from `{name}` failed: {}", e.kind()),
                        )
                    }
                }
            }
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => {
                return stop(
                    &mut child,
                    format!("waiting for `{name}` failed: {}", e.kind()),
                )
            }
        }
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            return stop(
                &mut child,
                format!(
                    "`{name}` did not finish within {} s and was stopped",
                    limits.timeout.as_secs_f32()
                ),
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    if !status.success() {
        return Err(format!("`{name}` exited with {status}"));
    }
    let bytes = match output {
        Some(bytes) => bytes,
        // The command has exited, so its end of the pipe is closed and the reader finishes.
        None => match receiver.recv_timeout(Duration::from_secs(5)) {
            Ok(Ok(bytes)) if bytes.len() <= cap => bytes,
            Ok(Ok(_)) => return Err(format!("`{name}` printed more than {cap} bytes")),
            _ => return Err(format!("could not read what `{name}` printed")),
        },
    };
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("`{name}` printed something that is not UTF-8"))?;
    let secret = text.trim_end_matches(['\r', '\n']).to_owned();
    if secret.is_empty() {
        return Err(format!("`{name}` printed nothing"));
    }
    Ok(SecretString::from(secret))
}

/// The file name of `program`, without its directory.
fn program_name(program: &str) -> &str {
    std::path::Path::new(program)
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("the command")
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

    #[test]
    fn a_secret_pasted_as_the_command_is_not_echoed() {
        let err = Credentials::from_lookup(
            ExchangeId::Bybit,
            lookup(&[
                ("BYBIT_API_KEY", "k"),
                (
                    "BYBIT_API_SECRET_COMMAND",
                    "Xq9-pasted-secret-7Hh extra words",
                ),
            ]),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("Xq9-pasted-secret-7Hh"), "{text}");
        assert!(!text.contains("extra words"), "{text}");
        assert!(text.contains("not found"), "{text}");
    }

    #[test]
    fn errors_name_the_program_only() {
        let err = read_secret_from_command("/bin/sh -c exit-with-SECRET-ARG").unwrap_err();
        assert!(err.contains("`sh`"), "{err}");
        assert!(
            !err.contains("SECRET-ARG") && !err.contains("/bin/"),
            "{err}"
        );
    }

    #[test]
    fn a_hung_command_is_stopped() {
        let started = std::time::Instant::now();
        let err = read_secret_from_command_with(
            "sleep 30",
            CommandLimits {
                timeout: std::time::Duration::from_millis(200),
                ..CommandLimits::default()
            },
        )
        .unwrap_err();
        assert!(err.contains("did not finish"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }

    #[test]
    fn output_past_the_cap_is_refused() {
        let err = read_secret_from_command_with(
            "yes",
            CommandLimits {
                max_bytes: 1024,
                ..CommandLimits::default()
            },
        )
        .unwrap_err();
        assert!(err.contains("more than 1024 bytes"), "{err}");
        let small = read_secret_from_command_with(
            "printf abc",
            CommandLimits {
                max_bytes: 3,
                ..CommandLimits::default()
            },
        )
        .unwrap();
        assert_eq!(small.expose_secret(), "abc");
    }

    #[test]
    fn absurd_limits_do_not_panic() {
        let secret = read_secret_from_command_with(
            "echo ok",
            CommandLimits {
                timeout: std::time::Duration::MAX,
                max_bytes: usize::MAX,
            },
        )
        .unwrap();
        assert_eq!(secret.expose_secret(), "ok");
    }

    #[test]
    fn coinbase_keys_come_from_the_environment_as_cdp_keys() {
        let c = Credentials::from_lookup(
            ExchangeId::Coinbase,
            lookup(&[
                ("COINBASE_API_KEY", "organizations/o/apiKeys/k"),
                (
                    "COINBASE_API_SECRET",
                    "-----BEGIN EC PRIVATE KEY-----\\nMHc\\n-----END EC PRIVATE KEY-----\\n",
                ),
            ]),
        )
        .unwrap();
        assert_eq!(c.form(), CredentialForm::CoinbaseCdp);
        assert_eq!(c.api_key(), "organizations/o/apiKeys/k");
        assert_eq!(
            c.secret().expose_secret(),
            "-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----"
        );
        assert!(!format!("{c:?}").contains("MHc"));
    }
}

//! `rotate`: replaces an API key with a new one holding the same rights and allowlist, without
//! ever leaving you without a working key. Run `cargo run --example rotate -- --help`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use exchange_keys::audit::config::Config;
use exchange_keys::manage::rotate::{
    Journal, NoJournal, Phase, Rotation, RotationError, RotationState, SecretStore, Verifier,
};
use exchange_keys::manage::store::{CommandStore, FileJournal, FileStore};
use exchange_keys::testkit::{Scenario, SimulatedExchange};
use exchange_keys::{Credentials, ExchangeId, KeyAdapter, NewKeySpec, Permission, RetryPolicy};

const EXAMPLES: &str = "\
Examples:
  rotate --demo --secret-file /tmp/new-key.json
  rotate --config keyaudit.toml --manager bybit-master --key XXXX --sub-account 1234567 \\
         --secret-command 'vault kv put -mount=secret bots/grid -' --state grid.rotation.json
  rotate --config keyaudit.toml --manager bybit-master --state grid.rotation.json --resume --secret-file new.json
  rotate --config keyaudit.toml --manager bybit-master --state grid.rotation.json --rollback
  KUCOIN_OLD_PASSPHRASE=... rotate --config keyaudit.toml --manager kucoin-master --key 6706... \
         --sub-account bots --old-passphrase-env KUCOIN_OLD_PASSPHRASE \
         --allowed-ip 203.0.113.7 --secret-file new.json --state bots.rotation.json

Steps: create a new key with the old key's rights and allowlist and a dated label; hand its
credentials to the store (a new file with mode 0600, or a command reading JSON on its standard
input) and wait for it; inspect the new key and compare it with the old; only then revoke the
old key. A failure at any step keeps the old key (and revokes the new one when it cannot be
used). With --state, every step is recorded (no secret in it) so an interrupted rotation can be
resumed or rolled back.

Exit status: 0 rotated (or rolled back on request), 1 the rotation stopped (the old key still
works; see the message), 2 usage or configuration error.";

/// Rotates an exchange API key safely: create, store, verify, then revoke the old one.
#[derive(Parser, Debug)]
#[command(name = "rotate", version, after_help = EXAMPLES)]
struct Options {
    /// Rotate a key on a simulated exchange: no keys, no network.
    #[arg(long, conflicts_with = "config")]
    demo: bool,
    /// Accounts (the audit's TOML config file).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The account (in the config) whose key manages the key to rotate: the master key of its
    /// sub-account, or the key itself where the exchange lets a key manage the account's keys.
    #[arg(long, value_name = "ACCOUNT", requires = "config")]
    manager: Option<String>,
    /// The public id of the key to rotate.
    #[arg(long, value_name = "KEY_ID")]
    key: Option<String>,
    /// The sub-account the key belongs to, where the exchange needs it.
    #[arg(long, value_name = "NAME")]
    sub_account: Option<String>,
    /// The new key's label (default: the old label, dated).
    #[arg(long)]
    label: Option<String>,
    /// The environment variable holding the old key's own passphrase, where the exchange
    /// revokes a key only with it (KuCoin's sub-account keys). Read from the environment, never
    /// from the command line, and never written to --state: give it again to --resume.
    #[arg(long, value_name = "VAR")]
    old_passphrase_env: Option<String>,
    /// An address to bind the new key to (repeat it), where the exchange shows the old key's
    /// allowlist masked so that it cannot be copied (KuCoin): checked against the old list.
    #[arg(long = "allowed-ip", value_name = "ADDRESS")]
    allowed_ips: Vec<String>,
    /// Store the new credentials in this new file (mode 0600; never overwritten).
    #[arg(long, value_name = "PATH", conflicts_with = "secret_command")]
    secret_file: Option<PathBuf>,
    /// Store the new credentials by running this command with them as JSON on its standard
    /// input (no shell); exit status 0 acknowledges.
    #[arg(long, value_name = "COMMAND")]
    secret_command: Option<String>,
    /// Record every step in this file, to resume or roll back later.
    #[arg(long, value_name = "PATH")]
    state: Option<PathBuf>,
    /// Continue the rotation recorded in --state.
    #[arg(long, requires = "state", conflicts_with = "rollback")]
    resume: bool,
    /// Undo the rotation recorded in --state: revoke the new key, keep the old.
    #[arg(long, requires = "state")]
    rollback: bool,
}

struct Usage(String);

#[tokio::main]
async fn main() -> ExitCode {
    let options = Options::parse();
    match run(options).await {
        Ok(code) => code,
        Err(Usage(message)) => {
            eprintln!("rotate: {message}");
            ExitCode::from(2)
        }
    }
}

/// The manager, and how to build an adapter for the new key.
struct Setup {
    manager: Arc<dyn KeyAdapter>,
    verifier: Verifier,
    old_key: Option<String>,
    _simulator: Option<SimulatedExchange>,
}

async fn run(options: Options) -> Result<ExitCode, Usage> {
    let setup = if options.demo {
        demo()
            .await
            .map_err(|e| Usage(format!("the simulated exchange: {e}")))?
    } else {
        from_config(&options)?
    };
    let store: Arc<dyn SecretStore> = match (&options.secret_file, &options.secret_command) {
        (Some(path), _) => Arc::new(FileStore::new(path)),
        (None, Some(command)) => Arc::new(CommandStore::new(command)),
        (None, None) if options.rollback => Arc::new(FileStore::new("/nonexistent")),
        (None, None) => return Err(Usage(
            "where should the new secret go? give --secret-file PATH or --secret-command COMMAND"
                .to_owned(),
        )),
    };
    let journal: Arc<dyn Journal> = match &options.state {
        Some(path) => Arc::new(FileJournal::new(path)),
        None => Arc::new(NoJournal),
    };
    let mut rotation =
        Rotation::new(setup.manager.clone(), setup.verifier.clone(), store).journal(journal);
    if let Some(var) = &options.old_passphrase_env {
        let passphrase = std::env::var(var).map_err(|_| {
            Usage(format!(
                "--old-passphrase-env: the variable `{var}` is not set"
            ))
        })?;
        rotation = rotation.old_key_passphrase(passphrase.into());
    }
    if !options.allowed_ips.is_empty() {
        rotation = rotation.allowed_ips(options.allowed_ips.clone());
    }

    let outcome = if options.rollback || options.resume {
        let path = options
            .state
            .as_ref()
            .ok_or_else(|| Usage("--state is required".into()))?;
        let state = FileJournal::read(path).map_err(Usage)?;
        if options.rollback {
            rotation.roll_back(state, "asked by the user").await
        } else {
            // The new key's credentials, as the store holds them, if it was stored.
            let credentials = options
                .secret_file
                .as_ref()
                .and_then(|path| FileStore::read(path).ok());
            rotation.resume(state, credentials).await
        }
    } else {
        let old_key = options
            .key
            .clone()
            .or(setup.old_key.clone())
            .ok_or_else(|| Usage("which key? give --key KEY_ID".to_owned()))?;
        let state = rotation
            .plan(
                &old_key,
                options.sub_account.as_deref(),
                options.label.as_deref(),
            )
            .await
            .map_err(|e| Usage(e.to_string()))?;
        println!(
            "rotating {} on {}: new key `{}` with {} bound to {}",
            state.old_key,
            state.exchange,
            state.label,
            names(&state.permissions),
            state.allowed_ips.join(", ")
        );
        rotation.run(state).await
    };
    Ok(report(outcome).await)
}

fn names(permissions: &[Permission]) -> String {
    permissions
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

async fn report(outcome: Result<RotationState, RotationError>) -> ExitCode {
    let print_steps = |state: &RotationState| {
        for step in &state.steps {
            let mark = if step.ok { "ok  " } else { "FAIL" };
            println!("  {mark} {}: {}", step.step, step.detail);
        }
    };
    match outcome {
        Ok(state) => {
            print_steps(&state);
            match state.phase {
                Phase::Completed => {
                    println!(
                        "done: {} replaces {}, which is revoked",
                        state.new_key.as_deref().unwrap_or("?"),
                        state.old_key
                    );
                    ExitCode::SUCCESS
                }
                _ => {
                    println!("rolled back: {} still works", state.old_key);
                    ExitCode::SUCCESS
                }
            }
        }
        Err(error) => {
            if let Some(state) = error.state() {
                print_steps(state);
            }
            eprintln!("rotate: {error}");
            if let RotationError::NewKeyNotStored { key, .. } = &error {
                rescue(key).await;
            }
            ExitCode::FAILURE
        }
    }
}

/// The store refused the new credentials and the new key could not be revoked: the key is live
/// and this process holds its only copy. Written to a rescue file of its own (mode 0600, never
/// overwriting) in the current directory; shown on the terminal only if that fails too and
/// standard error is a terminal, never into a log.
async fn rescue(key: &exchange_keys::NewKey) {
    let path = PathBuf::from(format!(
        "rotate-rescue-{}-{}.json",
        key.exchange,
        key.api_key.replace(['/', '\\'], "_")
    ));
    match FileStore::new(&path).store(key).await {
        Ok(()) => eprintln!(
            "rotate: the new key {} is live and the store did not take it: its credentials are in {} (readable by you only). Store them where the application reads them, or revoke the key on the exchange's website; then delete the file.",
            key.api_key,
            path.display()
        ),
        _ if std::io::IsTerminal::is_terminal(&std::io::stderr()) => {
            use secrecy::ExposeSecret;
            eprintln!(
                "rotate: the new key {} is live and could be written nowhere. Its secret, shown once: {}",
                key.api_key,
                key.secret.expose_secret()
            );
        }
        _ => eprintln!(
            "rotate: the new key {} is live and its secret could be written nowhere (and standard error is not a terminal, so it is not shown): revoke the key on the exchange's website",
            key.api_key
        ),
    }
}

fn from_config(options: &Options) -> Result<Setup, Usage> {
    let path = options
        .config
        .as_ref()
        .ok_or_else(|| Usage("give --config FILE (or try --demo)".to_owned()))?;
    let config = Config::from_path(path).map_err(|e| Usage(e.to_string()))?;
    let name = options.manager.as_ref().ok_or_else(|| {
        Usage("give --manager ACCOUNT: the account whose key manages the key to rotate".to_owned())
    })?;
    let account = config
        .accounts
        .iter()
        .find(|a| &a.name == name)
        .ok_or_else(|| Usage(format!("no account `{name}` in {}", path.display())))?
        .clone();
    let credentials = account.credentials().map_err(|e| Usage(e.to_string()))?;
    let manager = account
        .builder()
        .credentials(credentials)
        .build()
        .map_err(|e| Usage(e.to_string()))?;
    let verifier: Verifier = Arc::new(move |credentials: Credentials| {
        account.builder().credentials(credentials).build()
    });
    Ok(Setup {
        manager,
        verifier,
        old_key: None,
        _simulator: None,
    })
}

/// A simulated Deribit account holding a trading key, `grid_bot`, bound to one address: the
/// account's own key manages it.
async fn demo() -> exchange_keys::Result<Setup> {
    let sim = SimulatedExchange::start(ExchangeId::Deribit, Scenario::Trading).await?;
    let manager = sim.adapter()?;
    let old = manager
        .create_key(
            &NewKeySpec::new("grid_bot", vec![Permission::Read, Permission::SpotTrade])
                .allowed_ips(["203.0.113.7"]),
        )
        .await?;
    println!(
        "demo: a simulated Deribit account with the key `grid_bot` ({})",
        old.api_key
    );
    let url = sim.base_url();
    let verifier: Verifier = Arc::new(move |credentials: Credentials| {
        ExchangeId::Deribit
            .builder()
            .base_url(url.clone())
            .retry(RetryPolicy::none())
            .rate_limit(None)
            .credentials(credentials)
            .build()
    });
    Ok(Setup {
        manager,
        verifier,
        old_key: Some(old.api_key),
        _simulator: Some(sim),
    })
}

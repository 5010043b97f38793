//! `revoke`: breach response. Plans, exchange by exchange, what the APIs can revoke and what
//! you must do by hand; carries it out only with --execute and a typed confirmation. Run
//! `cargo run --example revoke -- --help`.

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use exchange_keys::audit::config::Config;
use exchange_keys::manage::breach::{self, BreachTarget};
use exchange_keys::testkit::{Scenario, SimulatedExchange};
use exchange_keys::{ExchangeId, KeyAdapter, NewKeySpec, Permission};

const EXAMPLES: &str = "\
Examples:
  revoke --demo                                   the plan on simulated exchanges (changes nothing)
  revoke --demo --execute                         carry it out, after typing the confirmation
  revoke --config keyaudit.toml                   the plan for every configured key
  revoke --config keyaudit.toml --include-managed --execute
  revoke --config keyaudit.toml --execute --confirm 'revoke 2 keys on bybit, deribit'   (unattended)

Without --execute nothing is revoked: the plan says what the APIs will revoke and, for the rest,
what to do by hand and where. --include-managed also revokes the keys a configured key manages
(a master key's sub-account keys), before the master key itself.

Exit status: 0 the plan was printed, or everything the APIs allow was revoked; 1 a revocation
failed or got no clear answer (see the report); 2 usage or configuration error, or a
confirmation that does not match (nothing revoked).";

/// Breach response: revoke every key the exchanges' APIs allow, and list the manual steps.
#[derive(Parser, Debug)]
#[command(name = "revoke", version, after_help = EXAMPLES)]
struct Options {
    /// Simulated exchanges: no keys, no network.
    #[arg(long, conflicts_with = "config")]
    demo: bool,
    /// Accounts (the audit's TOML config file).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Also revoke the keys each configured key manages (sub-account keys, the account's other
    /// keys).
    #[arg(long)]
    include_managed: bool,
    /// Carry the plan out (after the typed confirmation).
    #[arg(long)]
    execute: bool,
    /// The confirmation phrase, for unattended runs (otherwise it is asked for on the terminal).
    #[arg(long, value_name = "PHRASE", requires = "execute")]
    confirm: Option<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = Options::parse();
    let mut simulators = Vec::new();
    let targets = if options.demo {
        match demo(&mut simulators).await {
            Ok(targets) => targets,
            Err(e) => {
                eprintln!("revoke: the simulated exchanges: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        match from_config(&options) {
            Ok(targets) => targets,
            Err(message) => {
                eprintln!("revoke: {message}");
                return ExitCode::from(2);
            }
        }
    };
    let include_managed = options.include_managed || options.demo;
    let targets = targets
        .into_iter()
        .map(|mut target| {
            target.include_managed = include_managed;
            target
        })
        .collect();

    // The process ends with this function. Dropping a wiremock server blocks on its own async
    // verification, and dropping several from inside this runtime can livelock: the operating
    // system reclaims them instead.
    std::mem::forget(simulators);
    let plan = breach::plan(targets).await;
    println!("Plan:\n{plan}");
    if !options.execute {
        println!(
            "Nothing was revoked. To carry out the {} revocations above: --execute",
            plan.api_revocations()
        );
        return ExitCode::SUCCESS;
    }
    let phrase = plan.confirmation();
    let typed = match options.confirm {
        Some(typed) => typed,
        None => {
            if !io::stdin().is_terminal() {
                eprintln!("revoke: no terminal to confirm on: pass --confirm '{phrase}'");
            }
            print!("Type `{phrase}` to revoke: ");
            let _ = io::stdout().flush();
            let mut line = String::new();
            if io::stdin().lock().read_line(&mut line).is_err() {
                line.clear();
            }
            line
        }
    };
    match plan.execute(&typed).await {
        Ok(report) => {
            println!("\nReport:\n{report}");
            let left = report.remaining().count();
            if left > 0 {
                println!("{left} step(s) remain: do the BY HAND steps now, and check any FAILED or UNCLEAR key on the exchange's website.");
            }
            if report.has_failures() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(mismatch) => {
            eprintln!("revoke: {mismatch}");
            ExitCode::from(2)
        }
    }
}

fn from_config(options: &Options) -> Result<Vec<BreachTarget>, String> {
    let path = options
        .config
        .as_ref()
        .ok_or("give --config FILE (or try --demo)")?;
    let config = Config::from_path(path).map_err(|e| e.to_string())?;
    let client = exchange_keys::transport::http_client().map_err(|e| e.to_string())?;
    config
        .accounts
        .iter()
        .map(|account| {
            let credentials = account.credentials().map_err(|e| e.to_string())?;
            let adapter = account
                .builder()
                .http_client(client.clone())
                .credentials(credentials)
                .build()
                .map_err(|e| format!("{}: {e}", account.name))?;
            Ok(BreachTarget {
                account: account.name.clone(),
                adapter,
                include_managed: false,
            })
        })
        .collect()
}

/// One simulated account per supported exchange; the Deribit account's key also manages a
/// second key of the account.
async fn demo(simulators: &mut Vec<SimulatedExchange>) -> exchange_keys::Result<Vec<BreachTarget>> {
    let mut targets = Vec::new();
    for exchange in ExchangeId::supported() {
        let sim = SimulatedExchange::start(exchange, Scenario::Trading).await?;
        let adapter: Arc<dyn KeyAdapter> = sim.adapter()?;
        if adapter.capabilities().create_key.is_available() && exchange == ExchangeId::Deribit {
            adapter
                .create_key(
                    &NewKeySpec::new("dca_bot", vec![Permission::Read])
                        .allowed_ips(["203.0.113.7"]),
                )
                .await?;
        }
        targets.push(BreachTarget {
            account: format!("{exchange}-main"),
            adapter,
            include_managed: true,
        });
        simulators.push(sim);
    }
    Ok(targets)
}

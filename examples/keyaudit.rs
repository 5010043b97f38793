//! `keyaudit`: audits API keys against a security policy: what each key can do, from where,
//! since when, until when, and whether that is what you meant.
//!
//! Run `cargo run --example keyaudit -- --help` for the options and examples.

use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use clap::Parser;
use exchange_keys::audit::config::Config;
use exchange_keys::audit::fleet::Fleet;
use exchange_keys::audit::render::{self, Format, RenderOptions};
use exchange_keys::audit::{Audit, Policy, Report, SecretStorage, Severity, Subject};
use exchange_keys::testkit::{self, Scenario, SimulatedExchange};
use exchange_keys::{Credentials, Error, ExchangeId, KeyAdapter, KeyInfo};
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};

const EXAMPLES: &str = "\
Examples:
  keyaudit --demo                                   every rule firing on simulated exchanges
  keyaudit --config keyaudit.toml                   the accounts and policy of a config file
  keyaudit --config keyaudit.toml --fail-on high    CI: exit 1 on a high or critical finding
  keyaudit --config keyaudit.toml --format json --output today.json
  keyaudit --config keyaudit.toml --baseline yesterday.json --fail-on high
  BINANCE_API_KEY=… BINANCE_API_SECRET_COMMAND='pass show binance' keyaudit --policy trading-bot

Without --config, every exchange with <EXCHANGE>_API_KEY set in the environment is audited
(secret from <EXCHANGE>_API_SECRET or <EXCHANGE>_API_SECRET_COMMAND, passphrase from
<EXCHANGE>_API_PASSPHRASE).

Exit status:
  0  the audit ran, whatever it found (without --fail-on)
  1  with --fail-on SEVERITY: a finding (or a change since the baseline) at or above SEVERITY
     failed; with --unknown-fails, also one that could not be decided
  2  usage or configuration error (bad option, invalid config file, unreadable baseline)";

/// Audits crypto-exchange API keys: withdrawal and transfer rights, IP allowlists, rotation,
/// expiry, labels, shared keys, plaintext secrets.
#[derive(Parser, Debug)]
#[command(name = "keyaudit", version, after_long_help = EXAMPLES, after_help = EXAMPLES)]
struct Options {
    /// Accounts and policy (TOML; see examples/keyaudit.toml).
    #[arg(long, value_name = "FILE", conflicts_with = "demo")]
    config: Option<PathBuf>,

    /// Audit simulated keys on local simulated exchanges: no keys, no network.
    #[arg(long)]
    demo: bool,

    /// Report format.
    #[arg(long, value_name = "FORMAT", default_value = "table",
          value_parser = ["table", "json", "csv", "ocsf", "html"])]
    format: String,

    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Exit 1 when a finding at or above SEVERITY fails (info, low, medium, high, critical).
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<Severity>,

    /// With --fail-on, a finding that could not be decided at or above the severity fails too.
    #[arg(long, requires = "fail_on")]
    unknown_fails: bool,

    /// A previous JSON report: flag what changed since (rights gained, allowlists widened or
    /// removed, labels changed, keys gone).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// Policy preset: default, read-only, trading-bot. Not with --config, whose `[policy]`
    /// table sets the policy (a preset and what it changes).
    #[arg(long, value_name = "PRESET", conflicts_with = "config")]
    policy: Option<String>,

    /// Only these exchanges (repeatable).
    #[arg(long = "exchange", value_name = "ID")]
    exchanges: Vec<ExchangeId>,

    /// Keys inspected at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
}

/// A usage or configuration error: exit status 2.
struct UsageError(String);

impl<E: std::fmt::Display> From<E> for UsageError {
    fn from(error: E) -> Self {
        UsageError(error.to_string())
    }
}

/// One key to inspect: who it is in the report, and the adapter that inspects it (or why
/// there is none).
struct Planned {
    subject: Subject,
    adapter: Result<Arc<dyn KeyAdapter>, Error>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = Options::parse();
    match run(options).await {
        Ok(code) => code,
        Err(UsageError(message)) => {
            eprintln!("keyaudit: {message}");
            ExitCode::from(2)
        }
    }
}

async fn run(options: Options) -> Result<ExitCode, UsageError> {
    let format: Format = options.format.parse()?;
    let baseline = match &options.baseline {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
            Some(
                Report::from_json(&text)
                    .map_err(|e| UsageError(format!("{}: {e}", path.display())))?,
            )
        }
        None => None,
    };
    let preset = |name: &Option<String>| -> Result<Option<Policy>, UsageError> {
        match name {
            Some(name) => Policy::preset(name).map(Some).ok_or_else(|| {
                UsageError(format!(
                    "unknown policy preset `{name}`: expected default, read-only or trading-bot"
                ))
            }),
            None => Ok(None),
        }
    };

    // The simulated exchanges live until the audit is over.
    let mut simulators = Vec::new();
    let (policy, planned, now) = if options.demo {
        let policy = preset(&options.policy)?.unwrap_or_else(demo_policy);
        let planned = demo(&options.exchanges, &mut simulators)
            .await
            .map_err(|e| UsageError(format!("could not start the simulated exchanges: {e}")))?;
        if planned.is_empty() {
            // As with a config or the environment: no key selected is no audit, not a pass.
            return Err(UsageError(
                "this build simulates none of the exchanges selected with --exchange".to_owned(),
            ));
        }
        let now = DateTime::from_timestamp_millis(testkit::SERVER_TIME_MS).unwrap_or_else(Utc::now);
        (policy, planned, now)
    } else if let Some(path) = &options.config {
        let config = Config::from_path(path)?;
        (
            config.policy.clone(),
            from_config(&config, &options.exchanges)?,
            Utc::now(),
        )
    } else {
        let policy = preset(&options.policy)?.unwrap_or_default();
        (policy, from_environment(&options.exchanges)?, Utc::now())
    };

    let mut report = inspect(policy, planned, now, options.concurrency).await;
    // The process is about to end. Dropping a wiremock server blocks on its own async
    // verification, and dropping dozens of them from inside this runtime was seen to livelock:
    // the operating system reclaims them instead.
    std::mem::forget(simulators);
    if let Some(baseline) = &baseline {
        report.compare_with(baseline);
    }

    let to_terminal = options.output.is_none() && io::stdout().is_terminal();
    let render_options = RenderOptions {
        color: render::color_wanted(to_terminal),
    };
    let written = match &options.output {
        Some(path) => File::create(path)
            .and_then(|mut file| {
                render::write(&report, format, &render_options, &mut file)?;
                file.flush()
            })
            .map_err(|e| UsageError(format!("{}: {e}", path.display()))),
        None => {
            let mut stdout = io::stdout().lock();
            render::write(&report, format, &render_options, &mut stdout)
                .and_then(|()| stdout.flush())
                .map_err(|e| UsageError(format!("standard output: {e}")))
        }
    };
    written?;

    let failed = options.fail_on.is_some_and(|severity| {
        report.fails_at(severity) || (options.unknown_fails && report.unknown_at(severity))
    });
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Inspects every planned key, a few at a time, with a progress bar on an interactive
/// terminal, and audits the answers in the planned order.
async fn inspect(
    policy: Policy,
    planned: Vec<Planned>,
    now: DateTime<Utc>,
    concurrency: usize,
) -> Report {
    let progress = if planned.len() > 5 && io::stderr().is_terminal() {
        let bar = ProgressBar::new(planned.len() as u64);
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} keys {msg}") {
            bar.set_style(style);
        }
        Some(bar)
    } else {
        None
    };
    let mut subjects = Vec::with_capacity(planned.len());
    let mut outcomes: Vec<Option<Result<KeyInfo, Error>>> = Vec::with_capacity(planned.len());
    let mut adapters = Vec::new();
    for (index, plan) in planned.into_iter().enumerate() {
        subjects.push(plan.subject);
        match plan.adapter {
            Ok(adapter) => {
                outcomes.push(None);
                adapters.push((index, adapter));
            }
            Err(err) => outcomes.push(Some(Err(err))),
        }
    }
    let mut results = Box::pin(
        Fleet::new()
            .concurrency(concurrency)
            .check_adapters(adapters),
    );
    while let Some((index, outcome)) = results.next().await {
        outcomes[index] = Some(outcome);
        if let Some(bar) = &progress {
            bar.inc(1);
        }
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let mut audit = Audit::new(policy).at(now);
    for (subject, outcome) in subjects.into_iter().zip(outcomes) {
        let outcome = outcome.unwrap_or_else(|| {
            Err(Error::Config {
                exchange: None,
                message: "the inspection was not carried out".to_owned(),
            })
        });
        audit.add(subject, outcome);
    }
    audit.finish()
}

fn wanted(only: &[ExchangeId], exchange: ExchangeId) -> bool {
    only.is_empty() || only.contains(&exchange)
}

fn from_config(config: &Config, only: &[ExchangeId]) -> Result<Vec<Planned>, UsageError> {
    let client = exchange_keys::transport::http_client()?;
    let planned = config
        .accounts
        .iter()
        .filter(|account| wanted(only, account.exchange))
        .map(|account| match account.credentials() {
            Ok(credentials) => Planned {
                subject: account.subject(&credentials),
                adapter: account
                    .builder()
                    .http_client(client.clone())
                    .credentials(credentials)
                    .build(),
            },
            // A secret that cannot be read makes this key uninspectable, not the audit.
            Err(err) => {
                let mut subject = Subject::new(account.name.clone(), account.exchange);
                if let Some(application) = &account.application {
                    subject = subject.application(application.clone());
                }
                Planned {
                    subject,
                    adapter: Err(Error::Config {
                        exchange: Some(account.exchange),
                        message: err.to_string(),
                    }),
                }
            }
        })
        .collect::<Vec<_>>();
    if planned.is_empty() {
        return Err(UsageError(
            "no account of the config file is selected".to_owned(),
        ));
    }
    Ok(planned)
}

fn from_environment(only: &[ExchangeId]) -> Result<Vec<Planned>, UsageError> {
    let client = exchange_keys::transport::http_client()?;
    let planned: Vec<Planned> = ExchangeId::supported()
        .into_iter()
        .filter(|&id| wanted(only, id) && Credentials::env_has_key(id))
        .map(|exchange| {
            let prefix = exchange.env_prefix();
            let storage = if std::env::var_os(format!("{prefix}_API_SECRET")).is_some() {
                SecretStorage::Environment
            } else {
                SecretStorage::Command
            };
            let subject = Subject::new(exchange.to_string(), exchange).secret_storage(storage);
            match Credentials::from_env(exchange) {
                Ok(credentials) => Planned {
                    subject: subject.credentials(&credentials),
                    adapter: exchange
                        .builder()
                        .http_client(client.clone())
                        .credentials(credentials)
                        .build(),
                },
                Err(err) => Planned {
                    subject,
                    adapter: Err(err),
                },
            }
        })
        .collect();
    if planned.is_empty() {
        return Err(UsageError(
            "no API key in the environment. Set e.g. BINANCE_API_KEY and BINANCE_API_SECRET \
             (OKX also needs OKX_API_PASSPHRASE), give --config, or try --demo"
                .to_owned(),
        ));
    }
    Ok(planned)
}

/// The demo's policy: a trading bot running from 203.0.113.0/28.
fn demo_policy() -> Policy {
    let mut policy = Policy::trading_bot();
    policy.name = "demo: trading-bot from 203.0.113.0/28".to_owned();
    policy.allowed_networks = "203.0.113.0/28".parse().ok().map(|net| vec![net]);
    policy
}

/// A JSON pointer into the answer, and the value to put there.
type Change = (&'static str, fn() -> Value);

/// A simulated key beyond the scenarios: a scenario's answer with some fields changed, to
/// make the rules the scenarios leave silent fire.
struct Variant {
    exchange: ExchangeId,
    base: Scenario,
    name: &'static str,
    changes: &'static [Change],
}

const VARIANTS: &[Variant] = &[
    Variant {
        exchange: ExchangeId::Bybit,
        base: Scenario::Trading,
        name: "third-party-app",
        changes: &[
            ("/result/type", || json!(2)),
            ("/result/note", || json!("copy-trading")),
        ],
    },
    Variant {
        exchange: ExchangeId::Bybit,
        base: Scenario::Trading,
        name: "expiring",
        changes: &[
            ("/result/expiredAt", || json!("2026-11-08T00:00:00Z")),
            ("/result/note", || json!("arb-bot@fra-2")),
        ],
    },
    Variant {
        exchange: ExchangeId::Bybit,
        base: Scenario::ReadOnly,
        name: "foreign-address",
        changes: &[("/result/ips", || json!(["203.0.113.10", "198.51.100.7"]))],
    },
    Variant {
        exchange: ExchangeId::Kraken,
        base: Scenario::ReadOnly,
        name: "unused",
        changes: &[("/result/lastUsed", || json!(1_780_000_000))],
    },
];

/// Every supported exchange's simulated keys, plus the variants, plus one key configured for
/// two applications with its secret in plain text. The simulated exchanges answer for any
/// key: each demo account is given a public key of its own, as a config file would.
async fn demo(
    only: &[ExchangeId],
    simulators: &mut Vec<SimulatedExchange>,
) -> exchange_keys::Result<Vec<Planned>> {
    let mut planned = Vec::new();
    let subject = |exchange: ExchangeId, account: &str, application: &str| {
        Subject::new(account, exchange)
            .application(application)
            .credentials(&Credentials::new(format!("demo-{account}"), "demo-secret"))
            .secret_storage(SecretStorage::Environment)
    };
    for exchange in ExchangeId::supported()
        .into_iter()
        .filter(|&id| wanted(only, id))
    {
        // Every scenario that describes a key (a rate limit or a refused address says
        // nothing about one).
        let scenarios = Scenario::ALL.into_iter().filter(|s| {
            !matches!(
                s,
                Scenario::DocumentedExample | Scenario::IpNotAllowed | Scenario::RateLimited
            )
        });
        for scenario in scenarios {
            let sim = SimulatedExchange::start(exchange, scenario).await?;
            let account = format!("{exchange}-{scenario}");
            planned.push(Planned {
                subject: subject(exchange, &account, &format!("{scenario} app")),
                adapter: sim.adapter(),
            });
            simulators.push(sim);
        }
        for variant in VARIANTS.iter().filter(|v| v.exchange == exchange) {
            let sim = SimulatedExchange::start(exchange, variant.base).await?;
            let mut answer = testkit::scenario_answer(exchange, variant.base)?;
            for (pointer, value) in variant.changes {
                if let Some(field) = answer.body.pointer_mut(pointer) {
                    *field = value();
                } else if let Some((parent, name)) = pointer.rsplit_once('/') {
                    if let Some(Value::Object(object)) = answer.body.pointer_mut(parent) {
                        object.insert(name.to_owned(), value());
                    }
                }
            }
            sim.serve(answer).await;
            let account = format!("{exchange}-{}", variant.name);
            planned.push(Planned {
                subject: subject(exchange, &account, &format!("{} app", variant.name)),
                adapter: sim.adapter(),
            });
            simulators.push(sim);
        }
        if exchange == ExchangeId::Binance {
            // The same key as `binance-trading`, configured for a second application, its
            // secret written in the config file.
            let sim = SimulatedExchange::start(exchange, Scenario::Trading).await?;
            planned.push(Planned {
                subject: Subject::new("binance-dca", exchange)
                    .application("dca-bot")
                    .credentials(&Credentials::new("demo-binance-trading", "demo-secret"))
                    .secret_storage(SecretStorage::Plaintext),
                adapter: sim.adapter(),
            });
            simulators.push(sim);
        }
    }
    Ok(planned)
}

//! `keyaudit`: what can each of my API keys do, from where, since when, until when?
//!
//! ```text
//! cargo run --example keyaudit -- --demo                # simulated exchanges: no keys, no network
//! BINANCE_API_KEY=… BINANCE_API_SECRET=… cargo run --example keyaudit
//! cargo run --example keyaudit -- --exchange okx --json
//! ```
//!
//! Credentials come from the environment (`<EXCHANGE>_API_KEY`, `<EXCHANGE>_API_SECRET` or
//! `<EXCHANGE>_API_SECRET_COMMAND`, `<EXCHANGE>_API_PASSPHRASE`); every supported exchange with
//! a key set is inspected. Exit status: 0 when every key was inspected, 1 when one could not be,
//! 2 on a usage error or when no key is configured. `--demo` always exits 0 on success: its
//! failing keys are part of the show.

use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use exchange_keys::testkit::{Scenario, SimulatedExchange};
use exchange_keys::{
    AdapterBuilder, Delegation, Error, ExchangeId, Expiry, Grant, IpRestriction, KeyAdapter,
    KeyInfo, Permission, Reported,
};

struct Options {
    demo: bool,
    json: bool,
    exchanges: Vec<ExchangeId>,
}

const USAGE: &str = "usage: keyaudit [--demo] [--json] [--exchange ID]...

  --demo         inspect simulated keys on local simulated exchanges (no keys, no network)
  --json         print the key information as JSON instead of a table
  --exchange ID  only this exchange (repeatable); default: every exchange with a key in the environment";

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        demo: false,
        json: false,
        exchanges: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--demo" => options.demo = true,
            "--json" => options.json = true,
            "--exchange" => {
                let id = args.next().ok_or("--exchange needs an exchange id")?;
                options.exchanges.push(
                    id.parse()
                        .map_err(|e: exchange_keys::UnknownExchange| e.to_string())?,
                );
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(options)
}

/// One row of the report: which key, and what inspecting it gave.
struct Inspection {
    exchange: ExchangeId,
    key: String,
    outcome: Result<KeyInfo, Error>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("keyaudit: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let exchanges = if options.exchanges.is_empty() {
        ExchangeId::supported()
    } else {
        options.exchanges.clone()
    };
    let (inspections, now) = if options.demo {
        match demo(&exchanges).await {
            Ok(inspections) => (
                inspections,
                DateTime::from_timestamp_millis(exchange_keys::testkit::SERVER_TIME_MS)
                    .unwrap_or_else(Utc::now),
            ),
            Err(err) => {
                eprintln!("keyaudit: could not start the simulated exchanges: {err}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        let configured: Vec<ExchangeId> = exchanges
            .into_iter()
            .filter(|id| exchange_keys::Credentials::env_has_key(*id))
            .collect();
        if configured.is_empty() {
            eprintln!(
                "keyaudit: no API key in the environment. Set e.g. BINANCE_API_KEY and BINANCE_API_SECRET \
                 (OKX also needs OKX_API_PASSPHRASE), or try `--demo`."
            );
            return ExitCode::from(2);
        }
        (inspect_from_env(&configured).await, Utc::now())
    };

    if options.json {
        print_json(&inspections);
    } else {
        print_table(&inspections, now);
    }
    let failed = inspections.iter().filter(|i| i.outcome.is_err()).count();
    if failed > 0 && !options.demo {
        eprintln!("keyaudit: {failed} key(s) could not be inspected");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

async fn inspect_from_env(exchanges: &[ExchangeId]) -> Vec<Inspection> {
    let mut inspections = Vec::new();
    for &exchange in exchanges {
        let built = AdapterBuilder::from_env(exchange).and_then(AdapterBuilder::build);
        let key = exchange_keys::Credentials::from_env(exchange)
            .map(|c| c.key_hint())
            .unwrap_or_else(|_| "(env)".to_owned());
        let outcome = match built {
            Ok(adapter) => adapter.key_info().await,
            Err(err) => Err(err),
        };
        inspections.push(Inspection {
            exchange,
            key,
            outcome,
        });
    }
    inspections
}

/// Simulated keys worth seeing: a safe one, risky ones, and ones that fail.
const DEMO_SCENARIOS: [Scenario; 6] = [
    Scenario::ReadOnly,
    Scenario::Trading,
    Scenario::WithdrawEnabled,
    Scenario::NoIpRestriction,
    Scenario::Expired,
    Scenario::InvalidKey,
];

async fn demo(exchanges: &[ExchangeId]) -> exchange_keys::Result<Vec<Inspection>> {
    let mut inspections = Vec::new();
    for &exchange in exchanges {
        for scenario in DEMO_SCENARIOS {
            let sim = SimulatedExchange::start(exchange, scenario).await?;
            let adapter: Arc<dyn KeyAdapter> = sim.adapter()?;
            inspections.push(Inspection {
                exchange,
                key: scenario.to_string(),
                outcome: adapter.key_info().await,
            });
        }
    }
    Ok(inspections)
}

fn print_json(inspections: &[Inspection]) {
    let rows: Vec<serde_json::Value> = inspections
        .iter()
        .map(|i| match &i.outcome {
            Ok(info) => serde_json::json!({ "key": i.key, "key_info": info }),
            Err(err) => serde_json::json!({
                "exchange": i.exchange, "key": i.key, "error": err.to_string()
            }),
        })
        .collect();
    match serde_json::to_string_pretty(&rows) {
        Ok(text) => println!("{text}"),
        Err(err) => eprintln!("keyaudit: {err}"),
    }
}

fn print_table(inspections: &[Inspection], now: DateTime<Utc>) {
    let header = [
        "EXCHANGE",
        "KEY",
        "LABEL",
        "PERMISSIONS",
        "IP ALLOWLIST",
        "CREATED",
        "EXPIRES",
        "NOTES",
    ];
    let mut rows: Vec<[String; 8]> = Vec::new();
    for inspection in inspections {
        let mut row: [String; 8] = Default::default();
        row[0] = inspection.exchange.to_string();
        row[1] = inspection.key.clone();
        match &inspection.outcome {
            Ok(info) => {
                row[2] = reported(&info.label, |l| {
                    if l.is_empty() {
                        "(empty)".into()
                    } else {
                        l.clone()
                    }
                });
                row[3] = permissions(info);
                row[4] = ip(&info.ip_restriction);
                row[5] = reported(&info.created_at, |t| t.format("%Y-%m-%d").to_string());
                row[6] = match (&info.expires_at, &info.trading_expires_at) {
                    (Reported::NotReported, Reported::Known(t)) => {
                        format!("trading {}", t.format("%Y-%m-%d"))
                    }
                    (expiry, _) => reported(expiry, |e| match e {
                        Expiry::Never => "never".into(),
                        Expiry::At(t) => t.format("%Y-%m-%d").to_string(),
                    }),
                };
                row[7] = notes(info, now);
            }
            Err(err) => {
                row[3] = "-".into();
                row[7] = format!("COULD NOT INSPECT: {}", short_error(err));
            }
        }
        rows.push(row);
    }
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let text: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", text.join("  ").trim_end());
    };
    line(&header.map(String::from));
    for row in &rows {
        line(row);
    }
    println!();
    println!("n/r = not reported by the exchange (never read as safe); `?` marks rights the exchange does not report.");
}

fn reported<T>(value: &Reported<T>, show: impl Fn(&T) -> String) -> String {
    match value {
        Reported::Known(v) => show(v),
        Reported::NotReported => "n/r".into(),
    }
}

fn short_name(permission: &Permission) -> String {
    match permission {
        Permission::Read => "read".into(),
        Permission::SpotTrade => "spot".into(),
        Permission::MarginTrade => "margin".into(),
        Permission::FuturesTrade => "futures".into(),
        Permission::OptionsTrade => "options".into(),
        Permission::Withdraw => "WITHDRAW".into(),
        Permission::InternalTransfer => "sub-transfer".into(),
        Permission::UniversalTransfer => "transfer".into(),
        Permission::SubAccountManagement => "sub-accounts".into(),
        Permission::KeyManagement => "keys".into(),
        Permission::Payment => "PAY".into(),
        other => other.to_string(),
    }
}

fn permissions(info: &KeyInfo) -> String {
    let mut granted = Vec::new();
    let mut unknown = Vec::new();
    let mut others = 0;
    for (permission, grant) in info.permissions.iter() {
        match (permission, grant) {
            (Permission::Other(_), Grant::Granted) => others += 1,
            (Permission::Other(_), _) => {}
            (p, Grant::Granted) => granted.push(short_name(p)),
            (p, Grant::NotReported) => unknown.push(format!("{}?", short_name(p))),
            (_, Grant::Denied) => {}
        }
    }
    let mut text = granted.join(",");
    if others > 0 {
        text.push_str(&format!(" +{others} other"));
    }
    if !unknown.is_empty() {
        text.push_str(&format!(" {}", unknown.join(",")));
    }
    text
}

fn ip(restriction: &IpRestriction) -> String {
    match restriction {
        IpRestriction::Unrestricted => "ANY IP".into(),
        IpRestriction::Restricted => "set (list not shown)".into(),
        IpRestriction::AllowList(entries) if entries.len() <= 2 => entries
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
        IpRestriction::AllowList(entries) => {
            format!("{} and {} more", entries[0], entries.len() - 1)
        }
        IpRestriction::NotReported => "n/r".into(),
        _ => "?".into(),
    }
}

fn notes(info: &KeyInfo, now: DateTime<Utc>) -> String {
    let mut notes = Vec::new();
    match info.is_read_only() {
        Reported::Known(true) => notes.push("read-only".to_owned()),
        Reported::NotReported => notes.push("read-only: unknown".to_owned()),
        Reported::Known(false) => {}
    }
    if info.can_withdraw() == Grant::Granted {
        notes.push("can withdraw".into());
    }
    if info.permissions.get(&Permission::Payment) == Grant::Granted {
        notes.push("can pay other parties".into());
    }
    match &info.delegation {
        Reported::Known(Delegation::ThirdPartyApp) => {
            notes.push("connected to a third-party app".into())
        }
        Reported::Known(Delegation::ManagedTrading { .. }) => {
            notes.push("managed trading account".into())
        }
        Reported::Known(Delegation::Custody { .. }) => notes.push("custody account".into()),
        Reported::Known(Delegation::Unrecognized { value }) => {
            notes.push(format!("unknown delegation `{value}`"))
        }
        _ => {}
    }
    if !info.anomalies.is_empty() {
        let fields: Vec<&str> = info.anomalies.iter().map(|a| a.field.as_str()).collect();
        notes.push(format!("answer not as documented: {}", fields.join(", ")));
    }
    if info.ip_restriction == IpRestriction::Unrestricted {
        notes.push("no IP restriction".into());
    }
    if let Reported::Known(Some(left)) = info.time_to_expiry_at(now) {
        if left.num_seconds() <= 0 {
            notes.push("expired".into());
        } else if left.num_days() <= 7 {
            notes.push(format!("expires in {} days", left.num_days()));
        }
    }
    if let Reported::Known(at) = info.trading_expires_at {
        let left = at - now;
        if left.num_seconds() <= 0 {
            notes.push("trading right expired".into());
        } else if left.num_days() <= 7 {
            notes.push(format!("trading right expires in {} days", left.num_days()));
        }
    }
    notes.join("; ")
}

fn short_error(err: &Error) -> String {
    let text = err.to_string();
    let without_exchange = text
        .split_once(": ")
        .map_or(text.as_str(), |(_, rest)| rest);
    without_exchange.to_owned()
}

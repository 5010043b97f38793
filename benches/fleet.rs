//! Fleet check of 10,000 keys across every inspectable exchange at concurrency 64, beside a bare
//! client sending the same requests with no signing and no mapping, and beside ccxt async.
//!
//! Targets (DESIGN.md): within 20% of the bare client's time, under 64 MiB peak resident memory,
//! and at least 10x the keys per second of ccxt async (aiohttp) on the same server.
//!
//! `cargo bench --bench fleet` (`ROUNDS=5`, `KEYS=20000` to change the run). See
//! `benches/README.md` for what the numbers mean.
//!
//! Processes: this binary is the orchestrator. It records what every adapter sends and is
//! answered (`support/served.rs`), then runs itself again as the server (one tokio keep-alive
//! HTTP/1.1 server answering every path of every exchange under an exchange prefix) and, in
//! alternation, as the bare client and as the fleet, each in a process of its own so that each
//! client's memory is measured alone. Each client process reports its wall time, its resident
//! memory before the run and its peak (`VmHWM`). The medians over the rounds are reported, so
//! drift in machine load hits both clients alike.

#[path = "support/served.rs"]
mod served;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::pin::pin;
use std::process::{Command, Stdio};
use std::time::Instant;

use exchange_keys::audit::fleet::{Fleet, FleetKey};
use exchange_keys::testkit;
use exchange_keys::ExchangeId;
use futures_util::StreamExt;
use serde_json::{json, Value};

const CONCURRENCY: usize = 64;
const ROLE: &str = "FLEET_BENCH_ROLE";
const SERVED: &str = "FLEET_BENCH_SERVED";
const SERVER_URL: &str = "FLEET_BENCH_URL";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    match std::env::var(ROLE).as_deref() {
        Ok("server") => run_server(),
        Ok("bare") => run_client(false),
        Ok("ours") => run_client(true),
        _ => orchestrate(),
    }
}

fn orchestrate() {
    let keys = env_number("KEYS", 10_000);
    let rounds = env_number("ROUNDS", 3).max(1);
    let mut discovered = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(served::discover());
    // `EXCHANGES=binance,okx` narrows the fleet to some exchanges (to find which one costs).
    if let Ok(only) = std::env::var("EXCHANGES") {
        discovered.retain(|s| only.split(',').any(|e| e.trim() == s.exchange.as_str()));
    }
    let served_file = std::env::temp_dir().join(format!(
        "exchange-keys-fleet-bench-{}.json",
        std::process::id()
    ));
    std::fs::write(&served_file, served::to_json(&discovered).to_string()).unwrap();
    let requests: usize = (0..keys)
        .map(|i| discovered[i % discovered.len()].first_call.len())
        .sum();
    println!(
        "fleet check: {keys} keys over {} exchanges ({requests} requests), concurrency {CONCURRENCY}, {rounds} rounds",
        discovered.len()
    );
    for s in &discovered {
        let calls: Vec<String> = s
            .first_call
            .iter()
            .map(|c| format!("{} {}", c.method, c.path))
            .collect();
        println!(
            "  {:<15} {}{}",
            s.exchange.as_str(),
            calls.join(", "),
            if s.answer_names_public_key {
                "  (answer names the key: keys differ by secret only)"
            } else {
                ""
            }
        );
    }

    let mut server = Command::new(std::env::current_exe().unwrap())
        .env(ROLE, "server")
        .env(SERVED, &served_file)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().strip_prefix("LISTENING ").unwrap().to_owned();

    let mut bare_runs = Vec::new();
    let mut ours_runs = Vec::new();
    for round in 0..rounds {
        // Alternate which goes first, so neither always runs on a machine the other warmed.
        let order = if round % 2 == 0 {
            ["bare", "ours"]
        } else {
            ["ours", "bare"]
        };
        for role in order {
            let run = client_run(role, &served_file, &url, keys);
            println!(
                "  round {} {role:<4} {:>7.0} ms (CPU {:>6.0} ms)  baseline {:>5.1} MiB  peak {:>5.1} MiB",
                round + 1,
                run.wall_ms,
                run.cpu_ms,
                run.baseline_kib / 1024.0,
                run.peak_kib / 1024.0
            );
            if role == "bare" {
                bare_runs.push(run);
            } else {
                ours_runs.push(run);
            }
        }
    }
    let ccxt = ccxt_run(&served_file, &url, keys);
    server.kill().ok();
    server.wait().ok();
    std::fs::remove_file(&served_file).ok();

    let bare = Run::median(&bare_runs);
    let ours = Run::median(&ours_runs);
    println!();
    println!(
        "{:<22} {:>9} {:>9} {:>9} {:>11} {:>10} {:>10} {:>17}",
        "medians",
        "time ms",
        "CPU ms",
        "keys/s",
        "requests/s",
        "base MiB",
        "peak MiB",
        "KiB/key in flight"
    );
    for (name, run) in [
        ("bare GET + JSON parse", &bare),
        ("exchange-keys Fleet", &ours),
    ] {
        println!(
            "{:<22} {:>9.0} {:>9.0} {:>9.0} {:>11.0} {:>10.1} {:>10.1} {:>17.1}",
            name,
            run.wall_ms,
            run.cpu_ms,
            keys as f64 / run.wall_ms * 1e3,
            requests as f64 / run.wall_ms * 1e3,
            run.baseline_kib / 1024.0,
            run.peak_kib / 1024.0,
            (run.peak_kib - run.baseline_kib) / CONCURRENCY as f64
        );
    }
    let time_ratio = ours.wall_ms / bare.wall_ms;
    println!();
    println!(
        "CPU ours / bare: {:.3}  (the client's own work; the machine's other load does not count)",
        ours.cpu_ms / bare.cpu_ms
    );
    println!(
        "time ours / bare: {time_ratio:.3}  (target <= 1.20: {})",
        verdict(time_ratio <= 1.20)
    );
    println!(
        "peak RSS ours: {:.1} MiB  (target < 64 MiB: {})",
        ours.peak_kib / 1024.0,
        verdict(ours.peak_kib < 64.0 * 1024.0)
    );
    match ccxt {
        Ok(ccxt) => {
            let ours_keys_per_s = keys as f64 / ours.wall_ms * 1e3;
            let ratio = ours_keys_per_s / ccxt.keys_per_s;
            println!(
                "ccxt {} async (aiohttp {}): {} keys over {} exchanges in {:.0} ms (CPU {:.0} ms): {:.0} keys/s, {:.0} requests/s, peak {:.1} MiB",
                ccxt.ccxt_version,
                ccxt.aiohttp_version,
                ccxt.keys,
                ccxt.exchanges.len(),
                ccxt.wall_ms,
                ccxt.cpu_ms,
                ccxt.keys_per_s,
                ccxt.requests_per_s,
                ccxt.peak_kib / 1024.0
            );
            println!(
                "  {} ccxt instances (one per worker and exchange) built before the clock started, in {:.0} ms",
                ccxt.instances, ccxt.instances_build_ms
            );
            println!("  covered: {}", ccxt.exchanges.join(" "));
            if !ccxt.left_out.is_empty() {
                println!("  left out: {}", ccxt.left_out.join("; "));
            }
            println!(
                "keys/s ours / ccxt async: {ratio:.1}x  (target >= 10x: {})",
                verdict(ratio >= 10.0)
            );
        }
        Err(why) => println!("ccxt async: not run: {why}"),
    }
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

#[derive(Clone, Copy, Debug)]
struct Run {
    wall_ms: f64,
    cpu_ms: f64,
    baseline_kib: f64,
    peak_kib: f64,
}

impl Run {
    /// The median of each figure on its own.
    fn median(runs: &[Run]) -> Run {
        let median = |f: fn(&Run) -> f64| {
            let mut v: Vec<f64> = runs.iter().map(f).collect();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        Run {
            wall_ms: median(|r| r.wall_ms),
            cpu_ms: median(|r| r.cpu_ms),
            baseline_kib: median(|r| r.baseline_kib),
            peak_kib: median(|r| r.peak_kib),
        }
    }
}

fn client_run(role: &str, served_file: &std::path::Path, url: &str, keys: usize) -> Run {
    // `PROFILE_OURS=perf.data` records the fleet client under `perf record -g`.
    let mut command = match std::env::var("PROFILE_OURS") {
        Ok(file) if role == "ours" => {
            let mut perf = Command::new("perf");
            perf.args(["record", "-g", "-o", &file, "--"])
                .arg(std::env::current_exe().unwrap());
            perf
        }
        _ => Command::new(std::env::current_exe().unwrap()),
    };
    let output = command
        .env(ROLE, role)
        .env(SERVED, served_file)
        .env(SERVER_URL, url)
        .env("KEYS", keys.to_string())
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(output.status.success(), "the {role} client failed");
    let result = result_line(&String::from_utf8_lossy(&output.stdout));
    Run {
        wall_ms: result["wall_ms"].as_f64().unwrap(),
        cpu_ms: result["cpu_ms"].as_f64().unwrap(),
        baseline_kib: result["baseline_kib"].as_f64().unwrap(),
        peak_kib: result["peak_kib"].as_f64().unwrap(),
    }
}

fn result_line(stdout: &str) -> Value {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| panic!("no RESULT line in: {stdout}"));
    serde_json::from_str(line).unwrap()
}

struct CcxtRun {
    ccxt_version: String,
    aiohttp_version: String,
    keys: u64,
    exchanges: Vec<String>,
    left_out: Vec<String>,
    wall_ms: f64,
    cpu_ms: f64,
    instances: u64,
    instances_build_ms: f64,
    keys_per_s: f64,
    requests_per_s: f64,
    peak_kib: f64,
}

/// Runs `benches/ccxt_fleet.py` against the same server with the testkit's credentials.
fn ccxt_run(served_file: &std::path::Path, url: &str, keys: usize) -> Result<CcxtRun, String> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let has_ccxt = Command::new(&python)
        .args(["-c", "import ccxt, aiohttp"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_ccxt {
        return Err(format!(
            "`{python} -c \"import ccxt, aiohttp\"` fails; `pip install ccxt aiohttp` to compare"
        ));
    }
    let credentials: serde_json::Map<String, Value> = testkit::inspectable_exchanges()
        .into_iter()
        .map(|id: ExchangeId| {
            let c = testkit::credentials(id).unwrap();
            use secrecy::ExposeSecret;
            (
                id.as_str().to_owned(),
                json!({
                    "api_key": c.api_key(),
                    "secret": c.secret().expose_secret(),
                    "passphrase": c.passphrase().map(|p| p.expose_secret().to_owned()),
                }),
            )
        })
        .collect();
    let credentials_file = served_file.with_extension("credentials.json");
    std::fs::write(&credentials_file, Value::Object(credentials).to_string()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/ccxt_fleet.py");
    let output = Command::new(&python)
        .arg(script)
        .args(["--url", url])
        .args(["--keys", &keys.to_string()])
        .args(["--concurrency", &CONCURRENCY.to_string()])
        .arg("--credentials")
        .arg(&credentials_file)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| e.to_string())?;
    std::fs::remove_file(&credentials_file).ok();
    if !output.status.success() {
        return Err(format!("{script} failed"));
    }
    let r = result_line(&String::from_utf8_lossy(&output.stdout));
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(CcxtRun {
        ccxt_version: r["ccxt"].as_str().unwrap_or("?").to_owned(),
        aiohttp_version: r["aiohttp"].as_str().unwrap_or("?").to_owned(),
        keys: r["keys"].as_u64().unwrap_or(0),
        exchanges: strings(&r["exchanges"]),
        left_out: strings(&r["left_out"]),
        wall_ms: r["wall_ms"].as_f64().unwrap_or(f64::NAN),
        cpu_ms: r["cpu_ms"].as_f64().unwrap_or(f64::NAN),
        instances: r["instances"].as_u64().unwrap_or(0),
        instances_build_ms: r["instances_build_ms"].as_f64().unwrap_or(f64::NAN),
        keys_per_s: r["keys_per_s"].as_f64().unwrap_or(f64::NAN),
        requests_per_s: r["requests_per_s"].as_f64().unwrap_or(f64::NAN),
        peak_kib: r["peak_kib"].as_f64().unwrap_or(f64::NAN),
    })
}

fn load_served() -> Vec<served::Served> {
    let path = std::env::var(SERVED).unwrap();
    served::from_json(&serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap())
}

fn run_server() {
    let responses = served::responses(&load_served());
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            println!("LISTENING http://{}", listener.local_addr().unwrap());
            served::serve(listener, responses).await;
        });
}

/// User plus system CPU time of this process so far, from `/proc/self/stat` (in clock ticks of
/// 10 ms on Linux).
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command name (which may hold spaces) start at `state`: utime and stime
    // are the 12th and 13th after it.
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks * 10.0
}

/// From `/proc/self/status`, in KiB.
fn status_kib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| {
            l.strip_prefix(field)?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse()
                .ok()
        })
        .unwrap()
}

fn run_client(ours: bool) {
    let keys = env_number("KEYS", 10_000);
    let served = load_served();
    let url = std::env::var(SERVER_URL).unwrap();
    let bases: HashMap<ExchangeId, String> = served
        .iter()
        .map(|s| (s.exchange, format!("{url}{}", s.prefix())))
        .collect();
    // `ONE_THREAD=1` runs both clients on a current-thread runtime: what is left of the gap
    // then is work, not the scheduling of threads.
    let runtime = if std::env::var("ONE_THREAD").is_ok() {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    }
    .enable_all()
    .build()
    .unwrap();
    let client = exchange_keys::transport::http_client().unwrap();
    let baseline_kib = status_kib("VmRSS:");
    let cpu_before = cpu_ms();
    let started = Instant::now();
    let (succeeded, failed) = if ours {
        let credentials: Vec<_> = served
            .iter()
            .map(|s| testkit::credentials(s.exchange).unwrap())
            .collect();
        let served_for_keys = served.clone();
        let fleet_keys = (0..keys).map(move |i| {
            let which = i % served_for_keys.len();
            FleetKey {
                reference: format!("key-{i}"),
                exchange: served_for_keys[which].exchange,
                credentials: served::key_credentials(
                    &served_for_keys[which],
                    &credentials[which],
                    i,
                ),
            }
        });
        let fleet = Fleet::new()
            .concurrency(CONCURRENCY)
            .http_client(client)
            .configure(move |builder| {
                let base = bases[&builder.exchange()].clone();
                // Only the client-side rate limit goes: it would measure the exchanges' pace.
                builder.base_url(base).rate_limit(None)
            });
        runtime.block_on(async {
            let mut results = pin!(fleet.check(fleet_keys));
            let (mut succeeded, mut failed) = (0, 0);
            while let Some(checked) = results.next().await {
                match checked.outcome {
                    Ok(info) => {
                        std::hint::black_box(info);
                        succeeded += 1;
                    }
                    Err(error) => {
                        if failed < 5 {
                            eprintln!("{} ({}): {error}", checked.reference, checked.exchange);
                        }
                        failed += 1;
                    }
                }
            }
            (succeeded, failed)
        })
    } else {
        runtime.block_on(async {
            let served = &served;
            let bases = &bases;
            let client = &client;
            let count = futures_util::stream::iter(0..keys)
                .map(|i| async move {
                    let s = &served[i % served.len()];
                    for sent in &s.first_call {
                        std::hint::black_box(served::bare(client, &bases[&s.exchange], sent).await);
                    }
                })
                .buffer_unordered(CONCURRENCY)
                .count()
                .await;
            (count, 0)
        })
    };
    let wall_ms = started.elapsed().as_secs_f64() * 1e3;
    let cpu_ms = cpu_ms() - cpu_before;
    let peak_kib = status_kib("VmHWM:");
    assert_eq!(failed, 0, "{failed} keys failed");
    println!(
        "RESULT {}",
        json!({
            "wall_ms": wall_ms, "cpu_ms": cpu_ms, "baseline_kib": baseline_kib, "peak_kib": peak_kib,
            "succeeded": succeeded,
        })
    );
}

//! `key_info` against a local keep-alive server, side by side with a bare reqwest request plus
//! JSON parse of the same answer through the same client: what the adapter adds (signing, error
//! decoding, mapping, scrubbing) to the round trip.
//!
//! Target (DESIGN.md): within 10% of the bare GET plus JSON parse.
//!
//! Every exchange whose API describes a key (`testkit::inspectable_exchanges()`) is measured.
//! The server (`support/served.rs`) answers every path an adapter asks for with the answer the
//! testkit's simulator gives, recorded from the adapter's own calls; where `key_info` takes more
//! than one request (HTX looks up the account's uid first), the bare side sends the same
//! requests, one after the other, and parses each answer. The bare side sends the requests the
//! adapter sent, byte for byte (its signature headers included, computed once beforehand), so
//! the difference is the adapter's work, not the size of the request. Bare and adapter calls
//! alternate within one run, so drift in machine load hits both alike.
//!
//! `cargo bench --bench key_info` (`ITERATIONS=20000` for more samples)

#[path = "support/served.rs"]
mod served;

use std::time::{Duration, Instant};

use exchange_keys::testkit;
use exchange_keys::RetryPolicy;

const TARGET: f64 = 1.10;

fn main() {
    let iterations: usize = std::env::var("ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let discovered = runtime.block_on(served::discover());
    let server = serve_in_background(served::responses(&discovered));
    let client = exchange_keys::transport::http_client().unwrap();
    println!(
        "key_info vs bare request + JSON parse, {iterations} alternating calls each, medians (p90) in µs"
    );
    println!(
        "{:<15} {:>4} {:>16} {:>16} {:>7}",
        "exchange", "reqs", "bare", "key_info", "ratio"
    );
    let mut missed = Vec::new();
    for served in &discovered {
        let id = served.exchange;
        let base = format!("{server}{}", served.prefix());
        let adapter = id
            .builder()
            .base_url(&base)
            .credentials(testkit::credentials(id).unwrap())
            .http_client(client.clone())
            .retry(RetryPolicy::none())
            // The default limit (10-20 calls/s) would measure the pacing, not the adapter.
            .rate_limit(None)
            .build()
            .unwrap();
        // A reused adapter's calls: what it caches (HTX's uid) is not asked for again.
        let requests = &served.later_call;
        let bare = || async {
            for sent in requests {
                std::hint::black_box(served::bare(&client, &base, sent).await);
            }
        };
        let mut bare_times = Vec::with_capacity(iterations);
        let mut adapter_times = Vec::with_capacity(iterations);
        runtime.block_on(async {
            for _ in 0..200 {
                bare().await;
                adapter.key_info().await.unwrap();
            }
            for _ in 0..iterations {
                let start = Instant::now();
                bare().await;
                bare_times.push(start.elapsed());
                let start = Instant::now();
                std::hint::black_box(adapter.key_info().await.unwrap());
                adapter_times.push(start.elapsed());
            }
        });
        let (bare_median, bare_p90) = summary(&mut bare_times);
        let (adapter_median, adapter_p90) = summary(&mut adapter_times);
        let ratio = adapter_median.as_secs_f64() / bare_median.as_secs_f64();
        if ratio > TARGET {
            missed.push(id.as_str());
        }
        println!(
            "{:<15} {:>4} {:>7.1} ({:>6.1}) {:>7.1} ({:>6.1}) {:>7.3}",
            id.as_str(),
            requests.len(),
            micros(bare_median),
            micros(bare_p90),
            micros(adapter_median),
            micros(adapter_p90),
            ratio
        );
    }
    if missed.is_empty() {
        println!("target ratio <= {TARGET}: met by every exchange");
    } else {
        println!("target ratio <= {TARGET}: MISSED by {}", missed.join(", "));
    }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn summary(times: &mut [Duration]) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[times.len() * 9 / 10])
}

/// Starts the server on a thread of its own (its own runtime), returns its address.
fn serve_in_background(responses: served::Responses) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                served::serve(listener, responses).await;
            });
    });
    format!("http://{address}")
}

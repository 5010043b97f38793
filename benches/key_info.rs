//! `key_info` against a local server, side by side with a bare reqwest GET of the same answer
//! through the same client: what the adapter adds (signing, error decoding, mapping, scrubbing).
//!
//! Target (DESIGN.md): within 15% of the bare GET.
//!
//! The server is a minimal keep-alive HTTP/1.1 responder on its own thread that returns the
//! testkit's canned answer, so the measurement is not a mock server's matching and recording.
//! Bare and adapter calls alternate within one run, so drift in machine load hits both alike.
//!
//! `cargo bench --bench key_info` (`ITERATIONS=20000` for more samples)

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use exchange_keys::testkit::{self, Scenario};
use exchange_keys::{ExchangeId, RetryPolicy};

fn main() {
    let iterations: usize = std::env::var("ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = exchange_keys::transport::http_client().unwrap();
    println!("key_info vs bare GET, {iterations} alternating calls each, medians (p90)");
    for id in [ExchangeId::Binance, ExchangeId::Okx, ExchangeId::Bybit] {
        let body = testkit::scenario_answer(id, Scenario::Trading)
            .unwrap()
            .body
            .to_string();
        let base = serve(body);
        let (_, path) = id.key_info_endpoint().unwrap();
        let url = format!("{base}{path}");
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
        let bare = || async {
            let response = client.get(&url).send().await.unwrap();
            let body = response.bytes().await.unwrap();
            serde_json::from_slice::<serde_json::Value>(&body).unwrap()
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
                std::hint::black_box(bare().await);
                bare_times.push(start.elapsed());
                let start = Instant::now();
                std::hint::black_box(adapter.key_info().await.unwrap());
                adapter_times.push(start.elapsed());
            }
        });
        let (bare_median, bare_p90) = summary(&mut bare_times);
        let (adapter_median, adapter_p90) = summary(&mut adapter_times);
        let overhead = adapter_median.as_secs_f64() / bare_median.as_secs_f64() - 1.0;
        println!(
            "{:<8} bare {:>7.1} µs ({:>6.1})   key_info {:>7.1} µs ({:>6.1})   overhead {:>+5.1}%",
            id.as_str(),
            micros(bare_median),
            micros(bare_p90),
            micros(adapter_median),
            micros(adapter_p90),
            overhead * 100.0
        );
    }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn summary(times: &mut [Duration]) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[times.len() * 9 / 10])
}

/// Serves `body` as `200 application/json` to every request, keep-alive, on a loopback port.
fn serve(body: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let response = response.clone();
            std::thread::spawn(move || answer(stream, &response));
        }
    });
    format!("http://{address}")
}

fn answer(stream: TcpStream, response: &[u8]) {
    stream.set_nodelay(true).ok();
    let mut writer = match stream.try_clone() {
        Ok(writer) => writer,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        // Read one request head (GET requests carry no body).
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => {}
            }
        }
        if writer.write_all(response).is_err() {
            return;
        }
    }
}

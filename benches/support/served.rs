//! What the round-trip and fleet benches serve, and the server that serves it.
//!
//! The answers are not written by hand: every inspectable adapter is run once against the
//! testkit's simulated exchange, the requests it sent are recorded, and each is replayed to the
//! simulator to capture its answer. So the bench server answers exactly the paths an adapter
//! asks for (HTX's uid lookup before its key query, Deribit's key list, a server-time call
//! where an adapter makes one), with the simulator's own bodies, and a change to an adapter's
//! calls changes the benches with it.
//!
//! Every exchange is served under its own path prefix (`/binance/...`, `/okx/...`): one server
//! serves them all, and paths two venues share cannot collide.
#![allow(dead_code)] // Each bench uses a part.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;
use exchange_keys::testkit::{self, Scenario, SimulatedExchange};
use exchange_keys::{CredentialForm, Credentials, ExchangeId, RetryPolicy};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use sha2::Digest as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One request as an adapter sent it.
#[derive(Clone, Debug)]
pub struct Sent {
    pub method: String,
    /// Path and query, without the exchange's prefix.
    pub path_and_query: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What one exchange's `key_info` sends and what the server answers.
#[derive(Clone, Debug)]
pub struct Served {
    pub exchange: ExchangeId,
    /// The requests of a fresh adapter's first `key_info` (a fleet builds one adapter per key).
    pub first_call: Vec<Sent>,
    /// The requests of a later `key_info` of the same adapter (what it caches is not asked
    /// again).
    pub later_call: Vec<Sent>,
    /// Path (without prefix) -> (status, body).
    pub answers: HashMap<String, (u16, String)>,
    /// Whether the answer names the key in use (Deribit lists `client_id`s and finds its own):
    /// then every key of the bench keeps the testkit's public key and differs by its secret
    /// only, since the server gives one answer per path.
    pub answer_names_public_key: bool,
}

impl Served {
    /// `/binance`, `/kraken-futures`: where the exchange is served.
    pub fn prefix(&self) -> String {
        format!("/{}", self.exchange.as_str())
    }
}

/// The scenario every bench serves: a read-only key, what a platform mostly checks.
pub const SCENARIO: Scenario = Scenario::ReadOnly;

/// Runs every inspectable adapter against its simulator (two `key_info` calls) and records what
/// it sent and what it was answered.
pub async fn discover() -> Vec<Served> {
    let replay = reqwest::Client::new();
    let mut all = Vec::new();
    for exchange in testkit::inspectable_exchanges() {
        let sim = SimulatedExchange::start(exchange, SCENARIO).await.unwrap();
        let adapter = sim.builder().retry(RetryPolicy::none()).build().unwrap();
        adapter.key_info().await.unwrap();
        let first = sim.received_requests().await;
        adapter.key_info().await.unwrap();
        let both = sim.received_requests().await;
        let later = both[first.len()..].to_vec();
        let to_sent = |r: &testkit::RecordedRequest| Sent {
            method: r.method.clone(),
            path_and_query: match &r.query {
                Some(q) => format!("{}?{q}", r.path),
                None => r.path.clone(),
            },
            path: r.path.clone(),
            headers: r
                .headers
                .iter()
                .filter(|(n, _)| !is_hop_header(n))
                .cloned()
                .collect(),
            body: r.body.clone(),
        };
        let first_call: Vec<Sent> = first.iter().map(to_sent).collect();
        let later_call: Vec<Sent> = later.iter().map(to_sent).collect();
        let mut answers = HashMap::new();
        for sent in first_call.iter().chain(&later_call) {
            if answers.contains_key(&sent.path) {
                continue;
            }
            let mut request = replay.request(
                sent.method.parse().unwrap(),
                format!("{}{}", sim.base_url(), sent.path_and_query),
            );
            if !sent.body.is_empty() {
                request = request.body(sent.body.clone());
            }
            for (name, value) in &sent.headers {
                request = request.header(name, value);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            answers.insert(sent.path.clone(), (status, body));
        }
        let public_key = sim.credentials().api_key().to_owned();
        let answer_names_public_key = answers.values().any(|(_, b)| b.contains(&public_key));
        all.push(Served {
            exchange,
            first_call,
            later_call,
            answers,
            answer_names_public_key,
        });
    }
    all
}

fn is_hop_header(name: &str) -> bool {
    matches!(
        name,
        "host" | "content-length" | "connection" | "accept-encoding" | "user-agent" | "accept"
    )
}

/// The credentials of bench key `index` of `exchange`: the testkit's, with a secret (and public
/// key, unless the answer names it) of its own, in the same format (hex stays hex, base64 stays
/// base64 of the same length, Coinbase gets an Ed25519 seed of its own).
pub fn key_credentials(served: &Served, base: &Credentials, index: usize) -> Credentials {
    let digits = format!("{:06}", index % 1_000_000);
    let secret = base.secret().expose_secret();
    let credentials = match base.form() {
        CredentialForm::CoinbaseCdp => {
            let seed = sha2::Sha256::digest(format!("bench-key-{index}").as_bytes());
            let name = if served.answer_names_public_key {
                base.api_key().to_owned()
            } else {
                format!("{}-{index}", base.api_key())
            };
            Credentials::coinbase_cdp(name, base64::engine::general_purpose::STANDARD.encode(seed))
        }
        _ => {
            let api_key = if served.answer_names_public_key {
                base.api_key().to_owned()
            } else {
                let len = base.api_key().len();
                with_digits(base.api_key(), len.saturating_sub(8), &digits)
            };
            Credentials::new(api_key, with_digits(secret, 4, &digits))
        }
    };
    match base.passphrase() {
        Some(passphrase) => credentials.with_passphrase(passphrase.expose_secret().to_owned()),
        None => credentials,
    }
}

/// `text` with the alphanumeric characters from `from` on replaced by `digits`: still valid
/// hex, base64 (of the same length) or alphanumerics.
fn with_digits(text: &str, from: usize, digits: &str) -> String {
    let mut digits = digits.chars();
    text.char_indices()
        .map(|(i, c)| {
            if i >= from && c.is_ascii_alphanumeric() {
                digits.next().unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

/// `served` as JSON, to hand to the server and client processes.
pub fn to_json(served: &[Served]) -> Value {
    let sent = |s: &Sent| {
        json!({
            "method": s.method, "path_and_query": s.path_and_query, "path": s.path,
            "headers": s.headers, "body": s.body,
        })
    };
    Value::Array(
        served
            .iter()
            .map(|s| {
                json!({
                    "exchange": s.exchange.as_str(),
                    "first_call": s.first_call.iter().map(sent).collect::<Vec<_>>(),
                    "later_call": s.later_call.iter().map(sent).collect::<Vec<_>>(),
                    "answers": s.answers.iter().map(|(p, (st, b))| json!([p, st, b])).collect::<Vec<_>>(),
                    "answer_names_public_key": s.answer_names_public_key,
                })
            })
            .collect(),
    )
}

pub fn from_json(value: &Value) -> Vec<Served> {
    let sent = |v: &Value| Sent {
        method: v["method"].as_str().unwrap().to_owned(),
        path_and_query: v["path_and_query"].as_str().unwrap().to_owned(),
        path: v["path"].as_str().unwrap().to_owned(),
        headers: serde_json::from_value(v["headers"].clone()).unwrap(),
        body: v["body"].as_str().unwrap().to_owned(),
    };
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|s| Served {
            exchange: s["exchange"].as_str().unwrap().parse().unwrap(),
            first_call: s["first_call"]
                .as_array()
                .unwrap()
                .iter()
                .map(sent)
                .collect(),
            later_call: s["later_call"]
                .as_array()
                .unwrap()
                .iter()
                .map(sent)
                .collect(),
            answers: s["answers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| {
                    (
                        a[0].as_str().unwrap().to_owned(),
                        (
                            a[1].as_u64().unwrap() as u16,
                            a[2].as_str().unwrap().to_owned(),
                        ),
                    )
                })
                .collect(),
            answer_names_public_key: s["answer_names_public_key"].as_bool().unwrap(),
        })
        .collect()
}

/// Full HTTP responses by prefixed path.
pub type Responses = Arc<HashMap<String, Vec<u8>>>;

pub fn responses(served: &[Served]) -> Responses {
    let mut out = HashMap::new();
    for s in served {
        for (path, (status, body)) in &s.answers {
            let head = format!(
                "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                if *status == 200 { "OK" } else { "Answer" },
                body.len()
            );
            let mut bytes = head.into_bytes();
            bytes.extend_from_slice(body.as_bytes());
            out.insert(format!("{}{path}", s.prefix()), bytes);
        }
    }
    Arc::new(out)
}

/// Serves `responses` on `listener`: HTTP/1.1 keep-alive, one task per connection, the canned
/// answer of the request's path (404 for any other), nothing parsed beyond the request line and
/// `content-length`.
pub async fn serve(listener: tokio::net::TcpListener, responses: Responses) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        stream.set_nodelay(true).ok();
        tokio::spawn(connection(stream, responses.clone()));
    }
}

const NOT_FOUND: &[u8] = b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n";

async fn connection(mut stream: tokio::net::TcpStream, responses: Responses) {
    let mut buffer: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let head_end = loop {
            if let Some(at) = find(&buffer, b"\r\n\r\n") {
                break at + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]);
        let target = head.split(' ').nth(1).unwrap_or("");
        let path = target.split('?').next().unwrap_or("");
        let response = responses.get(path).map(Vec::as_slice).unwrap_or(NOT_FOUND);
        let body_len = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            })
            .unwrap_or(0);
        while buffer.len() < head_end + body_len {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        if stream.write_all(response).await.is_err() {
            return;
        }
        buffer.drain(..head_end + body_len);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Sends `sent` to `base` (the server's address plus the exchange's prefix) as the adapter
/// sent it, and parses the answer as JSON: the bare client's request, with no signing and no
/// mapping.
pub async fn bare(client: &reqwest::Client, base: &str, sent: &Sent) -> Value {
    let mut request = client.request(
        sent.method.parse().unwrap(),
        format!("{base}{}", sent.path_and_query),
    );
    if !sent.body.is_empty() {
        request = request.body(sent.body.clone());
    }
    for (name, value) in &sent.headers {
        request = request.header(name, value);
    }
    let body = request.send().await.unwrap().bytes().await.unwrap();
    serde_json::from_slice(&body).unwrap()
}

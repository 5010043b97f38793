//! Helpers shared by the integration tests. Signatures are recomputed here with `hmac` directly,
//! independently of the crate's signing code, so a signing bug cannot hide behind itself.

#![allow(dead_code)]

use std::path::PathBuf;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

pub fn fixture(exchange: &str, file: &str) -> Value {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "fixtures",
        exchange,
        file,
    ]
    .iter()
    .collect();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn fixture_text(exchange: &str, file: &str) -> String {
    fixture(exchange, file).to_string()
}

fn mac(secret: &str, message: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

pub fn hmac_hex(secret: &str, message: &str) -> String {
    hex::encode(mac(secret, message))
}

pub fn hmac_base64(secret: &str, message: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(mac(secret, message))
}

/// Base64 HMAC-SHA512 keyed with `key`, of `path` followed by SHA-256(`nonce` + `body`)
/// (Kraken), computed here independently of the crate.
pub fn kraken_sign(key: &[u8], path: &str, nonce: &str, body: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(format!("{nonce}{body}").as_bytes());
    let mut mac = Hmac::<sha2::Sha512>::new_from_slice(key).unwrap();
    mac.update(path.as_bytes());
    mac.update(&digest);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

pub fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&Utc)
}

/// Mounts on `server`: `first` answers the first `times` GETs of `path`, `then` every later one.
pub async fn answer_then(
    server: &wiremock::MockServer,
    path: &str,
    times: u64,
    first: wiremock::ResponseTemplate,
    then: wiremock::ResponseTemplate,
) {
    use wiremock::matchers;
    wiremock::Mock::given(matchers::method("GET"))
        .and(matchers::path(path))
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
    wiremock::Mock::given(matchers::method("GET"))
        .and(matchers::path(path))
        .respond_with(then)
        .with_priority(2)
        .mount(server)
        .await;
}

/// A builder for `exchange` pointed at `server`, with the testkit's credentials for it.
pub fn builder_for(
    exchange: exchange_keys::ExchangeId,
    server: &wiremock::MockServer,
) -> exchange_keys::AdapterBuilder {
    exchange
        .builder()
        .base_url(server.uri())
        .credentials(exchange_keys::testkit::credentials(exchange).unwrap())
}

/// An example's binary, next to the test's own (`target/<profile>/examples/<name>`); built
/// first when a test runs on its own.
pub fn example_binary(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps");
    let binary = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !binary.exists() {
        let status = std::process::Command::new(env!("CARGO"))
            .args(["build", "--example", name])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the {name} example failed");
    }
    binary
}

/// Runs an example as a user would (no API keys from the developer's environment, `NO_COLOR`
/// set), with `stdin` given, and fails the test rather than hang past two minutes.
pub fn run_example(
    name: &str,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&str>,
) -> std::process::Output {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let mut command = Command::new(example_binary(name));
    command.args(args).env("NO_COLOR", "1");
    for (name, _) in std::env::vars() {
        if name.ends_with("_API_KEY") || name.ends_with("_API_SECRET") {
            command.env_remove(name);
        }
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts");
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        let _ = pipe.write_all(text.as_bytes());
    }
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the example") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{name} {args:?} did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    std::process::Output {
        status,
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

/// `key_info` of `exchange` against a fresh simulator playing `scenario`: each scenario gets
/// its own server so no answer leaks into the next.
pub async fn scenario_key_info(
    exchange: exchange_keys::ExchangeId,
    scenario: exchange_keys::testkit::Scenario,
) -> exchange_keys::Result<exchange_keys::KeyInfo> {
    let sim = exchange_keys::testkit::SimulatedExchange::start(exchange, scenario)
        .await
        .unwrap();
    sim.adapter().unwrap().key_info().await
}

/// The error `key_info` of `exchange` returns when every GET of `path` is answered with
/// `answer`; the test fails if `key_info` succeeds.
pub async fn key_info_error(
    exchange: exchange_keys::ExchangeId,
    path: &str,
    answer: wiremock::ResponseTemplate,
) -> exchange_keys::Error {
    let server = wiremock::MockServer::start().await;
    mount(&server, "GET", path, answer).await;
    let adapter = builder_for(exchange, &server).build().unwrap();
    adapter.key_info().await.unwrap_err()
}

/// Each documented error fixture of `exchange`, answered with HTTP `status` at `path`, gives
/// its authentication reason and is not retried.
pub async fn assert_error_fixtures(
    exchange: exchange_keys::ExchangeId,
    path: &str,
    status: u16,
    fixtures: &[(&str, exchange_keys::AuthReason)],
) {
    for (file, reason) in fixtures {
        let body = fixture(exchange.as_str(), file);
        let answer = wiremock::ResponseTemplate::new(status).set_body_json(body);
        let err = key_info_error(exchange, path, answer).await;
        assert_eq!(err.auth_reason(), Some(*reason), "{file}: {err}");
        assert!(!err.is_retryable(), "{file}");
    }
}

/// A timestamp rejection followed by a retry that must carry the server's time: the exchange's
/// fixtures, paths and header for [`assert_timestamp_error_resyncs`].
pub struct TimestampResync<'a> {
    pub exchange: exchange_keys::ExchangeId,
    pub key_info_path: &'a str,
    /// The HTTP status the timestamp error comes with.
    pub error_status: u16,
    pub error_fixture: &'a str,
    pub success_fixture: &'a str,
    pub server_time_path: &'a str,
    /// The server time in `server_time.json`, in milliseconds.
    pub server_time_ms: i64,
    pub timestamp_header: &'a str,
    /// The header's value once the clock is corrected.
    pub corrected_timestamp: &'a str,
}

/// With the local clock 45 s behind, the first `key_info` is refused for its timestamp, the
/// adapter asks the server for its time and the retry carries the corrected timestamp.
pub async fn assert_timestamp_error_resyncs(case: TimestampResync<'_>) {
    let name = case.exchange.as_str();
    let server = wiremock::MockServer::start().await;
    answer_then(
        &server,
        case.key_info_path,
        1,
        wiremock::ResponseTemplate::new(case.error_status)
            .set_body_json(fixture(name, case.error_fixture)),
        wiremock::ResponseTemplate::new(200).set_body_json(fixture(name, case.success_fixture)),
    )
    .await;
    let server_time =
        wiremock::ResponseTemplate::new(200).set_body_json(fixture(name, "server_time.json"));
    mount(&server, "GET", case.server_time_path, server_time).await;
    let adapter = builder_for(case.exchange, &server)
        .clock(exchange_keys::clock::FixedClock::new(
            case.server_time_ms - 45_000,
        ))
        .build()
        .unwrap();
    adapter.key_info().await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[2].headers.get(case.timestamp_header).unwrap(),
        case.corrected_timestamp
    );
}

/// The JSON body of a request the simulator recorded.
pub fn json_body(request: &exchange_keys::testkit::RecordedRequest) -> Value {
    serde_json::from_str(&request.body).unwrap()
}

/// The JSON body of a request a wiremock server received.
pub fn wiremock_json_body(request: &wiremock::Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

/// The base64 HMAC-SHA256 of timestamp + method + path with query + body, keyed with the
/// testkit's secret for `exchange`: the signature OKX, Bitget and KuCoin expect for `request`,
/// whose timestamp is in `timestamp_header`.
pub fn expected_prehash_signature(
    exchange: exchange_keys::ExchangeId,
    timestamp_header: &str,
    request: &exchange_keys::testkit::RecordedRequest,
) -> String {
    use secrecy::ExposeSecret as _;
    let credentials = exchange_keys::testkit::credentials(exchange).unwrap();
    let path = match &request.query {
        Some(query) => format!("{}?{query}", request.path),
        None => request.path.clone(),
    };
    hmac_base64(
        credentials.secret().expose_secret(),
        &format!(
            "{}{}{path}{}",
            request.header(timestamp_header).unwrap(),
            request.method,
            request.body
        ),
    )
}

/// How many requests `server` received at `path`.
pub async fn requests_to(server: &wiremock::MockServer, path: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == path)
        .count()
}

/// A created key that could not be deleted again: the error says whether the outcome is
/// unknown, is not retried, names the key and the exchange's host so the user can delete it by
/// hand, and hides its secret.
pub fn assert_undeleted_key_is_named(
    err: &exchange_keys::Error,
    outcome_unknown: bool,
    new_key: &str,
    host: &str,
    new_secret: &str,
) {
    let text = err.to_string();
    assert_eq!(err.is_outcome_unknown(), outcome_unknown, "{text}");
    assert!(!err.is_retryable(), "{text}");
    assert!(text.contains(new_key) && text.contains(host), "{text}");
    assert!(!format!("{err} {err:?}").contains(new_secret), "{text}");
}

/// Each management error is `Unsupported` with a manual step that names `host` and where on
/// the website to go.
pub fn assert_manual_steps(errors: &[exchange_keys::Error], host: &str, place: &str) {
    for err in errors {
        match err {
            exchange_keys::Error::Unsupported { manual_step, .. } => {
                assert!(manual_step.contains(host), "{manual_step}");
                assert!(manual_step.contains(place), "{manual_step}");
            }
            other => panic!("{other}"),
        }
    }
}

/// Every raw answer `(status, content type, body)` served by `sim` makes `key_info` fail with
/// an error starting with `prefix` (the exchange's name).
pub async fn assert_raw_answers_fail_named<Body: AsRef<str>>(
    sim: &exchange_keys::testkit::SimulatedExchange,
    answers: &[(u16, &str, Body)],
    prefix: &str,
) {
    let adapter = sim.adapter().unwrap();
    for (status, content_type, body) in answers {
        let body = body.as_ref();
        sim.serve_raw(*status, content_type, body).await;
        let err = adapter.key_info().await.unwrap_err();
        assert!(err.to_string().starts_with(prefix), "{body}: {err}");
    }
}

/// Each documented error fixture, served by `sim` with HTTP `status`, makes `adapter`'s
/// `key_info` fail with its authentication reason (`None`: not an authentication error), not
/// retried, and starting with `"<exchange>:"`.
pub async fn assert_served_error_fixtures(
    sim: &exchange_keys::testkit::SimulatedExchange,
    adapter: &dyn exchange_keys::KeyAdapter,
    status: u16,
    fixtures: &[(&str, Option<exchange_keys::AuthReason>)],
) {
    let name = sim.exchange().as_str();
    for (file, reason) in fixtures {
        let answer = exchange_keys::testkit::CannedAnswer::with_status(status, fixture(name, file));
        sim.serve(answer).await;
        let err = adapter.key_info().await.unwrap_err();
        assert_eq!(err.auth_reason(), *reason, "{file}: {err}");
        assert!(!err.is_retryable(), "{file}");
        assert!(
            err.to_string().starts_with(&format!("{name}:")),
            "{file}: {err}"
        );
    }
}

/// Mounts on `server`: every `http_method` request to `path` gets `answer`.
pub async fn mount(
    server: &wiremock::MockServer,
    http_method: &str,
    path: &str,
    answer: impl wiremock::Respond + 'static,
) {
    use wiremock::matchers;
    wiremock::Mock::given(matchers::method(http_method))
        .and(matchers::path(path))
        .respond_with(answer)
        .mount(server)
        .await;
}

/// Like [`mount`], and `server` fails the test when dropped unless exactly one such request
/// came: for calls that must be sent once.
pub async fn mount_expecting_one(
    server: &wiremock::MockServer,
    http_method: &str,
    path: &str,
    answer: impl wiremock::Respond + 'static,
) {
    use wiremock::matchers;
    wiremock::Mock::given(matchers::method(http_method))
        .and(matchers::path(path))
        .respond_with(answer)
        .expect(1)
        .mount(server)
        .await;
}

/// A created key the adapter refused to hand over: the error says `says` and that the key was
/// deleted, and shows the new secret nowhere.
pub fn assert_new_key_deleted_saying(err: &exchange_keys::Error, says: &str, new_secret: &str) {
    assert!(err.to_string().contains(says), "{says}: {err}");
    assert!(err.to_string().contains("was deleted"), "{err}");
    assert!(!format!("{err} {err:?}").contains(new_secret));
}

/// Building an adapter for `exchange` from a key and secret alone is a configuration error that
/// mentions `mention` (where the passphrase goes).
pub fn assert_passphrase_required(exchange: exchange_keys::ExchangeId, mention: &str) {
    let err = exchange
        .builder()
        .credentials(exchange_keys::Credentials::new("k", "s"))
        .build()
        .unwrap_err();
    assert!(matches!(err, exchange_keys::Error::Config { .. }));
    assert!(err.to_string().contains(mention), "{err}");
}

/// A testnet (demo) adapter for `exchange` sends `header: 1` with its `key_info` request.
pub async fn assert_demo_sends_header(exchange: exchange_keys::ExchangeId, header: &str) {
    use exchange_keys::testkit::{Scenario, SimulatedExchange};
    let sim = SimulatedExchange::start(exchange, Scenario::Trading)
        .await
        .unwrap();
    let adapter = sim.builder().testnet(true).build().unwrap();
    adapter.key_info().await.unwrap();
    let requests = sim.received_requests().await;
    assert_eq!(requests[0].header(header), Some("1"));
}

/// `answer` with each field of `changes` set in the object at `pointer` (a JSON pointer, `""`
/// for the top level); a `null` change removes the field, to test an answer that lacks it.
pub fn with_changes(mut answer: Value, pointer: &str, changes: &Value) -> Value {
    let target = answer
        .pointer_mut(pointer)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("no object at {pointer:?}"));
    for (field, value) in changes.as_object().unwrap() {
        if value.is_null() {
            target.remove(field);
        } else {
            target.insert(field.clone(), value.clone());
        }
    }
    answer
}

/// A created key the adapter deleted because it was not shown bound to exactly
/// `ip`: a `Rejected` error saying so, with neither the new secret nor the passphrase sent at
/// creation, and one deletion request whose JSON body is `deletion`.
pub async fn assert_unbound_new_key_deleted(
    err: &exchange_keys::Error,
    server: &wiremock::MockServer,
    ip: &str,
    new_secret: &str,
    deletion: Value,
    why: &str,
) {
    let text = format!("{err} {err:?}");
    assert!(
        matches!(err, exchange_keys::Error::Rejected { .. }),
        "{text}"
    );
    assert!(
        err.to_string().contains("was deleted: no key was created"),
        "{err}"
    );
    assert!(
        err.to_string().contains(&format!("bound to exactly {ip}")),
        "{err}"
    );
    assert!(!text.contains(new_secret), "{text}");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    let passphrase = wiremock_json_body(&requests[0])["passphrase"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!text.contains(&passphrase), "{text}");
    assert_eq!(wiremock_json_body(&requests[1]), deletion, "{why}");
}

/// Hex HMAC-SHA384 (Bitfinex, Gemini), computed here independently of the crate.
pub fn hmac_sha384_hex(secret: &str, message: &str) -> String {
    let mut mac = Hmac::<sha2::Sha384>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// 2100-01-01 in milliseconds: far enough in the future that no other test's nonce for the
/// same simulated key is larger.
pub const FAR_FUTURE_MS: i64 = 4_102_444_800_000;

/// The two requests `sim` receives from two `key_info` calls of an adapter whose clock stands
/// at [`FAR_FUTURE_MS`]: for checking nonces grow from the clock's time.
pub async fn two_key_info_requests_from_the_far_future(
    sim: &exchange_keys::testkit::SimulatedExchange,
) -> Vec<exchange_keys::testkit::RecordedRequest> {
    let adapter = sim
        .builder()
        .clock(exchange_keys::clock::FixedClock::new(FAR_FUTURE_MS))
        .build()
        .unwrap();
    adapter.key_info().await.unwrap();
    adapter.key_info().await.unwrap();
    let requests = sim.received_requests().await;
    assert_eq!(requests.len(), 2);
    requests
}

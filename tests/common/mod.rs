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

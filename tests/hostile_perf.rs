//! A hostile review of issue 10's changes, through the public API only: a broken or hostile
//! exchange (connections reset or closed under a request, bodies cut short, HTTP/2 GOAWAY
//! frames that quote hyper's words, bans after a reset), answers crafted to make a key look
//! safer than it is, and a change accepted but not shown. Each attack is a regression test for
//! a finding, or the proof that the code held.
#![cfg(all(
    feature = "binance",
    feature = "bingx",
    feature = "bitstamp",
    feature = "bybit",
    feature = "gate",
    feature = "okx"
))]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use exchange_keys::error::TransportKind;
use exchange_keys::testkit;
use exchange_keys::{
    Error, ExchangeId, Grant, KeyAdapter, KeyChange, KeyRef, Permission, RetryPolicy,
    RevokeAllConfirm,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the hostile door does with one request.
#[derive(Clone, Debug)]
enum Act {
    /// Reads the request, then resets the connection (RST).
    Reset,
    /// Reads the request, then closes the connection in order (FIN) without a word.
    Close,
    /// Sends a 200's head promising 400 bytes, 20 of them, then closes.
    CutBody,
    /// Answers something that is not HTTP.
    Garbage,
    /// Answers `status` with a JSON `body`.
    Answer(u16, String),
}

/// A server that plays `script` one request after another (its last act repeats), one request
/// per connection, and records each request's path.
struct Door {
    url: String,
    paths: Arc<Mutex<Vec<String>>>,
}

impl Door {
    async fn start(script: Vec<Act>) -> Door {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let paths = Arc::new(Mutex::new(Vec::new()));
        let seen = paths.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let Some(path) = read_request(&stream).await else {
                    continue;
                };
                let act = {
                    let mut seen = seen.lock().unwrap();
                    seen.push(path);
                    script[(seen.len() - 1).min(script.len() - 1)].clone()
                };
                play(stream, act).await;
            }
        });
        Door { url, paths }
    }

    fn paths(&self) -> Vec<String> {
        self.paths.lock().unwrap().clone()
    }
}

/// Reads one request (head and `content-length` body); its path.
async fn read_request(stream: &TcpStream) -> Option<String> {
    let mut raw = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        stream.readable().await.ok()?;
        match stream.try_read(&mut buffer) {
            Ok(0) => return None,
            Ok(n) => raw.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(_) => return None,
        }
        let text = String::from_utf8_lossy(&raw).into_owned();
        let Some(head_end) = text.find("\r\n\r\n") else {
            continue;
        };
        let length = text[..head_end]
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(n, _)| n.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        if raw.len() >= head_end + 4 + length {
            let target = text.split(' ').nth(1).unwrap_or_default();
            return Some(target.split('?').next().unwrap_or_default().to_owned());
        }
    }
}

async fn play(mut stream: TcpStream, act: Act) {
    match act {
        Act::Reset => {
            #[allow(deprecated)] // RST on drop is the point here.
            stream.set_linger(Some(Duration::ZERO)).unwrap();
            drop(stream);
        }
        Act::Close => {
            let _ = stream.shutdown().await;
        }
        Act::CutBody => {
            let _ = stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n{\"code\":\"0\",\"data\":[",
                )
                .await;
            let _ = stream.flush().await;
            tokio::time::sleep(Duration::from_millis(20)).await;
            let _ = stream.shutdown().await;
        }
        Act::Garbage => {
            let _ = stream.write_all(b"HELLO THERE\r\n\r\n").await;
            let _ = stream.shutdown().await;
        }
        Act::Answer(status, body) => {
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    }
}

/// Three attempts at most, quickly.
fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 2,
        min_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        ..RetryPolicy::default()
    }
}

fn adapter_at(exchange: ExchangeId, url: &str, retry: RetryPolicy) -> Arc<dyn KeyAdapter> {
    exchange
        .builder()
        .base_url(url)
        .credentials(testkit::credentials(exchange).unwrap())
        .retry(retry)
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

/// Whether `text` quotes a secret of the exchange's test credentials.
fn quotes_a_secret(exchange: ExchangeId, text: &str) -> bool {
    use secrecy::ExposeSecret;
    let credentials = testkit::credentials(exchange).unwrap();
    let secret = credentials.secret().expose_secret().to_owned();
    let passphrase = credentials
        .passphrase()
        .map(|p| p.expose_secret().to_owned());
    text.contains(&secret) || passphrase.is_some_and(|p| !p.is_empty() && text.contains(&p))
}

// ---------------------------------------------------------------------------------------------
// 1. Resets and early closes.

#[cfg(feature = "okx")]
#[tokio::test]
async fn a_read_cut_mid_body_is_a_reset_and_is_sent_again_within_the_policy() {
    let door = Door::start(vec![Act::CutBody]).await;
    let adapter = adapter_at(ExchangeId::Okx, &door.url, quick_retries());
    let err = adapter.key_info().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportKind::Reset,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(door.paths().len(), 3, "{:?}", door.paths());
    assert!(!quotes_a_secret(ExchangeId::Okx, &format!("{err} {err:?}")));
}

#[cfg(feature = "okx")]
#[tokio::test]
async fn a_reset_read_is_not_sent_again_past_the_retry_timeout() {
    let door = Door::start(vec![Act::Reset]).await;
    let policy = RetryPolicy {
        min_delay: Duration::from_millis(200),
        max_delay: Duration::from_millis(200),
        retry_timeout: Duration::from_millis(50),
        ..quick_retries()
    };
    let adapter = adapter_at(ExchangeId::Okx, &door.url, policy);
    let err = adapter.key_info().await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(door.paths().len(), 1, "{:?}", door.paths());
}

#[cfg(feature = "okx")]
#[tokio::test]
async fn an_orderly_close_before_the_answer_is_a_reset_too() {
    let door = Door::start(vec![Act::Close, Act::Close, Act::Close]).await;
    let adapter = adapter_at(ExchangeId::Okx, &door.url, quick_retries());
    let err = adapter.key_info().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportKind::Reset,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(door.paths().len(), 3);
}

#[cfg(feature = "okx")]
#[tokio::test]
async fn an_answer_that_is_not_http_is_not_a_reset_and_is_sent_once() {
    let door = Door::start(vec![Act::Garbage]).await;
    let adapter = adapter_at(ExchangeId::Okx, &door.url, quick_retries());
    let err = adapter.key_info().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportKind::Other,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(door.paths().len(), 1);
}

#[cfg(feature = "bitstamp")]
#[tokio::test]
async fn the_kill_switch_closed_or_cut_under_it_is_sent_once_and_unknown() {
    for act in [Act::Close, Act::CutBody, Act::Reset] {
        let door = Door::start(vec![act.clone()]).await;
        let adapter = adapter_at(ExchangeId::Bitstamp, &door.url, quick_retries());
        let err = adapter
            .revoke_all(RevokeAllConfirm::IUnderstandEveryKeyOnEveryAccountDies)
            .await
            .unwrap_err();
        assert_eq!(door.paths().len(), 1, "{act:?}: {:?}", door.paths());
        assert!(
            err.is_outcome_unknown() && !err.is_retryable(),
            "{act:?}: {err:?}"
        );
        assert!(!quotes_a_secret(
            ExchangeId::Bitstamp,
            &format!("{err} {err:?}")
        ));
    }
}

#[cfg(feature = "okx")]
#[tokio::test]
async fn a_reset_during_clock_correction_ends_the_call_without_a_loop() {
    let rejected = testkit::error_answer(ExchangeId::Okx, "50102", "Timestamp request expired")
        .unwrap()
        .body
        .to_string();
    let door = Door::start(vec![Act::Answer(401, rejected), Act::Reset]).await;
    let adapter = adapter_at(ExchangeId::Okx, &door.url, quick_retries());
    let err = adapter.key_info().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(
        door.paths(),
        ["/api/v5/account/config", "/api/v5/public/time"],
        "one call, one server-time call"
    );
}

#[cfg(feature = "okx")]
#[tokio::test]
async fn a_write_refused_for_its_timestamp_then_reset_on_the_clock_is_sent_once() {
    let rejected = testkit::error_answer(ExchangeId::Okx, "50102", "Timestamp request expired")
        .unwrap()
        .body
        .to_string();
    let door = Door::start(vec![Act::Answer(401, rejected), Act::Reset]).await;
    let adapter = adapter_at(ExchangeId::Okx, &door.url, quick_retries());
    let _ = adapter
        .update_key(
            KeyRef::sub_account_key("key-1", "sub1"),
            &KeyChange::new().allowed_ips(["203.0.113.7"]),
        )
        .await
        .unwrap_err();
    let writes = door
        .paths()
        .iter()
        .filter(|p| p.contains("modify-apikey"))
        .count();
    assert_eq!(writes, 1, "{:?}", door.paths());
}

#[cfg(feature = "binance")]
#[tokio::test]
async fn a_ban_after_a_reset_ends_the_retries() {
    let door = Door::start(vec![Act::Reset, Act::Answer(418, "{}".into())]).await;
    let adapter = adapter_at(ExchangeId::Binance, &door.url, quick_retries());
    let err = adapter.key_info().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::RateLimited {
                ip_banned: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(door.paths().len(), 2);
}

#[cfg(feature = "bybit")]
#[tokio::test]
async fn a_bybit_403_ban_after_a_reset_ends_the_retries() {
    let door = Door::start(vec![Act::Reset, Act::Answer(403, String::new())]).await;
    let adapter = adapter_at(ExchangeId::Bybit, &door.url, quick_retries());
    let err = adapter.key_info().await.unwrap_err();
    assert!(!err.is_retryable(), "{err:?}");
    assert_eq!(door.paths().len(), 2);
}

/// An HTTP/2 server that answers every stream with GOAWAY (INTERNAL_ERROR) whose debug data is
/// `debug`: text the server chooses, which h2 quotes in its error.
async fn goaway_door(debug: &'static [u8]) -> (String, Arc<Mutex<usize>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(Mutex::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            *counted.lock().unwrap() += 1;
            tokio::spawn(async move {
                // SETTINGS (empty), then wait for the client's preface and frames.
                let _ = stream.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).await;
                let mut buffer = [0u8; 4096];
                let mut seen = 0;
                while seen < 24 + 9 {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen += n,
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
                let mut frames = vec![0, 0, 0, 4, 1, 0, 0, 0, 0];
                let length = 8 + debug.len();
                frames.extend_from_slice(&[
                    (length >> 16) as u8,
                    (length >> 8) as u8,
                    length as u8,
                ]);
                frames.extend_from_slice(&[7, 0, 0, 0, 0, 0]);
                frames.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 2]);
                frames.extend_from_slice(debug);
                let _ = stream.write_all(&frames).await;
                tokio::time::sleep(Duration::from_millis(100)).await;
            });
        }
    });
    (url, connections)
}

#[cfg(feature = "okx")]
#[tokio::test]
async fn a_goaway_quoting_hypers_words_is_not_read_as_a_reset() {
    let (url, connections) = goaway_door(b"connection closed before message completed").await;
    let client = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let adapter = ExchangeId::Okx
        .builder()
        .base_url(url)
        .credentials(testkit::credentials(ExchangeId::Okx).unwrap())
        .retry(quick_retries())
        .timeout(Duration::from_secs(2))
        .http_client(client)
        .build()
        .unwrap();
    let err = adapter.key_info().await.unwrap_err();
    assert!(
        !matches!(
            err,
            Error::Transport {
                kind: TransportKind::Reset,
                ..
            }
        ),
        "text the server chose decided the class: {err:?}"
    );
    let _ = connections;
}

// ---------------------------------------------------------------------------------------------
// 2. A change accepted but not shown.

#[cfg(feature = "gate")]
#[tokio::test]
async fn gate_a_read_back_that_fails_after_an_accepted_change_is_unknown_not_a_refusal() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let key_path = "/api/v4/sub_accounts/10001/keys/abc123";
    let entry = serde_json::json!({
        "user_id": 10001, "key": "abc123", "name": "bot", "state": 1,
        "perms": [{"name": "spot", "read_only": true}],
        "ip_whitelist": ["203.0.113.7"],
    });
    Mock::given(method("PUT"))
        .and(path(key_path))
        .respond_with(ResponseTemplate::new(200).set_body_json(entry.clone()))
        .expect(1)
        .mount(&server)
        .await;
    common::answer_then(
        &server,
        key_path,
        1,
        ResponseTemplate::new(200).set_body_json(entry),
        ResponseTemplate::new(429).set_body_json(
            serde_json::json!({"label": "TOO_MANY_REQUESTS", "message": "slow down"}),
        ),
    )
    .await;
    let adapter = common::builder_for(ExchangeId::Gate, &server)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = adapter
        .update_key(
            KeyRef::sub_account_key("abc123", "10001"),
            &KeyChange::new()
                .permissions(vec![Permission::Read, Permission::SpotTrade])
                .allowed_ips(["203.0.113.9"]),
        )
        .await
        .unwrap_err();
    assert!(
        err.is_outcome_unknown() && !err.is_retryable(),
        "the PUT was accepted; a failed read-back must not read as a refusal: {err:?}"
    );
    assert!(!quotes_a_secret(
        ExchangeId::Gate,
        &format!("{err} {err:?}")
    ));
}

// ---------------------------------------------------------------------------------------------
// 3. Answers crafted to make a key look safer than it is.

#[cfg(feature = "okx")]
fn okx_config(edit: impl FnOnce(&mut serde_json::Value)) -> exchange_keys::KeyInfo {
    let mut body = common::fixture("okx", "account_config.json");
    body["data"][0]["ip"] = "203.0.113.7".into();
    edit(&mut body["data"][0]);
    let credentials = testkit::credentials(ExchangeId::Okx).unwrap();
    ExchangeId::Okx
        .key_info_from_answer(200, body.to_string().as_bytes(), Some(&credentials))
        .unwrap()
}

#[cfg(feature = "okx")]
#[test]
fn okx_the_documented_master_key_manages_keys() {
    let info = okx_config(|_| {});
    assert_eq!(
        info.permissions.get(&Permission::KeyManagement),
        Grant::Granted
    );
}

#[cfg(feature = "okx")]
#[test]
fn okx_uid_spoofing_never_denies_a_master_key_its_management() {
    let main = "44705892343619584";
    let spoofs: Vec<(&str, serde_json::Value, serde_json::Value)> = vec![
        ("a leading zero", format!("0{main}").into(), "0".into()),
        ("a number", main.parse::<u64>().unwrap().into(), "0".into()),
        (
            "fullwidth digits",
            "４４７０５８９２３４３６１９５８４".into(),
            "0".into(),
        ),
        ("padded", format!(" {main} ").into(), "0".into()),
        ("no uid, unknown type", serde_json::Value::Null, "77".into()),
        ("no uid, numeric type", serde_json::Value::Null, 0.into()),
    ];
    for (what, uid, account_type) in spoofs {
        let info = okx_config(|entry| {
            entry["uid"] = uid.clone();
            entry["type"] = account_type.clone();
        });
        for right in [Permission::KeyManagement, Permission::SubAccountManagement] {
            assert_ne!(
                info.permissions.get(&right),
                Grant::Denied,
                "{what}: {right} denied ({:?})",
                info.account
            );
        }
    }
}

#[cfg(feature = "okx")]
#[test]
fn okx_look_alike_and_variant_tokens_never_read_as_read_only() {
    for perm in [
        "read_only",
        "read_only,wіthdraw",
        "read_only,trаde",
        "read_only, TRADE ",
        "read_only,,trade",
        "read_only;trade",
        "read_only withdraw",
        "read_only,\u{200b}withdraw",
    ] {
        let info = okx_config(|entry| entry["perm"] = perm.into());
        let denied = |right| info.permissions.get(&right) == Grant::Denied;
        if perm == "read_only" {
            assert!(denied(Permission::Withdraw) && denied(Permission::SpotTrade));
            continue;
        }
        assert!(
            !(denied(Permission::Withdraw) && denied(Permission::SpotTrade)),
            "`{perm}` reads as read-only: {:?}",
            info.permissions
        );
    }
}

#[cfg(feature = "bingx")]
fn bingx_answer(permissions: serde_json::Value) -> exchange_keys::Result<exchange_keys::KeyInfo> {
    let mut body = testkit::scenario_answer(ExchangeId::Bingx, testkit::Scenario::ReadOnly)
        .unwrap()
        .body;
    let pointer = testkit::payload_pointer(ExchangeId::Bingx).unwrap();
    let payload = body.pointer_mut(pointer).unwrap();
    payload["permissions"] = permissions;
    let credentials = testkit::credentials(ExchangeId::Bingx).unwrap();
    ExchangeId::Bingx.key_info_from_answer(200, body.to_string().as_bytes(), Some(&credentials))
}

#[cfg(feature = "bingx")]
#[test]
fn bingx_junk_among_codes_never_denies_a_right() {
    use serde_json::json;
    let read_only = bingx_answer(json!([2])).unwrap();
    assert_eq!(
        read_only.permissions.get(&Permission::Withdraw),
        Grant::Denied
    );
    for junk in [
        json!([2, null]),
        json!([2, {}]),
        json!([2, []]),
        json!([2, true]),
        json!([2, ""]),
        json!([2, "  "]),
        json!([2, " 5 x"]),
        json!([2, "05"]),
        json!([2, 5.0]),
        json!([2, "wіthdraw"]),
        json!([2, -5]),
        json!([2, 1e300]),
    ] {
        let info = bingx_answer(junk.clone()).unwrap();
        let denied: Vec<_> = Permission::NORMALIZED
            .into_iter()
            .filter(|right| info.permissions.get(right) == Grant::Denied)
            .collect();
        assert!(denied.is_empty(), "{junk}: {denied:?} denied");
    }
}

#[cfg(feature = "bingx")]
#[test]
fn bingx_huge_and_deep_answers_fail_or_map_without_a_panic() {
    let huge = serde_json::Value::Array((0..200_000).map(|_| "2".into()).collect());
    let _ = bingx_answer(huge);
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let credentials = testkit::credentials(ExchangeId::Bingx).unwrap();
    for id in testkit::inspectable_exchanges() {
        assert!(id
            .key_info_from_answer(200, deep.as_bytes(), Some(&credentials))
            .is_err());
    }
}

#[cfg(feature = "okx")]
#[test]
fn okx_duplicate_keys_never_make_a_key_read_only() {
    let credentials = testkit::credentials(ExchangeId::Okx).unwrap();
    let body = r#"{"code":"0","msg":"","data":[{"perm":"read_only,withdraw,trade","perm":"read_only","ip":"203.0.113.7","uid":"1","mainUid":"1","type":"0","label":"x"}]}"#;
    match ExchangeId::Okx.key_info_from_answer(200, body.as_bytes(), Some(&credentials)) {
        Err(_) => {}
        Ok(info) => assert_ne!(
            info.permissions.get(&Permission::Withdraw),
            Grant::Denied,
            "the later of two `perm`s hid the withdrawal right"
        ),
    }
}

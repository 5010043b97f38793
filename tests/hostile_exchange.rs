//! A hostile exchange against the Deribit, Kraken and Coinbase adapters and the management
//! paths: secrets echoed in odd places, look-alike and empty key ids, answers that are not
//! quite success, writes that fail half way. Each test was written as an attack during review;
//! the ones that found a problem (marked FINDING) now prove its fix.
#![cfg(all(feature = "deribit", feature = "kraken", feature = "coinbase"))]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use exchange_keys::exchanges::{coinbase, deribit, kraken};
use exchange_keys::testkit::{self, CannedAnswer, Scenario, SimulatedExchange};
use exchange_keys::{
    Credentials, Error, ExchangeId, Grant, IpRestriction, KeyAdapter, KeyRef, NewKeySpec,
    Permission, Reported, RetryPolicy, RevokeConfirm,
};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The testkit's Deribit key in use.
const OUR_ID: &str = "aD-KFx-H";
const OUR_SECRET: &str = "mwNOvbUVyQczytQ5IVM8CbzmgqNJ81WvLKfu6MXcJPs";
/// Another key's secret, as Deribit's list echoes it.
const OTHER_SECRET: &str = "SjM57m1T2CfXZ4vZ76X1APjqRlJdtzHI8IwVXoQnfoM";
/// The secret Deribit hands out for a newly created key.
const NEW_SECRET: &str = "B6RsF9rrLY5ezEGBQkyLlV-UC7whyPJ34BMA-kKYpes";

const LIST: &str = "/api/v2/private/list_api_keys";
const CREATE: &str = "/api/v2/private/create_api_key";
const EDIT: &str = "/api/v2/private/edit_api_key";
const REMOVE: &str = "/api/v2/private/remove_api_key";

fn rpc(result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 7, "result": result, "testnet": false,
           "usIn": 1, "usOut": 2, "usDiff": 1})
}

fn rpc_error(code: i64, message: &str, data: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 7,
           "error": {"code": code, "message": message, "data": data}, "testnet": false})
}

fn entry(id: u64, client_id: &str, secret: &str, scope: &str) -> Value {
    json!({
        "timestamp": 1_560_236_287_708_i64, "max_scope": scope, "id": id, "enabled": true,
        "default": false, "client_secret": secret, "client_id": client_id, "name": "",
        "enabled_features": []
    })
}

fn ours() -> Value {
    entry(
        2,
        OUR_ID,
        OUR_SECRET,
        "account:read_write trade:read wallet:read",
    )
}

fn other() -> Value {
    entry(
        1,
        "TiA4AyLPq3",
        OTHER_SECRET,
        "account:read trade:read wallet:read",
    )
}

/// A retry policy that would resend quickly if the pipeline ever retried.
fn eager_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        min_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
        ..RetryPolicy::default()
    }
}

fn adapter_for(id: ExchangeId, server: &MockServer) -> Arc<dyn KeyAdapter> {
    id.builder()
        .base_url(server.uri())
        .credentials(testkit::credentials(id).unwrap())
        .retry(eager_retries())
        .rate_limit(None)
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap()
}

async fn mount(server: &MockServer, at: &str, answer: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(answer)
        .mount(server)
        .await;
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

async fn count(server: &MockServer, at: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == at)
        .count()
}

async fn queries(server: &MockServer, at: &str) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == at)
        .map(|r| r.url.query().unwrap_or_default().to_owned())
        .collect()
}

fn assert_clean(what: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !text
                .to_ascii_lowercase()
                .contains(&secret.to_ascii_lowercase()),
            "{what} leaks a secret ({secret}): {text}"
        );
    }
}

/// Captures every log line written while it is alive (current thread).
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        let logs = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || logs.clone())
            .finish();
        tracing::subscriber::set_default(subscriber)
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

// ---------------------------------------------------------------------------------------------
// Deribit: revoke must never reach the key in use
// ---------------------------------------------------------------------------------------------

/// FINDING (fixed): `revoke(KeyRef::other(""))` (an unset variable, an empty config field) is not
/// recognised as the key in use, and `key_number("")` then falls into `own_entry`'s
/// "offline, a lone entry is taken" branch: on an account whose only key is the one in use,
/// `remove_api_key` is sent for the key in use, bypassing the `revoke_own` gate.
#[tokio::test]
async fn deribit_revoke_of_an_empty_id_is_refused_and_never_removes_the_key_in_use() {
    let server = MockServer::start().await;
    mount(&server, LIST, ok(rpc(json!([ours()])))).await;
    mount(&server, REMOVE, ok(rpc(json!("ok")))).await;
    let adapter = adapter_for(ExchangeId::Deribit, &server);
    let outcome = adapter
        .revoke(
            KeyRef::other(""),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await;
    let removals = queries(&server, REMOVE).await;
    assert!(
        removals.is_empty(),
        "revoke(KeyRef::other(\"\")) sent remove_api_key {removals:?} for the key in use (id=2); outcome: {outcome:?}"
    );
    assert!(outcome.is_err(), "{outcome:?}");
}

/// Handled: the own client id in another case or with surrounding spaces is not a bypass
/// (nothing matches exactly, nothing is removed); the exact id is refused as revoke_own.
#[tokio::test]
async fn deribit_own_id_variants_never_reach_remove() {
    let server = MockServer::start().await;
    mount(&server, LIST, ok(rpc(json!([other(), ours()])))).await;
    mount(&server, REMOVE, ok(rpc(json!("ok")))).await;
    let adapter = adapter_for(ExchangeId::Deribit, &server);
    for id in [OUR_ID, " aD-KFx-H", "aD-KFx-H ", "AD-KFX-H", "ad-kfx-h"] {
        let target = KeyRef::sub_account_key(id.to_owned(), "main");
        let err = adapter
            .revoke(target, RevokeConfirm::IUnderstandThisIsIrreversible)
            .await
            .unwrap_err();
        assert!(
            err.is_unsupported() || matches!(err, Error::Config { .. }),
            "{id:?}: {err}"
        );
    }
    assert_eq!(count(&server, REMOVE).await, 0);
}

/// FINDING (low): the number `remove_api_key` takes is read from the target's entry without
/// checking it is not the number of the key in use: a list (buggy or hostile) that gives the
/// target the number of the key in use makes `revoke(other)` remove the key in use.
#[tokio::test]
async fn deribit_revoke_refuses_a_number_shared_with_the_key_in_use() {
    let server = MockServer::start().await;
    let mut target = other();
    target["id"] = json!(2); // the number of the key in use
    mount(&server, LIST, ok(rpc(json!([target, ours()])))).await;
    mount(&server, REMOVE, ok(rpc(json!("ok")))).await;
    let adapter = adapter_for(ExchangeId::Deribit, &server);
    let outcome = adapter
        .revoke(
            KeyRef::other("TiA4AyLPq3"),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await;
    assert_eq!(
        queries(&server, REMOVE).await,
        Vec::<String>::new(),
        "remove_api_key was sent with the number of the key in use; outcome {outcome:?}"
    );
}

/// FINDING (fixed): any successful `remove_api_key` answer is read as "revoked", whatever its
/// `result`: a security-key challenge whose flag is not the JSON `true` (`"true"`, `1`), a
/// `null`, `false` or `"error"` result all become `Ok(Revoked)` although nothing says the key
/// is gone (Deribit answers `"ok"`).
#[tokio::test]
async fn deribit_a_remove_answer_other_than_ok_is_never_reported_revoked() {
    let odd_results = [
        json!({"security_key_authorization_required": "true",
               "security_keys": [{"type": "tfa", "name": "tfa"}],
               "rp_id": "www.deribit.com", "challenge": "Zm9v"}),
        json!({"security_key_authorization_required": 1,
               "security_keys": [{"type": "tfa"}]}),
        Value::Null,
        json!(false),
        json!("error"),
    ];
    let mut accepted = Vec::new();
    for result in odd_results {
        let server = MockServer::start().await;
        mount(&server, LIST, ok(rpc(json!([other(), ours()])))).await;
        mount(&server, REMOVE, ok(rpc(result.clone()))).await;
        let adapter = adapter_for(ExchangeId::Deribit, &server);
        let outcome = adapter
            .revoke(
                KeyRef::other("TiA4AyLPq3"),
                RevokeConfirm::IUnderstandThisIsIrreversible,
            )
            .await;
        if outcome.is_ok() {
            accepted.push(result);
        }
    }
    assert!(
        accepted.is_empty(),
        "remove_api_key answers reported as a successful revocation: {accepted:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Deribit: create_key must bind the key or remove it
// ---------------------------------------------------------------------------------------------

fn created(id: u64) -> Value {
    entry(
        id,
        "1sXMQBhM",
        NEW_SECRET,
        "account:none trade:read wallet:none block_trade:none",
    )
}

fn bound(id: u64, ips: Value) -> Value {
    let mut e = created(id);
    e["ip_whitelist"] = ips;
    e
}

/// FINDING (fixed): when `create_api_key` answers without `client_secret` (or `client_id`) the key
/// exists on the account — with its scope and NO allowlist — and the adapter knows its
/// number, yet it never removes it: it returns a `Decode` error ("look for it on
/// deribit.com") and leaves an unrestricted key alive. Nor is the error `OutcomeUnknown`.
#[tokio::test]
async fn deribit_a_created_key_without_its_secret_is_removed() {
    let server = MockServer::start().await;
    let mut answer = created(7);
    answer.as_object_mut().unwrap().remove("client_secret");
    mount(&server, CREATE, ok(rpc(answer))).await;
    mount(&server, EDIT, ok(rpc(bound(7, json!(["203.0.113.7"]))))).await;
    mount(&server, REMOVE, ok(rpc(json!("ok")))).await;
    let adapter = adapter_for(ExchangeId::Deribit, &server);
    let spec = NewKeySpec::new("bot", vec![Permission::Read]).allowed_ips(["203.0.113.7"]);
    let err = adapter.create_key(&spec).await.unwrap_err();
    assert_eq!(count(&server, CREATE).await, 1);
    assert_eq!(
        queries(&server, REMOVE).await,
        ["id=7"],
        "the unbound key number 7 is left on the account; error: {err}"
    );
}

/// FINDING (fixed): `same_addresses` compares lengths and "every wanted entry is shown": with a
/// repeated address in the request, Deribit's answer may bind the key to an extra address the
/// caller never asked for, and the key is handed over as bound.
#[tokio::test]
async fn deribit_a_repeated_requested_address_lets_no_extra_address_through() {
    let server = MockServer::start().await;
    mount(&server, CREATE, ok(rpc(created(7)))).await;
    mount(
        &server,
        EDIT,
        ok(rpc(bound(7, json!(["203.0.113.7", "198.51.100.66"])))),
    )
    .await;
    mount(&server, REMOVE, ok(rpc(json!("ok")))).await;
    let adapter = adapter_for(ExchangeId::Deribit, &server);
    let spec =
        NewKeySpec::new("bot", vec![Permission::Read]).allowed_ips(["203.0.113.7", "203.0.113.7"]);
    let outcome = adapter.create_key(&spec).await;
    assert!(
        outcome.is_err(),
        "a key bound to 198.51.100.66, an address never asked for, was handed over"
    );
    assert_eq!(queries(&server, REMOVE).await, ["id=7"]);
}

/// Handled: an edit answer showing a superset, a subset, a wildcard, `0.0.0.0/0`, `::/0`, an
/// empty list, no list or a mistyped list gets the key removed (once) and an error without
/// the new secret.
#[tokio::test]
async fn deribit_edit_answer_not_exactly_the_requested_addresses_removes_the_key() {
    let shown = [
        json!(["203.0.113.7", "198.51.100.66"]),
        json!(["203.0.113.7"]),
        json!(["*"]),
        json!(["0.0.0.0/0", "203.0.113.7", "198.51.100.0/24"]),
        json!(["::/0"]),
        json!([]),
        json!([""]),
        Value::Null,
        json!([2_031_137]),
        json!("203.0.113.7, 198.51.100.0/24"),
    ];
    for ips in shown {
        let server = MockServer::start().await;
        mount(&server, CREATE, ok(rpc(created(7)))).await;
        mount(&server, EDIT, ok(rpc(bound(7, ips.clone())))).await;
        mount(&server, REMOVE, ok(rpc(json!("ok")))).await;
        let adapter = adapter_for(ExchangeId::Deribit, &server);
        let spec = NewKeySpec::new("bot", vec![Permission::Read])
            .allowed_ips(["203.0.113.7", "198.51.100.0/24"]);
        let err = adapter.create_key(&spec).await.unwrap_err();
        assert_eq!(queries(&server, REMOVE).await, ["id=7"], "{ips}");
        assert!(err.to_string().contains("removed"), "{ips}: {err}");
        assert_clean(
            "error",
            &format!("{err} {err:?}"),
            &[NEW_SECRET, OUR_SECRET],
        );
    }
}

/// Handled: wildcard, empty and covering allowlists are refused for new keys before anything
/// is sent.
#[tokio::test]
async fn deribit_create_refuses_covering_allowlists_before_sending() {
    let server = MockServer::start().await;
    let adapter = adapter_for(ExchangeId::Deribit, &server);
    let cases: [&[&str]; 9] = [
        &[],
        &[""],
        &["*"],
        &["0.0.0.0/0"],
        &["::/0"],
        &["203.0.113.7/0"],
        &["0.0.0.0/1", "128.0.0.0/1"],
        &["::ffff:0:0/96"],
        &["203.0.113.*"],
    ];
    for ips in cases {
        let spec = NewKeySpec::new("bot", vec![Permission::Read]).allowed_ips(ips.iter().copied());
        let err = adapter.create_key(&spec).await.unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{ips:?}: {err}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// Handled: the edit fails with a 5xx; no write is sent twice; the new key is removed once;
/// when the removal fails too the error is not retryable, names the manual step and holds no
/// secret (nor do the logs).
#[tokio::test]
async fn deribit_edit_5xx_then_remove_5xx_each_write_sent_once_and_secret_free() {
    let logs = Logs::default();
    let _guard = logs.install();
    let server = MockServer::start().await;
    mount(&server, CREATE, ok(rpc(created(7)))).await;
    mount(&server, EDIT, ResponseTemplate::new(503)).await;
    mount(&server, REMOVE, ResponseTemplate::new(503)).await;
    let adapter = adapter_for(ExchangeId::Deribit, &server);
    let spec = NewKeySpec::new("bot", vec![Permission::Read]).allowed_ips(["203.0.113.7"]);
    let err = adapter.create_key(&spec).await.unwrap_err();
    assert_eq!(count(&server, CREATE).await, 1);
    assert_eq!(count(&server, EDIT).await, 1);
    assert_eq!(count(&server, REMOVE).await, 1);
    assert!(!err.is_retryable(), "{err}");
    assert!(err.to_string().contains("deribit.com"), "{err}");
    assert_clean(
        "error",
        &format!("{err} {err:?}"),
        &[NEW_SECRET, OUR_SECRET],
    );
    assert_clean("logs", &logs.text(), &[NEW_SECRET, OUR_SECRET]);
}

/// FINDING (fixed): when the edit times out, `OutcomeUnknown` wraps a `Transport` error, which has no
/// context; `unbound_key_removed` then replaces the whole error with `Error::Rejected`. When the
/// removal times out as well, nobody knows whether the new key exists (nor whether it is
/// bound), yet the caller gets a plain `Rejected` ("removing it failed"), not `OutcomeUnknown`.
/// (With a 503 instead of a timeout the same situation stays `OutcomeUnknown`: inconsistent.)
#[tokio::test]
async fn deribit_edit_and_remove_timeouts_leave_the_outcome_unknown() {
    let server = MockServer::start().await;
    mount(&server, CREATE, ok(rpc(created(7)))).await;
    let slow = |body: Value| ok(body).set_delay(Duration::from_secs(2));
    mount(&server, EDIT, slow(rpc(bound(7, json!(["203.0.113.7"]))))).await;
    mount(&server, REMOVE, slow(rpc(json!("ok")))).await;
    let adapter = adapter_for(ExchangeId::Deribit, &server);
    let spec = NewKeySpec::new("bot", vec![Permission::Read]).allowed_ips(["203.0.113.7"]);
    let err = adapter.create_key(&spec).await.unwrap_err();
    assert_eq!(count(&server, EDIT).await, 1);
    assert_eq!(count(&server, REMOVE).await, 1);
    assert!(
        err.is_outcome_unknown(),
        "edit and removal both timed out, the key may exist: expected OutcomeUnknown, got {err:?}"
    );
}

/// FINDING (fixed): the new key's `client_secret` is only known to `create_key`; the scrubber knows the
/// adapter's own secrets only. An edit refusal whose `data.reason` quotes the new secret
/// reaches the caller's error verbatim.
#[tokio::test]
async fn deribit_the_new_secret_quoted_in_an_edit_error_is_scrubbed() {
    let server = MockServer::start().await;
    mount(&server, CREATE, ok(rpc(created(7)))).await;
    mount(
        &server,
        EDIT,
        ResponseTemplate::new(400).set_body_json(rpc_error(
            11029,
            "invalid_arguments",
            json!({"param": "ip_whitelist",
                   "reason": format!("key 1sXMQBhM/{NEW_SECRET} cannot be edited")}),
        )),
    )
    .await;
    mount(&server, REMOVE, ok(rpc(json!("ok")))).await;
    let adapter = adapter_for(ExchangeId::Deribit, &server);
    let spec = NewKeySpec::new("bot", vec![Permission::Read]).allowed_ips(["203.0.113.7"]);
    let err = adapter.create_key(&spec).await.unwrap_err();
    assert_eq!(queries(&server, REMOVE).await, ["id=7"]);
    assert_clean(
        "create_key error",
        &format!("{err} | {err:?}"),
        &[NEW_SECRET],
    );
}

/// Handled: our own secret quoted in `data.reason` and `data.param` of a write refusal is
/// scrubbed, and a clear refusal is not `OutcomeUnknown`.
#[tokio::test]
async fn deribit_own_secret_in_error_data_is_scrubbed() {
    let server = MockServer::start().await;
    mount(&server, LIST, ok(rpc(json!([other(), ours()])))).await;
    mount(
        &server,
        REMOVE,
        ResponseTemplate::new(400).set_body_json(rpc_error(
            13021,
            "forbidden",
            json!({"param": OUR_SECRET, "reason": format!("secret={OUR_SECRET}")}),
        )),
    )
    .await;
    let adapter = adapter_for(ExchangeId::Deribit, &server);
    let err = adapter
        .revoke(
            KeyRef::other("TiA4AyLPq3"),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap_err();
    assert!(!err.is_outcome_unknown(), "{err}");
    assert_clean("error", &format!("{err} {err:?}"), &[OUR_SECRET]);
    assert_eq!(count(&server, REMOVE).await, 1);
}

// ---------------------------------------------------------------------------------------------
// Deribit: secrets in the list
// ---------------------------------------------------------------------------------------------

/// FINDING (fixed): `list_keys` scrubs `client_secret` fields by name and the adapter's own secret by
/// value, but not the value of the other keys' `client_secret`: where the list echoes another
/// key's secret in another field (a nested object, an array, a field name, the name) it reaches
/// the caller's `KeyInfo::raw` and Debug/JSON output.
#[tokio::test]
async fn deribit_list_keys_scrubs_other_keys_secrets_echoed_elsewhere() {
    let server = MockServer::start().await;
    let mut leaky = other();
    leaky["public_key"] = json!(OTHER_SECRET);
    leaky["extra"] = json!({"nested": [[OTHER_SECRET]], OTHER_SECRET: true});
    mount(&server, LIST, ok(rpc(json!([leaky, ours()])))).await;
    let adapter = adapter_for(ExchangeId::Deribit, &server);
    let listed = adapter.list_keys().await.unwrap();
    let shown = format!("{listed:?} {}", serde_json::to_string(&listed).unwrap());
    assert_clean("list_keys output", &shown, &[OTHER_SECRET, OUR_SECRET]);
}

/// FINDING (fixed): the same in `key_info`: the entry of the key in use carrying a `client_secret`
/// value (another key's, echoed inside it) in another field keeps it in the evidence.
#[tokio::test]
async fn deribit_key_info_scrubs_a_client_secret_echoed_inside_our_entry() {
    let server = MockServer::start().await;
    let mut mine = ours();
    mine["enabled_features"] = json!([OTHER_SECRET]);
    mount(&server, LIST, ok(rpc(json!([other(), mine])))).await;
    let adapter = adapter_for(ExchangeId::Deribit, &server);
    let info = adapter.key_info().await.unwrap();
    let shown = format!("{info:?} {}", serde_json::to_string(&info).unwrap());
    assert_clean("key_info output", &shown, &[OTHER_SECRET, OUR_SECRET]);
}

/// Handled: our own secret echoed in other fields, nested arrays and object keys is scrubbed;
/// the other entries' secrets never reach `key_info` (only our entry is kept).
#[tokio::test]
async fn deribit_own_secret_echoed_anywhere_in_our_entry_is_scrubbed() {
    let server = MockServer::start().await;
    let mut mine = ours();
    mine["public_key"] = json!(OUR_SECRET);
    mine["extra"] = json!({"deep": [[OUR_SECRET.to_lowercase()]], OUR_SECRET: 1});
    mount(&server, LIST, ok(rpc(json!([other(), mine])))).await;
    let adapter = adapter_for(ExchangeId::Deribit, &server);
    let info = adapter.key_info().await.unwrap();
    let shown = format!("{info:?} {}", serde_json::to_string(&info).unwrap());
    assert_clean("key_info output", &shown, &[OUR_SECRET, OTHER_SECRET]);
    assert_eq!(info.key_id, Reported::Known(OUR_ID.into()));
}

// ---------------------------------------------------------------------------------------------
// Deribit: the list's shape
// ---------------------------------------------------------------------------------------------

/// Handled: our id twice is an error; our id only in another case or padded is "not listed";
/// a look-alike in another case is never taken for ours.
#[tokio::test]
async fn deribit_client_id_twice_case_or_padding() {
    let padded = {
        let mut e = ours();
        e["client_id"] = json!("aD-KFx-H ");
        e
    };
    let upper = {
        let mut e = entry(9, "AD-KFX-H", OTHER_SECRET, "wallet:read_write");
        e["ip_whitelist"] = json!(["*"]);
        e
    };
    let cases = [
        (json!([ours(), ours()]), false),
        (json!([padded.clone()]), false),
        (json!([upper.clone()]), false),
        (json!([upper.clone(), ours()]), true),
        (json!([padded, ours()]), true),
    ];
    for (list, fine) in cases {
        let server = MockServer::start().await;
        mount(&server, LIST, ok(rpc(list.clone()))).await;
        let outcome = adapter_for(ExchangeId::Deribit, &server).key_info().await;
        match outcome {
            Ok(info) => {
                assert!(fine, "{list}: {info:?}");
                assert_eq!(info.key_id, Reported::Known(OUR_ID.into()));
                assert_eq!(info.raw["id"], 2);
                assert_eq!(info.permissions.get(&Permission::Withdraw), Grant::Denied);
            }
            Err(err) => {
                assert!(!fine, "{list}: {err}");
                assert_eq!(err.exchange(), Some(ExchangeId::Deribit), "{err}");
                assert_clean(
                    "error",
                    &format!("{err} {err:?}"),
                    &[OUR_SECRET, OTHER_SECRET],
                );
            }
        }
    }
}

fn scope_of(scope: Value) -> exchange_keys::KeyInfo {
    let mut e = ours();
    e["max_scope"] = scope;
    deribit::map_key_info(&e).unwrap()
}

/// Handled: scope separators and case; an array or number scope leaves every right
/// `NotReported` with an anomaly; unknown levels relax the write rights.
#[test]
fn deribit_scope_shapes() {
    let upper = scope_of(json!("TRADE:READ_WRITE Wallet:Read_Write"));
    assert_eq!(
        upper.permissions.get(&Permission::SpotTrade),
        Grant::Granted
    );
    assert_eq!(upper.can_withdraw(), Grant::Granted);
    let commas = scope_of(json!(
        "trade:read_write,wallet:read_write;account:read|block_trade:none"
    ));
    assert_eq!(
        commas.permissions.get(&Permission::FuturesTrade),
        Grant::Granted
    );
    assert_eq!(commas.can_withdraw(), Grant::Granted);
    for odd in [
        json!(["wallet:read_write"]),
        json!(42),
        json!({"wallet": "read_write"}),
    ] {
        let info = scope_of(odd.clone());
        for right in Permission::NORMALIZED {
            assert_eq!(
                info.permissions.get(&right),
                Grant::NotReported,
                "{odd} {right}"
            );
        }
        assert!(!info.anomalies.is_empty(), "{odd}");
    }
    for odd in [
        "trade:read wallet : read_write",
        "trade:read wallet:READ-WRITE",
        "trade:read wallet:admin",
        "trade:read wallet:read_write:x",
        "trade:read wallet=read_write",
    ] {
        let info = scope_of(json!(odd));
        assert_eq!(info.can_withdraw(), Grant::NotReported, "{odd}");
        assert_eq!(
            info.permissions.get(&Permission::SpotTrade),
            Grant::NotReported,
            "{odd}"
        );
        assert!(!info.anomalies.is_empty(), "{odd}");
    }
}

/// FINDING (low): an unknown token relaxes only the write rights; when the scope holds nothing
/// but unknown tokens (`custody:read_write`, `mainaccount`), `Read` stays `Denied` although
/// the unknown token may well grant reading. "An unknown token never makes any right Denied."
#[test]
fn deribit_an_unknown_only_scope_leaves_no_right_denied() {
    let info = scope_of(json!("custody:read_write"));
    assert_eq!(
        info.permissions.get(&Permission::Read),
        Grant::NotReported,
        "{:?}",
        info.permissions
    );
}

/// Handled: every covering allowlist is unrestricted; mistyped lists are NotReported.
#[test]
fn deribit_ip_whitelist_shapes() {
    let with = |ips: Value| {
        let mut e = ours();
        e["ip_whitelist"] = ips;
        deribit::map_key_info(&e).unwrap()
    };
    for ips in [
        json!(["*"]),
        json!(["0.0.0.0/0"]),
        json!(["::/0"]),
        json!([""]),
        json!(["  "]),
        json!([]),
        json!(["203.0.113.7", "*.*.*.*"]),
        json!(["0.0.0.0/1", "128.0.0.0/1"]),
    ] {
        assert_eq!(
            with(ips.clone()).ip_restriction,
            IpRestriction::Unrestricted,
            "{ips}"
        );
    }
    for ips in [
        json!([1]),
        json!("203.0.113.7"),
        json!([null]),
        json!([["203.0.113.7"]]),
    ] {
        let info = with(ips.clone());
        assert_eq!(info.ip_restriction, IpRestriction::NotReported, "{ips}");
        assert!(!info.anomalies.is_empty(), "{ips}");
    }
}

/// Handled: wrong `result` types, HTML, truncated JSON and duplicate keys are clear Deribit
/// errors without a panic or a secret.
#[tokio::test]
async fn deribit_malformed_answers_are_clear_errors() {
    let sim = SimulatedExchange::start(ExchangeId::Deribit, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    for result in [
        json!("ok"),
        json!(3),
        json!({"client_id": OUR_ID}),
        Value::Null,
        json!([1, "x"]),
    ] {
        sim.serve(CannedAnswer::ok(rpc(result.clone()))).await;
        let err = adapter.key_info().await.unwrap_err();
        assert_eq!(err.exchange(), Some(ExchangeId::Deribit), "{result}: {err}");
        assert!(err.to_string().to_lowercase().contains("deribit"), "{err}");
    }
    let dup = format!(
        r#"{{"jsonrpc":"2.0","result":[{{"client_id":"{OUR_ID}","max_scope":"trade:read","max_scope":"wallet:read_write","client_secret":"{OUR_SECRET}"}}]}}"#
    );
    for (status, kind, body) in [
        (
            200,
            "text/html",
            "<!doctype html><h1>Cloudflare</h1>".to_owned(),
        ),
        (
            200,
            "application/json",
            format!(r#"{{"jsonrpc":"2.0","result":[{{"client_secret":"{OUR_SECRET}""#),
        ),
        (200, "application/json", dup),
    ] {
        sim.serve_raw(status, kind, body.clone()).await;
        let err = adapter.key_info().await.unwrap_err();
        assert_eq!(err.exchange(), Some(ExchangeId::Deribit), "{err}");
        assert_clean("error", &format!("{err} {err:?}"), &[OUR_SECRET]);
    }
}

/// Handled: odd shapes of the security-key challenge on a read are still the typed error.
#[tokio::test]
async fn deribit_security_challenge_odd_shapes() {
    let sim = SimulatedExchange::start(ExchangeId::Deribit, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    for keys in [
        json!("tfa"),
        json!([{"type": 5}]),
        json!([]),
        json!([{"type": OUR_SECRET}]),
    ] {
        sim.serve(CannedAnswer::ok(rpc(json!({
            "security_key_authorization_required": true, "security_keys": keys
        }))))
        .await;
        let err = adapter.key_info().await.unwrap_err();
        assert_eq!(
            err.auth_reason(),
            Some(exchange_keys::AuthReason::SecondFactorRequired),
            "{err}"
        );
        assert_clean("error", &format!("{err} {err:?}"), &[OUR_SECRET]);
    }
}

/// FINDING (low): one malformed entry in the account's list fails the whole `list_keys`
/// (and so a "revoke everything" breach response), although the other entries are readable.
#[tokio::test]
async fn deribit_one_malformed_entry_costs_only_itself() {
    let server = MockServer::start().await;
    mount(
        &server,
        LIST,
        ok(rpc(json!([other(), ours(), {"unexpected": true}]))),
    )
    .await;
    let adapter = adapter_for(ExchangeId::Deribit, &server);
    let listed = adapter.list_keys().await;
    assert!(listed.is_ok(), "{listed:?}");
}

// ---------------------------------------------------------------------------------------------
// Kraken
// ---------------------------------------------------------------------------------------------

const KRAKEN_SECRET: &str =
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";

fn kraken_result() -> Value {
    json!({
        "apiKeyName": "bot", "apiKey": "4/SDrDBcOOPnm3nPlNfEMMJDeRcIVqPz+QhRxIodyZbI9po/aVRiHsgX",
        "nonce": "1", "nonceWindow": 0,
        "permissions": ["query-funds", "query-open-trades"], "validUntil": "0",
        "createdTime": "1772542900", "ipAllowlist": ["203.0.113.7"], "lastUsed": "1772627061"
    })
}

/// Handled: unknown tokens and odd case relax write rights, known tokens are read whatever
/// their case and padding; covering allowlists are unrestricted.
#[test]
fn kraken_tokens_and_allowlists() {
    let mut r = kraken_result();
    r["permissions"] = json!(["QUERY-FUNDS", " Withdraw-Funds ", "stake-funds"]);
    let info = kraken::map_key_info(&r).unwrap();
    assert_eq!(info.can_withdraw(), Grant::Granted);
    assert_eq!(
        info.permissions.get(&Permission::SpotTrade),
        Grant::NotReported
    );
    assert_eq!(
        info.permissions.get(&Permission::KeyManagement),
        Grant::NotReported
    );
    assert!(!info.anomalies.is_empty());
    r["permissions"] = json!(["query-funds", 7]);
    let info = kraken::map_key_info(&r).unwrap();
    assert_eq!(info.can_withdraw(), Grant::NotReported);
    for ips in [
        json!(["*"]),
        json!(["0.0.0.0/0"]),
        json!(["::/0", "203.0.113.7"]),
        json!([""]),
    ] {
        r["ipAllowlist"] = ips.clone();
        assert_eq!(
            kraken::map_key_info(&r).unwrap().ip_restriction,
            IpRestriction::Unrestricted,
            "{ips}"
        );
    }
}

/// Handled: the secret echoed in E-errors (code or message) and in W-warnings beside a result
/// reaches no output.
#[tokio::test]
async fn kraken_secret_echoed_in_errors_and_warnings_is_scrubbed() {
    let sim = SimulatedExchange::start(ExchangeId::Kraken, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    sim.serve(CannedAnswer::ok(json!({
        "error": [format!("EGeneral:Invalid arguments:{KRAKEN_SECRET}"), format!("secret {KRAKEN_SECRET}")]
    })))
    .await;
    let err = adapter.key_info().await.unwrap_err();
    assert_clean("error", &format!("{err} {err:?}"), &[KRAKEN_SECRET]);
    let mut result = kraken_result();
    result["note"] = json!(KRAKEN_SECRET);
    sim.serve(CannedAnswer::ok(json!({
        "error": [format!("WGeneral:Echo {KRAKEN_SECRET}")], "result": result
    })))
    .await;
    let info = adapter.key_info().await.unwrap();
    let shown = format!("{info:?} {}", serde_json::to_string(&info).unwrap());
    assert_clean("key_info", &shown, &[KRAKEN_SECRET]);
}

/// FINDING (low): an `error` field that is not an array (a string, or an array of objects)
/// is not read as an error at all: a body saying `"error": "EAPI:Invalid key"` beside a
/// `result` is mapped as a successful inspection.
#[tokio::test]
async fn kraken_an_error_that_is_not_a_list_is_never_success() {
    let sim = SimulatedExchange::start(ExchangeId::Kraken, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    let mut accepted = Vec::new();
    for error in [
        json!("EAPI:Invalid key"),
        json!([{"code": "EGeneral:Permission denied"}]),
    ] {
        sim.serve(CannedAnswer::ok(
            json!({"error": error, "result": kraken_result()}),
        ))
        .await;
        if let Ok(info) = adapter.key_info().await {
            accepted.push((error, info.key_id));
        }
    }
    assert!(accepted.is_empty(), "errors read as success: {accepted:?}");
}

/// Handled: every request carries a fresh, strictly increasing nonce, across adapters sharing
/// the key and across retries.
#[tokio::test]
async fn kraken_nonces_strictly_increase_across_adapters_and_retries() {
    let sim = SimulatedExchange::start(ExchangeId::Kraken, Scenario::ReadOnly)
        .await
        .unwrap();
    let a = sim.adapter().unwrap();
    let b = sim.adapter().unwrap();
    let (x, y) = tokio::join!(a.key_info(), b.key_info());
    x.unwrap();
    y.unwrap();
    let retrying = sim.builder().retry(eager_retries()).build().unwrap();
    sim.serve(CannedAnswer::with_status(
        503,
        json!({"error": ["EService:Unavailable"]}),
    ))
    .await;
    let _ = retrying.key_info().await.unwrap_err();
    let _ = a.key_info().await;
    let nonces: Vec<u64> = sim
        .received_requests()
        .await
        .iter()
        .map(|r| r.json_body()["nonce"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(nonces.len() >= 4, "{nonces:?}");
    let mut sorted = nonces.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), nonces.len(), "a nonce was reused: {nonces:?}");
    assert!(nonces.windows(2).all(|w| w[0] < w[1]), "{nonces:?}");
}

// ---------------------------------------------------------------------------------------------
// Coinbase
// ---------------------------------------------------------------------------------------------

fn coinbase_answer() -> Value {
    json!({"can_view": true, "can_trade": false, "can_transfer": false, "can_receive": false,
           "portfolio_uuid": "8b8e6f4e", "portfolio_type": "DEFAULT"})
}

/// FINDING (fixed): unknown Coinbase flags are found with a case-sensitive `starts_with("can_")`. An
/// unknown flag in another case (`CAN_WITHDRAW: true`, `Can_Send: true`) is ignored outright:
/// no anomaly, no `Other` right, and every write right stays `Denied`. The open-world rule
/// says tokens compare without regard to case.
#[test]
fn coinbase_an_unknown_flag_in_other_case_is_unrecognized() {
    for flag in ["CAN_WITHDRAW", "Can_Send", "can_Transfer_Out"] {
        let mut body = coinbase_answer();
        body[flag] = json!(true);
        let info = coinbase::map_key_info(&body).unwrap();
        let withdraw = info.can_withdraw();
        assert!(
            withdraw != Grant::Denied && !info.anomalies.is_empty(),
            "{flag}: true is ignored: withdraw {withdraw:?}, anomalies {:?}",
            info.anomalies
        );
    }
}

/// FINDING (fixed): the same hole lets a case-variant duplicate of a known flag contradict it unseen:
/// `"can_transfer": false, "CAN_TRANSFER": true` passes the duplicate-key check (the names
/// differ) and reports withdrawals `Denied`.
#[test]
fn coinbase_a_flag_sent_twice_in_different_cases_denies_nothing() {
    let mut body = coinbase_answer();
    body["CAN_TRANSFER"] = json!(true);
    let info = coinbase::map_key_info(&body).unwrap();
    assert_ne!(info.can_withdraw(), Grant::Denied, "{:?}", info.anomalies);
}

/// Handled: non-boolean values of known flags leave their rights NotReported with an anomaly;
/// an unknown `can_` flag with a non-boolean value relaxes every write right.
#[test]
fn coinbase_non_bool_flags() {
    for value in [
        json!("true"),
        json!(1),
        json!(null),
        json!([true]),
        json!({"v": true}),
    ] {
        let mut body = coinbase_answer();
        body["can_transfer"] = value.clone();
        let info = coinbase::map_key_info(&body).unwrap();
        assert_ne!(info.can_withdraw(), Grant::Denied, "{value}");
        if !value.is_null() {
            assert!(!info.anomalies.is_empty(), "{value}");
        }
    }
    let mut body = coinbase_answer();
    body["can_withdraw"] = json!("yes");
    let info = coinbase::map_key_info(&body).unwrap();
    for right in Permission::WRITE {
        assert_eq!(info.permissions.get(&right), Grant::NotReported, "{right}");
    }
}

/// Handled: the private key echoed in an error or in the answer reaches no output; the key
/// name is the key id.
#[tokio::test]
async fn coinbase_private_key_echoed_is_scrubbed() {
    let sim = SimulatedExchange::start(ExchangeId::Coinbase, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    let credentials: Credentials = sim.credentials();
    let private = credentials.secret().expose_secret().to_owned();
    let mut body = coinbase_answer();
    body["portfolio_uuid"] = json!(private.clone());
    body[private.as_str()] = json!(false);
    sim.serve(CannedAnswer::ok(body)).await;
    let info = adapter.key_info().await.unwrap();
    let shown = format!("{info:?} {}", serde_json::to_string(&info).unwrap());
    assert_clean("key_info", &shown, &[&private]);
    sim.serve(CannedAnswer::with_status(
        400,
        json!({"error": "INVALID_ARGUMENT", "message": format!("bad key {private}"),
               "error_details": private}),
    ))
    .await;
    let err = adapter.key_info().await.unwrap_err();
    assert_clean("error", &format!("{err} {err:?}"), &[&private]);
    assert_clean(
        "adapter Debug",
        &format!("{adapter:?} {credentials:?}"),
        &[&private],
    );
}

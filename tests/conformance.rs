//! One suite, every registered adapter: an exchange added to the registry runs all of this
//! unchanged.
//!
//! - capabilities tell the truth: available operations work, unavailable ones return
//!   `Error::Unsupported` with a manual step, unsupported fields are never `Known`, and
//!   supported fields are `Known` in at least one simulated scenario;
//! - scenarios mean the same everywhere (read-only is read-only, withdraw is withdraw, …);
//! - no secret appears in the `Debug` of a builder, adapter, credential or error, in an
//!   error's `Display`, or in the evidence, even when the exchange echoes it;
//! - malformed answers give a clear error naming the exchange, never a panic.

use std::sync::Arc;

use exchange_keys::testkit::{self, Scenario, SimulatedExchange};
use exchange_keys::{
    AuthReason, Error, ExchangeId, Expiry, Grant, IpRestriction, KeyAdapter, KeyInfo, KeyRef,
    NewKeySpec, Permission, Reported, RevokeConfirm, Support,
};
use secrecy::ExposeSecret;
use serde_json::Value;

fn exchanges() -> Vec<ExchangeId> {
    let supported = ExchangeId::supported();
    assert!(!supported.is_empty(), "no adapter compiled in");
    supported
}

async fn start(id: ExchangeId, scenario: Scenario) -> (SimulatedExchange, Arc<dyn KeyAdapter>) {
    let sim = SimulatedExchange::start(id, scenario).await.unwrap();
    let adapter = sim.adapter().unwrap();
    (sim, adapter)
}

async fn key_info(id: ExchangeId, scenario: Scenario) -> exchange_keys::Result<KeyInfo> {
    let (_sim, adapter) = start(id, scenario).await;
    adapter.key_info().await
}

fn secrets_of(id: ExchangeId) -> Vec<String> {
    let c = testkit::credentials(id).unwrap();
    let mut secrets = vec![c.secret().expose_secret().to_owned()];
    if let Some(p) = c.passphrase() {
        secrets.push(p.expose_secret().to_owned());
    }
    secrets
}

fn assert_no_secret(id: ExchangeId, what: &str, text: &str) {
    for secret in secrets_of(id) {
        assert!(
            !text.contains(&secret),
            "{id}: {what} shows a secret: {text}"
        );
    }
}

#[tokio::test]
async fn capabilities_are_static_and_match_the_registry() {
    for id in exchanges() {
        let (_sim, adapter) = start(id, Scenario::DocumentedExample).await;
        assert_eq!(adapter.exchange(), id);
        assert_eq!(Some(adapter.capabilities()), id.capabilities(), "{id}");
        assert_eq!(adapter.capabilities().key_info, Support::Native, "{id}");
    }
}

#[tokio::test]
async fn unavailable_operations_return_unsupported_with_a_manual_step() {
    for id in exchanges() {
        let (sim, adapter) = start(id, Scenario::ReadOnly).await;
        let caps = adapter.capabilities();
        let spec = NewKeySpec::default();
        let outcomes = [
            (
                caps.revoke,
                adapter
                    .revoke(KeyRef::Own, RevokeConfirm::IUnderstandThisIsIrreversible)
                    .await
                    .err(),
            ),
            (caps.create_key, adapter.create_key(&spec).await.err()),
            (caps.list_keys, adapter.list_keys().await.err()),
        ];
        for (support, err) in outcomes {
            if support == Support::Unsupported {
                let err = err.expect("an unsupported operation must fail");
                assert!(err.is_unsupported(), "{id}: {err}");
                match &err {
                    Error::Unsupported {
                        manual_step,
                        exchange,
                        ..
                    } => {
                        assert_eq!(*exchange, id);
                        assert!(
                            manual_step.len() > 20,
                            "{id}: manual step too thin: {manual_step}"
                        );
                    }
                    _ => unreachable!(),
                }
            }
        }
        // Unsupported operations never reach the exchange.
        assert!(sim.received_requests().await.is_empty(), "{id}");
    }
}

/// A reported field: its name, what the capabilities declare, and whether an answer has it.
type FieldCheck = (&'static str, Support, fn(&KeyInfo) -> bool);

#[tokio::test]
async fn reported_fields_match_capabilities() {
    for id in exchanges() {
        let caps = id.capabilities().unwrap();
        let mut infos = Vec::new();
        for scenario in Scenario::ALL {
            if let Ok(info) = key_info(id, scenario).await {
                infos.push(info);
            }
        }
        assert!(
            infos.len() >= 4,
            "{id}: most scenarios describe a working key"
        );
        let fields: [FieldCheck; 9] = [
            ("key_id", caps.reports_key_id, |i| i.key_id.is_known()),
            ("label", caps.reports_label, |i| i.label.is_known()),
            ("ip_list", caps.reports_ip_list, |i| {
                matches!(i.ip_restriction, IpRestriction::AllowList(_))
            }),
            ("created_at", caps.reports_created_at, |i| {
                i.created_at.is_known()
            }),
            ("expiry", caps.reports_expiry, |i| i.expires_at.is_known()),
            ("trading_expiry", caps.reports_trading_expiry, |i| {
                i.trading_expires_at.is_known()
            }),
            ("last_used", caps.reports_last_used, |i| {
                i.last_used_at.is_known()
            }),
            ("enabled", caps.reports_enabled, |i| i.enabled.is_known()),
            ("account_kind", caps.reports_account_kind, |i| {
                i.account.is_known()
            }),
        ];
        for (name, support, known) in fields {
            let known_somewhere = infos.iter().any(known);
            if support.is_available() {
                assert!(
                    known_somewhere,
                    "{id}: `{name}` is declared {support:?} but never reported"
                );
            } else {
                assert!(
                    !known_somewhere,
                    "{id}: `{name}` is declared unsupported but was reported"
                );
            }
        }
        for info in &infos {
            assert_eq!(info.exchange, id);
            assert!(!info.raw.is_null(), "{id}: evidence missing");
            // The rights an audit fails on first are reported by every exchange.
            for p in [
                Permission::Read,
                Permission::SpotTrade,
                Permission::Withdraw,
            ] {
                assert_ne!(
                    info.permissions.get(&p),
                    Grant::NotReported,
                    "{id}: {p} must be decided for every simulated key"
                );
            }
        }
    }
}

#[tokio::test]
async fn scenarios_mean_the_same_on_every_exchange() {
    for id in exchanges() {
        let read_only = key_info(id, Scenario::ReadOnly).await.unwrap();
        assert_eq!(read_only.is_read_only(), Reported::Known(true), "{id}");
        assert_eq!(read_only.can_withdraw(), Grant::Denied, "{id}");
        assert_eq!(
            read_only.ip_restriction.is_restricted(),
            Reported::Known(true),
            "{id}"
        );

        let trading = key_info(id, Scenario::Trading).await.unwrap();
        assert_eq!(
            trading.permissions.get(&Permission::SpotTrade),
            Grant::Granted,
            "{id}"
        );
        assert_eq!(trading.can_withdraw(), Grant::Denied, "{id}");
        assert_eq!(
            trading.ip_restriction.is_restricted(),
            Reported::Known(true),
            "{id}"
        );

        let withdraw = key_info(id, Scenario::WithdrawEnabled).await.unwrap();
        assert_eq!(withdraw.can_withdraw(), Grant::Granted, "{id}");
        assert_eq!(withdraw.is_read_only(), Reported::Known(false), "{id}");

        let open = key_info(id, Scenario::NoIpRestriction).await.unwrap();
        assert_eq!(open.ip_restriction, IpRestriction::Unrestricted, "{id}");

        match key_info(id, Scenario::Expired).await {
            Ok(info) => {
                let expired_at = match (&info.expires_at, &info.trading_expires_at) {
                    (Reported::Known(Expiry::At(at)), _) | (_, Reported::Known(at)) => *at,
                    other => panic!("{id}: expired scenario without an expiry: {other:?}"),
                };
                assert!(
                    expired_at.timestamp_millis() < testkit::SERVER_TIME_MS,
                    "{id}: expiry in the past"
                );
            }
            Err(err) => assert!(
                matches!(
                    err.auth_reason(),
                    Some(AuthReason::Expired | AuthReason::InvalidKey)
                ),
                "{id}: {err}"
            ),
        }

        let err = key_info(id, Scenario::InvalidKey).await.unwrap_err();
        assert!(
            matches!(
                err.auth_reason(),
                Some(AuthReason::InvalidKey | AuthReason::Ambiguous)
            ),
            "{id}: {err}"
        );
        assert!(!err.is_retryable(), "{id}");

        let err = key_info(id, Scenario::IpNotAllowed).await.unwrap_err();
        assert!(
            matches!(
                err.auth_reason(),
                Some(AuthReason::IpNotAllowed | AuthReason::Ambiguous)
            ),
            "{id}: {err}"
        );

        let err = key_info(id, Scenario::RateLimited).await.unwrap_err();
        assert!(matches!(err, Error::RateLimited { .. }), "{id}: {err}");
        assert!(err.is_retryable(), "{id}");
        let context = err.context().unwrap();
        assert!(context.code.is_some(), "{id}: the exchange's code is kept");
        assert_eq!(context.exchange, Some(id));
    }
}

#[tokio::test]
async fn no_secret_in_debug_display_or_evidence() {
    for id in exchanges() {
        let sim = SimulatedExchange::start(id, Scenario::WithdrawEnabled)
            .await
            .unwrap();
        let credentials = sim.credentials();
        assert_no_secret(id, "Credentials Debug", &format!("{credentials:?}"));
        assert_no_secret(id, "builder Debug", &format!("{:?}", sim.builder()));
        let adapter = sim.adapter().unwrap();
        assert_no_secret(id, "adapter Debug", &format!("{adapter:?}"));
        let info = adapter.key_info().await.unwrap();
        assert_no_secret(id, "KeyInfo Debug", &format!("{info:?}"));
        assert_no_secret(id, "KeyInfo JSON", &serde_json::to_string(&info).unwrap());

        for scenario in [
            Scenario::InvalidKey,
            Scenario::IpNotAllowed,
            Scenario::RateLimited,
        ] {
            let (_sim, adapter) = start(id, scenario).await;
            let err = adapter.key_info().await.unwrap_err();
            assert_no_secret(id, "error Display", &err.to_string());
            assert_no_secret(id, "error Debug", &format!("{err:?}"));
        }
        let unsupported = adapter.list_keys().await.unwrap_err();
        assert_no_secret(id, "Unsupported Debug", &format!("{unsupported:?}"));
    }
}

/// Adds, to the envelope and to the payload objects inside it (`result`, `data[..]`), a
/// secret-named field holding `secret` and an innocent field holding text that contains `echo`.
fn echo_into(value: &mut Value, secret: &str, echo: &str) {
    let Value::Object(map) = value else { return };
    for name in ["result", "data"] {
        match map.get_mut(name) {
            Some(inner @ Value::Object(_)) => echo_into(inner, secret, echo),
            Some(Value::Array(items)) => items.iter_mut().for_each(|i| echo_into(i, secret, echo)),
            _ => {}
        }
    }
    map.insert("apiSecret".into(), secret.into());
    map.insert("comment".into(), format!("echo {echo} end").into());
    // Fields that map to the label on some exchanges.
    for label in ["note", "label", "remark"] {
        map.insert(label.into(), format!("bot {echo}").into());
    }
}

/// Replaces the exchange's error message, wherever the envelope keeps it, with one quoting
/// `echo`.
fn echo_in_message(value: &mut Value, echo: &str) {
    let Value::Object(map) = value else { return };
    for name in ["msg", "retMsg", "message"] {
        if map.contains_key(name) {
            map.insert(
                name.into(),
                format!("invalid key or signature for {echo}").into(),
            );
        }
    }
}

#[tokio::test]
async fn echoed_secrets_are_scrubbed_from_evidence() {
    for id in exchanges() {
        let sim = SimulatedExchange::start(id, Scenario::Trading)
            .await
            .unwrap();
        for secret in secrets_of(id) {
            let mut body = testkit::scenario_answer(id, Scenario::Trading)
                .unwrap()
                .body;
            echo_into(&mut body, &secret, &secret);
            sim.serve_raw(200, "application/json", body.to_string())
                .await;
            let info = sim.adapter().unwrap().key_info().await.unwrap();
            let evidence = serde_json::to_string(&info.raw).unwrap();
            assert!(
                !evidence.contains(&secret),
                "{id}: evidence carries an echoed secret: {evidence}"
            );
            assert!(evidence.contains("[redacted]"), "{id}");
            let whole = serde_json::to_string(&info).unwrap();
            assert!(
                !whole.contains(&secret),
                "{id}: a mapped field carries an echoed secret: {whole}"
            );
            assert_no_secret(id, "KeyInfo Debug", &format!("{info:?}"));
        }
    }
}

#[tokio::test]
async fn secrets_quoted_in_error_messages_are_redacted() {
    for id in exchanges() {
        let sim = SimulatedExchange::start(id, Scenario::InvalidKey)
            .await
            .unwrap();
        for secret in secrets_of(id) {
            let answer = testkit::scenario_answer(id, Scenario::InvalidKey).unwrap();
            let mut body = answer.body;
            echo_in_message(&mut body, &secret);
            sim.serve_raw(answer.status, "application/json", body.to_string())
                .await;
            let err = sim.adapter().unwrap().key_info().await.unwrap_err();
            assert_no_secret(id, "error Display", &err.to_string());
            assert_no_secret(id, "error Debug", &format!("{err:?}"));
            assert!(err.to_string().contains("[redacted]"), "{id}: {err}");
        }
    }
}

fn malformed_answers(id: ExchangeId) -> Vec<(&'static str, u16, &'static str, Vec<u8>)> {
    let documented = testkit::scenario_answer(id, Scenario::DocumentedExample)
        .unwrap()
        .body
        .to_string();
    let error_envelope = testkit::scenario_answer(id, Scenario::InvalidKey)
        .unwrap()
        .body
        .to_string();
    let mut wrong_types: Value = serde_json::from_str(&documented).unwrap();
    retype(&mut wrong_types);
    vec![
        (
            "HTML page on 200",
            200,
            "text/html",
            b"<!DOCTYPE html><html><body>Just a moment...</body></html>".to_vec(),
        ),
        (
            "HTML page on 502",
            502,
            "text/html",
            b"<html><head><title>502 Bad Gateway</title></head></html>".to_vec(),
        ),
        (
            "HTML page on 403",
            403,
            "text/html",
            b"<html><body>Access denied</body></html>".to_vec(),
        ),
        (
            "truncated JSON",
            200,
            "application/json",
            documented.as_bytes()[..documented.len() / 2].to_vec(),
        ),
        ("empty body", 200, "application/json", Vec::new()),
        (
            "wrong types",
            200,
            "application/json",
            wrong_types.to_string().into_bytes(),
        ),
        ("JSON null", 200, "application/json", b"null".to_vec()),
        ("JSON array", 200, "application/json", b"[]".to_vec()),
        ("empty object", 200, "application/json", b"{}".to_vec()),
        ("plain text", 200, "text/plain", b"OK".to_vec()),
        (
            "error envelope on 200",
            200,
            "application/json",
            error_envelope.into_bytes(),
        ),
    ]
}

/// Replaces every scalar with a value of another JSON type.
fn retype(value: &mut Value) {
    match value {
        Value::Object(map) => map.values_mut().for_each(retype),
        Value::Array(items) => items.iter_mut().for_each(retype),
        Value::String(_) => *value = Value::from(7),
        Value::Number(_) => *value = Value::from("seven"),
        Value::Bool(_) => *value = Value::from("yes"),
        Value::Null => *value = Value::from(false),
    }
}

#[tokio::test]
async fn malformed_answers_give_clear_errors_naming_the_exchange() {
    for id in exchanges() {
        let sim = SimulatedExchange::start(id, Scenario::ReadOnly)
            .await
            .unwrap();
        let adapter = sim.adapter().unwrap();
        for (case, status, content_type, body) in malformed_answers(id) {
            sim.serve_raw(status, content_type, body).await;
            let err = adapter
                .key_info()
                .await
                .expect_err(&format!("{id}: {case} must not pass as key information"));
            let text = err.to_string();
            assert!(
                text.starts_with(&format!("{id}:")),
                "{id}: {case}: error does not name the exchange: {text}"
            );
            assert_eq!(err.exchange(), Some(id), "{case}");
            assert!(text.len() < 600, "{id}: {case}: error too long: {text}");
            match case {
                "HTML page on 200" => assert!(text.contains("HTML page"), "{id}: {text}"),
                "HTML page on 502" => {
                    assert!(matches!(err, Error::Unavailable { .. }), "{id}: {text}")
                }
                "truncated JSON" => assert!(text.contains("truncated JSON"), "{id}: {text}"),
                "empty body" => assert!(text.contains("empty body"), "{id}: {text}"),
                "error envelope on 200" => {
                    assert!(matches!(err, Error::AuthRejected { .. }), "{id}: {text}")
                }
                _ => {}
            }
        }
    }
}

/// Every leaf of the documented answer, removed or given each other JSON type in turn: a leaf
/// of the key information itself never fails the inspection (it leaves what it decides
/// unreported, and says so); a leaf of the envelope may, with an error naming the exchange.
/// Nothing panics.
#[tokio::test]
async fn single_field_mutations_never_panic_and_never_fail_the_key_information() {
    for id in exchanges() {
        let sim = SimulatedExchange::start(id, Scenario::DocumentedExample)
            .await
            .unwrap();
        let adapter = sim.adapter().unwrap();
        let documented = testkit::scenario_answer(id, Scenario::DocumentedExample)
            .unwrap()
            .body;
        let payload: Vec<String> = testkit::payload_pointer(id)
            .unwrap()
            .split('/')
            .skip(1)
            .map(str::to_owned)
            .collect();
        let mut paths = Vec::new();
        leaf_paths(&documented, &mut Vec::new(), &mut paths);
        assert!(paths.len() > 5, "{id}");
        let replacements = [
            None,
            Some(Value::Null),
            Some(Value::from(-1)),
            Some(Value::from("x")),
            Some(Value::from(true)),
            Some(serde_json::json!([])),
            Some(serde_json::json!({})),
        ];
        for path in &paths {
            let inside = path.len() > payload.len() && path.starts_with(&payload);
            for replacement in &replacements {
                let mut body = documented.clone();
                mutate(&mut body, path, replacement.clone());
                sim.serve_raw(200, "application/json", body.to_string())
                    .await;
                match adapter.key_info().await {
                    Ok(info) => assert_eq!(info.exchange, id),
                    Err(err) => {
                        assert!(
                            !inside,
                            "{id}: {path:?} set to {replacement:?} failed the inspection: {err}"
                        );
                        assert_eq!(err.exchange(), Some(id), "{err}");
                    }
                }
            }
        }
    }
}

fn leaf_paths(value: &Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, field) in map {
                prefix.push(key.clone());
                leaf_paths(field, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (index, item) in items.iter().enumerate() {
                prefix.push(index.to_string());
                leaf_paths(item, prefix, out);
                prefix.pop();
            }
        }
        _ => out.push(prefix.clone()),
    }
}

fn mutate(value: &mut Value, path: &[String], replacement: Option<Value>) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut target = value;
    for step in parents {
        target = match target {
            Value::Object(map) => map.get_mut(step).unwrap(),
            Value::Array(items) => &mut items[step.parse::<usize>().unwrap()],
            _ => return,
        };
    }
    match (target, replacement) {
        (Value::Object(map), None) => {
            map.remove(last);
        }
        (Value::Object(map), Some(v)) => {
            map.insert(last.clone(), v);
        }
        (Value::Array(items), None) => {
            items.remove(last.parse::<usize>().unwrap());
        }
        (Value::Array(items), Some(v)) => items[last.parse::<usize>().unwrap()] = v,
        _ => {}
    }
}

#[test]
fn plain_http_is_refused_off_loopback() {
    for id in exchanges() {
        let err = id
            .builder()
            .credentials(testkit::credentials(id).unwrap())
            .base_url("http://exchange.example.com")
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{id}: {err}");
        assert!(err.to_string().contains("HTTPS"), "{id}: {err}");
    }
}

#[test]
fn missing_credentials_fail_at_build_time_naming_the_variables() {
    for id in exchanges() {
        let err = id.builder().build().unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{id}: {err}");
        assert!(
            err.to_string()
                .contains(&format!("{}_API_KEY", id.env_prefix())),
            "{id}: {err}"
        );
    }
}

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
        if [caps.revoke, caps.create_key, caps.list_keys]
            .iter()
            .all(|s| *s == Support::Unsupported)
        {
            assert!(sim.received_requests().await.is_empty(), "{id}");
        }
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
        let fields: [FieldCheck; 10] = [
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
            ("delegation", caps.reports_delegation, |i| {
                i.delegation.is_known()
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

// ---------------------------------------------------------------------------------------------
// Secrets planted in every position an answer can carry them: found nowhere, and the mapped
// rights, addresses and dates exactly what they would be for any other string.
// ---------------------------------------------------------------------------------------------

/// Whether `text` holds `secret`, in any ASCII case.
fn leaks(text: &str, secret: &str) -> bool {
    text.to_ascii_lowercase()
        .contains(&secret.to_ascii_lowercase())
}

/// A string of the same length as `secret` that no scrubber knows.
fn control_for(secret: &str) -> String {
    "Q".repeat(secret.chars().count())
}

/// The successful answer of `scenario` with `token` planted as a value, an object key, nested,
/// in an array, in upper case, and as a permission name.
fn planted_answer(id: ExchangeId, scenario: Scenario, token: &str) -> Value {
    let mut body = testkit::scenario_answer(id, scenario).unwrap().body;
    testkit::plant_unknown_permission(id, &mut body, token).unwrap();
    let pointer = testkit::payload_pointer(id).unwrap();
    let payload = body.pointer_mut(pointer).unwrap().as_object_mut().unwrap();
    payload.insert("plantedValue".into(), token.into());
    payload.insert(token.into(), "planted key".into());
    payload.insert(
        "plantedNested".into(),
        serde_json::json!({ "deeper": { "v": format!("prefix-{token}-suffix") } }),
    );
    payload.insert("plantedList".into(), serde_json::json!(["a", token]));
    payload.insert("plantedUpper".into(), token.to_ascii_uppercase().into());
    body
}

/// Every header an adapter may read a request id from, set to `value`.
fn with_request_ids(
    id: ExchangeId,
    mut answer: testkit::CannedAnswer,
    value: &str,
) -> testkit::CannedAnswer {
    for name in id.request_id_headers().iter().chain(&["x-request-id"]) {
        answer = answer.header(name, value);
    }
    answer
}

/// What must not change whatever the strings in an answer are.
fn mapped_values(info: &KeyInfo) -> String {
    let grants: Vec<String> = Permission::NORMALIZED
        .iter()
        .map(|p| format!("{p}={:?}", info.permissions.get(p)))
        .collect();
    let others = info
        .permissions
        .iter()
        .filter(|(p, _)| matches!(p, Permission::Other(_)))
        .map(|(_, g)| format!("{g:?}"))
        .collect::<Vec<_>>();
    let ips = match &info.ip_restriction {
        IpRestriction::AllowList(entries) => entries
            .iter()
            .map(|e| match e {
                exchange_keys::IpEntry::Net(net) => net.to_string(),
                exchange_keys::IpEntry::Pattern(_) => "pattern".to_owned(),
            })
            .collect::<Vec<_>>()
            .join(","),
        other => format!("{other:?}"),
    };
    format!(
        "{grants:?} others={others:?} ips={ips} created={:?} expires={:?} trading={:?} used={:?} enabled={:?} account={:?}",
        info.created_at, info.expires_at, info.trading_expires_at, info.last_used_at, info.enabled, info.account
    )
}

#[tokio::test]
async fn planted_secrets_are_found_nowhere_and_change_no_mapped_value() {
    for id in exchanges() {
        let sim = SimulatedExchange::start(id, Scenario::Trading)
            .await
            .unwrap();
        let adapter = sim.adapter().unwrap();
        for secret in secrets_of(id) {
            let control = control_for(&secret);
            let mut outcomes = Vec::new();
            for token in [&secret, &control] {
                let answer =
                    testkit::CannedAnswer::ok(planted_answer(id, Scenario::Trading, token));
                sim.serve(with_request_ids(id, answer, token)).await;
                outcomes.push(adapter.key_info().await.unwrap());
            }
            let (planted, controlled) = (&outcomes[0], &outcomes[1]);
            for (what, text) in [
                ("KeyInfo JSON", serde_json::to_string(planted).unwrap()),
                ("KeyInfo Debug", format!("{planted:?}")),
            ] {
                assert!(
                    !leaks(&text, &secret),
                    "{id}: {what} shows a planted secret: {text}"
                );
            }
            assert!(
                serde_json::to_string(&planted.raw)
                    .unwrap()
                    .contains("[redacted]"),
                "{id}"
            );
            assert_eq!(
                mapped_values(planted),
                mapped_values(controlled),
                "{id}: a planted secret changed a mapped value"
            );
            assert!(
                planted
                    .anomalies
                    .iter()
                    .any(|a| a.kind == exchange_keys::AnomalyKind::Unrecognized),
                "{id}: the planted permission is listed as unrecognized"
            );
        }
    }
}

#[tokio::test]
async fn secrets_planted_in_error_codes_messages_and_request_ids_are_found_nowhere() {
    for id in exchanges() {
        let sim = SimulatedExchange::start(id, Scenario::InvalidKey)
            .await
            .unwrap();
        let adapter = sim.adapter().unwrap();
        for secret in secrets_of(id) {
            let answer = testkit::error_answer(
                id,
                &secret,
                &format!("invalid key or signature for {secret}"),
            )
            .unwrap();
            sim.serve(with_request_ids(id, answer, &secret)).await;
            let err = adapter.key_info().await.unwrap_err();
            for (what, text) in [("Display", err.to_string()), ("Debug", format!("{err:?}"))] {
                assert!(
                    !leaks(&text, &secret),
                    "{id}: error {what} shows a secret: {text}"
                );
            }
            let context = err.context().unwrap();
            assert_eq!(context.code.as_deref(), Some("[redacted]"), "{id}");
            assert!(
                context.message.as_deref().unwrap().contains("[redacted]"),
                "{id}"
            );
        }
    }
}

/// The exchanges' secrets, planted in 503 answers that are retried, never reach a log line,
/// an error or its context.
#[test]
fn secrets_in_retried_answers_never_reach_a_log_line() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let mut planted = Vec::new();
    tracing::subscriber::with_default(subscriber, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            for id in exchanges() {
                let sim = SimulatedExchange::start(id, Scenario::ReadOnly)
                    .await
                    .unwrap();
                let adapter = sim
                    .builder()
                    .retry(exchange_keys::RetryPolicy {
                        min_delay: std::time::Duration::from_millis(1),
                        max_delay: std::time::Duration::from_millis(2),
                        ..exchange_keys::RetryPolicy::default()
                    })
                    .build()
                    .unwrap();
                for secret in secrets_of(id) {
                    let mut answer = testkit::error_answer(id, &secret, &secret).unwrap();
                    answer.status = 503;
                    sim.serve(with_request_ids(id, answer, &secret)).await;
                    let err = adapter.key_info().await.unwrap_err();
                    assert!(matches!(err, Error::Unavailable { .. }), "{id}: {err}");
                    assert_eq!(err.context().unwrap().attempts, 3, "{id}");
                    assert!(!leaks(&format!("{err} {err:?}"), &secret), "{id}: {err:?}");
                    planted.push((id, secret));
                }
            }
        });
    });
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for (id, _) in &planted {
        assert!(
            logs.contains("retrying") && logs.contains(&format!("exchange={id}")),
            "{id}: the retry path must log: {logs}"
        );
    }
    for (id, secret) in planted {
        assert!(
            !leaks(&logs, &secret),
            "{id}: a planted secret reached the logs"
        );
    }
}

/// Collects everything written by the `tracing` subscriber.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A secret or passphrase equal to a vendor word, an address or a wildcard changes no mapped
/// right, address or date: answers are mapped as received and scrubbed afterwards.
#[tokio::test]
async fn a_secret_equal_to_a_vendor_word_changes_no_mapped_value() {
    let words = [
        "withdraw",
        "trade",
        "read_only",
        "*",
        "203.0.113.10",
        "SpotTrade",
        "Wallet",
        "Withdraw",
        "enableWithdrawals",
        "true",
        "2026",
    ];
    for id in exchanges() {
        for scenario in [
            Scenario::DocumentedExample,
            Scenario::WithdrawEnabled,
            Scenario::NoIpRestriction,
            Scenario::Trading,
        ] {
            let sim = SimulatedExchange::start(id, scenario).await.unwrap();
            let truth = sim.adapter().unwrap().key_info().await.unwrap();
            for word in words {
                let base = sim.credentials();
                let credentials =
                    exchange_keys::Credentials::new(base.api_key(), word).with_passphrase(word);
                let info = sim
                    .builder()
                    .credentials(credentials)
                    .build()
                    .unwrap()
                    .key_info()
                    .await
                    .unwrap();
                assert_eq!(
                    mapped_values(&info),
                    mapped_values(&truth),
                    "{id} {scenario}: a secret `{word}` changed a mapped value"
                );
                assert_eq!(
                    info.ip_restriction, truth.ip_restriction,
                    "{id} {scenario} {word}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Codes are data: every documented error body maps to the class its table row claims.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_error_fixture_maps_to_the_class_its_table_row_claims() {
    for id in exchanges() {
        let table = id.error_codes();
        assert!(!table.is_empty(), "{id}: no error table");
        for row in table {
            assert!(
                row.source.len() > 10,
                "{id}: a row without a source: {row:?}"
            );
            assert!(
                row.code.is_some() || row.http_status.is_some(),
                "{id}: {row:?}"
            );
        }
        let folder: std::path::PathBuf =
            [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures", id.as_str()]
                .iter()
                .collect();
        let mut files: Vec<_> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| {
                path.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("error_") && n.ends_with(".json"))
            })
            .collect();
        files.sort();
        assert!(files.len() >= 5, "{id}: too few error fixtures");
        let sim = SimulatedExchange::start(id, Scenario::ReadOnly)
            .await
            .unwrap();
        // On the simulator's clock, so a timestamp rejection is corrected, retried, and
        // reported as itself.
        let adapter = sim
            .builder()
            .clock(exchange_keys::clock::FixedClock::new(
                testkit::SERVER_TIME_MS,
            ))
            .retry(exchange_keys::RetryPolicy::none())
            .build()
            .unwrap();
        for file in files {
            let body = std::fs::read_to_string(&file).unwrap();
            sim.serve_raw(200, "application/json", body).await;
            let err = adapter.key_info().await.unwrap_err();
            let code = err
                .context()
                .and_then(|c| c.code.clone())
                .unwrap_or_else(|| panic!("{id}: {}: no code: {err}", file.display()));
            let row = table
                .iter()
                .find(|row| row.code == Some(code.as_str()))
                .unwrap_or_else(|| panic!("{id}: code {code} has no row in the table"));
            assert_eq!(
                err.class(),
                Some(row.class),
                "{id}: {}: {err}",
                file.display()
            );
            if !matches!(
                err,
                Error::RateLimited {
                    ip_banned: true,
                    ..
                }
            ) {
                assert_eq!(
                    err.is_retryable(),
                    row.retryable,
                    "{id}: {}",
                    file.display()
                );
            }
        }
    }
}

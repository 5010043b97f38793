//! Bitfinex (v2): mapping of each scope, the signature (recomputed here with the `hmac` crate,
//! as Bitfinex publishes no example), the µs nonce, `["error", code, message]` answers, malformed
//! answers, and the management operations Bitfinex's API does not offer.
#![cfg(feature = "bitfinex")]

mod common;

use common::{
    assert_manual_steps, assert_raw_answers_fail_named, assert_served_error_fixtures, fixture,
    hmac_sha384_hex, two_key_info_requests_from_the_far_future, FAR_FUTURE_MS,
};
use exchange_keys::exchanges::bitfinex;
use exchange_keys::testkit::{CannedAnswer, Scenario, SimulatedExchange};
use exchange_keys::{
    AnomalyKind, AuthReason, Error, ExchangeId, Grant, IpRestriction, KeyRef, NewKeySpec,
    Operation, Permission, Reported, RevokeConfirm,
};
use secrecy::ExposeSecret;
use serde_json::{json, Value};

/// Every documented scope with READ 1 and WRITE 0, then `changes` applied.
fn scopes(changes: &[(&str, u8, u8)]) -> Value {
    let mut list: Vec<Value> = [
        "account",
        "history",
        "orders",
        "positions",
        "funding",
        "settings",
        "wallets",
        "withdraw",
        "ui_withdraw",
        "bfxpay",
    ]
    .iter()
    .map(|s| json!([s, 1, 0]))
    .collect();
    for (scope, read, write) in changes {
        match list.iter_mut().find(|e| e[0] == *scope) {
            Some(entry) => *entry = json!([scope, read, write]),
            None => list.push(json!([scope, read, write])),
        }
    }
    Value::Array(list)
}

#[test]
fn no_official_vector_so_one_is_computed_independently() {
    // Bitfinex publishes no signature with its values: the documented formula, computed here
    // with the `hmac` crate, against the crate's signer.
    let expected = hmac_sha384_hex(
        "bfx-test-secret",
        "/api/v2/auth/r/permissions1700000000000000{}",
    );
    assert_eq!(
        expected,
        "f57492c6686ce41dc15f6b7a5f1f8d6c0e99966fc0410d35639c67b2872fb8a59ee4f82043ccc4f4421575e592eac71b"
    );
    assert_eq!(
        bitfinex::signature(
            b"bfx-test-secret",
            "/v2/auth/r/permissions",
            "1700000000000000",
            "{}"
        ),
        expected
    );
}

#[test]
fn the_schema_example_maps_scope_by_scope() {
    let body = fixture("bitfinex", "permissions.json");
    let info = bitfinex::map_key_info(&body).unwrap();
    let p = &info.permissions;
    assert_eq!(info.exchange, ExchangeId::Bitfinex);
    assert_eq!(p.get(&Permission::Read), Grant::Granted);
    assert_eq!(
        p.get(&Permission::SpotTrade),
        Grant::Granted,
        "orders write"
    );
    assert_eq!(p.get(&Permission::MarginTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::FuturesTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::OptionsTrade), Grant::Denied);
    assert_eq!(p.get(&Permission::Withdraw), Grant::Denied);
    assert_eq!(
        p.get(&Permission::InternalTransfer),
        Grant::Granted,
        "wallets write"
    );
    assert_eq!(p.get(&Permission::UniversalTransfer), Grant::Granted);
    // settings write: whether it reaches sub-accounts is not documented.
    assert_eq!(p.get(&Permission::SubAccountManagement), Grant::NotReported);
    assert_eq!(p.get(&Permission::KeyManagement), Grant::Denied);
    assert_eq!(p.get(&Permission::Payment), Grant::Denied);
    assert_eq!(p.get(&Permission::Other("funding".into())), Grant::Granted);
    assert_eq!(p.get(&Permission::Other("settings".into())), Grant::Granted);
    assert!(p.vendor_granted.contains(&"orders:write".to_owned()));
    assert!(!p.vendor_granted.contains(&"withdraw:read".to_owned()));
    assert_eq!(info.ip_restriction, IpRestriction::NotReported);
    assert!(!info.key_id.is_known() && !info.label.is_known() && !info.created_at.is_known());
    assert_eq!(info.enabled, Reported::Known(true));
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
    assert_eq!(info.raw, body);
}

#[test]
fn each_write_scope_grants_what_it_documents() {
    let cases: [(&str, &[Permission]); 5] = [
        (
            "orders",
            &[
                Permission::SpotTrade,
                Permission::MarginTrade,
                Permission::FuturesTrade,
            ],
        ),
        (
            "positions",
            &[Permission::MarginTrade, Permission::FuturesTrade],
        ),
        ("withdraw", &[Permission::Withdraw]),
        ("ui_withdraw", &[Permission::Withdraw]),
        (
            "wallets",
            &[Permission::InternalTransfer, Permission::UniversalTransfer],
        ),
    ];
    for (scope, granted) in cases {
        let info = bitfinex::map_key_info(&scopes(&[(scope, 1, 1)])).unwrap();
        for right in Permission::WRITE {
            let expected = if granted.contains(&right) {
                Grant::Granted
            } else {
                Grant::Denied
            };
            assert_eq!(info.permissions.get(&right), expected, "{scope}: {right}");
        }
    }
    let info = bitfinex::map_key_info(&scopes(&[("bfxpay", 1, 1)])).unwrap();
    assert_eq!(
        info.permissions.get(&Permission::Payment),
        Grant::NotReported
    );
    assert_eq!(info.is_read_only(), Reported::Known(false));
}

#[test]
fn read_only_and_no_right_at_all() {
    let info = bitfinex::map_key_info(&scopes(&[])).unwrap();
    assert_eq!(info.is_read_only(), Reported::Known(true));
    let none: Vec<(&str, u8, u8)> = [
        "account",
        "history",
        "orders",
        "positions",
        "funding",
        "settings",
        "wallets",
        "withdraw",
        "ui_withdraw",
        "bfxpay",
    ]
    .iter()
    .map(|s| (*s, 0, 0))
    .collect();
    let info = bitfinex::map_key_info(&scopes(&none)).unwrap();
    assert_eq!(info.permissions.get(&Permission::Read), Grant::Denied);
}

#[test]
fn a_missing_scope_leaves_what_it_decides_unreported() {
    let mut body = scopes(&[]);
    body.as_array_mut().unwrap().retain(|e| e[0] != "withdraw");
    let info = bitfinex::map_key_info(&body).unwrap();
    assert_eq!(info.can_withdraw(), Grant::NotReported);
    assert_eq!(info.permissions.get(&Permission::SpotTrade), Grant::Denied);
    assert_eq!(info.anomalies[0].kind, AnomalyKind::Missing);
    assert_eq!(info.anomalies[0].field, "withdraw");
}

#[test]
fn scopes_compare_without_case_or_padding_and_conflicts_are_unread() {
    let mut body = scopes(&[]);
    body.as_array_mut().unwrap()[7] = json!([" WITHDRAW ", 1, 1]);
    let info = bitfinex::map_key_info(&body).unwrap();
    assert_eq!(info.can_withdraw(), Grant::Granted);

    body.as_array_mut().unwrap().push(json!(["withdraw", 1, 0]));
    let info = bitfinex::map_key_info(&body).unwrap();
    assert_eq!(
        info.can_withdraw(),
        Grant::NotReported,
        "listed twice, differently"
    );
    assert_eq!(info.anomalies[0].kind, AnomalyKind::Invalid);
}

#[test]
fn an_unknown_scope_leaves_no_right_denied() {
    let info = bitfinex::map_key_info(&scopes(&[("eaas", 1, 1)])).unwrap();
    for right in Permission::NORMALIZED {
        assert_ne!(info.permissions.get(&right), Grant::Denied, "{right}");
    }
    assert_eq!(
        info.permissions.get(&Permission::Other("eaas".into())),
        Grant::Granted
    );
    assert!(info
        .anomalies
        .iter()
        .any(|a| a.kind == AnomalyKind::Unrecognized));
    // Neither read nor write: noted, nothing relaxed.
    let info = bitfinex::map_key_info(&scopes(&[("eaas", 0, 0)])).unwrap();
    assert_eq!(info.can_withdraw(), Grant::Denied);
    assert_eq!(info.anomalies[0].kind, AnomalyKind::Unrecognized);
}

#[test]
fn an_unreadable_entry_leaves_no_right_denied() {
    for entry in [
        json!("withdraw"),
        json!([1, 1, 1]),
        json!({"scope": "x"}),
        json!([]),
    ] {
        let mut body = scopes(&[]);
        body.as_array_mut().unwrap().push(entry.clone());
        let info = bitfinex::map_key_info(&body).unwrap();
        for right in Permission::NORMALIZED {
            assert_ne!(
                info.permissions.get(&right),
                Grant::Denied,
                "{entry}: {right}"
            );
        }
        assert_eq!(info.anomalies[0].kind, AnomalyKind::Invalid, "{entry}");
    }
    let mut body = scopes(&[]);
    body.as_array_mut().unwrap()[7] = json!(["withdraw", "yes", 2]);
    let info = bitfinex::map_key_info(&body).unwrap();
    assert_eq!(info.can_withdraw(), Grant::NotReported);
}

#[test]
fn an_answer_that_is_not_a_scope_list_is_refused() {
    for body in [json!([]), json!({}), json!([["nothing"]]), json!("ok")] {
        let err = bitfinex::map_key_info(&body).unwrap_err();
        assert!(err.to_string().starts_with("bitfinex:"), "{body}: {err}");
    }
}

#[tokio::test]
async fn requests_are_signed_over_path_microsecond_nonce_and_body() {
    let sim = SimulatedExchange::start(ExchangeId::Bitfinex, Scenario::ReadOnly)
        .await
        .unwrap();
    let now = FAR_FUTURE_MS;
    let requests = two_key_info_requests_from_the_far_future(&sim).await;
    let credentials = sim.credentials();
    let secret = credentials.secret().expose_secret().to_owned();
    let mut nonces = Vec::new();
    for r in &requests {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/v2/auth/r/permissions");
        assert_eq!(r.query, None);
        assert_eq!(r.body, "{}");
        assert_eq!(r.header("bfx-apikey"), Some(credentials.api_key()));
        assert_eq!(r.header("content-type"), Some("application/json"));
        let nonce = r.header("bfx-nonce").unwrap().to_owned();
        assert_eq!(
            r.header("bfx-signature"),
            Some(hmac_sha384_hex(&secret, &format!("/api{}{nonce}{}", r.path, r.body)).as_str())
        );
        nonces.push(nonce.parse::<u64>().unwrap());
    }
    // Microseconds, as Bitfinex's examples send them, and below its ceiling.
    assert!(nonces[0] >= now as u64 * 1000, "{nonces:?}");
    assert!(nonces[1] > nonces[0] && nonces[1] < 9_007_199_254_740_991);
}

#[tokio::test]
async fn documented_errors_map_to_what_they_mean() {
    let sim = SimulatedExchange::start(ExchangeId::Bitfinex, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    assert_served_error_fixtures(
        &sim,
        adapter.as_ref(),
        500,
        &[
            ("error_apikey_invalid.json", Some(AuthReason::Ambiguous)),
            (
                "error_permission_invalid.json",
                Some(AuthReason::PermissionDenied),
            ),
            ("error_nonce_small.json", None),
        ],
    )
    .await;
    sim.serve(CannedAnswer::with_status(
        429,
        fixture("bitfinex", "error_ratelimit.json"),
    ))
    .await;
    let err = adapter.key_info().await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
    assert_eq!(err.context().unwrap().code.as_deref(), Some("11010"));
    sim.serve(CannedAnswer::with_status(
        503,
        fixture("bitfinex", "error_temporarily_unavailable.json"),
    ))
    .await;
    let err = adapter.key_info().await.unwrap_err();
    assert!(matches!(err, Error::Unavailable { .. }), "{err}");
}

#[tokio::test]
async fn malformed_answers_name_bitfinex() {
    let sim = SimulatedExchange::start(ExchangeId::Bitfinex, Scenario::ReadOnly)
        .await
        .unwrap();
    assert_raw_answers_fail_named(
        &sim,
        &[
            (
                200,
                "text/html",
                "<html><body>Just a moment...</body></html>",
            ),
            (200, "application/json", r#"[["account",1,0],["hist"#),
            (
                200,
                "application/json",
                r#"[["account","1",[]],[7,"x",null]]"#,
            ),
            (200, "application/json", r#"{"permissions": []}"#),
        ],
        "bitfinex:",
    )
    .await;
}

#[tokio::test]
async fn key_management_is_a_manual_step_on_the_website_and_sends_nothing() {
    let sim = SimulatedExchange::start(ExchangeId::Bitfinex, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    let errors = [
        adapter.list_keys().await.unwrap_err(),
        adapter
            .create_key(
                &NewKeySpec::new("bot", vec![Permission::Read]).allowed_ips(["203.0.113.10"]),
            )
            .await
            .unwrap_err(),
        adapter
            .revoke(
                KeyRef::other("someKey"),
                RevokeConfirm::IUnderstandThisIsIrreversible,
            )
            .await
            .unwrap_err(),
    ];
    assert_manual_steps(&errors, "bitfinex.com", "Account > API Keys");
    assert!(ExchangeId::Bitfinex
        .manual_step(Operation::UpdateKey)
        .contains("bitfinex.com"));
    assert!(sim.received_requests().await.is_empty());
}

#[tokio::test]
async fn no_secret_in_debug_or_errors() {
    let sim = SimulatedExchange::start(ExchangeId::Bitfinex, Scenario::InvalidKey)
        .await
        .unwrap();
    let credentials = sim.credentials();
    let secret = credentials.secret().expose_secret().to_owned();
    let adapter = sim.adapter().unwrap();
    assert!(!format!("{adapter:?}").contains(&secret));
    assert!(!format!("{credentials:?}").contains(&secret));
    sim.serve(CannedAnswer::with_status(
        500,
        json!(["error", 10100, format!("apikey: invalid ({secret})")]),
    ))
    .await;
    let err = adapter.key_info().await.unwrap_err();
    assert!(!err.to_string().contains(&secret), "{err}");
    assert!(!format!("{err:?}").contains(&secret));
}

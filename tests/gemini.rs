//! Gemini: mapping of the documented role answers, the payload header and its HMAC-SHA384
//! signature (recomputed here with the `hmac` crate), error reasons, malformed answers, and the
//! management operations Gemini's API does not offer.
#![cfg(feature = "gemini")]

mod common;

use base64::Engine as _;
use common::{
    assert_manual_steps, assert_raw_answers_fail_named, fixture, hmac_sha384_hex,
    two_key_info_requests_from_the_far_future, FAR_FUTURE_MS,
};
use exchange_keys::exchanges::gemini;
use exchange_keys::testkit::{CannedAnswer, Scenario, SimulatedExchange};
use exchange_keys::{
    AnomalyKind, AuthReason, Error, ExchangeId, Grant, IpRestriction, KeyRef, NewKeySpec,
    Operation, Permission, Reported, RevokeConfirm,
};
use secrecy::ExposeSecret;
use serde_json::json;

#[test]
fn the_published_signing_example_is_reproduced_independently() {
    // Gemini's "Private API invocation" example: secret `1234abcd`.
    let payload = "{\n    \"request\": \"/v1/order/status\",\n    \"nonce\": 123456,\n\n    \"order_id\": 18834\n}\n";
    let encoded = gemini::encoded_payload(payload);
    assert_eq!(
        hmac_sha384_hex("1234abcd", &encoded),
        "337cc8b4ea692cfe65b4a85fcc9f042b2e3f702ac956fd098d600ab15705775017beae402be773ceee10719ff70d710f"
    );
    assert_eq!(
        gemini::signature(b"1234abcd", &encoded),
        hmac_sha384_hex("1234abcd", &encoded)
    );
}

#[test]
fn the_master_level_example_maps_field_by_field() {
    let body = fixture("gemini", "roles_master_level.json");
    let info = gemini::map_key_info(&body).unwrap();
    let p = &info.permissions;
    assert_eq!(info.exchange, ExchangeId::Gemini);
    // Trader + Fund Manager + Administrator.
    assert_eq!(p.get(&Permission::Read), Grant::Granted);
    assert_eq!(p.get(&Permission::SpotTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::MarginTrade), Grant::NotReported);
    assert_eq!(p.get(&Permission::FuturesTrade), Grant::NotReported);
    assert_eq!(p.get(&Permission::OptionsTrade), Grant::NotReported);
    assert_eq!(p.get(&Permission::Withdraw), Grant::Granted);
    assert_eq!(p.get(&Permission::InternalTransfer), Grant::Granted);
    assert_eq!(p.get(&Permission::UniversalTransfer), Grant::Granted);
    assert_eq!(p.get(&Permission::SubAccountManagement), Grant::Granted);
    assert_eq!(p.get(&Permission::KeyManagement), Grant::Denied);
    assert_eq!(p.get(&Permission::Payment), Grant::Denied);
    assert_eq!(p.vendor_granted, ["Trader", "FundManager", "Administrator"]);
    for unreported in [
        info.key_id.is_known(),
        info.label.is_known(),
        info.created_at.is_known(),
        info.expires_at.is_known(),
        info.last_used_at.is_known(),
        info.account.is_known(),
    ] {
        assert!(!unreported);
    }
    assert_eq!(info.ip_restriction, IpRestriction::NotReported);
    assert_eq!(info.enabled, Reported::Known(true));
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
    assert_eq!(info.raw, body);
}

#[test]
fn the_account_level_example_maps_and_leaves_administrator_unknown_offline() {
    let body = fixture("gemini", "roles_account_level.json");
    let info = gemini::map_key_info(&body).unwrap();
    assert_eq!(info.can_withdraw(), Grant::Granted);
    assert_eq!(info.permissions.get(&Permission::SpotTrade), Grant::Granted);
    // Without the key's name, nothing says it is an account-level key.
    assert_eq!(
        info.permissions.get(&Permission::SubAccountManagement),
        Grant::NotReported
    );
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
}

#[test]
fn an_account_level_key_never_holds_administrator() {
    let body = fixture("gemini", "roles_account_level.json");
    let credentials = exchange_keys::Credentials::new("account-abc123", "s3cr3t-for-test");
    let info = ExchangeId::Gemini
        .key_info_from_answer(200, body.to_string().as_bytes(), Some(&credentials))
        .unwrap();
    assert_eq!(
        info.permissions.get(&Permission::SubAccountManagement),
        Grant::Denied
    );
}

#[test]
fn an_auditor_key_is_read_only() {
    let info = gemini::map_key_info(&json!({
        "isAuditor": true, "isFundManager": false, "isTrader": false
    }))
    .unwrap();
    assert_eq!(info.is_read_only(), Reported::Known(true));
    assert_eq!(info.permissions.vendor_granted, ["Auditor"]);
}

#[test]
fn a_missing_role_flag_leaves_what_it_decides_unreported() {
    let info =
        gemini::map_key_info(&json!({ "isAuditor": false, "isFundManager": false })).unwrap();
    assert_eq!(
        info.permissions.get(&Permission::SpotTrade),
        Grant::NotReported
    );
    assert_eq!(info.permissions.get(&Permission::Read), Grant::NotReported);
    assert_eq!(info.can_withdraw(), Grant::Denied);
    assert_eq!(info.anomalies[0].kind, AnomalyKind::Missing);
    assert_eq!(info.anomalies[0].field, "isTrader");

    let info = gemini::map_key_info(&json!({
        "isAuditor": false, "isFundManager": "yes", "isTrader": true
    }))
    .unwrap();
    assert_eq!(info.can_withdraw(), Grant::NotReported, "a mistyped flag");
    assert_eq!(info.anomalies[0].kind, AnomalyKind::Invalid);
}

#[test]
fn an_unknown_role_flag_leaves_no_right_denied() {
    let info = gemini::map_key_info(&json!({
        "isAuditor": false, "isFundManager": false, "isTrader": true, " isStaker ": true
    }))
    .unwrap();
    for right in Permission::WRITE {
        assert_ne!(info.permissions.get(&right), Grant::Denied, "{right}");
    }
    assert_eq!(
        info.permissions.get(&Permission::Other("isStaker".into())),
        Grant::Granted
    );
    assert!(info
        .anomalies
        .iter()
        .any(|a| a.kind == AnomalyKind::Unrecognized));
    // An unknown flag that is off grants nothing: noted, and nothing relaxed.
    let info = gemini::map_key_info(&json!({
        "isAuditor": false, "isFundManager": false, "isTrader": true, "isStaker": false
    }))
    .unwrap();
    assert_eq!(info.can_withdraw(), Grant::Denied);
    assert_eq!(info.anomalies.len(), 1);
}

#[test]
fn an_answer_without_any_role_flag_is_not_key_information() {
    for body in [json!({}), json!({"counterparty_id": "EMONNYXJ"}), json!([])] {
        let err = gemini::map_key_info(&body).unwrap_err();
        assert!(err.to_string().starts_with("gemini:"), "{err}");
    }
}

#[tokio::test]
async fn requests_carry_the_signed_payload_in_headers_and_no_body() {
    let sim = SimulatedExchange::start(ExchangeId::Gemini, Scenario::ReadOnly)
        .await
        .unwrap();
    let now = FAR_FUTURE_MS;
    let requests = two_key_info_requests_from_the_far_future(&sim).await;
    let credentials = sim.credentials();
    let secret = credentials.secret().expose_secret().to_owned();
    let mut nonces = Vec::new();
    for r in &requests {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/v1/roles");
        assert_eq!(r.query, None);
        assert_eq!(r.body, "");
        assert_eq!(r.header("x-gemini-apikey"), Some(credentials.api_key()));
        assert_eq!(r.header("content-type"), Some("text/plain"));
        assert_eq!(r.header("cache-control"), Some("no-cache"));
        let encoded = r.header("x-gemini-payload").unwrap();
        assert_eq!(
            r.header("x-gemini-signature"),
            Some(hmac_sha384_hex(&secret, encoded).as_str())
        );
        let payload: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(payload["request"], "/v1/roles");
        assert_eq!(payload.as_object().unwrap().len(), 2, "{payload}");
        nonces.push(payload["nonce"].as_u64().unwrap());
    }
    assert!(
        nonces[0] >= now as u64 && nonces[1] > nonces[0],
        "{nonces:?}"
    );
}

#[test]
fn sign_request_puts_call_parameters_in_the_payload() {
    let credentials = exchange_keys::Credentials::new("master-k", "1234abcd");
    let signed = ExchangeId::Gemini
        .sign_request(
            &credentials,
            exchange_keys::Environment::Production,
            &exchange_keys::exchanges::UnsignedRequest {
                method: "POST",
                path: "/v1/account",
                query: "",
                body: r#"{"account":"primary","nonce":1}"#,
            },
            4_102_444_700_000,
        )
        .unwrap();
    assert_eq!(signed.body, "");
    let header = |name: &str| {
        signed
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    let encoded = header("x-gemini-payload");
    let payload: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(&encoded)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(payload["request"], "/v1/account");
    assert_eq!(payload["account"], "primary");
    assert_ne!(payload["nonce"], 1, "the signer's nonce wins");
    assert_eq!(
        header("x-gemini-signature"),
        hmac_sha384_hex("1234abcd", &encoded)
    );
}

#[tokio::test]
async fn documented_errors_map_to_what_they_mean() {
    let sim = SimulatedExchange::start(ExchangeId::Gemini, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    for (file, status, reason) in [
        (
            "error_invalid_signature.json",
            400,
            Some(AuthReason::BadSignature),
        ),
        (
            "error_invalid_api_key.json",
            400,
            Some(AuthReason::InvalidKey),
        ),
        (
            "error_missing_role.json",
            403,
            Some(AuthReason::PermissionDenied),
        ),
        (
            "error_ip_filtering.json",
            403,
            Some(AuthReason::IpNotAllowed),
        ),
        ("error_bad_nonce.json", 400, None),
        ("error_missing_apikey_header.json", 401, None),
    ] {
        sim.serve(CannedAnswer::with_status(status, fixture("gemini", file)))
            .await;
        let err = adapter.key_info().await.unwrap_err();
        assert_eq!(err.auth_reason(), reason, "{file}: {err}");
        assert!(!err.is_retryable(), "{file}");
        assert!(err.to_string().starts_with("gemini:"), "{err}");
    }
    sim.serve(CannedAnswer::with_status(
        429,
        fixture("gemini", "error_rate_limit.json"),
    ))
    .await;
    let err = adapter.key_info().await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
    assert_eq!(err.context().unwrap().code.as_deref(), Some("RateLimit"));
}

#[tokio::test]
async fn malformed_answers_name_gemini() {
    let sim = SimulatedExchange::start(ExchangeId::Gemini, Scenario::ReadOnly)
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
            (200, "application/json", r#"{"isAuditor": tr"#),
            (
                200,
                "application/json",
                r#"{"isAuditor": "no", "isTrader": 1.5, "isFundManager": []}"#,
            ),
            (200, "application/json", r#"["isAuditor"]"#),
        ],
        "gemini:",
    )
    .await;
}

#[tokio::test]
async fn key_management_is_a_manual_step_on_the_website_and_sends_nothing() {
    let sim = SimulatedExchange::start(ExchangeId::Gemini, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    let caps = adapter.capabilities();
    assert!(!caps.list_keys.is_available() && !caps.create_key.is_available());
    let errors = [
        adapter.list_keys().await.unwrap_err(),
        adapter
            .create_key(
                &NewKeySpec::new("bot", vec![Permission::Read]).allowed_ips(["203.0.113.10"]),
            )
            .await
            .unwrap_err(),
        adapter
            .revoke(KeyRef::Own, RevokeConfirm::IUnderstandThisIsIrreversible)
            .await
            .unwrap_err(),
    ];
    assert_manual_steps(&errors, "exchange.gemini.com", "Settings > API");
    assert!(ExchangeId::Gemini
        .manual_step(Operation::ResetSecret)
        .contains("exchange.gemini.com"));
    assert!(sim.received_requests().await.is_empty());
}

#[tokio::test]
async fn no_secret_in_debug_or_errors() {
    let sim = SimulatedExchange::start(ExchangeId::Gemini, Scenario::InvalidKey)
        .await
        .unwrap();
    let credentials = sim.credentials();
    let secret = credentials.secret().expose_secret().to_owned();
    let adapter = sim.adapter().unwrap();
    assert!(!format!("{adapter:?}").contains(&secret));
    assert!(!format!("{credentials:?}").contains(&secret));
    let mut body = fixture("gemini", "error_invalid_api_key.json");
    body["message"] = format!("bad key, secret {secret}").into();
    sim.serve(CannedAnswer::with_status(400, body)).await;
    let err = adapter.key_info().await.unwrap_err();
    assert!(!err.to_string().contains(&secret), "{err}");
    assert!(!format!("{err:?}").contains(&secret));
}

//! BingX: mapping of the documented `apiPermissions` answer, the envelope, request shape and
//! signature recomputed independently, error codes.
#![cfg(feature = "bingx")]

mod common;

use common::{fixture, hmac_hex};
use exchange_keys::clock::FixedClock;
use exchange_keys::exchanges::bingx;
use exchange_keys::testkit::{CannedAnswer, Scenario, SimulatedExchange};
use exchange_keys::{
    AnomalyKind, AuthReason, Error, ExchangeId, Grant, IpEntry, IpRestriction, Operation,
    Permission, Reported,
};
use secrecy::ExposeSecret;
use serde_json::json;

fn documented_data() -> serde_json::Value {
    fixture("bingx", "api_permissions.json")["data"].clone()
}

#[test]
fn documented_example_maps_field_by_field() {
    let info = bingx::map_key_info(&documented_data()).unwrap();
    let p = &info.permissions;
    assert_eq!(info.exchange, ExchangeId::Bingx);
    // [1, 2]: spot trading, read
    assert_eq!(p.get(&Permission::Read), Grant::Granted);
    assert_eq!(p.get(&Permission::SpotTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::FuturesTrade), Grant::Denied);
    assert_eq!(p.get(&Permission::MarginTrade), Grant::NotReported);
    assert_eq!(p.get(&Permission::OptionsTrade), Grant::NotReported);
    assert_eq!(p.get(&Permission::Withdraw), Grant::Denied);
    assert_eq!(p.get(&Permission::Payment), Grant::Denied);
    assert_eq!(p.get(&Permission::UniversalTransfer), Grant::Denied);
    assert_eq!(p.get(&Permission::InternalTransfer), Grant::Denied);
    assert_eq!(p.get(&Permission::SubAccountManagement), Grant::Denied);
    assert_eq!(p.get(&Permission::KeyManagement), Grant::Denied);
    assert_eq!(p.vendor_granted, ["1", "2"]);
    assert_eq!(info.key_id, Reported::NotReported, "\"\" is no id");
    assert_eq!(info.label, Reported::Known("demo".into()));
    assert_eq!(info.ip_restriction, IpRestriction::Unrestricted);
    assert_eq!(info.enabled, Reported::Known(true));
    assert_eq!(info.created_at, Reported::NotReported);
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
}

#[test]
fn every_documented_code_and_addresses() {
    let mut data = documented_data();
    data["permissions"] = json!([2, 3, 4, "5", 7]);
    data["ipAddresses"] = json!(["203.0.113.7", "198.51.100.0/24"]);
    data["apiKey"] = "zF0123zQ".into();
    let info = bingx::map_key_info(&data).unwrap();
    let p = &info.permissions;
    assert_eq!(p.get(&Permission::SpotTrade), Grant::Denied);
    assert_eq!(p.get(&Permission::FuturesTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::UniversalTransfer), Grant::Granted);
    assert_eq!(p.get(&Permission::Withdraw), Grant::Granted);
    assert_eq!(p.get(&Permission::Payment), Grant::Granted);
    assert_eq!(p.get(&Permission::InternalTransfer), Grant::Granted);
    assert_eq!(info.key_id, Reported::Known("zF0123zQ".into()));
    assert_eq!(
        info.ip_restriction,
        IpRestriction::AllowList(vec![
            IpEntry::parse("203.0.113.7"),
            IpEntry::parse("198.51.100.0/24")
        ])
    );
    data["permissions"] = json!([2]);
    data["ipAddresses"] = json!([""]);
    let info = bingx::map_key_info(&data).unwrap();
    assert_eq!(info.is_read_only(), Reported::Known(true));
    assert_eq!(info.ip_restriction, IpRestriction::Unrestricted, "[\"\"]");
}

#[test]
fn unknown_or_unreadable_codes_leave_no_right_denied() {
    for codes in [json!([2, 6]), json!([2, {"id": 5}])] {
        let mut data = documented_data();
        data["permissions"] = codes.clone();
        let info = bingx::map_key_info(&data).unwrap();
        for right in Permission::WRITE {
            assert_eq!(
                info.permissions.get(&right),
                Grant::NotReported,
                "{codes} {right}"
            );
        }
        assert!(!info.anomalies.is_empty(), "{codes}");
    }
    let mut data = documented_data();
    data["permissions"] = json!([2, 6]);
    let info = bingx::map_key_info(&data).unwrap();
    assert_eq!(info.anomalies[0].kind, AnomalyKind::Unrecognized);
    assert_eq!(
        info.permissions.get(&Permission::Other("6".into())),
        Grant::Granted
    );
}

#[tokio::test]
async fn the_request_is_signed_as_bingx_documents() {
    let sim = SimulatedExchange::start(ExchangeId::Bingx, Scenario::ReadOnly)
        .await
        .unwrap();
    let now = 1_649_404_670_162_i64;
    let adapter = sim.builder().clock(FixedClock::new(now)).build().unwrap();
    adapter.key_info().await.unwrap();
    let requests = sim.received_requests().await;
    let r = requests
        .iter()
        .find(|r| r.path == "/openApi/v1/account/apiPermissions")
        .unwrap();
    let credentials = sim.credentials();
    assert_eq!(r.method, "GET");
    assert_eq!(r.header("x-bx-apikey"), Some(credentials.api_key()));
    let query = r.query.clone().unwrap();
    let (signed, signature) = query.rsplit_once("&signature=").unwrap();
    assert_eq!(signed, format!("timestamp={now}"));
    assert_eq!(
        signature,
        hmac_hex(credentials.secret().expose_secret(), signed)
    );
    assert_eq!(
        signature,
        "b91e2addf56a619e0bdfc6147ff02b90d22c2ac0ab531e5006e9edbfa2d70bb4"
    );
}

#[tokio::test]
async fn documented_errors_map_to_what_they_mean() {
    let sim = SimulatedExchange::start(ExchangeId::Bingx, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim
        .builder()
        .clock(FixedClock::new(exchange_keys::testkit::SERVER_TIME_MS))
        .build()
        .unwrap();
    for (file, reason) in [
        ("error_invalid_key.json", AuthReason::InvalidKey),
        ("error_ip_not_allowed.json", AuthReason::IpNotAllowed),
        ("error_bad_signature.json", AuthReason::BadSignature),
        ("error_permission_denied.json", AuthReason::PermissionDenied),
    ] {
        sim.serve(CannedAnswer::ok(fixture("bingx", file))).await;
        let err = adapter.key_info().await.unwrap_err();
        assert_eq!(err.auth_reason(), Some(reason), "{file}: {err}");
        assert!(!err.is_retryable(), "{file}");
        assert!(err.to_string().to_lowercase().contains("bingx"), "{err}");
    }
    sim.serve(CannedAnswer::with_status(
        429,
        fixture("bingx", "error_rate_limited.json"),
    ))
    .await;
    let err = adapter.key_info().await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
}

#[tokio::test]
async fn a_bare_answer_is_read_and_malformed_ones_fail_clearly() {
    let sim = SimulatedExchange::start(ExchangeId::Bingx, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    sim.serve(CannedAnswer::ok(documented_data())).await;
    let info = adapter.key_info().await.unwrap();
    assert_eq!(info.label, Reported::Known("demo".into()));
    for body in [
        "<html>maintenance</html>",
        "{\"code\":0,\"data\":{\"permissions\":[1",
        "{\"code\":0,\"data\":[1,2]}",
    ] {
        sim.serve_raw(200, "application/json", body.to_owned())
            .await;
        let err = adapter.key_info().await.unwrap_err();
        assert!(
            err.to_string().to_lowercase().contains("bingx"),
            "{body}: {err}"
        );
        assert!(!err.to_string().contains("UuGuyEGt6ZEk"), "{err}");
    }
}

#[tokio::test]
async fn management_is_unsupported_with_a_manual_step_and_sends_nothing() {
    let sim = SimulatedExchange::start(ExchangeId::Bingx, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    match adapter.list_keys().await.unwrap_err() {
        Error::Unsupported {
            operation,
            manual_step,
            ..
        } => {
            assert_eq!(operation, Operation::ListKeys);
            assert!(manual_step.contains("bingx.com"), "{manual_step}");
        }
        other => panic!("{other}"),
    }
    assert!(sim.received_requests().await.is_empty());
}

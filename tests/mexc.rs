//! MEXC (spot v3): mapping of the third-party sample answer, lenient reading of an answer whose
//! shape is undocumented, request shape and signature recomputed independently, error codes.
#![cfg(feature = "mexc")]

mod common;

use common::{at, fixture, hmac_hex};
use exchange_keys::clock::FixedClock;
use exchange_keys::exchanges::mexc;
use exchange_keys::testkit::{CannedAnswer, Scenario, SimulatedExchange};
use exchange_keys::{
    AnomalyKind, AuthReason, Error, ExchangeId, Grant, IpEntry, IpRestriction, Operation,
    Permission, Reported,
};
use secrecy::ExposeSecret;
use serde_json::json;

fn documented() -> serde_json::Value {
    fixture("mexc", "api_key_info.json")
}

#[test]
fn sample_answer_maps_field_by_field() {
    let info = mexc::map_key_info(&documented()).unwrap();
    let p = &info.permissions;
    assert_eq!(info.exchange, ExchangeId::Mexc);
    // CONTRACT_ACCOUNT_READ,CONTRACT_DEAL_READ,SPOT_ACCOUNT_READ,SPOT_DEAL_WRITE,SPOT_DEAL_READ
    assert_eq!(p.get(&Permission::Read), Grant::Granted);
    assert_eq!(p.get(&Permission::SpotTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::MarginTrade), Grant::Denied);
    assert_eq!(p.get(&Permission::FuturesTrade), Grant::Denied);
    assert_eq!(p.get(&Permission::OptionsTrade), Grant::Denied);
    assert_eq!(p.get(&Permission::Withdraw), Grant::Denied);
    assert_eq!(p.get(&Permission::Payment), Grant::Denied);
    assert_eq!(p.get(&Permission::InternalTransfer), Grant::Denied);
    assert_eq!(p.get(&Permission::UniversalTransfer), Grant::Denied);
    // SPOT_ACCOUNT_READ is what one copy of MEXC's docs asks to manage sub-account keys.
    assert_eq!(p.get(&Permission::SubAccountManagement), Grant::NotReported);
    assert_eq!(p.get(&Permission::KeyManagement), Grant::NotReported);
    assert_eq!(p.vendor_granted.len(), 5);
    assert_eq!(info.key_id, Reported::Known("mx0npKfh57kEEVmyLa".into()));
    assert_eq!(info.label, Reported::Known("note2".into()));
    assert_eq!(
        info.ip_restriction,
        IpRestriction::Unrestricted,
        "\"\" = none"
    );
    assert_eq!(info.created_at, Reported::Known(at("2026-09-14T18:53:36Z")));
    assert_eq!(info.enabled, Reported::Known(true), "status VALID");
    assert_eq!(
        info.expires_at,
        Reported::NotReported,
        "remainingValidity not mapped"
    );
    assert_eq!(info.account, Reported::NotReported);
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
    assert_eq!(info.raw, documented());
}

#[test]
fn withdrawal_transfer_and_account_write_tokens() {
    let mut answer = documented();
    answer["permissions"] =
        "SPOT_WITHDRAW_WRITE, spot_transfer_write ,SPOT_ACCOUNT_WRITE,CONTRACT_DEAL_WRITE".into();
    answer["ipWhiteList"] = "203.0.113.7,198.51.100.0/24".into();
    answer["createTime"] = json!(1_597_026_383_085_i64);
    let info = mexc::map_key_info(&answer).unwrap();
    let p = &info.permissions;
    assert_eq!(p.get(&Permission::Withdraw), Grant::Granted);
    assert_eq!(p.get(&Permission::Payment), Grant::Granted);
    assert_eq!(p.get(&Permission::UniversalTransfer), Grant::Granted);
    assert_eq!(p.get(&Permission::InternalTransfer), Grant::Granted);
    assert_eq!(p.get(&Permission::FuturesTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::KeyManagement), Grant::Granted);
    assert_eq!(p.get(&Permission::SubAccountManagement), Grant::NotReported);
    assert_eq!(
        info.ip_restriction,
        IpRestriction::AllowList(vec![
            IpEntry::parse("203.0.113.7"),
            IpEntry::parse("198.51.100.0/24")
        ])
    );
    assert_eq!(
        info.created_at,
        Reported::Known(at("2020-08-10T02:26:23.085Z")),
        "epoch ms read too"
    );
}

#[test]
fn a_list_of_permissions_is_read_as_well_as_a_text() {
    let mut answer = documented();
    answer["permissions"] = json!(["SPOT_DEAL_READ", "SPOT_WITHDRAW_READ"]);
    let info = mexc::map_key_info(&answer).unwrap();
    assert_eq!(info.is_read_only(), Reported::Known(true));
}

#[test]
fn unknown_tokens_and_right_like_fields_are_never_denied() {
    let mut answer = documented();
    answer["permissions"] = "SPOT_DEAL_READ,SPOT_EARN_WRITE".into();
    let info = mexc::map_key_info(&answer).unwrap();
    for right in Permission::WRITE {
        assert_eq!(info.permissions.get(&right), Grant::NotReported, "{right}");
    }
    assert_eq!(
        info.permissions
            .get(&Permission::Other("SPOT_EARN_WRITE".into())),
        Grant::Granted
    );
    assert!(info
        .anomalies
        .iter()
        .any(|a| a.kind == AnomalyKind::Unrecognized));

    let mut answer = documented();
    answer["permissions"] = "SPOT_DEAL_READ".into();
    answer["canWithdraw"] = json!(true);
    let info = mexc::map_key_info(&answer).unwrap();
    assert_eq!(
        info.permissions.get(&Permission::Withdraw),
        Grant::NotReported
    );
    assert_eq!(info.is_read_only(), Reported::NotReported);

    // A field that does not read like a right is only listed.
    let mut answer = documented();
    answer["permissions"] = "SPOT_DEAL_READ".into();
    answer["uid"] = json!("12345");
    let info = mexc::map_key_info(&answer).unwrap();
    assert_eq!(info.is_read_only(), Reported::Known(true));
    assert_eq!(info.anomalies[0].field, "uid");
}

#[test]
fn missing_or_mistyped_fields_cost_only_what_they_decide() {
    let mut answer = documented();
    answer.as_object_mut().unwrap().remove("permissions");
    answer["ipWhiteList"] = json!(42);
    answer["status"] = "FROZEN".into();
    answer["createTime"] = "yesterday".into();
    let info = mexc::map_key_info(&answer).unwrap();
    for right in Permission::WRITE {
        assert_eq!(info.permissions.get(&right), Grant::NotReported, "{right}");
    }
    assert_eq!(info.ip_restriction, IpRestriction::NotReported);
    assert_eq!(info.enabled, Reported::NotReported);
    assert_eq!(info.created_at, Reported::NotReported);
    assert_eq!(info.label, Reported::Known("note2".into()));
    let fields: Vec<&str> = info.anomalies.iter().map(|a| a.field.as_str()).collect();
    for field in ["permissions", "ipWhiteList", "status", "createTime"] {
        assert!(fields.contains(&field), "{field}: {fields:?}");
    }
}

#[test]
fn answers_that_are_not_key_information_fail_naming_mexc() {
    for answer in [json!([]), json!("ok"), json!({"serverTime": 1})] {
        let err = mexc::map_key_info(&answer).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err}");
        assert!(
            err.to_string().contains("MEXC") || err.to_string().contains("mexc"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn the_request_is_signed_as_mexc_documents() {
    let sim = SimulatedExchange::start(ExchangeId::Mexc, Scenario::ReadOnly)
        .await
        .unwrap();
    let now = 1_644_489_390_087_i64;
    let adapter = sim.builder().clock(FixedClock::new(now)).build().unwrap();
    adapter.key_info().await.unwrap();
    let requests = sim.received_requests().await;
    let r = requests
        .iter()
        .find(|r| r.path == "/api/v3/apiKeyInfo")
        .unwrap();
    let credentials = sim.credentials();
    assert_eq!(r.method, "GET");
    assert_eq!(r.header("x-mexc-apikey"), Some(credentials.api_key()));
    assert!(r.body.is_empty());
    let query = r.query.clone().unwrap();
    let (signed, signature) = query.rsplit_once("&signature=").unwrap();
    assert_eq!(
        signed,
        format!("accessKey=mx0aBYs33eIilxBWC5&recvWindow=5000&timestamp={now}")
    );
    assert_eq!(
        signature,
        hmac_hex(credentials.secret().expose_secret(), signed)
    );
    assert_eq!(
        signature,
        "75577503acaf11a1b736a944016981b07320b89a5778297c5150e9b72929abe9"
    );
}

#[tokio::test]
async fn documented_errors_map_to_what_they_mean() {
    let sim = SimulatedExchange::start(ExchangeId::Mexc, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim
        .builder()
        .clock(FixedClock::new(exchange_keys::testkit::SERVER_TIME_MS))
        .build()
        .unwrap();
    for (file, reason) in [
        ("error_invalid_key.json", AuthReason::InvalidKey),
        ("error_key_format.json", AuthReason::InvalidKey),
        ("error_bad_signature.json", AuthReason::Ambiguous),
        ("error_ip_not_allowed.json", AuthReason::IpNotAllowed),
        ("error_permission_denied.json", AuthReason::PermissionDenied),
    ] {
        sim.serve(CannedAnswer::with_status(400, fixture("mexc", file)))
            .await;
        let err = adapter.key_info().await.unwrap_err();
        assert_eq!(err.auth_reason(), Some(reason), "{file}: {err}");
        assert!(!err.is_retryable(), "{file}");
        assert!(err.to_string().to_lowercase().contains("mexc"), "{err}");
    }
    sim.serve(
        CannedAnswer::with_status(429, fixture("mexc", "error_rate_limited.json"))
            .header("retry-after", "10"),
    )
    .await;
    let err = adapter.key_info().await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
}

#[tokio::test]
async fn html_and_truncated_answers_are_clear_errors() {
    let sim = SimulatedExchange::start(ExchangeId::Mexc, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    for body in [
        "<html><body>502 Bad Gateway</body></html>",
        "{\"note\":\"x\",\"perm",
    ] {
        sim.serve_raw(200, "text/html", body.to_owned()).await;
        let err = adapter.key_info().await.unwrap_err();
        assert!(err.to_string().to_lowercase().contains("mexc"), "{err}");
        assert!(
            !err.to_string().contains("45d0b3c26f2644f19bfb98b07741b2f5"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn management_is_unsupported_with_a_manual_step_and_sends_nothing() {
    let sim = SimulatedExchange::start(ExchangeId::Mexc, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    let err = adapter.list_keys().await.unwrap_err();
    match err {
        Error::Unsupported {
            operation,
            manual_step,
            ..
        } => {
            assert_eq!(operation, Operation::ListKeys);
            assert!(manual_step.contains("mexc.com"), "{manual_step}");
        }
        other => panic!("{other}"),
    }
    assert!(sim.received_requests().await.is_empty());
}

#[test]
fn no_secret_in_debug() {
    let adapter = ExchangeId::Mexc
        .builder()
        .credentials(exchange_keys::Credentials::new(
            "mx0aBYs33eIilxBWC5",
            "45d0b3c26f2644f19bfb98b07741b2f5",
        ))
        .build()
        .unwrap();
    assert!(!format!("{adapter:?}").contains("45d0b3c26f2644f19bfb98b07741b2f5"));
}

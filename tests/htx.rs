//! HTX: mapping of the documented `/v2/user/api-key` answer, the uid lookup, Signature V2
//! recomputed independently, error codes, malformed answers.
#![cfg(feature = "htx")]

mod common;

use base64::Engine as _;
use common::{at, fixture};
use exchange_keys::exchanges::htx;
use exchange_keys::testkit::{CannedAnswer, Scenario, SimulatedExchange};
use exchange_keys::{
    AccountKind, AuthReason, Error, ExchangeId, Expiry, Grant, IpRestriction, Permission, Reported,
};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;

#[test]
fn documented_entry_maps_field_by_field() {
    let entry = fixture("htx", "api_key.json")["data"][0].clone();
    let info = htx::map_key_info(&entry).unwrap();
    let p = &info.permissions;
    assert_eq!(info.exchange, ExchangeId::Htx);
    assert_eq!(
        info.key_id,
        Reported::Known("4ba5cdf2-4a92c5da-718ba144-dbuqg6hkte".to_owned())
    );
    assert_eq!(info.label, Reported::Known("62924133".to_owned()));
    assert_eq!(p.get(&Permission::Read), Grant::Granted);
    assert_eq!(p.get(&Permission::SpotTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::FuturesTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::Withdraw), Grant::Denied);
    assert!(matches!(info.ip_restriction, IpRestriction::AllowList(ref e) if e.len() == 2));
    assert_eq!(info.enabled, Reported::Known(true));
    assert_eq!(info.expires_at, Reported::Known(Expiry::Never));
    assert_eq!(info.created_at, Reported::Known(at("2020-06-05T09:19:11Z")));
    assert_eq!(info.account, Reported::Known(AccountKind::Master));
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
}

#[test]
fn valid_days_count_from_creation() {
    let mut entry = fixture("htx", "api_key.json")["data"][0].clone();
    entry["validDays"] = 90.into();
    let info = htx::map_key_info(&entry).unwrap();
    assert_eq!(
        info.expires_at,
        Reported::Known(Expiry::At(at("2020-09-03T09:19:11Z")))
    );
    entry["permission"] = "readOnly,teleport".into();
    let info = htx::map_key_info(&entry).unwrap();
    assert_eq!(
        info.permissions.get(&Permission::Withdraw),
        Grant::NotReported
    );
}

#[tokio::test]
async fn uid_then_key_signed_with_signature_v2() {
    let sim = SimulatedExchange::start(ExchangeId::Htx, Scenario::Trading)
        .await
        .unwrap();
    let credentials = sim.credentials();
    sim.adapter().unwrap().key_info().await.unwrap();
    let requests = sim.received_requests().await;
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/v2/user/uid", "/v2/user/api-key"]);
    let request = &requests[1];
    assert_eq!(request.query_param("uid").as_deref(), Some("63628520"));
    assert_eq!(
        request.query_param("accessKey").as_deref(),
        Some(credentials.api_key())
    );
    assert_eq!(
        request.query_param("SignatureVersion").as_deref(),
        Some("2")
    );
    let query = request.query.clone().unwrap();
    let (signed, signature) = query.rsplit_once("&Signature=").unwrap();
    let prehash = format!("GET\napi.huobi.pro\n/v2/user/api-key\n{signed}");
    let mut mac =
        Hmac::<Sha256>::new_from_slice(credentials.secret().expose_secret().as_bytes()).unwrap();
    mac.update(prehash.as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let expected: String = form_urlencoded::byte_serialize(expected.as_bytes()).collect();
    assert_eq!(
        signature.to_ascii_uppercase(),
        expected.to_ascii_uppercase()
    );
    // Sorted by name, upper-case escapes.
    assert!(
        signed.starts_with("AccessKeyId=")
            && signed.contains("Timestamp=20")
            && signed.contains("%3A"),
        "{signed}"
    );
}

#[tokio::test]
async fn errors_map_to_reasons_and_name_the_exchange() {
    let sim = SimulatedExchange::start(ExchangeId::Htx, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    sim.serve(CannedAnswer::ok(fixture(
        "htx",
        "error_incorrect_access_key.json",
    )))
    .await;
    let err = adapter.key_info().await.unwrap_err();
    assert_eq!(err.auth_reason(), Some(AuthReason::Ambiguous), "{err}");
    assert!(
        err.to_string().starts_with("htx:") && err.to_string().contains("Incorrect Access key"),
        "{err}"
    );
    sim.serve(CannedAnswer::ok(fixture("htx", "error_v2_forbidden.json")))
        .await;
    assert_eq!(
        adapter.key_info().await.unwrap_err().auth_reason(),
        Some(AuthReason::PermissionDenied)
    );
    sim.serve(CannedAnswer::ok(fixture(
        "htx",
        "error_rate_too_many_requests.json",
    )))
    .await;
    assert!(matches!(
        adapter.key_info().await.unwrap_err(),
        Error::RateLimited { .. }
    ));
    sim.serve_raw(200, "application/json", r#"{"code":200,"data":[]}"#)
        .await;
    let err = adapter.key_info().await.unwrap_err();
    assert!(
        err.to_string().contains("does not list the key in use"),
        "{err}"
    );
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(sim.credentials().secret().expose_secret()));
}

#[tokio::test]
async fn management_is_a_manual_step() {
    let sim = SimulatedExchange::start(ExchangeId::Htx, Scenario::ReadOnly)
        .await
        .unwrap();
    let err = sim.adapter().unwrap().list_keys().await.unwrap_err();
    assert!(
        err.is_unsupported() && err.to_string().contains("htx.com"),
        "{err}"
    );
    assert!(sim.received_requests().await.is_empty());
}

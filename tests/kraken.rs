//! Kraken (spot): mapping of the documented answer, signing with a base64 secret and a shared
//! nonce, the 2FA password, error codes.
#![cfg(feature = "kraken")]

mod common;

use base64::Engine as _;
use common::{
    assert_served_error_fixtures, at, fixture, kraken_sign,
    two_key_info_requests_from_the_far_future, FAR_FUTURE_MS,
};
use exchange_keys::clock::FixedClock;
use exchange_keys::exchanges::kraken;
use exchange_keys::testkit::{CannedAnswer, Scenario, SimulatedExchange};
use exchange_keys::{
    AnomalyKind, AuthReason, Credentials, Error, ExchangeId, Expiry, Grant, IpEntry, IpRestriction,
    Permission, Reported,
};
use secrecy::ExposeSecret;

fn documented_result() -> serde_json::Value {
    fixture("kraken", "get_api_key_info.json")["result"].clone()
}

#[test]
fn documented_example_maps_field_by_field() {
    let result = documented_result();
    let info = kraken::map_key_info(&result).unwrap();
    let p = &info.permissions;
    assert_eq!(info.exchange, ExchangeId::Kraken);
    // ["query-funds", "withdraw-funds", "query-open-trades", "modify-trades"]
    assert_eq!(p.get(&Permission::Read), Grant::Granted);
    assert_eq!(p.get(&Permission::SpotTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::MarginTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::FuturesTrade), Grant::Denied);
    assert_eq!(p.get(&Permission::OptionsTrade), Grant::Denied);
    assert_eq!(p.get(&Permission::Withdraw), Grant::Granted);
    assert_eq!(p.get(&Permission::InternalTransfer), Grant::Granted);
    assert_eq!(p.get(&Permission::SubAccountManagement), Grant::Granted);
    // WalletTransfer needs only "Funds permissions - Query".
    assert_eq!(p.get(&Permission::UniversalTransfer), Grant::Granted);
    assert_eq!(p.get(&Permission::KeyManagement), Grant::Denied);
    assert_eq!(p.get(&Permission::Payment), Grant::Denied);
    assert_eq!(
        p.vendor_granted,
        [
            "query-funds",
            "withdraw-funds",
            "query-open-trades",
            "modify-trades"
        ]
    );
    assert_eq!(info.label, Reported::Known("my-api-key".into()));
    assert_eq!(
        info.key_id,
        Reported::Known("4/SDrDBcOOPnm3nPlNfEMMJDeRcIVqPz+QhRxIodyZbI9po/aVRiHsgX".into())
    );
    assert_eq!(
        info.ip_restriction,
        IpRestriction::Unrestricted,
        "[] = not restricted"
    );
    assert_eq!(info.created_at, Reported::Known(at("2026-03-03T13:01:40Z")));
    assert_eq!(
        info.expires_at,
        Reported::Known(Expiry::Never),
        "validUntil \"0\""
    );
    assert_eq!(
        info.last_used_at,
        Reported::Known(at("2026-03-04T12:24:21Z"))
    );
    assert_eq!(info.enabled, Reported::Known(true));
    assert_eq!(info.account, Reported::NotReported);
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
    assert_eq!(info.raw, result);
}

#[test]
fn query_funds_alone_is_not_read_only() {
    let mut result = documented_result();
    result["permissions"] = serde_json::json!(["query-funds", "query-ledger"]);
    let info = kraken::map_key_info(&result).unwrap();
    assert_eq!(info.is_read_only(), Reported::Known(false));
    assert_eq!(info.can_move_funds(), Grant::Granted);
    assert_eq!(info.can_pay_out(), Grant::Denied);
    result["permissions"] = serde_json::json!(["query-open-trades", "query-ledger"]);
    let info = kraken::map_key_info(&result).unwrap();
    assert_eq!(info.is_read_only(), Reported::Known(true));
}

#[test]
fn allowlists_expiry_and_last_use_are_read() {
    let mut result = documented_result();
    result["ipAllowlist"] = serde_json::json!(["203.0.113.7", "198.51.100.0/24"]);
    result["validUntil"] = "1767744000".into();
    result["lastUsed"] = serde_json::Value::Null;
    let info = kraken::map_key_info(&result).unwrap();
    assert_eq!(
        info.ip_restriction,
        IpRestriction::AllowList(vec![
            IpEntry::parse("203.0.113.7"),
            IpEntry::parse("198.51.100.0/24")
        ])
    );
    assert_eq!(
        info.expires_at,
        Reported::Known(Expiry::At(at("2026-01-07T00:00:00Z")))
    );
    assert_eq!(info.last_used_at, Reported::NotReported, "null: never used");
    assert!(info.anomalies.is_empty());
}

#[test]
fn an_unknown_permission_leaves_no_write_right_denied() {
    let mut result = documented_result();
    result["permissions"] = serde_json::json!(["query-ledger", "stake-funds"]);
    let info = kraken::map_key_info(&result).unwrap();
    for right in Permission::WRITE {
        assert_eq!(info.permissions.get(&right), Grant::NotReported, "{right}");
    }
    assert_eq!(info.anomalies[0].kind, AnomalyKind::Unrecognized);
}

#[tokio::test]
async fn requests_are_signed_with_the_decoded_secret_and_a_json_nonce() {
    let sim = SimulatedExchange::start(ExchangeId::Kraken, Scenario::ReadOnly)
        .await
        .unwrap();
    let now = FAR_FUTURE_MS;
    let requests = two_key_info_requests_from_the_far_future(&sim).await;
    let credentials = sim.credentials();
    let secret = base64::engine::general_purpose::STANDARD
        .decode(credentials.secret().expose_secret())
        .unwrap();
    let mut nonces = Vec::new();
    for r in &requests {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/0/private/GetApiKeyInfo");
        assert_eq!(r.header("api-key"), Some(credentials.api_key()));
        assert_eq!(r.header("content-type"), Some("application/json"));
        let body = r.json_body();
        let nonce = body["nonce"].as_str().unwrap().to_owned();
        assert_eq!(
            r.header("api-sign"),
            Some(kraken_sign(&secret, &r.path, &nonce, &r.body).as_str())
        );
        assert!(body.get("otp").is_none());
        nonces.push(nonce.parse::<u64>().unwrap());
    }
    assert!(
        nonces[0] >= now as u64 && nonces[1] > nonces[0],
        "{nonces:?}"
    );
}

#[tokio::test]
async fn adapters_sharing_a_key_never_reuse_a_nonce() {
    let sim = SimulatedExchange::start(ExchangeId::Kraken, Scenario::ReadOnly)
        .await
        .unwrap();
    let now = 4_102_444_900_000_i64;
    let a = sim.builder().clock(FixedClock::new(now)).build().unwrap();
    let b = sim
        .builder()
        .clock(FixedClock::new(now - 60_000))
        .build()
        .unwrap();
    for _ in 0..3 {
        a.key_info().await.unwrap();
        b.key_info().await.unwrap();
    }
    let nonces: Vec<u64> = sim
        .received_requests()
        .await
        .iter()
        .map(|r| r.json_body()["nonce"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(nonces.windows(2).all(|w| w[1] > w[0]), "{nonces:?}");
}

#[tokio::test]
async fn the_2fa_password_goes_in_the_body_as_otp() {
    let sim = SimulatedExchange::start(ExchangeId::Kraken, Scenario::ReadOnly)
        .await
        .unwrap();
    let credentials = sim.credentials().with_passphrase("key-2fa-password");
    sim.builder()
        .credentials(credentials)
        .build()
        .unwrap()
        .key_info()
        .await
        .unwrap();
    let requests = sim.received_requests().await;
    assert_eq!(requests[0].json_body()["otp"], "key-2fa-password");
}

#[test]
fn a_secret_that_is_not_base64_fails_the_build_without_echo() {
    let err = ExchangeId::Kraken
        .builder()
        .credentials(Credentials::new("k", "not-base64-Secret!"))
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err}");
    assert!(err.to_string().contains("not base64"), "{err}");
    assert!(!err.to_string().contains("not-base64-Secret!"), "{err}");
}

#[tokio::test]
async fn warnings_beside_a_result_are_not_errors() {
    let sim = SimulatedExchange::start(ExchangeId::Kraken, Scenario::ReadOnly)
        .await
        .unwrap();
    let mut body = fixture("kraken", "get_api_key_info.json");
    body["error"] = serde_json::json!(["WGeneral:Deprecated"]);
    sim.serve(CannedAnswer::ok(body)).await;
    let info = sim.adapter().unwrap().key_info().await.unwrap();
    assert_eq!(info.exchange, ExchangeId::Kraken);
}

#[tokio::test]
async fn documented_errors_map_to_what_they_mean() {
    let sim = SimulatedExchange::start(ExchangeId::Kraken, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    assert_served_error_fixtures(
        &sim,
        adapter.as_ref(),
        200,
        &[
            ("error_invalid_key.json", Some(AuthReason::Ambiguous)),
            ("error_bad_signature.json", Some(AuthReason::BadSignature)),
            (
                "error_permission_denied.json",
                Some(AuthReason::PermissionDenied),
            ),
            ("error_invalid_nonce.json", None),
        ],
    )
    .await;
    sim.serve(CannedAnswer::ok(fixture(
        "kraken",
        "error_temporary_lockout.json",
    )))
    .await;
    let err = adapter.key_info().await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { ip_banned: true, retry_after: Some(wait), .. } if wait.as_secs() == 900),
        "{err}"
    );
}

//! Kraken Futures: the key check's request (signature recomputed with the `hmac` crate), the
//! documented answer field by field, the access levels, errors, malformed answers, and no
//! management.
#![cfg(feature = "kraken-futures")]

mod common;

use base64::Engine as _;
use common::{assert_manual_steps, assert_raw_answers_fail_named, at, fixture};
use exchange_keys::clock::FixedClock;
use exchange_keys::exchanges::kraken_futures;
use exchange_keys::testkit::{CannedAnswer, Scenario, SimulatedExchange};
use exchange_keys::{
    AnomalyKind, AuthReason, Credentials, Error, ExchangeId, Grant, IpEntry, IpRestriction, KeyRef,
    NewKeySpec, Operation, Permission, Reported, RevokeConfirm,
};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use serde_json::json;
use sha2::{Digest, Sha256, Sha512};

const PATH: &str = "/api/auth/v1/api-keys/v3/check";

/// `Authent`, computed here from the documented formula with the `hmac` and `sha2` crates, not
/// with the crate's signing code.
fn authent(secret_b64: &str, post_data: &str, nonce: &str, path: &str) -> String {
    let secret = base64::engine::general_purpose::STANDARD
        .decode(secret_b64)
        .unwrap();
    let digest = Sha256::digest(format!("{post_data}{nonce}{path}").as_bytes());
    let mut mac = Hmac::<Sha512>::new_from_slice(&secret).unwrap();
    mac.update(&digest);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn documented() -> serde_json::Value {
    fixture("kraken-futures", "check_v3_api_key.json")
}

fn with_levels(general: &str, transfer: &str) -> serde_json::Value {
    let mut answer = documented();
    answer["permissions"] = json!({ "general": general, "transfer": transfer });
    answer
}

#[test]
fn the_derived_vector_matches_an_independent_hmac() {
    // No official vector exists (the guide's example secret is not base64): the crate's
    // signature must equal the one computed here with the `hmac` crate.
    let secret =
        "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";
    let expected = authent(secret, "", "1616492376594", PATH);
    assert_eq!(
        expected,
        "Bu3v5ecenzhqNL8TNcUUbXq7/6b2UOQnvcVZLd6VZryCRQUAw4FJR9x6svY7pfMh8z5TPmFdIsgCMotnrI/hzg=="
    );
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(secret)
        .unwrap();
    assert_eq!(
        kraken_futures::authent(&decoded, "", "1616492376594", PATH),
        expected
    );
    // The derivatives API signs its path without `/derivatives`.
    assert_eq!(
        kraken_futures::authent(
            &decoded,
            "symbol=pi_xbtusd",
            "5",
            "/derivatives/api/v3/orderbook"
        ),
        authent(secret, "symbol=pi_xbtusd", "5", "/api/v3/orderbook")
    );
}

#[test]
fn documented_example_maps_field_by_field() {
    let info = kraken_futures::map_key_info(&documented()).unwrap();
    assert_eq!(info.exchange, ExchangeId::KrakenFutures);
    assert_eq!(
        info.key_id,
        Reported::Known("Gom9BsP75m41c9fuY6oJk/unMWaDZjYIcTP4/5kqPvtzdbj5JU5/Fyeb".into())
    );
    assert_eq!(info.created_at, Reported::Known(at("2019-08-24T14:15:22Z")));
    assert_eq!(
        info.ip_restriction,
        IpRestriction::AllowList(vec![IpEntry::parse("192.168.0.0/16")])
    );
    assert_eq!(info.enabled, Reported::Known(true));
    for unreported in [
        info.label.is_known(),
        info.last_used_at.is_known(),
        info.expires_at.is_known(),
        info.account.is_known(),
    ] {
        assert!(!unreported);
    }
    // The rendered example's `permissions` is empty: both tiers are missing, so nothing they
    // decide is reported, and each is an anomaly.
    let p = &info.permissions;
    for right in [
        Permission::Read,
        Permission::FuturesTrade,
        Permission::Withdraw,
        Permission::InternalTransfer,
        Permission::UniversalTransfer,
        Permission::SubAccountManagement,
    ] {
        assert_eq!(p.get(&right), Grant::NotReported, "{right}");
    }
    let missing: Vec<&str> = info
        .anomalies
        .iter()
        .filter(|a| a.kind == AnomalyKind::Missing)
        .map(|a| a.field.as_str())
        .collect();
    assert_eq!(missing, ["permissions.general", "permissions.transfer"]);
    assert_eq!(info.raw, documented());
}

#[test]
fn access_levels_map_to_rights() {
    let read_only = kraken_futures::map_key_info(&with_levels("READ_ONLY", "NO_ACCESS")).unwrap();
    assert_eq!(read_only.is_read_only(), Reported::Known(true));
    assert_eq!(read_only.permissions.get(&Permission::Read), Grant::Granted);
    assert!(read_only.anomalies.is_empty(), "{:?}", read_only.anomalies);

    let trading = kraken_futures::map_key_info(&with_levels("FULL_ACCESS", "NO_ACCESS")).unwrap();
    let p = &trading.permissions;
    assert_eq!(p.get(&Permission::FuturesTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::SubAccountManagement), Grant::Granted);
    assert_eq!(p.get(&Permission::InternalTransfer), Grant::Granted);
    assert_eq!(p.get(&Permission::Withdraw), Grant::Denied);
    assert_eq!(p.get(&Permission::SpotTrade), Grant::Denied);
    assert_eq!(p.get(&Permission::KeyManagement), Grant::Denied);

    let withdrawal_only =
        kraken_futures::map_key_info(&with_levels("NO_ACCESS", "FULL_ACCESS")).unwrap();
    let p = &withdrawal_only.permissions;
    assert_eq!(p.get(&Permission::Read), Grant::Denied);
    assert_eq!(p.get(&Permission::FuturesTrade), Grant::Denied);
    assert_eq!(p.get(&Permission::Withdraw), Grant::Granted);
    assert_eq!(p.get(&Permission::UniversalTransfer), Grant::Granted);

    // Levels compare without regard to case and white space.
    let loose = kraken_futures::map_key_info(&with_levels(" full_access ", "no_access")).unwrap();
    assert_eq!(
        loose.permissions.get(&Permission::FuturesTrade),
        Grant::Granted
    );
}

#[test]
fn unknown_levels_and_rights_are_never_denied() {
    let info = kraken_futures::map_key_info(&with_levels("SUPER_ACCESS", "NO_ACCESS")).unwrap();
    for right in Permission::NORMALIZED {
        assert_ne!(info.permissions.get(&right), Grant::Denied, "{right}");
    }
    assert_eq!(info.anomalies[0].kind, AnomalyKind::Unrecognized);

    let mut answer = with_levels("READ_ONLY", "NO_ACCESS");
    answer["permissions"]["staking"] = "FULL_ACCESS".into();
    let info = kraken_futures::map_key_info(&answer).unwrap();
    assert_eq!(
        info.permissions.get(&Permission::Other("staking".into())),
        Grant::Granted
    );
    for right in Permission::WRITE {
        assert_eq!(info.permissions.get(&right), Grant::NotReported, "{right}");
    }
    // An unknown right held is not read-only.
    assert_eq!(info.is_read_only(), Reported::Known(false));
}

#[test]
fn cidr_blocks_are_read_through_the_shared_parser() {
    let mut answer = with_levels("READ_ONLY", "NO_ACCESS");
    answer["allowedCidrBlock"] = serde_json::Value::Null;
    answer["allowedCidrBlocks"] = json!([]);
    let info = kraken_futures::map_key_info(&answer).unwrap();
    assert_eq!(info.ip_restriction, IpRestriction::Unrestricted);

    answer["allowedCidrBlocks"] = json!(["0.0.0.0/0"]);
    let info = kraken_futures::map_key_info(&answer).unwrap();
    assert_eq!(info.ip_restriction, IpRestriction::Unrestricted);

    answer["allowedCidrBlocks"] = json!(["203.0.113.0/24", "198.51.100.7/32"]);
    let info = kraken_futures::map_key_info(&answer).unwrap();
    assert_eq!(
        info.ip_restriction,
        IpRestriction::AllowList(vec![
            IpEntry::parse("203.0.113.0/24"),
            IpEntry::parse("198.51.100.7/32")
        ])
    );

    // Neither field: not reported, never "unrestricted".
    let mut answer = with_levels("READ_ONLY", "NO_ACCESS");
    answer.as_object_mut().unwrap().remove("allowedCidrBlock");
    answer.as_object_mut().unwrap().remove("allowedCidrBlocks");
    let info = kraken_futures::map_key_info(&answer).unwrap();
    assert_eq!(info.ip_restriction, IpRestriction::NotReported);
}

#[tokio::test]
async fn the_request_is_a_signed_get_with_a_growing_nonce() {
    let sim = SimulatedExchange::start(ExchangeId::KrakenFutures, Scenario::ReadOnly)
        .await
        .unwrap();
    let now = 4_102_444_800_000_i64;
    let adapter = sim.builder().clock(FixedClock::new(now)).build().unwrap();
    adapter.key_info().await.unwrap();
    adapter.key_info().await.unwrap();
    let credentials = sim.credentials();
    let secret = credentials.secret().expose_secret().to_owned();
    let requests = sim.received_requests().await;
    assert_eq!(requests.len(), 2);
    let mut nonces = Vec::new();
    for r in &requests {
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, PATH);
        assert_eq!(r.query.as_deref().unwrap_or(""), "");
        assert!(r.body.is_empty());
        assert_eq!(r.header("apikey"), Some(credentials.api_key()));
        let nonce = r.header("nonce").unwrap().to_owned();
        assert_eq!(
            r.header("authent"),
            Some(authent(&secret, "", &nonce, PATH).as_str())
        );
        nonces.push(nonce.parse::<u64>().unwrap());
    }
    assert!(
        nonces[0] >= now as u64 && nonces[1] > nonces[0],
        "{nonces:?}"
    );
}

#[tokio::test]
async fn errors_map_to_their_reasons() {
    let sim = SimulatedExchange::start(ExchangeId::KrakenFutures, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    sim.serve(CannedAnswer::with_status(
        401,
        fixture("kraken-futures", "error_unauthorized.json"),
    ))
    .await;
    let err = adapter.key_info().await.unwrap_err();
    assert_eq!(err.auth_reason(), Some(AuthReason::Ambiguous), "{err}");
    assert!(!err.is_retryable());
    assert_eq!(
        err.context().unwrap().code.as_deref(),
        Some("authenticationError")
    );

    // A 401 without a body code is still the documented 401.
    sim.serve(CannedAnswer::with_status(401, json!({}))).await;
    let err = adapter.key_info().await.unwrap_err();
    assert_eq!(err.auth_reason(), Some(AuthReason::Ambiguous), "{err}");

    sim.serve(CannedAnswer::ok(fixture(
        "kraken-futures",
        "error_rate_limited.json",
    )))
    .await;
    let err = adapter.key_info().await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");

    sim.serve(CannedAnswer::ok(fixture(
        "kraken-futures",
        "error_nonce_below_threshold.json",
    )))
    .await;
    let err = adapter.key_info().await.unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err}");
}

#[tokio::test]
async fn malformed_answers_name_the_exchange() {
    let sim = SimulatedExchange::start(ExchangeId::KrakenFutures, Scenario::ReadOnly)
        .await
        .unwrap();
    let truncated = documented().to_string();
    assert_raw_answers_fail_named(
        &sim,
        &[
            (
                200,
                "text/html",
                "<html><body>Just a moment...</body></html>".to_owned(),
            ),
            (
                200,
                "application/json",
                truncated[..truncated.len() / 2].to_owned(),
            ),
            (
                200,
                "application/json",
                r#"{"apiKey": 7, "createdAt": false, "permissions": []}"#.to_owned(),
            ),
        ],
        "kraken-futures:",
    )
    .await;
}

#[tokio::test]
async fn management_is_unsupported_with_the_page_to_visit_and_sends_nothing() {
    let sim = SimulatedExchange::start(ExchangeId::KrakenFutures, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    let errors = [
        adapter
            .revoke(KeyRef::Own, RevokeConfirm::IUnderstandThisIsIrreversible)
            .await
            .unwrap_err(),
        adapter
            .create_key(
                &NewKeySpec::new("bot", vec![Permission::Read]).allowed_ips(["203.0.113.9"]),
            )
            .await
            .unwrap_err(),
        adapter.list_keys().await.unwrap_err(),
    ];
    assert_manual_steps(&errors, "futures.kraken.com", "Settings > API keys");
    assert!(sim.received_requests().await.is_empty());
    assert!(ExchangeId::KrakenFutures
        .manual_step(Operation::Revoke)
        .contains("futures.kraken.com"));
}

#[test]
fn a_secret_that_is_not_base64_fails_the_build_without_echo() {
    let err = ExchangeId::KrakenFutures
        .builder()
        .credentials(Credentials::new("k", "not-base64-Secret!"))
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err}");
    assert!(
        err.to_string().contains("KRAKEN_FUTURES_API_SECRET"),
        "{err}"
    );
    assert!(!err.to_string().contains("not-base64-Secret!"), "{err}");
}

#[tokio::test]
async fn no_secret_in_debug_or_errors() {
    let sim = SimulatedExchange::start(ExchangeId::KrakenFutures, Scenario::InvalidKey)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    let secret = sim.credentials().secret().expose_secret().to_owned();
    let err = adapter.key_info().await.unwrap_err();
    for text in [format!("{adapter:?}"), err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(&secret), "{text}");
    }
}

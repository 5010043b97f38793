//! Coinbase (Advanced Trade, CDP keys): mapping of the documented answer, the JWT each request
//! carries, key forms, errors.
#![cfg(feature = "coinbase")]

mod common;

use base64::Engine as _;
use common::fixture;
use ed25519_dalek::Verifier as _;
use exchange_keys::clock::FixedClock;
use exchange_keys::exchanges::coinbase;
use exchange_keys::testkit::{CannedAnswer, Scenario, SimulatedExchange};
use exchange_keys::{
    AuthReason, Credentials, Error, ExchangeId, Grant, IpRestriction, Permission, Reported,
};

fn documented() -> serde_json::Value {
    fixture("coinbase", "key_permissions.json")
}

#[test]
fn documented_example_maps_field_by_field() {
    let info = coinbase::map_key_info(&documented()).unwrap();
    let p = &info.permissions;
    assert_eq!(info.exchange, ExchangeId::Coinbase);
    assert_eq!(p.get(&Permission::Read), Grant::Granted);
    assert_eq!(p.get(&Permission::SpotTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::FuturesTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::MarginTrade), Grant::NotReported);
    assert_eq!(p.get(&Permission::Withdraw), Grant::Granted);
    assert_eq!(p.get(&Permission::Payment), Grant::Granted);
    assert_eq!(p.get(&Permission::UniversalTransfer), Grant::Granted);
    assert_eq!(p.get(&Permission::InternalTransfer), Grant::NotReported);
    assert_eq!(p.get(&Permission::KeyManagement), Grant::Denied);
    assert_eq!(
        p.get(&Permission::Other("can_receive".into())),
        Grant::Granted
    );
    assert_eq!(
        p.vendor_granted,
        ["can_view", "can_trade", "can_transfer", "can_receive"]
    );
    // Coinbase reports none of these.
    assert_eq!(info.ip_restriction, IpRestriction::NotReported);
    assert_eq!(info.label, Reported::NotReported);
    assert_eq!(info.created_at, Reported::NotReported);
    assert_eq!(info.expires_at, Reported::NotReported);
    assert_eq!(info.enabled, Reported::Known(true));
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
    assert_eq!(info.raw, documented());
}

#[test]
fn a_view_only_key_is_read_only_and_can_receive_is_optional() {
    let mut body = documented();
    body["can_trade"] = false.into();
    body["can_transfer"] = false.into();
    body.as_object_mut().unwrap().remove("can_receive");
    let info = coinbase::map_key_info(&body).unwrap();
    assert_eq!(info.is_read_only(), Reported::Known(true));
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
}

#[test]
fn a_new_flag_leaves_no_write_right_denied() {
    let mut body = documented();
    body["can_trade"] = false.into();
    body["can_transfer"] = false.into();
    body["can_stake"] = true.into();
    let info = coinbase::map_key_info(&body).unwrap();
    for right in Permission::WRITE {
        assert_ne!(info.permissions.get(&right), Grant::Denied, "{right}");
    }
}

#[tokio::test]
async fn each_request_carries_a_fresh_jwt_bound_to_its_call() {
    let sim = SimulatedExchange::start(ExchangeId::Coinbase, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim
        .builder()
        .clock(FixedClock::new(1_700_000_000_500))
        .build()
        .unwrap();
    adapter.key_info().await.unwrap();
    adapter.key_info().await.unwrap();
    let requests = sim.received_requests().await;
    let seed: [u8; 32] = std::array::from_fn(|i| i as u8);
    let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
    let mut nonces = Vec::new();
    for r in &requests {
        let token = r
            .header("authorization")
            .unwrap()
            .strip_prefix("Bearer ")
            .unwrap();
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(signature)
            .unwrap();
        let signature = ed25519_dalek::Signature::from_slice(&signature).unwrap();
        public.verify(signed.as_bytes(), &signature).unwrap();
        let part = |i: usize| -> serde_json::Value {
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(signed.split('.').nth(i).unwrap())
                .unwrap();
            serde_json::from_slice(&bytes).unwrap()
        };
        let (header, claims) = (part(0), part(1));
        assert_eq!(header["alg"], "EdDSA");
        assert_eq!(header["typ"], "JWT");
        assert_eq!(header["kid"], "organizations/sim-org/apiKeys/sim-key");
        assert_eq!(claims["sub"], "organizations/sim-org/apiKeys/sim-key");
        assert_eq!(claims["iss"], "cdp");
        assert_eq!(claims["nbf"], 1_700_000_000);
        assert_eq!(claims["exp"], 1_700_000_120);
        assert_eq!(
            claims["uri"],
            "GET api.coinbase.com/api/v3/brokerage/key_permissions"
        );
        assert!(claims.get("aud").is_none());
        nonces.push(header["nonce"].as_str().unwrap().to_owned());
    }
    assert_ne!(nonces[0], nonces[1], "a fresh nonce per request");
    assert_eq!(nonces[0].len(), 32);
}

#[test]
fn a_signer_outside_an_adapter_makes_the_same_token_and_shows_no_key() {
    let credentials = exchange_keys::testkit::credentials(ExchangeId::Coinbase).unwrap();
    let signer = coinbase::CdpSigner::new(&credentials).unwrap();
    let token = signer
        .token(
            "GET",
            "/api/v3/brokerage/key_permissions",
            1_700_000_000,
            "n",
        )
        .unwrap();
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let seed: [u8; 32] = std::array::from_fn(|i| i as u8);
    let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(signature)
        .unwrap();
    public
        .verify(
            signed.as_bytes(),
            &ed25519_dalek::Signature::from_slice(&signature).unwrap(),
        )
        .unwrap();
    let shown = format!("{signer:?}");
    assert!(!shown.contains("AAECAwQF"), "{shown}");
    let hmac_only = exchange_keys::Credentials::new("k", "s");
    assert!(coinbase::CdpSigner::new(&hmac_only).is_err());
}

#[test]
fn only_a_cdp_key_that_parses_builds_an_adapter() {
    let err = ExchangeId::Coinbase
        .builder()
        .credentials(Credentials::new("name", "secret"))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("CDP API key"), "{err}");
    let err = ExchangeId::Coinbase
        .builder()
        .credentials(Credentials::coinbase_cdp(
            "name",
            "-----BEGIN EC PRIVATE KEY-----\\nZm9vYmFy\\n-----END EC PRIVATE KEY-----",
        ))
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err}");
    assert!(!err.to_string().contains("Zm9vYmFy"), "{err}");
    // An ES256 key, with its newlines escaped as an environment variable holds them.
    let secret = p256::SecretKey::from_slice(&[9u8; 32]).unwrap();
    let pem = secret.to_sec1_pem(Default::default()).unwrap();
    ExchangeId::Coinbase
        .builder()
        .credentials(Credentials::coinbase_cdp(
            "organizations/o/apiKeys/k",
            pem.replace('\n', "\\n"),
        ))
        .build()
        .unwrap();
}

#[tokio::test]
async fn errors_map_to_what_they_mean() {
    let sim = SimulatedExchange::start(ExchangeId::Coinbase, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    sim.serve_raw(401, "text/plain", "Unauthorized").await;
    let err = adapter.key_info().await.unwrap_err();
    assert_eq!(err.auth_reason(), Some(AuthReason::Ambiguous), "{err}");
    sim.serve(CannedAnswer::with_status(
        403,
        fixture("coinbase", "error_permission_denied.json"),
    ))
    .await;
    let err = adapter.key_info().await.unwrap_err();
    assert_eq!(
        err.auth_reason(),
        Some(AuthReason::PermissionDenied),
        "{err}"
    );
    assert_eq!(
        err.context().unwrap().code.as_deref(),
        Some("PERMISSION_DENIED")
    );
    sim.serve_raw(429, "text/html", "<html>slow down</html>")
        .await;
    let err = adapter.key_info().await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
}

//! Gate: mapping of the documented `main_keys` answer, the signed request recomputed
//! independently, error labels, malformed answers.
#![cfg(feature = "gate")]

mod common;

use common::{at, fixture};
use exchange_keys::exchanges::gate;
use exchange_keys::testkit::{CannedAnswer, Scenario, SimulatedExchange};
use exchange_keys::{
    AccountKind, AuthReason, Error, ExchangeId, Grant, IpRestriction, Permission, Reported,
};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha512};

#[test]
fn documented_entry_maps_field_by_field() {
    let entry = fixture("gate", "main_keys.json")[0].clone();
    let info = gate::map_key_info(&entry).unwrap();
    let p = &info.permissions;
    assert_eq!(info.exchange, ExchangeId::Gate);
    assert_eq!(info.key_id, Reported::Known("c5dcfbf1f3a7*****".to_owned()));
    assert_eq!(info.label, Reported::Known("test1".to_owned()));
    // perms: account (write), spot (write); wallet, futures, options absent.
    assert_eq!(p.get(&Permission::Read), Grant::Granted);
    assert_eq!(p.get(&Permission::SpotTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::MarginTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::FuturesTrade), Grant::Denied);
    assert_eq!(p.get(&Permission::OptionsTrade), Grant::Denied);
    assert_eq!(p.get(&Permission::Withdraw), Grant::Denied);
    assert_eq!(p.get(&Permission::SubAccountManagement), Grant::Granted);
    assert_eq!(info.ip_restriction, IpRestriction::Unrestricted);
    assert_eq!(info.enabled, Reported::Known(true));
    assert_eq!(info.created_at, Reported::Known(at("2025-07-20T17:02:09Z")));
    assert_eq!(
        info.last_used_at,
        Reported::Known(at("2025-07-20T17:02:09Z"))
    );
    assert_eq!(info.account, Reported::Known(AccountKind::Master));
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
}

#[test]
fn lenient_times_states_and_unknown_groups() {
    let mut entry = fixture("gate", "main_keys.json")[0].clone();
    entry["created_at"] = "1753030929".into();
    entry["state"] = 3.into();
    entry["perms"] = serde_json::json!([{"name": "spot", "read_only": true}, {"name": "teleport", "read_only": false}]);
    let info = gate::map_key_info(&entry).unwrap();
    assert_eq!(info.created_at, Reported::Known(at("2025-07-20T17:02:09Z")));
    assert_eq!(info.enabled, Reported::Known(false));
    // An unknown group leaves no write right denied.
    assert_eq!(
        info.permissions.get(&Permission::Withdraw),
        Grant::NotReported
    );
    assert_eq!(
        info.permissions.get(&Permission::Other("teleport".into())),
        Grant::Granted
    );
}

#[tokio::test]
async fn request_is_signed_as_gate_documents() {
    let sim = SimulatedExchange::start(ExchangeId::Gate, Scenario::Trading)
        .await
        .unwrap();
    let credentials = sim.credentials();
    let info = sim.adapter().unwrap().key_info().await.unwrap();
    assert_eq!(
        info.permissions.get(&Permission::FuturesTrade),
        Grant::Granted
    );
    let requests = sim.received_requests().await;
    let request = requests
        .iter()
        .find(|r| r.path == "/api/v4/account/main_keys")
        .unwrap();
    assert_eq!(request.method, "GET");
    assert_eq!(request.header("key"), Some(credentials.api_key()));
    let ts = request.header("timestamp").unwrap();
    assert!(ts.parse::<i64>().is_ok(), "seconds: {ts}");
    let body_hash = hex::encode(Sha512::digest(b""));
    let prehash = format!("GET\n/api/v4/account/main_keys\n\n{body_hash}\n{ts}");
    let mut mac =
        Hmac::<Sha512>::new_from_slice(credentials.secret().expose_secret().as_bytes()).unwrap();
    mac.update(prehash.as_bytes());
    assert_eq!(
        request.header("sign"),
        Some(hex::encode(mac.finalize().into_bytes()).as_str())
    );
}

#[tokio::test]
async fn labels_map_to_reasons_and_name_the_exchange() {
    let sim = SimulatedExchange::start(ExchangeId::Gate, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    for (file, reason) in [
        ("error_invalid_key.json", AuthReason::InvalidKey),
        ("error_ip_forbidden.json", AuthReason::IpNotAllowed),
        ("error_invalid_signature.json", AuthReason::BadSignature),
    ] {
        sim.serve(CannedAnswer::with_status(401, fixture("gate", file)))
            .await;
        let err = adapter.key_info().await.unwrap_err();
        assert_eq!(err.auth_reason(), Some(reason), "{file}: {err}");
        assert!(err.to_string().starts_with("gate:"), "{err}");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(sim.credentials().secret().expose_secret()));
    }
    sim.serve(CannedAnswer::with_status(
        429,
        fixture("gate", "error_too_many_requests.json"),
    ))
    .await;
    assert!(matches!(
        adapter.key_info().await.unwrap_err(),
        Error::RateLimited { .. }
    ));
    sim.serve_raw(200, "text/html", "<html>Just a moment</html>")
        .await;
    let err = adapter.key_info().await.unwrap_err();
    assert!(
        err.to_string().starts_with("gate:") && err.to_string().contains("HTML"),
        "{err}"
    );
    sim.serve_raw(
        200,
        "application/json",
        r#"[{"key":"00000000aaaa*****","perms":[]}]"#,
    )
    .await;
    let err = adapter.key_info().await.unwrap_err();
    assert!(
        err.to_string()
            .contains("not among the main account's keys"),
        "{err}"
    );
}

#[tokio::test]
async fn management_is_a_manual_step() {
    let sim = SimulatedExchange::start(ExchangeId::Gate, Scenario::ReadOnly)
        .await
        .unwrap();
    let err = sim.adapter().unwrap().list_keys().await.unwrap_err();
    assert!(
        err.is_unsupported() && err.to_string().contains("gate.com"),
        "{err}"
    );
}

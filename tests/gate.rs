//! Gate: mapping of the documented `main_keys` answer, the signed request recomputed
//! independently, error labels, malformed answers; sub-account keys listed, created, changed
//! and deleted from the main key.
#![cfg(feature = "gate")]

mod common;

use std::sync::Arc;

use common::{at, builder_for, fixture, json_body, mount_expecting_one};
use exchange_keys::exchanges::gate;
use exchange_keys::testkit::{CannedAnswer, RecordedRequest, Scenario, SimulatedExchange};
use exchange_keys::{
    AccountKind, AuthReason, Error, ExchangeId, Grant, IpRestriction, KeyAdapter, KeyChange,
    KeyRef, NewKeySpec, Permission, Reported, RevokeConfirm,
};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha512};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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

/// The `SIGN` Gate expects for `request`, recomputed here from the simulated secret.
fn expected_sign(request: &RecordedRequest) -> String {
    let credentials = exchange_keys::testkit::credentials(ExchangeId::Gate).unwrap();
    let body_hash = hex(&Sha512::digest(request.body.as_bytes()));
    let prehash = format!(
        "{}\n{}\n{}\n{body_hash}\n{}",
        request.method,
        request.path,
        request.query.as_deref().unwrap_or(""),
        request.header("timestamp").unwrap()
    );
    let mut mac =
        Hmac::<Sha512>::new_from_slice(credentials.secret().expose_secret().as_bytes()).unwrap();
    mac.update(prehash.as_bytes());
    hex(&mac.finalize().into_bytes())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn main_key() -> (SimulatedExchange, Arc<dyn KeyAdapter>) {
    let sim = SimulatedExchange::start(ExchangeId::Gate, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    (sim, adapter)
}

fn read_only_bot() -> NewKeySpec {
    NewKeySpec::new("bot_1", vec![Permission::Read])
        .allowed_ips(["203.0.113.7"])
        .sub_account("10001")
}

#[tokio::test]
async fn list_keys_gives_the_key_in_use_then_every_sub_account_key() {
    let (_sim, adapter) = main_key().await;
    let keys = adapter.list_keys().await.unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert_eq!(keys[0].account, Reported::Known(AccountKind::Master));
    let sub = &keys[1];
    // The documented key of GET /sub_accounts/{user_id}/keys, in the documented sub-account.
    assert_eq!(
        sub.key_id,
        Reported::Known("75c3264105b74693d8cb5c7f1a8e2420".to_owned())
    );
    assert_eq!(sub.sub_account, Reported::Known("10001".to_owned()));
    assert_eq!(sub.account, Reported::Known(AccountKind::SubAccount));
    assert_eq!(sub.label, Reported::Known("spot".to_owned()));
    assert_eq!(sub.enabled, Reported::Known(true));
    // `wallet` written: read on the unsafe side, as able to withdraw.
    assert_eq!(sub.permissions.get(&Permission::Withdraw), Grant::Granted);
    assert_eq!(
        sub.permissions.get(&Permission::FuturesTrade),
        Grant::Granted
    );
    assert_eq!(
        sub.permissions.get(&Permission::KeyManagement),
        Grant::Denied
    );
    assert!(matches!(&sub.ip_restriction, IpRestriction::AllowList(list) if list.len() == 2));
    assert_eq!(
        sub.raw["subaccount"]["login_name"],
        "sub_account_for_trades"
    );
}

#[test]
fn a_sub_account_key_state_counts_locked_and_frozen_as_disabled() {
    let mut entry = fixture("gate", "sub_account_keys.json")[0].clone();
    for (state, enabled) in [
        (1, Some(true)),
        (2, Some(false)),
        (3, Some(false)),
        (9, None),
    ] {
        entry["state"] = state.into();
        let info = gate::map_sub_account_key(&entry, "10001").unwrap();
        assert_eq!(info.enabled.known().copied(), enabled, "state {state}");
    }
}

#[tokio::test]
async fn create_is_signed_and_hands_over_a_bound_read_only_key() {
    let (sim, adapter) = main_key().await;
    let created = adapter.create_key(&read_only_bot()).await.unwrap();
    let secret = created.secret.expose_secret().to_owned();
    assert!(!secret.is_empty() && !format!("{created:?}").contains(&secret));
    let requests = sim.received_requests().await;
    let post = requests.iter().find(|r| r.method == "POST").unwrap();
    assert_eq!(post.path, "/api/v4/sub_accounts/10001/keys");
    assert_eq!(post.header("sign").unwrap(), expected_sign(post));
    assert_eq!(post.header("key"), Some(sim.credentials().api_key()));
    assert_eq!(post.header("content-type"), Some("application/json"));
    let body = json_body(post);
    assert_eq!(body["name"], "bot_1");
    assert_eq!(body["ip_whitelist"], serde_json::json!(["203.0.113.7"]));
    let perms = body["perms"].as_array().unwrap();
    assert!(perms.iter().all(|p| p["read_only"] == true), "{perms:?}");
    assert!(perms
        .iter()
        .all(|p| p["name"] != "wallet" || p["read_only"] == true));
    let listed = adapter.list_keys().await.unwrap();
    let new = listed
        .iter()
        .find(|k| k.key_id == Reported::Known(created.api_key.clone()))
        .unwrap();
    assert_eq!(new.permissions.get(&Permission::SpotTrade), Grant::Denied);
    assert_eq!(new.sub_account, Reported::Known("10001".to_owned()));
}

#[tokio::test]
async fn what_gate_cannot_give_or_name_safely_is_refused_before_sending() {
    let (sim, adapter) = main_key().await;
    for spec in [
        NewKeySpec::new("x", vec![Permission::Read, Permission::Withdraw])
            .allowed_ips(["203.0.113.7"])
            .sub_account("10001"),
        NewKeySpec::new("x", vec![Permission::Read, Permission::UniversalTransfer])
            .allowed_ips(["203.0.113.7"])
            .sub_account("10001"),
        NewKeySpec::new("x", vec![Permission::Read]).allowed_ips(["203.0.113.7"]),
        read_only_bot().sub_account("10001/../../account"),
        NewKeySpec::new("x", vec![Permission::Read])
            .allowed_ips(["203.0.113.0/24"])
            .sub_account("10001"),
    ] {
        let err = adapter.create_key(&spec).await.unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{spec:?}: {err}");
    }
    let err = adapter
        .revoke(
            KeyRef::sub_account_key("../../account/main_keys", "10001"),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err}");
    assert!(sim.received_requests().await.is_empty());
}

#[tokio::test]
async fn a_new_key_shown_with_wallet_is_deleted_and_its_secret_kept_out() {
    let server = MockServer::start().await;
    let created = fixture("gate", "sub_account_key_created.json");
    mount_expecting_one(
        &server,
        "POST",
        "/api/v4/sub_accounts/10001/keys",
        ResponseTemplate::new(200).set_body_json(&created),
    )
    .await;
    Mock::given(method("DELETE"))
        .and(path(
            "/api/v4/sub_accounts/10001/keys/eb8815bf99d7bb5f8ad6497bdc4774a8",
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let adapter = builder_for(ExchangeId::Gate, &server).build().unwrap();
    let spec = NewKeySpec::new("spot", vec![Permission::Read, Permission::SpotTrade])
        .allowed_ips(["127.0.0.1", "127.0.0.2"])
        .sub_account("10001");
    let err = adapter.create_key(&spec).await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(
        shown.contains("was deleted") && shown.contains("withdraw"),
        "{shown}"
    );
    assert!(
        !shown.contains(created["secret"].as_str().unwrap()),
        "{shown}"
    );
}

#[tokio::test]
async fn an_unclear_create_is_not_sent_again_and_says_where_to_look() {
    let server = MockServer::start().await;
    mount_expecting_one(
        &server,
        "POST",
        "/api/v4/sub_accounts/10001/keys",
        ResponseTemplate::new(502).set_body_string("bad gateway"),
    )
    .await;
    let adapter = builder_for(ExchangeId::Gate, &server).build().unwrap();
    let err = adapter.create_key(&read_only_bot()).await.unwrap_err();
    assert!(err.is_outcome_unknown(), "{err}");
    assert!(err.to_string().contains("Sub-Accounts > API Keys"), "{err}");
}

#[tokio::test]
async fn update_sends_what_it_leaves_alone_since_gate_clears_it() {
    let (sim, adapter) = main_key().await;
    let created = adapter.create_key(&read_only_bot()).await.unwrap();
    let target = || KeyRef::sub_account_key(created.api_key.clone(), "10001");
    adapter
        .update_key(target(), &KeyChange::new().label("bot_renamed"))
        .await
        .unwrap();
    let requests = sim.received_requests().await;
    let put = requests.iter().find(|r| r.method == "PUT").unwrap();
    assert_eq!(
        put.path,
        format!("/api/v4/sub_accounts/10001/keys/{}", created.api_key)
    );
    assert_eq!(put.header("sign").unwrap(), expected_sign(put));
    let body = json_body(put);
    assert_eq!(body["name"], "bot_renamed");
    assert_eq!(body["ip_whitelist"], serde_json::json!(["203.0.113.7"]));
    assert_eq!(body["perms"].as_array().unwrap().len(), 6, "{body}");
    adapter
        .update_key(
            target(),
            &KeyChange::new()
                .permissions(vec![Permission::Read, Permission::FuturesTrade])
                .allowed_ips(["203.0.113.9"]),
        )
        .await
        .unwrap();
    let held = sim
        .with_state(|s| s.key(&created.api_key).cloned())
        .flatten()
        .unwrap();
    assert_eq!(held.label, "bot_renamed");
    assert_eq!(held.ips, ["203.0.113.9"]);
    assert!(held.permissions.contains(&"futures".to_owned()), "{held:?}");
}

#[tokio::test]
async fn revoke_finds_the_sub_account_when_not_named() {
    let (sim, adapter) = main_key().await;
    let created = adapter.create_key(&read_only_bot()).await.unwrap();
    let revoked = adapter
        .revoke(
            KeyRef::other(created.api_key.clone()),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap();
    assert_eq!(revoked.key_id.as_deref(), Some(created.api_key.as_str()));
    assert_eq!(
        sim.with_state(|s| s.is_revoked(&created.api_key)),
        Some(true)
    );
    let err = adapter
        .revoke(
            KeyRef::other(sim.credentials().api_key().to_owned()),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap_err();
    assert!(
        err.is_unsupported() && err.to_string().contains("gate.com"),
        "{err}"
    );
}

#[tokio::test]
async fn a_delete_answered_204_with_no_body_is_done() {
    let server = MockServer::start().await;
    mount_expecting_one(
        &server,
        "DELETE",
        "/api/v4/sub_accounts/10001/keys/abc123",
        ResponseTemplate::new(204),
    )
    .await;
    let adapter = builder_for(ExchangeId::Gate, &server).build().unwrap();
    adapter
        .revoke(
            KeyRef::sub_account_key("abc123", "10001"),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap();
}

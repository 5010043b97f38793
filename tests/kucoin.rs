//! KuCoin: mapping of the documented answer (masked allowlist kept as patterns), request
//! signing with the signed passphrase, scenarios, error codes, malformed answers, and the
//! sub-account key calls: create (read back, handed over only when the masked list is
//! consistent with the addresses asked for), update and delete (with the key's own passphrase),
//! and what a rotation and a breach response make of them.
#![cfg(feature = "kucoin")]

mod common;

use common::{
    assert_error_fixtures, assert_passphrase_required, assert_timestamp_error_resyncs, builder_for,
    fixture, hmac_base64, key_info_error, mount, scenario_key_info, TimestampResync,
};
use exchange_keys::clock::FixedClock;
use exchange_keys::exchanges::kucoin;
use exchange_keys::testkit::{Scenario, SimulatedExchange};
use exchange_keys::{
    AccountKind, AnomalyKind, AuthReason, Credentials, Error, ExchangeId, Grant, IpEntry,
    IpRestriction, KeyAdapter, KeyChange, KeyRef, NewKeySpec, Operation, Permission, Reported,
    RetryPolicy, RevokeConfirm, Support,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use std::sync::Arc;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY_INFO: &str = "/api/v1/user/api-key";

fn documented_key() -> serde_json::Value {
    fixture("kucoin", "api_key_info.json")["data"].clone()
}

#[test]
fn documented_example_maps_field_by_field() {
    let key = documented_key();
    let info = kucoin::map_key_info(&key).unwrap();
    let p = &info.permissions;
    assert_eq!(info.exchange, ExchangeId::Kucoin);
    // permission: "General,Futures,Spot,Earn,InnerTransfer,Transfer,Margin"
    for right in [
        Permission::Read,
        Permission::SpotTrade,
        Permission::MarginTrade,
        Permission::FuturesTrade,
        Permission::Withdraw,
        Permission::InternalTransfer,
        Permission::UniversalTransfer,
        // isMaster with General: manages sub-accounts and their keys.
        Permission::SubAccountManagement,
        Permission::KeyManagement,
    ] {
        assert_eq!(p.get(&right), Grant::Granted, "{right}");
    }
    assert_eq!(p.get(&Permission::Other("Earn".into())), Grant::Granted);
    assert_eq!(p.get(&Permission::OptionsTrade), Grant::Denied);
    assert_eq!(p.get(&Permission::Payment), Grant::Denied);
    assert_eq!(
        p.vendor_granted,
        [
            "General",
            "Futures",
            "Spot",
            "Earn",
            "InnerTransfer",
            "Transfer",
            "Margin"
        ]
    );
    // ipWhitelist "203.**.154,103.**.34": masked, kept as patterns, never as addresses.
    assert_eq!(
        info.ip_restriction,
        IpRestriction::AllowList(vec![
            IpEntry::Pattern("203.**.154".into()),
            IpEntry::Pattern("103.**.34".into()),
        ])
    );
    assert_eq!(info.ip_restriction.is_restricted(), Reported::Known(true));
    assert_eq!(info.label, Reported::Known("account1".into()));
    assert_eq!(
        info.key_id,
        Reported::Known("6705f5c311545b000157d3eb".into())
    );
    assert_eq!(
        info.created_at,
        Reported::Known(common::at("2024-10-09T03:17:23Z"))
    );
    assert_eq!(info.account, Reported::Known(AccountKind::Master));
    assert_eq!(info.sub_account, Reported::NotReported);
    assert_eq!(info.enabled, Reported::Known(true));
    assert_eq!(info.expires_at, Reported::NotReported);
    assert_eq!(info.last_used_at, Reported::NotReported);
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
    assert_eq!(info.raw, key);
}

#[test]
fn a_sub_account_key_names_its_sub_account_and_manages_nothing() {
    let mut key = documented_key();
    key["isMaster"] = false.into();
    key["subName"] = "bot01".into();
    key["permission"] = "General, Spot".into();
    let info = kucoin::map_key_info(&key).unwrap();
    assert_eq!(info.account, Reported::Known(AccountKind::SubAccount));
    assert_eq!(info.sub_account, Reported::Known("bot01".into()));
    let p = &info.permissions;
    assert_eq!(p.get(&Permission::SpotTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::Withdraw), Grant::Denied);
    assert_eq!(p.get(&Permission::SubAccountManagement), Grant::Denied);
    assert_eq!(p.get(&Permission::KeyManagement), Grant::Denied);
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
}

#[test]
fn tokens_compare_without_case_or_padding() {
    let mut key = documented_key();
    key["permission"] = " general , SPOT ".into();
    let info = kucoin::map_key_info(&key).unwrap();
    assert_eq!(info.permissions.get(&Permission::SpotTrade), Grant::Granted);
    assert_eq!(info.can_withdraw(), Grant::Denied);
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
}

#[test]
fn an_unknown_token_denies_nothing() {
    let mut key = documented_key();
    key["permission"] = "General,LeadtradeFutures".into();
    let info = kucoin::map_key_info(&key).unwrap();
    let p = &info.permissions;
    assert_eq!(
        p.get(&Permission::Other("LeadtradeFutures".into())),
        Grant::Granted
    );
    for right in [
        Permission::Withdraw,
        Permission::SpotTrade,
        Permission::Payment,
    ] {
        assert_eq!(p.get(&right), Grant::NotReported, "{right}");
    }
    assert_eq!(info.anomalies[0].kind, AnomalyKind::Unrecognized);
}

#[test]
fn missing_or_empty_rights_are_not_reported_never_denied() {
    for permission in [serde_json::Value::Null, "".into(), 7.into()] {
        let mut key = documented_key();
        if permission.is_null() {
            key.as_object_mut().unwrap().remove("permission");
        } else {
            key["permission"] = permission;
        }
        let info = kucoin::map_key_info(&key).unwrap();
        assert_eq!(info.can_withdraw(), Grant::NotReported);
        assert_eq!(info.is_read_only(), Reported::NotReported);
        assert!(!info.anomalies.is_empty());
        // The rest still maps.
        assert_eq!(info.label, Reported::Known("account1".into()));
    }
}

#[test]
fn allowlists_absent_empty_plain_or_unreadable() {
    let mut key = documented_key();
    key.as_object_mut().unwrap().remove("ipWhitelist");
    let info = kucoin::map_key_info(&key).unwrap();
    assert_eq!(info.ip_restriction, IpRestriction::Unrestricted);
    assert!(info.anomalies.is_empty(), "optional: {:?}", info.anomalies);

    key["ipWhitelist"] = "".into();
    let info = kucoin::map_key_info(&key).unwrap();
    assert_eq!(info.ip_restriction, IpRestriction::Unrestricted);

    key["ipWhitelist"] = "203.0.113.10".into();
    let info = kucoin::map_key_info(&key).unwrap();
    assert!(
        matches!(&info.ip_restriction, IpRestriction::AllowList(e) if matches!(e[..], [IpEntry::Net(_)]))
    );

    key["ipWhitelist"] = 5.into();
    let info = kucoin::map_key_info(&key).unwrap();
    assert_eq!(info.ip_restriction, IpRestriction::NotReported);
    assert_eq!(info.anomalies[0].kind, AnomalyKind::Invalid);
}

#[test]
fn an_answer_that_is_not_key_information_fails() {
    let err = kucoin::map_key_info(&serde_json::json!({"foo": 1})).unwrap_err();
    assert!(err.to_string().contains("KuCoin"), "{err}");
}

#[tokio::test]
async fn request_is_signed_with_a_signed_passphrase_and_key_version() {
    let sim = SimulatedExchange::start(ExchangeId::Kucoin, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim
        .builder()
        .clock(FixedClock::new(1_234_567_890_000))
        .build()
        .unwrap();
    adapter.key_info().await.unwrap();

    let requests = sim.received_requests().await;
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    let c = sim.credentials();
    let secret = c.secret().expose_secret();
    assert_eq!(r.method, "GET");
    assert_eq!(r.path, KEY_INFO);
    assert_eq!(r.query, None);
    assert_eq!(r.body, "");
    assert_eq!(r.header("kc-api-key"), Some(c.api_key()));
    assert_eq!(r.header("kc-api-timestamp"), Some("1234567890000"));
    assert_eq!(r.header("kc-api-key-version"), Some("2"));
    let sign = hmac_base64(secret, "1234567890000GET/api/v1/user/api-key");
    assert_eq!(r.header("kc-api-sign"), Some(sign.as_str()));
    // The reference vector, recomputed independently.
    assert_eq!(sign, "6rS0lA+YnMWVg4UHPM8vGAaFOpAESbHf7jYe+AdWIVs=");
    let passphrase = hmac_base64(secret, c.passphrase().unwrap().expose_secret());
    assert_eq!(r.header("kc-api-passphrase"), Some(passphrase.as_str()));
    assert_eq!(passphrase, "Ikr9KjwgA4urCb5Az1TNKgQELW10z84iOq+wsZsRRz0=");
    // The passphrase never travels as it is.
    assert!(r
        .headers
        .iter()
        .all(|(_, v)| v != c.passphrase().unwrap().expose_secret()));
}

#[test]
fn the_official_sdk_vector_holds_with_the_hmac_crate() {
    assert_eq!(
        hmac_base64("test_api_secret", "test_plain"),
        "jie/gxS38wLFFaBwl/cAzFbAzlI8MIny96jSXrB+iP4="
    );
    let secret = secrecy::SecretString::from("test_api_secret");
    assert_eq!(
        kucoin::signed_passphrase(&secret, "test_passphrase"),
        hmac_base64("test_api_secret", "test_passphrase")
    );
    assert_eq!(
        kucoin::signature(&secret, "1", "DELETE", "/api/v1/sub/api-key?apiKey=a", ""),
        hmac_base64("test_api_secret", "1DELETE/api/v1/sub/api-key?apiKey=a")
    );
}

#[test]
fn passphrase_is_required_at_build_time() {
    assert_passphrase_required(ExchangeId::Kucoin, "KUCOIN_API_PASSPHRASE");
}

#[tokio::test]
async fn scenarios_map_to_what_they_describe() {
    let info = |scenario| scenario_key_info(ExchangeId::Kucoin, scenario);
    let read_only = info(Scenario::ReadOnly).await.unwrap();
    assert_eq!(read_only.is_read_only(), Reported::Known(true));
    assert_eq!(read_only.sub_account, Reported::Known("tracker01".into()));
    let withdraw = info(Scenario::WithdrawEnabled).await.unwrap();
    assert_eq!(withdraw.can_withdraw(), Grant::Granted);
    let open = info(Scenario::NoIpRestriction).await.unwrap();
    assert_eq!(open.ip_restriction, IpRestriction::Unrestricted);

    let err = info(Scenario::InvalidKey).await.unwrap_err();
    assert_eq!(err.auth_reason(), Some(AuthReason::InvalidKey));
    assert_eq!(err.context().unwrap().code.as_deref(), Some("400003"));
    let err = info(Scenario::IpNotAllowed).await.unwrap_err();
    assert_eq!(err.auth_reason(), Some(AuthReason::IpNotAllowed));
    assert!(err.to_string().starts_with("kucoin"), "{err}");
    let err = info(Scenario::RateLimited).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn documented_error_codes_map_to_reasons() {
    assert_error_fixtures(
        ExchangeId::Kucoin,
        KEY_INFO,
        401,
        &[
            ("error_invalid_key.json", AuthReason::InvalidKey),
            ("error_bad_signature.json", AuthReason::BadSignature),
            ("error_bad_passphrase.json", AuthReason::BadPassphrase),
            ("error_ip_not_allowed.json", AuthReason::IpNotAllowed),
            ("error_permission_denied.json", AuthReason::PermissionDenied),
            ("error_key_version.json", AuthReason::InvalidKey),
            ("error_user_frozen.json", AuthReason::Disabled),
        ],
    )
    .await;
}

#[tokio::test]
async fn timestamp_error_resyncs_from_the_server_time() {
    assert_timestamp_error_resyncs(TimestampResync {
        exchange: ExchangeId::Kucoin,
        key_info_path: KEY_INFO,
        error_status: 400,
        error_fixture: "error_timestamp.json",
        success_fixture: "api_key_info.json",
        server_time_path: "/api/v1/timestamp",
        server_time_ms: 1_729_100_692_873,
        timestamp_header: "kc-api-timestamp",
        corrected_timestamp: "1729100692873",
    })
    .await;
}

#[tokio::test]
async fn malformed_answers_name_the_exchange() {
    for (status, body) in [
        (200, "<html>maintenance</html>".to_owned()),
        (200, r#"{"code":"200000","data":{"remark":"#.to_owned()),
        (200, r#"{"code":"200000","data":[1,2]}"#.to_owned()),
        (200, r#"{"code":"200000"}"#.to_owned()),
        (
            200,
            r#"{"code":"200000","data":{"permission":1,"remark":2,"apiKey":3,"createdAt":"x","isMaster":"y","apiVersion":[],"uid":{}}}"#.to_owned(),
        ),
    ] {
        let answer = ResponseTemplate::new(status).set_body_string(body.clone());
        let err = key_info_error(ExchangeId::Kucoin, KEY_INFO, answer).await;
        assert!(err.to_string().to_lowercase().contains("kucoin"), "{body}: {err}");
    }
}

#[tokio::test]
async fn a_master_key_lists_every_sub_account_key() {
    let sim = SimulatedExchange::start(ExchangeId::Kucoin, Scenario::DocumentedExample)
        .await
        .unwrap();
    let adapter = sim
        .builder()
        .clock(FixedClock::new(1_234_567_890_000))
        .build()
        .unwrap();
    let listed = adapter.list_keys().await.unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    // The key in use first.
    assert_eq!(
        listed[0].key_id,
        Reported::Known("6705f5c311545b000157d3eb".into())
    );
    assert_eq!(listed[0].account, Reported::Known(AccountKind::Master));
    // The documented sub-account key, field by field.
    let sub = &listed[1];
    assert_eq!(
        sub.key_id,
        Reported::Known("673eab2a955ebf000195d7e4".into())
    );
    assert_eq!(sub.label, Reported::Known("sdk_test_integration".into()));
    assert_eq!(sub.account, Reported::Known(AccountKind::SubAccount));
    assert_eq!(sub.sub_account, Reported::Known("testapi6".into()));
    assert_eq!(sub.is_read_only(), Reported::Known(true), "General only");
    assert_eq!(
        sub.ip_restriction,
        IpRestriction::AllowList(vec![IpEntry::Pattern("10.**.1".into())])
    );
    assert_eq!(
        sub.created_at,
        Reported::Known(common::at("2024-11-21T03:38:18Z"))
    );

    let requests = sim.received_requests().await;
    let c = sim.credentials();
    let shapes: Vec<(&str, &str, Option<&str>)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str(), r.query.as_deref()))
        .collect();
    assert_eq!(
        shapes,
        [
            ("GET", KEY_INFO, None),
            (
                "GET",
                "/api/v2/sub/user",
                Some("currentPage=1&pageSize=100")
            ),
            ("GET", "/api/v1/sub/api-key", Some("subName=testapi6")),
        ]
    );
    for r in &requests {
        let query = r
            .query
            .as_deref()
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        let expected = hmac_base64(
            c.secret().expose_secret(),
            &format!("1234567890000GET{}{query}", r.path),
        );
        assert_eq!(
            r.header("kc-api-sign"),
            Some(expected.as_str()),
            "{}",
            r.path
        );
    }
}

#[tokio::test]
async fn a_sub_account_key_lists_only_itself() {
    let sim = SimulatedExchange::start(ExchangeId::Kucoin, Scenario::ReadOnly)
        .await
        .unwrap();
    let listed = sim.adapter().unwrap().list_keys().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].sub_account, Reported::Known("tracker01".into()));
    assert_eq!(sim.received_requests().await.len(), 1);
}

#[tokio::test]
async fn an_unreadable_listed_key_costs_only_itself() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        KEY_INFO,
        ResponseTemplate::new(200).set_body_json(fixture("kucoin", "api_key_info.json")),
    )
    .await;
    mount(
        &server,
        "GET",
        "/api/v2/sub/user",
        ResponseTemplate::new(200).set_body_json(fixture("kucoin", "sub_user_list.json")),
    )
    .await;
    let mut keys = fixture("kucoin", "sub_api_key_list.json");
    let good = keys["data"][0].clone();
    keys["data"] = serde_json::json!([good, {"apiKey": "broken", "permission": []}]);
    mount(
        &server,
        "GET",
        "/api/v1/sub/api-key",
        ResponseTemplate::new(200).set_body_json(keys),
    )
    .await;
    let adapter = builder_for(ExchangeId::Kucoin, &server).build().unwrap();
    let listed = adapter.list_keys().await.unwrap();
    assert_eq!(listed.len(), 3);
    let broken = &listed[2];
    assert_eq!(broken.key_id, Reported::Known("broken".into()));
    assert_eq!(broken.can_withdraw(), Grant::NotReported);
    assert!(!broken.anomalies.is_empty());
}

#[tokio::test]
async fn no_secret_or_passphrase_in_debug_or_errors() {
    let sim = SimulatedExchange::start(ExchangeId::Kucoin, Scenario::InvalidKey)
        .await
        .unwrap();
    let c = sim.credentials();
    let adapter = sim.adapter().unwrap();
    let err = adapter.key_info().await.unwrap_err();
    for text in [
        format!("{adapter:?}"),
        format!("{c:?}"),
        format!("{err:?}"),
        err.to_string(),
    ] {
        assert!(!text.contains(c.secret().expose_secret()), "{text}");
        assert!(
            !text.contains(c.passphrase().unwrap().expose_secret()),
            "{text}"
        );
    }
}

// ---- Sub-account key management ----------------------------------------------------------

const KEYS: &str = "/api/v1/sub/api-key";
const UPDATE: &str = "/api/v1/sub/api-key/update";
const SUB: &str = "testapi6";

/// The documented sub-account, where the simulator manages keys.
fn spec(ips: &[&str]) -> NewKeySpec {
    NewKeySpec::new("grid_bot", vec![Permission::Read, Permission::SpotTrade])
        .allowed_ips(ips.iter().copied())
        .sub_account(SUB)
}

async fn master(sim: &SimulatedExchange) -> Arc<dyn KeyAdapter> {
    sim.builder()
        .clock(FixedClock::new(1_234_567_890_000))
        .build()
        .unwrap()
}

#[test]
fn management_is_native_for_sub_account_keys_and_needs_their_passphrase() {
    let caps = ExchangeId::Kucoin.capabilities().unwrap();
    assert_eq!(caps.create_key, Support::Native);
    assert_eq!(caps.update_key, Support::Native);
    assert_eq!(caps.revoke, Support::Native);
    assert_eq!(caps.revoke_own, Support::Unsupported);
    assert!(ExchangeId::Kucoin.revoke_needs_key_passphrase());
    assert!(!ExchangeId::Okx.revoke_needs_key_passphrase());
    assert!(ExchangeId::Kucoin
        .manual_step(Operation::Revoke)
        .contains("Sub-Account > API"));
}

#[tokio::test]
async fn a_created_key_is_read_back_and_handed_over_with_its_passphrase() {
    let sim = SimulatedExchange::start(ExchangeId::Kucoin, Scenario::DocumentedExample)
        .await
        .unwrap();
    let adapter = master(&sim).await;
    let key = adapter
        .create_key(&spec(&["203.0.113.7", "198.51.100.20"]))
        .await
        .unwrap();
    let passphrase = key.passphrase.as_ref().unwrap().expose_secret().to_owned();
    assert!((7..=32).contains(&passphrase.len()) && !passphrase.contains(' '));
    assert_eq!(
        sim.with_state(|s| s.secret_of(&key.api_key)).flatten(),
        Some(key.secret.expose_secret().to_owned())
    );
    assert!(!format!("{key:?}").contains(&passphrase));

    let requests = sim.received_requests().await;
    let shapes: Vec<(&str, &str, Option<&str>)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str(), r.query.as_deref()))
        .collect();
    let read_back = format!("subName={SUB}&apiKey={}", key.api_key);
    assert_eq!(
        shapes,
        [
            ("POST", KEYS, None),
            ("GET", KEYS, Some(read_back.as_str()))
        ]
    );
    let create = &requests[0];
    let body: Value = serde_json::from_str(&create.body).unwrap();
    assert_eq!(
        body,
        json!({
            "subName": SUB, "passphrase": passphrase, "remark": "grid_bot",
            "permission": "General,Spot", "ipWhitelist": "203.0.113.7,198.51.100.20"
        })
    );
    // Signed over timestamp, method, path and the JSON body exactly as sent.
    let c = sim.credentials();
    let expected = hmac_base64(
        c.secret().expose_secret(),
        &format!("1234567890000POST{KEYS}{}", create.body),
    );
    assert_eq!(create.header("kc-api-sign"), Some(expected.as_str()));
    assert_eq!(create.header("content-type"), Some("application/json"));

    // The list shows it masked, consistent with what was asked: never claimed equal.
    let listed = adapter.list_keys().await.unwrap();
    let shown = listed
        .iter()
        .find(|k| k.key_id == Reported::Known(key.api_key.clone()))
        .unwrap();
    assert_eq!(
        shown.ip_restriction,
        IpRestriction::AllowList(vec![
            IpEntry::Pattern("203.**.7".into()),
            IpEntry::Pattern("198.**.20".into())
        ])
    );
}

#[tokio::test]
async fn nothing_is_sent_for_a_key_kucoin_could_not_create_safely() {
    let sim = SimulatedExchange::start(ExchangeId::Kucoin, Scenario::DocumentedExample)
        .await
        .unwrap();
    let adapter = master(&sim).await;
    let many: Vec<String> = (1..=21).map(|i| format!("203.0.113.{i}")).collect();
    for (refused, why) in [
        (
            NewKeySpec::new("bot", vec![Permission::Read]).allowed_ips(["203.0.113.7"]),
            "sub-account",
        ),
        (
            NewKeySpec::new("bot", vec![Permission::Read, Permission::Withdraw])
                .allowed_ips(["203.0.113.7"])
                .sub_account(SUB),
            "withdraw",
        ),
        (
            NewKeySpec::new("a label longer than 24 chars", vec![Permission::Read])
                .allowed_ips(["203.0.113.7"])
                .sub_account(SUB),
            "24",
        ),
        (
            NewKeySpec::new("bot", vec![Permission::Read])
                .allowed_ips(many)
                .sub_account(SUB),
            "at most 20",
        ),
    ] {
        let err = adapter.create_key(&refused).await.unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{why}: {err}");
        assert!(err.to_string().contains(why), "{why}: {err}");
    }
    assert!(sim.received_requests().await.is_empty());
}

/// A KuCoin that creates the documented key (`670621e3a25958000159c82f`) and lists
/// `listed` for it; deleting answers as documented.
async fn kucoin_creating(listed: Value) -> MockServer {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        KEYS,
        ResponseTemplate::new(200).set_body_json(fixture("kucoin", "sub_api_key_create.json")),
    )
    .await;
    mount(
        &server,
        "GET",
        KEYS,
        ResponseTemplate::new(200).set_body_json(json!({
            "code": "200000",
            "data": [listed]
        })),
    )
    .await;
    mount(
        &server,
        "DELETE",
        KEYS,
        ResponseTemplate::new(200).set_body_json(fixture("kucoin", "sub_api_key_delete.json")),
    )
    .await;
    server
}

/// The documented listed key, as the created one.
fn listed_created(changes: Value) -> Value {
    let mut key = fixture("kucoin", "sub_api_key_list.json")["data"][0].clone();
    key["apiKey"] = "670621e3a25958000159c82f".into();
    key["subName"] = SUB.into();
    key["permission"] = "General,Spot".into();
    key["ipWhitelist"] = "203.**.7".into();
    for (name, value) in changes.as_object().unwrap() {
        key[name] = value.clone();
    }
    key
}

#[tokio::test]
async fn a_created_key_not_shown_as_asked_is_deleted_with_its_passphrase() {
    for (changes, why) in [
        (json!({ "ipWhitelist": "10.**.1" }), "consistent"),
        // As many entries as asked, but one more than the one address asked for.
        (json!({ "ipWhitelist": "203.**.7,203.**.8" }), "consistent"),
        (json!({ "ipWhitelist": "" }), "consistent"),
        (
            json!({ "permission": "General,Spot,InnerTransfer" }),
            "not asked for",
        ),
        (json!({ "permission": "General" }), "not shown granted"),
        (json!({ "apiKey": "someone-else" }), "does not list"),
    ] {
        let server = kucoin_creating(listed_created(changes.clone())).await;
        let adapter = builder_for(ExchangeId::Kucoin, &server)
            .rate_limit(None)
            .build()
            .unwrap();
        let err = adapter
            .create_key(&spec(&["203.0.113.7"]))
            .await
            .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(matches!(err, Error::Rejected { .. }), "{changes}: {err}");
        assert!(text.contains("was deleted"), "{changes}: {err}");
        assert!(text.contains(why), "{changes}: {err}");
        let requests = server.received_requests().await.unwrap();
        let create = requests
            .iter()
            .find(|r| r.method.as_str() == "POST")
            .unwrap();
        let sent: Value = serde_json::from_slice(&create.body).unwrap();
        let passphrase = sent["passphrase"].as_str().unwrap().to_owned();
        let delete = requests
            .iter()
            .find(|r| r.method.as_str() == "DELETE")
            .unwrap_or_else(|| panic!("{changes}: the new key is deleted"));
        let pairs: Vec<(String, String)> = delete.url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            [
                ("apiKey".to_owned(), "670621e3a25958000159c82f".to_owned()),
                ("subName".to_owned(), SUB.to_owned()),
                ("passphrase".to_owned(), passphrase.clone()),
            ]
        );
        // Neither the passphrase chosen, nor the one echoed, nor the secret reaches the error.
        for secret in [
            passphrase.as_str(),
            "11223344",
            "46fd8974******896f005b2340",
        ] {
            assert!(!text.contains(secret), "{changes}: {secret} in {text}");
        }
    }
}

#[tokio::test]
async fn a_created_key_shown_consistent_is_handed_over() {
    let server = kucoin_creating(listed_created(json!({}))).await;
    let adapter = builder_for(ExchangeId::Kucoin, &server)
        .rate_limit(None)
        .build()
        .unwrap();
    let key = adapter.create_key(&spec(&["203.0.113.7"])).await.unwrap();
    assert_eq!(key.api_key, "670621e3a25958000159c82f");
    assert_eq!(key.secret.expose_secret(), "46fd8974******896f005b2340");
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| r.method.as_str() != "DELETE"));
}

#[tokio::test]
async fn an_unclear_create_is_of_unknown_outcome_and_says_where_to_look() {
    let server = MockServer::start().await;
    mount(&server, "POST", KEYS, ResponseTemplate::new(503)).await;
    let adapter = builder_for(ExchangeId::Kucoin, &server)
        .rate_limit(None)
        .retry(RetryPolicy::default())
        .build()
        .unwrap();
    let err = adapter
        .create_key(&spec(&["203.0.113.7"]))
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown() && !err.is_retryable(), "{err}");
    assert!(err.to_string().contains("Sub-Account > API"), "{err}");
    assert!(err.to_string().contains("grid_bot"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn revoking_needs_the_keys_own_passphrase_and_signs_the_unencoded_query() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(KEYS))
        .and(query_param("passphrase", "abc!@#11"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("kucoin", "sub_api_key_delete.json")),
        )
        .mount(&server)
        .await;
    let adapter = builder_for(ExchangeId::Kucoin, &server)
        .rate_limit(None)
        .clock(FixedClock::new(1_234_567_890_000))
        .build()
        .unwrap();
    let target = KeyRef::sub_account_key("670621e3a25958000159c82f", SUB);
    let err = adapter
        .revoke(target.clone(), RevokeConfirm::IUnderstandThisIsIrreversible)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err}");
    assert!(err.to_string().contains("passphrase"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());

    // The documentation's own example: `passphrase=abc!@#11`, signed as read, sent encoded.
    let target = target.with_passphrase(SecretString::from("abc!@#11"));
    assert!(!format!("{target:?}").contains("abc!@#11"));
    let revoked = adapter
        .revoke(target, RevokeConfirm::IUnderstandThisIsIrreversible)
        .await
        .unwrap();
    assert_eq!(revoked.key_id.as_deref(), Some("670621e3a25958000159c82f"));
    let requests = server.received_requests().await.unwrap();
    let delete = &requests[0];
    assert_eq!(
        delete.url.query(),
        Some("apiKey=670621e3a25958000159c82f&subName=testapi6&passphrase=abc%21%40%2311")
    );
    let c = exchange_keys::testkit::credentials(ExchangeId::Kucoin).unwrap();
    let expected = hmac_base64(
        c.secret().expose_secret(),
        "1234567890000DELETE/api/v1/sub/api-key?apiKey=670621e3a25958000159c82f&subName=testapi6&passphrase=abc!@#11",
    );
    let sign = delete.headers.get("kc-api-sign").unwrap().to_str().unwrap();
    assert_eq!(sign, expected);
}

#[tokio::test]
async fn a_refused_delete_echoing_the_passphrase_keeps_it_out_of_the_error() {
    let server = MockServer::start().await;
    mount(
        &server,
        "DELETE",
        KEYS,
        ResponseTemplate::new(200).set_body_json(json!({
            "code": "400100", "msg": "passphrase Sub-Pass-1234 is incorrect"
        })),
    )
    .await;
    let adapter = builder_for(ExchangeId::Kucoin, &server)
        .rate_limit(None)
        .build()
        .unwrap();
    let err = adapter
        .revoke(
            KeyRef::sub_account_key("670621e3a25958000159c82f", SUB)
                .with_passphrase(SecretString::from("Sub-Pass-1234")),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(text.contains("400100"), "{text}");
    assert!(!text.contains("Sub-Pass-1234"), "{text}");
}

#[tokio::test]
async fn the_simulator_deletes_only_with_the_right_passphrase_and_finds_the_sub_account() {
    let sim = SimulatedExchange::start(ExchangeId::Kucoin, Scenario::DocumentedExample)
        .await
        .unwrap();
    let adapter = master(&sim).await;
    let key = adapter.create_key(&spec(&["203.0.113.7"])).await.unwrap();
    let err = adapter
        .revoke(
            KeyRef::sub_account_key(key.api_key.clone(), SUB)
                .with_passphrase(SecretString::from("not-its-passphrase")),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap_err();
    assert!(
        !sim.with_state(|s| s.is_revoked(&key.api_key)).unwrap(),
        "{err}"
    );
    // No sub-account named: the master key's listing tells it.
    adapter
        .revoke(
            KeyRef::other(key.api_key.clone()).with_passphrase(key.passphrase.clone().unwrap()),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap();
    assert!(sim.with_state(|s| s.is_revoked(&key.api_key)).unwrap());
}

#[tokio::test]
async fn an_update_names_the_addresses_keeps_the_rights_and_is_read_back() {
    let sim = SimulatedExchange::start(ExchangeId::Kucoin, Scenario::DocumentedExample)
        .await
        .unwrap();
    let adapter = master(&sim).await;
    let key = adapter.create_key(&spec(&["203.0.113.7"])).await.unwrap();
    let target = KeyRef::sub_account_key(key.api_key.clone(), SUB);
    let with_passphrase = target
        .clone()
        .with_passphrase(key.passphrase.clone().unwrap());
    let sent = sim.received_requests().await.len();
    for (target, change, why) in [
        (
            target.clone(),
            KeyChange::new().allowed_ips(["198.51.100.20"]),
            "passphrase",
        ),
        (
            with_passphrase.clone(),
            KeyChange::new().label("renamed"),
            "remark",
        ),
        (
            with_passphrase.clone(),
            KeyChange::new().permissions(vec![Permission::Read]),
            "masked",
        ),
    ] {
        let err = adapter.update_key(target, &change).await.unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{why}: {err}");
        assert!(err.to_string().contains(why), "{why}: {err}");
    }
    assert_eq!(sim.received_requests().await.len(), sent, "nothing sent");

    adapter
        .update_key(
            with_passphrase,
            &KeyChange::new().allowed_ips(["198.51.100.20", "198.51.100.21"]),
        )
        .await
        .unwrap();
    let held = sim
        .with_state(|s| s.key(&key.api_key).cloned())
        .flatten()
        .unwrap();
    assert_eq!(held.ips, ["198.51.100.20", "198.51.100.21"]);
    assert_eq!(held.permissions, ["General", "Spot"], "the rights are kept");
    let requests = sim.received_requests().await;
    let update = requests.iter().find(|r| r.path == UPDATE).unwrap();
    let body: Value = serde_json::from_str(&update.body).unwrap();
    assert_eq!(body["permission"], "General,Spot");
    assert_eq!(body["ipWhitelist"], "198.51.100.20,198.51.100.21");
    assert_eq!(
        body["passphrase"],
        key.passphrase.as_ref().unwrap().expose_secret()
    );
    assert!(body.get("expire").is_none());
}

#[tokio::test]
async fn an_update_kucoin_accepts_but_does_not_show_is_of_unknown_outcome() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        UPDATE,
        ResponseTemplate::new(200).set_body_json(fixture("kucoin", "sub_api_key_update.json")),
    )
    .await;
    mount(
        &server,
        "GET",
        KEYS,
        ResponseTemplate::new(200).set_body_json(json!({
            "code": "200000",
            "data": [listed_created(json!({ "ipWhitelist": "203.**.7" }))]
        })),
    )
    .await;
    let adapter = builder_for(ExchangeId::Kucoin, &server)
        .rate_limit(None)
        .build()
        .unwrap();
    let err = adapter
        .update_key(
            KeyRef::sub_account_key("670621e3a25958000159c82f", SUB)
                .with_passphrase(SecretString::from("11223344")),
            &KeyChange::new()
                .permissions(vec![Permission::Read, Permission::SpotTrade])
                .allowed_ips(["198.51.100.20"]),
        )
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err}");
    assert!(!format!("{err} {err:?}").contains("11223344"), "{err}");
}

#[test]
fn a_key_ref_keeps_its_passphrase_out_of_debug_and_compares_it() {
    let a = KeyRef::sub_account_key("k", "s").with_passphrase(SecretString::from("Pass-One-1"));
    let b = KeyRef::sub_account_key("k", "s").with_passphrase(SecretString::from("Pass-One-1"));
    let c = KeyRef::sub_account_key("k", "s").with_passphrase(SecretString::from("Pass-One-2"));
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_ne!(a, KeyRef::sub_account_key("k", "s"));
    assert!(!format!("{a:?}").contains("Pass-One"), "{a:?}");
    assert_eq!(a.passphrase().unwrap().expose_secret(), "Pass-One-1");
    assert_eq!(
        KeyRef::Own.with_passphrase(SecretString::from("x")),
        KeyRef::Own
    );
}

#[tokio::test]
async fn a_breach_response_leaves_passphrase_bound_sub_account_keys_to_a_person() {
    use exchange_keys::manage::breach::{self, Action, BreachTarget};
    let sim = SimulatedExchange::start(ExchangeId::Kucoin, Scenario::DocumentedExample)
        .await
        .unwrap();
    let adapter = master(&sim).await;
    let plan = breach::plan(vec![BreachTarget {
        account: "main".into(),
        adapter,
        include_managed: true,
    }])
    .await;
    assert_eq!(plan.api_revocations(), 0, "{plan:?}");
    let steps: Vec<String> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::Manual { step } => Some(step.clone()),
            _ => None,
        })
        .collect();
    let sub_key = steps
        .iter()
        .find(|s| s.contains("673eab2a955ebf000195d7e4"))
        .unwrap_or_else(|| panic!("{steps:?}"));
    assert!(sub_key.contains("passphrase"), "{sub_key}");
    assert!(sub_key.contains("Sub-Account > API"), "{sub_key}");
    assert!(sub_key.contains("testapi6"), "{sub_key}");
    let report = plan.execute(&plan.confirmation()).await.unwrap();
    assert!(!report.has_failures(), "{report}");
    assert!(sim.with_state(|s| s.revoked.is_empty()).unwrap());
}

// ---- Rotation of a KuCoin sub-account key ------------------------------------------------

mod rotation {
    use super::*;
    use async_trait::async_trait;
    use exchange_keys::manage::rotate::{
        Journal, Phase, Rotation, RotationError, RotationState, SecretStore, Verifier,
    };
    use exchange_keys::NewKey;
    use std::sync::Mutex;

    #[derive(Debug, Default)]
    struct Store;

    #[async_trait]
    impl SecretStore for Store {
        async fn store(&self, _: &NewKey) -> Result<(), String> {
            Ok(())
        }
    }

    /// Journals every state; at `Stored`, binds the new key elsewhere on the simulated
    /// exchange (as if someone changed it), so that its verification fails.
    struct Tamper {
        sim: Arc<SimulatedExchange>,
        states: Mutex<Vec<RotationState>>,
    }

    impl Journal for Tamper {
        fn record(&self, state: &RotationState) -> Result<(), String> {
            if state.phase == Phase::Stored {
                if let Some(new_key) = &state.new_key {
                    self.sim.with_state(|s| {
                        if let Some(key) = s.key_mut(new_key) {
                            key.ips = vec!["192.0.2.99".to_owned()];
                        }
                    });
                }
            }
            self.states.lock().unwrap().push(state.clone());
            Ok(())
        }
    }

    fn verifier(sim: &SimulatedExchange) -> Verifier {
        let url = sim.base_url();
        Arc::new(move |credentials: Credentials| {
            ExchangeId::Kucoin
                .builder()
                .base_url(url.clone())
                .retry(RetryPolicy::none())
                .rate_limit(None)
                .credentials(credentials)
                .build()
        })
    }

    async fn old_key(sim: &SimulatedExchange) -> NewKey {
        sim.adapter()
            .unwrap()
            .create_key(&spec(&["203.0.113.7"]))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn the_plan_needs_the_old_keys_passphrase_and_its_addresses_before_anything_is_sent() {
        let sim = SimulatedExchange::start(ExchangeId::Kucoin, Scenario::Trading)
            .await
            .unwrap();
        let old = old_key(&sim).await;
        let manager = sim.adapter().unwrap();
        let sent = sim.received_requests().await.len();
        let rotation = Rotation::new(manager.clone(), verifier(&sim), Arc::new(Store));
        let err = rotation.plan(&old.api_key, None, None).await.unwrap_err();
        assert!(matches!(err, RotationError::Plan { .. }), "{err}");
        assert!(err.to_string().contains("old_key_passphrase"), "{err}");
        assert_eq!(sim.received_requests().await.len(), sent, "nothing sent");

        let rotation = rotation.old_key_passphrase(old.passphrase.clone().unwrap());
        let err = rotation.plan(&old.api_key, None, None).await.unwrap_err();
        assert!(err.to_string().contains("masked"), "{err}");
        assert!(err.to_string().contains("Rotation::allowed_ips"), "{err}");
        for wrong in [
            &["203.0.113.8"][..],
            &["203.0.113.7", "198.51.100.1"],
            &["203.**.7"],
        ] {
            let err = Rotation::new(manager.clone(), verifier(&sim), Arc::new(Store))
                .old_key_passphrase(old.passphrase.clone().unwrap())
                .allowed_ips(wrong.iter().copied())
                .plan(&old.api_key, None, None)
                .await
                .unwrap_err();
            assert!(
                matches!(err, RotationError::Plan { .. }),
                "{wrong:?}: {err}"
            );
        }
        let state = rotation
            .allowed_ips(["203.0.113.7"])
            .plan(&old.api_key, None, None)
            .await
            .unwrap();
        assert!(state.old_key_needs_passphrase);
        assert_eq!(state.allowed_ips, ["203.0.113.7"]);
        assert_eq!(state.sub_account.as_deref(), Some(SUB));
        // The state holds no secret.
        let json = serde_json::to_string(&state).unwrap();
        assert!(!json.contains(old.passphrase.as_ref().unwrap().expose_secret()));
        assert!(sim.received_requests().await[sent..]
            .iter()
            .all(|r| r.method == "GET"));
    }

    #[tokio::test]
    async fn a_resumed_rotation_is_given_the_old_keys_passphrase_again() {
        let sim = SimulatedExchange::start(ExchangeId::Kucoin, Scenario::Trading)
            .await
            .unwrap();
        let old = old_key(&sim).await;
        let manager = sim.adapter().unwrap();
        let state = Rotation::new(manager.clone(), verifier(&sim), Arc::new(Store))
            .old_key_passphrase(old.passphrase.clone().unwrap())
            .allowed_ips(["203.0.113.7"])
            .plan(&old.api_key, None, None)
            .await
            .unwrap();
        // Read back from disk by another process, which was not given the passphrase.
        let state: RotationState =
            serde_json::from_str(&serde_json::to_string(&state).unwrap()).unwrap();
        let sent = sim.received_requests().await.len();
        let err = Rotation::new(manager.clone(), verifier(&sim), Arc::new(Store))
            .run(state.clone())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("old_key_passphrase"), "{err}");
        assert_eq!(sim.received_requests().await.len(), sent, "nothing sent");

        let done = Rotation::new(manager, verifier(&sim), Arc::new(Store))
            .old_key_passphrase(old.passphrase.clone().unwrap())
            .verification(1, std::time::Duration::ZERO)
            .run(state)
            .await
            .unwrap();
        assert_eq!(done.phase, Phase::Completed);
        assert!(sim.with_state(|s| s.is_revoked(&old.api_key)).unwrap());
        let verified = done.steps.iter().find(|s| s.step == "verify").unwrap();
        assert!(verified.detail.contains("consistent"), "{verified:?}");
    }

    #[tokio::test]
    async fn a_new_key_failing_verification_is_deleted_with_its_own_passphrase() {
        let sim = Arc::new(
            SimulatedExchange::start(ExchangeId::Kucoin, Scenario::Trading)
                .await
                .unwrap(),
        );
        let old = old_key(&sim).await;
        let journal = Arc::new(Tamper {
            sim: sim.clone(),
            states: Mutex::default(),
        });
        let rotation = Rotation::new(sim.adapter().unwrap(), verifier(&sim), Arc::new(Store))
            .old_key_passphrase(old.passphrase.clone().unwrap())
            .allowed_ips(["203.0.113.7"])
            .journal(journal.clone())
            .verification(1, std::time::Duration::ZERO);
        let state = rotation.plan(&old.api_key, None, None).await.unwrap();
        let err = rotation.run(state).await.unwrap_err();
        assert!(err.to_string().contains("not consistent"), "{err}");
        let state = err.state().unwrap();
        assert_eq!(state.phase, Phase::RolledBack);
        let new_key = state.new_key.clone().unwrap();
        assert!(sim.with_state(|s| s.is_revoked(&new_key)).unwrap(), "{err}");
        assert!(!sim.with_state(|s| s.is_revoked(&old.api_key)).unwrap());
    }
}

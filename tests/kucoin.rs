//! KuCoin: mapping of the documented answer (masked allowlist kept as patterns), request
//! signing with the signed passphrase, scenarios, error codes, malformed answers, and the
//! management calls it does not offer.
#![cfg(feature = "kucoin")]

mod common;

use common::{answer_then, builder_for, fixture, hmac_base64};
use exchange_keys::clock::FixedClock;
use exchange_keys::exchanges::kucoin;
use exchange_keys::testkit::{Scenario, SimulatedExchange};
use exchange_keys::{
    AccountKind, AnomalyKind, AuthReason, Credentials, Error, ExchangeId, Grant, IpEntry,
    IpRestriction, KeyRef, NewKeySpec, Operation, Permission, Reported, RevokeConfirm, Support,
};
use secrecy::ExposeSecret;
use wiremock::matchers::{method, path};
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
    let err = ExchangeId::Kucoin
        .builder()
        .credentials(Credentials::new("k", "s"))
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }));
    assert!(err.to_string().contains("KUCOIN_API_PASSPHRASE"), "{err}");
}

#[tokio::test]
async fn scenarios_map_to_what_they_describe() {
    let info = |scenario| async move {
        let sim = SimulatedExchange::start(ExchangeId::Kucoin, scenario)
            .await
            .unwrap();
        sim.adapter().unwrap().key_info().await
    };
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
    for (file, reason) in [
        ("error_invalid_key.json", AuthReason::InvalidKey),
        ("error_bad_signature.json", AuthReason::BadSignature),
        ("error_bad_passphrase.json", AuthReason::BadPassphrase),
        ("error_ip_not_allowed.json", AuthReason::IpNotAllowed),
        ("error_permission_denied.json", AuthReason::PermissionDenied),
        ("error_key_version.json", AuthReason::InvalidKey),
        ("error_user_frozen.json", AuthReason::Disabled),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(KEY_INFO))
            .respond_with(ResponseTemplate::new(401).set_body_json(fixture("kucoin", file)))
            .mount(&server)
            .await;
        let adapter = builder_for(ExchangeId::Kucoin, &server).build().unwrap();
        let err = adapter.key_info().await.unwrap_err();
        assert_eq!(err.auth_reason(), Some(reason), "{file}: {err}");
        assert!(!err.is_retryable(), "{file}");
    }
}

#[tokio::test]
async fn timestamp_error_resyncs_from_the_server_time() {
    let server = MockServer::start().await;
    answer_then(
        &server,
        KEY_INFO,
        1,
        ResponseTemplate::new(400).set_body_json(fixture("kucoin", "error_timestamp.json")),
        ResponseTemplate::new(200).set_body_json(fixture("kucoin", "api_key_info.json")),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/timestamp"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("kucoin", "server_time.json")),
        )
        .mount(&server)
        .await;
    let adapter = builder_for(ExchangeId::Kucoin, &server)
        .clock(FixedClock::new(1_729_100_692_873 - 45_000))
        .build()
        .unwrap();
    adapter.key_info().await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[2].headers.get("kc-api-timestamp").unwrap(),
        "1729100692873"
    );
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
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(KEY_INFO))
            .respond_with(ResponseTemplate::new(status).set_body_string(body.clone()))
            .mount(&server)
            .await;
        let adapter = builder_for(ExchangeId::Kucoin, &server).build().unwrap();
        let err = adapter.key_info().await.unwrap_err();
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
    Mock::given(method("GET"))
        .and(path(KEY_INFO))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("kucoin", "api_key_info.json")),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/sub/user"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("kucoin", "sub_user_list.json")),
        )
        .mount(&server)
        .await;
    let mut keys = fixture("kucoin", "sub_api_key_list.json");
    let good = keys["data"][0].clone();
    keys["data"] = serde_json::json!([good, {"apiKey": "broken", "permission": []}]);
    Mock::given(method("GET"))
        .and(path("/api/v1/sub/api-key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(keys))
        .mount(&server)
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
async fn writes_are_unsupported_with_a_manual_step_and_send_nothing() {
    let sim = SimulatedExchange::start(ExchangeId::Kucoin, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    let caps = adapter.capabilities();
    assert_eq!(caps.key_info, Support::Native);
    assert_eq!(caps.list_keys, Support::Native);
    for support in [
        caps.create_key,
        caps.revoke,
        caps.revoke_own,
        caps.update_key,
    ] {
        assert_eq!(support, Support::Unsupported);
    }
    let errors = [
        adapter
            .create_key(&NewKeySpec::default())
            .await
            .unwrap_err(),
        adapter
            .revoke(
                KeyRef::Other {
                    key_id: "670621e3a25958000159c82f".into(),
                    sub_account: Some("testapi6".into()),
                },
                RevokeConfirm::IUnderstandThisIsIrreversible,
            )
            .await
            .unwrap_err(),
    ];
    for err in errors {
        assert!(matches!(err, Error::Unsupported { .. }), "{err}");
        assert!(err.to_string().contains("kucoin.com"), "{err}");
    }
    assert!(ExchangeId::Kucoin
        .manual_step(Operation::Revoke)
        .contains("passphrase"));
    assert!(sim.received_requests().await.is_empty());
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

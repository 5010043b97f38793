//! Bitget: mapping of the documented answer (authority codes, IP list), request signing with
//! the passphrase, demo trading, scenarios, error codes, malformed answers, and the management
//! calls it does not offer.
#![cfg(feature = "bitget")]

mod common;

use common::{answer_then, builder_for, fixture, hmac_base64};
use exchange_keys::clock::FixedClock;
use exchange_keys::exchanges::bitget;
use exchange_keys::testkit::{Scenario, SimulatedExchange};
use exchange_keys::{
    AnomalyKind, AuthReason, Credentials, Error, ExchangeId, Grant, IpRestriction, KeyRef,
    NewKeySpec, Permission, Reported, RevokeConfirm, Support,
};
use secrecy::ExposeSecret;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY_INFO: &str = "/api/v2/spot/account/info";

fn documented_account() -> serde_json::Value {
    fixture("bitget", "account_info.json")["data"].clone()
}

#[test]
fn documented_example_maps_field_by_field() {
    let account = documented_account();
    let info = bitget::map_key_info(&account).unwrap();
    let p = &info.permissions;
    assert_eq!(info.exchange, ExchangeId::Bitget);
    // authorities ["trade", "readonly"]: `trade` read as every trading right.
    for right in [
        Permission::Read,
        Permission::SpotTrade,
        Permission::MarginTrade,
        Permission::FuturesTrade,
    ] {
        assert_eq!(p.get(&right), Grant::Granted, "{right}");
    }
    for right in [
        Permission::OptionsTrade,
        Permission::Withdraw,
        Permission::InternalTransfer,
        Permission::UniversalTransfer,
        Permission::SubAccountManagement,
        Permission::KeyManagement,
        Permission::Payment,
    ] {
        assert_eq!(p.get(&right), Grant::Denied, "{right}");
    }
    assert_eq!(p.vendor_granted, ["trade", "readonly"]);
    // ips "127.0.0.1"
    assert_eq!(
        info.ip_restriction,
        IpRestriction::from_entries(["127.0.0.1"])
    );
    assert_eq!(info.ip_restriction.is_restricted(), Reported::Known(true));
    assert_eq!(info.enabled, Reported::Known(true));
    // Not in this answer: regisTime is the account's, parentId does not tell master from sub.
    assert_eq!(info.key_id, Reported::NotReported);
    assert_eq!(info.label, Reported::NotReported);
    assert_eq!(info.created_at, Reported::NotReported);
    assert_eq!(info.expires_at, Reported::NotReported);
    assert_eq!(info.account, Reported::NotReported);
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
    assert_eq!(info.raw, account);
}

#[test]
fn authority_codes_map_to_rights() {
    for (code, right) in [
        ("stow", Permission::SpotTrade),
        ("smow", Permission::MarginTrade),
        ("coow", Permission::FuturesTrade),
        ("cpow", Permission::FuturesTrade),
        ("wtow", Permission::InternalTransfer),
        ("wwow", Permission::Withdraw),
        ("chow", Permission::KeyManagement),
        ("p2pw", Permission::Payment),
        ("ttow", Permission::Other("ttow".into())),
    ] {
        let mut account = documented_account();
        account["authorities"] = serde_json::json!(["stor", code]);
        let info = bitget::map_key_info(&account).unwrap();
        assert_eq!(info.permissions.get(&right), Grant::Granted, "{code}");
        assert_eq!(info.is_read_only(), Reported::Known(false), "{code}");
        assert!(info.anomalies.is_empty(), "{code}: {:?}", info.anomalies);
    }
    let mut account = documented_account();
    account["authorities"] = serde_json::json!([" STOR ", "Coor", "wtor", "chor"]);
    let info = bitget::map_key_info(&account).unwrap();
    assert_eq!(info.is_read_only(), Reported::Known(true));
    assert_eq!(info.can_withdraw(), Grant::Denied);
}

#[test]
fn an_unknown_code_denies_nothing() {
    let mut account = documented_account();
    account["authorities"] = serde_json::json!(["stor", "xyzw"]);
    let info = bitget::map_key_info(&account).unwrap();
    let p = &info.permissions;
    assert_eq!(p.get(&Permission::Other("xyzw".into())), Grant::Granted);
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
fn missing_mistyped_or_empty_authorities_are_not_reported_never_denied() {
    for authorities in [
        serde_json::Value::Null,
        serde_json::json!([]),
        serde_json::json!("stor"),
        serde_json::json!([1, 2]),
    ] {
        let mut account = documented_account();
        if authorities.is_null() {
            account.as_object_mut().unwrap().remove("authorities");
        } else {
            account["authorities"] = authorities.clone();
        }
        let info = bitget::map_key_info(&account).unwrap();
        assert_eq!(info.can_withdraw(), Grant::NotReported, "{authorities}");
        assert_eq!(info.is_read_only(), Reported::NotReported, "{authorities}");
        assert!(!info.anomalies.is_empty());
        assert!(info.ip_restriction.is_restricted() == Reported::Known(true));
    }
}

#[test]
fn allowlists() {
    let mut account = documented_account();
    account["ips"] = "".into();
    assert_eq!(
        bitget::map_key_info(&account).unwrap().ip_restriction,
        IpRestriction::Unrestricted
    );
    account["ips"] = "203.0.113.10,203.0.113.11".into();
    assert_eq!(
        bitget::map_key_info(&account).unwrap().ip_restriction,
        IpRestriction::from_entries(["203.0.113.10", "203.0.113.11"])
    );
    account.as_object_mut().unwrap().remove("ips");
    let info = bitget::map_key_info(&account).unwrap();
    assert_eq!(info.ip_restriction, IpRestriction::NotReported);
    assert_eq!(info.anomalies[0].kind, AnomalyKind::Missing);
}

#[tokio::test]
async fn request_is_signed_with_ms_timestamp_and_passphrase() {
    let sim = SimulatedExchange::start(ExchangeId::Bitget, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim
        .builder()
        .clock(FixedClock::new(1_659_076_670_000))
        .build()
        .unwrap();
    adapter.key_info().await.unwrap();

    let requests = sim.received_requests().await;
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    let c = sim.credentials();
    assert_eq!(r.method, "GET");
    assert_eq!(r.path, KEY_INFO);
    assert_eq!(r.query, None);
    assert_eq!(r.body, "");
    assert_eq!(r.header("access-key"), Some(c.api_key()));
    assert_eq!(r.header("access-timestamp"), Some("1659076670000"));
    assert_eq!(
        r.header("access-passphrase"),
        Some(c.passphrase().unwrap().expose_secret())
    );
    assert_eq!(r.header("locale"), Some("en-US"));
    let sign = hmac_base64(
        c.secret().expose_secret(),
        "1659076670000GET/api/v2/spot/account/info",
    );
    assert_eq!(r.header("access-sign"), Some(sign.as_str()));
    assert_eq!(
        r.header("paptrading"),
        None,
        "production sends no demo header"
    );
}

#[test]
fn self_computed_vectors_hold_with_the_hmac_crate() {
    // Bitget publishes no signature: computed here with the `hmac` crate, matching the crate's
    // signer and ccxt 4.5.90 `sign()` (shared/reference, Bitget §4.2).
    assert_eq!(
        hmac_base64("test_secret", "1659076670000GET/api/v2/spot/account/info"),
        "5MQ3bBuJgCGS6hufQi1TMaGuJKR0F9++Us7yW8i8dbA="
    );
    assert_eq!(
        hmac_base64(
            "test_secret",
            "16273667805456GET/api/mix/v2/market/depth?limit=20&symbol=BTCUSDT"
        ),
        "uNJ4l9BxA08kSximkm5p3LG3pXAf//kmEkDVe6Y1lbE="
    );
    let secret = secrecy::SecretString::from("test_secret");
    assert_eq!(
        bitget::signature(
            &secret,
            "1",
            "POST",
            "/api/v3/user/delete-sub-api",
            r#"{"apiKey":"a"}"#
        ),
        hmac_base64(
            "test_secret",
            r#"1POST/api/v3/user/delete-sub-api{"apiKey":"a"}"#
        )
    );
}

#[tokio::test]
async fn demo_trading_sends_the_paptrading_header() {
    let sim = SimulatedExchange::start(ExchangeId::Bitget, Scenario::Trading)
        .await
        .unwrap();
    let adapter = sim.builder().testnet(true).build().unwrap();
    adapter.key_info().await.unwrap();
    let requests = sim.received_requests().await;
    assert_eq!(requests[0].header("paptrading"), Some("1"));
}

#[test]
fn passphrase_is_required_at_build_time() {
    let err = ExchangeId::Bitget
        .builder()
        .credentials(Credentials::new("k", "s"))
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }));
    assert!(err.to_string().contains("BITGET_API_PASSPHRASE"), "{err}");
}

#[tokio::test]
async fn scenarios_map_to_what_they_describe() {
    let info = |scenario| async move {
        let sim = SimulatedExchange::start(ExchangeId::Bitget, scenario)
            .await
            .unwrap();
        sim.adapter().unwrap().key_info().await
    };
    let read_only = info(Scenario::ReadOnly).await.unwrap();
    assert_eq!(read_only.is_read_only(), Reported::Known(true));
    let withdraw = info(Scenario::WithdrawEnabled).await.unwrap();
    assert_eq!(withdraw.can_withdraw(), Grant::Granted);
    let open = info(Scenario::NoIpRestriction).await.unwrap();
    assert_eq!(open.ip_restriction, IpRestriction::Unrestricted);

    let err = info(Scenario::InvalidKey).await.unwrap_err();
    assert_eq!(err.auth_reason(), Some(AuthReason::InvalidKey));
    assert_eq!(err.context().unwrap().code.as_deref(), Some("40006"));
    let err = info(Scenario::IpNotAllowed).await.unwrap_err();
    assert_eq!(err.auth_reason(), Some(AuthReason::IpNotAllowed));
    assert!(err.to_string().starts_with("bitget"), "{err}");
    let err = info(Scenario::RateLimited).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn documented_error_codes_map_to_reasons() {
    for (file, reason) in [
        ("error_invalid_key.json", AuthReason::InvalidKey),
        ("error_apikey_does_not_exist.json", AuthReason::InvalidKey),
        ("error_bad_signature.json", AuthReason::BadSignature),
        ("error_key_or_passphrase.json", AuthReason::Ambiguous),
        ("error_ip_not_allowed.json", AuthReason::IpNotAllowed),
        ("error_permission_denied.json", AuthReason::PermissionDenied),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(KEY_INFO))
            .respond_with(ResponseTemplate::new(400).set_body_json(fixture("bitget", file)))
            .mount(&server)
            .await;
        let adapter = builder_for(ExchangeId::Bitget, &server).build().unwrap();
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
        ResponseTemplate::new(400).set_body_json(fixture("bitget", "error_timestamp.json")),
        ResponseTemplate::new(200).set_body_json(fixture("bitget", "account_info.json")),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/public/time"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("bitget", "server_time.json")),
        )
        .mount(&server)
        .await;
    let adapter = builder_for(ExchangeId::Bitget, &server)
        .clock(FixedClock::new(1_700_111_073_740 - 45_000))
        .build()
        .unwrap();
    adapter.key_info().await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[2].headers.get("access-timestamp").unwrap(),
        "1700111073740"
    );
}

#[tokio::test]
async fn malformed_answers_name_the_exchange() {
    for body in [
        "<html>maintenance</html>",
        r#"{"code":"00000","msg":"success","data":{"ips":"#,
        r#"{"code":"00000","msg":"success","data":[1,2]}"#,
        r#"{"code":"00000","msg":"success"}"#,
        r#"{"code":"00000","msg":"success","data":{"authorities":7,"ips":[]}}"#,
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(KEY_INFO))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .mount(&server)
            .await;
        let adapter = builder_for(ExchangeId::Bitget, &server).build().unwrap();
        let err = adapter.key_info().await.unwrap_err();
        assert!(err.to_string().starts_with("bitget"), "{body}: {err}");
    }
}

#[tokio::test]
async fn management_is_unsupported_with_a_manual_step_and_sends_nothing() {
    let sim = SimulatedExchange::start(ExchangeId::Bitget, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    let caps = adapter.capabilities();
    assert_eq!(caps.key_info, Support::Native);
    for support in [
        caps.list_keys,
        caps.create_key,
        caps.revoke,
        caps.update_key,
    ] {
        assert_eq!(support, Support::Unsupported);
    }
    let errors = [
        adapter.list_keys().await.unwrap_err(),
        adapter
            .create_key(&NewKeySpec::default())
            .await
            .unwrap_err(),
        adapter
            .revoke(
                KeyRef::other("bg_other"),
                RevokeConfirm::IUnderstandThisIsIrreversible,
            )
            .await
            .unwrap_err(),
    ];
    for err in errors {
        assert!(matches!(err, Error::Unsupported { .. }), "{err}");
        assert!(err.to_string().contains("bitget.com"), "{err}");
    }
    assert!(sim.received_requests().await.is_empty());
}

#[tokio::test]
async fn no_secret_or_passphrase_in_debug_or_errors() {
    let sim = SimulatedExchange::start(ExchangeId::Bitget, Scenario::InvalidKey)
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

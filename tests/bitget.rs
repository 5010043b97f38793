//! Bitget: mapping of the documented answer (authority codes, IP list), request signing with
//! the passphrase, demo trading, scenarios, error codes, malformed answers, and the management
//! calls it does not offer.
#![cfg(feature = "bitget")]

mod common;

use common::{
    assert_demo_sends_header, assert_error_fixtures, assert_new_key_deleted_saying,
    assert_passphrase_required, assert_timestamp_error_resyncs, assert_unbound_new_key_deleted,
    assert_undeleted_key_is_named, builder_for, expected_prehash_signature, fixture, hmac_base64,
    json_body, key_info_error, mount, mount_expecting_one, requests_to, scenario_key_info,
    with_changes, TimestampResync,
};
use exchange_keys::clock::FixedClock;
use exchange_keys::exchanges::bitget;
use exchange_keys::testkit::{Scenario, SimulatedExchange};
use exchange_keys::{
    AnomalyKind, AuthReason, Error, ExchangeId, Grant, IpRestriction, KeyRef, NewKeySpec,
    Permission, Reported, RevokeConfirm, Support,
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
    assert_demo_sends_header(ExchangeId::Bitget, "paptrading").await;
}

#[test]
fn passphrase_is_required_at_build_time() {
    assert_passphrase_required(ExchangeId::Bitget, "BITGET_API_PASSPHRASE");
}

#[tokio::test]
async fn scenarios_map_to_what_they_describe() {
    let info = |scenario| scenario_key_info(ExchangeId::Bitget, scenario);
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
    assert_error_fixtures(
        ExchangeId::Bitget,
        KEY_INFO,
        400,
        &[
            ("error_invalid_key.json", AuthReason::InvalidKey),
            ("error_apikey_does_not_exist.json", AuthReason::InvalidKey),
            ("error_bad_signature.json", AuthReason::BadSignature),
            ("error_key_or_passphrase.json", AuthReason::Ambiguous),
            ("error_ip_not_allowed.json", AuthReason::IpNotAllowed),
            ("error_permission_denied.json", AuthReason::PermissionDenied),
        ],
    )
    .await;
}

#[tokio::test]
async fn timestamp_error_resyncs_from_the_server_time() {
    assert_timestamp_error_resyncs(TimestampResync {
        exchange: ExchangeId::Bitget,
        key_info_path: KEY_INFO,
        error_status: 400,
        error_fixture: "error_timestamp.json",
        success_fixture: "account_info.json",
        server_time_path: "/api/v2/public/time",
        server_time_ms: 1_700_111_073_740,
        timestamp_header: "access-timestamp",
        corrected_timestamp: "1700111073740",
    })
    .await;
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
        let answer = ResponseTemplate::new(200).set_body_string(body);
        let err = key_info_error(ExchangeId::Bitget, KEY_INFO, answer).await;
        assert!(err.to_string().starts_with("bitget"), "{body}: {err}");
    }
}

// ---------------------------------------------------------------------------------------------
// Sub-account keys of a unified account (v3): list, create, revoke from the master key.
// ---------------------------------------------------------------------------------------------

/// The sub-account the simulator manages keys in, and the documented key it lists there.
const SUB: &str = "4746345901";
const DOCUMENTED_KEY: &str = "bg_2f6c1a9e7d3b5c8a0e4f6b2d9c1a7e3f";
const NEW_KEY: &str = "bg_7e1d3c5a9b2f4e6d8c0a1b3d5f7e9c2a";
const NEW_SECRET: &str = "c0ffee11d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9";

/// The `ACCESS-SIGN` Bitget expects for `request`, recomputed here from the simulated secret.
fn expected_signature(request: &exchange_keys::testkit::RecordedRequest) -> String {
    expected_prehash_signature(ExchangeId::Bitget, "access-timestamp", request)
}

#[test]
fn documented_sub_account_key_maps_field_by_field() {
    // {"apiKey":"***…","note":"xxxx","type":"read_only","permissions":["uta_trade"],
    //  "ips":["127.0.0.1"],"ts":"1740129303268"}
    let item = fixture("bitget", "sub_api_list.json")["data"]["items"][0].clone();
    let info = bitget::map_sub_account_key(&item).unwrap();
    assert_eq!(info.exchange, ExchangeId::Bitget);
    assert_eq!(
        info.key_id,
        Reported::Known("***********************************".to_owned())
    );
    assert_eq!(info.label, Reported::Known("xxxx".to_owned()));
    assert_eq!(
        info.created_at.known().map(|t| t.timestamp_millis()),
        Some(1_740_129_303_268)
    );
    assert_eq!(
        info.ip_restriction,
        IpRestriction::from_entries(["127.0.0.1"])
    );
    assert_eq!(
        info.account,
        Reported::Known(exchange_keys::AccountKind::SubAccount)
    );
    // read_only: `uta_trade` only reads.
    let p = &info.permissions;
    assert_eq!(p.get(&Permission::Read), Grant::Granted);
    for right in [
        Permission::SpotTrade,
        Permission::MarginTrade,
        Permission::FuturesTrade,
        Permission::OptionsTrade,
        Permission::Withdraw,
        Permission::InternalTransfer,
        Permission::UniversalTransfer,
        Permission::SubAccountManagement,
        Permission::KeyManagement,
    ] {
        assert_eq!(p.get(&right), Grant::Denied, "{right}");
    }
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
}

#[test]
fn read_write_rights_of_a_sub_account_key() {
    let key = |kind: &str, permissions: serde_json::Value| {
        bitget::map_sub_account_key(&serde_json::json!({
            "apiKey": "bg_1", "note": "bot", "type": kind, "permissions": permissions,
            "ips": ["203.0.113.7"], "ts": "1740129303268"
        }))
        .unwrap()
    };
    let trading = key("read_write", serde_json::json!(["uta_trade"]));
    for right in [
        Permission::SpotTrade,
        Permission::MarginTrade,
        Permission::FuturesTrade,
    ] {
        assert_eq!(trading.permissions.get(&right), Grant::Granted, "{right}");
    }
    for right in [Permission::Withdraw, Permission::InternalTransfer] {
        assert_eq!(trading.permissions.get(&right), Grant::Denied, "{right}");
    }
    // `uta_mgt` has no documented scope: what it may carry is not reported either way.
    let managing = key("READ_WRITE", serde_json::json!(["uta_mgt", " uta_trade "]));
    for right in [
        Permission::InternalTransfer,
        Permission::UniversalTransfer,
        Permission::SubAccountManagement,
        Permission::KeyManagement,
    ] {
        assert_eq!(
            managing.permissions.get(&right),
            Grant::NotReported,
            "{right}"
        );
    }
    assert_eq!(
        managing
            .permissions
            .get(&Permission::Other("uta_mgt".into())),
        Grant::Granted
    );
    assert_eq!(
        managing.permissions.get(&Permission::Withdraw),
        Grant::Denied
    );
    // An unknown permission denies nothing it could grant.
    let unknown = key("read_write", serde_json::json!(["uta_trade", "uta_earn"]));
    assert_eq!(
        unknown.permissions.get(&Permission::Withdraw),
        Grant::NotReported
    );
    assert!(unknown
        .anomalies
        .iter()
        .any(|a| a.kind == AnomalyKind::Unrecognized));
    // An unknown permission type: only reading is said.
    let odd = key("trade_all", serde_json::json!(["uta_trade"]));
    assert_eq!(odd.permissions.get(&Permission::Read), Grant::Granted);
    for right in [Permission::SpotTrade, Permission::Withdraw] {
        assert_eq!(odd.permissions.get(&right), Grant::NotReported, "{right}");
    }
    // An empty allowlist is none.
    let open = bitget::map_sub_account_key(&serde_json::json!({
        "apiKey": "bg_1", "note": "bot", "type": "read_only", "permissions": ["uta_trade"], "ips": []
    }))
    .unwrap();
    assert_eq!(open.ip_restriction, IpRestriction::Unrestricted);
}

#[tokio::test]
async fn list_keys_gives_the_key_in_use_then_every_sub_account_key_signed() {
    let sim = SimulatedExchange::start(ExchangeId::Bitget, Scenario::DocumentedExample)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    let keys = adapter.list_keys().await.unwrap();
    assert_eq!(keys.len(), 2, "{keys:#?}");
    assert_eq!(keys[0].key_id, Reported::NotReported, "the key in use");
    assert_eq!(keys[1].key_id, Reported::Known(DOCUMENTED_KEY.to_owned()));
    assert_eq!(keys[1].sub_account, Reported::Known(SUB.to_owned()));
    assert_eq!(keys[1].raw["subaccount"]["accountMode"], "UNIFIED");
    let requests = sim.received_requests().await;
    let listed: Vec<&str> = requests
        .iter()
        .filter(|r| r.path == "/api/v3/user/sub-api-list")
        .filter_map(|r| r.query.as_deref())
        .collect();
    // Every listed sub-account is asked for its keys, the query sorted by name.
    assert_eq!(
        listed,
        [
            "limit=100&subUid=4746345900",
            "limit=100&subUid=4746345901",
            "limit=100&subUid=4746345902"
        ]
    );
    for request in &requests {
        assert_eq!(
            request.header("access-sign"),
            Some(expected_signature(request).as_str()),
            "{}",
            request.path
        );
        assert_eq!(request.header("access-passphrase"), Some("SimPassphrase1"));
    }
}

/// A server answering `sub-list` with `pages` (each a `data` object) in turn, and every
/// sub-account's keys with an empty list.
async fn paging_server(pages: Vec<serde_json::Value>) -> MockServer {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        KEY_INFO,
        ResponseTemplate::new(200).set_body_json(fixture("bitget", "account_info.json")),
    )
    .await;
    for (n, page) in pages.into_iter().enumerate() {
        let template = ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({ "code": "00000", "msg": "success", "data": page }));
        let mock = Mock::given(method("GET")).and(path("/api/v3/user/sub-list"));
        let mock = if n == 0 {
            mock.and(wiremock::matchers::query_param_is_missing("cursor"))
        } else {
            mock.and(wiremock::matchers::query_param("cursor", format!("c{n}")))
        };
        mock.respond_with(template).mount(&server).await;
    }
    mount(
        &server,
        "GET",
        "/api/v3/user/sub-api-list",
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "code": "00000", "msg": "success",
            "data": { "items": [], "hasNext": false, "cursor": "" }
        })),
    )
    .await;
    server
}

#[tokio::test]
async fn sub_accounts_are_read_page_by_page_and_a_list_that_does_not_page_is_an_error() {
    let sub = |uid: &str| serde_json::json!({ "subUid": uid, "accountMode": "UNIFIED" });
    let server = paging_server(vec![
        serde_json::json!({ "list": [sub("1"), sub("2")], "hasNext": true, "cursor": "c1" }),
        serde_json::json!({ "list": [sub("3")], "hasNext": "false", "cursor": "c2" }),
    ])
    .await;
    let adapter = builder_for(ExchangeId::Bitget, &server).build().unwrap();
    let keys = adapter.list_keys().await.unwrap();
    assert_eq!(keys.len(), 1, "three sub-accounts without keys: {keys:#?}");
    let asked: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/api/v3/user/sub-api-list")
        .map(|r| r.url.query().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(asked.len(), 3, "{asked:?}");

    let stuck = paging_server(vec![
        serde_json::json!({ "list": [sub("1")], "hasNext": true, "cursor": "c1" }),
        serde_json::json!({ "list": [sub("2")], "hasNext": true, "cursor": "c1" }),
    ])
    .await;
    let adapter = builder_for(ExchangeId::Bitget, &stuck).build().unwrap();
    let err = adapter.list_keys().await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    assert!(err.to_string().contains("does not page"), "{err}");
}

#[tokio::test]
async fn a_key_that_may_not_list_sub_accounts_is_told_why() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        KEY_INFO,
        ResponseTemplate::new(200).set_body_json(fixture("bitget", "account_info.json")),
    )
    .await;
    mount(
        &server,
        "GET",
        "/api/v3/user/sub-list",
        ResponseTemplate::new(400).set_body_json(fixture("bitget", "error_permission_denied.json")),
    )
    .await;
    let adapter = builder_for(ExchangeId::Bitget, &server).build().unwrap();
    let err = adapter.list_keys().await.unwrap_err();
    assert_eq!(
        err.auth_reason(),
        Some(AuthReason::PermissionDenied),
        "{err}"
    );
    assert!(
        err.to_string().contains("Unified account management"),
        "{err}"
    );
}

#[tokio::test]
async fn a_created_key_is_handed_over_with_its_secret_and_a_strong_passphrase() {
    let sim = SimulatedExchange::start(ExchangeId::Bitget, Scenario::Trading)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    let spec = NewKeySpec::new("grid_bot", vec![Permission::Read, Permission::SpotTrade])
        .allowed_ips(["203.0.113.7", "203.0.113.8"])
        .sub_account(SUB);
    let created = adapter.create_key(&spec).await.unwrap();
    assert_eq!(created.exchange, ExchangeId::Bitget);
    let secret = created.secret.expose_secret().to_owned();
    assert!(!secret.is_empty());
    let passphrase = created
        .passphrase
        .as_ref()
        .unwrap()
        .expose_secret()
        .to_owned();
    assert_eq!(passphrase.len(), 32);
    assert!(passphrase.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert!(!format!("{created:?}").contains(&secret));
    assert!(!format!("{created:?}").contains(&passphrase));
    let requests = sim.received_requests().await;
    let create = requests
        .iter()
        .find(|r| r.path == "/api/v3/user/create-sub-api")
        .unwrap();
    assert_eq!(
        json_body(create),
        serde_json::json!({
            "subUid": SUB, "note": "grid_bot", "type": "read_write",
            "passphrase": passphrase, "permissions": ["uta_trade"],
            "ips": ["203.0.113.7", "203.0.113.8"]
        })
    );
    assert_eq!(
        create.header("access-sign"),
        Some(expected_signature(create).as_str())
    );
    assert_eq!(create.header("content-type"), Some("application/json"));
    // Listed in its sub-account, without its secret.
    let listed = adapter.list_keys().await.unwrap();
    let entry = listed
        .iter()
        .find(|k| k.key_id == Reported::Known(created.api_key.clone()))
        .unwrap();
    assert_eq!(entry.sub_account, Reported::Known(SUB.to_owned()));
    assert_eq!(entry.label, Reported::Known("grid_bot".to_owned()));
    assert_eq!(
        entry.permissions.get(&Permission::SpotTrade),
        Grant::Granted
    );
    assert!(!format!("{listed:?}").contains(&secret));
}

#[tokio::test]
async fn what_this_crate_does_not_ask_bitget_for_is_refused_before_anything_is_sent() {
    let sim = SimulatedExchange::start(ExchangeId::Bitget, Scenario::Trading)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    let base = || NewKeySpec::new("bot", vec![Permission::Read]).allowed_ips(["203.0.113.7"]);
    for (spec, says) in [
        (base(), "sub_account"),
        (base().sub_account("  "), "sub_account"),
        (
            NewKeySpec::new("bot", vec![Permission::Read, Permission::Withdraw])
                .allowed_ips(["203.0.113.7"])
                .sub_account(SUB),
            "moves funds",
        ),
        (
            NewKeySpec::new("bot", vec![Permission::KeyManagement])
                .allowed_ips(["203.0.113.7"])
                .sub_account(SUB),
            "uta_mgt",
        ),
        (
            NewKeySpec::new("1 bot", vec![Permission::Read])
                .allowed_ips(["203.0.113.7"])
                .sub_account(SUB),
            "starting with a letter",
        ),
        (
            NewKeySpec::new("bot", vec![Permission::Read])
                .allowed_ips(["2001:db8::1"])
                .sub_account(SUB),
            "IPv4",
        ),
    ] {
        let err = adapter.create_key(&spec).await.unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err}");
        assert!(err.to_string().contains(says), "{says}: {err}");
    }
    assert!(sim.received_requests().await.is_empty());
}

/// A server whose create answer is Bitget's documented one with `changes`, and whose delete
/// answer is `deleted`.
async fn creating_server(changes: serde_json::Value, deleted: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    let created = with_changes(fixture("bitget", "create_sub_api.json"), "/data", &changes);
    mount_expecting_one(
        &server,
        "POST",
        "/api/v3/user/create-sub-api",
        ResponseTemplate::new(200).set_body_json(created),
    )
    .await;
    mount(&server, "POST", "/api/v3/user/delete-sub-api", deleted).await;
    server
}

fn read_only_spec() -> NewKeySpec {
    NewKeySpec::new("bot", vec![Permission::Read])
        .allowed_ips(["203.0.113.7"])
        .sub_account(SUB)
}

#[tokio::test]
async fn a_new_key_not_shown_bound_to_exactly_its_addresses_is_deleted_not_handed_over() {
    let deleted =
        ResponseTemplate::new(200).set_body_json(fixture("bitget", "delete_sub_api.json"));
    // The documented answer shows the key bound to 127.0.0.1.
    let server = creating_server(
        serde_json::json!({ "apiKey": NEW_KEY, "secret": NEW_SECRET }),
        deleted,
    )
    .await;
    let adapter = builder_for(ExchangeId::Bitget, &server).build().unwrap();
    let err = adapter.create_key(&read_only_spec()).await.unwrap_err();
    assert_unbound_new_key_deleted(
        &err,
        &server,
        "203.0.113.7",
        NEW_SECRET,
        serde_json::json!({ "apiKey": NEW_KEY }),
        "the new key is deleted, by its id",
    )
    .await;
}

#[tokio::test]
async fn a_new_key_of_another_type_or_without_a_secret_is_deleted() {
    for (changes, says) in [
        (
            serde_json::json!({ "apiKey": NEW_KEY, "secret": NEW_SECRET, "ips": ["203.0.113.7"], "type": "read_write" }),
            "read-only, as asked",
        ),
        (
            serde_json::json!({ "apiKey": NEW_KEY, "secret": null, "ips": ["203.0.113.7"] }),
            "no secret",
        ),
        (
            serde_json::json!({ "apiKey": NEW_KEY, "secret": NEW_SECRET, "ips": ["203.0.113.7"], "permissions": ["uta_trade", "withdraw"], "type": "read_write" }),
            "unable to withdraw",
        ),
    ] {
        let deleted =
            ResponseTemplate::new(200).set_body_json(fixture("bitget", "delete_sub_api.json"));
        let server = creating_server(changes, deleted).await;
        let adapter = builder_for(ExchangeId::Bitget, &server).build().unwrap();
        let err = adapter.create_key(&read_only_spec()).await.unwrap_err();
        assert_new_key_deleted_saying(&err, says, NEW_SECRET);
    }
}

#[tokio::test]
async fn a_new_key_that_cannot_be_deleted_says_where_it_is() {
    for (deleted, unknown) in [
        (ResponseTemplate::new(503), true),
        (
            ResponseTemplate::new(400)
                .set_body_json(fixture("bitget", "error_permission_denied.json")),
            false,
        ),
    ] {
        let server = creating_server(
            serde_json::json!({ "apiKey": NEW_KEY, "secret": NEW_SECRET }),
            deleted,
        )
        .await;
        let adapter = builder_for(ExchangeId::Bitget, &server).build().unwrap();
        let err = adapter.create_key(&read_only_spec()).await.unwrap_err();
        assert_undeleted_key_is_named(&err, unknown, NEW_KEY, "bitget.com", NEW_SECRET);
        assert_eq!(
            requests_to(&server, "/api/v3/user/delete-sub-api").await,
            1,
            "the deletion is sent once"
        );
    }
}

#[tokio::test]
async fn a_create_answer_naming_no_key_leaves_the_outcome_unknown() {
    let server = creating_server(
        serde_json::json!({ "apiKey": "" }),
        ResponseTemplate::new(500),
    )
    .await;
    let adapter = builder_for(ExchangeId::Bitget, &server).build().unwrap();
    let err = adapter.create_key(&read_only_spec()).await.unwrap_err();
    assert!(err.is_outcome_unknown(), "{err}");
    assert!(err.to_string().contains(SUB), "{err}");
    assert!(!format!("{err} {err:?}").contains("*****************************************"));
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "nothing to delete by"
    );
}

#[tokio::test]
async fn revoke_deletes_the_named_sub_account_key_and_never_the_key_in_use() {
    let sim = SimulatedExchange::start(ExchangeId::Bitget, Scenario::Trading)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    let revoked = adapter
        .revoke(
            KeyRef::other(DOCUMENTED_KEY),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap();
    assert_eq!(revoked.key_id.as_deref(), Some(DOCUMENTED_KEY));
    let requests = sim.received_requests().await;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/api/v3/user/delete-sub-api");
    assert_eq!(
        json_body(&requests[0]),
        serde_json::json!({ "apiKey": DOCUMENTED_KEY })
    );
    assert_eq!(
        requests[0].header("access-sign"),
        Some(expected_signature(&requests[0]).as_str())
    );
    let listed = adapter.list_keys().await.unwrap();
    assert!(listed
        .iter()
        .all(|k| k.key_id != Reported::Known(DOCUMENTED_KEY.to_owned())));

    let sent = sim.received_requests().await.len();
    let own = sim.credentials().api_key().to_owned();
    for target in [KeyRef::Own, KeyRef::sub_account_key(own, SUB)] {
        let err = adapter
            .revoke(target, RevokeConfirm::IUnderstandThisIsIrreversible)
            .await
            .unwrap_err();
        assert!(err.is_unsupported(), "{err}");
        assert!(err.to_string().contains("never the key in use"), "{err}");
    }
    assert_eq!(sim.received_requests().await.len(), sent);
}

#[tokio::test]
async fn what_bitget_cannot_do_safely_stays_unsupported_with_its_manual_step() {
    let sim = SimulatedExchange::start(ExchangeId::Bitget, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    let caps = adapter.capabilities();
    assert_eq!(caps.key_info, Support::Native);
    for support in [caps.list_keys, caps.create_key, caps.revoke] {
        assert_eq!(support, Support::Native);
    }
    for support in [
        caps.revoke_own,
        caps.update_key,
        caps.set_key_enabled,
        caps.reset_secret,
    ] {
        assert_eq!(support, Support::Unsupported);
    }
    let errors = [
        adapter
            .update_key(
                KeyRef::sub_account_key("bg_other", SUB),
                &exchange_keys::KeyChange::new().allowed_ips(["203.0.113.9"]),
            )
            .await
            .unwrap_err(),
        adapter
            .set_key_enabled(KeyRef::sub_account_key("bg_other", SUB), false)
            .await
            .unwrap_err(),
        adapter
            .reset_secret(
                KeyRef::sub_account_key("bg_other", SUB),
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

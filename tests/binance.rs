//! Binance: mapping of the documented answer, request signing, scenarios, error codes, clock
//! correction and retries.
#![cfg(feature = "binance")]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{answer_then, at, builder_for, fixture, hmac_hex, mount, scenario_key_info};
use exchange_keys::clock::FixedClock;
use exchange_keys::exchanges::binance;
use exchange_keys::testkit::{CannedAnswer, Scenario, SimulatedExchange};
use exchange_keys::{
    AnomalyKind, AuthReason, Error, ExchangeId, Grant, IpRestriction, Permission, Reported,
    RetryPolicy,
};
use secrecy::ExposeSecret;
use wiremock::{MockServer, ResponseTemplate};

const KEY_INFO: &str = "/sapi/v1/account/apiRestrictions";

#[test]
fn documented_example_maps_field_by_field() {
    let body = fixture("binance", "api_restrictions.json");
    let info = binance::map_key_info(&body).unwrap();
    let p = &info.permissions;
    assert_eq!(info.exchange, ExchangeId::Binance);
    assert_eq!(p.get(&Permission::Read), Grant::Granted);
    assert_eq!(p.get(&Permission::SpotTrade), Grant::Denied);
    // enablePortfolioMarginTrading: true covers portfolio-margin orders and loans.
    assert_eq!(p.get(&Permission::MarginTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::FuturesTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::OptionsTrade), Grant::Denied);
    assert_eq!(p.get(&Permission::Withdraw), Grant::Denied);
    assert_eq!(p.get(&Permission::Payment), Grant::Denied);
    assert_eq!(p.get(&Permission::InternalTransfer), Grant::Denied);
    // permitsUniversalTransfer: false covers one endpoint only; a trading flag is on.
    assert_eq!(p.get(&Permission::UniversalTransfer), Grant::NotReported);
    // Not reported by Binance, and a write right (portfolio margin) is on: unknown.
    assert_eq!(p.get(&Permission::SubAccountManagement), Grant::NotReported);
    assert_eq!(p.get(&Permission::KeyManagement), Grant::NotReported);
    assert_eq!(
        p.vendor_granted,
        vec![
            "enableReading".to_owned(),
            "enablePortfolioMarginTrading".to_owned()
        ]
    );
    assert_eq!(info.is_read_only(), Reported::Known(false));
    assert_eq!(info.ip_restriction, IpRestriction::Unrestricted);
    assert_eq!(info.created_at, Reported::Known(at("2023-10-30T05:53:39Z")));
    assert_eq!(info.expires_at, Reported::NotReported);
    assert_eq!(info.trading_expires_at, Reported::NotReported);
    assert_eq!(info.key_id, Reported::NotReported);
    assert_eq!(info.label, Reported::NotReported);
    assert_eq!(info.last_used_at, Reported::NotReported);
    assert_eq!(info.account, Reported::NotReported);
    assert_eq!(info.enabled, Reported::Known(true));
    assert_eq!(info.delegation, Reported::NotReported);
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
    assert_eq!(info.raw, body);
}

#[test]
fn management_rights_are_denied_only_when_every_write_flag_is_off() {
    let mut body = fixture("binance", "api_restrictions.json");
    body["enablePortfolioMarginTrading"] = false.into();
    let info = binance::map_key_info(&body).unwrap();
    assert_eq!(
        info.permissions.get(&Permission::KeyManagement),
        Grant::Denied
    );
    assert_eq!(info.is_read_only(), Reported::Known(true));
    body["enableSpotAndMarginTrading"] = true.into();
    let info = binance::map_key_info(&body).unwrap();
    assert_eq!(
        info.permissions.get(&Permission::KeyManagement),
        Grant::NotReported
    );
    assert_eq!(info.is_read_only(), Reported::Known(false));
}

#[test]
fn ip_restrict_true_means_restricted_without_a_list() {
    let mut body = fixture("binance", "api_restrictions.json");
    body["ipRestrict"] = true.into();
    let info = binance::map_key_info(&body).unwrap();
    assert_eq!(info.ip_restriction, IpRestriction::Restricted);
}

#[test]
fn trading_authority_expiry_is_the_trading_right_not_the_key() {
    let mut body = fixture("binance", "api_restrictions.json");
    body["tradingAuthorityExpirationTime"] = 1_628_985_600_000_i64.into();
    let info = binance::map_key_info(&body).unwrap();
    assert_eq!(
        info.trading_expires_at,
        Reported::Known(at("2021-08-15T00:00:00Z"))
    );
    assert_eq!(info.expires_at, Reported::NotReported);
}

#[test]
fn fix_trading_grants_spot_trade() {
    let mut body = fixture("binance", "api_restrictions.json");
    body["enableFixApiTrade"] = true.into();
    let info = binance::map_key_info(&body).unwrap();
    assert_eq!(info.permissions.get(&Permission::SpotTrade), Grant::Granted);
}

#[test]
fn a_missing_documented_flag_leaves_its_right_unreported_and_says_so() {
    let mut body = fixture("binance", "api_restrictions.json");
    body.as_object_mut().unwrap().remove("enableWithdrawals");
    let info = binance::map_key_info(&body).unwrap();
    assert_eq!(info.can_withdraw(), Grant::NotReported);
    assert_eq!(
        info.permissions.get(&Permission::Payment),
        Grant::NotReported
    );
    assert_eq!(
        info.permissions.get(&Permission::KeyManagement),
        Grant::NotReported
    );
    assert_eq!(info.anomalies.len(), 1, "{:?}", info.anomalies);
    assert_eq!(info.anomalies[0].kind, AnomalyKind::Missing);
    assert_eq!(info.anomalies[0].field, "enableWithdrawals");
}

#[test]
fn an_answer_with_no_flag_at_all_is_not_key_information() {
    let err = binance::map_key_info(&serde_json::json!({"ok": true})).unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    assert!(err.to_string().starts_with("binance:"), "{err}");
    assert!(
        err.to_string()
            .contains("not a Binance apiRestrictions answer"),
        "{err}"
    );
}

#[test]
fn missing_optional_flag_is_not_reported_not_denied() {
    let mut body = fixture("binance", "api_restrictions.json");
    body.as_object_mut().unwrap().remove("enableVanillaOptions");
    body["enablePortfolioMarginTrading"] = false.into();
    let info = binance::map_key_info(&body).unwrap();
    assert_eq!(
        info.permissions.get(&Permission::OptionsTrade),
        Grant::NotReported
    );
    assert_eq!(info.is_read_only(), Reported::NotReported);
}

#[test]
fn a_mistyped_field_is_an_anomaly_naming_it_without_its_value() {
    let mut body = fixture("binance", "api_restrictions.json");
    body["createTime"] = "yesterday".into();
    body["enableFutures"] = "yes".into();
    let info = binance::map_key_info(&body).unwrap();
    assert_eq!(info.created_at, Reported::NotReported);
    // enablePortfolioMarginTrading still grants futures; the mistyped flag adds nothing.
    assert_eq!(
        info.permissions.get(&Permission::FuturesTrade),
        Grant::Granted
    );
    let fields: Vec<&str> = info.anomalies.iter().map(|a| a.field.as_str()).collect();
    assert_eq!(fields, ["enableFutures", "createTime"]);
    assert!(info
        .anomalies
        .iter()
        .all(|a| a.kind == AnomalyKind::Invalid));
    let text = serde_json::to_string(&info.anomalies).unwrap();
    assert!(
        !text.contains("yesterday") && !text.contains("\"yes\""),
        "{text}"
    );
}

#[test]
fn portfolio_margin_grants_margin_trading() {
    let mut body = fixture("binance", "api_restrictions.json");
    body["enablePortfolioMarginTrading"] = true.into();
    body["enableMargin"] = false.into();
    let info = binance::map_key_info(&body).unwrap();
    assert_eq!(
        info.permissions.get(&Permission::MarginTrade),
        Grant::Granted
    );
}

#[test]
fn universal_transfer_is_unknown_while_any_trading_flag_is_on() {
    let mut body = fixture("binance", "api_restrictions.json");
    body["enablePortfolioMarginTrading"] = false.into();
    let read_only = binance::map_key_info(&body).unwrap();
    assert_eq!(
        read_only.permissions.get(&Permission::UniversalTransfer),
        Grant::Denied
    );
    for flag in [
        "enableSpotAndMarginTrading",
        "enableFutures",
        "enableVanillaOptions",
        "enableMargin",
        "enablePortfolioMarginTrading",
    ] {
        let mut body = body.clone();
        body[flag] = true.into();
        let info = binance::map_key_info(&body).unwrap();
        assert_eq!(
            info.permissions.get(&Permission::UniversalTransfer),
            Grant::NotReported,
            "{flag}"
        );
    }
    body["permitsUniversalTransfer"] = true.into();
    let info = binance::map_key_info(&body).unwrap();
    assert_eq!(
        info.permissions.get(&Permission::UniversalTransfer),
        Grant::Granted
    );
}

#[test]
fn spot_trading_keeps_internal_transfer_open_for_sub_account_keys() {
    let mut body = fixture("binance", "api_restrictions.json");
    body["enableSpotAndMarginTrading"] = true.into();
    let info = binance::map_key_info(&body).unwrap();
    // subToMaster and subToSub need only "Enable Spot & Margin Trading".
    assert_eq!(
        info.permissions.get(&Permission::InternalTransfer),
        Grant::NotReported
    );
}

#[test]
fn withdrawals_also_pay_other_parties() {
    let mut body = fixture("binance", "api_restrictions.json");
    body["enableWithdrawals"] = true.into();
    let info = binance::map_key_info(&body).unwrap();
    // Gift cards need "Enable Withdrawals".
    assert_eq!(info.permissions.get(&Permission::Payment), Grant::Granted);
    assert_eq!(info.can_pay_out(), Grant::Granted);
}

#[test]
fn an_unknown_flag_is_kept_and_no_write_right_stays_denied() {
    let mut body = fixture("binance", "api_restrictions.json");
    body["enablePortfolioMarginTrading"] = false.into();
    body["enableGiftCards"] = true.into();
    body["enableSomethingOff"] = false.into();
    body["keyType"] = "HMAC".into();
    let info = binance::map_key_info(&body).unwrap();
    let p = &info.permissions;
    assert_eq!(
        p.get(&Permission::Other("enableGiftCards".into())),
        Grant::Granted
    );
    // Nobody can say what an unknown flag grants: even withdrawal is no longer denied.
    for right in Permission::WRITE {
        assert_eq!(p.get(&right), Grant::NotReported, "{right}");
    }
    assert_eq!(info.is_read_only(), Reported::Known(false));
    let unknown: Vec<&str> = info
        .anomalies
        .iter()
        .filter(|a| a.kind == AnomalyKind::Unrecognized)
        .map(|a| a.field.as_str())
        .collect();
    assert_eq!(
        unknown,
        ["enableGiftCards", "enableSomethingOff", "keyType"]
    );
}

#[test]
fn unknown_fields_that_are_off_or_not_flags_change_no_right() {
    let mut body = fixture("binance", "api_restrictions.json");
    body["enablePortfolioMarginTrading"] = false.into();
    body["enableSomethingOff"] = "false".into();
    body["keyType"] = "HMAC".into();
    body["updateTime"] = 1_700_000_000_000_i64.into();
    let info = binance::map_key_info(&body).unwrap();
    assert_eq!(info.is_read_only(), Reported::Known(true));
    assert_eq!(info.anomalies.len(), 3);
}

#[test]
fn truthy_or_unreadable_flags_are_never_read_as_off() {
    for (name, value) in [
        ("enableGiftCardPayout", serde_json::json!("true")),
        ("enableGiftCardPayout", serde_json::json!(1)),
        ("enableGiftCardPayout", serde_json::json!(["WITHDRAW"])),
        ("somethingNew", serde_json::json!("TRUE")),
        ("enableFixApiTrade", serde_json::json!("true")),
        ("enableFixApiTrade", serde_json::json!(1)),
    ] {
        let mut body = fixture("binance", "api_restrictions.json");
        body["enablePortfolioMarginTrading"] = false.into();
        body[name] = value.clone();
        let info = binance::map_key_info(&body).unwrap();
        assert_ne!(
            info.is_read_only(),
            Reported::Known(true),
            "{name}: {value}"
        );
        assert_ne!(
            info.permissions.get(&Permission::SpotTrade),
            Grant::Denied,
            "{name}: {value}"
        );
    }
}

#[test]
fn binance_error_codes_from_the_review_are_in_the_table() {
    let rows = ExchangeId::Binance.error_codes();
    let row = |code: &str| rows.iter().find(|r| r.code == Some(code)).unwrap();
    assert_eq!(row("-1007").class, exchange_keys::ErrorClass::Unavailable);
    assert!(row("-1007").retryable, "a read may be sent again");
    assert_eq!(row("-1016").class, exchange_keys::ErrorClass::Unavailable);
    assert!(!row("-1016").retryable, "a retired service stays retired");
}

#[tokio::test]
async fn request_is_signed_as_binance_documents() {
    let sim = SimulatedExchange::start(ExchangeId::Binance, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim
        .builder()
        .clock(FixedClock::new(1_499_827_319_559))
        .build()
        .unwrap();
    adapter.key_info().await.unwrap();

    let requests = sim.received_requests().await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    let credentials = sim.credentials();
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, KEY_INFO);
    assert_eq!(request.header("x-mbx-apikey"), Some(credentials.api_key()));
    let query = request.query.as_deref().unwrap();
    let (signed, signature) = query.split_once("&signature=").unwrap();
    assert_eq!(signed, "recvWindow=5000&timestamp=1499827319559");
    assert_eq!(
        signature,
        hmac_hex(credentials.secret().expose_secret(), signed)
    );
}

#[tokio::test]
async fn scenarios_map_to_what_they_describe() {
    let info = |scenario| scenario_key_info(ExchangeId::Binance, scenario);
    let read_only = info(Scenario::ReadOnly).await.unwrap();
    assert_eq!(read_only.is_read_only(), Reported::Known(true));
    assert_eq!(read_only.ip_restriction, IpRestriction::Restricted);

    let withdraw = info(Scenario::WithdrawEnabled).await.unwrap();
    assert_eq!(withdraw.can_withdraw(), Grant::Granted);
    assert_eq!(
        withdraw.permissions.get(&Permission::InternalTransfer),
        Grant::Granted
    );

    let open = info(Scenario::NoIpRestriction).await.unwrap();
    assert_eq!(open.ip_restriction, IpRestriction::Unrestricted);
    assert_eq!(
        open.trading_expires_at,
        Reported::Known(at("2026-12-30T00:00:00Z"))
    );

    let expired = info(Scenario::Expired).await.unwrap();
    assert_eq!(
        expired.trading_expires_at,
        Reported::Known(at("2026-01-07T00:00:00Z"))
    );

    for scenario in [Scenario::InvalidKey, Scenario::IpNotAllowed] {
        let err = info(scenario).await.unwrap_err();
        assert_eq!(err.auth_reason(), Some(AuthReason::Ambiguous), "{err}");
        let context = err.context().unwrap();
        assert_eq!(context.code.as_deref(), Some("-2015"));
        assert_eq!(context.http_status, Some(401));
        assert_eq!(
            context.endpoint.as_deref(),
            Some("GET /sapi/v1/account/apiRestrictions")
        );
        assert!(err.to_string().contains("does not say which"), "{err}");
    }

    let err = info(Scenario::RateLimited).await.unwrap_err();
    match &err {
        Error::RateLimited {
            retry_after,
            ip_banned,
            ..
        } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(60)));
            assert!(!ip_banned);
        }
        other => panic!("expected RateLimited, got {other}"),
    }
    assert!(err.is_retryable());
}

async fn server_with(status: u16, body: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        KEY_INFO,
        ResponseTemplate::new(status).set_body_json(body),
    )
    .await;
    server
}

fn adapter_for(server: &MockServer) -> Arc<dyn exchange_keys::KeyAdapter> {
    builder_for(ExchangeId::Binance, server)
        .retry(RetryPolicy {
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn documented_error_codes_map_to_reasons() {
    for (file, status, reason) in [
        ("error_bad_signature.json", 400, AuthReason::BadSignature),
        (
            "error_invalid_key_ip_or_permissions.json",
            401,
            AuthReason::Ambiguous,
        ),
    ] {
        let server = server_with(status, fixture("binance", file)).await;
        let err = adapter_for(&server).key_info().await.unwrap_err();
        assert_eq!(err.auth_reason(), Some(reason), "{file}: {err}");
        assert!(!err.is_retryable());
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            1,
            "auth errors are not retried"
        );
    }
}

#[tokio::test]
async fn clock_offset_is_corrected_after_a_timestamp_error() {
    let server = MockServer::start().await;
    answer_then(
        &server,
        KEY_INFO,
        1,
        ResponseTemplate::new(400).set_body_json(fixture("binance", "error_timestamp.json")),
        ResponseTemplate::new(200).set_body_json(fixture("binance", "api_restrictions.json")),
    )
    .await;
    let server_now = 1_499_827_319_559_i64;
    mount(
        &server,
        "GET",
        "/api/v3/time",
        ResponseTemplate::new(200).set_body_json(serde_json::json!({ "serverTime": server_now })),
    )
    .await;
    // Our clock is 10 s behind the exchange's.
    let adapter = builder_for(ExchangeId::Binance, &server)
        .clock(FixedClock::new(server_now - 10_000))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    adapter.key_info().await.unwrap();

    let requests = server.received_requests().await.unwrap();
    let paths: Vec<&str> = requests.iter().map(|r| r.url.path()).collect();
    assert_eq!(paths, [KEY_INFO, "/api/v3/time", KEY_INFO]);
    let timestamp = |i: usize| {
        requests[i]
            .url
            .query_pairs()
            .find(|(k, _)| k == "timestamp")
            .map(|(_, v)| v.parse::<i64>().unwrap())
            .unwrap()
    };
    assert_eq!(timestamp(0), server_now - 10_000);
    assert_eq!(timestamp(2), server_now, "signed with the corrected clock");
    assert!(format!("{adapter:?}").contains("clock_offset_ms: 10000"));
}

#[tokio::test]
async fn a_ban_on_the_server_time_call_is_reported_as_a_ban() {
    let sim = SimulatedExchange::start(ExchangeId::Binance, Scenario::ReadOnly)
        .await
        .unwrap();
    sim.serve(CannedAnswer::with_status(
        400,
        fixture("binance", "error_timestamp.json"),
    ))
    .await;
    sim.serve_server_time(
        CannedAnswer::with_status(
            418,
            serde_json::json!({"code": -1003, "msg": "Way too much request weight used; IP banned until 1793491800000. Please use WebSocket Streams for live updates to avoid bans."}),
        )
        .header("retry-after", "600"),
    )
    .await;
    let adapter = sim.builder().retry(RetryPolicy::default()).build().unwrap();
    let err = adapter.key_info().await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { ip_banned: true, retry_after: Some(wait), .. } if wait == Duration::from_secs(600)),
        "{err}"
    );
    assert!(!err.is_retryable());
    assert_eq!(
        err.context().unwrap().endpoint.as_deref(),
        Some("GET /api/v3/time")
    );
    let paths: Vec<String> = sim
        .received_requests()
        .await
        .into_iter()
        .map(|r| r.path)
        .collect();
    assert_eq!(
        paths,
        [KEY_INFO, "/api/v3/time"],
        "nothing is sent during the ban"
    );
}

#[tokio::test]
async fn a_clock_hours_off_is_refused_not_adopted() {
    let sim = SimulatedExchange::start(ExchangeId::Binance, Scenario::ReadOnly)
        .await
        .unwrap();
    sim.serve(CannedAnswer::with_status(
        400,
        fixture("binance", "error_timestamp.json"),
    ))
    .await;
    // Three hours behind the simulated exchange: a time zone taken for UTC.
    let adapter = sim
        .builder()
        .clock(FixedClock::new(
            exchange_keys::testkit::SERVER_TIME_MS - 3 * 3_600_000,
        ))
        .build()
        .unwrap();
    let err = adapter.key_info().await.unwrap_err();
    assert_eq!(err.auth_reason(), Some(AuthReason::TimestampOutOfWindow));
    assert!(!err.is_retryable(), "only fixing the clock helps");
    let text = err.to_string();
    assert!(text.contains("3 h 0 min behind"), "{text}");
    assert!(text.contains("fix the system clock"), "{text}");
    assert!(format!("{adapter:?}").contains("clock_offset_ms: 0"));
}

#[tokio::test]
async fn a_retired_service_is_not_called_again() {
    for (file, retried) in [
        ("error_service_shutting_down.json", false),
        ("error_backend_timeout.json", true),
    ] {
        let server = server_with(503, fixture("binance", file)).await;
        let err = adapter_for(&server).key_info().await.unwrap_err();
        assert!(matches!(err, Error::Unavailable { .. }), "{file}: {err}");
        assert_eq!(err.is_retryable(), retried, "{file}");
        let sent = server.received_requests().await.unwrap().len();
        assert_eq!(sent, if retried { 3 } else { 1 }, "{file}");
    }
}

#[tokio::test]
async fn a_503_asking_for_an_hour_is_not_retried_at_once() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        KEY_INFO,
        ResponseTemplate::new(503).insert_header("retry-after", "3600"),
    )
    .await;
    let err = adapter_for(&server).key_info().await.unwrap_err();
    assert!(matches!(err, Error::Unavailable { .. }), "{err}");
    assert_eq!(
        err.context().unwrap().retry_after,
        Some(Duration::from_secs(3600))
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn unavailable_reads_are_retried_then_succeed() {
    let server = MockServer::start().await;
    answer_then(
        &server,
        KEY_INFO,
        2,
        ResponseTemplate::new(503).set_body_string("<html>Service Unavailable</html>"),
        ResponseTemplate::new(200).set_body_json(fixture("binance", "api_restrictions.json")),
    )
    .await;
    adapter_for(&server).key_info().await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn exhausted_retries_report_the_attempts() {
    let server = server_with(503, serde_json::json!({"code": -1008, "msg": "Server is currently overloaded with other requests. Please try again in a few minutes."})).await;
    let err = adapter_for(&server).key_info().await.unwrap_err();
    assert!(matches!(err, Error::Unavailable { .. }), "{err}");
    assert_eq!(err.context().unwrap().attempts, 3);
    assert!(err.to_string().contains("3 attempts"), "{err}");
}

#[tokio::test]
async fn ip_ban_is_never_retried() {
    let server = MockServer::start().await;
    mount(&server, "GET", KEY_INFO, 
            ResponseTemplate::new(418)
                .insert_header("retry-after", "2")
                .set_body_json(serde_json::json!({"code": -1003, "msg": "Way too much request weight used; IP banned until 1499827319559."})),
        ).await;
    let err = adapter_for(&server).key_info().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::RateLimited {
                ip_banned: true,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn testnet_cannot_inspect_keys_and_says_so_without_calling() {
    let adapter = ExchangeId::Binance
        .builder()
        .credentials(exchange_keys::testkit::credentials(ExchangeId::Binance).unwrap())
        .testnet(true)
        .build()
        .unwrap();
    assert!(!adapter.capabilities().key_info.is_available());
    let err = adapter.key_info().await.unwrap_err();
    assert!(err.is_unsupported(), "{err}");
    assert!(err.to_string().contains("API Management"), "{err}");
}

#[test]
fn sign_request_reproduces_the_official_example_query() {
    let credentials = exchange_keys::testkit::credentials(ExchangeId::Binance).unwrap();
    let signed = ExchangeId::Binance
        .sign_request(
            &credentials,
            exchange_keys::Environment::Production,
            &exchange_keys::UnsignedRequest {
                method: "POST",
                path: "/api/v3/order",
                query: "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1",
                body: "",
            },
            1_499_827_319_559,
        )
        .unwrap();
    // rest-api.md, "Example 1: As a request body" signs this exact string.
    assert_eq!(
        signed.query,
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000\
         &timestamp=1499827319559&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
    );
    assert_eq!(
        signed.headers,
        [("x-mbx-apikey", credentials.api_key().to_owned())]
    );
}

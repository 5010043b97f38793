//! OKX: mapping of the documented answer, request signing with the passphrase, demo trading,
//! scenarios and error codes.
#![cfg(feature = "okx")]

mod common;

use common::{answer_then, builder_for, fixture, hmac_base64};
use exchange_keys::clock::FixedClock;
use exchange_keys::exchanges::okx;
use exchange_keys::testkit::{CannedAnswer, Scenario, SimulatedExchange};
use exchange_keys::{
    AccountKind, AnomalyKind, AuthReason, Credentials, Delegation, Error, ExchangeId, Grant,
    IpEntry, IpRestriction, Permission, Reported,
};
use secrecy::ExposeSecret;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn documented_account() -> serde_json::Value {
    fixture("okx", "account_config.json")["data"][0].clone()
}

#[test]
fn documented_example_maps_field_by_field() {
    let account = documented_account();
    let info = okx::map_key_info(&account).unwrap();
    let p = &info.permissions;
    assert_eq!(info.exchange, ExchangeId::Okx);
    // perm: "read_only,withdraw,trade"
    for right in [
        Permission::Read,
        Permission::SpotTrade,
        Permission::MarginTrade,
        Permission::FuturesTrade,
        Permission::OptionsTrade,
        Permission::Withdraw,
        Permission::InternalTransfer,
        Permission::UniversalTransfer,
    ] {
        assert_eq!(p.get(&right), Grant::Granted, "{right}");
    }
    // ip "": a master key without a bound IP cannot manage sub-accounts or their keys.
    assert_eq!(p.get(&Permission::SubAccountManagement), Grant::Denied);
    assert_eq!(p.get(&Permission::KeyManagement), Grant::Denied);
    assert_eq!(p.get(&Permission::Payment), Grant::Denied);
    assert_eq!(p.vendor_granted, ["read_only", "withdraw", "trade"]);
    assert_eq!(
        info.ip_restriction,
        IpRestriction::Unrestricted,
        "ip \"\" means no IP bound"
    );
    assert_eq!(info.label, Reported::Known("v5 test".to_owned()));
    assert_eq!(
        info.account,
        Reported::Known(AccountKind::Master),
        "uid == mainUid"
    );
    assert_eq!(info.enabled, Reported::Known(true));
    assert_eq!(info.key_id, Reported::NotReported);
    assert_eq!(info.created_at, Reported::NotReported);
    assert_eq!(info.expires_at, Reported::NotReported);
    assert_eq!(info.last_used_at, Reported::NotReported);
    assert_eq!(info.delegation, Reported::Known(Delegation::None), "type 0");
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
    assert_eq!(info.raw, account);
}

#[test]
fn an_ip_bound_master_trade_key_manages_sub_accounts() {
    let mut account = documented_account();
    account["ip"] = "203.0.113.10".into();
    let info = okx::map_key_info(&account).unwrap();
    assert_eq!(
        info.permissions.get(&Permission::SubAccountManagement),
        Grant::Granted
    );
    assert_eq!(
        info.permissions.get(&Permission::KeyManagement),
        Grant::Granted
    );
}

#[test]
fn account_types_say_who_operates_the_account() {
    for (account_type, expected) in [
        ("1", Delegation::None),
        ("2", Delegation::ManagedTrading { partner: None }),
        (
            "9",
            Delegation::ManagedTrading {
                partner: Some("Copper".into()),
            },
        ),
        (
            "5",
            Delegation::Custody {
                custodian: Some("Copper".into()),
            },
        ),
        (
            "12",
            Delegation::Custody {
                custodian: Some("Komainu".into()),
            },
        ),
    ] {
        let mut account = documented_account();
        account["type"] = account_type.into();
        let info = okx::map_key_info(&account).unwrap();
        assert_eq!(
            info.delegation,
            Reported::Known(expected),
            "type {account_type}"
        );
        assert!(info.anomalies.is_empty());
    }
    let mut account = documented_account();
    account["type"] = "77".into();
    let info = okx::map_key_info(&account).unwrap();
    assert_eq!(
        info.delegation,
        Reported::Known(Delegation::Unrecognized { value: "77".into() })
    );
    assert_eq!(info.anomalies[0].kind, AnomalyKind::Unrecognized);
}

#[test]
fn tokens_compare_without_case_or_padding() {
    let mut account = documented_account();
    account["perm"] = " Read_Only , TRADE ".into();
    let info = okx::map_key_info(&account).unwrap();
    assert_eq!(info.permissions.get(&Permission::SpotTrade), Grant::Granted);
    assert_eq!(info.can_withdraw(), Grant::Denied);
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
}

#[tokio::test]
async fn more_than_one_configuration_in_data_is_refused() {
    let sim = SimulatedExchange::start(ExchangeId::Okx, Scenario::ReadOnly)
        .await
        .unwrap();
    let mut body = fixture("okx", "account_config.json");
    let first = body["data"][0].clone();
    body["data"].as_array_mut().unwrap().push(first);
    sim.serve_raw(200, "application/json", body.to_string())
        .await;
    let err = sim.adapter().unwrap().key_info().await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    assert!(err.to_string().contains("`data` holds 2 entries"), "{err}");
}

#[test]
fn read_only_sub_account_with_ip_list() {
    let mut account = documented_account();
    account["perm"] = "read_only".into();
    account["ip"] = "117.37.203.58,117.37.203.57".into();
    account["uid"] = "44705892343619585".into();
    let info = okx::map_key_info(&account).unwrap();
    assert_eq!(info.is_read_only(), Reported::Known(true));
    assert_eq!(info.can_withdraw(), Grant::Denied);
    assert_eq!(info.account, Reported::Known(AccountKind::SubAccount));
    assert_eq!(
        info.ip_restriction,
        IpRestriction::AllowList(vec![
            IpEntry::parse("117.37.203.58"),
            IpEntry::parse("117.37.203.57")
        ])
    );
}

#[test]
fn trade_on_a_sub_account_cannot_manage_keys() {
    let mut account = documented_account();
    account["perm"] = "read_only,trade".into();
    account["uid"] = "1".into();
    let info = okx::map_key_info(&account).unwrap();
    assert_eq!(info.permissions.get(&Permission::SpotTrade), Grant::Granted);
    assert_eq!(
        info.permissions.get(&Permission::KeyManagement),
        Grant::Denied
    );
    assert_eq!(info.can_withdraw(), Grant::Denied);
}

#[test]
fn an_unknown_perm_token_is_kept_and_denies_nothing_it_could_grant() {
    let mut account = documented_account();
    account["perm"] = "read_only,earn".into();
    let info = okx::map_key_info(&account).unwrap();
    let p = &info.permissions;
    assert_eq!(p.get(&Permission::Other("earn".into())), Grant::Granted);
    assert_eq!(info.is_read_only(), Reported::Known(false));
    // Nobody can say what a new token grants: not even withdrawal stays denied.
    for right in Permission::WRITE {
        assert_eq!(p.get(&right), Grant::NotReported, "{right}");
    }
    assert_eq!(info.anomalies.len(), 1);
    assert_eq!(info.anomalies[0].kind, AnomalyKind::Unrecognized);
    assert!(info.anomalies[0].detail.contains("`earn`"));
}

#[test]
fn withdraw_is_never_denied_behind_an_odd_separator_or_spelling() {
    for perm in [
        "read_only;withdraw",
        "read_only withdraw",
        "read_only|withdraw",
        "read_only,withdrawal",
        "read_only,withdraw_v2",
        "read_only,with\u{200b}draw",
    ] {
        let mut account = documented_account();
        account["perm"] = perm.into();
        let info = okx::map_key_info(&account).unwrap();
        assert_ne!(info.can_withdraw(), Grant::Denied, "{perm:?}");
    }
}

#[test]
fn an_empty_perm_is_not_a_read_only_key() {
    for perm in ["", " ", ",", " , "] {
        let mut account = documented_account();
        account["perm"] = perm.into();
        let info = okx::map_key_info(&account).unwrap();
        assert_eq!(info.is_read_only(), Reported::NotReported, "{perm:?}");
        assert_eq!(info.anomalies[0].kind, AnomalyKind::Invalid, "{perm:?}");
    }
}

#[test]
fn missing_perm_leaves_every_right_but_read_unreported() {
    let mut account = documented_account();
    account.as_object_mut().unwrap().remove("perm");
    let info = okx::map_key_info(&account).unwrap();
    assert_eq!(info.permissions.get(&Permission::Read), Grant::Granted);
    for right in Permission::WRITE {
        assert_eq!(info.permissions.get(&right), Grant::NotReported, "{right}");
    }
    assert_eq!(info.anomalies[0].field, "perm");
    assert_eq!(info.anomalies[0].kind, AnomalyKind::Missing);
    // The rest of the answer still maps.
    assert_eq!(info.label, Reported::Known("v5 test".to_owned()));
}

#[tokio::test]
async fn request_is_signed_with_iso_timestamp_and_passphrase() {
    let sim = SimulatedExchange::start(ExchangeId::Okx, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim
        .builder()
        .clock(FixedClock::new(1_607_418_537_715))
        .build()
        .unwrap();
    adapter.key_info().await.unwrap();

    let requests = sim.received_requests().await;
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    let c = sim.credentials();
    assert_eq!(r.path, "/api/v5/account/config");
    assert_eq!(r.query, None);
    assert_eq!(r.header("ok-access-key"), Some(c.api_key()));
    assert_eq!(
        r.header("ok-access-timestamp"),
        Some("2020-12-08T09:08:57.715Z")
    );
    assert_eq!(
        r.header("ok-access-passphrase"),
        Some(c.passphrase().unwrap().expose_secret())
    );
    assert_eq!(
        r.header("ok-access-sign"),
        Some(
            hmac_base64(
                c.secret().expose_secret(),
                "2020-12-08T09:08:57.715ZGET/api/v5/account/config"
            )
            .as_str()
        )
    );
    assert_eq!(
        r.header("x-simulated-trading"),
        None,
        "production sends no demo header"
    );
}

#[tokio::test]
async fn demo_trading_sends_the_simulated_trading_header() {
    let sim = SimulatedExchange::start(ExchangeId::Okx, Scenario::Trading)
        .await
        .unwrap();
    let adapter = sim.builder().testnet(true).build().unwrap();
    adapter.key_info().await.unwrap();
    let requests = sim.received_requests().await;
    assert_eq!(requests[0].header("x-simulated-trading"), Some("1"));
}

#[test]
fn passphrase_is_required_at_build_time() {
    let err = ExchangeId::Okx
        .builder()
        .credentials(Credentials::new("k", "s"))
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }));
    assert!(err.to_string().contains("passphrase"), "{err}");
}

#[tokio::test]
async fn scenarios_map_to_what_they_describe() {
    let info = |scenario| async move {
        let sim = SimulatedExchange::start(ExchangeId::Okx, scenario)
            .await
            .unwrap();
        sim.adapter().unwrap().key_info().await
    };
    let read_only = info(Scenario::ReadOnly).await.unwrap();
    assert_eq!(read_only.is_read_only(), Reported::Known(true));
    assert_eq!(read_only.label, Reported::Known("portfolio-tracker".into()));
    let open = info(Scenario::NoIpRestriction).await.unwrap();
    assert_eq!(open.ip_restriction, IpRestriction::Unrestricted);

    let err = info(Scenario::InvalidKey).await.unwrap_err();
    assert_eq!(err.auth_reason(), Some(AuthReason::InvalidKey));
    assert_eq!(err.context().unwrap().code.as_deref(), Some("50111"));
    let err = info(Scenario::IpNotAllowed).await.unwrap_err();
    assert_eq!(err.auth_reason(), Some(AuthReason::IpNotAllowed));
    assert!(
        err.to_string()
            .contains("not included in your API key's IP whitelist"),
        "{err}"
    );
    let err = info(Scenario::RateLimited).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
}

#[tokio::test]
async fn documented_error_codes_map_to_reasons() {
    for (file, reason) in [
        ("error_bad_signature.json", AuthReason::BadSignature),
        ("error_bad_passphrase.json", AuthReason::BadPassphrase),
        ("error_ip_not_allowed.json", AuthReason::IpNotAllowed),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/v5/account/config"))
            .respond_with(ResponseTemplate::new(401).set_body_json(fixture("okx", file)))
            .mount(&server)
            .await;
        let adapter = builder_for(ExchangeId::Okx, &server).build().unwrap();
        let err = adapter.key_info().await.unwrap_err();
        assert_eq!(err.auth_reason(), Some(reason), "{file}: {err}");
    }
}

#[tokio::test]
async fn timestamp_error_resyncs_from_public_time() {
    let server = MockServer::start().await;
    answer_then(
        &server,
        "/api/v5/account/config",
        1,
        ResponseTemplate::new(401).set_body_json(fixture("okx", "error_timestamp.json")),
        ResponseTemplate::new(200).set_body_json(fixture("okx", "account_config.json")),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/api/v5/public/time"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("okx", "server_time.json")))
        .mount(&server)
        .await;
    let adapter = builder_for(ExchangeId::Okx, &server)
        .clock(FixedClock::new(1_597_026_383_085 - 45_000))
        .build()
        .unwrap();
    adapter.key_info().await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[2].headers.get("ok-access-timestamp").unwrap(),
        "2020-08-10T02:26:23.085Z"
    );
}

#[test]
fn sign_request_reproduces_the_reference_vector() {
    let credentials =
        Credentials::new("k", "22582BD0CFF14C41EDBF1AB98506286D").with_passphrase("p-1");
    let request = exchange_keys::UnsignedRequest {
        method: "GET",
        path: "/api/v5/account/config",
        query: "",
        body: "",
    };
    let signed = ExchangeId::Okx
        .sign_request(
            &credentials,
            exchange_keys::Environment::Demo,
            &request,
            1_607_418_537_715,
        )
        .unwrap();
    let header = |name: &str| {
        signed
            .headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(
        header("ok-access-sign"),
        Some("Kr/8IrbDYujS4cg2KkmB+tO2HMUXxyayG6ZwNb4H/yA=")
    );
    assert_eq!(
        header("ok-access-timestamp"),
        Some("2020-12-08T09:08:57.715Z")
    );
    assert_eq!(header("ok-access-passphrase"), Some("p-1"));
    assert_eq!(header("x-simulated-trading"), Some("1"));
    assert!(
        !format!("{signed:?}").contains("p-1"),
        "Debug hides header values"
    );
    let err = ExchangeId::Okx
        .sign_request(
            &Credentials::new("k", "s"),
            exchange_keys::Environment::Production,
            &request,
            0,
        )
        .unwrap_err();
    assert!(err.to_string().contains("passphrase"), "{err}");
}

#[test]
fn an_allowlist_of_every_address_is_unrestricted() {
    let mut account = documented_account();
    account["ip"] = "203.0.113.10,0.0.0.0/0".into();
    let info = okx::map_key_info(&account).unwrap();
    assert_eq!(info.ip_restriction, IpRestriction::Unrestricted);
}

#[tokio::test]
async fn an_absurd_server_time_is_refused_without_a_panic() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v5/account/config"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(fixture("okx", "error_timestamp.json")),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v5/public/time"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"code": "0", "msg": "", "data": [{"ts": "-9223372036854775808"}]}),
        ))
        .mount(&server)
        .await;
    let adapter = builder_for(ExchangeId::Okx, &server).build().unwrap();
    let err = adapter.key_info().await.unwrap_err();
    // The clock could not be corrected: the timestamp rejection is what the caller sees.
    assert_eq!(
        err.auth_reason(),
        Some(AuthReason::TimestampOutOfWindow),
        "{err}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_timestamp_format_error_is_not_mistaken_for_clock_skew() {
    let sim = SimulatedExchange::start(ExchangeId::Okx, Scenario::ReadOnly)
        .await
        .unwrap();
    sim.serve(CannedAnswer::with_status(
        401,
        fixture("okx", "error_timestamp_format.json"),
    ))
    .await;
    let err = sim.adapter().unwrap().key_info().await.unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err}");
    let paths: Vec<String> = sim
        .received_requests()
        .await
        .into_iter()
        .map(|r| r.path)
        .collect();
    assert_eq!(paths, ["/api/v5/account/config"], "no clock correction");
}

/// Whether an error is what a fixture should give.
type ErrorCheck = fn(&Error) -> bool;

#[tokio::test]
async fn codes_from_the_review_map_to_what_they_mean() {
    let sim = SimulatedExchange::start(ExchangeId::Okx, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    let cases: [(&str, ErrorCheck); 5] = [
        ("error_user_blocked.json", |e: &Error| {
            e.auth_reason() == Some(AuthReason::Disabled)
        }),
        ("error_too_frequent.json", |e: &Error| {
            matches!(
                e,
                Error::RateLimited {
                    ip_banned: false,
                    ..
                }
            )
        }),
        ("error_order_rate_limit.json", |e: &Error| {
            matches!(
                e,
                Error::RateLimited {
                    ip_banned: false,
                    ..
                }
            )
        }),
        ("error_ip_refused.json", |e: &Error| {
            e.auth_reason() == Some(AuthReason::IpNotAllowed)
        }),
        ("error_wrong_environment.json", |e: &Error| {
            e.auth_reason() == Some(AuthReason::WrongEnvironment)
        }),
    ];
    for (file, check) in cases {
        sim.serve(CannedAnswer::ok(fixture("okx", file))).await;
        let err = adapter.key_info().await.unwrap_err();
        assert!(check(&err), "{file}: {err}");
    }
    sim.serve(CannedAnswer::with_status(
        401,
        fixture("okx", "error_wrong_environment.json"),
    ))
    .await;
    let err = adapter.key_info().await.unwrap_err();
    assert!(
        err.to_string()
            .contains("a demo or testnet key on production, or the reverse"),
        "{err}"
    );
}

#[test]
fn an_unreadable_ip_list_is_not_a_restriction() {
    for ip in ["true", "none", "N/A", "0.0.0.0/0.0.0.0"] {
        let mut account = documented_account();
        account["ip"] = ip.into();
        let info = okx::map_key_info(&account).unwrap();
        assert_ne!(
            info.ip_restriction.is_restricted(),
            Reported::Known(true),
            "{ip}"
        );
    }
}

#[test]
fn an_answer_repeating_a_key_is_refused() {
    let body = r#"{"code":"0","msg":"","data":[{"perm":"read_only,withdraw","perm":"read_only","ip":"203.0.113.7","label":"x","uid":"1","mainUid":"1","type":"0"}]}"#;
    let err = ExchangeId::Okx
        .key_info_from_answer(200, body.as_bytes(), None)
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    assert!(err.to_string().contains("repeats the key `perm`"), "{err}");
}

//! Bybit: mapping of the documented answer, request signing, environments, scenarios and error
//! codes.
#![cfg(feature = "bybit")]

mod common;

use common::{at, builder_for, fixture, hmac_hex};
use exchange_keys::clock::FixedClock;
use exchange_keys::exchanges::bybit;
use exchange_keys::testkit::{Scenario, SimulatedExchange};
use exchange_keys::{
    AccountKind, AnomalyKind, AuthReason, Delegation, Environment, Error, ExchangeId, Expiry,
    Grant, IpEntry, IpRestriction, Permission, Reported,
};
use secrecy::ExposeSecret;

fn documented_result() -> serde_json::Value {
    fixture("bybit", "query_api.json")["result"].clone()
}

#[test]
fn documented_example_maps_field_by_field() {
    let result = documented_result();
    let info = bybit::map_key_info(&result).unwrap();
    let p = &info.permissions;
    assert_eq!(info.exchange, ExchangeId::Bybit);
    assert_eq!(p.get(&Permission::Read), Grant::Granted);
    // readOnly: 1 — the groups list rights, but the key cannot use any of them.
    for right in Permission::NORMALIZED.iter().skip(1) {
        assert_eq!(p.get(right), Grant::Denied, "{right}");
    }
    assert_eq!(p.get(&Permission::Other("Earn.Earn".into())), Grant::Denied);
    assert_eq!(info.is_read_only(), Reported::Known(true));
    assert!(p
        .vendor_granted
        .contains(&"Wallet.AccountTransfer".to_owned()));
    assert!(p.vendor_granted.contains(&"Spot.SpotTrade".to_owned()));
    assert_eq!(
        info.ip_restriction,
        IpRestriction::AllowList(vec![
            IpEntry::parse("18.181.170.164"),
            IpEntry::parse("13.212.45.47"),
            IpEntry::parse("13.212.45.48"),
        ])
    );
    assert_eq!(info.key_id, Reported::Known("XXXXXXXX".into()));
    assert_eq!(info.label, Reported::Known("testnet".into()));
    assert_eq!(info.created_at, Reported::Known(at("2025-10-13T03:20:45Z")));
    assert_eq!(
        info.expires_at,
        Reported::Known(Expiry::Never),
        "1970 sentinel"
    );
    assert_eq!(info.account, Reported::Known(AccountKind::Master));
    assert_eq!(info.enabled, Reported::Known(true));
    assert_eq!(info.last_used_at, Reported::NotReported);
    // The documented answer has an empty `secret`: nothing to scrub, so it stays as sent.
    assert_eq!(info.raw, result);
}

#[test]
fn read_write_key_maps_each_group() {
    let mut result = documented_result();
    result["readOnly"] = 0.into();
    result["permissions"]["Wallet"] = serde_json::json!(["AccountTransfer", "Withdraw"]);
    result["permissions"]["Options"] = serde_json::json!(["OptionsTrade"]);
    let info = bybit::map_key_info(&result).unwrap();
    let p = &info.permissions;
    assert_eq!(p.get(&Permission::SpotTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::FuturesTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::OptionsTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::Withdraw), Grant::Granted);
    assert_eq!(p.get(&Permission::UniversalTransfer), Grant::Granted);
    assert_eq!(p.get(&Permission::InternalTransfer), Grant::Denied);
    assert_eq!(p.get(&Permission::KeyManagement), Grant::Granted);
    assert_eq!(p.get(&Permission::SubAccountManagement), Grant::Granted);
    assert_eq!(
        p.get(&Permission::Other("Earn.Earn".into())),
        Grant::Granted
    );
}

#[test]
fn star_means_unrestricted_and_expiry_is_kept() {
    let mut result = documented_result();
    result["ips"] = serde_json::json!(["*"]);
    result["expiredAt"] = "2026-01-11T03:20:45Z".into();
    result["isMaster"] = false.into();
    let info = bybit::map_key_info(&result).unwrap();
    assert_eq!(info.ip_restriction, IpRestriction::Unrestricted);
    assert_eq!(
        info.expires_at,
        Reported::Known(Expiry::At(at("2026-01-11T03:20:45Z")))
    );
    assert_eq!(info.account, Reported::Known(AccountKind::SubAccount));
}

#[test]
fn read_only_as_boolean_is_accepted_and_other_numbers_are_an_anomaly() {
    let mut result = documented_result();
    result["readOnly"] = true.into();
    let info = bybit::map_key_info(&result).unwrap();
    assert_eq!(info.is_read_only(), Reported::Known(true));
    assert!(info.anomalies.is_empty());

    result["readOnly"] = 7.into();
    let info = bybit::map_key_info(&result).unwrap();
    // The groups list rights a read-only key lists too: without the flag, they are unknown.
    assert_eq!(
        info.permissions.get(&Permission::SpotTrade),
        Grant::NotReported
    );
    assert_eq!(info.permissions.get(&Permission::Withdraw), Grant::Denied);
    assert_eq!(info.anomalies.len(), 1);
    assert_eq!(info.anomalies[0].kind, AnomalyKind::Invalid);
    assert!(info.anomalies[0].to_string().contains("readOnly"));
}

#[test]
fn echoed_secret_is_scrubbed_from_evidence() {
    let mut result = documented_result();
    result["secret"] = "echoed-secret-value".into();
    let info = bybit::map_key_info(&result).unwrap();
    assert_eq!(info.raw["secret"], "[redacted]");
    assert!(!serde_json::to_string(&info)
        .unwrap()
        .contains("echoed-secret-value"));
}

#[test]
fn bad_created_at_is_an_anomaly_and_the_rest_maps() {
    let mut result = documented_result();
    result["createdAt"] = "13/10/2025".into();
    let info = bybit::map_key_info(&result).unwrap();
    assert_eq!(info.created_at, Reported::NotReported);
    assert_eq!(info.key_id, Reported::Known("XXXXXXXX".into()));
    assert_eq!(info.anomalies[0].field, "createdAt");
    assert_eq!(info.anomalies[0].kind, AnomalyKind::Invalid);
}

#[tokio::test]
async fn request_is_signed_as_bybit_documents() {
    let sim = SimulatedExchange::start(ExchangeId::Bybit, Scenario::Trading)
        .await
        .unwrap();
    let adapter = sim
        .builder()
        .clock(FixedClock::new(1_658_384_314_791))
        .build()
        .unwrap();
    adapter.key_info().await.unwrap();
    let requests = sim.received_requests().await;
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    let c = sim.credentials();
    assert_eq!(r.path, "/v5/user/query-api");
    assert_eq!(r.header("x-bapi-api-key"), Some(c.api_key()));
    assert_eq!(r.header("x-bapi-timestamp"), Some("1658384314791"));
    assert_eq!(r.header("x-bapi-recv-window"), Some("5000"));
    let expected = hmac_hex(c.secret().expose_secret(), "1658384314791XXXXXXXXXX5000");
    assert_eq!(r.header("x-bapi-sign"), Some(expected.as_str()));
    // The reference vector for this exact request (shared/reference, Bybit §3.2).
    assert_eq!(
        expected,
        "7cfa888ea913bd4bde77a987c5a818c6b17afcbfc0c094bc9d4ec5edf82f35a1"
    );
}

#[tokio::test]
async fn scenarios_map_to_what_they_describe() {
    let info = |scenario| async move {
        let sim = SimulatedExchange::start(ExchangeId::Bybit, scenario)
            .await
            .unwrap();
        sim.adapter().unwrap().key_info().await
    };
    let withdraw = info(Scenario::WithdrawEnabled).await.unwrap();
    assert_eq!(withdraw.can_withdraw(), Grant::Granted);
    assert_eq!(withdraw.label, Reported::Known("treasury".into()));
    let open = info(Scenario::NoIpRestriction).await.unwrap();
    assert_eq!(open.ip_restriction, IpRestriction::Unrestricted);
    assert_eq!(
        open.expires_at,
        Reported::Known(Expiry::At(at("2026-12-30T00:00:00Z")))
    );
    assert_eq!(open.label, Reported::Known(String::new()));

    for (scenario, reason, code) in [
        (Scenario::Expired, AuthReason::Expired, "33004"),
        (Scenario::InvalidKey, AuthReason::InvalidKey, "10003"),
        (Scenario::IpNotAllowed, AuthReason::IpNotAllowed, "10010"),
    ] {
        let err = info(scenario).await.unwrap_err();
        assert_eq!(err.auth_reason(), Some(reason), "{err}");
        let context = err.context().unwrap();
        assert_eq!(context.code.as_deref(), Some(code));
        assert_eq!(
            context.http_status,
            Some(200),
            "Bybit sends errors with HTTP 200"
        );
    }
    let err = info(Scenario::RateLimited).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
}

#[test]
fn environments_pick_their_hosts() {
    let credentials = exchange_keys::testkit::credentials(ExchangeId::Bybit).unwrap();
    for (environment, host) in [
        (Environment::Production, "https://api.bybit.com"),
        (Environment::Testnet, "https://api-testnet.bybit.com"),
        (Environment::Demo, "https://api-demo.bybit.com"),
    ] {
        let adapter = ExchangeId::Bybit
            .builder()
            .credentials(credentials.clone())
            .environment(environment)
            .build()
            .unwrap();
        let debug = format!("{adapter:?}");
        assert!(debug.contains(host), "{debug}");
    }
}

#[test]
fn sign_request_reproduces_the_reference_vector() {
    let credentials = exchange_keys::testkit::credentials(ExchangeId::Bybit).unwrap();
    let signed = ExchangeId::Bybit
        .sign_request(
            &credentials,
            Environment::Production,
            &exchange_keys::UnsignedRequest {
                method: "GET",
                path: "/v5/user/query-api",
                query: "",
                body: "",
            },
            1_658_384_314_791,
        )
        .unwrap();
    assert!(signed.headers.contains(&(
        "x-bapi-sign",
        "7cfa888ea913bd4bde77a987c5a818c6b17afcbfc0c094bc9d4ec5edf82f35a1".to_owned()
    )));
    assert_eq!(signed.query, "");
}

#[test]
fn absent_groups_and_master_flag_are_not_reported_not_denied() {
    let mut result = documented_result();
    result["readOnly"] = 0.into();
    let permissions = result["permissions"].as_object_mut().unwrap();
    permissions.remove("Wallet");
    permissions.remove("Options");
    result.as_object_mut().unwrap().remove("isMaster");
    let info = bybit::map_key_info(&result).unwrap();
    let p = &info.permissions;
    assert_eq!(p.get(&Permission::Withdraw), Grant::NotReported);
    assert_eq!(p.get(&Permission::OptionsTrade), Grant::NotReported);
    assert_eq!(p.get(&Permission::KeyManagement), Grant::NotReported);
    assert_eq!(p.get(&Permission::SubAccountManagement), Grant::NotReported);
    assert_eq!(info.account, Reported::NotReported);
    // A listed group without the item is an explicit no.
    result["permissions"]["Wallet"] = serde_json::json!(["AccountTransfer"]);
    let info = bybit::map_key_info(&result).unwrap();
    assert_eq!(info.permissions.get(&Permission::Withdraw), Grant::Denied);
    assert_eq!(
        info.permissions.get(&Permission::KeyManagement),
        Grant::Granted
    );
    assert_eq!(
        info.permissions.get(&Permission::SubAccountManagement),
        Grant::NotReported
    );
}

#[test]
fn margin_follows_spot_trading_and_is_otherwise_unknown() {
    let mut result = documented_result();
    result["readOnly"] = 0.into();
    let info = bybit::map_key_info(&result).unwrap();
    assert_eq!(
        info.permissions.get(&Permission::MarginTrade),
        Grant::Granted
    );
    result["permissions"]["Spot"] = serde_json::json!([]);
    let info = bybit::map_key_info(&result).unwrap();
    assert_eq!(info.permissions.get(&Permission::SpotTrade), Grant::Denied);
    assert_eq!(
        info.permissions.get(&Permission::MarginTrade),
        Grant::NotReported
    );
}

#[tokio::test]
async fn forbidden_403_is_an_ip_ban_and_is_not_retried() {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(
            wiremock::ResponseTemplate::new(403)
                .set_body_raw("<html><body>access too frequent</body></html>", "text/html"),
        )
        .mount(&server)
        .await;
    let adapter = builder_for(ExchangeId::Bybit, &server).build().unwrap();
    let err = adapter.key_info().await.unwrap_err();
    match &err {
        Error::RateLimited {
            ip_banned,
            retry_after,
            ..
        } => {
            assert!(*ip_banned);
            assert_eq!(*retry_after, Some(std::time::Duration::from_secs(600)));
        }
        other => panic!("expected an IP ban, got {other}"),
    }
    assert!(!err.is_retryable());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

fn with_groups(groups: serde_json::Value) -> serde_json::Value {
    let mut result = documented_result();
    result["readOnly"] = 0.into();
    let all = result["permissions"].as_object_mut().unwrap();
    for (_, items) in all.iter_mut() {
        *items = serde_json::json!([]);
    }
    for (name, items) in groups.as_object().unwrap() {
        all.insert(name.clone(), items.clone());
    }
    result
}

#[test]
fn usdc_contract_options_group_trades_perpetual_futures() {
    let info = bybit::map_key_info(&with_groups(
        serde_json::json!({"Options": ["OptionsTrade"]}),
    ))
    .unwrap();
    assert_eq!(
        info.permissions.get(&Permission::OptionsTrade),
        Grant::Granted
    );
    // "Permission of USDC Contract. It supports trade option and USDC perpetual."
    assert_eq!(
        info.permissions.get(&Permission::FuturesTrade),
        Grant::Granted
    );
    let none = bybit::map_key_info(&with_groups(serde_json::json!({}))).unwrap();
    assert_eq!(
        none.permissions.get(&Permission::FuturesTrade),
        Grant::Denied
    );
}

#[test]
fn fiat_groups_pay_other_parties() {
    for group in [
        "FiatP2P",
        "FiatBitPay",
        "FiatBybitPay",
        "FiatConvertBroker",
        "FiatGlobalPay",
        "BitCard",
    ] {
        let info =
            bybit::map_key_info(&with_groups(serde_json::json!({ group: ["AnyItem"] }))).unwrap();
        assert_eq!(
            info.permissions.get(&Permission::Payment),
            Grant::Granted,
            "{group}"
        );
        assert!(Permission::Payment.moves_funds());
        assert_eq!(info.can_move_funds(), Grant::Granted, "{group}");
        assert_eq!(info.can_pay_out(), Grant::Granted, "{group}");
        assert_eq!(info.is_read_only(), Reported::Known(false), "{group}");
    }
    // Every documented payment group listed empty: no payment right.
    let none = bybit::map_key_info(&with_groups(serde_json::json!({}))).unwrap();
    assert_eq!(none.permissions.get(&Permission::Payment), Grant::Denied);
    assert_eq!(none.can_pay_out(), Grant::Denied);
    // A payment group missing from the answer: unknown.
    let mut partial = with_groups(serde_json::json!({}));
    partial["permissions"]
        .as_object_mut()
        .unwrap()
        .remove("BitCard");
    let info = bybit::map_key_info(&partial).unwrap();
    assert_eq!(
        info.permissions.get(&Permission::Payment),
        Grant::NotReported
    );
}

#[test]
fn a_new_payment_like_group_is_payment_and_is_listed() {
    let info = bybit::map_key_info(&with_groups(
        serde_json::json!({"FiatInstantPay": ["Order"]}),
    ))
    .unwrap();
    assert_eq!(info.permissions.get(&Permission::Payment), Grant::Granted);
    assert_eq!(info.anomalies[0].field, "permissions.FiatInstantPay");
    assert_eq!(info.anomalies[0].kind, AnomalyKind::Unrecognized);
}

#[test]
fn third_party_app_keys_say_so() {
    let mut result = documented_result();
    result["type"] = 2.into();
    let info = bybit::map_key_info(&result).unwrap();
    assert_eq!(info.delegation, Reported::Known(Delegation::ThirdPartyApp));
    result["type"] = 1.into();
    let info = bybit::map_key_info(&result).unwrap();
    assert_eq!(info.delegation, Reported::Known(Delegation::None));
}

#[test]
fn an_unknown_item_leaves_no_write_right_denied() {
    let info = bybit::map_key_info(&with_groups(
        serde_json::json!({"Wallet": ["AccountTransfer", "CryptoLoan"]}),
    ))
    .unwrap();
    let p = &info.permissions;
    assert_eq!(p.get(&Permission::UniversalTransfer), Grant::Granted);
    // Without the unknown item these would be denied.
    for right in [
        Permission::Withdraw,
        Permission::InternalTransfer,
        Permission::SpotTrade,
        Permission::Payment,
    ] {
        assert_eq!(p.get(&right), Grant::NotReported, "{right}");
    }
    assert_eq!(
        p.get(&Permission::Other("Wallet.CryptoLoan".into())),
        Grant::Granted
    );
    assert_eq!(info.anomalies.len(), 1);
}

#[test]
fn an_unknown_group_leaves_no_write_right_denied_and_case_is_ignored() {
    let info = bybit::map_key_info(&with_groups(serde_json::json!({
        " spot ": ["spottrade"],
        "WalletV2": ["Withdraw"]
    })))
    .unwrap();
    let p = &info.permissions;
    assert_eq!(
        p.get(&Permission::SpotTrade),
        Grant::Granted,
        "names ignore case and padding"
    );
    assert_eq!(
        p.get(&Permission::Other("WalletV2.Withdraw".into())),
        Grant::Granted
    );
    // `Wallet` is listed without the withdraw item, but `WalletV2` may well grant it.
    assert_eq!(p.get(&Permission::Withdraw), Grant::NotReported);
    assert_eq!(p.get(&Permission::KeyManagement), Grant::NotReported);
    let unknown: Vec<&str> = info.anomalies.iter().map(|a| a.field.as_str()).collect();
    assert_eq!(unknown, ["permissions.WalletV2"]);
    // An unknown group listed empty grants nothing.
    let empty = bybit::map_key_info(&with_groups(serde_json::json!({"Lending": []}))).unwrap();
    assert_eq!(empty.can_withdraw(), Grant::Denied);
    assert_eq!(empty.anomalies.len(), 1);
}

#[test]
fn an_unreadable_group_leaves_no_write_right_denied() {
    for value in [
        serde_json::json!("Withdraw"),
        serde_json::json!({"a": 1}),
        serde_json::json!([["Withdraw"]]),
    ] {
        let info =
            bybit::map_key_info(&with_groups(serde_json::json!({ "Wallet": value }))).unwrap();
        for right in Permission::WRITE {
            assert_ne!(
                info.permissions.get(&right),
                Grant::Denied,
                "{right}: {value}"
            );
        }
        assert_eq!(info.anomalies[0].kind, AnomalyKind::Invalid);
    }
}

#[test]
fn a_missing_group_is_unknown_not_denied() {
    let mut result = with_groups(serde_json::json!({}));
    result["permissions"]
        .as_object_mut()
        .unwrap()
        .remove("Wallet");
    let info = bybit::map_key_info(&result).unwrap();
    assert_eq!(info.can_withdraw(), Grant::NotReported);
    assert_eq!(info.permissions.get(&Permission::SpotTrade), Grant::Denied);
}

/// Whether an error is what a fixture should give.
type ErrorCheck = fn(&Error) -> bool;

#[tokio::test]
async fn codes_from_the_review_map_to_what_they_mean() {
    let sim = SimulatedExchange::start(ExchangeId::Bybit, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    let cases: [(&str, ErrorCheck); 5] = [
        ("error_account_banned.json", |e: &Error| {
            e.auth_reason() == Some(AuthReason::Disabled)
        }),
        ("error_region_restricted.json", |e: &Error| {
            e.auth_reason() == Some(AuthReason::IpNotAllowed)
        }),
        ("error_transactions_banned.json", |e: &Error| {
            e.auth_reason() == Some(AuthReason::Disabled)
        }),
        ("error_frequency_protection.json", |e: &Error| {
            matches!(
                e,
                Error::RateLimited {
                    ip_banned: false,
                    ..
                }
            )
        }),
        ("error_high_load.json", |e: &Error| {
            matches!(e, Error::Unavailable { .. }) && e.is_retryable()
        }),
    ];
    for (file, check) in cases {
        sim.serve(exchange_keys::testkit::CannedAnswer::ok(fixture(
            "bybit", file,
        )))
        .await;
        let err = adapter.key_info().await.unwrap_err();
        assert!(check(&err), "{file}: {err}");
    }
}

#[test]
fn an_ips_element_holding_a_list_is_split_by_the_shared_parser() {
    let mut result = documented_result();
    result["ips"] = serde_json::json!(["203.0.113.7,*"]);
    let info = bybit::map_key_info(&result).unwrap();
    assert_eq!(info.ip_restriction, IpRestriction::Unrestricted);
    result["ips"] = serde_json::json!(["203.0.113.7", "any"]);
    let info = bybit::map_key_info(&result).unwrap();
    assert_eq!(info.ip_restriction, IpRestriction::NotReported);
    assert_eq!(info.anomalies[0].field, "ips");
}

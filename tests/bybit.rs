//! Bybit: mapping of the documented answer, request signing, environments, scenarios and error
//! codes.
#![cfg(feature = "bybit")]

mod common;

use common::{at, builder_for, fixture, hmac_hex, mount, mount_expecting_one, scenario_key_info};
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
    let info = |scenario| scenario_key_info(ExchangeId::Bybit, scenario);
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

// ---------------------------------------------------------------------------------------------
// Sub-account keys, managed from the master key (docs/v5/user/*.mdx).
// ---------------------------------------------------------------------------------------------

mod management {
    use super::*;
    use exchange_keys::{Capabilities, KeyChange, KeyRef, NewKeySpec, RevokeConfirm, Support};
    use serde_json::{json, Value};
    use wiremock::matchers::{method, path, query_param};
    use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

    const TS: i64 = 1_658_384_314_791;

    async fn sim(scenario: Scenario) -> SimulatedExchange {
        SimulatedExchange::start(ExchangeId::Bybit, scenario)
            .await
            .unwrap()
    }

    fn ok(file: &str) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(fixture("bybit", file))
    }

    fn body(result: Value) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(json!({
            "retCode": 0, "retMsg": "", "result": result, "retExtInfo": {}, "time": 1_699_515_251_698_i64
        }))
    }

    /// A key of sub-account `53888000` (the UID of Bybit's create-sub-api example).
    fn spec(permissions: Vec<Permission>) -> NewKeySpec {
        NewKeySpec::new("grid-bot", permissions)
            .allowed_ips(["203.0.113.7", "203.0.113.8"])
            .sub_account("53888000")
    }

    /// The documented sub-apikeys entry, patched.
    fn listed_entry(changes: Value) -> Value {
        let mut entry = fixture("bybit", "sub_apikeys.json")["result"]["result"][0].clone();
        if let (Some(entry), Value::Object(changes)) = (entry.as_object_mut(), changes) {
            entry.extend(changes);
        }
        entry
    }

    fn every_sub_group(granted: Value) -> Value {
        let mut all = json!({
            "ContractTrade": [], "Spot": [], "Wallet": [], "Options": [], "Exchange": [],
            "Earn": []
        });
        if let (Some(all), Value::Object(granted)) = (all.as_object_mut(), granted) {
            all.extend(granted);
        }
        all
    }

    #[test]
    fn master_keys_manage_sub_account_keys_except_on_the_demo_host() {
        let production = ExchangeId::Bybit.capabilities().unwrap();
        for support in [
            production.create_key,
            production.list_keys,
            production.revoke,
            production.update_key,
            production.revoke_own,
        ] {
            assert_eq!(support, Support::Native);
        }
        assert_eq!(production.set_key_enabled, Support::Unsupported);
        assert_eq!(production.reset_secret, Support::Unsupported);
        let credentials = exchange_keys::testkit::credentials(ExchangeId::Bybit).unwrap();
        let demo: Capabilities = ExchangeId::Bybit
            .builder()
            .environment(Environment::Demo)
            .credentials(credentials)
            .build()
            .unwrap()
            .capabilities();
        assert_eq!(demo.create_key, Support::Unsupported);
        assert_eq!(demo.list_keys, Support::Unsupported);
        assert_eq!(demo.update_key, Support::Unsupported);
        assert_eq!(demo.revoke, Support::Unsupported);
        use exchange_keys::Operation;
        let step = |operation| ExchangeId::Bybit.manual_step(operation);
        assert!(step(Operation::SetKeyEnabled).contains("delete the key"));
        assert!(step(Operation::ResetSecret).contains("create a new key"));
        assert!(step(Operation::CreateKey).contains("production master key"));
        for operation in [Operation::Revoke, Operation::CreateKey, Operation::ListKeys] {
            assert!(
                !step(operation).contains("not yet implemented"),
                "{operation:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_created_key_is_signed_shaped_as_documented_and_listed_bound_before_it_is_handed_over(
    ) {
        let sim = sim(Scenario::WithdrawEnabled).await;
        let adapter = sim.builder().clock(FixedClock::new(TS)).build().unwrap();
        let created = adapter
            .create_key(&spec(vec![
                Permission::Read,
                Permission::SpotTrade,
                Permission::FuturesTrade,
            ]))
            .await
            .unwrap();
        let requests = sim.received_requests().await;
        let calls: Vec<(&str, &str)> = requests
            .iter()
            .map(|r| (r.method.as_str(), r.path.as_str()))
            .collect();
        assert_eq!(
            calls,
            [
                ("POST", "/v5/user/create-sub-api"),
                ("GET", "/v5/user/sub-apikeys")
            ]
        );
        let create = &requests[0];
        assert_eq!(
            create.json_body(),
            json!({
                "subuid": 53_888_000, "note": "grid-bot", "readOnly": 0,
                "ips": "203.0.113.7,203.0.113.8",
                "permissions": every_sub_group(json!({
                    "Spot": ["SpotTrade"], "ContractTrade": ["Order", "Position"]
                }))
            })
        );
        let c = sim.credentials();
        assert_eq!(create.header("x-bapi-api-key"), Some(c.api_key()));
        assert_eq!(create.header("x-bapi-timestamp"), Some("1658384314791"));
        assert_eq!(create.header("content-type"), Some("application/json"));
        let expected = hmac_hex(
            c.secret().expose_secret(),
            &format!("1658384314791XXXXXXXXXX5000{}", create.body),
        );
        assert_eq!(create.header("x-bapi-sign"), Some(expected.as_str()));
        let check = &requests[1];
        assert_eq!(
            check.query.as_deref(),
            Some("subMemberId=53888000&limit=20")
        );
        let expected = hmac_hex(
            c.secret().expose_secret(),
            "1658384314791XXXXXXXXXX5000subMemberId=53888000&limit=20",
        );
        assert_eq!(check.header("x-bapi-sign"), Some(expected.as_str()));

        let held = sim
            .with_state(|state| state.secret_of(&created.api_key))
            .flatten()
            .unwrap();
        assert_eq!(created.secret.expose_secret(), held);
        assert!(!format!("{created:?}").contains(&held));

        let listed = adapter.list_keys().await.unwrap();
        let new = listed
            .iter()
            .find(|k| k.key_id == Reported::Known(created.api_key.clone()))
            .unwrap();
        assert_eq!(new.account, Reported::Known(AccountKind::SubAccount));
        assert_eq!(new.label, Reported::Known("grid-bot".into()));
        assert_eq!(new.permissions.get(&Permission::SpotTrade), Grant::Granted);
        assert_eq!(
            new.permissions.get(&Permission::FuturesTrade),
            Grant::Granted
        );
        for denied in [
            Permission::Withdraw,
            Permission::UniversalTransfer,
            Permission::KeyManagement,
            Permission::SubAccountManagement,
            Permission::Payment,
        ] {
            assert_eq!(new.permissions.get(&denied), Grant::Denied, "{denied}");
        }
        assert_eq!(
            new.ip_restriction,
            IpRestriction::AllowList(vec![
                IpEntry::parse("203.0.113.7"),
                IpEntry::parse("203.0.113.8")
            ])
        );
        assert!(!format!("{listed:?}").contains(&held));
    }

    #[tokio::test]
    async fn a_read_only_key_is_created_read_only_with_the_groups_it_reads() {
        let sim = sim(Scenario::WithdrawEnabled).await;
        let adapter = sim.adapter().unwrap();
        let created = adapter
            .create_key(&spec(vec![Permission::Read]))
            .await
            .unwrap();
        let requests = sim.received_requests().await;
        let sent = requests[0].json_body();
        assert_eq!(sent["readOnly"], 1);
        assert_eq!(
            sent["permissions"],
            every_sub_group(json!({
                "ContractTrade": ["Order", "Position"], "Spot": ["SpotTrade"],
                "Options": ["OptionsTrade"]
            }))
        );
        let listed = adapter.list_keys().await.unwrap();
        let new = listed
            .iter()
            .find(|k| k.key_id == Reported::Known(created.api_key.clone()))
            .unwrap();
        assert_eq!(new.is_read_only(), Reported::Known(true));
    }

    #[tokio::test]
    async fn transfer_rights_come_with_key_management_and_exchange_and_earn_by_their_names() {
        let sim = sim(Scenario::WithdrawEnabled).await;
        let adapter = sim.adapter().unwrap();
        adapter
            .create_key(&spec(vec![
                Permission::UniversalTransfer,
                Permission::InternalTransfer,
                Permission::KeyManagement,
                Permission::MarginTrade,
                Permission::Other("exchange.exchangehistory".into()),
                Permission::Other("Earn.Earn".into()),
            ]))
            .await
            .unwrap();
        let sent = sim.received_requests().await[0].json_body();
        assert_eq!(sent["readOnly"], 0);
        assert_eq!(
            sent["permissions"],
            every_sub_group(json!({
                "Wallet": ["AccountTransfer", "SubMemberTransferList"],
                "Spot": ["SpotTrade"], "Exchange": ["ExchangeHistory"], "Earn": ["Earn"]
            }))
        );
    }

    #[tokio::test]
    async fn what_a_bybit_sub_key_cannot_take_is_refused_before_anything_is_sent() {
        let sim = sim(Scenario::WithdrawEnabled).await;
        let adapter = sim.adapter().unwrap();
        let read = || vec![Permission::Read];
        let cases = [
            (
                NewKeySpec::new("bot", read()).allowed_ips(["203.0.113.7"]),
                "sub_account",
            ),
            (
                spec(read()).sub_account("sub-one"),
                "not a Bybit sub-account UID",
            ),
            (spec(vec![Permission::Withdraw]), "cannot withdraw"),
            (
                spec(vec![Permission::SubAccountManagement]),
                "cannot manage sub-accounts",
            ),
            (spec(vec![Permission::Payment]), "not applicable"),
            (spec(vec![Permission::Other("staking".into())]), "staking"),
            (
                spec(vec![Permission::UniversalTransfer]),
                "KeyManagement too",
            ),
            (spec(vec![Permission::KeyManagement]), "Transfer too"),
            (spec(Vec::new()), "at least Permission::Read"),
            (
                NewKeySpec::new("bot", read()).sub_account("53888000"),
                "addresses",
            ),
            (
                spec(read()).allowed_ips(["*"]).sub_account("53888000"),
                "wildcard",
            ),
        ];
        for (spec, why) in cases {
            let err = adapter.create_key(&spec).await.unwrap_err();
            assert!(matches!(err, Error::Config { .. }), "{spec:?}: {err}");
            assert!(err.to_string().contains(why), "{spec:?}: {err}");
        }
        assert!(sim.received_requests().await.is_empty());
    }

    /// Bybit's documented answers: the create answer shows no `ips`, and the documented list
    /// does not hold the new key.
    async fn documented_server(delete: ResponseTemplate, sub_keys: ResponseTemplate) -> MockServer {
        let server = MockServer::start().await;
        mount_expecting_one(
            &server,
            "POST",
            "/v5/user/create-sub-api",
            ok("create_sub_api.json"),
        )
        .await;
        mount(&server, "GET", "/v5/user/sub-apikeys", sub_keys).await;
        mount_expecting_one(&server, "POST", "/v5/user/delete-sub-api", delete).await;
        server
    }

    /// The secret of Bybit's documented create answer.
    const DOCUMENTED_NEW_SECRET: &str = "xxxxxxxx";

    #[tokio::test]
    async fn a_new_key_bybit_does_not_list_is_deleted_not_handed_over() {
        let server = documented_server(ok("delete_sub_api.json"), ok("sub_apikeys.json")).await;
        let adapter = builder_for(ExchangeId::Bybit, &server).build().unwrap();
        let err = adapter
            .create_key(&spec(vec![Permission::Read]))
            .await
            .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(matches!(err, Error::Rejected { .. }), "{text}");
        assert!(text.contains("was deleted"), "{text}");
        assert!(text.contains("does not show the new key"), "{text}");
        assert!(!text.contains(DOCUMENTED_NEW_SECRET), "{text}");
        let requests = server.received_requests().await.unwrap();
        let deletion = requests.last().unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&deletion.body).unwrap(),
            json!({ "apikey": "xxxxx" }),
            "the new key, by its apikey"
        );
    }

    #[tokio::test]
    async fn a_new_key_listed_unbound_is_deleted_and_a_failed_deletion_is_outcome_unknown() {
        let unbound = body(json!({
            "result": [listed_entry(json!({ "apiKey": "xxxxx", "ips": ["*"] }))],
            "nextPageCursor": ""
        }));
        let server = documented_server(ok("delete_sub_api.json"), unbound.clone()).await;
        let adapter = builder_for(ExchangeId::Bybit, &server).build().unwrap();
        let err = adapter
            .create_key(&spec(vec![Permission::Read]))
            .await
            .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(
            text.contains("not to exactly 203.0.113.7, 203.0.113.8"),
            "{text}"
        );
        assert!(text.contains("was deleted"), "{text}");

        let server = documented_server(ResponseTemplate::new(503), unbound).await;
        let adapter = builder_for(ExchangeId::Bybit, &server).build().unwrap();
        let err = adapter
            .create_key(&spec(vec![Permission::Read]))
            .await
            .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(err.is_outcome_unknown() && !err.is_retryable(), "{text}");
        assert!(text.contains("deleting the new key xxxxx"), "{text}");
        assert!(!text.contains(DOCUMENTED_NEW_SECRET), "{text}");
    }

    #[tokio::test]
    async fn create_refusals_say_what_the_master_key_needs() {
        for (file, check) in [
            ("error_permission_denied.json", AuthReason::PermissionDenied),
            ("error_ip_not_allowed.json", AuthReason::IpNotAllowed),
            ("error_expired.json", AuthReason::Expired),
            ("error_invalid_key.json", AuthReason::InvalidKey),
        ] {
            let server = MockServer::start().await;
            mount_expecting_one(&server, "POST", "/v5/user/create-sub-api", ok(file)).await;
            let adapter = builder_for(ExchangeId::Bybit, &server).build().unwrap();
            let err = adapter
                .create_key(&spec(vec![Permission::Read]))
                .await
                .unwrap_err();
            assert_eq!(err.auth_reason(), Some(check), "{file}: {err}");
            if check == AuthReason::PermissionDenied {
                assert!(
                    err.to_string()
                        .contains("create-sub-api needs a master key holding Account Transfer"),
                    "{err}"
                );
            }
        }
    }

    #[tokio::test]
    async fn a_create_answered_with_5xx_is_outcome_unknown_sent_once_and_says_where_to_look() {
        let server = MockServer::start().await;
        mount_expecting_one(
            &server,
            "POST",
            "/v5/user/create-sub-api",
            ResponseTemplate::new(502),
        )
        .await;
        let adapter = builder_for(ExchangeId::Bybit, &server).build().unwrap();
        let err = adapter
            .create_key(&spec(vec![Permission::Read]))
            .await
            .unwrap_err();
        assert!(err.is_outcome_unknown() && !err.is_retryable(), "{err}");
        assert!(err.to_string().contains("sub-account 53888000"), "{err}");
    }

    #[tokio::test]
    async fn an_address_change_keeps_the_read_only_flag_and_sends_every_field_bybit_defaults() {
        let sim = sim(Scenario::WithdrawEnabled).await;
        let adapter = sim.adapter().unwrap();
        let created = adapter
            .create_key(&spec(vec![Permission::Read]))
            .await
            .unwrap();
        let before = sim.received_requests().await.len();
        adapter
            .update_key(
                KeyRef::other(created.api_key.clone()),
                &KeyChange::new().allowed_ips(["203.0.113.9"]),
            )
            .await
            .unwrap();
        let requests = sim.received_requests().await;
        let update = requests.last().unwrap();
        assert_eq!(update.path, "/v5/user/update-sub-api");
        // Bybit reads an absent readOnly as read-write and absent ips as unbound: both are
        // sent, the read-only flag as the key's own; its permissions are left alone.
        assert_eq!(
            update.json_body(),
            json!({ "apikey": created.api_key, "readOnly": 1, "ips": "203.0.113.9" })
        );
        let looked_up: Vec<&str> = requests[before..requests.len() - 1]
            .iter()
            .map(|r| r.path.as_str())
            .collect();
        assert_eq!(looked_up[0], "/v5/user/query-sub-members");
        assert!(looked_up[1..].iter().all(|p| *p == "/v5/user/sub-apikeys"));
        let held = sim
            .with_state(|state| state.key(&created.api_key).cloned())
            .flatten()
            .unwrap();
        assert_eq!(held.ips, ["203.0.113.9"]);
        assert!(held.permissions.contains(&"Spot.SpotTrade".to_owned()));

        // Permissions and addresses both named, with the sub-account: no lookup.
        let before = sim.received_requests().await.len();
        adapter
            .update_key(
                KeyRef::sub_account_key(created.api_key.clone(), "53888000"),
                &KeyChange::new()
                    .permissions(vec![Permission::Read, Permission::OptionsTrade])
                    .allowed_ips(["203.0.113.10"]),
            )
            .await
            .unwrap();
        let requests = sim.received_requests().await;
        assert_eq!(requests.len(), before + 1);
        assert_eq!(
            requests[before].json_body(),
            json!({
                "apikey": created.api_key, "readOnly": 0, "ips": "203.0.113.10",
                "permissions": every_sub_group(json!({ "Options": ["OptionsTrade"] }))
            })
        );
    }

    #[tokio::test]
    async fn updates_bybit_cannot_or_should_not_make_are_refused_before_anything_is_sent() {
        let sim = sim(Scenario::WithdrawEnabled).await;
        let adapter = sim.adapter().unwrap();
        let created = adapter
            .create_key(&spec(vec![Permission::Read]))
            .await
            .unwrap();
        let other = || KeyRef::other(created.api_key.clone());
        let sent = sim.received_requests().await.len();
        let err = adapter
            .update_key(other(), &KeyChange::new().label("renamed"))
            .await
            .unwrap_err();
        assert!(err.is_unsupported(), "{err}");
        assert!(err.to_string().contains("note"), "{err}");
        let err = adapter
            .update_key(KeyRef::Own, &KeyChange::new().allowed_ips(["203.0.113.9"]))
            .await
            .unwrap_err();
        assert!(err.is_unsupported(), "{err}");
        assert!(err.to_string().contains("bybit.com"), "{err}");
        let err = adapter
            .update_key(
                other(),
                &KeyChange::new().permissions(vec![Permission::Withdraw]),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err}");
        let err = adapter
            .update_key(
                KeyRef::sub_account_key(created.api_key.clone(), "sub-one"),
                &KeyChange::new().allowed_ips(["203.0.113.9"]),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err}");
        assert_eq!(sim.received_requests().await.len(), sent);

        // A key bound to no address: a permission change alone would have to send "*".
        sim.with_state(|state| {
            if let Some(key) = state.key_mut(&created.api_key) {
                key.ips.clear();
            }
        });
        let err = adapter
            .update_key(
                other(),
                &KeyChange::new().permissions(vec![Permission::Read]),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err}");
        assert!(err.to_string().contains("allowed_ips"), "{err}");
        let err = adapter
            .update_key(
                KeyRef::other("NotAKeyOfAnySub"),
                &KeyChange::new().allowed_ips(["203.0.113.9"]),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err}");
        let writes = sim
            .received_requests()
            .await
            .iter()
            .filter(|r| r.method == "POST")
            .count();
        assert_eq!(writes, 1, "only the create was ever written");
    }

    #[tokio::test]
    async fn an_update_answer_not_showing_the_addresses_sent_is_outcome_unknown() {
        // Bybit's documented update answer shows `"ips": ["*"]`.
        let server = MockServer::start().await;
        mount_expecting_one(
            &server,
            "POST",
            "/v5/user/update-sub-api",
            ok("update_sub_api.json"),
        )
        .await;
        let adapter = builder_for(ExchangeId::Bybit, &server).build().unwrap();
        let err = adapter
            .update_key(
                KeyRef::other("xxxxxx"),
                &KeyChange::new()
                    .permissions(vec![Permission::SpotTrade])
                    .allowed_ips(["203.0.113.9"]),
            )
            .await
            .unwrap_err();
        assert!(err.is_outcome_unknown() && !err.is_retryable(), "{err}");
        assert!(err.to_string().contains("any address"), "{err}");
    }

    #[tokio::test]
    async fn an_update_bybit_refuses_says_why() {
        for (file, text) in [
            ("error_ip_whitelist_edit.json", "IP whitelist"),
            ("error_permission_edit.json", "read and write permissions"),
            ("error_sub_member_abnormal.json", "sub member is not normal"),
            ("error_params.json", "Request parameter error"),
        ] {
            let server = MockServer::start().await;
            mount_expecting_one(&server, "POST", "/v5/user/update-sub-api", ok(file)).await;
            let adapter = builder_for(ExchangeId::Bybit, &server).build().unwrap();
            let err = adapter
                .update_key(
                    KeyRef::other("xxxxxx"),
                    &KeyChange::new()
                        .permissions(vec![Permission::SpotTrade])
                        .allowed_ips(["203.0.113.9"]),
                )
                .await
                .unwrap_err();
            assert!(matches!(err, Error::Rejected { .. }), "{file}: {err}");
            assert!(!err.is_retryable(), "{file}");
            assert!(err.to_string().contains(text), "{file}: {err}");
        }
    }

    #[tokio::test]
    async fn another_key_is_deleted_by_its_apikey_through_delete_sub_api() {
        let sim = sim(Scenario::DocumentedExample).await;
        let adapter = sim.builder().clock(FixedClock::new(TS)).build().unwrap();
        let revoked = adapter
            .revoke(
                KeyRef::other(" XXXXXX "),
                RevokeConfirm::IUnderstandThisIsIrreversible,
            )
            .await
            .unwrap();
        assert_eq!(revoked.key_id.as_deref(), Some("XXXXXX"));
        let requests = sim.received_requests().await;
        assert_eq!(requests.len(), 1, "no lookup: Bybit takes the apikey");
        let deletion = &requests[0];
        assert_eq!(deletion.path, "/v5/user/delete-sub-api");
        assert_eq!(deletion.body, r#"{"apikey":"XXXXXX"}"#);
        let expected = hmac_hex(
            "test_secret",
            r#"1658384314791XXXXXXXXXX5000{"apikey":"XXXXXX"}"#,
        );
        assert_eq!(deletion.header("x-bapi-sign"), Some(expected.as_str()));
        let listed = adapter.list_keys().await.unwrap();
        assert!(listed
            .iter()
            .all(|k| k.key_id != Reported::Known("XXXXXX".into())));
        // Deleting it again: Bybit refuses, and the refusal is not a success.
        let err = adapter
            .revoke(
                KeyRef::other("XXXXXX"),
                RevokeConfirm::IUnderstandThisIsIrreversible,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Rejected { .. }), "{err}");
    }

    #[tokio::test]
    async fn a_refused_deletion_says_what_the_master_key_needs() {
        let server = MockServer::start().await;
        mount_expecting_one(
            &server,
            "POST",
            "/v5/user/delete-sub-api",
            ok("error_permission_denied.json"),
        )
        .await;
        let adapter = builder_for(ExchangeId::Bybit, &server).build().unwrap();
        let err = adapter
            .revoke(
                KeyRef::other("XXXXXX"),
                RevokeConfirm::IUnderstandThisIsIrreversible,
            )
            .await
            .unwrap_err();
        assert_eq!(err.auth_reason(), Some(AuthReason::PermissionDenied));
        assert!(
            err.to_string()
                .contains("delete-sub-api needs a master key"),
            "{err}"
        );
    }

    /// A server holding the documented master key and sub-accounts, with `first` and `second`
    /// as the two pages of the first sub-account's keys and none for the second.
    async fn listing_server(first: Value, second: Value) -> MockServer {
        let server = MockServer::start().await;
        mount(&server, "GET", "/v5/user/query-api", ok("query_api.json")).await;
        mount_expecting_one(
            &server,
            "GET",
            "/v5/user/query-sub-members",
            ok("query_sub_members.json"),
        )
        .await;
        Mock::given(method("GET"))
            .and(path("/v5/user/sub-apikeys"))
            .and(query_param("subMemberId", "106314365"))
            .and(query_param("cursor", "page2"))
            .respond_with(body(second))
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/v5/user/sub-apikeys"))
            .and(query_param("subMemberId", "106314365"))
            .respond_with(body(first))
            .with_priority(2)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/v5/user/sub-apikeys"))
            .and(query_param("subMemberId", "106279879"))
            .respond_with(body(json!({ "result": [], "nextPageCursor": "" })))
            .mount(&server)
            .await;
        server
    }

    #[tokio::test]
    async fn the_list_holds_the_key_in_use_then_every_page_of_every_sub_account() {
        let documented = fixture("bybit", "sub_apikeys.json")["result"]["result"][0].clone();
        let second = listed_entry(json!({
            "apiKey": "YYYYYY", "note": "bot-2", "ips": ["203.0.113.7"], "status": 2,
            "readOnly": false, "permissions": {"Spot": ["SpotTrade"], "Wallet": []}
        }));
        let server = listing_server(
            json!({ "result": [documented], "nextPageCursor": "page2" }),
            json!({ "result": [second], "nextPageCursor": "" }),
        )
        .await;
        let adapter = builder_for(ExchangeId::Bybit, &server).build().unwrap();
        let listed = adapter.list_keys().await.unwrap();
        let ids: Vec<&Reported<String>> = listed.iter().map(|k| &k.key_id).collect();
        assert_eq!(
            ids,
            [
                &Reported::Known("XXXXXXXX".into()),
                &Reported::Known("XXXXXX".into()),
                &Reported::Known("YYYYYY".into())
            ]
        );
        let queries: Vec<String> = server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == "/v5/user/sub-apikeys")
            .map(|r| r.url.query().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(
            queries,
            [
                "subMemberId=106314365&limit=20",
                "subMemberId=106314365&limit=20&cursor=page2",
                "subMemberId=106279879&limit=20"
            ]
        );

        let own = &listed[0];
        assert_eq!(own.account, Reported::Known(AccountKind::Master));
        // The documented sub-apikeys entry, field by field.
        let sub = &listed[1];
        let p = &sub.permissions;
        assert_eq!(sub.account, Reported::Known(AccountKind::SubAccount));
        assert_eq!(sub.label, Reported::Known("UTA".into()));
        assert_eq!(sub.is_read_only(), Reported::Known(false));
        for granted in [
            Permission::SpotTrade,
            Permission::FuturesTrade,
            Permission::OptionsTrade,
            Permission::UniversalTransfer,
            Permission::InternalTransfer,
            Permission::KeyManagement,
            Permission::Other("Exchange.ExchangeHistory".into()),
        ] {
            assert_eq!(p.get(&granted), Grant::Granted, "{granted}");
        }
        for denied in [
            Permission::Withdraw,
            Permission::SubAccountManagement,
            Permission::Payment,
        ] {
            assert_eq!(p.get(&denied), Grant::Denied, "{denied}");
        }
        assert_eq!(sub.ip_restriction, IpRestriction::Unrestricted);
        assert_eq!(sub.created_at, Reported::Known(at("2023-08-25T06:42:39Z")));
        assert_eq!(
            sub.expires_at,
            Reported::Known(Expiry::At(at("2023-12-01T02:36:06Z")))
        );
        assert_eq!(sub.enabled, Reported::Known(true), "status 3: valid");
        assert_eq!(sub.delegation, Reported::Known(Delegation::None));
        assert!(sub.anomalies.is_empty(), "{:?}", sub.anomalies);
        assert_eq!(sub.raw["secret"], "[redacted]");
        assert_eq!(sub.raw["flag"], "hmac");

        let expired = &listed[2];
        assert_eq!(expired.enabled, Reported::Known(false), "status 2: expired");
        assert_eq!(
            expired.permissions.get(&Permission::SpotTrade),
            Grant::Granted
        );
        assert_eq!(
            expired.permissions.get(&Permission::FuturesTrade),
            Grant::NotReported,
            "a group left out of the answer decides nothing"
        );
    }

    #[tokio::test]
    async fn an_unknown_status_or_an_unreadable_entry_costs_only_itself() {
        let server = listing_server(
            json!({
                "result": [
                    listed_entry(json!({ "apiKey": "AAAAAA", "status": 9 })),
                    { "apiKey": "BBBBBB", "note": 7, "readOnly": "maybe" }
                ],
                "nextPageCursor": ""
            }),
            json!({}),
        )
        .await;
        let adapter = builder_for(ExchangeId::Bybit, &server).build().unwrap();
        let listed = adapter.list_keys().await.unwrap();
        assert_eq!(listed.len(), 3);
        let unknown = &listed[1];
        assert_eq!(unknown.enabled, Reported::NotReported);
        assert!(unknown
            .anomalies
            .iter()
            .any(|a| a.kind == AnomalyKind::Unrecognized && a.field == "status"));
        let unreadable = &listed[2];
        assert_eq!(unreadable.key_id, Reported::Known("BBBBBB".into()));
        assert_eq!(unreadable.account, Reported::Known(AccountKind::SubAccount));
        assert!(!unreadable.anomalies.is_empty());
        assert_ne!(
            unreadable.permissions.get(&Permission::Withdraw),
            Grant::Denied
        );
    }

    #[tokio::test]
    async fn a_cursor_that_repeats_is_an_error_not_a_loop() {
        let entry = fixture("bybit", "sub_apikeys.json")["result"]["result"][0].clone();
        let server = listing_server(
            json!({ "result": [entry.clone()], "nextPageCursor": "page2" }),
            json!({ "result": [entry], "nextPageCursor": "page2" }),
        )
        .await;
        let adapter = builder_for(ExchangeId::Bybit, &server).build().unwrap();
        let err = adapter.list_keys().await.unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err}");
        assert!(err.to_string().contains("same cursor"), "{err}");
    }

    /// Answers every `sub-apikeys` page with one key and a fresh cursor.
    struct EndlessPages;

    impl Respond for EndlessPages {
        fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
            let page = request
                .url
                .query_pairs()
                .find(|(name, _)| name == "cursor")
                .and_then(|(_, cursor)| cursor.parse::<u64>().ok())
                .unwrap_or(0);
            let entry = listed_entry(json!({ "apiKey": format!("K{page}") }));
            body(json!({ "result": [entry], "nextPageCursor": (page + 1).to_string() }))
        }
    }

    #[tokio::test]
    async fn pages_are_followed_up_to_a_hard_cap() {
        let server = MockServer::start().await;
        mount(&server, "GET", "/v5/user/query-api", ok("query_api.json")).await;
        mount(
            &server,
            "GET",
            "/v5/user/query-sub-members",
            ok("query_sub_members.json"),
        )
        .await;
        mount(&server, "GET", "/v5/user/sub-apikeys", EndlessPages).await;
        let adapter = builder_for(ExchangeId::Bybit, &server).build().unwrap();
        let err = adapter.list_keys().await.unwrap_err();
        assert!(err.to_string().contains("not complete"), "{err}");
        let pages = server.received_requests().await.unwrap().len() - 2;
        assert_eq!(pages, 50);
    }

    #[tokio::test]
    async fn a_sub_account_key_lists_only_itself() {
        let server = MockServer::start().await;
        let mut answer = fixture("bybit", "query_api.json");
        answer["result"]["isMaster"] = false.into();
        mount_expecting_one(
            &server,
            "GET",
            "/v5/user/query-api",
            ResponseTemplate::new(200).set_body_json(answer),
        )
        .await;
        let adapter = builder_for(ExchangeId::Bybit, &server).build().unwrap();
        let listed = adapter.list_keys().await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].account, Reported::Known(AccountKind::SubAccount));
    }

    #[tokio::test]
    async fn a_master_without_a_transfer_right_is_told_why_it_cannot_list() {
        let server = MockServer::start().await;
        mount(&server, "GET", "/v5/user/query-api", ok("query_api.json")).await;
        mount(
            &server,
            "GET",
            "/v5/user/query-sub-members",
            ok("error_permission_denied.json"),
        )
        .await;
        let adapter = builder_for(ExchangeId::Bybit, &server).build().unwrap();
        let err = adapter.list_keys().await.unwrap_err();
        assert_eq!(err.auth_reason(), Some(AuthReason::PermissionDenied));
        assert!(
            err.to_string()
                .contains("query-sub-members needs a master key holding"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_created_key_inspects_itself_as_a_sub_account_key() {
        let sim = sim(Scenario::WithdrawEnabled).await;
        let created = sim
            .adapter()
            .unwrap()
            .create_key(&spec(vec![Permission::Read]))
            .await
            .unwrap();
        let own = sim
            .builder()
            .credentials(exchange_keys::Credentials::new(
                created.api_key.clone(),
                created.secret.expose_secret().to_owned(),
            ))
            .build()
            .unwrap();
        let info = own.key_info().await.unwrap();
        assert_eq!(info.key_id, Reported::Known(created.api_key.clone()));
        assert_eq!(info.account, Reported::Known(AccountKind::SubAccount));
        assert_eq!(info.is_read_only(), Reported::Known(true));
        let listed = own.list_keys().await.unwrap();
        assert_eq!(listed.len(), 1, "a sub-account key sees only itself");
    }
}

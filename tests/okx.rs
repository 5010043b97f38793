//! OKX: mapping of the documented answer, request signing with the passphrase, demo trading,
//! scenarios and error codes; sub-account key management from the master key.
#![cfg(feature = "okx")]

mod common;

use common::{
    assert_demo_sends_header, assert_error_fixtures, assert_new_key_deleted_saying,
    assert_passphrase_required, assert_timestamp_error_resyncs, assert_unbound_new_key_deleted,
    assert_undeleted_key_is_named, builder_for, expected_prehash_signature, fixture, hmac_base64,
    json_body, mount, mount_expecting_one, requests_to, scenario_key_info, wiremock_json_body,
    with_changes, TimestampResync,
};
use exchange_keys::clock::FixedClock;
use exchange_keys::exchanges::okx;
use exchange_keys::testkit::{CannedAnswer, Scenario, SimulatedExchange};
use exchange_keys::{
    AccountKind, AnomalyKind, AuthReason, Credentials, Delegation, Error, ExchangeId, Grant,
    IpEntry, IpRestriction, KeyChange, KeyRef, NewKeySpec, Operation, Permission, Reported,
    RevokeConfirm, Support,
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
        // An empty list answers nothing about rights: none is denied on it.
        for right in Permission::WRITE {
            assert_ne!(
                info.permissions.get(&right),
                Grant::Denied,
                "{perm:?}: {right}"
            );
        }
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
    assert_demo_sends_header(ExchangeId::Okx, "x-simulated-trading").await;
}

#[test]
fn passphrase_is_required_at_build_time() {
    assert_passphrase_required(ExchangeId::Okx, "passphrase");
}

#[tokio::test]
async fn scenarios_map_to_what_they_describe() {
    let info = |scenario| scenario_key_info(ExchangeId::Okx, scenario);
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
    assert_error_fixtures(
        ExchangeId::Okx,
        "/api/v5/account/config",
        401,
        &[
            ("error_bad_signature.json", AuthReason::BadSignature),
            ("error_bad_passphrase.json", AuthReason::BadPassphrase),
            ("error_ip_not_allowed.json", AuthReason::IpNotAllowed),
        ],
    )
    .await;
}

#[tokio::test]
async fn timestamp_error_resyncs_from_public_time() {
    assert_timestamp_error_resyncs(TimestampResync {
        exchange: ExchangeId::Okx,
        key_info_path: "/api/v5/account/config",
        error_status: 401,
        error_fixture: "error_timestamp.json",
        success_fixture: "account_config.json",
        server_time_path: "/api/v5/public/time",
        server_time_ms: 1_597_026_383_085,
        timestamp_header: "ok-access-timestamp",
        corrected_timestamp: "2020-08-10T02:26:23.085Z",
    })
    .await;
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
    mount(
        &server,
        "GET",
        "/api/v5/account/config",
        ResponseTemplate::new(401).set_body_json(fixture("okx", "error_timestamp.json")),
    )
    .await;
    mount(
        &server,
        "GET",
        "/api/v5/public/time",
        ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"code": "0", "msg": "", "data": [{"ts": "-9223372036854775808"}]}),
        ),
    )
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

// ---------------------------------------------------------------------------------------------
// Sub-account keys, managed from the master key.
// ---------------------------------------------------------------------------------------------

/// The sub-account of OKX's documented sub-account list, which the simulator holds.
const SUB: &str = "D456DDDL";

fn sub_key(key_id: &str, sub_account: &str) -> KeyRef {
    KeyRef::sub_account_key(key_id.to_owned(), sub_account.to_owned())
}

fn documented_sub_account() -> serde_json::Value {
    fixture("okx", "subaccount_list.json")["data"][0].clone()
}

async fn master(
    scenario: Scenario,
) -> (
    SimulatedExchange,
    std::sync::Arc<dyn exchange_keys::KeyAdapter>,
) {
    let sim = SimulatedExchange::start(ExchangeId::Okx, scenario)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    (sim, adapter)
}

/// The signature OKX expects for `request`, recomputed here from the simulated secret.
fn expected_signature(request: &exchange_keys::testkit::RecordedRequest) -> String {
    expected_prehash_signature(ExchangeId::Okx, "ok-access-timestamp", request)
}

#[test]
fn documented_sub_account_keys_map_field_by_field() {
    let keys = fixture("okx", "subaccount_apikey_query.json");
    let sub = documented_sub_account();
    // {"label":"v5","apiKey":"******","perm":"read_only,trade","ip":"1.1.1.1,2.2.2.2","ts":"1597026383085"}
    let info = okx::map_sub_account_key(&sub, &keys["data"][0]).unwrap();
    let p = &info.permissions;
    assert_eq!(
        info.key_id,
        Reported::Known("******".into()),
        "as OKX shows it"
    );
    assert_eq!(info.label, Reported::Known("v5".into()));
    for right in [
        Permission::Read,
        Permission::SpotTrade,
        Permission::FuturesTrade,
    ] {
        assert_eq!(p.get(&right), Grant::Granted, "{right}");
    }
    for right in [
        Permission::Withdraw,
        Permission::SubAccountManagement,
        Permission::KeyManagement,
        Permission::Payment,
    ] {
        assert_eq!(p.get(&right), Grant::Denied, "{right}");
    }
    assert_eq!(
        info.ip_restriction,
        IpRestriction::AllowList(vec![IpEntry::parse("1.1.1.1"), IpEntry::parse("2.2.2.2")])
    );
    assert_eq!(
        info.created_at,
        Reported::Known(chrono::DateTime::from_timestamp_millis(1_597_026_383_085).unwrap())
    );
    assert_eq!(info.account, Reported::Known(AccountKind::SubAccount));
    assert_eq!(info.delegation, Reported::Known(Delegation::None), "type 1");
    assert_eq!(info.enabled, Reported::Known(true), "enable: true");
    assert_eq!(info.expires_at, Reported::NotReported);
    assert_eq!(info.last_used_at, Reported::NotReported);
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
    assert_eq!(info.raw["subaccount"]["subAcct"], SUB);
    assert_eq!(info.raw["apikey"], keys["data"][0]);

    // {"label":"v5.1", …, "perm":"read_only"}
    let read_only = okx::map_sub_account_key(&sub, &keys["data"][1]).unwrap();
    assert_eq!(read_only.is_read_only(), Reported::Known(true));
    assert_eq!(read_only.label, Reported::Known("v5.1".into()));
}

#[test]
fn the_modify_answers_read_is_read_only_and_a_frozen_sub_account_disables_its_keys() {
    // The modify-apikey answer's example spells `read_only` as `read`.
    let modified = fixture("okx", "subaccount_apikey_modify.json");
    let mut sub = documented_sub_account();
    sub["enable"] = false.into();
    sub["type"] = "2".into();
    let info = okx::map_sub_account_key(&sub, &modified["data"][0]).unwrap();
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
    assert_eq!(info.permissions.get(&Permission::SpotTrade), Grant::Granted);
    assert_eq!(info.can_withdraw(), Grant::Denied);
    assert_eq!(info.enabled, Reported::Known(false));
    assert_eq!(
        info.delegation,
        Reported::Known(Delegation::ManagedTrading { partner: None })
    );
}

#[test]
fn an_unknown_perm_token_of_a_sub_account_key_denies_nothing_it_could_grant() {
    let mut key = fixture("okx", "subaccount_apikey_query.json")["data"][1].clone();
    key["perm"] = "read_only,copy_trade".into();
    let info = okx::map_sub_account_key(&documented_sub_account(), &key).unwrap();
    for right in Permission::WRITE {
        assert_ne!(info.permissions.get(&right), Grant::Denied, "{right}");
    }
    assert_eq!(info.anomalies[0].kind, AnomalyKind::Unrecognized);
    // A sub-account entry missing its fields costs only what they decide.
    let info = okx::map_sub_account_key(&serde_json::json!({}), &key).unwrap();
    assert_eq!(info.delegation, Reported::NotReported);
    assert_eq!(info.enabled, Reported::NotReported);
    assert_eq!(info.label, Reported::Known("v5.1".into()));
}

#[tokio::test]
async fn list_keys_gives_the_key_in_use_then_every_sub_account_key() {
    let (sim, adapter) = master(Scenario::DocumentedExample).await;
    let listed = adapter.list_keys().await.unwrap();
    assert_eq!(listed.len(), 3, "{listed:#?}");
    assert_eq!(
        listed[0],
        adapter.key_info().await.unwrap(),
        "the key in use first"
    );
    assert_eq!(listed[0].account, Reported::Known(AccountKind::Master));
    for key in &listed[1..] {
        assert_eq!(key.account, Reported::Known(AccountKind::SubAccount));
        assert_eq!(key.raw["subaccount"]["subAcct"], SUB);
        assert!(key.created_at.is_known());
    }
    assert_eq!(listed[2].is_read_only(), Reported::Known(true));

    let requests = sim.received_requests().await;
    let calls: Vec<(String, String, Option<String>)> = requests
        .iter()
        .take(3)
        .map(|r| (r.method.clone(), r.path.clone(), r.query.clone()))
        .collect();
    assert_eq!(
        calls,
        [
            ("GET".into(), "/api/v5/account/config".into(), None),
            (
                "GET".into(),
                "/api/v5/users/subaccount/list".into(),
                Some("limit=100".into())
            ),
            (
                "GET".into(),
                "/api/v5/users/subaccount/apikey".into(),
                Some(format!("subAcct={SUB}"))
            ),
        ]
    );
    for request in &requests {
        // A GET signs its query as part of the path.
        assert_eq!(
            request.header("ok-access-sign"),
            Some(expected_signature(request).as_str()),
            "{}",
            request.path
        );
    }
}

#[tokio::test]
async fn a_sub_account_key_lists_only_itself() {
    let (sim, adapter) = master(Scenario::ReadOnly).await;
    let mut answer = fixture("okx", "account_config.json");
    answer["data"][0]["uid"] = "44705892343619585".into();
    sim.serve(CannedAnswer::ok(answer)).await;
    let listed = adapter.list_keys().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].account, Reported::Known(AccountKind::SubAccount));
    let paths: Vec<String> = sim
        .received_requests()
        .await
        .into_iter()
        .map(|r| r.path)
        .collect();
    assert_eq!(paths, ["/api/v5/account/config"], "no sub-account call");
}

/// A server answering the documented configuration, `pages` of sub-accounts (each page in
/// turn, whatever the query says) and an empty key list for every sub-account.
async fn paging_server(pages: Vec<Vec<serde_json::Value>>) -> MockServer {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/api/v5/account/config",
        ResponseTemplate::new(200).set_body_json(fixture("okx", "account_config.json")),
    )
    .await;
    let count = pages.len();
    for (i, page) in pages.into_iter().enumerate() {
        let mock = Mock::given(method("GET"))
            .and(path("/api/v5/users/subaccount/list"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({ "code": "0", "msg": "", "data": page })),
            )
            .with_priority(u8::try_from(i + 1).unwrap());
        if i + 1 < count {
            mock.up_to_n_times(1).mount(&server).await;
        } else {
            mock.mount(&server).await;
        }
    }
    mount(
        &server,
        "GET",
        "/api/v5/users/subaccount/apikey",
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({ "code": "0", "msg": "", "data": [] })),
    )
    .await;
    server
}

fn sub_accounts(from_ts: i64, count: usize) -> Vec<serde_json::Value> {
    (0..count)
        .map(|i| {
            let mut entry = documented_sub_account();
            let name = format!("bot{from_ts}x{i}");
            entry["subAcct"] = name.into();
            entry["ts"] = (from_ts - i as i64).to_string().into();
            entry
        })
        .collect()
}

#[tokio::test]
async fn sub_accounts_are_read_page_by_page_older_than_the_last() {
    let server = paging_server(vec![
        sub_accounts(1_700_000_000_000, 100),
        sub_accounts(1_600_000_000_000, 2),
    ])
    .await;
    let adapter = builder_for(ExchangeId::Okx, &server)
        .rate_limit(None)
        .build()
        .unwrap();
    adapter.list_keys().await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let list_queries: Vec<Option<&str>> = requests
        .iter()
        .filter(|r| r.url.path() == "/api/v5/users/subaccount/list")
        .map(|r| r.url.query())
        .collect();
    assert_eq!(
        list_queries,
        [Some("limit=100"), Some("after=1699999999901&limit=100")],
        "the second page is asked for before the oldest of the first"
    );
    let key_calls = requests
        .iter()
        .filter(|r| r.url.path() == "/api/v5/users/subaccount/apikey")
        .count();
    assert_eq!(key_calls, 102, "one key list per sub-account");
}

#[tokio::test]
async fn a_sub_account_list_that_does_not_page_is_an_error_not_a_loop() {
    // The same full page again and again, whatever `after` says.
    let server = paging_server(vec![sub_accounts(1_700_000_000_000, 100)]).await;
    let adapter = builder_for(ExchangeId::Okx, &server)
        .rate_limit(None)
        .build()
        .unwrap();
    let err = adapter.list_keys().await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    assert!(err.to_string().contains("does not page"), "{err}");
}

#[tokio::test]
async fn a_sub_account_without_a_name_is_listed_with_an_anomaly() {
    let mut nameless = documented_sub_account();
    nameless.as_object_mut().unwrap().remove("subAcct");
    let server = paging_server(vec![vec![nameless, documented_sub_account()]]).await;
    let adapter = builder_for(ExchangeId::Okx, &server)
        .rate_limit(None)
        .build()
        .unwrap();
    let listed = adapter.list_keys().await.unwrap();
    assert_eq!(
        listed.len(),
        2,
        "the key in use and the nameless sub-account"
    );
    assert_eq!(listed[1].anomalies[0].field, "subAcct");
    assert_eq!(listed[1].account, Reported::Known(AccountKind::SubAccount));
}

#[tokio::test]
async fn a_created_key_is_handed_over_with_its_secret_and_a_strong_passphrase() {
    let (sim, adapter) = master(Scenario::DocumentedExample).await;
    let spec = NewKeySpec::new("grid-bot", vec![Permission::Read, Permission::SpotTrade])
        .allowed_ips(["203.0.113.7", "203.0.113.8"])
        .sub_account(SUB);
    let created = adapter.create_key(&spec).await.unwrap();

    let requests = sim.received_requests().await;
    assert_eq!(requests.len(), 1, "one call, sent once");
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/api/v5/users/subaccount/apikey");
    assert_eq!(request.query, None);
    assert_eq!(
        request.header("ok-access-sign"),
        Some(expected_signature(request).as_str()),
        "the exact body is signed"
    );
    let body = json_body(request);
    assert_eq!(body["subAcct"], SUB);
    assert_eq!(body["label"], "grid-bot");
    assert_eq!(body["perm"], "trade");
    assert_eq!(body["ip"], "203.0.113.7,203.0.113.8");
    let sent = body["passphrase"].as_str().unwrap();
    let passphrase = created.passphrase.as_ref().unwrap().expose_secret();
    assert_eq!(
        sent, passphrase,
        "the passphrase sent is the one handed over"
    );
    assert_eq!(passphrase.len(), 32);
    assert!(passphrase.chars().any(|c| c.is_ascii_digit()));
    assert!(passphrase.chars().any(|c| c.is_ascii_uppercase()));
    assert!(passphrase.chars().any(|c| c.is_ascii_lowercase()));
    assert!(passphrase.chars().any(|c| !c.is_ascii_alphanumeric()));

    let held = sim
        .with_state(|state| state.key(&created.api_key).cloned())
        .flatten()
        .unwrap();
    assert_eq!(created.secret.expose_secret(), held.secret);
    let shown = format!("{created:?}");
    assert!(
        !shown.contains(&held.secret) && !shown.contains(passphrase),
        "{shown}"
    );

    let listed = adapter.list_keys().await.unwrap();
    let new = listed
        .iter()
        .find(|k| k.key_id == Reported::Known(created.api_key.clone()))
        .unwrap();
    assert_eq!(new.label, Reported::Known("grid-bot".into()));
    assert_eq!(new.permissions.get(&Permission::SpotTrade), Grant::Granted);
    assert_eq!(new.can_withdraw(), Grant::Denied);
    let text = format!("{listed:?} {}", serde_json::to_string(&listed).unwrap());
    assert!(!text.contains(&held.secret) && !text.contains(passphrase));
}

#[tokio::test]
async fn what_okx_cannot_do_for_a_sub_account_key_is_refused_before_anything_is_sent() {
    let (sim, adapter) = master(Scenario::DocumentedExample).await;
    let bound = |permissions| {
        NewKeySpec::new("bot", permissions)
            .allowed_ips(["203.0.113.7"])
            .sub_account(SUB)
    };
    let twenty_one: Vec<String> = (1..=21).map(|i| format!("203.0.113.{i}")).collect();
    let cases = [
        (
            NewKeySpec::new("bot", vec![Permission::Read]).allowed_ips(["203.0.113.7"]),
            "NewKeySpec::sub_account",
        ),
        (
            bound(vec![Permission::Read, Permission::Withdraw]),
            "withdraw",
        ),
        (bound(vec![Permission::Payment]), "withdraw"),
        (bound(vec![Permission::KeyManagement]), "master account"),
        (
            bound(vec![Permission::Other("earn".into())]),
            "no right granting",
        ),
        (
            NewKeySpec::new("bot", vec![Permission::Read])
                .allowed_ips(twenty_one)
                .sub_account(SUB),
            "at most 20",
        ),
        (
            NewKeySpec::new(" ", vec![Permission::Read])
                .allowed_ips(["203.0.113.7"])
                .sub_account(SUB),
            "label",
        ),
    ];
    for (spec, says) in cases {
        let err = adapter.create_key(&spec).await.unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{spec:?}: {err}");
        assert!(err.to_string().contains(says), "{spec:?}: {err}");
    }
    for target in [KeyRef::other("SimKey0101"), sub_key("SimKey0101", " ")] {
        let err = adapter
            .revoke(target.clone(), RevokeConfirm::IUnderstandThisIsIrreversible)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("KeyRef::Other::sub_account"),
            "{err}"
        );
        let err = adapter
            .update_key(target, &KeyChange::new().label("renamed"))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err}");
    }
    // A revoke without its sub-account looks for the key in the sub-accounts' lists (reads);
    // nothing is written.
    assert!(
        sim.received_requests()
            .await
            .iter()
            .all(|r| r.method == "GET"),
        "nothing was written"
    );
}

#[tokio::test]
async fn a_master_key_not_bound_to_ip_addresses_is_told_so() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(fixture("okx", "error_master_not_ip_bound.json")),
        )
        .mount(&server)
        .await;
    let adapter = builder_for(ExchangeId::Okx, &server).build().unwrap();
    let spec = NewKeySpec::new("bot", vec![Permission::Read])
        .allowed_ips(["203.0.113.7"])
        .sub_account(SUB);
    let errors = [
        adapter.create_key(&spec).await.unwrap_err(),
        adapter
            .revoke(
                sub_key("SimKey0101", SUB),
                RevokeConfirm::IUnderstandThisIsIrreversible,
            )
            .await
            .unwrap_err(),
        adapter
            .update_key(
                sub_key("SimKey0101", SUB),
                &KeyChange::new().allowed_ips(["203.0.113.9"]),
            )
            .await
            .unwrap_err(),
    ];
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3, "each sent once, never again");
    let passphrase = wiremock_json_body(&requests[0])["passphrase"]
        .as_str()
        .unwrap()
        .to_owned();
    for err in errors {
        assert_eq!(
            err.auth_reason(),
            Some(AuthReason::PermissionDenied),
            "{err}"
        );
        assert_eq!(err.context().unwrap().code.as_deref(), Some("50035"));
        assert!(!err.is_retryable(), "{err}");
        let text = err.to_string();
        assert!(
            text.contains("the master key must be bound to IP addresses"),
            "{text}"
        );
        assert!(!format!("{err} {err:?}").contains(&passphrase), "{text}");
    }
}

/// A server whose create answer is OKX's documented one with `changes`, and whose delete answer
/// is `deleted`.
async fn creating_server(changes: serde_json::Value, deleted: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    let created = with_changes(
        fixture("okx", "subaccount_apikey_create.json"),
        "/data/0",
        &changes,
    );
    mount_expecting_one(
        &server,
        "POST",
        "/api/v5/users/subaccount/apikey",
        ResponseTemplate::new(200).set_body_json(created),
    )
    .await;
    mount(
        &server,
        "POST",
        "/api/v5/users/subaccount/delete-apikey",
        deleted,
    )
    .await;
    server
}

const NEW_KEY: &str = "9a4cd3e1-5a7f-4c2b-a3d9-0f6b2e8c1d70";
const NEW_SECRET: &str = "5C1F0D6A2B9E47F38A6D2C0B1E9F7A33";

#[tokio::test]
async fn a_new_key_not_shown_bound_to_exactly_its_addresses_is_deleted_not_handed_over() {
    let deleted =
        ResponseTemplate::new(200).set_body_json(fixture("okx", "subaccount_apikey_delete.json"));
    // The documented answer shows the key bound to 1.1.1.1 and 2.2.2.2.
    let server = creating_server(
        serde_json::json!({ "apiKey": NEW_KEY, "secretKey": NEW_SECRET }),
        deleted,
    )
    .await;
    let adapter = builder_for(ExchangeId::Okx, &server).build().unwrap();
    let spec = NewKeySpec::new("bot", vec![Permission::Read, Permission::SpotTrade])
        .allowed_ips(["203.0.113.7"])
        .sub_account(SUB);
    let err = adapter.create_key(&spec).await.unwrap_err();
    assert_unbound_new_key_deleted(
        &err,
        &server,
        "203.0.113.7",
        NEW_SECRET,
        serde_json::json!({ "subAcct": SUB, "apiKey": NEW_KEY }),
        "the new key is deleted, by its id, in its sub-account",
    )
    .await;
}

#[tokio::test]
async fn a_new_key_with_more_rights_than_asked_is_deleted() {
    let deleted =
        ResponseTemplate::new(200).set_body_json(fixture("okx", "subaccount_apikey_delete.json"));
    let server = creating_server(
        serde_json::json!({ "apiKey": NEW_KEY, "secretKey": NEW_SECRET, "ip": "203.0.113.7" }),
        deleted,
    )
    .await;
    let adapter = builder_for(ExchangeId::Okx, &server).build().unwrap();
    // Read-only asked; the documented answer shows `read_only,trade`.
    let spec = NewKeySpec::new("bot", vec![Permission::Read])
        .allowed_ips(["203.0.113.7"])
        .sub_account(SUB);
    let err = adapter.create_key(&spec).await.unwrap_err();
    assert_new_key_deleted_saying(&err, "read-only, as asked", NEW_SECRET);
}

#[tokio::test]
async fn a_new_key_that_cannot_be_deleted_says_where_it_is() {
    for (deleted, unknown) in [
        (ResponseTemplate::new(503), true),
        (
            ResponseTemplate::new(200)
                .set_body_json(fixture("okx", "error_apikey_does_not_exist.json")),
            false,
        ),
    ] {
        let server = creating_server(
            serde_json::json!({ "apiKey": NEW_KEY, "secretKey": NEW_SECRET }),
            deleted,
        )
        .await;
        let adapter = builder_for(ExchangeId::Okx, &server).build().unwrap();
        let spec = NewKeySpec::new("bot", vec![Permission::Read, Permission::SpotTrade])
            .allowed_ips(["203.0.113.7"])
            .sub_account(SUB);
        let err = adapter.create_key(&spec).await.unwrap_err();
        assert_undeleted_key_is_named(&err, unknown, NEW_KEY, "okx.com", NEW_SECRET);
        assert_eq!(
            requests_to(&server, "/api/v5/users/subaccount/delete-apikey").await,
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
    let adapter = builder_for(ExchangeId::Okx, &server).build().unwrap();
    let spec = NewKeySpec::new("bot", vec![Permission::Read])
        .allowed_ips(["203.0.113.7"])
        .sub_account(SUB);
    let err = adapter.create_key(&spec).await.unwrap_err();
    assert!(err.is_outcome_unknown(), "{err}");
    assert!(err.to_string().contains(SUB), "{err}");
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "nothing to delete by"
    );
}

#[tokio::test]
async fn update_key_sends_what_changes_and_checks_the_answer() {
    let (sim, adapter) = master(Scenario::DocumentedExample).await;
    let spec = NewKeySpec::new("bot", vec![Permission::Read])
        .allowed_ips(["203.0.113.7"])
        .sub_account(SUB);
    let created = adapter.create_key(&spec).await.unwrap();
    let target = sub_key(&created.api_key, SUB);
    adapter
        .update_key(
            target.clone(),
            &KeyChange::new()
                .label("renamed")
                .allowed_ips(["198.51.100.4", "198.51.100.5"]),
        )
        .await
        .unwrap();
    adapter
        .update_key(
            target.clone(),
            &KeyChange::new().permissions(vec![Permission::Read, Permission::OptionsTrade]),
        )
        .await
        .unwrap();
    let requests = sim.received_requests().await;
    let modifies: Vec<serde_json::Value> = requests
        .iter()
        .filter(|r| r.path == "/api/v5/users/subaccount/modify-apikey")
        .inspect(|r| {
            assert_eq!(r.method, "POST");
            assert_eq!(
                r.header("ok-access-sign"),
                Some(expected_signature(r).as_str())
            );
        })
        .map(json_body)
        .collect();
    assert_eq!(
        modifies,
        [
            serde_json::json!({
                "subAcct": SUB, "apiKey": created.api_key, "label": "renamed",
                "ip": "198.51.100.4,198.51.100.5"
            }),
            serde_json::json!({
                "subAcct": SUB, "apiKey": created.api_key, "perm": "read_only,trade"
            }),
        ],
        "only what changes, the allowlist and rights whole"
    );
    let held = sim
        .with_state(|state| state.key(&created.api_key).cloned())
        .flatten()
        .unwrap();
    assert_eq!(held.label, "renamed");
    assert_eq!(held.ips, ["198.51.100.4", "198.51.100.5"]);
    assert_eq!(held.permissions, ["read_only", "trade"]);

    let err = adapter
        .update_key(
            target,
            &KeyChange::new().permissions(vec![Permission::Withdraw]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err}");
    // The key in use, named by its id, is not changed through the API.
    let own = sub_key(sim.credentials().api_key(), SUB);
    let err = adapter
        .update_key(own, &KeyChange::new().label("x"))
        .await
        .unwrap_err();
    assert!(err.is_unsupported(), "{err}");
}

#[tokio::test]
async fn a_change_okx_does_not_show_is_an_error() {
    let server = MockServer::start().await;
    // The documented modify answer shows 1.1.1.1.
    Mock::given(method("POST"))
        .and(path("/api/v5/users/subaccount/modify-apikey"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture("okx", "subaccount_apikey_modify.json")),
        )
        .expect(2)
        .mount(&server)
        .await;
    let adapter = builder_for(ExchangeId::Okx, &server).build().unwrap();
    let target = sub_key("SimKey0101", "yongxu");
    let err = adapter
        .update_key(
            target.clone(),
            &KeyChange::new().allowed_ips(["203.0.113.9"]),
        )
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err}");
    assert!(
        err.to_string().contains("bound to exactly 203.0.113.9"),
        "{err}"
    );
    // What the documented answer shows passes.
    adapter
        .update_key(target, &KeyChange::new().allowed_ips(["1.1.1.1"]))
        .await
        .unwrap_or_else(|err| panic!("{err}"));
}

#[tokio::test]
async fn revoke_deletes_the_named_sub_account_key_and_never_the_key_in_use() {
    let (sim, adapter) = master(Scenario::DocumentedExample).await;
    let created = adapter
        .create_key(
            &NewKeySpec::new("bot", vec![Permission::Read])
                .allowed_ips(["203.0.113.7"])
                .sub_account(SUB),
        )
        .await
        .unwrap();
    let revoked = adapter
        .revoke(
            sub_key(&created.api_key, SUB),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap();
    assert_eq!(revoked.key_id.as_deref(), Some(created.api_key.as_str()));
    let requests = sim.received_requests().await;
    let delete = requests.last().unwrap();
    assert_eq!(delete.method, "POST");
    assert_eq!(delete.path, "/api/v5/users/subaccount/delete-apikey");
    assert_eq!(
        json_body(delete),
        serde_json::json!({ "subAcct": SUB, "apiKey": created.api_key })
    );
    assert_eq!(
        delete.header("ok-access-sign"),
        Some(expected_signature(delete).as_str())
    );
    assert_eq!(
        sim.with_state(|state| state.is_revoked(&created.api_key)),
        Some(true)
    );
    // A key OKX does not know in the sub-account: its code, and what it means here.
    let err = adapter
        .revoke(
            sub_key(&created.api_key, SUB),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Rejected { .. }),
        "not the caller's key: {err}"
    );
    assert_eq!(err.context().unwrap().code.as_deref(), Some("59506"));

    let sent = sim.received_requests().await.len();
    for own in [KeyRef::Own, sub_key(sim.credentials().api_key(), SUB)] {
        let err = adapter
            .revoke(own, RevokeConfirm::IUnderstandThisIsIrreversible)
            .await
            .unwrap_err();
        assert!(err.is_unsupported(), "{err}");
        assert!(err.to_string().contains("okx.com"), "{err}");
    }
    assert_eq!(sim.received_requests().await.len(), sent, "nothing sent");
}

#[test]
fn what_okx_cannot_do_stays_unsupported_with_its_manual_step() {
    let caps = ExchangeId::Okx.capabilities().unwrap();
    for (operation, support) in [
        (Operation::ListKeys, caps.list_keys),
        (Operation::CreateKey, caps.create_key),
        (Operation::UpdateKey, caps.update_key),
        (Operation::Revoke, caps.revoke),
    ] {
        assert_eq!(support, Support::Native, "{operation}");
    }
    for (operation, support, says) in [
        (Operation::RevokeOwn, caps.revoke_own, "Profile > API keys"),
        (
            Operation::SetKeyEnabled,
            caps.set_key_enabled,
            "cannot be disabled",
        ),
        (Operation::ResetSecret, caps.reset_secret, "new key"),
    ] {
        assert_eq!(support, Support::Unsupported, "{operation}");
        assert!(
            ExchangeId::Okx.manual_step(operation).contains(says),
            "{operation}"
        );
    }
}

#[tokio::test]
async fn a_sub_account_keys_list_refused_to_a_sub_account_key_says_why() {
    let server = MockServer::start().await;
    // The configuration does not say whose key it is; OKX refuses the sub-account list.
    let mut config = fixture("okx", "account_config.json");
    let entry = config["data"][0].as_object_mut().unwrap();
    entry.remove("uid");
    entry.remove("type");
    mount(
        &server,
        "GET",
        "/api/v5/account/config",
        ResponseTemplate::new(200).set_body_json(config),
    )
    .await;
    mount(
        &server,
        "GET",
        "/api/v5/users/subaccount/list",
        ResponseTemplate::new(200).set_body_json(fixture("okx", "error_only_master_key.json")),
    )
    .await;
    let adapter = builder_for(ExchangeId::Okx, &server).build().unwrap();
    let err = adapter.list_keys().await.unwrap_err();
    assert_eq!(
        err.auth_reason(),
        Some(AuthReason::PermissionDenied),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("this key belongs to a sub-account"),
        "{err}"
    );
}

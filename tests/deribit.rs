//! Deribit: the key in use picked out of the account's list, scopes, the secrets the list
//! echoes, signing, the security-key challenge, and key management on the simulator.
#![cfg(feature = "deribit")]

mod common;

use common::fixture;
use exchange_keys::exchanges::deribit;
use exchange_keys::testkit::{CannedAnswer, Scenario, SimulatedExchange};
use exchange_keys::{
    AnomalyKind, AuthReason, Error, ExchangeId, Grant, IpEntry, IpRestriction, KeyRef, NewKeySpec,
    Permission, Reported, RevokeConfirm,
};
use secrecy::ExposeSecret;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Every `client_secret` in Deribit's documented examples.
const DOCUMENTED_SECRETS: [&str; 3] = [
    "SjM57m1T2CfXZ4vZ76X1APjqRlJdtzHI8IwVXoQnfoM",
    "mwNOvbUVyQczytQ5IVM8CbzmgqNJ81WvLKfu6MXcJPs",
    "B6RsF9rrLY5ezEGBQkyLlV-UC7whyPJ34BMA-kKYpes",
];

fn assert_no_documented_secret(what: &str, text: &str) {
    for secret in DOCUMENTED_SECRETS {
        assert!(
            !text.contains(secret),
            "{what} holds a client_secret: {text}"
        );
    }
}

async fn sim_start(scenario: Scenario) -> SimulatedExchange {
    SimulatedExchange::start(ExchangeId::Deribit, scenario)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_documented_list_gives_the_key_in_use_not_the_first_one() {
    let sim = sim_start(Scenario::DocumentedExample).await;
    let info = sim.adapter().unwrap().key_info().await.unwrap();
    let p = &info.permissions;
    // "account:read_write block_trade:read_write trade:read_write wallet:read_write"
    assert_eq!(info.key_id, Reported::Known("aD-KFx-H".into()));
    assert_eq!(
        info.enabled,
        Reported::Known(true),
        "the first entry is disabled"
    );
    for right in Permission::NORMALIZED {
        assert_eq!(p.get(&right), Grant::Granted, "{right}");
    }
    assert_eq!(info.label, Reported::Known(String::new()));
    assert_eq!(
        info.ip_restriction,
        IpRestriction::NotReported,
        "no ip_whitelist in the answer: not reported, never unrestricted"
    );
    assert_eq!(info.created_at, Reported::NotReported);
    assert_eq!(info.expires_at, Reported::NotReported);
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
    assert_eq!(info.raw["id"], 2, "the evidence is the key in use's entry");
    assert_eq!(info.raw["client_secret"], "[redacted]");
}

#[test]
fn scopes_map_area_by_area() {
    let entry = |scope: &str| {
        let mut entry = fixture("deribit", "list_api_keys.json")["result"][1].clone();
        entry["max_scope"] = scope.into();
        deribit::map_key_info(&entry).unwrap()
    };
    let first = fixture("deribit", "list_api_keys.json")["result"][0].clone();
    let info = deribit::map_key_info(&first).unwrap();
    // "account:read block_trade:read trade:read_write wallet:read"
    assert_eq!(info.permissions.get(&Permission::SpotTrade), Grant::Granted);
    assert_eq!(
        info.permissions.get(&Permission::OptionsTrade),
        Grant::Granted
    );
    assert_eq!(info.permissions.get(&Permission::Withdraw), Grant::Denied);
    assert_eq!(
        info.permissions.get(&Permission::KeyManagement),
        Grant::Denied
    );
    assert_eq!(info.enabled, Reported::Known(false));

    let read_only = entry("account:read trade:read wallet:read");
    assert_eq!(read_only.is_read_only(), Reported::Known(true));
    let blocks = entry("trade:read block_trade:read_write");
    assert_eq!(
        blocks.permissions.get(&Permission::FuturesTrade),
        Grant::Granted
    );
    assert_eq!(
        blocks.permissions.get(&Permission::SpotTrade),
        Grant::Denied
    );
    let wallet = entry("wallet:read_write");
    assert_eq!(wallet.can_withdraw(), Grant::Granted);
    assert_eq!(
        wallet.can_pay_out(),
        Grant::Granted,
        "submit_transfer_to_user"
    );
    let nothing = entry("");
    assert_eq!(nothing.permissions.get(&Permission::Read), Grant::Denied);
}

#[test]
fn an_unknown_scope_leaves_no_write_right_denied() {
    let mut entry = fixture("deribit", "list_api_keys.json")["result"][0].clone();
    entry["max_scope"] = "account:read custody:read_write".into();
    let info = deribit::map_key_info(&entry).unwrap();
    for right in Permission::WRITE {
        assert_eq!(info.permissions.get(&right), Grant::NotReported, "{right}");
    }
    assert_eq!(info.anomalies[0].kind, AnomalyKind::Unrecognized);
    entry["max_scope"] = "account:read trade:read_write_all".into();
    let info = deribit::map_key_info(&entry).unwrap();
    assert_eq!(
        info.permissions.get(&Permission::Withdraw),
        Grant::NotReported
    );
}

#[test]
fn allowlists_are_read_and_an_empty_one_is_unrestricted() {
    let mut entry = fixture("deribit", "list_api_keys.json")["result"][1].clone();
    entry["ip_whitelist"] = json!(["203.0.113.7", "198.51.100.0/24"]);
    let info = deribit::map_key_info(&entry).unwrap();
    assert_eq!(
        info.ip_restriction,
        IpRestriction::AllowList(vec![
            IpEntry::parse("203.0.113.7"),
            IpEntry::parse("198.51.100.0/24")
        ])
    );
    entry["ip_whitelist"] = json!([]);
    let info = deribit::map_key_info(&entry).unwrap();
    assert_eq!(info.ip_restriction, IpRestriction::Unrestricted);
}

#[tokio::test]
async fn no_client_secret_the_list_echoes_reaches_any_output() {
    let sim = sim_start(Scenario::DocumentedExample).await;
    let adapter = sim.adapter().unwrap();
    let info = adapter.key_info().await.unwrap();
    assert_no_documented_secret("key_info Debug", &format!("{info:?}"));
    assert_no_documented_secret("key_info JSON", &serde_json::to_string(&info).unwrap());
    let listed = adapter.list_keys().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_no_documented_secret("list_keys Debug", &format!("{listed:?}"));
    assert_no_documented_secret("list_keys JSON", &serde_json::to_string(&listed).unwrap());
    // The key in use's secret, quoted in an error, is scrubbed there too.
    sim.serve(CannedAnswer::with_status(
        400,
        json!({"jsonrpc": "2.0", "error": {"code": 13021, "message": "forbidden",
            "data": {"reason": "client_secret mwNOvbUVyQczytQ5IVM8CbzmgqNJ81WvLKfu6MXcJPs"}}}),
    ))
    .await;
    let err = adapter.key_info().await.unwrap_err();
    assert_eq!(err.auth_reason(), Some(AuthReason::PermissionDenied));
    assert_no_documented_secret("error", &format!("{err} {err:?}"));
}

#[tokio::test]
async fn requests_carry_a_deri_hmac_sha256_authorization_that_verifies() {
    let sim = sim_start(Scenario::ReadOnly).await;
    sim.adapter().unwrap().key_info().await.unwrap();
    let requests = sim.received_requests().await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/api/v2/private/list_api_keys");
    let header = request.header("authorization").unwrap();
    let fields: std::collections::HashMap<&str, &str> = header
        .strip_prefix("deri-hmac-sha256 ")
        .unwrap()
        .split(',')
        .filter_map(|part| part.split_once('='))
        .collect();
    assert_eq!(fields["id"], "aD-KFx-H");
    let secret = sim.credentials().secret().expose_secret().to_owned();
    let expected = deribit::signature(
        secret.as_bytes(),
        fields["ts"],
        fields["nonce"],
        "GET",
        "/api/v2/private/list_api_keys",
        "",
    );
    assert_eq!(fields["sig"], expected);
    assert!(!header.contains(&secret));
}

#[tokio::test]
async fn the_security_key_challenge_is_a_typed_error_naming_the_code_asked_for() {
    let sim = sim_start(Scenario::ReadOnly).await;
    sim.serve(CannedAnswer::ok(fixture(
        "deribit",
        "error_security_key_required.json",
    )))
    .await;
    let err = sim.adapter().unwrap().key_info().await.unwrap_err();
    assert_eq!(err.auth_reason(), Some(AuthReason::SecondFactorRequired));
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(text.contains("TOTP code"), "{text}");
    assert!(text.contains("authorization_data"), "{text}");
    assert!(
        !text.contains("+Di4SKN9VykrSoHlZO2KF3LEyEZF4ih9CZXVuudQiKQ="),
        "the one-time challenge stays out: {text}"
    );
    let refused = CannedAnswer::with_status(
        400,
        fixture("deribit", "error_security_key_authorization.json"),
    );
    sim.serve(refused).await;
    let err = sim.adapter().unwrap().key_info().await.unwrap_err();
    assert_eq!(err.auth_reason(), Some(AuthReason::SecondFactorRequired));
    assert!(err.to_string().contains("tfa_code_not_matched"), "{err}");
}

#[tokio::test]
async fn a_created_key_is_bound_to_its_addresses_before_it_is_handed_over() {
    let sim = sim_start(Scenario::WithdrawEnabled).await;
    let adapter = sim.adapter().unwrap();
    let spec = NewKeySpec::new("grid_bot", vec![Permission::Read, Permission::FuturesTrade])
        .allowed_ips(["203.0.113.7", "198.51.100.0/24"]);
    let created = adapter.create_key(&spec).await.unwrap();
    let requests = sim.received_requests().await;
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/api/v2/private/create_api_key",
            "/api/v2/private/edit_api_key"
        ]
    );
    assert_eq!(
        requests[0].query_param("max_scope").unwrap(),
        "account:read trade:read_write wallet:read block_trade:none"
    );
    assert_eq!(requests[0].query_param("name").unwrap(), "grid_bot");
    assert_eq!(
        requests[1].query_param("ip_whitelist").unwrap(),
        r#"["203.0.113.7","198.51.100.0/24"]"#,
        "arrays go in the query as JSON, as Deribit's documented GET examples send them"
    );
    let held = sim
        .with_state(|state| state.secret_of(&created.api_key))
        .flatten()
        .unwrap();
    assert_eq!(created.secret.expose_secret(), held);
    let listed = adapter.list_keys().await.unwrap();
    let new = listed
        .iter()
        .find(|k| k.key_id == Reported::Known(created.api_key.clone()))
        .unwrap();
    assert_eq!(new.can_withdraw(), Grant::Denied);
    assert!(matches!(new.ip_restriction, IpRestriction::AllowList(_)));
}

#[tokio::test]
async fn a_new_key_deribit_does_not_show_bound_is_removed_not_handed_over() {
    // Deribit's own documented answers: the edit answer shows no ip_whitelist.
    let server = MockServer::start().await;
    let ok = |name: &str| ResponseTemplate::new(200).set_body_json(fixture("deribit", name));
    Mock::given(method("GET"))
        .and(path("/api/v2/private/create_api_key"))
        .respond_with(ok("create_api_key.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/private/edit_api_key"))
        .respond_with(ok("create_api_key.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/private/remove_api_key"))
        .respond_with(ok("remove_api_key.json"))
        .expect(1)
        .mount(&server)
        .await;
    let adapter = common::builder_for(ExchangeId::Deribit, &server)
        .build()
        .unwrap();
    let spec = NewKeySpec::new("bot", vec![Permission::Read]).allowed_ips(["203.0.113.7"]);
    let err = adapter.create_key(&spec).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("was removed"), "{text}");
    assert_no_documented_secret("error", &format!("{err} {err:?}"));
    let requests = server.received_requests().await.unwrap();
    let removal = requests.last().unwrap();
    assert_eq!(
        removal.url.query(),
        Some("id=3"),
        "the new key, by its number"
    );
}

#[tokio::test]
async fn what_deribit_cannot_grant_or_name_is_refused_before_anything_is_sent() {
    let sim = sim_start(Scenario::WithdrawEnabled).await;
    let adapter = sim.adapter().unwrap();
    let cases = [
        NewKeySpec::new("grid-bot", vec![Permission::Read]).allowed_ips(["203.0.113.7"]),
        NewKeySpec::new("a_name_of_seventeen", vec![Permission::Read]).allowed_ips(["203.0.113.7"]),
        NewKeySpec::new("bot", vec![Permission::Other("staking".into())])
            .allowed_ips(["203.0.113.7"]),
        NewKeySpec::new("bot", vec![Permission::Read]),
        NewKeySpec::new("bot", vec![Permission::Read]).allowed_ips(["0.0.0.0/0"]),
        NewKeySpec::new("bot", vec![Permission::Read]).allowed_ips(["*"]),
    ];
    for spec in cases {
        let err = adapter.create_key(&spec).await.unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{spec:?}: {err}");
    }
    assert!(sim.received_requests().await.is_empty());
}

#[tokio::test]
async fn another_key_is_removed_by_its_number_and_the_key_in_use_never() {
    let sim = sim_start(Scenario::DocumentedExample).await;
    let adapter = sim.adapter().unwrap();
    let revoked = adapter
        .revoke(
            KeyRef::other("TiA4AyLPq3"),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap();
    assert_eq!(revoked.key_id.as_deref(), Some("TiA4AyLPq3"));
    let requests = sim.received_requests().await;
    let removal = requests.last().unwrap();
    assert_eq!(removal.path, "/api/v2/private/remove_api_key");
    assert_eq!(removal.query.as_deref(), Some("id=1"));

    let err = adapter
        .revoke(
            KeyRef::other("NoSuchKey"),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err}");

    let sent = sim.received_requests().await.len();
    for own in [KeyRef::Own, KeyRef::other("aD-KFx-H")] {
        let err = adapter
            .revoke(own, RevokeConfirm::IUnderstandThisIsIrreversible)
            .await
            .unwrap_err();
        assert!(err.is_unsupported(), "{err}");
        assert!(err.to_string().contains("deribit.com"), "{err}");
    }
    assert_eq!(sim.received_requests().await.len(), sent);
}

#[tokio::test]
async fn another_keys_secret_echoed_in_a_third_entry_is_scrubbed_from_the_list() {
    let sim = sim_start(Scenario::DocumentedExample).await;
    let mut body = fixture("deribit", "list_api_keys.json");
    // The first key's secret, echoed inside the key in use's entry.
    body["result"][1]["public_key"] = DOCUMENTED_SECRETS[0].into();
    sim.serve(CannedAnswer::ok(body)).await;
    let listed = sim.adapter().unwrap().list_keys().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_no_documented_secret("list_keys Debug", &format!("{listed:?}"));
    assert_no_documented_secret("list_keys JSON", &serde_json::to_string(&listed).unwrap());
}

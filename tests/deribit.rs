//! Deribit: the key in use picked out of the account's list, scopes, the secrets the list
//! echoes, signing, key management on the simulator and against Deribit's documented answers,
//! and the security-key challenge, unanswered and answered with a SecondFactor.
#![cfg(feature = "deribit")]

mod common;

use std::sync::Mutex;

use async_trait::async_trait;
use common::{fixture, mount_expecting_one};
use exchange_keys::exchanges::deribit;
use exchange_keys::testkit::{CannedAnswer, Scenario, SimulatedExchange};
use exchange_keys::{
    AnomalyKind, AuthReason, Challenge, ChallengeMethod, Credentials, Error, ExchangeId, Grant,
    IpEntry, IpRestriction, KeyAdapter, KeyChange, KeyRef, NewKeySpec, Operation, Permission,
    Reported, RevokeConfirm, SecondFactor,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
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
    mount_expecting_one(
        &server,
        "GET",
        "/api/v2/private/create_api_key",
        ok("create_api_key.json"),
    )
    .await;
    mount_expecting_one(
        &server,
        "GET",
        "/api/v2/private/edit_api_key",
        ok("create_api_key.json"),
    )
    .await;
    mount_expecting_one(
        &server,
        "GET",
        "/api/v2/private/remove_api_key",
        ok("remove_api_key.json"),
    )
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

// ---------------------------------------------------------------------------------------------
// Editing, enabling, disabling and resetting keys (Deribit's documented answers, served as they
// are), and the security-key challenge answered with a SecondFactor.
// ---------------------------------------------------------------------------------------------

const LIST: &str = "/api/v2/private/list_api_keys";
const EDIT: &str = "/api/v2/private/edit_api_key";
const ENABLE: &str = "/api/v2/private/enable_api_key";
const DISABLE: &str = "/api/v2/private/disable_api_key";
const RESET: &str = "/api/v2/private/reset_api_key";
/// The code answered in the tests: the one in Deribit's documented answered request.
const CODE: &str = "602051";
/// The challenge in Deribit's documented challenge.
const CHALLENGE: &str = "+Di4SKN9VykrSoHlZO2KF3LEyEZF4ih9CZXVuudQiKQ=";

fn documented(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(fixture("deribit", name))
}

fn refused(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(body)
}

/// Serves `answer` on `path`, and, when `answered` is given, that instead to a request carrying
/// the documented code and challenge.
async fn serve(
    server: &MockServer,
    path_: &str,
    answer: ResponseTemplate,
    answered: Option<ResponseTemplate>,
) {
    if let Some(answered) = answered {
        Mock::given(method("GET"))
            .and(path(path_))
            .and(query_param("authorization_data", CODE))
            .and(query_param("challenge", CHALLENGE))
            .respond_with(answered)
            .with_priority(1)
            .mount(server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(path_))
        .respond_with(answer)
        .with_priority(2)
        .mount(server)
        .await;
}

/// The documented list with a third key: the one Deribit's edit, enable and reset examples
/// answer with (number 3, client id `1sXMQBhM`), holding an older secret.
fn list_with_key_3() -> ResponseTemplate {
    let mut list = fixture("deribit", "list_api_keys.json");
    let mut third = fixture("deribit", "create_api_key.json")["result"].clone();
    third["client_secret"] = "OlderSecretOfKey3xxxxxxxxxxxxxxxxxxxxxxxxxx".into();
    list["result"].as_array_mut().unwrap().push(third);
    ResponseTemplate::new(200).set_body_json(list)
}

async fn requests_to(server: &MockServer, path_: &str) -> Vec<wiremock::Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == path_)
        .collect()
}

fn params(request: &wiremock::Request) -> std::collections::BTreeMap<String, String> {
    request.url.query_pairs().into_owned().collect()
}

fn adapter_on(server: &MockServer) -> std::sync::Arc<dyn KeyAdapter> {
    common::builder_for(ExchangeId::Deribit, server)
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_edit_sends_the_keys_number_its_own_scope_and_the_new_name() {
    let server = MockServer::start().await;
    serve(&server, LIST, list_with_key_3(), None).await;
    serve(&server, EDIT, documented("edit_api_key.json"), None).await;
    adapter_on(&server)
        .update_key(
            KeyRef::other("1sXMQBhM"),
            &KeyChange::new().label("NewKeyName"),
        )
        .await
        .unwrap();
    let edits = requests_to(&server, EDIT).await;
    assert_eq!(edits.len(), 1);
    let sent = params(&edits[0]);
    assert_eq!(sent["id"], "3", "the key's number, found by its client id");
    assert_eq!(sent["name"], "NewKeyName");
    assert_eq!(
        sent["max_scope"], "account:read_write block_trade:read trade:read_write wallet:read_write",
        "the permissions stay: the key's own scope is sent, as an omitted one becomes none"
    );
    assert!(!sent.contains_key("ip_whitelist"), "{sent:?}");
}

#[tokio::test]
async fn an_edit_maps_permissions_to_max_scope_and_the_allowlist_to_ip_whitelist() {
    let sim = sim_start(Scenario::WithdrawEnabled).await;
    let adapter = sim.adapter().unwrap();
    let spec = NewKeySpec::new("bot", vec![Permission::Read]).allowed_ips(["203.0.113.7"]);
    let created = adapter.create_key(&spec).await.unwrap();
    let number = sim
        .with_state(|state| state.key(&created.api_key).map(|k| k.id))
        .flatten()
        .unwrap();
    let change = KeyChange::new()
        .label("grid_bot_2")
        .permissions(vec![Permission::Read, Permission::FuturesTrade])
        .allowed_ips(["198.51.100.0/24", "203.0.113.9"]);
    adapter
        .update_key(KeyRef::other(created.api_key.clone()), &change)
        .await
        .unwrap();
    let requests = sim.received_requests().await;
    let edit = requests.last().unwrap();
    assert_eq!(edit.path, EDIT);
    assert_eq!(edit.query_param("id").unwrap(), number.to_string());
    assert_eq!(edit.query_param("name").unwrap(), "grid_bot_2");
    assert_eq!(
        edit.query_param("max_scope").unwrap(),
        "account:read trade:read_write wallet:read block_trade:none"
    );
    assert_eq!(
        edit.query_param("ip_whitelist").unwrap(),
        r#"["198.51.100.0/24","203.0.113.9"]"#,
        "the same encoding as create"
    );
    let listed = adapter.list_keys().await.unwrap();
    let changed = listed
        .iter()
        .find(|k| k.key_id == Reported::Known(created.api_key.clone()))
        .unwrap();
    assert_eq!(changed.label, Reported::Known("grid_bot_2".into()));
    assert_eq!(
        changed.permissions.get(&Permission::FuturesTrade),
        Grant::Granted
    );
    assert_eq!(changed.can_withdraw(), Grant::Denied);
}

#[tokio::test]
async fn an_edit_deribits_answer_does_not_show_is_reported_not_undone() {
    // Deribit's documented edit answer: another scope, and no ip_whitelist.
    let server = MockServer::start().await;
    serve(&server, LIST, list_with_key_3(), None).await;
    serve(&server, EDIT, documented("edit_api_key.json"), None).await;
    let change = KeyChange::new()
        .permissions(vec![Permission::Read])
        .allowed_ips(["203.0.113.7"]);
    let err = adapter_on(&server)
        .update_key(KeyRef::other("1sXMQBhM"), &change)
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown() && !err.is_retryable(), "{err}");
    let text = err.to_string();
    assert!(text.contains("203.0.113.7"), "{text}");
    assert!(
        text.contains("account:read trade:read wallet:read block_trade:none"),
        "{text}"
    );
    assert!(text.contains("nothing was undone"), "{text}");
    assert_no_documented_secret("error", &format!("{err} {err:?}"));
    let paths: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(paths, [LIST, EDIT], "one edit, nothing to undo it");
}

#[tokio::test]
async fn what_an_edit_cannot_carry_is_refused_before_anything_is_sent() {
    let sim = sim_start(Scenario::DocumentedExample).await;
    let adapter = sim.adapter().unwrap();
    let target = || KeyRef::other("TiA4AyLPq3");
    for change in [
        KeyChange::new().permissions(vec![Permission::Other("staking".into())]),
        KeyChange::new().label("grid-bot"),
        KeyChange::new().label("a_name_of_seventeen"),
        KeyChange::new().allowed_ips(["0.0.0.0/0"]),
        KeyChange::new(),
    ] {
        let err = adapter.update_key(target(), &change).await.unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{change:?}: {err}");
    }
    assert!(sim.received_requests().await.is_empty());
}

#[tokio::test]
async fn a_key_is_disabled_and_enabled_by_its_number() {
    let sim = sim_start(Scenario::WithdrawEnabled).await;
    let adapter = sim.adapter().unwrap();
    let spec = NewKeySpec::new("bot", vec![Permission::Read]).allowed_ips(["203.0.113.7"]);
    let created = adapter.create_key(&spec).await.unwrap();
    let number = sim
        .with_state(|state| state.key(&created.api_key).map(|k| k.id))
        .flatten()
        .unwrap()
        .to_string();
    adapter
        .set_key_enabled(KeyRef::other(created.api_key.clone()), false)
        .await
        .unwrap();
    let requests = sim.received_requests().await;
    let disable = requests.last().unwrap();
    assert_eq!(disable.path, DISABLE);
    assert_eq!(
        disable.query.as_deref(),
        Some(format!("id={number}").as_str())
    );
    let disabled = sim
        .builder()
        .credentials(Credentials::new(
            created.api_key.clone(),
            created.secret.expose_secret(),
        ))
        .build()
        .unwrap();
    let err = disabled.key_info().await.unwrap_err();
    assert!(
        err.auth_reason().is_some(),
        "a disabled key is refused: {err}"
    );
    adapter
        .set_key_enabled(KeyRef::other(created.api_key.clone()), true)
        .await
        .unwrap();
    assert_eq!(sim.received_requests().await.last().unwrap().path, ENABLE);
    assert!(disabled.key_info().await.is_ok(), "enabled again");
}

#[tokio::test]
async fn the_key_in_use_may_be_enabled_but_never_disabled_through_itself() {
    let server = MockServer::start().await;
    serve(&server, LIST, documented("list_api_keys.json"), None).await;
    let mut ours = fixture("deribit", "list_api_keys.json")["result"][1].clone();
    ours["enabled"] = true.into();
    serve(
        &server,
        ENABLE,
        ResponseTemplate::new(200)
            .set_body_json(json!({"jsonrpc": "2.0", "id": 8580, "result": ours})),
        None,
    )
    .await;
    let adapter = adapter_on(&server);
    for own in [KeyRef::Own, KeyRef::other("aD-KFx-H")] {
        let err = adapter.set_key_enabled(own, false).await.unwrap_err();
        assert!(err.is_unsupported(), "{err}");
        assert!(err.to_string().contains("deribit.com"), "{err}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    adapter.set_key_enabled(KeyRef::Own, true).await.unwrap();
    let enable = requests_to(&server, ENABLE).await;
    assert_eq!(enable[0].url.query(), Some("id=2"));
}

#[tokio::test]
async fn a_disable_deribit_does_not_show_done_says_so() {
    // Deribit's documented enable answer, to a disable: the key is shown enabled.
    let server = MockServer::start().await;
    serve(&server, LIST, list_with_key_3(), None).await;
    serve(&server, DISABLE, documented("enable_api_key.json"), None).await;
    let adapter = adapter_on(&server);
    let err = adapter
        .set_key_enabled(KeyRef::other("1sXMQBhM"), false)
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err}");
    assert!(err.to_string().contains("disabled"), "{err}");
    assert_no_documented_secret("error", &format!("{err} {err:?}"));
    server.reset().await;
    serve(&server, LIST, list_with_key_3(), None).await;
    serve(&server, DISABLE, documented("disable_api_key.json"), None).await;
    adapter
        .set_key_enabled(KeyRef::other("1sXMQBhM"), false)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_reset_hands_over_the_new_secret_for_the_same_client_id() {
    let server = MockServer::start().await;
    serve(&server, LIST, list_with_key_3(), None).await;
    serve(&server, RESET, documented("reset_api_key.json"), None).await;
    let reset = adapter_on(&server)
        .reset_secret(
            KeyRef::other("1sXMQBhM"),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap();
    assert_eq!(reset.exchange, ExchangeId::Deribit);
    assert_eq!(reset.api_key, "1sXMQBhM");
    assert_eq!(
        reset.secret.expose_secret(),
        "B6RsF9rrLY5ezEGBQkyLlV-UC7whyPJ34BMA-kKYpes"
    );
    assert_no_documented_secret("NewKey Debug", &format!("{reset:?}"));
    let resets = requests_to(&server, RESET).await;
    assert_eq!(resets.len(), 1);
    assert_eq!(resets[0].url.query(), Some("id=3"));
}

#[tokio::test]
async fn a_reset_answer_for_another_key_is_an_error_without_the_secret_in_it() {
    // Deribit's documented reset answer is for key 3; key 1 is reset here.
    let server = MockServer::start().await;
    serve(&server, LIST, documented("list_api_keys.json"), None).await;
    serve(&server, RESET, documented("reset_api_key.json"), None).await;
    let err = adapter_on(&server)
        .reset_secret(
            KeyRef::other("TiA4AyLPq3"),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown() && !err.is_retryable(), "{err}");
    assert!(err.to_string().contains("TiA4AyLPq3"), "{err}");
    assert_no_documented_secret("error", &format!("{err} {err:?}"));
}

#[tokio::test]
async fn resetting_the_key_in_use_cuts_the_adapter_off() {
    let server = MockServer::start().await;
    serve(&server, LIST, documented("list_api_keys.json"), None).await;
    let mut ours = fixture("deribit", "list_api_keys.json")["result"][1].clone();
    ours["client_secret"] = "TheNewSecretOfTheKeyInUse000000000000000000".into();
    serve(
        &server,
        RESET,
        ResponseTemplate::new(200)
            .set_body_json(json!({"jsonrpc": "2.0", "id": 6524, "result": ours})),
        None,
    )
    .await;
    let adapter = adapter_on(&server);
    let reset = adapter
        .reset_secret(KeyRef::Own, RevokeConfirm::IUnderstandThisIsIrreversible)
        .await
        .unwrap();
    assert_eq!(reset.api_key, "aD-KFx-H");
    assert_eq!(
        requests_to(&server, RESET).await[0].url.query(),
        Some("id=2")
    );
    let sent = server.received_requests().await.unwrap().len();
    let err = adapter.key_info().await.unwrap_err();
    assert_eq!(err.auth_reason(), Some(AuthReason::InvalidKey), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), sent);
}

/// A SecondFactor for the tests: answers every challenge with `code` (or fails), and keeps the
/// challenges it was given.
#[derive(Debug, Default)]
struct TestFactor {
    code: Option<&'static str>,
    seen: Mutex<Vec<Challenge>>,
}

#[async_trait]
impl SecondFactor for TestFactor {
    async fn answer(&self, challenge: &Challenge) -> exchange_keys::Result<SecretString> {
        self.seen.lock().unwrap().push(challenge.clone());
        match self.code {
            Some(code) => Ok(SecretString::from(code)),
            None => Err(Error::Transport {
                exchange: None,
                kind: exchange_keys::error::TransportKind::Other,
                message: "the authenticator app is not reachable".into(),
            }),
        }
    }
}

fn answering(
    server: &MockServer,
    factor: std::sync::Arc<TestFactor>,
) -> std::sync::Arc<dyn KeyAdapter> {
    common::builder_for(ExchangeId::Deribit, server)
        .second_factor(Shared(factor))
        .build()
        .unwrap()
}

/// Lends the builder a factor the test keeps reading.
#[derive(Debug)]
struct Shared(std::sync::Arc<TestFactor>);

#[async_trait]
impl SecondFactor for Shared {
    async fn answer(&self, challenge: &Challenge) -> exchange_keys::Result<SecretString> {
        self.0.answer(challenge).await
    }
}

fn factor(code: &'static str) -> std::sync::Arc<TestFactor> {
    std::sync::Arc::new(TestFactor {
        code: Some(code),
        ..TestFactor::default()
    })
}

fn challenge_answer() -> ResponseTemplate {
    documented("error_security_key_required.json")
}

#[tokio::test]
async fn a_challenged_list_is_sent_again_once_with_the_code_and_the_challenge() {
    let server = MockServer::start().await;
    serve(
        &server,
        LIST,
        challenge_answer(),
        Some(documented("list_api_keys.json")),
    )
    .await;
    let factor = factor(CODE);
    let adapter = answering(&server, factor.clone());
    let listed = adapter.list_keys().await.unwrap();
    assert_eq!(listed.len(), 2);

    let seen = factor.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "one challenge, one answer");
    let challenge = &seen[0];
    assert_eq!(challenge.exchange, ExchangeId::Deribit);
    assert_eq!(challenge.operation, Operation::ListKeys);
    assert_eq!(challenge.method, ChallengeMethod::Totp);
    assert!(challenge.prompt.contains("TOTP"), "{}", challenge.prompt);
    assert!(
        challenge.prompt.contains("private/list_api_keys"),
        "{}",
        challenge.prompt
    );

    let requests = requests_to(&server, LIST).await;
    assert_eq!(requests.len(), 2, "exactly two requests");
    assert_eq!(requests[0].url.query(), None, "the first as it always is");
    // As Deribit's documented answered request: the same call with the code and the challenge.
    let documented_request = fixture("deribit", "security_key_answered_request.json");
    let answered = params(&requests[1]);
    let keys: Vec<&str> = answered.keys().map(String::as_str).collect();
    assert_eq!(keys, ["authorization_data", "challenge"]);
    assert_eq!(
        answered["authorization_data"],
        documented_request["params"]["authorization_data"]
    );
    assert_eq!(
        answered["challenge"],
        documented_request["params"]["challenge"]
    );
    let shown = format!(
        "{listed:?} {} {adapter:?}",
        serde_json::to_string(&listed).unwrap()
    );
    assert!(!shown.contains(CODE), "the code stays out of the outcome");
}

#[tokio::test]
async fn a_challenged_write_is_sent_again_with_the_same_parameters_and_is_carried_out_once() {
    let server = MockServer::start().await;
    serve(&server, LIST, list_with_key_3(), None).await;
    serve(
        &server,
        EDIT,
        challenge_answer(),
        Some(documented("edit_api_key.json")),
    )
    .await;
    let factor = factor(CODE);
    answering(&server, factor.clone())
        .update_key(
            KeyRef::other("1sXMQBhM"),
            &KeyChange::new().label("NewKeyName"),
        )
        .await
        .unwrap();
    let seen = factor.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].operation, Operation::UpdateKey);
    assert!(
        seen[0].prompt.contains("private/edit_api_key"),
        "{}",
        seen[0].prompt
    );
    let edits = requests_to(&server, EDIT).await;
    assert_eq!(edits.len(), 2, "the refused edit and the answered one");
    let mut first = params(&edits[0]);
    let mut second = params(&edits[1]);
    assert_eq!(second.remove("authorization_data").as_deref(), Some(CODE));
    assert_eq!(second.remove("challenge").as_deref(), Some(CHALLENGE));
    assert_eq!(first, second, "the same request, once more");
    assert_eq!(first.remove("name").as_deref(), Some("NewKeyName"));
}

#[tokio::test]
async fn a_refused_code_is_an_error_without_the_code_and_never_a_loop() {
    // Deribit's documented refusal, and the same with the code echoed back.
    let mut echoed = fixture("deribit", "error_security_key_authorization.json");
    echoed["error"]["data"]["param"] = format!("authorization_data={CODE}").into();
    for refusal in [
        fixture("deribit", "error_security_key_authorization.json"),
        echoed,
        fixture("deribit", "error_bad_tfa.json"),
        fixture("deribit", "error_tfa_used.json"),
    ] {
        let server = MockServer::start().await;
        serve(&server, LIST, list_with_key_3(), None).await;
        serve(
            &server,
            RESET,
            challenge_answer(),
            Some(refused(refusal.clone())),
        )
        .await;
        let factor = factor(CODE);
        let err = answering(&server, factor.clone())
            .reset_secret(
                KeyRef::other("1sXMQBhM"),
                RevokeConfirm::IUnderstandThisIsIrreversible,
            )
            .await
            .unwrap_err();
        assert_eq!(
            err.auth_reason(),
            Some(AuthReason::SecondFactorRequired),
            "{refusal}: {err}"
        );
        assert!(!err.is_retryable(), "{err}");
        let text = format!("{err} {err:?}");
        assert!(text.contains("refused"), "{text}");
        assert!(!text.contains(CODE), "the code is in the error: {text}");
        assert_eq!(requests_to(&server, RESET).await.len(), 2, "{refusal}");
        assert_eq!(factor.seen.lock().unwrap().len(), 1);
    }
    let server = MockServer::start().await;
    serve(&server, LIST, list_with_key_3(), None).await;
    serve(
        &server,
        EDIT,
        challenge_answer(),
        Some(refused(fixture(
            "deribit",
            "error_security_key_authorization.json",
        ))),
    )
    .await;
    let err = answering(&server, factor(CODE))
        .update_key(KeyRef::other("1sXMQBhM"), &KeyChange::new().label("x"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("tfa_code_not_matched"), "{err}");
}

#[tokio::test]
async fn too_many_refused_codes_is_a_rate_limit() {
    let server = MockServer::start().await;
    serve(
        &server,
        LIST,
        challenge_answer(),
        Some(refused(fixture(
            "deribit",
            "error_security_key_over_limit.json",
        ))),
    )
    .await;
    let err = answering(&server, factor(CODE))
        .list_keys()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
    assert!(err.to_string().contains("wait 60 s"), "{err}");
    assert!(!format!("{err} {err:?}").contains(CODE));
}

#[tokio::test]
async fn a_second_challenge_after_the_code_is_an_error_not_another_round() {
    let server = MockServer::start().await;
    serve(&server, LIST, list_with_key_3(), None).await;
    serve(
        &server,
        DISABLE,
        challenge_answer(),
        Some(challenge_answer()),
    )
    .await;
    let factor = factor(CODE);
    let err = answering(&server, factor.clone())
        .set_key_enabled(KeyRef::other("1sXMQBhM"), false)
        .await
        .unwrap_err();
    assert_eq!(err.auth_reason(), Some(AuthReason::SecondFactorRequired));
    assert!(err.to_string().contains("again"), "{err}");
    assert_eq!(requests_to(&server, DISABLE).await.len(), 2);
    assert_eq!(factor.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_second_factor_that_fails_abandons_the_call() {
    let server = MockServer::start().await;
    serve(&server, LIST, list_with_key_3(), None).await;
    serve(
        &server,
        RESET,
        challenge_answer(),
        Some(documented("reset_api_key.json")),
    )
    .await;
    let failing = std::sync::Arc::new(TestFactor::default());
    let err = answering(&server, failing.clone())
        .reset_secret(
            KeyRef::other("1sXMQBhM"),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("authenticator"), "{err}");
    assert_eq!(
        requests_to(&server, RESET).await.len(),
        1,
        "nothing sent again"
    );
    assert_eq!(failing.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn without_a_second_factor_the_challenge_is_the_error_it_always_was() {
    let server = MockServer::start().await;
    serve(&server, LIST, list_with_key_3(), None).await;
    serve(&server, EDIT, challenge_answer(), None).await;
    let err = adapter_on(&server)
        .update_key(KeyRef::other("1sXMQBhM"), &KeyChange::new().label("x"))
        .await
        .unwrap_err();
    assert_eq!(err.auth_reason(), Some(AuthReason::SecondFactorRequired));
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(text.contains("TOTP code"), "{text}");
    assert!(text.contains("AdapterBuilder::second_factor"), "{text}");
    assert!(!text.contains(CHALLENGE), "{text}");
    assert_eq!(requests_to(&server, EDIT).await.len(), 1, "sent once");
}

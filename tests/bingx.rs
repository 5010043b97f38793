//! BingX: mapping of the documented `apiPermissions` answer, the envelope, request shape and
//! signature recomputed independently, error codes; sub-account key management from the
//! master key (JSON bodies signed over their sorted parameters).
#![cfg(feature = "bingx")]

mod common;

use common::{
    assert_new_key_deleted_saying, assert_served_error_fixtures, assert_undeleted_key_is_named,
    builder_for, fixture, hmac_hex, mount, mount_expecting_one, requests_to, wiremock_json_body,
    with_changes,
};
use exchange_keys::clock::FixedClock;
use exchange_keys::exchanges::bingx;
use exchange_keys::testkit::{CannedAnswer, Scenario, SimulatedExchange};
use exchange_keys::{
    AccountKind, AnomalyKind, AuthReason, Error, ExchangeId, Grant, IpEntry, IpRestriction,
    KeyChange, KeyRef, NewKeySpec, Permission, Reported, RevokeConfirm,
};
use secrecy::ExposeSecret;
use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

fn documented_data() -> serde_json::Value {
    fixture("bingx", "api_permissions.json")["data"].clone()
}

#[test]
fn documented_example_maps_field_by_field() {
    let info = bingx::map_key_info(&documented_data()).unwrap();
    let p = &info.permissions;
    assert_eq!(info.exchange, ExchangeId::Bingx);
    // [1, 2]: spot trading, read
    assert_eq!(p.get(&Permission::Read), Grant::Granted);
    assert_eq!(p.get(&Permission::SpotTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::FuturesTrade), Grant::Denied);
    // BingX's API serves spot and perpetual futures only.
    assert_eq!(p.get(&Permission::MarginTrade), Grant::Denied);
    assert_eq!(p.get(&Permission::OptionsTrade), Grant::Denied);
    assert_eq!(p.get(&Permission::Withdraw), Grant::Denied);
    assert_eq!(p.get(&Permission::Payment), Grant::Denied);
    assert_eq!(p.get(&Permission::UniversalTransfer), Grant::Denied);
    assert_eq!(p.get(&Permission::InternalTransfer), Grant::Denied);
    assert_eq!(p.get(&Permission::SubAccountManagement), Grant::Denied);
    assert_eq!(p.get(&Permission::KeyManagement), Grant::Denied);
    assert_eq!(p.vendor_granted, ["1", "2"]);
    assert_eq!(info.key_id, Reported::NotReported, "\"\" is no id");
    assert_eq!(info.label, Reported::Known("demo".into()));
    assert_eq!(info.ip_restriction, IpRestriction::Unrestricted);
    assert_eq!(info.enabled, Reported::Known(true));
    assert_eq!(info.created_at, Reported::NotReported);
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
}

#[test]
fn every_documented_code_and_addresses() {
    let mut data = documented_data();
    data["permissions"] = json!([2, 3, 4, "5", 7]);
    data["ipAddresses"] = json!(["203.0.113.7", "198.51.100.0/24"]);
    data["apiKey"] = "zF0123zQ".into();
    let info = bingx::map_key_info(&data).unwrap();
    let p = &info.permissions;
    assert_eq!(p.get(&Permission::SpotTrade), Grant::Denied);
    assert_eq!(p.get(&Permission::FuturesTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::UniversalTransfer), Grant::Granted);
    assert_eq!(p.get(&Permission::Withdraw), Grant::Granted);
    assert_eq!(p.get(&Permission::Payment), Grant::Granted);
    assert_eq!(p.get(&Permission::InternalTransfer), Grant::Granted);
    assert_eq!(info.key_id, Reported::Known("zF0123zQ".into()));
    assert_eq!(
        info.ip_restriction,
        IpRestriction::AllowList(vec![
            IpEntry::parse("203.0.113.7"),
            IpEntry::parse("198.51.100.0/24")
        ])
    );
    data["permissions"] = json!([2]);
    data["ipAddresses"] = json!([""]);
    let info = bingx::map_key_info(&data).unwrap();
    assert_eq!(info.is_read_only(), Reported::Known(true));
    assert_eq!(info.ip_restriction, IpRestriction::Unrestricted, "[\"\"]");
}

#[test]
fn unknown_or_unreadable_codes_leave_no_right_denied() {
    for codes in [json!([2, 6]), json!([2, {"id": 5}])] {
        let mut data = documented_data();
        data["permissions"] = codes.clone();
        let info = bingx::map_key_info(&data).unwrap();
        for right in Permission::WRITE {
            assert_eq!(
                info.permissions.get(&right),
                Grant::NotReported,
                "{codes} {right}"
            );
        }
        assert!(!info.anomalies.is_empty(), "{codes}");
    }
    let mut data = documented_data();
    data["permissions"] = json!([2, 6]);
    let info = bingx::map_key_info(&data).unwrap();
    assert_eq!(info.anomalies[0].kind, AnomalyKind::Unrecognized);
    assert_eq!(
        info.permissions.get(&Permission::Other("6".into())),
        Grant::Granted
    );
}

#[tokio::test]
async fn the_request_is_signed_as_bingx_documents() {
    let sim = SimulatedExchange::start(ExchangeId::Bingx, Scenario::ReadOnly)
        .await
        .unwrap();
    let now = 1_649_404_670_162_i64;
    let adapter = sim.builder().clock(FixedClock::new(now)).build().unwrap();
    adapter.key_info().await.unwrap();
    let requests = sim.received_requests().await;
    let r = requests
        .iter()
        .find(|r| r.path == "/openApi/v1/account/apiPermissions")
        .unwrap();
    let credentials = sim.credentials();
    assert_eq!(r.method, "GET");
    assert_eq!(r.header("x-bx-apikey"), Some(credentials.api_key()));
    let query = r.query.clone().unwrap();
    let (signed, signature) = query.rsplit_once("&signature=").unwrap();
    assert_eq!(signed, format!("timestamp={now}"));
    assert_eq!(
        signature,
        hmac_hex(credentials.secret().expose_secret(), signed)
    );
    assert_eq!(
        signature,
        "b91e2addf56a619e0bdfc6147ff02b90d22c2ac0ab531e5006e9edbfa2d70bb4"
    );
}

#[tokio::test]
async fn documented_errors_map_to_what_they_mean() {
    let sim = SimulatedExchange::start(ExchangeId::Bingx, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim
        .builder()
        .clock(FixedClock::new(exchange_keys::testkit::SERVER_TIME_MS))
        .build()
        .unwrap();
    assert_served_error_fixtures(
        &sim,
        adapter.as_ref(),
        200,
        &[
            ("error_invalid_key.json", Some(AuthReason::InvalidKey)),
            ("error_ip_not_allowed.json", Some(AuthReason::IpNotAllowed)),
            ("error_bad_signature.json", Some(AuthReason::BadSignature)),
            (
                "error_permission_denied.json",
                Some(AuthReason::PermissionDenied),
            ),
        ],
    )
    .await;
    sim.serve(CannedAnswer::with_status(
        429,
        fixture("bingx", "error_rate_limited.json"),
    ))
    .await;
    let err = adapter.key_info().await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
}

#[tokio::test]
async fn a_bare_answer_is_read_and_malformed_ones_fail_clearly() {
    let sim = SimulatedExchange::start(ExchangeId::Bingx, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    sim.serve(CannedAnswer::ok(documented_data())).await;
    let info = adapter.key_info().await.unwrap();
    assert_eq!(info.label, Reported::Known("demo".into()));
    for body in [
        "<html>maintenance</html>",
        "{\"code\":0,\"data\":{\"permissions\":[1",
        "{\"code\":0,\"data\":[1,2]}",
    ] {
        sim.serve_raw(200, "application/json", body.to_owned())
            .await;
        let err = adapter.key_info().await.unwrap_err();
        assert!(
            err.to_string().to_lowercase().contains("bingx"),
            "{body}: {err}"
        );
        assert!(!err.to_string().contains("UuGuyEGt6ZEk"), "{err}");
    }
}

/// The sub-account of BingX's documented list.
const SUB: &str = "16477999";
const NEW_KEY: &str = "Hk2v9QpX7rLmT4sNcB8yZ1dWfE6gJ3uA";
const NEW_SECRET: &str = "s9Xq2LmV7rT4nC8bZ1kW6fE3gJ5uA0pHdY2oR7iQ";

fn documented_key() -> serde_json::Value {
    fixture("bingx", "apikey_query.json")["data"]["apiInfos"][0].clone()
}

/// Checks that `body` is signed as BingX documents for a JSON body: every other parameter,
/// sorted, `name=value` joined by `&`, lists as compact JSON.
fn assert_signed(body: &serde_json::Value) {
    let mut params = body.as_object().unwrap().clone();
    let signature = params.remove("signature").unwrap();
    assert!(params.contains_key("timestamp"), "{body}");
    let mut names: Vec<&String> = params.keys().collect();
    names.sort();
    let string = names
        .iter()
        .map(|name| match &params[*name] {
            serde_json::Value::String(text) => format!("{name}={text}"),
            other => format!("{name}={other}"),
        })
        .collect::<Vec<_>>()
        .join("&");
    let secret = exchange_keys::testkit::credentials(ExchangeId::Bingx).unwrap();
    assert_eq!(
        signature,
        hmac_hex(secret.secret().expose_secret(), &string),
        "{string}"
    );
}

#[tokio::test]
async fn list_keys_gives_the_key_in_use_then_every_sub_account_key() {
    let sim = SimulatedExchange::start(ExchangeId::Bingx, Scenario::ReadOnly)
        .await
        .unwrap();
    let keys = sim.adapter().unwrap().list_keys().await.unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert_eq!(keys[0].label, Reported::Known("portfolio-tracker".into()));
    let sub = &keys[1];
    // apiKey/query's documented entry, field by field.
    assert_eq!(sub.key_id, Reported::Known("zF*******zQ".into()));
    assert_eq!(sub.label, Reported::Known("note****".into()));
    assert_eq!(sub.sub_account, Reported::Known(SUB.into()));
    assert_eq!(sub.account, Reported::Known(AccountKind::SubAccount));
    assert_eq!(
        sub.created_at.known().map(|t| t.timestamp_millis()),
        Some(1_702_289_687_211)
    );
    assert_eq!(sub.enabled, Reported::NotReported, "status is undocumented");
    assert_eq!(sub.ip_restriction, IpRestriction::Unrestricted, "[\"\"]");
    let p = &sub.permissions;
    for right in [
        Permission::Read,
        Permission::SpotTrade,
        Permission::FuturesTrade,
        Permission::UniversalTransfer,
        Permission::InternalTransfer,
    ] {
        assert_eq!(p.get(&right), Grant::Granted, "{right}");
    }
    assert_eq!(p.get(&Permission::Withdraw), Grant::Denied);
    assert_eq!(sub.raw["apikey"], documented_key());
    assert_eq!(sub.raw["subaccount"]["subAccountString"], "abc123456");
    let requests = sim.received_requests().await;
    let query = requests
        .iter()
        .find(|r| r.path == "/openApi/account/v1/apiKey/query")
        .unwrap();
    assert_eq!(query.query_param("uid").as_deref(), Some(SUB));
    let list = requests
        .iter()
        .find(|r| r.path == "/openApi/subAccount/v1/list")
        .unwrap();
    assert_eq!(list.query_param("page").as_deref(), Some("1"));
}

#[tokio::test]
async fn a_created_key_is_handed_over_signed_as_bingx_documents() {
    let sim = SimulatedExchange::start(ExchangeId::Bingx, Scenario::ReadOnly)
        .await
        .unwrap();
    let now = exchange_keys::testkit::SERVER_TIME_MS;
    let adapter = sim.builder().clock(FixedClock::new(now)).build().unwrap();
    let spec = NewKeySpec::new(" grid-bot ", vec![Permission::SpotTrade])
        .allowed_ips(["203.0.113.7", "198.51.100.0/24"])
        .sub_account("abc123456");
    let created = adapter.create_key(&spec).await.unwrap();
    assert!(created.passphrase.is_none());
    let secret = created.secret.expose_secret().to_owned();
    assert_eq!(
        sim.with_state(|s| s.secret_of(&created.api_key)).flatten(),
        Some(secret.clone())
    );
    assert!(!format!("{created:?}").contains(&secret));
    let requests = sim.received_requests().await;
    let create = requests
        .iter()
        .find(|r| r.path == "/openApi/subAccount/v1/apiKey/create")
        .unwrap();
    assert_eq!(create.method, "POST");
    assert_eq!(create.query, None, "the parameters travel in the body");
    assert_eq!(create.header("content-type"), Some("application/json"));
    assert_eq!(
        create.header("x-bx-apikey"),
        Some(sim.credentials().api_key())
    );
    let body = create.json_body();
    // The user name was looked up: BingX takes the UID, as a number.
    assert_eq!(body["subUid"], json!(16_477_999));
    assert_eq!(body["note"], "grid-bot");
    assert_eq!(body["permissions"], json!([1, 2]), "reading is always held");
    assert_eq!(
        body["ipAddresses"],
        json!(["203.0.113.7", "198.51.100.0/24"])
    );
    assert_eq!(body["timestamp"], json!(now));
    let mut params = body.as_object().unwrap().clone();
    let signature = params.remove("signature").unwrap();
    assert_eq!(
        signature,
        hmac_hex(
            sim.credentials().secret().expose_secret(),
            &bingx::body_param_string(&params)
        )
    );
    assert_signed(&body);
}

#[tokio::test]
async fn what_bingx_cannot_or_must_not_grant_is_refused_before_anything_is_sent() {
    let sim = SimulatedExchange::start(ExchangeId::Bingx, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    let bound = |rights| NewKeySpec::new("bot", rights).allowed_ips(["203.0.113.7"]);
    for spec in [
        bound(vec![Permission::Read, Permission::Withdraw]).sub_account(SUB),
        bound(vec![Permission::MarginTrade]).sub_account(SUB),
        bound(vec![Permission::SubAccountManagement]).sub_account(SUB),
        bound(vec![Permission::Read]),
        NewKeySpec::new(" ", vec![Permission::Read])
            .allowed_ips(["203.0.113.7"])
            .sub_account(SUB),
        bound(vec![Permission::Read]).sub_account("not a uid"),
    ] {
        let err = adapter.create_key(&spec).await.unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{spec:?}: {err}");
    }
    let writes = sim
        .received_requests()
        .await
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(writes, 0, "nothing was created");
}

/// A server whose create answer is BingX's documented one with `changes`, whose key listing is
/// `listed` (the keys of sub-account `SUB`), and whose delete answer is `deleted`.
async fn creating_server(
    changes: serde_json::Value,
    listed: Vec<serde_json::Value>,
    deleted: ResponseTemplate,
) -> MockServer {
    let server = MockServer::start().await;
    let created = with_changes(
        fixture("bingx", "subaccount_apikey_create.json"),
        "/data",
        &changes,
    );
    mount_expecting_one(
        &server,
        "POST",
        "/openApi/subAccount/v1/apiKey/create",
        ResponseTemplate::new(200).set_body_json(created),
    )
    .await;
    let mut query = fixture("bingx", "apikey_query.json");
    query["data"]["apiInfos"] = json!(listed);
    mount(
        &server,
        "GET",
        "/openApi/account/v1/apiKey/query",
        ResponseTemplate::new(200).set_body_json(query),
    )
    .await;
    mount(
        &server,
        "POST",
        "/openApi/subAccount/v1/apiKey/del",
        deleted,
    )
    .await;
    server
}

fn read_only_spec() -> NewKeySpec {
    NewKeySpec::new("bot", vec![Permission::Read])
        .allowed_ips(["203.0.113.7"])
        .sub_account(SUB)
}

fn listed_new_key(permissions: serde_json::Value, ips: serde_json::Value) -> serde_json::Value {
    let mut entry = documented_key();
    entry["apiKey"] = format!("{}****{}", &NEW_KEY[..4], &NEW_KEY[NEW_KEY.len() - 4..]).into();
    entry["permissions"] = permissions;
    entry["ipAddresses"] = ips;
    entry
}

fn deleted_ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(fixture("bingx", "subaccount_apikey_del.json"))
}

fn paths(requests: &[wiremock::Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

#[tokio::test]
async fn a_create_answer_with_the_documented_empty_lists_is_confirmed_by_the_listing() {
    // BingX's example answer shows `permissions: []` and `ipAddresses: []`: the key as
    // apiKey/query lists it (masked, as documented) decides.
    let server = creating_server(
        json!({ "apiKey": NEW_KEY, "apiSecret": NEW_SECRET }),
        vec![listed_new_key(json!([2]), json!(["203.0.113.7"]))],
        deleted_ok(),
    )
    .await;
    let adapter = builder_for(ExchangeId::Bingx, &server).build().unwrap();
    let created = adapter.create_key(&read_only_spec()).await.unwrap();
    assert_eq!(created.api_key, NEW_KEY);
    assert_eq!(created.secret.expose_secret(), NEW_SECRET);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        paths(&requests),
        [
            "POST /openApi/subAccount/v1/apiKey/create",
            "GET /openApi/account/v1/apiKey/query"
        ]
    );
    let query = requests[1].url.query().unwrap_or_default().to_owned();
    assert!(
        query.contains(&format!("uid={SUB}&apiKey={NEW_KEY}")),
        "{query}"
    );
    assert_signed(&wiremock_json_body(&requests[0]));
}

#[tokio::test]
async fn a_new_key_not_shown_as_asked_is_deleted_not_handed_over() {
    for (listed, why) in [
        (
            vec![listed_new_key(json!([2]), json!(["198.51.100.9"]))],
            "bound to exactly 203.0.113.7",
        ),
        (
            vec![listed_new_key(json!([2, 5]), json!(["203.0.113.7"]))],
            "able to withdraw",
        ),
        (
            vec![listed_new_key(json!([1, 2]), json!(["203.0.113.7"]))],
            "not [2] as asked",
        ),
        (vec![], "lists no such key"),
    ] {
        let server = creating_server(
            json!({ "apiKey": NEW_KEY, "apiSecret": NEW_SECRET }),
            listed,
            deleted_ok(),
        )
        .await;
        let adapter = builder_for(ExchangeId::Bingx, &server).build().unwrap();
        let err = adapter.create_key(&read_only_spec()).await.unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(matches!(err, Error::Rejected { .. }), "{text}");
        assert!(
            err.to_string().contains("was deleted: no key was created"),
            "{err}"
        );
        assert!(err.to_string().contains(why), "{why}: {err}");
        assert!(!text.contains(NEW_SECRET), "{text}");
        let requests = server.received_requests().await.unwrap();
        let delete = requests.last().unwrap();
        assert_eq!(delete.url.path(), "/openApi/subAccount/v1/apiKey/del");
        let body = wiremock_json_body(delete);
        assert_eq!(body["subUid"], json!(16_477_999));
        assert_eq!(body["apiKey"], NEW_KEY);
        assert_signed(&body);
    }
}

#[tokio::test]
async fn a_create_answer_showing_withdrawal_or_no_secret_deletes_the_key() {
    for (changes, why) in [
        (
            json!({ "apiKey": NEW_KEY, "apiSecret": NEW_SECRET,
                    "permissions": [2, 5], "ipAddresses": ["203.0.113.7"] }),
            "able to withdraw",
        ),
        (
            json!({ "apiKey": NEW_KEY, "apiSecret": "" }),
            "no usable secret",
        ),
        // The documented answer's secret is masked.
        (json!({ "apiKey": NEW_KEY }), "no usable secret"),
    ] {
        let server = creating_server(changes, vec![], deleted_ok()).await;
        let adapter = builder_for(ExchangeId::Bingx, &server).build().unwrap();
        let err = adapter.create_key(&read_only_spec()).await.unwrap_err();
        assert_new_key_deleted_saying(&err, why, NEW_SECRET);
    }
}

#[tokio::test]
async fn a_new_key_that_cannot_be_deleted_says_where_it_is() {
    for (deleted, unknown) in [
        (ResponseTemplate::new(503), true),
        (
            ResponseTemplate::new(200)
                .set_body_json(fixture("bingx", "error_permission_denied.json")),
            false,
        ),
    ] {
        let server = creating_server(
            json!({ "apiKey": NEW_KEY, "apiSecret": NEW_SECRET,
                    "permissions": [2], "ipAddresses": ["198.51.100.9"] }),
            vec![listed_new_key(json!([2]), json!(["198.51.100.9"]))],
            deleted,
        )
        .await;
        let adapter = builder_for(ExchangeId::Bingx, &server).build().unwrap();
        let err = adapter.create_key(&read_only_spec()).await.unwrap_err();
        assert_undeleted_key_is_named(&err, unknown, NEW_KEY, "bingx.com", NEW_SECRET);
        assert_eq!(
            requests_to(&server, "/openApi/subAccount/v1/apiKey/del").await,
            1,
            "the deletion is sent once"
        );
    }
}

#[tokio::test]
async fn a_create_answer_naming_the_key_only_masked_leaves_the_outcome_unknown() {
    // BingX's documented answer, verbatim: `kRaent****jg`, `2b****Og`.
    let server = creating_server(json!({}), vec![], ResponseTemplate::new(500)).await;
    let adapter = builder_for(ExchangeId::Bingx, &server).build().unwrap();
    let err = adapter.create_key(&read_only_spec()).await.unwrap_err();
    assert!(err.is_outcome_unknown(), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("masked") && text.contains(SUB) && text.contains("bingx.com"),
        "{text}"
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "nothing to delete by"
    );
}

#[tokio::test]
async fn update_key_sends_the_whole_key_and_checks_the_answer() {
    let sim = SimulatedExchange::start(ExchangeId::Bingx, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    let created = adapter.create_key(&read_only_spec()).await.unwrap();
    // Named without its sub-account: found in the listing.
    adapter
        .update_key(
            KeyRef::other(created.api_key.clone()),
            &KeyChange::new().allowed_ips(["203.0.113.8"]),
        )
        .await
        .unwrap();
    let requests = sim.received_requests().await;
    let edit = requests
        .iter()
        .find(|r| r.path == "/openApi/subAccount/v1/apiKey/edit")
        .unwrap();
    let body = edit.json_body();
    assert_eq!(body["subUid"], json!(16_477_999));
    assert_eq!(body["apiKey"], created.api_key.as_str());
    assert_eq!(body["note"], "bot", "the note is sent back as listed");
    assert_eq!(body["permissions"], json!([2]), "and the rights");
    assert_eq!(body["ipAddresses"], json!(["203.0.113.8"]));
    assert_signed(&body);
    let held = sim
        .with_state(|s| s.key(&created.api_key).cloned())
        .flatten()
        .unwrap();
    assert_eq!(held.ips, ["203.0.113.8"]);
    adapter
        .update_key(
            KeyRef::sub_account_key(created.api_key.clone(), SUB),
            &KeyChange::new()
                .label("renamed")
                .permissions(vec![Permission::Read, Permission::FuturesTrade]),
        )
        .await
        .unwrap();
    let held = sim
        .with_state(|s| s.key(&created.api_key).cloned())
        .flatten()
        .unwrap();
    assert_eq!(held.label, "renamed");
    assert_eq!(held.permissions, ["2", "3"]);
    assert_eq!(held.ips, ["203.0.113.8"], "the addresses are kept");
    let err = adapter
        .update_key(
            KeyRef::sub_account_key(created.api_key.clone(), SUB),
            &KeyChange::new().permissions(vec![Permission::Withdraw]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err}");
}

#[tokio::test]
async fn a_key_shown_masked_is_not_edited_with_its_mask() {
    let sim = SimulatedExchange::start(ExchangeId::Bingx, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    // The documented key: `zF*******zQ`, note `note****`.
    let err = adapter
        .update_key(
            KeyRef::sub_account_key("zF0123456789zQ", SUB),
            &KeyChange::new().allowed_ips(["203.0.113.8"]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err}");
    assert!(err.to_string().contains("KeyChange::label"), "{err}");
    assert!(sim
        .received_requests()
        .await
        .iter()
        .all(|r| r.method != "POST"));
}

#[tokio::test]
async fn an_edit_answer_not_showing_the_change_leaves_the_outcome_unknown() {
    let server = MockServer::start().await;
    // The documented edit answer shows other rights and masked addresses.
    mount_expecting_one(
        &server,
        "POST",
        "/openApi/subAccount/v1/apiKey/edit",
        ResponseTemplate::new(200).set_body_json(fixture("bingx", "subaccount_apikey_edit.json")),
    )
    .await;
    let mut query = fixture("bingx", "apikey_query.json");
    query["data"]["apiInfos"] = json!([listed_new_key(
        json!([1, 2, 3, 4, 6, 7]),
        json!(["51.**.**.172"])
    )]);
    mount(
        &server,
        "GET",
        "/openApi/account/v1/apiKey/query",
        ResponseTemplate::new(200).set_body_json(query),
    )
    .await;
    let adapter = builder_for(ExchangeId::Bingx, &server).build().unwrap();
    let err = adapter
        .update_key(
            KeyRef::sub_account_key(NEW_KEY, SUB),
            &KeyChange::new()
                .label("bot")
                .permissions(vec![Permission::Read])
                .allowed_ips(["203.0.113.7"]),
        )
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err}");
    assert!(err.to_string().contains("bingx.com"), "{err}");
}

#[tokio::test]
async fn revoke_deletes_the_named_sub_account_key_and_never_the_key_in_use() {
    let sim = SimulatedExchange::start(ExchangeId::Bingx, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    let created = adapter.create_key(&read_only_spec()).await.unwrap();
    let revoked = adapter
        .revoke(
            KeyRef::sub_account_key(created.api_key.clone(), "abc123456"),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap();
    assert_eq!(revoked.key_id.as_deref(), Some(created.api_key.as_str()));
    assert_eq!(
        sim.with_state(|s| s.is_revoked(&created.api_key)),
        Some(true)
    );
    let delete = sim
        .received_requests()
        .await
        .into_iter()
        .find(|r| r.path == "/openApi/subAccount/v1/apiKey/del")
        .unwrap();
    let body = delete.json_body();
    assert_eq!(body["subUid"], json!(16_477_999));
    assert_signed(&body);
    // A key no sub-account lists is not deleted anywhere.
    let err = adapter
        .revoke(
            KeyRef::other("NoSuchKey"),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err}");
    let sent = sim.received_requests().await.len();
    let own = KeyRef::other(sim.credentials().api_key().to_owned());
    let err = adapter
        .revoke(own, RevokeConfirm::IUnderstandThisIsIrreversible)
        .await
        .unwrap_err();
    assert!(err.is_unsupported(), "{err}");
    assert!(err.to_string().contains("bingx.com"), "{err}");
    assert_eq!(sim.received_requests().await.len(), sent);
}

#[tokio::test]
async fn a_refusal_of_a_key_without_manage_subaccounts_says_why() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/openApi/v1/account/apiPermissions",
        ResponseTemplate::new(200).set_body_json(fixture("bingx", "api_permissions.json")),
    )
    .await;
    mount(
        &server,
        "GET",
        "/openApi/subAccount/v1/list",
        ResponseTemplate::new(200).set_body_json(fixture("bingx", "error_permission_denied.json")),
    )
    .await;
    let adapter = builder_for(ExchangeId::Bingx, &server).build().unwrap();
    let err = adapter.list_keys().await.unwrap_err();
    assert_eq!(
        err.auth_reason(),
        Some(AuthReason::PermissionDenied),
        "{err}"
    );
    assert!(err.to_string().contains("Manage Subaccounts"), "{err}");
}

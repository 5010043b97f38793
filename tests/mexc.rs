//! MEXC (spot v3): mapping of the third-party sample answer, lenient reading of an answer whose
//! shape is undocumented, request shape and signature recomputed independently, error codes;
//! sub-account keys managed from a master key (list, create, revoke) and their refusal paths.
#![cfg(feature = "mexc")]

mod common;

use common::{
    assert_served_error_fixtures, assert_undeleted_key_is_named, at, builder_for, fixture,
    hmac_hex, mount, mount_expecting_one, with_changes,
};
use exchange_keys::clock::FixedClock;
use exchange_keys::exchanges::mexc;
use exchange_keys::testkit::{CannedAnswer, Scenario, SimulatedExchange};
use exchange_keys::{
    AccountKind, AnomalyKind, AuthReason, Error, ExchangeId, Grant, IpEntry, IpRestriction,
    KeyChange, KeyRef, NewKeySpec, Operation, Permission, Reported, RevokeConfirm,
};
use secrecy::ExposeSecret;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn documented() -> serde_json::Value {
    fixture("mexc", "api_key_info.json")
}

#[test]
fn sample_answer_maps_field_by_field() {
    let info = mexc::map_key_info(&documented()).unwrap();
    let p = &info.permissions;
    assert_eq!(info.exchange, ExchangeId::Mexc);
    // CONTRACT_ACCOUNT_READ,CONTRACT_DEAL_READ,SPOT_ACCOUNT_READ,SPOT_DEAL_WRITE,SPOT_DEAL_READ
    assert_eq!(p.get(&Permission::Read), Grant::Granted);
    assert_eq!(p.get(&Permission::SpotTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::MarginTrade), Grant::Denied);
    assert_eq!(p.get(&Permission::FuturesTrade), Grant::Denied);
    assert_eq!(p.get(&Permission::OptionsTrade), Grant::Denied);
    assert_eq!(p.get(&Permission::Withdraw), Grant::Denied);
    assert_eq!(p.get(&Permission::Payment), Grant::Denied);
    assert_eq!(p.get(&Permission::InternalTransfer), Grant::Denied);
    assert_eq!(p.get(&Permission::UniversalTransfer), Grant::Denied);
    // SPOT_ACCOUNT_READ is what one copy of MEXC's docs asks to manage sub-account keys.
    assert_eq!(p.get(&Permission::SubAccountManagement), Grant::NotReported);
    assert_eq!(p.get(&Permission::KeyManagement), Grant::NotReported);
    assert_eq!(p.vendor_granted.len(), 5);
    assert_eq!(info.key_id, Reported::Known("mx0npKfh57kEEVmyLa".into()));
    assert_eq!(info.label, Reported::Known("note2".into()));
    assert_eq!(
        info.ip_restriction,
        IpRestriction::Unrestricted,
        "\"\" = none"
    );
    assert_eq!(info.created_at, Reported::Known(at("2026-09-14T18:53:36Z")));
    assert_eq!(info.enabled, Reported::Known(true), "status VALID");
    assert_eq!(
        info.expires_at,
        Reported::NotReported,
        "remainingValidity not mapped"
    );
    assert_eq!(info.account, Reported::NotReported);
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
    assert_eq!(info.raw, documented());
}

#[test]
fn withdrawal_transfer_and_account_write_tokens() {
    let mut answer = documented();
    answer["permissions"] =
        "SPOT_WITHDRAW_WRITE, spot_transfer_write ,SPOT_ACCOUNT_WRITE,CONTRACT_DEAL_WRITE".into();
    answer["ipWhiteList"] = "203.0.113.7,198.51.100.0/24".into();
    answer["createTime"] = json!(1_597_026_383_085_i64);
    let info = mexc::map_key_info(&answer).unwrap();
    let p = &info.permissions;
    assert_eq!(p.get(&Permission::Withdraw), Grant::Granted);
    assert_eq!(p.get(&Permission::Payment), Grant::Granted);
    assert_eq!(p.get(&Permission::UniversalTransfer), Grant::Granted);
    assert_eq!(p.get(&Permission::InternalTransfer), Grant::Granted);
    assert_eq!(p.get(&Permission::FuturesTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::KeyManagement), Grant::Granted);
    assert_eq!(p.get(&Permission::SubAccountManagement), Grant::NotReported);
    assert_eq!(
        info.ip_restriction,
        IpRestriction::AllowList(vec![
            IpEntry::parse("203.0.113.7"),
            IpEntry::parse("198.51.100.0/24")
        ])
    );
    assert_eq!(
        info.created_at,
        Reported::Known(at("2020-08-10T02:26:23.085Z")),
        "epoch ms read too"
    );
}

#[test]
fn a_list_of_permissions_is_read_as_well_as_a_text() {
    let mut answer = documented();
    answer["permissions"] = json!(["SPOT_DEAL_READ", "SPOT_WITHDRAW_READ"]);
    let info = mexc::map_key_info(&answer).unwrap();
    assert_eq!(info.is_read_only(), Reported::Known(true));
}

#[test]
fn unknown_tokens_and_right_like_fields_are_never_denied() {
    let mut answer = documented();
    answer["permissions"] = "SPOT_DEAL_READ,SPOT_EARN_WRITE".into();
    let info = mexc::map_key_info(&answer).unwrap();
    for right in Permission::WRITE {
        assert_eq!(info.permissions.get(&right), Grant::NotReported, "{right}");
    }
    assert_eq!(
        info.permissions
            .get(&Permission::Other("SPOT_EARN_WRITE".into())),
        Grant::Granted
    );
    assert!(info
        .anomalies
        .iter()
        .any(|a| a.kind == AnomalyKind::Unrecognized));

    let mut answer = documented();
    answer["permissions"] = "SPOT_DEAL_READ".into();
    answer["canWithdraw"] = json!(true);
    let info = mexc::map_key_info(&answer).unwrap();
    assert_eq!(
        info.permissions.get(&Permission::Withdraw),
        Grant::NotReported
    );
    assert_eq!(info.is_read_only(), Reported::NotReported);

    // A field that does not read like a right is only listed.
    let mut answer = documented();
    answer["permissions"] = "SPOT_DEAL_READ".into();
    answer["uid"] = json!("12345");
    let info = mexc::map_key_info(&answer).unwrap();
    assert_eq!(info.is_read_only(), Reported::Known(true));
    assert_eq!(info.anomalies[0].field, "uid");
}

#[test]
fn missing_or_mistyped_fields_cost_only_what_they_decide() {
    let mut answer = documented();
    answer.as_object_mut().unwrap().remove("permissions");
    answer["ipWhiteList"] = json!(42);
    answer["status"] = "FROZEN".into();
    answer["createTime"] = "yesterday".into();
    let info = mexc::map_key_info(&answer).unwrap();
    for right in Permission::WRITE {
        assert_eq!(info.permissions.get(&right), Grant::NotReported, "{right}");
    }
    assert_eq!(info.ip_restriction, IpRestriction::NotReported);
    assert_eq!(info.enabled, Reported::NotReported);
    assert_eq!(info.created_at, Reported::NotReported);
    assert_eq!(info.label, Reported::Known("note2".into()));
    let fields: Vec<&str> = info.anomalies.iter().map(|a| a.field.as_str()).collect();
    for field in ["permissions", "ipWhiteList", "status", "createTime"] {
        assert!(fields.contains(&field), "{field}: {fields:?}");
    }
}

#[test]
fn answers_that_are_not_key_information_fail_naming_mexc() {
    for answer in [json!([]), json!("ok"), json!({"serverTime": 1})] {
        let err = mexc::map_key_info(&answer).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err}");
        assert!(
            err.to_string().contains("MEXC") || err.to_string().contains("mexc"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn the_request_is_signed_as_mexc_documents() {
    let sim = SimulatedExchange::start(ExchangeId::Mexc, Scenario::ReadOnly)
        .await
        .unwrap();
    let now = 1_644_489_390_087_i64;
    let adapter = sim.builder().clock(FixedClock::new(now)).build().unwrap();
    adapter.key_info().await.unwrap();
    let requests = sim.received_requests().await;
    let r = requests
        .iter()
        .find(|r| r.path == "/api/v3/apiKeyInfo")
        .unwrap();
    let credentials = sim.credentials();
    assert_eq!(r.method, "GET");
    assert_eq!(r.header("x-mexc-apikey"), Some(credentials.api_key()));
    assert!(r.body.is_empty());
    let query = r.query.clone().unwrap();
    let (signed, signature) = query.rsplit_once("&signature=").unwrap();
    assert_eq!(
        signed,
        format!("accessKey=mx0aBYs33eIilxBWC5&recvWindow=5000&timestamp={now}")
    );
    assert_eq!(
        signature,
        hmac_hex(credentials.secret().expose_secret(), signed)
    );
    assert_eq!(
        signature,
        "75577503acaf11a1b736a944016981b07320b89a5778297c5150e9b72929abe9"
    );
}

#[tokio::test]
async fn documented_errors_map_to_what_they_mean() {
    let sim = SimulatedExchange::start(ExchangeId::Mexc, Scenario::ReadOnly)
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
        400,
        &[
            ("error_invalid_key.json", Some(AuthReason::InvalidKey)),
            ("error_key_format.json", Some(AuthReason::InvalidKey)),
            ("error_bad_signature.json", Some(AuthReason::Ambiguous)),
            ("error_ip_not_allowed.json", Some(AuthReason::IpNotAllowed)),
            (
                "error_permission_denied.json",
                Some(AuthReason::PermissionDenied),
            ),
        ],
    )
    .await;
    sim.serve(
        CannedAnswer::with_status(429, fixture("mexc", "error_rate_limited.json"))
            .header("retry-after", "10"),
    )
    .await;
    let err = adapter.key_info().await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
}

#[tokio::test]
async fn html_and_truncated_answers_are_clear_errors() {
    let sim = SimulatedExchange::start(ExchangeId::Mexc, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    for body in [
        "<html><body>502 Bad Gateway</body></html>",
        "{\"note\":\"x\",\"perm",
    ] {
        sim.serve_raw(200, "text/html", body.to_owned()).await;
        let err = adapter.key_info().await.unwrap_err();
        assert!(err.to_string().to_lowercase().contains("mexc"), "{err}");
        assert!(
            !err.to_string().contains("45d0b3c26f2644f19bfb98b07741b2f5"),
            "{err}"
        );
    }
}

#[test]
fn no_secret_in_debug() {
    let adapter = ExchangeId::Mexc
        .builder()
        .credentials(exchange_keys::Credentials::new(
            "mx0aBYs33eIilxBWC5",
            "45d0b3c26f2644f19bfb98b07741b2f5",
        ))
        .build()
        .unwrap();
    assert!(!format!("{adapter:?}").contains("45d0b3c26f2644f19bfb98b07741b2f5"));
}

// ---------------------------------------------------------------------------------------------
// Sub-account keys, from a master key.
// ---------------------------------------------------------------------------------------------

/// The documented sub-account the simulator lists the documented keys under.
const SUB: &str = "mexc666";
const SECRET: &str = "45d0b3c26f2644f19bfb98b07741b2f5";
const CONFIRM: RevokeConfirm = RevokeConfirm::IUnderstandThisIsIrreversible;

async fn master(
    scenario: Scenario,
) -> (
    SimulatedExchange,
    std::sync::Arc<dyn exchange_keys::KeyAdapter>,
) {
    let sim = SimulatedExchange::start(ExchangeId::Mexc, scenario)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    (sim, adapter)
}

/// `request`'s query without its signature, after checking the signature covers exactly it.
fn signed_query(request: &exchange_keys::testkit::RecordedRequest) -> String {
    let query = request.query.clone().unwrap();
    let (signed, signature) = query.rsplit_once("&signature=").unwrap();
    assert_eq!(signature, hmac_hex(SECRET, signed), "{query}");
    assert_eq!(request.header("x-mexc-apikey"), Some("mx0aBYs33eIilxBWC5"));
    signed.to_owned()
}

#[test]
fn documented_sub_account_keys_map_field_by_field() {
    let keys = fixture("mexc", "subaccount_apikey_query.json");
    // {"note":"v5","apiKey":"arg13sdfgs","permissions":"SPOT_ACCOUNT_READ,SPOT_ACCOUNT_WRITE",
    //  "ip":"1.1.1.1,2.2.2.2","creatTime":1597026383085}
    let info = mexc::map_sub_account_key(SUB, &keys["subAccount"][0]).unwrap();
    let p = &info.permissions;
    assert_eq!(info.key_id, Reported::Known("arg13sdfgs".into()));
    assert_eq!(info.label, Reported::Known("v5".into()));
    assert_eq!(p.get(&Permission::Read), Grant::Granted);
    assert_eq!(p.get(&Permission::SpotTrade), Grant::Denied);
    assert_eq!(p.get(&Permission::Withdraw), Grant::Denied);
    assert_eq!(p.get(&Permission::UniversalTransfer), Grant::Denied);
    // A sub-account has no sub-accounts; SPOT_ACCOUNT_WRITE sets a key's allowlist.
    assert_eq!(p.get(&Permission::SubAccountManagement), Grant::Denied);
    assert_eq!(p.get(&Permission::KeyManagement), Grant::Granted);
    assert_eq!(
        info.ip_restriction,
        IpRestriction::AllowList(vec![IpEntry::parse("1.1.1.1"), IpEntry::parse("2.2.2.2")])
    );
    assert_eq!(
        info.created_at,
        Reported::Known(at("2020-08-10T02:26:23.085Z"))
    );
    assert_eq!(info.account, Reported::Known(AccountKind::SubAccount));
    assert_eq!(info.sub_account, Reported::Known(SUB.into()));
    assert_eq!(info.enabled, Reported::NotReported);
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
    assert_eq!(info.raw, keys["subAccount"][0]);
}

#[test]
fn both_spellings_of_the_creation_time_are_read() {
    let mut key = fixture("mexc", "subaccount_apikey_query.json")["subAccount"][1].clone();
    let object = key.as_object_mut().unwrap();
    let ms = object.remove("creatTime").unwrap();
    object.insert("createTime".into(), ms);
    let info = mexc::map_sub_account_key(SUB, &key).unwrap();
    assert_eq!(
        info.created_at,
        Reported::Known(at("2020-08-10T02:26:23.085Z"))
    );
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
    key.as_object_mut().unwrap().remove("createTime");
    let info = mexc::map_sub_account_key(SUB, &key).unwrap();
    assert_eq!(info.created_at, Reported::NotReported);
    assert!(
        info.anomalies
            .iter()
            .any(|a| a.kind == AnomalyKind::Missing && a.field == "createTime"),
        "{:?}",
        info.anomalies
    );
}

#[test]
fn an_unknown_token_of_a_sub_account_key_denies_nothing_it_could_grant() {
    let mut key = fixture("mexc", "subaccount_apikey_query.json")["subAccount"][0].clone();
    key["permissions"] = "SPOT_DEAL_READ,EARN_WRITE".into();
    key["canBorrow"] = true.into();
    let info = mexc::map_sub_account_key(SUB, &key).unwrap();
    let p = &info.permissions;
    assert_eq!(
        p.get(&Permission::Other("EARN_WRITE".into())),
        Grant::Granted
    );
    for right in Permission::WRITE {
        assert_ne!(p.get(&right), Grant::Denied, "{right}");
    }
    assert!(mexc::map_sub_account_key(SUB, &json!([])).is_err());
}

#[tokio::test]
async fn list_keys_gives_the_key_in_use_then_every_sub_account_key() {
    let (sim, adapter) = master(Scenario::DocumentedExample).await;
    let listed = adapter.list_keys().await.unwrap();
    let ids: Vec<_> = listed.iter().map(|k| k.key_id.clone()).collect();
    assert_eq!(
        ids,
        [
            Reported::Known("mx0npKfh57kEEVmyLa".to_owned()),
            Reported::Known("arg13sdfgs".to_owned()),
            Reported::Known("arg13sdfgs12".to_owned()),
        ]
    );
    assert_eq!(listed[0].account, Reported::NotReported);
    for key in &listed[1..] {
        assert_eq!(key.sub_account, Reported::Known(SUB.to_owned()));
        assert_eq!(key.raw["subaccount"]["subAccount"], SUB);
        assert_eq!(key.raw["subaccount"]["uid"], "49910511");
    }
    let requests = sim.received_requests().await;
    let calls: Vec<(String, String)> = requests
        .iter()
        .map(|r| (r.path.clone(), signed_query(r)))
        .map(|(path, query)| {
            let params: Vec<&str> = query
                .split('&')
                .filter(|p| !p.starts_with("timestamp=") && !p.starts_with("recvWindow="))
                .collect();
            (path, params.join("&"))
        })
        .collect();
    assert_eq!(
        calls,
        [
            (
                "/api/v3/apiKeyInfo".into(),
                "accessKey=mx0aBYs33eIilxBWC5".into()
            ),
            ("/api/v3/sub-account/list".into(), "page=1&limit=200".into()),
            (
                "/api/v3/sub-account/apiKey".into(),
                "subAccount=mexc666".into()
            ),
            (
                "/api/v3/sub-account/apiKey".into(),
                "subAccount=mexc888".into()
            ),
        ]
    );
}

/// A server answering the sub-account list with `pages` (page n = `pages[n-1]`, empty after)
/// and every sub-account's keys with an empty list.
async fn paging_server(pages: Vec<Vec<serde_json::Value>>, repeat_last: bool) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/api/v3/apiKeyInfo"))
        .respond_with(ResponseTemplate::new(200).set_body_json(documented()))
        .mount(&server)
        .await;
    Mock::given(path("/api/v3/sub-account/list"))
        .respond_with(move |request: &wiremock::Request| {
            let page: usize = request
                .url
                .query_pairs()
                .find(|(n, _)| n == "page")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(1);
            let entries = match pages.get(page - 1) {
                Some(entries) => entries.clone(),
                None if repeat_last => pages.last().cloned().unwrap_or_default(),
                None => Vec::new(),
            };
            ResponseTemplate::new(200).set_body_json(json!({ "subAccounts": entries }))
        })
        .mount(&server)
        .await;
    Mock::given(path("/api/v3/sub-account/apiKey"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "subAccount": [] })))
        .mount(&server)
        .await;
    server
}

fn sub_accounts(prefix: &str, count: usize) -> Vec<serde_json::Value> {
    (0..count)
        .map(|i| {
            let mut entry = fixture("mexc", "subaccount_list.json")["subAccounts"][0].clone();
            entry["subAccount"] = format!("{prefix}{i:04}").into();
            entry
        })
        .collect()
}

#[tokio::test]
async fn sub_accounts_are_read_page_by_page_until_a_short_page() {
    let server = paging_server(vec![sub_accounts("a", 200), sub_accounts("b", 3)], false).await;
    let adapter = builder_for(ExchangeId::Mexc, &server).build().unwrap();
    let listed = adapter.list_keys().await.unwrap();
    assert_eq!(listed.len(), 1, "no sub-account holds a key");
    let requests = server.received_requests().await.unwrap();
    let pages: Vec<String> = requests
        .iter()
        .filter(|r| r.url.path() == "/api/v3/sub-account/list")
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(n, _)| n == "page")
                .unwrap()
                .1
                .into_owned()
        })
        .collect();
    assert_eq!(pages, ["1", "2"]);
    let key_lists = requests
        .iter()
        .filter(|r| r.url.path() == "/api/v3/sub-account/apiKey")
        .count();
    assert_eq!(key_lists, 203, "every sub-account's keys are asked for");
}

#[tokio::test]
async fn a_sub_account_list_that_does_not_page_is_an_error_not_a_loop() {
    let server = paging_server(vec![sub_accounts("a", 200)], true).await;
    let adapter = builder_for(ExchangeId::Mexc, &server).build().unwrap();
    let err = adapter.list_keys().await.unwrap_err();
    assert!(err.to_string().contains("does not page"), "{err}");
    assert!(err.to_string().to_lowercase().contains("mexc"), "{err}");
}

#[tokio::test]
async fn unreadable_entries_cost_only_themselves() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v3/apiKeyInfo"))
        .respond_with(ResponseTemplate::new(200).set_body_json(documented()))
        .mount(&server)
        .await;
    let mut nameless = fixture("mexc", "subaccount_list.json")["subAccounts"][0].clone();
    nameless["subAccount"] = json!(null);
    let named = fixture("mexc", "subaccount_list.json")["subAccounts"][0].clone();
    Mock::given(path("/api/v3/sub-account/list"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "subAccounts": [nameless, named] })),
        )
        .mount(&server)
        .await;
    let mut keys = fixture("mexc", "subaccount_apikey_query.json");
    keys["subAccount"][1] = json!("not a key");
    Mock::given(path("/api/v3/sub-account/apiKey"))
        .respond_with(ResponseTemplate::new(200).set_body_json(keys))
        .mount(&server)
        .await;
    let adapter = builder_for(ExchangeId::Mexc, &server).build().unwrap();
    let listed = adapter.list_keys().await.unwrap();
    assert_eq!(listed.len(), 4, "{listed:?}");
    assert!(listed[1].anomalies.iter().any(|a| a.field == "subAccount"));
    assert_eq!(listed[2].key_id, Reported::Known("arg13sdfgs".into()));
    assert!(listed[2].anomalies.is_empty());
    assert_eq!(listed[3].key_id, Reported::NotReported);
    assert_eq!(listed[3].sub_account, Reported::Known(SUB.into()));
    assert!(!listed[3].anomalies.is_empty());
}

#[tokio::test]
async fn a_sub_account_list_refused_to_a_key_without_the_right_says_why() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v3/apiKeyInfo"))
        .respond_with(ResponseTemplate::new(200).set_body_json(documented()))
        .mount(&server)
        .await;
    Mock::given(path("/api/v3/sub-account/list"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(fixture("mexc", "error_permission_denied.json")),
        )
        .mount(&server)
        .await;
    let adapter = builder_for(ExchangeId::Mexc, &server).build().unwrap();
    let err = adapter.list_keys().await.unwrap_err();
    assert_eq!(
        err.auth_reason(),
        Some(AuthReason::PermissionDenied),
        "{err}"
    );
    assert!(err.to_string().contains("master account"), "{err}");
}

#[tokio::test]
async fn a_created_key_is_signed_as_mexc_documents_handed_over_and_listed() {
    let sim = SimulatedExchange::start(ExchangeId::Mexc, Scenario::DocumentedExample)
        .await
        .unwrap();
    let now = 1_644_489_390_087_i64;
    let adapter = sim.builder().clock(FixedClock::new(now)).build().unwrap();
    let spec = NewKeySpec::new(" grid_bot ", vec![Permission::SpotTrade, Permission::Read])
        .allowed_ips(["203.0.113.7", "203.0.113.8"])
        .sub_account(SUB);
    let created = adapter.create_key(&spec).await.unwrap();
    let requests = sim.received_requests().await;
    let create = requests.iter().find(|r| r.method == "POST").unwrap();
    assert_eq!(create.path, "/api/v3/sub-account/apiKey");
    assert!(create.body.is_empty(), "every parameter is in the query");
    assert_eq!(create.header("content-type"), Some("application/json"));
    // The commas URL-encoded (upper-case hex) before signing, as MEXC asks; the signature was
    // recomputed with Python's hmac over the same string.
    let query = create.query.clone().unwrap();
    assert_eq!(
        query,
        format!(
            "subAccount=mexc666&note=grid_bot&permissions=SPOT_DEAL_READ%2CSPOT_DEAL_WRITE&ip=203.0.113.7%2C203.0.113.8&recvWindow=5000&timestamp={now}&signature=b2e2ba378662184038433bca88eff417b65f3e5244ae940e5d4c13a0f2ae24d6"
        )
    );
    signed_query(create);
    assert_eq!(created.exchange, ExchangeId::Mexc);
    assert!(created.passphrase.is_none());
    let held = sim
        .with_state(|state| state.key(&created.api_key).cloned())
        .flatten()
        .unwrap();
    assert_eq!(created.secret.expose_secret(), held.secret);
    assert!(!format!("{created:?}").contains(&held.secret));
    let listed = adapter.list_keys().await.unwrap();
    let new = listed
        .iter()
        .find(|k| k.key_id == Reported::Known(created.api_key.clone()))
        .unwrap();
    assert_eq!(new.sub_account, Reported::Known(SUB.into()));
    assert_eq!(new.permissions.get(&Permission::SpotTrade), Grant::Granted);
    assert_eq!(
        new.permissions.get(&Permission::FuturesTrade),
        Grant::Denied
    );
    assert!(!serde_json::to_string(&listed)
        .unwrap()
        .contains(&held.secret));
}

#[tokio::test]
async fn what_mexc_cannot_do_for_a_sub_account_key_is_refused_before_anything_is_sent() {
    let (sim, adapter) = master(Scenario::DocumentedExample).await;
    let bound = |spec: NewKeySpec| spec.allowed_ips(["203.0.113.7"]);
    for (spec, says) in [
        (
            bound(NewKeySpec::new("bot", vec![Permission::Read])),
            "NewKeySpec::sub_account",
        ),
        (
            bound(NewKeySpec::new(" ", vec![Permission::Read])).sub_account(SUB),
            "note",
        ),
        (
            bound(NewKeySpec::new("bot", vec![Permission::Withdraw])).sub_account(SUB),
            "withdraw",
        ),
        (
            bound(NewKeySpec::new("bot", vec![Permission::MarginTrade])).sub_account(SUB),
            "no right granting",
        ),
        (
            bound(NewKeySpec::new("bot", vec![Permission::InternalTransfer])).sub_account(SUB),
            "SPOT_TRANSFER_WRITE",
        ),
        (
            bound(NewKeySpec::new(
                "bot",
                vec![Permission::Other("SPOT_WITHDRAW_WRITE".into())],
            ))
            .sub_account(SUB),
            "not one of them",
        ),
        (
            NewKeySpec::new("bot", vec![Permission::Read])
                .allowed_ips((1..=21).map(|i| format!("203.0.113.{i}")))
                .sub_account(SUB),
            "at most 20",
        ),
    ] {
        let err = adapter.create_key(&spec).await.unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err}");
        assert!(err.to_string().contains(says), "{says}: {err}");
    }
    let err = adapter.revoke(KeyRef::Own, CONFIRM).await.unwrap_err();
    assert!(err.is_unsupported(), "{err}");
    let err = adapter
        .revoke(KeyRef::sub_account_key("mx0aBYs33eIilxBWC5", SUB), CONFIRM)
        .await
        .unwrap_err();
    assert!(
        err.is_unsupported(),
        "the key in use, named by its id: {err}"
    );
    assert!(sim.received_requests().await.is_empty());
}

const NEW_KEY: &str = "mx0vglXc2nQ8rT4kLm";
const NEW_SECRET: &str = "7f1c0e3b9a2d4c6e8f0a1b2c3d4e5f60";

/// A server whose create answer is MEXC's documented one with `changes`, and whose delete
/// answer is `deleted`.
async fn creating_server(changes: serde_json::Value, deleted: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    let created = with_changes(
        fixture("mexc", "subaccount_apikey_create.json"),
        "",
        &changes,
    );
    mount_expecting_one(
        &server,
        "POST",
        "/api/v3/sub-account/apiKey",
        ResponseTemplate::new(200).set_body_json(created),
    )
    .await;
    mount(&server, "DELETE", "/api/v3/sub-account/apiKey", deleted).await;
    server
}

fn deleted_ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(fixture("mexc", "subaccount_apikey_delete.json"))
}

/// The parameters of the deletions `server` received.
async fn deletions(server: &MockServer) -> Vec<(String, String)> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "DELETE")
        .map(|r| {
            let param = |name: &str| {
                r.url
                    .query_pairs()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            (param("subAccount"), param("apiKey"))
        })
        .collect()
}

#[tokio::test]
async fn the_documented_create_answer_is_not_handed_over_and_its_key_is_deleted() {
    // The documented answer binds the key to `135.181.193`, which is no address.
    let server = creating_server(json!({}), deleted_ok()).await;
    let adapter = builder_for(ExchangeId::Mexc, &server).build().unwrap();
    let spec = NewKeySpec::new("1", vec![Permission::Other("SPOT_ACCOUNT_READ".into())])
        .allowed_ips(["203.0.113.7"])
        .sub_account("mexc1");
    let err = adapter.create_key(&spec).await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(matches!(err, Error::Rejected { .. }), "{text}");
    assert!(
        err.to_string().contains("was deleted: no key was created"),
        "{err}"
    );
    assert!(
        err.to_string().contains("bound to exactly 203.0.113.7"),
        "{err}"
    );
    assert!(!text.contains("nkjwn21973ihi"), "{text}");
    assert_eq!(
        deletions(&server).await,
        [("mexc1".to_owned(), "arg13sdfgs".to_owned())]
    );
}

#[tokio::test]
async fn a_new_key_with_other_rights_than_asked_is_deleted() {
    for (permissions, says) in [
        (
            "SPOT_DEAL_READ,SPOT_DEAL_WRITE",
            "not the `SPOT_DEAL_READ` asked for",
        ),
        ("SPOT_DEAL_READ,SPOT_WITHDRAW_WRITE", "unable to withdraw"),
        ("SPOT_DEAL_READ,SOMETHING_NEW", "unable to withdraw"),
        ("", "not the `SPOT_DEAL_READ` asked for"),
    ] {
        let server = creating_server(
            json!({
                "subAccount": SUB, "apiKey": NEW_KEY, "secretKey": NEW_SECRET,
                "ip": "203.0.113.7", "permissions": permissions
            }),
            deleted_ok(),
        )
        .await;
        let adapter = builder_for(ExchangeId::Mexc, &server).build().unwrap();
        let spec = NewKeySpec::new("bot", vec![Permission::Read])
            .allowed_ips(["203.0.113.7"])
            .sub_account(SUB);
        let err = adapter.create_key(&spec).await.unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(err.to_string().contains(says), "{permissions}: {err}");
        assert!(err.to_string().contains("was deleted"), "{err}");
        assert!(!text.contains(NEW_SECRET), "{text}");
        assert_eq!(
            deletions(&server).await,
            [(SUB.to_owned(), NEW_KEY.to_owned())]
        );
    }
}

#[tokio::test]
async fn a_new_key_without_a_secret_or_in_another_sub_account_is_deleted() {
    for (changes, holder, says) in [
        (json!({ "secretKey": null }), SUB, "carries no secret"),
        (json!({ "secretKey": "  " }), SUB, "carries no secret"),
        (
            json!({ "subAccount": "mexc888" }),
            "mexc888",
            "for sub-account `mexc888`",
        ),
    ] {
        let mut answer = json!({
            "subAccount": SUB, "apiKey": NEW_KEY, "secretKey": NEW_SECRET,
            "ip": "203.0.113.7", "permissions": "SPOT_DEAL_READ"
        });
        for (field, value) in changes.as_object().unwrap() {
            answer[field] = value.clone();
        }
        let server = creating_server(answer, deleted_ok()).await;
        let adapter = builder_for(ExchangeId::Mexc, &server).build().unwrap();
        let spec = NewKeySpec::new("bot", vec![Permission::Read])
            .allowed_ips(["203.0.113.7"])
            .sub_account(SUB);
        let err = adapter.create_key(&spec).await.unwrap_err();
        assert!(err.to_string().contains(says), "{err}");
        assert!(!format!("{err} {err:?}").contains(NEW_SECRET));
        assert_eq!(
            deletions(&server).await,
            [(holder.to_owned(), NEW_KEY.to_owned())]
        );
    }
}

#[tokio::test]
async fn a_new_key_that_cannot_be_deleted_says_where_it_is() {
    let unknown_key = ResponseTemplate::new(400)
        .set_body_json(json!({ "code": 730706, "msg": "API KEY information does not exist" }));
    for (deleted, outcome_unknown) in [(ResponseTemplate::new(503), true), (unknown_key, false)] {
        let server = creating_server(
            json!({ "subAccount": SUB, "apiKey": NEW_KEY, "secretKey": NEW_SECRET }),
            deleted,
        )
        .await;
        let adapter = builder_for(ExchangeId::Mexc, &server).build().unwrap();
        let spec = NewKeySpec::new("bot", vec![Permission::Read])
            .allowed_ips(["203.0.113.7"])
            .sub_account(SUB);
        let err = adapter.create_key(&spec).await.unwrap_err();
        assert_undeleted_key_is_named(&err, outcome_unknown, NEW_KEY, "mexc.com", NEW_SECRET);
        assert_eq!(
            deletions(&server).await.len(),
            1,
            "the deletion is sent once"
        );
    }
}

#[tokio::test]
async fn a_create_answer_naming_no_key_leaves_the_outcome_unknown() {
    let server = creating_server(
        json!({ "apiKey": "", "secretKey": NEW_SECRET }),
        ResponseTemplate::new(500),
    )
    .await;
    let adapter = builder_for(ExchangeId::Mexc, &server).build().unwrap();
    let spec = NewKeySpec::new("bot", vec![Permission::Read])
        .allowed_ips(["203.0.113.7"])
        .sub_account(SUB);
    let err = adapter.create_key(&spec).await.unwrap_err();
    assert!(err.is_outcome_unknown(), "{err}");
    assert!(err.to_string().contains(SUB), "{err}");
    assert!(!format!("{err} {err:?}").contains(NEW_SECRET));
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "nothing to delete by"
    );
}

#[tokio::test]
async fn an_unclear_create_says_where_to_look_and_is_not_sent_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let adapter = builder_for(ExchangeId::Mexc, &server)
        .retry(exchange_keys::RetryPolicy::default())
        .build()
        .unwrap();
    let spec = NewKeySpec::new("bot", vec![Permission::Read])
        .allowed_ips(["203.0.113.7"])
        .sub_account(SUB);
    let err = adapter.create_key(&spec).await.unwrap_err();
    assert!(err.is_outcome_unknown() && !err.is_retryable(), "{err}");
    assert!(
        err.to_string().contains("Sub-account management") && err.to_string().contains(SUB),
        "{err}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn revoke_deletes_the_named_sub_account_key_and_finds_an_unnamed_one() {
    let (sim, adapter) = master(Scenario::DocumentedExample).await;
    let revoked = adapter
        .revoke(KeyRef::sub_account_key("arg13sdfgs", SUB), CONFIRM)
        .await
        .unwrap();
    assert_eq!(revoked.key_id.as_deref(), Some("arg13sdfgs"));
    let requests = sim.received_requests().await;
    assert_eq!(requests.len(), 1, "named, the key is deleted at once");
    assert_eq!(requests[0].method, "DELETE");
    assert_eq!(requests[0].path, "/api/v3/sub-account/apiKey");
    assert!(signed_query(&requests[0]).starts_with("subAccount=mexc666&apiKey=arg13sdfgs&"));
    assert_eq!(sim.with_state(|s| s.is_revoked("arg13sdfgs")), Some(true));
    // Without its sub-account, the key is looked for in the listing first.
    adapter
        .revoke(KeyRef::other("arg13sdfgs12"), CONFIRM)
        .await
        .unwrap();
    assert_eq!(sim.with_state(|s| s.is_revoked("arg13sdfgs12")), Some(true));
    let listed = adapter.list_keys().await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    // A key no sub-account lists is not deleted anywhere.
    let sent = sim.received_requests().await.len();
    let err = adapter
        .revoke(KeyRef::other("nobody"), CONFIRM)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err}");
    let deletes = sim.received_requests().await[sent..]
        .iter()
        .filter(|r| r.method == "DELETE")
        .count();
    assert_eq!(deletes, 0);
}

#[tokio::test]
async fn deleting_a_key_mexc_does_not_know_is_a_refusal_not_a_bad_master_key() {
    let (_sim, adapter) = master(Scenario::DocumentedExample).await;
    let err = adapter
        .revoke(KeyRef::sub_account_key("nobody", SUB), CONFIRM)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err}");
    assert_eq!(err.auth_reason(), None);
    assert!(err.to_string().contains("has no key `nobody`"), "{err}");
}

#[tokio::test]
async fn what_mexc_cannot_do_stays_unsupported_with_its_manual_step() {
    let (sim, adapter) = master(Scenario::DocumentedExample).await;
    let target = KeyRef::sub_account_key("arg13sdfgs", SUB);
    let errors = [
        (
            Operation::UpdateKey,
            adapter
                .update_key(
                    target.clone(),
                    &KeyChange::default().allowed_ips(["203.0.113.7"]),
                )
                .await
                .unwrap_err(),
        ),
        (
            Operation::SetKeyEnabled,
            adapter
                .set_key_enabled(target.clone(), false)
                .await
                .unwrap_err(),
        ),
        (
            Operation::ResetSecret,
            adapter.reset_secret(target, CONFIRM).await.unwrap_err(),
        ),
    ];
    for (expected, err) in errors {
        match err {
            Error::Unsupported {
                operation,
                manual_step,
                ..
            } => {
                assert_eq!(operation, expected);
                assert!(manual_step.contains("mexc.com"), "{manual_step}");
            }
            other => panic!("{expected:?}: {other}"),
        }
    }
    assert!(sim.received_requests().await.is_empty());
}

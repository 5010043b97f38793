//! HTX: mapping of the documented `/v2/user/api-key` answer, the uid lookup, Signature V2
//! recomputed independently (for the host the request goes to), error codes, malformed answers;
//! sub-user key management from the parent key, with the parent's one-time code.
#![cfg(feature = "htx")]

mod common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use base64::Engine as _;
use common::{at, builder_for, fixture, mount};
use exchange_keys::exchanges::htx;
use exchange_keys::testkit::{
    CannedAnswer, RecordedRequest, Scenario, SimulatedExchange, SIMULATED_ONE_TIME_CODE,
};
use exchange_keys::{
    AccountKind, AuthReason, Challenge, ChallengeMethod, Credentials, Error, ExchangeId, Expiry,
    Grant, IpRestriction, KeyAdapter, KeyChange, KeyRef, NewKeySpec, Operation, Permission,
    Reported, RevokeConfirm, SecondFactor,
};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use sha2::Sha256;
use wiremock::{MockServer, ResponseTemplate};

/// The documented sub-user the simulator manages keys in.
const SUB_USER: &str = "132208121";

/// Checks the Signature V2 of `request` for `host`: only the query is signed.
fn assert_signed_for(request: &RecordedRequest, secret: &str, host: &str) {
    let query = request.query.clone().unwrap();
    let (signed, signature) = query.rsplit_once("&Signature=").unwrap();
    let prehash = format!("{}\n{host}\n{}\n{signed}", request.method, request.path);
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(prehash.as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let expected: String = form_urlencoded::byte_serialize(expected.as_bytes()).collect();
    assert_eq!(
        signature.to_ascii_uppercase(),
        expected.to_ascii_uppercase(),
        "{} {}",
        request.method,
        request.path
    );
}

/// The host the simulator's base URL names (`127.0.0.1:<port>`).
fn host_of(base_url: &str) -> String {
    base_url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

#[test]
fn documented_entry_maps_field_by_field() {
    let entry = fixture("htx", "api_key.json")["data"][0].clone();
    let info = htx::map_key_info(&entry).unwrap();
    let p = &info.permissions;
    assert_eq!(info.exchange, ExchangeId::Htx);
    assert_eq!(
        info.key_id,
        Reported::Known("4ba5cdf2-4a92c5da-718ba144-dbuqg6hkte".to_owned())
    );
    assert_eq!(info.label, Reported::Known("62924133".to_owned()));
    assert_eq!(p.get(&Permission::Read), Grant::Granted);
    assert_eq!(p.get(&Permission::SpotTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::FuturesTrade), Grant::Granted);
    assert_eq!(p.get(&Permission::Withdraw), Grant::Denied);
    assert!(matches!(info.ip_restriction, IpRestriction::AllowList(ref e) if e.len() == 2));
    assert_eq!(info.enabled, Reported::Known(true));
    assert_eq!(info.expires_at, Reported::Known(Expiry::Never));
    assert_eq!(info.created_at, Reported::Known(at("2020-06-05T09:19:11Z")));
    assert_eq!(info.account, Reported::Known(AccountKind::Master));
    assert!(info.anomalies.is_empty(), "{:?}", info.anomalies);
}

#[test]
fn valid_days_count_from_creation() {
    let mut entry = fixture("htx", "api_key.json")["data"][0].clone();
    entry["validDays"] = 90.into();
    let info = htx::map_key_info(&entry).unwrap();
    assert_eq!(
        info.expires_at,
        Reported::Known(Expiry::At(at("2020-09-03T09:19:11Z")))
    );
    entry["permission"] = "readOnly,teleport".into();
    let info = htx::map_key_info(&entry).unwrap();
    assert_eq!(
        info.permissions.get(&Permission::Withdraw),
        Grant::NotReported
    );
}

#[tokio::test]
async fn uid_then_key_signed_with_signature_v2() {
    let sim = SimulatedExchange::start(ExchangeId::Htx, Scenario::Trading)
        .await
        .unwrap();
    let credentials = sim.credentials();
    sim.adapter().unwrap().key_info().await.unwrap();
    let requests = sim.received_requests().await;
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/v2/user/uid", "/v2/user/api-key"]);
    let request = &requests[1];
    assert_eq!(request.query_param("uid").as_deref(), Some("63628520"));
    assert_eq!(
        request.query_param("accessKey").as_deref(),
        Some(credentials.api_key())
    );
    assert_eq!(
        request.query_param("SignatureVersion").as_deref(),
        Some("2")
    );
    assert_signed_for(
        request,
        credentials.secret().expose_secret(),
        &host_of(&sim.base_url()),
    );
    let query = request.query.clone().unwrap();
    let (signed, _) = query.rsplit_once("&Signature=").unwrap();
    // Sorted by name, upper-case escapes.
    assert!(
        signed.starts_with("AccessKeyId=")
            && signed.contains("Timestamp=20")
            && signed.contains("%3A"),
        "{signed}"
    );
}

#[tokio::test]
async fn errors_map_to_reasons_and_name_the_exchange() {
    let sim = SimulatedExchange::start(ExchangeId::Htx, Scenario::ReadOnly)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    sim.serve(CannedAnswer::ok(fixture(
        "htx",
        "error_incorrect_access_key.json",
    )))
    .await;
    let err = adapter.key_info().await.unwrap_err();
    assert_eq!(err.auth_reason(), Some(AuthReason::Ambiguous), "{err}");
    assert!(
        err.to_string().starts_with("htx:") && err.to_string().contains("Incorrect Access key"),
        "{err}"
    );
    sim.serve(CannedAnswer::ok(fixture("htx", "error_v2_forbidden.json")))
        .await;
    assert_eq!(
        adapter.key_info().await.unwrap_err().auth_reason(),
        Some(AuthReason::PermissionDenied)
    );
    sim.serve(CannedAnswer::ok(fixture(
        "htx",
        "error_rate_too_many_requests.json",
    )))
    .await;
    assert!(matches!(
        adapter.key_info().await.unwrap_err(),
        Error::RateLimited { .. }
    ));
    sim.serve_raw(200, "application/json", r#"{"code":200,"data":[]}"#)
        .await;
    let err = adapter.key_info().await.unwrap_err();
    assert!(
        err.to_string().contains("does not list the key in use"),
        "{err}"
    );
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(sim.credentials().secret().expose_secret()));
}

/// A SecondFactor for the tests: answers every challenge with `code`, and keeps the
/// challenges it was given.
#[derive(Debug, Default)]
struct TestFactor {
    code: &'static str,
    seen: Mutex<Vec<Challenge>>,
}

#[async_trait]
impl SecondFactor for TestFactor {
    async fn answer(&self, challenge: &Challenge) -> exchange_keys::Result<SecretString> {
        self.seen.lock().unwrap().push(challenge.clone());
        Ok(SecretString::from(self.code))
    }
}

#[derive(Debug)]
struct Lent(Arc<TestFactor>);

#[async_trait]
impl SecondFactor for Lent {
    async fn answer(&self, challenge: &Challenge) -> exchange_keys::Result<SecretString> {
        self.0.answer(challenge).await
    }
}

fn factor(code: &'static str) -> Arc<TestFactor> {
    Arc::new(TestFactor {
        code,
        ..TestFactor::default()
    })
}

fn bot_spec() -> NewKeySpec {
    NewKeySpec::new("grid-bot", vec![Permission::Read, Permission::SpotTrade])
        .allowed_ips(["203.0.113.7", "198.51.100.0/24"])
        .sub_account(SUB_USER)
}

fn requests_to<'a>(requests: &'a [RecordedRequest], to: &str) -> Vec<&'a RecordedRequest> {
    requests.iter().filter(|r| r.path == to).collect()
}

#[tokio::test]
async fn sub_user_keys_are_created_with_the_parents_code_listed_changed_and_deleted() {
    let sim = SimulatedExchange::start(ExchangeId::Htx, Scenario::Trading)
        .await
        .unwrap();
    let answerer = factor(SIMULATED_ONE_TIME_CODE);
    let adapter = sim
        .builder()
        .second_factor(Lent(answerer.clone()))
        .build()
        .unwrap();
    let created = adapter.create_key(&bot_spec()).await.unwrap();
    assert_eq!(created.exchange, ExchangeId::Htx);
    assert!(created.passphrase.is_none());
    let secret = created.secret.expose_secret().to_owned();
    assert!(!format!("{created:?}").contains(&secret));

    let seen = answerer.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "one code per creation");
    assert_eq!(seen[0].exchange, ExchangeId::Htx);
    assert_eq!(seen[0].operation, Operation::CreateKey);
    assert_eq!(seen[0].method, ChallengeMethod::Totp);
    assert!(seen[0].prompt.contains(SUB_USER), "{}", seen[0].prompt);

    let requests = sim.received_requests().await;
    let creates = requests_to(&requests, "/v2/sub-user/api-key-generation");
    assert_eq!(creates.len(), 1);
    let body = creates[0].json_body();
    assert_eq!(body["otpToken"], SIMULATED_ONE_TIME_CODE);
    assert_eq!(
        body["subUid"],
        json!(132_208_121),
        "a number, as documented"
    );
    assert_eq!(body["note"], "grid-bot");
    assert_eq!(body["permission"], "readOnly,trade");
    assert_eq!(body["ipAddresses"], "203.0.113.7,198.51.100.0/24");
    // The body is not signed: the query carries only the four authentication parameters.
    let names: Vec<String> =
        form_urlencoded::parse(creates[0].query.as_deref().unwrap().as_bytes())
            .map(|(n, _)| n.into_owned())
            .collect();
    assert_eq!(
        names,
        [
            "AccessKeyId",
            "SignatureMethod",
            "SignatureVersion",
            "Timestamp",
            "Signature"
        ]
    );
    assert_eq!(creates[0].header("content-type"), Some("application/json"));
    let credentials = sim.credentials();
    assert_signed_for(
        creates[0],
        credentials.secret().expose_secret(),
        &host_of(&sim.base_url()),
    );

    // Listed: the parent's key, then the sub-user's, naming the sub-user.
    let listed = adapter.list_keys().await.unwrap();
    let own = &listed[0];
    assert_eq!(
        own.key_id,
        Reported::Known(credentials.api_key().to_owned())
    );
    assert_eq!(own.account, Reported::Known(AccountKind::Master));
    let new = listed
        .iter()
        .find(|k| k.key_id == Reported::Known(created.api_key.clone()))
        .expect("the new key is listed");
    assert_eq!(new.account, Reported::Known(AccountKind::SubAccount));
    assert_eq!(new.sub_account, Reported::Known(SUB_USER.to_owned()));
    assert_eq!(new.permissions.get(&Permission::SpotTrade), Grant::Granted);
    assert_eq!(new.permissions.get(&Permission::Withdraw), Grant::Denied);
    assert_eq!(
        new.permissions.get(&Permission::KeyManagement),
        Grant::Denied
    );
    assert_eq!(
        new.expires_at,
        Reported::Known(Expiry::Never),
        "bound: permanent"
    );
    assert!(matches!(new.ip_restriction, IpRestriction::AllowList(ref e) if e.len() == 2));
    let text = format!("{listed:?}");
    assert!(!text.contains(&secret));
    let paths: Vec<String> = sim
        .received_requests()
        .await
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| {
            format!(
                "{}?uid={}",
                r.path,
                r.query_param("uid").unwrap_or_default()
            )
        })
        .collect();
    assert!(
        paths.contains(&format!("/v2/user/api-key?uid={SUB_USER}")),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"/v2/sub-user/user-list?uid=".to_owned()),
        "{paths:?}"
    );
    assert!(
        !paths.contains(&"/v2/user/api-key?uid=63628520".to_owned())
            || paths
                .iter()
                .filter(|p| p.as_str() == "/v2/user/api-key?uid=63628520")
                .count()
                == 1,
        "the documented list's parent uid is not listed again as a sub-user: {paths:?}"
    );

    adapter
        .update_key(
            KeyRef::sub_account_key(created.api_key.clone(), SUB_USER),
            &KeyChange::new()
                .label("grid-bot-2")
                .permissions(vec![Permission::Read])
                .allowed_ips(["203.0.113.8"]),
        )
        .await
        .unwrap();
    let held = sim
        .with_state(|s| s.key(&created.api_key).cloned())
        .flatten()
        .unwrap();
    assert_eq!(held.label, "grid-bot-2");
    assert_eq!(held.permissions, ["readOnly"]);
    assert_eq!(held.ips, ["203.0.113.8"]);
    let modify = sim.received_requests().await;
    let modify = requests_to(&modify, "/v2/sub-user/api-key-modification");
    assert_eq!(
        modify[0].json_body(),
        json!({"subUid": 132_208_121, "accessKey": created.api_key, "note": "grid-bot-2",
               "permission": "readOnly", "ipAddresses": "203.0.113.8"})
    );

    // Revoked without naming the sub-user: found in its list.
    adapter
        .revoke(
            KeyRef::other(created.api_key.clone()),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap();
    assert_eq!(
        sim.with_state(|s| s.is_revoked(&created.api_key)),
        Some(true)
    );
    let deletes = sim.received_requests().await;
    let deletes = requests_to(&deletes, "/v2/sub-user/api-key-deletion");
    assert_eq!(
        deletes[0].json_body(),
        json!({"subUid": 132_208_121, "accessKey": created.api_key})
    );
}

#[tokio::test]
async fn without_a_second_factor_nothing_is_sent_and_the_error_says_how_to_give_one() {
    let sim = SimulatedExchange::start(ExchangeId::Htx, Scenario::Trading)
        .await
        .unwrap();
    let adapter = ExchangeId::Htx
        .builder()
        .base_url(sim.base_url())
        .credentials(sim.credentials())
        .build()
        .unwrap();
    let err = adapter.create_key(&bot_spec()).await.unwrap_err();
    assert_eq!(
        err.auth_reason(),
        Some(AuthReason::SecondFactorRequired),
        "{err}"
    );
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(text.contains("AdapterBuilder::second_factor"), "{text}");
    assert!(text.contains("Google Authenticator"), "{text}");
    assert!(sim.received_requests().await.is_empty());

    // A code that is not six digits is refused before anything is sent.
    let adapter = sim
        .builder()
        .second_factor(Lent(factor("12345a")))
        .build()
        .unwrap();
    let err = adapter.create_key(&bot_spec()).await.unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err}");
    assert!(sim.received_requests().await.is_empty());
}

#[tokio::test]
async fn a_refused_code_is_sent_once_and_stays_out_of_the_error() {
    let sim = SimulatedExchange::start(ExchangeId::Htx, Scenario::Trading)
        .await
        .unwrap();
    let answerer = factor("654321");
    let adapter = sim
        .builder()
        .second_factor(Lent(answerer.clone()))
        .build()
        .unwrap();
    let err = adapter.create_key(&bot_spec()).await.unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err}");
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(text.contains("2002") && text.contains("new one"), "{text}");
    let requests = sim.received_requests().await;
    assert_eq!(
        requests_to(&requests, "/v2/sub-user/api-key-generation").len(),
        1
    );
    assert_eq!(answerer.seen.lock().unwrap().len(), 1);
    assert!(sim.with_state(|s| s.keys.is_empty()).unwrap());
}

async fn server_answering_create(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    mount(&server, "POST", "/v2/sub-user/api-key-generation", answer).await;
    mount(
        &server,
        "POST",
        "/v2/sub-user/api-key-deletion",
        ResponseTemplate::new(200).set_body_json(json!({"code": 200, "data": null})),
    )
    .await;
    server
}

fn manager(server: &MockServer, code: &'static str) -> Arc<dyn KeyAdapter> {
    builder_for(ExchangeId::Htx, server)
        .retry(exchange_keys::RetryPolicy::none())
        .second_factor(Lent(factor(code)))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_new_key_that_cannot_be_handed_over_is_deleted_and_its_secret_and_code_stay_hidden() {
    // HTX's documented create answer, but showing more than was asked.
    let documented = json!({"code": 200, "data": {
        "accessKey": "2b55df29-vf25treb80-1535713d-8aea2",
        "secretKey": "c405c550-6fa0583b-fb4bc38e-d317e",
        "note": "62924133", "permission": "trade,readOnly", "ipAddresses": "1.1.1.1,1.1.1.2"
    }});
    for (change, why) in [
        (json!({"permission": "readOnly,trade,withdraw"}), "withdraw"),
        (json!({"ipAddresses": ""}), "bound to exactly"),
        (json!({"ipAddresses": "1.1.1.1"}), "bound to exactly"),
        (json!({"permission": "readOnly"}), "`trade`"),
        (
            json!({"secretKey": null, "note": "c405c550-6fa0583b-fb4bc38e-d317e"}),
            "no secret",
        ),
    ] {
        let mut answer = documented.clone();
        for (k, v) in change.as_object().unwrap() {
            answer["data"][k] = v.clone();
        }
        let server =
            server_answering_create(ResponseTemplate::new(200).set_body_json(answer)).await;
        let spec = NewKeySpec::new("bot", vec![Permission::Read, Permission::SpotTrade])
            .allowed_ips(["1.1.1.1", "1.1.1.2"])
            .sub_account(SUB_USER);
        let err = manager(&server, "246810")
            .create_key(&spec)
            .await
            .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(text.contains(why), "{why}: {text}");
        assert!(text.contains("was deleted"), "{text}");
        assert!(!text.contains("c405c550-6fa0583b-fb4bc38e-d317e"), "{text}");
        assert!(!text.contains("246810"), "{text}");
        let requests = server.received_requests().await.unwrap();
        let deletion = requests
            .iter()
            .find(|r| r.url.path() == "/v2/sub-user/api-key-deletion")
            .expect("the new key is deleted");
        let body: Value = serde_json::from_slice(&deletion.body).unwrap();
        assert_eq!(
            body,
            json!({"subUid": 132_208_121, "accessKey": "2b55df29-vf25treb80-1535713d-8aea2"})
        );
    }
    // The documented answer itself is handed over.
    let server =
        server_answering_create(ResponseTemplate::new(200).set_body_json(documented)).await;
    let spec = NewKeySpec::new("bot", vec![Permission::Read, Permission::SpotTrade])
        .allowed_ips(["1.1.1.1", "1.1.1.2"])
        .sub_account(SUB_USER);
    let created = manager(&server, "246810").create_key(&spec).await.unwrap();
    assert_eq!(created.api_key, "2b55df29-vf25treb80-1535713d-8aea2");
    assert_eq!(
        created.secret.expose_secret(),
        "c405c550-6fa0583b-fb4bc38e-d317e"
    );
}

#[tokio::test]
async fn an_unclear_create_is_not_sent_again_and_names_where_to_look() {
    let server = server_answering_create(ResponseTemplate::new(503)).await;
    let adapter = builder_for(ExchangeId::Htx, &server)
        .second_factor(Lent(factor("246810")))
        .build()
        .unwrap();
    let err = adapter.create_key(&bot_spec()).await.unwrap_err();
    assert!(err.is_outcome_unknown() && !err.is_retryable(), "{err}");
    let text = err.to_string();
    assert!(text.contains("Sub-user Management"), "{text}");
    assert!(!text.contains("246810"), "{text}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn what_htx_cannot_do_through_the_api_is_refused_before_sending() {
    let sim = SimulatedExchange::start(ExchangeId::Htx, Scenario::Trading)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    for (spec, what) in [
        (bot_spec().sub_account("bot-one"), "numeric uid"),
        (
            NewKeySpec::new("bot", vec![Permission::Read]).allowed_ips(["203.0.113.7"]),
            "per sub-user",
        ),
        (
            NewKeySpec::new("bot", vec![Permission::Read, Permission::Withdraw])
                .allowed_ips(["203.0.113.7"])
                .sub_account(SUB_USER),
            "withdrawals",
        ),
        (
            NewKeySpec::new(" ", vec![Permission::Read])
                .allowed_ips(["203.0.113.7"])
                .sub_account(SUB_USER),
            "note",
        ),
    ] {
        let err = adapter.create_key(&spec).await.unwrap_err();
        assert!(
            matches!(err, Error::Config { .. }) && err.to_string().contains(what),
            "{what}: {err}"
        );
    }
    // The parent's own key is managed on htx.com only.
    let err = adapter
        .revoke(KeyRef::Own, RevokeConfirm::IUnderstandThisIsIrreversible)
        .await
        .unwrap_err();
    assert!(
        err.is_unsupported() && err.to_string().contains("htx.com"),
        "{err}"
    );
    let err = adapter
        .revoke(
            KeyRef::other("not-a-sub-user-key"),
            RevokeConfirm::IUnderstandThisIsIrreversible,
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("no sub-user of this parent"),
        "{err}"
    );
    let requests = sim.received_requests().await;
    assert!(
        requests.iter().all(|r| r.method == "GET"),
        "nothing written"
    );
}

#[tokio::test]
async fn a_sub_user_key_cannot_inspect_itself() {
    let sim = SimulatedExchange::start(ExchangeId::Htx, Scenario::Trading)
        .await
        .unwrap();
    let created = sim
        .adapter()
        .unwrap()
        .create_key(&bot_spec())
        .await
        .unwrap();
    let own = sim
        .builder()
        .credentials(Credentials::new(
            created.api_key.clone(),
            created.secret.expose_secret().to_owned(),
        ))
        .build()
        .unwrap();
    let err = own.key_info().await.unwrap_err();
    assert_eq!(
        err.auth_reason(),
        Some(AuthReason::PermissionDenied),
        "{err}"
    );
    let err = own.list_keys().await.unwrap_err();
    assert!(err.to_string().contains("parent user"), "{err}");
}

#[tokio::test]
async fn a_call_is_signed_for_the_host_it_goes_to() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/v2/user/uid",
        ResponseTemplate::new(200).set_body_json(fixture("htx", "uid.json")),
    )
    .await;
    mount(
        &server,
        "GET",
        "/v2/user/api-key",
        ResponseTemplate::new(200).set_body_json(fixture("htx", "api_key.json")),
    )
    .await;
    let credentials = exchange_keys::testkit::credentials(ExchangeId::Htx).unwrap();
    builder_for(ExchangeId::Htx, &server)
        .build()
        .unwrap()
        .key_info()
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    let host = host_of(&server.uri());
    for request in &requests {
        let recorded = RecordedRequest {
            method: request.method.to_string(),
            path: request.url.path().to_owned(),
            query: request.url.query().map(str::to_owned),
            headers: Vec::new(),
            body: String::new(),
        };
        assert_signed_for(&recorded, credentials.secret().expose_secret(), &host);
    }
    // Offline signing names HTX's documented host.
    let signed = ExchangeId::Htx
        .sign_request(
            &credentials,
            exchange_keys::Environment::Production,
            &exchange_keys::UnsignedRequest {
                method: "GET",
                path: "/v2/user/uid",
                query: "",
                body: "",
            },
            1_494_515_970_000,
        )
        .unwrap();
    let recorded = RecordedRequest {
        method: "GET".into(),
        path: "/v2/user/uid".into(),
        query: Some(signed.query.clone()),
        headers: Vec::new(),
        body: String::new(),
    };
    assert_signed_for(
        &recorded,
        credentials.secret().expose_secret(),
        "api.huobi.pro",
    );
}

//! Bitstamp: no key inspection (refused before any request), the kill switch (its request,
//! signed with "v2 auth" and recomputed here with the `hmac` crate; its answer; what it kills),
//! and the breach response that pulls it last, behind a confirmation saying it revokes every
//! key on every account.
#![cfg(feature = "bitstamp")]

use std::sync::Arc;

use exchange_keys::exchanges::bitstamp::sign::{signature, Prehash};
use exchange_keys::manage::breach::{self, Action, BreachTarget, StepOutcome};
use exchange_keys::testkit::{CannedAnswer, Scenario, SimulatedExchange};
use exchange_keys::{
    AuthReason, Error, ExchangeId, KeyAdapter, KeyRef, Operation, RevokeAllConfirm, RevokeConfirm,
    Support,
};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use serde_json::json;

fn hmac_sha256_hex(secret: &str, message: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

const EVERYONE: RevokeAllConfirm = RevokeAllConfirm::IUnderstandEveryKeyOnEveryAccountDies;

async fn start(scenario: Scenario) -> (SimulatedExchange, Arc<dyn KeyAdapter>) {
    let sim = SimulatedExchange::start(ExchangeId::Bitstamp, scenario)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    (sim, adapter)
}

#[test]
fn the_signing_vectors_are_reproduced_independently() {
    let nonce = "f93c979d-b00d-43a9-9b9c-fd4cd9547fa6";
    let ts = "1567755304968";
    let kill_switch =
        format!("BITSTAMP api_keyPOSTwww.bitstamp.net/api/v2/revoke_all_api_keys/{nonce}{ts}v2");
    assert_eq!(
        hmac_sha256_hex("api_key_secret", &kill_switch),
        "8a502e8e23f61009d8918f2e1a050359504b6d4396b547948fc8f06a3306b672"
    );
    let request = Prehash {
        api_key: "api_key",
        method: "POST",
        path: "/api/v2/revoke_all_api_keys/",
        query: "",
        nonce,
        timestamp_ms: ts,
        body: "",
    };
    assert_eq!(
        signature(b"api_key_secret", &request),
        "8a502e8e23f61009d8918f2e1a050359504b6d4396b547948fc8f06a3306b672"
    );
    let with_body = Prehash {
        path: "/api/v2/user_transactions/",
        body: "offset=1",
        ..request
    };
    assert_eq!(
        signature(b"api_key_secret", &with_body),
        hmac_sha256_hex(
            "api_key_secret",
            &format!("BITSTAMP api_keyPOSTwww.bitstamp.net/api/v2/user_transactions/application/x-www-form-urlencoded{nonce}{ts}v2offset=1")
        )
    );
}

#[tokio::test]
async fn key_inspection_is_refused_before_any_request_with_the_reason_and_the_manual_step() {
    let (sim, adapter) = start(Scenario::WithdrawEnabled).await;
    let caps = adapter.capabilities();
    assert_eq!(caps.key_info, Support::Unsupported);
    assert_eq!(caps.revoke_all, Support::Native);
    let err = adapter.key_info().await.unwrap_err();
    let Error::Unsupported {
        operation,
        manual_step,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(*operation, Operation::KeyInfo);
    assert!(
        manual_step.contains("no endpoint that describes a key"),
        "{manual_step}"
    );
    assert!(
        manual_step.contains("Settings > API access"),
        "{manual_step}"
    );
    assert!(sim.received_requests().await.is_empty());
    // Offline, too: no answer of Bitstamp's is key information.
    let offline =
        ExchangeId::Bitstamp.key_info_from_answer(200, br#"{"revoked_api_keys": []}"#, None);
    assert!(offline.is_err());
}

#[tokio::test]
async fn revoking_one_key_is_a_manual_step_never_the_kill_switch() {
    let (sim, adapter) = start(Scenario::Trading).await;
    for target in [KeyRef::Own, KeyRef::other("bst0SubKeyBotA4kP9")] {
        let err = adapter
            .revoke(target, RevokeConfirm::IUnderstandThisIsIrreversible)
            .await
            .unwrap_err();
        assert!(err.is_unsupported(), "{err}");
        assert!(err.to_string().contains("kills every key"), "{err}");
    }
    assert!(sim.received_requests().await.is_empty());
}

#[tokio::test]
async fn the_kill_switch_is_one_signed_post_without_body_or_content_type() {
    let (sim, adapter) = start(Scenario::Trading).await;
    let revoked = adapter.revoke_all(EVERYONE).await.unwrap();
    assert_eq!(revoked.exchange, ExchangeId::Bitstamp);
    let requests = sim.received_requests().await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/api/v2/revoke_all_api_keys/");
    assert!(request.body.is_empty());
    assert_eq!(request.header("content-type"), None, "API0020 otherwise");
    let credentials = sim.credentials();
    assert_eq!(
        request.header("x-auth"),
        Some(format!("BITSTAMP {}", credentials.api_key()).as_str())
    );
    assert_eq!(request.header("x-auth-version"), Some("v2"));
    let nonce = request.header("x-auth-nonce").unwrap();
    assert_eq!(nonce.len(), 36);
    assert_eq!(nonce, nonce.to_ascii_lowercase());
    let ts = request.header("x-auth-timestamp").unwrap();
    assert!(ts.parse::<i64>().is_ok());
    let prehash = format!(
        "BITSTAMP {}POSTwww.bitstamp.net/api/v2/revoke_all_api_keys/{nonce}{ts}v2",
        credentials.api_key()
    );
    assert_eq!(
        request.header("x-auth-signature"),
        Some(hmac_sha256_hex(credentials.secret().expose_secret(), &prehash).as_str())
    );
}

#[tokio::test]
async fn the_kill_switch_kills_every_key_and_cuts_the_adapter_off() {
    let (sim, adapter) = start(Scenario::Trading).await;
    let others: Vec<String> = (0..3)
        .map(|n| {
            sim.with_state(|state| {
                state
                    .create(&format!("bot-{n}"), Vec::new(), Vec::new())
                    .api_key
            })
            .unwrap()
        })
        .collect();
    let revoked = adapter.revoke_all(EVERYONE).await.unwrap();
    assert_eq!(revoked.count, Some(4));
    let caller = sim.credentials().api_key().to_owned();
    for key in others.iter().chain([&caller]) {
        assert!(revoked.key_ids.contains(key), "{key}");
        assert_eq!(sim.with_state(|s| s.is_revoked(key)), Some(true), "{key}");
    }
    let sent = sim.received_requests().await.len();
    let err = adapter.revoke_all(EVERYONE).await.unwrap_err();
    assert_eq!(err.auth_reason(), Some(AuthReason::InvalidKey));
    assert_eq!(
        sim.received_requests().await.len(),
        sent,
        "nothing more is sent"
    );
}

#[tokio::test]
async fn an_answer_that_lists_nothing_readable_leaves_the_outcome_unknown() {
    let (sim, adapter) = start(Scenario::Trading).await;
    sim.serve(CannedAnswer::ok(json!({"status": "ok"}))).await;
    let err = adapter.revoke_all(EVERYONE).await.unwrap_err();
    assert!(err.is_outcome_unknown(), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("revoked_api_keys") && text.contains("bitstamp.net"),
        "{text}"
    );
    assert_eq!(sim.received_requests().await.len(), 1, "never sent again");
}

#[tokio::test]
async fn a_refused_kill_switch_is_a_clear_refusal_naming_the_code() {
    for (scenario, reason, code) in [
        (Scenario::InvalidKey, AuthReason::InvalidKey, "API0001"),
        (Scenario::IpNotAllowed, AuthReason::IpNotAllowed, "API0002"),
    ] {
        let (sim, adapter) = start(scenario).await;
        let err = adapter.revoke_all(EVERYONE).await.unwrap_err();
        assert_eq!(err.auth_reason(), Some(reason), "{err}");
        assert_eq!(err.context().unwrap().code.as_deref(), Some(code));
        assert!(!err.is_outcome_unknown());
        let caller = sim.credentials().api_key().to_owned();
        assert_eq!(sim.with_state(|s| s.is_revoked(&caller)), Some(false));
    }
    let (_sim, adapter) = start(Scenario::RateLimited).await;
    let err = adapter.revoke_all(EVERYONE).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
    assert_eq!(err.context().unwrap().code.as_deref(), Some("400.002"));
}

#[cfg(feature = "bybit")]
#[tokio::test]
async fn the_breach_response_pulls_the_kill_switch_last_behind_a_confirmation_that_says_so() {
    let (bitstamp, kill) = start(Scenario::Trading).await;
    let (bybit, own) = {
        let sim = SimulatedExchange::start(ExchangeId::Bybit, Scenario::Trading)
            .await
            .unwrap();
        let adapter = sim.adapter().unwrap();
        (sim, adapter)
    };
    let targets = vec![
        BreachTarget {
            account: "cold".to_owned(),
            adapter: kill.clone(),
            include_managed: true,
        },
        BreachTarget {
            account: "bot".to_owned(),
            adapter: own.clone(),
            include_managed: false,
        },
    ];
    let plan = breach::plan(targets).await;
    assert!(
        bitstamp.received_requests().await.is_empty(),
        "planning sends nothing"
    );
    let actions: Vec<(ExchangeId, &Action)> =
        plan.steps.iter().map(|s| (s.exchange, &s.action)).collect();
    assert_eq!(
        actions,
        [
            (ExchangeId::Bybit, &Action::RevokeOwn),
            (ExchangeId::Bitstamp, &Action::RevokeAllKeys),
        ]
    );
    assert_eq!(plan.kill_switches(), [ExchangeId::Bitstamp]);
    let phrase = plan.confirmation();
    assert_eq!(
        phrase,
        "revoke 1 keys on bybit and every key on every account of bitstamp"
    );
    assert!(
        plan.to_string().contains("EVERY key on EVERY account"),
        "{plan}"
    );
    // The phrase of the single-key revocations alone does not pull it.
    assert!(plan.execute("revoke 1 keys on bybit").await.is_err());
    assert!(bitstamp.received_requests().await.is_empty());

    let report = plan.execute(&phrase).await.unwrap();
    assert!(
        report.steps.iter().all(|(_, o)| *o == StepOutcome::Revoked),
        "{report}"
    );
    let caller = bitstamp.credentials().api_key().to_owned();
    assert_eq!(bitstamp.with_state(|s| s.is_revoked(&caller)), Some(true));
    drop(bybit);
}

#[tokio::test]
async fn a_plan_of_kill_switches_alone_names_them_only() {
    let (_sim, kill) = start(Scenario::Trading).await;
    let plan = breach::plan(vec![BreachTarget {
        account: "main".to_owned(),
        adapter: kill,
        include_managed: false,
    }])
    .await;
    assert_eq!(plan.api_revocations(), 0);
    assert_eq!(
        plan.confirmation(),
        "revoke every key on every account of bitstamp"
    );
}

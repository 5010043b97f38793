//! Breach response: a plan that changes nothing, a typed confirmation naming what will die,
//! managed keys revoked before their manager, failures that never stop the rest, and a report
//! of what was revoked and what is left to do by hand.

use std::sync::Arc;

use async_trait::async_trait;
use exchange_keys::manage::breach::{self, Action, BreachTarget, StepOutcome};
use exchange_keys::testkit::{Scenario, SimulatedExchange};
use exchange_keys::{
    Capabilities, Error, ExchangeId, KeyAdapter, KeyInfo, KeyRef, NewKeySpec, Permission,
    RevokeConfirm, Revoked,
};

async fn start(exchange: ExchangeId) -> (SimulatedExchange, Arc<dyn KeyAdapter>) {
    let sim = SimulatedExchange::start(exchange, Scenario::Trading)
        .await
        .unwrap();
    let adapter = sim.adapter().unwrap();
    (sim, adapter)
}

fn target(account: &str, adapter: &Arc<dyn KeyAdapter>, include_managed: bool) -> BreachTarget {
    BreachTarget {
        account: account.to_owned(),
        adapter: adapter.clone(),
        include_managed,
    }
}

async fn writes(sim: &SimulatedExchange) -> usize {
    sim.received_requests()
        .await
        .iter()
        .filter(|r| r.method == "POST" || r.path.contains("remove") || r.path.contains("delete"))
        .count()
}

#[tokio::test]
async fn the_plan_changes_nothing_and_execution_needs_the_exact_phrase() {
    let (bybit_sim, bybit) = start(ExchangeId::Bybit).await;
    let (deribit_sim, deribit) = start(ExchangeId::Deribit).await;
    let (_binance_sim, binance) = start(ExchangeId::Binance).await;
    // A second Deribit key the first one manages.
    let managed = deribit
        .create_key(
            &NewKeySpec::new("dca_bot", vec![Permission::Read]).allowed_ips(["203.0.113.7"]),
        )
        .await
        .unwrap();
    let deribit_writes = writes(&deribit_sim).await;

    let plan = breach::plan(vec![
        target("bybit-main", &bybit, false),
        target("deribit-main", &deribit, true),
        target("binance-main", &binance, false),
    ])
    .await;
    assert_eq!(writes(&bybit_sim).await, 0, "planning sends no write");
    assert_eq!(writes(&deribit_sim).await, deribit_writes);

    // Managed keys first, then keys in use, then the manual steps.
    let kinds: Vec<(&str, &Action)> = plan
        .steps
        .iter()
        .map(|s| (s.account.as_str(), &s.action))
        .collect();
    let first_own = kinds
        .iter()
        .position(|(_, a)| **a == Action::RevokeOwn)
        .unwrap();
    assert!(kinds[..first_own]
        .iter()
        .all(|(_, a)| matches!(a, Action::RevokeManaged { .. })));
    assert!(kinds.contains(&(
        "deribit-main",
        &Action::RevokeManaged {
            key_id: managed.api_key.clone(),
            sub_account: None,
        }
    )));
    assert!(kinds.contains(&("bybit-main", &Action::RevokeOwn)));
    let manual: Vec<&str> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::Manual { step } => Some(step.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        manual.iter().any(|m| m.contains("API Management")),
        "Binance: where to click: {manual:?}"
    );
    assert!(
        manual.iter().any(|m| m.contains("deribit.com")),
        "Deribit's own key: {manual:?}"
    );
    let text = plan.to_string();
    assert!(
        text.contains("Binance:") && text.contains("by hand"),
        "{text}"
    );

    let phrase = plan.confirmation();
    assert!(phrase.starts_with(&format!("revoke {} keys on ", plan.api_revocations())));
    assert!(phrase.contains("bybit") && phrase.contains("deribit") && !phrase.contains("binance"));
    let err = plan.execute("yes").await.unwrap_err();
    assert_eq!(err.expected, phrase);
    assert_eq!(
        writes(&bybit_sim).await,
        0,
        "a wrong phrase revokes nothing"
    );

    let report = plan.execute(&phrase).await.unwrap();
    assert!(!report.has_failures(), "{report}");
    assert!(deribit_sim
        .with_state(|s| s.is_revoked(&managed.api_key))
        .unwrap());
    let own_bybit = bybit_sim.credentials().api_key().to_owned();
    assert!(bybit_sim.with_state(|s| s.is_revoked(&own_bybit)).unwrap());
    assert_eq!(report.revoked().count(), plan.api_revocations());
    assert!(report
        .remaining()
        .all(|(_, outcome)| *outcome == StepOutcome::Manual));
    assert!(report.to_string().contains("BY HAND"));
}

/// An adapter whose revocations fail.
#[derive(Debug)]
struct Failing(Arc<dyn KeyAdapter>, bool);

#[async_trait]
impl KeyAdapter for Failing {
    fn exchange(&self) -> ExchangeId {
        self.0.exchange()
    }
    fn capabilities(&self) -> Capabilities {
        self.0.capabilities()
    }
    async fn key_info(&self) -> exchange_keys::Result<KeyInfo> {
        self.0.key_info().await
    }
    async fn revoke(&self, _: KeyRef, _: RevokeConfirm) -> exchange_keys::Result<Revoked> {
        let context = Box::new(exchange_keys::ErrorContext::new(ExchangeId::Bybit));
        Err(if self.1 {
            Error::OutcomeUnknown {
                exchange: ExchangeId::Bybit,
                call: "POST /v5/user/delete-api".into(),
                source: Box::new(Error::Unavailable { context }),
            }
        } else {
            Error::Unavailable { context }
        })
    }
}

#[tokio::test]
async fn a_failed_revocation_never_stops_the_rest_and_is_reported() {
    let (_a, failing) = start(ExchangeId::Bybit).await;
    let (_b, unclear) = start(ExchangeId::Bybit).await;
    let (sim, healthy) = start(ExchangeId::Bybit).await;
    let failing: Arc<dyn KeyAdapter> = Arc::new(Failing(failing, false));
    let unclear: Arc<dyn KeyAdapter> = Arc::new(Failing(unclear, true));
    let plan = breach::plan(vec![
        target("first", &failing, false),
        target("second", &unclear, false),
        target("third", &healthy, false),
    ])
    .await;
    let report = plan.execute(&plan.confirmation()).await.unwrap();
    assert!(report.has_failures());
    let outcomes: Vec<&StepOutcome> = report.steps.iter().map(|(_, o)| o).collect();
    assert!(matches!(outcomes[0], StepOutcome::Failed { .. }));
    assert!(matches!(outcomes[1], StepOutcome::Unknown { .. }));
    assert_eq!(*outcomes[2], StepOutcome::Revoked);
    let own = sim.credentials().api_key().to_owned();
    assert!(sim.with_state(|s| s.is_revoked(&own)).unwrap());
    let text = report.to_string();
    assert!(
        text.contains("FAILED") && text.contains("UNCLEAR") && text.contains("REVOKED"),
        "{text}"
    );
}

#[tokio::test]
async fn managed_sub_account_keys_are_revoked_in_their_sub_account_and_masked_ids_are_left_to_a_person(
) {
    let (sim, okx) = start(ExchangeId::Okx).await;
    let sub = exchange_keys::testkit::sub_account(ExchangeId::Okx)
        .unwrap()
        .unwrap();
    let created = okx
        .create_key(
            &NewKeySpec::new("dca-bot", vec![Permission::Read])
                .allowed_ips(["203.0.113.7"])
                .sub_account(sub),
        )
        .await
        .unwrap();
    let plan = breach::plan(vec![target("okx-master", &okx, true)]).await;
    assert!(plan.steps.iter().any(|s| s.action
        == Action::RevokeManaged {
            key_id: created.api_key.clone(),
            sub_account: Some(sub.to_owned()),
        }));
    // OKX's documented listing masks the ids of other keys: no call can name them.
    assert!(plan.steps.iter().all(
        |s| !matches!(&s.action, Action::RevokeManaged { key_id, .. } if key_id.contains('*'))
    ));
    assert!(
        plan.steps
            .iter()
            .any(|s| matches!(&s.action, Action::Manual { step } if step.contains("masked id"))),
        "{plan}"
    );
    let report = plan.execute(&plan.confirmation()).await.unwrap();
    assert!(!report.has_failures(), "{report}");
    assert!(sim.with_state(|s| s.is_revoked(&created.api_key)).unwrap());
}

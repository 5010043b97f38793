//! An adapter written outside the crate runs the exported conformance suite: here, a wrapper
//! around the Bybit adapter (as a downstream crate would write its own), with Bybit's
//! simulation.
#![cfg(feature = "bybit")]

use std::sync::Arc;

use async_trait::async_trait;
use exchange_keys::testkit::conformance::{self, Setup, Subject};
use exchange_keys::{
    Capabilities, ExchangeId, KeyAdapter, KeyChange, KeyInfo, KeyRef, NewKey, NewKeySpec, Result,
    RevokeConfirm, Revoked,
};

#[derive(Debug)]
struct Downstream(Arc<dyn KeyAdapter>);

#[async_trait]
impl KeyAdapter for Downstream {
    fn exchange(&self) -> ExchangeId {
        self.0.exchange()
    }
    fn capabilities(&self) -> Capabilities {
        self.0.capabilities()
    }
    async fn key_info(&self) -> Result<KeyInfo> {
        self.0.key_info().await
    }
    async fn revoke(&self, target: KeyRef, confirm: RevokeConfirm) -> Result<Revoked> {
        self.0.revoke(target, confirm).await
    }
    async fn create_key(&self, spec: &NewKeySpec) -> Result<NewKey> {
        self.0.create_key(spec).await
    }
    async fn list_keys(&self) -> Result<Vec<KeyInfo>> {
        self.0.list_keys().await
    }
    async fn update_key(&self, target: KeyRef, change: &KeyChange) -> Result<()> {
        self.0.update_key(target, change).await
    }
}

fn build(setup: Setup) -> Result<Arc<dyn KeyAdapter>> {
    let mut builder = ExchangeId::Bybit
        .builder()
        .base_url(setup.base_url)
        .retry(setup.retry)
        .rate_limit(None);
    if let Some(credentials) = setup.credentials {
        builder = builder.credentials(credentials);
    }
    if let Some(timeout) = setup.timeout {
        builder = builder.timeout(timeout);
    }
    if let Some(clock) = setup.clock {
        builder = builder.clock(clock);
    }
    Ok(Arc::new(Downstream(builder.build()?)))
}

fn subject() -> Subject {
    let simulation = Subject::registered(ExchangeId::Bybit).unwrap().simulation;
    Subject::new(ExchangeId::Bybit, simulation, build)
        .with_error_codes(ExchangeId::Bybit.error_codes())
        .with_request_id_headers(ExchangeId::Bybit.request_id_headers())
}

#[test]
fn a_downstream_adapter_passes_the_same_checks() {
    let subject = subject();
    conformance::run(
        &subject,
        conformance::no_secret_in_debug_display_or_evidence(&subject),
    );
    conformance::run(
        &subject,
        conformance::planted_secrets_are_found_nowhere_and_change_no_mapped_value(&subject),
    );
    conformance::run(&subject, conformance::native_operations_work(&subject));
    conformance::run(
        &subject,
        conformance::writes_are_sent_exactly_once(&subject),
    );
}

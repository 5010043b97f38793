//! The open-world rule, as properties over every registered adapter: what a mapper does not
//! know never makes a right `Denied`, and an answer missing one field still maps.
//!
//! Runs offline through `ExchangeId::key_info_from_answer`, the adapter's own reading of an
//! answer.

use exchange_keys::testkit::{self, Scenario};
use exchange_keys::{ExchangeId, Grant, KeyInfo, Permission};
use proptest::prelude::*;
use serde_json::Value;

/// The scenarios whose answer is a key's information.
const WORKING: [Scenario; 5] = [
    Scenario::DocumentedExample,
    Scenario::ReadOnly,
    Scenario::Trading,
    Scenario::WithdrawEnabled,
    Scenario::NoIpRestriction,
];

fn read(id: ExchangeId, body: &Value) -> exchange_keys::Result<KeyInfo> {
    let credentials = testkit::credentials(id)?;
    id.key_info_from_answer(200, body.to_string().as_bytes(), Some(&credentials))
}

/// Every right of `after` that is `Denied` was `Denied` in `before`.
fn no_new_denial(id: ExchangeId, before: &KeyInfo, after: &KeyInfo, what: &str) {
    for right in Permission::NORMALIZED {
        let (was, now) = (
            before.permissions.get(&right),
            after.permissions.get(&right),
        );
        assert!(
            now != Grant::Denied || was == Grant::Denied,
            "{id}: {what} turned {right} from {was:?} into Denied"
        );
    }
}

fn scenario_strategy() -> impl Strategy<Value = (ExchangeId, Scenario)> {
    let supported = testkit::inspectable_exchanges();
    (0..supported.len(), 0..WORKING.len()).prop_map(move |(e, s)| (supported[e], WORKING[s]))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Adding a permission token, group or flag no adapter knows never denies a right that was
    /// granted or not reported, and the token is listed as an anomaly.
    #[test]
    fn an_unknown_token_never_creates_a_denial(
        (id, scenario) in scenario_strategy(),
        token in "[A-Za-z][A-Za-z0-9_]{0,14}",
    ) {
        let body = testkit::scenario_answer(id, scenario).unwrap().body;
        let before = read(id, &body).unwrap();
        let mut planted = body.clone();
        testkit::plant_unknown_permission(id, &mut planted, &token).unwrap();
        let after = read(id, &planted).unwrap();
        no_new_denial(id, &before, &after, &format!("adding `{token}` to {scenario}"));
        prop_assert!(
            after.anomalies.len() >= before.anomalies.len(),
            "{id}: adding `{token}` hid an anomaly"
        );
    }

    /// Removing any single field of the key information never fails the inspection and never
    /// creates a denial.
    #[test]
    fn removing_one_field_never_fails_nor_denies(
        (id, scenario) in scenario_strategy(),
        pick in any::<prop::sample::Index>(),
    ) {
        let body = testkit::scenario_answer(id, scenario).unwrap().body;
        let before = read(id, &body).unwrap();
        let pointer = testkit::payload_pointer(id).unwrap();
        let mut cut = body.clone();
        let name = match cut.pointer_mut(pointer).unwrap() {
            // A payload that is a list of entries (Bitfinex's scopes): one entry goes.
            Value::Array(entries) => {
                let index = pick.index(entries.len());
                entries.remove(index).to_string()
            }
            payload => {
                let payload = payload.as_object_mut().unwrap();
                let names: Vec<String> = payload
                    .keys()
                    .filter(|name| Some(name.as_str()) != testkit::own_key_field(id).unwrap())
                    .cloned()
                    .collect();
                let name = pick.get(&names).clone();
                payload.remove(&name);
                name
            }
        };
        let name = &name;
        let after = read(id, &cut);
        prop_assert!(after.is_ok(), "{id}: removing `{name}` failed: {:?}", after.err());
        no_new_denial(id, &before, &after.unwrap(), &format!("removing `{name}`"));
    }
}

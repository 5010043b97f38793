//! The open-world rule, as properties over every registered adapter: what a mapper does not
//! know never makes a right `Denied`, and an answer missing one field still maps.
//!
//! Runs offline through `ExchangeId::key_info_from_answer`, the adapter's own reading of an
//! answer. (Arbitrary JSON and bytes, where only "no panic" can be asked, are in
//! `tests/mapper_properties.rs`.)

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

/// The rights `after` denies that `before` did not, each as a sentence.
fn new_denials(id: ExchangeId, before: &KeyInfo, after: &KeyInfo, what: &str) -> Vec<String> {
    Permission::NORMALIZED
        .into_iter()
        .filter_map(|right| {
            let (was, now) = (
                before.permissions.get(&right),
                after.permissions.get(&right),
            );
            (now == Grant::Denied && was != Grant::Denied)
                .then(|| format!("{id}: {what} turned {right} from {was:?} into Denied"))
        })
        .collect()
}

/// Every right of `after` that is `Denied` was `Denied` in `before`.
fn no_new_denial(id: ExchangeId, before: &KeyInfo, after: &KeyInfo, what: &str) {
    let denials = new_denials(id, before, after, what);
    assert!(denials.is_empty(), "{}", denials.join("\n"));
}

/// An exchange whose API describes a key and one of its working answers; `None` in a build with
/// none of them (Bitstamp alone), where every property holds vacuously.
fn scenario_strategy() -> BoxedStrategy<Option<(ExchangeId, Scenario)>> {
    let supported = testkit::inspectable_exchanges();
    if supported.is_empty() {
        return Just(None).boxed();
    }
    (0..supported.len(), 0..WORKING.len())
        .prop_map(move |(e, s)| Some((supported[e], WORKING[s])))
        .boxed()
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
        picked in scenario_strategy(),
        token in "[A-Za-z][A-Za-z0-9_]{0,14}",
    ) {
        let Some((id, scenario)) = picked else { return Ok(()) };
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
        picked in scenario_strategy(),
        pick in any::<prop::sample::Index>(),
    ) {
        let Some((id, scenario)) = picked else { return Ok(()) };
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

/// Every JSON pointer inside `value`, `at` included, in RFC 6901 form.
fn pointers(value: &Value, at: String, into: &mut Vec<String>) {
    match value {
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                pointers(item, format!("{at}/{index}"), into);
            }
        }
        Value::Object(fields) => {
            for (name, field) in fields {
                let escaped = name.replace('~', "~0").replace('/', "~1");
                pointers(field, format!("{at}/{escaped}"), into);
            }
        }
        _ => {}
    }
    into.push(at);
}

/// What a damaged or changed answer may hold instead of a value: another type, nothing, an
/// empty container, a token no adapter knows, a number out of every range.
fn replacements() -> Vec<Value> {
    vec![
        Value::Null,
        Value::Bool(true),
        Value::Bool(false),
        Value::String(String::new()),
        Value::String("x-token-no-adapter-knows".to_owned()),
        Value::Array(Vec::new()),
        Value::Object(serde_json::Map::new()),
        Value::from(u64::MAX),
        Value::from(i64::MIN),
        serde_json::json!(1e300),
        serde_json::json!(-0.5),
    ]
}

/// Whether `replacement` is a different answer of the same shape, one the exchange documents
/// as meaning less: a flag turned off (flags come as booleans or as `0`/`1`), a token list
/// emptied (lists come as arrays or as comma-separated text). Those may deny; every other
/// replacement is damage the mapper cannot read, and damage never denies.
fn is_documented_shape(original: &Value, replacement: &Value) -> bool {
    let is_flag =
        |value: &Value| value.is_boolean() || value.as_u64().is_some_and(|number| number <= 1);
    let is_empty_list = |value: &Value| {
        value.as_str().is_some_and(str::is_empty) || value.as_array().is_some_and(Vec::is_empty)
    };
    let is_list = |value: &Value| value.is_string() || value.is_array();
    (is_flag(original) && replacement.is_boolean())
        || (is_list(original) && is_empty_list(replacement))
}

/// Any value anywhere inside each working scenario's payload, replaced by damage: no panic,
/// and when the answer still maps, no right it granted or left unreported becomes `Denied`.
/// Exhaustive (every exchange, scenario, position and replacement), so deterministic.
#[test]
fn damage_anywhere_in_the_payload_never_creates_a_denial() {
    let (mut checked, mut failures) = (0usize, Vec::new());
    for id in testkit::inspectable_exchanges() {
        let pointer = testkit::payload_pointer(id).unwrap();
        for scenario in WORKING {
            let body = testkit::scenario_answer(id, scenario).unwrap().body;
            let before = read(id, &body).unwrap();
            let mut inside = Vec::new();
            pointers(
                body.pointer(pointer).unwrap(),
                pointer.to_owned(),
                &mut inside,
            );
            for at in &inside {
                let original = body.pointer(at).unwrap();
                for replacement in replacements() {
                    if &replacement == original {
                        continue;
                    }
                    let mut damaged = body.clone();
                    *damaged.pointer_mut(at).unwrap() = replacement.clone();
                    let outcome = read(id, &damaged);
                    checked += 1;
                    match outcome {
                        Ok(after) if !is_documented_shape(original, &replacement) => {
                            failures.extend(new_denials(
                                id,
                                &before,
                                &after,
                                &format!("{scenario}: {at} = {original} -> {replacement}"),
                            ));
                        }
                        Ok(_) => {}
                        Err(error) if error.exchange() == Some(id) => {}
                        Err(error) => failures.push(format!("{id}: {at}: anonymous {error}")),
                    }
                }
            }
        }
    }
    // Every exchange's answers are damaged in many places (a build with no exchange describing
    // keys, Bitstamp alone, has nothing to damage).
    let expected = 100 * testkit::inspectable_exchanges().len();
    assert!(checked >= expected, "only {checked} damaged answers");
    assert!(
        failures.is_empty(),
        "{} of {checked} damaged answers:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Regression (found by the damage test): an OKX `uid` that is not a UID differed from
/// `mainUid`, made the key a sub-account's and denied it the management rights.
#[cfg(feature = "okx")]
#[test]
fn a_damaged_okx_uid_denies_no_management_right() {
    let id = ExchangeId::Okx;
    let body = testkit::scenario_answer(id, Scenario::Trading)
        .unwrap()
        .body;
    let before = read(id, &body).unwrap();
    for damage in [serde_json::json!("x-token"), serde_json::json!(u64::MAX)] {
        let mut damaged = body.clone();
        damaged["data"][0]["uid"] = damage.clone();
        let after = read(id, &damaged).unwrap();
        no_new_denial(id, &before, &after, &format!("uid = {damage}"));
        assert!(after.anomalies.iter().any(|a| a.field == "uid"), "{damage}");
    }
}

/// Regression (found by the damage test): a BingX `permissions` entry that is not a code (null,
/// a boolean, an object) was skipped, and the right it stood for became `Denied`.
#[cfg(feature = "bingx")]
#[test]
fn a_bingx_permission_entry_that_is_no_code_denies_nothing() {
    let id = ExchangeId::Bingx;
    let body = testkit::scenario_answer(id, Scenario::WithdrawEnabled)
        .unwrap()
        .body;
    let before = read(id, &body).unwrap();
    for damage in [Value::Null, Value::Bool(true), serde_json::json!({})] {
        let mut damaged = body.clone();
        damaged["data"]["permissions"][1] = damage.clone();
        let after = read(id, &damaged).unwrap();
        no_new_denial(id, &before, &after, &format!("permissions[1] = {damage}"));
    }
}

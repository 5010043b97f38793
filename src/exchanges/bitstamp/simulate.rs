//! Bitstamp as the testkit simulates it: the kill switch, answering from the state (every key
//! it holds is revoked, and the caller's), and the authentication errors of its table.
//!
//! The suite reads Bitstamp through its only call, so the "key-information" path of the
//! simulation is the kill switch's.

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, CannedAnswer, Management, RecordedRequest, Scenario, SimulatedState, Simulation,
};

const REVOKE_ALL_PATH: &str = "/api/v2/revoke_all_api_keys/";
const DOCUMENTED: &str = include_str!("../../../tests/fixtures/bitstamp/revoke_all_api_keys.json");
const NOT_FOUND: &str =
    include_str!("../../../tests/fixtures/bitstamp/error_api_key_not_found.json");
const IP: &str = include_str!("../../../tests/fixtures/bitstamp/error_ip_not_allowed.json");
const RATE_LIMITED: &str = include_str!("../../../tests/fixtures/bitstamp/error_rate_limit.json");

/// Invented: the first id of the documented-shape answer, so the key in use is among those the
/// kill switch reports.
const API_KEY: &str = "bst0SimKeyMain7Yq2";

pub(crate) fn simulation() -> Simulation {
    Simulation {
        credentials: || Credentials::new(API_KEY, "BitstampSimSecret9fK2mQ7xR4"),
        answer,
        server_time: |_| Value::Null,
        // Bitstamp has no time call: nothing is ever asked here.
        server_time_path: "",
        key_info_path: REVOKE_ALL_PATH,
        payload_pointer: "",
        own_key_field: None,
        plant_permission: |answer, token| {
            if let Some(fields) = answer.as_object_mut() {
                fields.insert(token.to_owned(), Value::Bool(true));
            }
        },
        api_key_of: |request| {
            request
                .header("x-auth")
                .and_then(|auth| auth.strip_prefix("BITSTAMP "))
                .map(str::to_owned)
        },
        manage: Management {
            answer: manage,
            is_write: |request| request.path == REVOKE_ALL_PATH,
            sub_account: None,
        },
        error_body: |code, message| json!({ "status": "error", "reason": message, "code": code }),
    }
}

fn answer(scenario: Scenario) -> CannedAnswer {
    match scenario {
        Scenario::DocumentedExample => CannedAnswer::ok(fixture(DOCUMENTED)),
        Scenario::ReadOnly
        | Scenario::Trading
        | Scenario::WithdrawEnabled
        | Scenario::NoIpRestriction => CannedAnswer::ok(json!({ "revoked_api_keys": [API_KEY] })),
        // Bitstamp keys do not expire: a key gone is unknown.
        Scenario::Expired | Scenario::InvalidKey => {
            CannedAnswer::with_status(403, fixture(NOT_FOUND))
        }
        Scenario::IpNotAllowed => CannedAnswer::with_status(403, fixture(IP)),
        Scenario::RateLimited => CannedAnswer::with_status(429, fixture(RATE_LIMITED)),
    }
}

/// The kill switch, in a scenario whose key works: every held key dies, and the caller's.
fn manage(
    scenario: Scenario,
    state: &mut SimulatedState,
    request: &RecordedRequest,
) -> Option<CannedAnswer> {
    if request.path != REVOKE_ALL_PATH || request.method != "POST" {
        return None;
    }
    if matches!(
        scenario,
        Scenario::Expired | Scenario::InvalidKey | Scenario::IpNotAllowed | Scenario::RateLimited
    ) {
        return None;
    }
    let caller = request
        .header("x-auth")
        .and_then(|auth| auth.strip_prefix("BITSTAMP "))
        .unwrap_or(API_KEY)
        .to_owned();
    let mut revoked = vec![caller];
    revoked.extend(state.keys.iter().map(|key| key.api_key.clone()));
    for key in &revoked {
        state.revoke(key);
    }
    Some(CannedAnswer::ok(json!({ "revoked_api_keys": revoked })))
}

//! Gate as the testkit simulates it: scenario variants of the documented `main_keys` answer,
//! the key in use being its first entry.

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, Scenario, Simulation,
};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/gate/main_keys.json");
const INVALID: &str = include_str!("../../../tests/fixtures/gate/error_invalid_key.json");
const IP_FORBIDDEN: &str = include_str!("../../../tests/fixtures/gate/error_ip_forbidden.json");
const TOO_MANY: &str = include_str!("../../../tests/fixtures/gate/error_too_many_requests.json");

pub(crate) fn simulation() -> Simulation {
    Simulation {
        // The first documented key's visible prefix, completed; the secret is made up.
        credentials: || {
            Credentials::new(
                "c5dcfbf1f3a7e2b9d40c1a6f8e3b5d71",
                "9d3c1e7a5b2f4068a1c3e5d7f9b2a4c6e8d0f1a3b5c7d9e2f4a6b8c0d2e4f6a8",
            )
        },
        answer,
        server_time: |ms| json!({ "server_time": ms }),
        server_time_path: "/api/v4/spot/time",
        key_info_path: "/api/v4/account/main_keys",
        payload_pointer: "/0",
        own_key_field: Some("key"),
        plant_permission: |answer, token| {
            if let Some(Value::Array(perms)) = answer.pointer_mut("/0/perms") {
                perms.push(json!({ "name": token, "read_only": false }));
            }
        },
        error_body: |label, message| json!({ "label": label, "message": message }),
        api_key_of: |request| request.header("key").map(str::to_owned),
        manage: Management::NONE,
    }
}

fn perms(groups: &[(&str, bool)]) -> Value {
    groups
        .iter()
        .map(|(name, read_only)| json!({ "name": name, "read_only": read_only }))
        .collect()
}

fn answer(scenario: Scenario) -> CannedAnswer {
    let documented = fixture(DOCUMENTED);
    let key = |changes: Value| {
        let mut list = documented.clone();
        if let Some(first) = list.get_mut(0) {
            *first = patched(first, changes);
        }
        CannedAnswer::ok(list)
    };
    match scenario {
        Scenario::DocumentedExample => CannedAnswer::ok(documented.clone()),
        Scenario::ReadOnly => key(json!({
            "name": "portfolio-tracker",
            "perms": perms(&[("spot", true), ("wallet", true), ("account", true)]),
            "ip_whitelist": ["203.0.113.10", "203.0.113.11"],
        })),
        Scenario::Trading => key(json!({
            "name": "grid-bot-eth",
            "perms": perms(&[("spot", false), ("futures", false), ("wallet", true)]),
            "ip_whitelist": ["203.0.113.10"],
        })),
        Scenario::WithdrawEnabled => key(json!({
            "name": "treasury",
            "perms": perms(&[("spot", false), ("wallet", false), ("account", false)]),
            "ip_whitelist": ["203.0.113.10"],
        })),
        Scenario::NoIpRestriction => key(json!({
            "name": "test",
            "perms": perms(&[("spot", false), ("wallet", true)]),
            "ip_whitelist": [],
        })),
        // Gate documents no expiry: an expired or deleted key is an unknown key.
        Scenario::Expired | Scenario::InvalidKey => {
            CannedAnswer::with_status(401, fixture(INVALID))
        }
        Scenario::IpNotAllowed => CannedAnswer::with_status(403, fixture(IP_FORBIDDEN)),
        Scenario::RateLimited => CannedAnswer::with_status(429, fixture(TOO_MANY)),
    }
}

//! Kraken Futures as the testkit simulates it: scenario variants of the documented example.

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, Scenario, Simulation,
};

const DOCUMENTED: &str =
    include_str!("../../../tests/fixtures/kraken-futures/check_v3_api_key.json");
const UNAUTHORIZED: &str =
    include_str!("../../../tests/fixtures/kraken-futures/error_unauthorized.json");
const RATE_LIMITED: &str =
    include_str!("../../../tests/fixtures/kraken-futures/error_rate_limited.json");

pub(crate) fn simulation() -> Simulation {
    Simulation {
        // The secret of Kraken's spot signing example and the public key of the check example.
        credentials: || {
            Credentials::new(
                "Gom9BsP75m41c9fuY6oJk/unMWaDZjYIcTP4/5kqPvtzdbj5JU5/Fyeb",
                "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==",
            )
        },
        answer,
        server_time: |_| json!({ "result": "success", "serverTime": "2026-11-01T00:00:00.000Z" }),
        server_time_path: "/derivatives/api/v3/instruments",
        key_info_path: "/api/auth/v1/api-keys/v3/check",
        payload_pointer: "",
        own_key_field: None,
        plant_permission: |answer, token| {
            if let Some(Value::Object(rights)) = answer.pointer_mut("/permissions") {
                rights.insert(token.to_owned(), "FULL_ACCESS".into());
            }
        },
        api_key_of: |request| request.header("apikey").map(str::to_owned),
        manage: Management::NONE,
        error_body: |code, message| json!({ "error": code, "message": message, "suberror": null }),
    }
}

fn answer(scenario: Scenario) -> CannedAnswer {
    let documented = fixture(DOCUMENTED);
    let key = |general: &str, transfer: &str, blocks: Value| {
        CannedAnswer::ok(patched(
            &documented,
            json!({
                "permissions": { "general": general, "transfer": transfer },
                "allowedCidrBlock": blocks.get(0).cloned().unwrap_or(Value::Null),
                "allowedCidrBlocks": blocks,
                "createdAt": "2026-09-01T00:00:00Z"
            }),
        ))
    };
    let bound = json!(["203.0.113.10/32", "203.0.113.11/32"]);
    let unauthorized = CannedAnswer::with_status(401, fixture(UNAUTHORIZED));
    match scenario {
        // The rendered example leaves the required `permissions` empty: completed with the
        // schema's two tiers (fixture README).
        Scenario::DocumentedExample => CannedAnswer::ok(patched(
            &documented,
            json!({ "permissions": { "general": "READ_ONLY", "transfer": "NO_ACCESS" } }),
        )),
        Scenario::ReadOnly => key("READ_ONLY", "NO_ACCESS", bound),
        Scenario::Trading => key("FULL_ACCESS", "NO_ACCESS", bound),
        Scenario::WithdrawEnabled => key("FULL_ACCESS", "FULL_ACCESS", bound),
        Scenario::NoIpRestriction => key("FULL_ACCESS", "NO_ACCESS", json!([])),
        // Keys do not expire; an unknown key, a bad signature and (undocumented) a calling
        // address outside the ranges all get the one 401.
        Scenario::Expired | Scenario::InvalidKey | Scenario::IpNotAllowed => unauthorized,
        Scenario::RateLimited => CannedAnswer::with_status(429, fixture(RATE_LIMITED)),
    }
}

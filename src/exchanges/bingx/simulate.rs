//! BingX as the testkit simulates it: scenario variants of the documented example.

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, Scenario, Simulation,
};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/bingx/api_permissions.json");
const INVALID: &str = include_str!("../../../tests/fixtures/bingx/error_invalid_key.json");
const IP_NOT_ALLOWED: &str =
    include_str!("../../../tests/fixtures/bingx/error_ip_not_allowed.json");
const RATE_LIMITED: &str = include_str!("../../../tests/fixtures/bingx/error_rate_limited.json");

/// The public key the simulation signs with (made up; BingX publishes only the secret).
const API_KEY: &str = "Sim-BingX-Key-0001";

pub(crate) fn simulation() -> Simulation {
    Simulation {
        // The secret of BingX's published signing example; the key is made up.
        credentials: || {
            Credentials::new(
                API_KEY,
                "UuGuyEGt6ZEkpUObCYCmIfh0elYsZVh80jlYwpJuRZEw70t6vomMH7Sjmf94ztSI",
            )
        },
        answer,
        server_time: |ms| json!({ "code": 0, "msg": "", "data": { "serverTime": ms } }),
        server_time_path: "/openApi/swap/v2/server/time",
        key_info_path: "/openApi/v1/account/apiPermissions",
        payload_pointer: "/data",
        own_key_field: None,
        plant_permission: |answer, token| {
            if let Some(Value::Array(codes)) = answer.pointer_mut("/data/permissions") {
                codes.push(token.into());
            }
        },
        api_key_of: |request| request.header("x-bx-apikey").map(str::to_owned),
        manage: Management::NONE,
        error_body: |code, message| {
            let code = code
                .parse::<i64>()
                .map_or_else(|_| Value::from(code), Value::from);
            json!({ "code": code, "msg": message, "timestamp": 1_702_351_994_615_i64 })
        },
    }
}

fn answer(scenario: Scenario) -> CannedAnswer {
    let documented = fixture(DOCUMENTED);
    let data = documented["data"].clone();
    let key = |changes: Value| {
        let mut body = documented.clone();
        body["data"] = patched(&data, changes);
        CannedAnswer::ok(body)
    };
    let bound = json!(["203.0.113.10", "203.0.113.11"]);
    match scenario {
        Scenario::DocumentedExample => CannedAnswer::ok(documented.clone()),
        Scenario::ReadOnly => key(json!({
            "apiKey": API_KEY, "note": "portfolio-tracker", "permissions": [2], "ipAddresses": bound
        })),
        Scenario::Trading => key(json!({
            "apiKey": API_KEY, "note": "grid-bot-btc", "permissions": [1, 2, 3], "ipAddresses": bound
        })),
        Scenario::WithdrawEnabled => key(json!({
            "apiKey": API_KEY, "note": "treasury", "permissions": [1, 2, 4, 5, 7], "ipAddresses": bound
        })),
        Scenario::NoIpRestriction => key(json!({
            "apiKey": API_KEY, "note": "", "permissions": [1, 2, 3], "ipAddresses": [""]
        })),
        // BingX documents no expiry and no error of its own for an expired key: it answers as
        // for an unknown key.
        Scenario::Expired | Scenario::InvalidKey => CannedAnswer::ok(fixture(INVALID)),
        Scenario::IpNotAllowed => CannedAnswer::ok(fixture(IP_NOT_ALLOWED)),
        Scenario::RateLimited => {
            CannedAnswer::with_status(429, fixture(RATE_LIMITED)).header("retry-after", "60")
        }
    }
}

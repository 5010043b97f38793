//! Bitget as the testkit simulates it: scenario variants of the documented "Get Account
//! Information" answer. No management call is simulated: the adapter offers none.

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, Scenario, Simulation,
};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/bitget/account_info.json");
const INVALID: &str = include_str!("../../../tests/fixtures/bitget/error_invalid_key.json");
const IP_NOT_ALLOWED: &str =
    include_str!("../../../tests/fixtures/bitget/error_ip_not_allowed.json");
const RATE_LIMITED: &str = include_str!("../../../tests/fixtures/bitget/error_rate_limited.json");

pub(crate) fn simulation() -> Simulation {
    Simulation {
        // Made up, with the secret of the self-computed signing vectors.
        credentials: || {
            Credentials::new("bg_5b3e0c9d7f2a4e1b8c6d", "test_secret")
                .with_passphrase("SimPassphrase1")
        },
        answer,
        server_time: |ms| {
            json!({
                "code": "00000", "msg": "success", "requestTime": ms,
                "data": { "serverTime": ms.to_string() }
            })
        },
        server_time_path: "/api/v2/public/time",
        key_info_path: "/api/v2/spot/account/info",
        payload_pointer: "/data",
        own_key_field: None,
        plant_permission: |answer, token| {
            if let Some(Value::Array(codes)) = answer.pointer_mut("/data/authorities") {
                codes.push(token.into());
            }
        },
        api_key_of: |request| request.header("access-key").map(str::to_owned),
        manage: Management::NONE,
        error_body: |code, message| json!({ "code": code, "msg": message, "requestTime": 1_695_808_949_356_i64, "data": null }),
    }
}

fn answer(scenario: Scenario) -> CannedAnswer {
    let documented = fixture(DOCUMENTED);
    let account = documented["data"].clone();
    let variant = |changes: Value| {
        CannedAnswer::ok(json!({
            "code": "00000", "msg": "success", "requestTime": 1_695_808_949_356_i64,
            "data": patched(&account, changes)
        }))
    };
    match scenario {
        Scenario::DocumentedExample => CannedAnswer::ok(documented.clone()),
        Scenario::ReadOnly => variant(json!({
            "authorities": ["stor", "coor", "cpor"], "ips": "203.0.113.10,203.0.113.11"
        })),
        Scenario::Trading => variant(json!({
            "authorities": ["stor", "stow", "coor", "coow"], "ips": "203.0.113.10"
        })),
        Scenario::WithdrawEnabled => variant(json!({
            "authorities": ["stor", "stow", "wtow", "wwow"], "ips": "203.0.113.10"
        })),
        Scenario::NoIpRestriction => variant(json!({
            "authorities": ["stor", "stow"], "ips": ""
        })),
        // Bitget reports no expiry: a key past it answers as an unknown key.
        Scenario::Expired | Scenario::InvalidKey => {
            CannedAnswer::with_status(400, fixture(INVALID))
        }
        Scenario::IpNotAllowed => CannedAnswer::with_status(400, fixture(IP_NOT_ALLOWED)),
        Scenario::RateLimited => CannedAnswer::with_status(429, fixture(RATE_LIMITED)),
    }
}

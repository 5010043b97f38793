//! MEXC as the testkit simulates it: scenario variants of the (third-party) sample answer.

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, Scenario, Simulation,
};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/mexc/api_key_info.json");
const INVALID: &str = include_str!("../../../tests/fixtures/mexc/error_invalid_key.json");
const BAD_SIGNATURE: &str = include_str!("../../../tests/fixtures/mexc/error_bad_signature.json");
const IP_NOT_ALLOWED: &str = include_str!("../../../tests/fixtures/mexc/error_ip_not_allowed.json");
const RATE_LIMITED: &str = include_str!("../../../tests/fixtures/mexc/error_rate_limited.json");

pub(crate) fn simulation() -> Simulation {
    Simulation {
        // MEXC's own documentation example key pair (spot v3, "Signed" examples).
        credentials: || Credentials::new("mx0aBYs33eIilxBWC5", "45d0b3c26f2644f19bfb98b07741b2f5"),
        answer,
        server_time: |ms| json!({ "serverTime": ms }),
        server_time_path: "/api/v3/time",
        key_info_path: "/api/v3/apiKeyInfo",
        payload_pointer: "",
        own_key_field: None,
        plant_permission: |answer, token| {
            if let Some(Value::String(permissions)) = answer.get_mut("permissions") {
                permissions.push(',');
                permissions.push_str(token);
            }
        },
        api_key_of: |request| request.header("x-mexc-apikey").map(str::to_owned),
        manage: Management::NONE,
        error_body: |code, message| {
            let code = code
                .parse::<i64>()
                .map_or_else(|_| Value::from(code), Value::from);
            json!({ "code": code, "msg": message })
        },
    }
}

fn answer(scenario: Scenario) -> CannedAnswer {
    let documented = fixture(DOCUMENTED);
    let key = |changes: Value| CannedAnswer::ok(patched(&documented, changes));
    let bound = "203.0.113.10,203.0.113.11";
    match scenario {
        Scenario::DocumentedExample => CannedAnswer::ok(documented.clone()),
        // Without SPOT_ACCOUNT_READ: MEXC's docs let a key holding it manage sub-account keys,
        // so a key with it is not known to be read-only.
        Scenario::ReadOnly => key(json!({
            "note": "portfolio-tracker", "ipWhiteList": bound,
            "permissions": "SPOT_DEAL_READ,CONTRACT_ACCOUNT_READ,CONTRACT_DEAL_READ,SPOT_WITHDRAW_READ",
            "createTime": "2026-09-01T00:00:00.000+00:00"
        })),
        Scenario::Trading => key(json!({
            "note": "grid-bot-btc", "ipWhiteList": bound,
            "permissions": "SPOT_ACCOUNT_READ,SPOT_DEAL_READ,SPOT_DEAL_WRITE,CONTRACT_DEAL_READ,CONTRACT_DEAL_WRITE",
            "createTime": "2026-04-01T00:00:00.000+00:00"
        })),
        Scenario::WithdrawEnabled => key(json!({
            "note": "treasury", "ipWhiteList": bound,
            "permissions": "SPOT_ACCOUNT_READ,SPOT_DEAL_WRITE,SPOT_WITHDRAW_READ,SPOT_WITHDRAW_WRITE,SPOT_TRANSFER_WRITE",
            "createTime": "2025-01-01T00:00:00.000+00:00"
        })),
        Scenario::NoIpRestriction => key(json!({
            "note": "", "ipWhiteList": "",
            "permissions": "SPOT_ACCOUNT_READ,SPOT_DEAL_READ,SPOT_DEAL_WRITE",
            "createTime": "2026-10-01T00:00:00.000+00:00", "remainingValidity": 60
        })),
        // MEXC refuses an expired key (keys without an IP expire after 90 days) with 700002,
        // the code of a bad signature (ccxt mexc.py).
        Scenario::Expired => CannedAnswer::with_status(400, fixture(BAD_SIGNATURE)),
        Scenario::InvalidKey => CannedAnswer::with_status(400, fixture(INVALID)),
        Scenario::IpNotAllowed => CannedAnswer::with_status(400, fixture(IP_NOT_ALLOWED)),
        Scenario::RateLimited => {
            CannedAnswer::with_status(429, fixture(RATE_LIMITED)).header("retry-after", "10")
        }
    }
}

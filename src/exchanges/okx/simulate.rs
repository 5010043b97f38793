//! OKX as the testkit simulates it: scenario variants of the documented example.

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, Scenario, Simulation,
};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/okx/account_config.json");
const INVALID: &str = include_str!("../../../tests/fixtures/okx/error_invalid_key.json");
const IP_NOT_ALLOWED: &str = include_str!("../../../tests/fixtures/okx/error_ip_not_allowed.json");
const RATE_LIMITED: &str = include_str!("../../../tests/fixtures/okx/error_rate_limited.json");

pub(crate) fn simulation() -> Simulation {
    Simulation {
        // The secret of OKX's documentation example; key and passphrase are made up.
        credentials: || {
            Credentials::new(
                "985d5b66-57ce-40fb-b714-afc0b9787083",
                "22582BD0CFF14C41EDBF1AB98506286D",
            )
            .with_passphrase("Sim-Passphrase-1")
        },
        answer,
        server_time: |ms| json!({ "code": "0", "msg": "", "data": [{ "ts": ms.to_string() }] }),
        server_time_path: "/api/v5/public/time",
        key_info_path: "/api/v5/account/config",
        payload_pointer: "/data/0",
        own_key_field: None,
        plant_permission: |answer, token| {
            if let Some(Value::String(perm)) = answer.pointer_mut("/data/0/perm") {
                perm.push(',');
                perm.push_str(token);
            }
        },
        api_key_of: |request| request.header("ok-access-key").map(str::to_owned),
        manage: Management::NONE,
        error_body: |code, message| json!({ "code": code, "msg": message, "data": [] }),
    }
}

fn answer(scenario: Scenario) -> CannedAnswer {
    let documented = fixture(DOCUMENTED);
    let account = documented["data"][0].clone();
    let key = |changes: Value| {
        CannedAnswer::ok(json!({ "code": "0", "msg": "", "data": [patched(&account, changes)] }))
    };
    match scenario {
        Scenario::DocumentedExample => CannedAnswer::ok(documented.clone()),
        Scenario::ReadOnly => key(json!({
            "perm": "read_only", "ip": "203.0.113.10,203.0.113.11", "label": "portfolio-tracker"
        })),
        Scenario::Trading => key(json!({
            "perm": "read_only,trade", "ip": "203.0.113.10", "label": "grid-bot-eth"
        })),
        Scenario::WithdrawEnabled => key(json!({
            "perm": "read_only,withdraw,trade", "ip": "203.0.113.10", "label": "treasury"
        })),
        Scenario::NoIpRestriction => key(json!({
            "perm": "read_only,trade", "ip": "", "label": "test"
        })),
        // OKX deletes an expired key (14 days unused without a bound IP): it answers as for an
        // unknown key.
        Scenario::Expired | Scenario::InvalidKey => {
            CannedAnswer::with_status(401, fixture(INVALID))
        }
        Scenario::IpNotAllowed => CannedAnswer::with_status(401, fixture(IP_NOT_ALLOWED)),
        Scenario::RateLimited => CannedAnswer::with_status(429, fixture(RATE_LIMITED)),
    }
}

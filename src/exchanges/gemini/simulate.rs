//! Gemini as the testkit simulates it: the two documented role answers, and role variants.

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{fixture, CannedAnswer, Management, Scenario, Simulation};

const MASTER: &str = include_str!("../../../tests/fixtures/gemini/roles_master_level.json");
const ACCOUNT: &str = include_str!("../../../tests/fixtures/gemini/roles_account_level.json");
const INVALID: &str = include_str!("../../../tests/fixtures/gemini/error_invalid_api_key.json");
const IP: &str = include_str!("../../../tests/fixtures/gemini/error_ip_filtering.json");
const RATE_LIMITED: &str = include_str!("../../../tests/fixtures/gemini/error_rate_limit.json");

pub(crate) fn simulation() -> Simulation {
    Simulation {
        // Invented: a master-level key (Gemini names them `master-…`), as the documented
        // example's answer is one's; Gemini publishes no key pair beside its signing example's
        // short `1234abcd`.
        credentials: || {
            Credentials::new(
                "master-wujB3szN54gtJ4QDhqRJ",
                "GeminiSimSecret3kq9T2xv8LmZpW4",
            )
        },
        answer,
        server_time: |_| Value::Null,
        // Gemini has no time call: nothing is ever asked here.
        server_time_path: "",
        key_info_path: "/v1/roles",
        payload_pointer: "",
        own_key_field: None,
        plant_permission: |answer, token| {
            if let Some(roles) = answer.as_object_mut() {
                // Gemini's role flags are named `is<Role>`; the bare token may be taken by another
                // planted field.
                roles.insert(format!("is{token}"), Value::Bool(true));
            }
        },
        api_key_of: |request| request.header("x-gemini-apikey").map(str::to_owned),
        manage: Management::NONE,
        error_body: |code, message| json!({ "result": "error", "reason": code, "message": message }),
    }
}

fn answer(scenario: Scenario) -> CannedAnswer {
    let roles = |auditor: bool, fund_manager: bool, trader: bool| {
        CannedAnswer::ok(json!({
            "isAuditor": auditor, "isFundManager": fund_manager, "isTrader": trader
        }))
    };
    match scenario {
        Scenario::DocumentedExample => CannedAnswer::ok(fixture(MASTER)),
        Scenario::ReadOnly => roles(true, false, false),
        Scenario::Trading | Scenario::NoIpRestriction => roles(false, false, true),
        Scenario::WithdrawEnabled => CannedAnswer::ok(fixture(ACCOUNT)),
        // Gemini keys do not expire; a key gone is unknown.
        Scenario::Expired | Scenario::InvalidKey => {
            CannedAnswer::with_status(400, fixture(INVALID))
        }
        Scenario::IpNotAllowed => CannedAnswer::with_status(403, fixture(IP)),
        Scenario::RateLimited => CannedAnswer::with_status(429, fixture(RATE_LIMITED)),
    }
}

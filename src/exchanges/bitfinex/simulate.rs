//! Bitfinex as the testkit simulates it: scope lists built from the documented schema.

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{fixture, CannedAnswer, Management, Scenario, Simulation};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/bitfinex/permissions.json");
const INVALID: &str = include_str!("../../../tests/fixtures/bitfinex/error_apikey_invalid.json");
const RATE_LIMITED: &str = include_str!("../../../tests/fixtures/bitfinex/error_ratelimit.json");

pub(crate) fn simulation() -> Simulation {
    Simulation {
        // Invented; the secret is the one of the derived signing vector in `sign.rs`.
        credentials: || {
            Credentials::new("bfxSimKey9mQ2vX7pL4tR8wZ3nB6cD1fG5hJ0kS", "bfx-test-secret")
        },
        answer,
        server_time: |_| Value::Null,
        // Bitfinex has no time call the adapter asks: nothing is ever asked here.
        server_time_path: "",
        key_info_path: "/v2/auth/r/permissions",
        payload_pointer: "",
        own_key_field: None,
        plant_permission: |answer, token| {
            if let Some(scopes) = answer.as_array_mut() {
                scopes.push(json!([token, 1, 1]));
            }
        },
        api_key_of: |request| request.header("bfx-apikey").map(str::to_owned),
        manage: Management::NONE,
        error_body: |code, message| {
            let code = code
                .parse::<i64>()
                .map_or_else(|_| Value::from(code), Value::from);
            json!(["error", code, message])
        },
    }
}

/// A scope list granting READ everywhere but `withdraw`/`ui_withdraw`/`bfxpay`, and WRITE on
/// `writes`.
fn scopes(writes: &[&str]) -> CannedAnswer {
    let list: Vec<Value> = [
        "account",
        "history",
        "orders",
        "positions",
        "funding",
        "settings",
        "wallets",
        "withdraw",
        "ui_withdraw",
        "bfxpay",
    ]
    .iter()
    .map(|scope| {
        let write = u8::from(writes.contains(scope));
        json!([scope, 1, write])
    })
    .collect();
    CannedAnswer::ok(Value::Array(list))
}

fn answer(scenario: Scenario) -> CannedAnswer {
    match scenario {
        Scenario::DocumentedExample => CannedAnswer::ok(fixture(DOCUMENTED)),
        Scenario::ReadOnly => scopes(&[]),
        Scenario::Trading | Scenario::NoIpRestriction => scopes(&["orders", "positions"]),
        Scenario::WithdrawEnabled => scopes(&["orders", "positions", "wallets", "withdraw"]),
        // Bitfinex keys do not expire, and it documents no error of its own for a calling
        // address the key does not allow: `10100` is all it says.
        Scenario::Expired | Scenario::InvalidKey | Scenario::IpNotAllowed => {
            CannedAnswer::with_status(500, fixture(INVALID))
        }
        Scenario::RateLimited => CannedAnswer::with_status(429, fixture(RATE_LIMITED)),
    }
}

//! Kraken as the testkit simulates it: scenario variants of the documented example.

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, Scenario, Simulation,
};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/kraken/get_api_key_info.json");
const INVALID: &str = include_str!("../../../tests/fixtures/kraken/error_invalid_key.json");
const RATE_LIMITED: &str = include_str!("../../../tests/fixtures/kraken/error_rate_limited.json");

pub(crate) fn simulation() -> Simulation {
    Simulation {
        // The secret of Kraken's signing example and the public key of its GetApiKeyInfo one.
        credentials: || {
            Credentials::new(
                "4/SDrDBcOOPnm3nPlNfEMMJDeRcIVqPz+QhRxIodyZbI9po/aVRiHsgX",
                "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==",
            )
        },
        answer,
        server_time: |ms| json!({ "error": [], "result": { "unixtime": ms / 1000, "rfc1123": "" } }),
        server_time_path: "/0/public/Time",
        key_info_path: "/0/private/GetApiKeyInfo",
        payload_pointer: "/result",
        own_key_field: None,
        plant_permission: |answer, token| {
            if let Some(Value::Array(tokens)) = answer.pointer_mut("/result/permissions") {
                tokens.push(token.into());
            }
        },
        api_key_of: |request| request.header("api-key").map(str::to_owned),
        manage: Management::NONE,
        error_body: |code, message| json!({ "error": [code, message] }),
    }
}

fn answer(scenario: Scenario) -> CannedAnswer {
    let documented = fixture(DOCUMENTED);
    let result = documented["result"].clone();
    let key = |changes: Value| {
        CannedAnswer::ok(json!({ "error": [], "result": patched(&result, changes) }))
    };
    let bound = json!(["203.0.113.10", "203.0.113.11"]);
    let trading = json!([
        "query-funds",
        "query-open-trades",
        "query-closed-trades",
        "modify-trades",
        "close-trades"
    ]);
    match scenario {
        Scenario::DocumentedExample => CannedAnswer::ok(documented.clone()),
        // "Funds - Query" moves funds between the key's own wallets (WalletTransfer): a
        // read-only Kraken key holds none of it.
        Scenario::ReadOnly => key(json!({
            "apiKeyName": "portfolio-tracker", "ipAllowlist": bound,
            "permissions": ["query-open-trades", "query-closed-trades", "query-ledger"],
            "createdTime": "1788220800"
        })),
        Scenario::Trading => key(json!({
            "apiKeyName": "grid-bot-xbt", "ipAllowlist": bound, "permissions": trading,
            "createdTime": "1775001600"
        })),
        Scenario::WithdrawEnabled => key(json!({
            "apiKeyName": "treasury", "ipAllowlist": bound,
            "permissions": ["query-funds", "withdraw-funds", "modify-trades"],
            "createdTime": "1735689600"
        })),
        Scenario::NoIpRestriction => key(json!({
            "apiKeyName": "", "ipAllowlist": [], "permissions": trading,
            "createdTime": "1790812800"
        })),
        Scenario::Expired => key(json!({
            "apiKeyName": "old-bot", "ipAllowlist": bound, "permissions": trading,
            "createdTime": "1759968000", "validUntil": "1767744000"
        })),
        // Kraken documents no error of its own for a caller outside the allowlist.
        Scenario::InvalidKey | Scenario::IpNotAllowed => CannedAnswer::ok(fixture(INVALID)),
        Scenario::RateLimited => CannedAnswer::ok(fixture(RATE_LIMITED)),
    }
}

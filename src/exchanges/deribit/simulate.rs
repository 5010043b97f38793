//! Deribit as the testkit simulates it: the documented list of keys, with the key in use in
//! each scenario's shape, and key management from the simulator's state: create, edit (name,
//! scope, allowlist, enabled), enable, disable, reset and remove, by the key's number. The
//! security-key challenge is not simulated here; `tests/deribit.rs` serves it from Deribit's
//! documented answers.

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, RecordedRequest, Scenario, SimulatedKey,
    SimulatedState, Simulation,
};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/deribit/list_api_keys.json");
const INVALID: &str =
    include_str!("../../../tests/fixtures/deribit/error_invalid_credentials.json");
const UNAUTHORIZED: &str = include_str!("../../../tests/fixtures/deribit/error_unauthorized.json");
const RATE_LIMITED: &str =
    include_str!("../../../tests/fixtures/deribit/error_too_many_requests.json");

const LIST: &str = "/api/v2/private/list_api_keys";
const CREATE: &str = "/api/v2/private/create_api_key";
const EDIT: &str = "/api/v2/private/edit_api_key";
const REMOVE: &str = "/api/v2/private/remove_api_key";
const ENABLE: &str = "/api/v2/private/enable_api_key";
const DISABLE: &str = "/api/v2/private/disable_api_key";
const RESET: &str = "/api/v2/private/reset_api_key";

/// The calls that change a key, each sent at most once.
const WRITES: [&str; 6] = [CREATE, EDIT, REMOVE, ENABLE, DISABLE, RESET];

pub(crate) fn simulation() -> Simulation {
    Simulation {
        // The key in use in Deribit's documented list: the list echoes its secret.
        credentials: || Credentials::new("aD-KFx-H", "mwNOvbUVyQczytQ5IVM8CbzmgqNJ81WvLKfu6MXcJPs"),
        answer,
        server_time: |ms| {
            json!({
                "jsonrpc": "2.0", "result": ms, "usIn": ms * 1000, "usOut": ms * 1000 + 1,
                "usDiff": 1, "testnet": false
            })
        },
        server_time_path: "/api/v2/public/get_time",
        key_info_path: LIST,
        payload_pointer: "/result/1",
        own_key_field: Some("client_id"),
        plant_permission: |answer, token| {
            if let Some(Value::String(scope)) = answer.pointer_mut("/result/1/max_scope") {
                scope.push(' ');
                scope.push_str(token);
            }
        },
        api_key_of: |request| {
            let header = request.header("authorization")?;
            let id = header.split_once("id=")?.1;
            Some(id.split(',').next().unwrap_or_default().to_owned())
        },
        manage: Management {
            answer: manage,
            is_write: |request| WRITES.contains(&request.path.as_str()),
            sub_account: None,
        },
        error_body: |code, message| {
            let code = code
                .parse::<i64>()
                .map_or_else(|_| Value::from(code), Value::from);
            json!({
                "jsonrpc": "2.0", "id": 2553, "error": { "code": code, "message": message },
                "testnet": false, "usIn": 1_535_037_392_434_763_i64,
                "usOut": 1_535_037_392_448_119_i64, "usDiff": 13356
            })
        },
    }
}

/// Deribit's JSON-RPC errors come with HTTP 400 (third-party clients' observation; the status
/// is not documented).
fn error(text: &str) -> CannedAnswer {
    CannedAnswer::with_status(400, fixture(text))
}

fn answer(scenario: Scenario) -> CannedAnswer {
    let documented = fixture(DOCUMENTED);
    let ours = documented["result"][1].clone();
    let key = |changes: Value| {
        let mut body = documented.clone();
        body["result"][1] = patched(&ours, changes);
        CannedAnswer::ok(body)
    };
    let bound = json!(["203.0.113.10", "203.0.113.11"]);
    let trading = "account:read block_trade:read trade:read_write wallet:read";
    match scenario {
        Scenario::DocumentedExample => CannedAnswer::ok(documented.clone()),
        Scenario::ReadOnly => key(json!({
            "name": "portfolio_tracker", "ip_whitelist": bound, "default": false,
            "max_scope": "account:read block_trade:read trade:read wallet:read"
        })),
        Scenario::Trading => key(json!({
            "name": "grid_bot_btc", "ip_whitelist": bound, "default": false,
            "max_scope": trading
        })),
        Scenario::WithdrawEnabled => key(json!({
            "name": "treasury", "ip_whitelist": bound, "default": false,
            "max_scope": "account:read trade:read_write wallet:read_write"
        })),
        Scenario::NoIpRestriction => key(json!({
            "name": "", "ip_whitelist": [], "max_scope": trading
        })),
        // Deribit keys do not expire; a key that is gone is unknown.
        Scenario::Expired | Scenario::InvalidKey => error(INVALID),
        // Deribit documents no code of its own for a caller outside the allowlist.
        Scenario::IpNotAllowed => error(UNAUTHORIZED),
        Scenario::RateLimited => error(RATE_LIMITED),
    }
}

/// The entry Deribit lists for a key the simulator holds.
fn entry(key: &SimulatedKey) -> Value {
    json!({
        "timestamp": key.created_ms, "max_scope": key.permissions.join(" "), "id": key.id,
        "enabled": key.enabled, "default": false, "client_secret": key.secret,
        "client_id": key.api_key, "name": key.label, "enabled_features": [],
        "ip_whitelist": key.ips
    })
}

fn result(result: Value) -> CannedAnswer {
    CannedAnswer::ok(json!({
        "jsonrpc": "2.0", "id": 1569, "result": result, "testnet": false,
        "usIn": 1_583_922_446_019_955_i64, "usOut": 1_583_922_446_019_956_i64, "usDiff": 1
    }))
}

fn invalid_arguments() -> CannedAnswer {
    CannedAnswer::with_status(
        400,
        json!({
            "jsonrpc": "2.0", "id": 1569,
            "error": { "code": 11029, "message": "invalid_arguments" },
            "testnet": false
        }),
    )
}

/// Lists the scenario's keys without the revoked ones and with the created ones; creates,
/// edits, enables, disables, resets and removes the keys it holds.
fn manage(
    scenario: Scenario,
    state: &mut SimulatedState,
    request: &RecordedRequest,
) -> Option<CannedAnswer> {
    let number = || request.query_param("id")?.parse::<u64>().ok();
    let held = |state: &SimulatedState, number: u64| {
        state
            .keys
            .iter()
            .find(|key| key.id == number)
            .map(|key| key.api_key.clone())
    };
    match request.path.as_str() {
        LIST => {
            let mut body = answer(scenario);
            let entries = body.body.get_mut("result")?.as_array_mut()?;
            entries.retain(|entry| {
                entry["client_id"]
                    .as_str()
                    .is_none_or(|client_id| !state.is_revoked(client_id))
            });
            entries.extend(state.keys.iter().map(entry));
            Some(body)
        }
        CREATE => {
            let scope = request.query_param("max_scope")?;
            let name = request.query_param("name").unwrap_or_default();
            let tokens = scope.split_whitespace().map(str::to_owned).collect();
            Some(result(entry(&state.create(&name, tokens, Vec::new()))))
        }
        EDIT => {
            let Some(api_key) = held(state, number()?) else {
                return Some(invalid_arguments());
            };
            let key = state.key_mut(&api_key)?;
            // An omitted scope becomes none, as Deribit documents.
            key.permissions = request
                .query_param("max_scope")
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_owned)
                .collect();
            if let Some(name) = request.query_param("name") {
                key.label = name;
            }
            if let Some(ips) = request
                .query_param("ip_whitelist")
                .and_then(|text| serde_json::from_str(&text).ok())
            {
                key.ips = ips;
            }
            if let Some(enabled) = request.query_param("enabled") {
                key.enabled = enabled == "true";
            }
            Some(result(entry(key)))
        }
        ENABLE | DISABLE => {
            let Some(api_key) = held(state, number()?) else {
                return Some(invalid_arguments());
            };
            let key = state.key_mut(&api_key)?;
            key.enabled = request.path == ENABLE;
            Some(result(entry(key)))
        }
        RESET => match held(state, number()?).and_then(|api_key| state.reset_secret(&api_key)) {
            Some(key) => Some(result(entry(&key))),
            None => Some(invalid_arguments()),
        },
        REMOVE => {
            let number = number()?;
            let listed = answer(scenario).body["result"]
                .as_array()
                .and_then(|entries| {
                    entries
                        .iter()
                        .find(|entry| entry["id"].as_u64() == Some(number))
                })
                .and_then(|entry| entry["client_id"].as_str().map(str::to_owned));
            match held(state, number).or(listed) {
                Some(client_id) if !state.is_revoked(&client_id) => {
                    state.revoke(&client_id);
                    Some(result(json!("ok")))
                }
                _ => Some(invalid_arguments()),
            }
        }
        _ => None,
    }
}

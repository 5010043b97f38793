//! Gate as the testkit simulates it: scenario variants of the documented `main_keys` answer,
//! the key in use being its first entry, and the sub-account key calls of the main key answered
//! from the simulator's state (the documented sub-account 10001 with the documented key, and the
//! keys created through the API).
//!
//! ASSUMED, not documented: `main_keys` signed by a sub-account's key answers that
//! sub-account's own keys (masked as main keys are). Rotation verifies a new key this way; on
//! gate.com, if Gate refuses, the rotation stops at its verification and deletes the new key.

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, RecordedRequest, Scenario, SimulatedKey,
    SimulatedState, Simulation, SERVER_TIME_MS,
};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/gate/main_keys.json");
const INVALID: &str = include_str!("../../../tests/fixtures/gate/error_invalid_key.json");
const IP_FORBIDDEN: &str = include_str!("../../../tests/fixtures/gate/error_ip_forbidden.json");
const TOO_MANY: &str = include_str!("../../../tests/fixtures/gate/error_too_many_requests.json");
const SUB_ACCOUNTS: &str = include_str!("../../../tests/fixtures/gate/sub_accounts.json");
const SUB_ACCOUNT_KEYS: &str = include_str!("../../../tests/fixtures/gate/sub_account_keys.json");

const MAIN_KEYS: &str = "/api/v4/account/main_keys";
const SUB_ACCOUNTS_PATH: &str = "/api/v4/sub_accounts";
/// The sub-account of Gate's documented list, where the conformance suite manages keys.
const DOCUMENTED_SUB_ACCOUNT: &str = "10001";

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
        manage: Management {
            answer: manage,
            is_write: |request| {
                request.method != "GET" && request.path.starts_with(SUB_ACCOUNTS_PATH)
            },
            sub_account: Some(DOCUMENTED_SUB_ACCOUNT),
        },
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

fn error(status: u16, label: &str, message: &str) -> CannedAnswer {
    CannedAnswer::with_status(status, json!({ "label": label, "message": message }))
}

/// A held key's rights as `perms`: each stored as `group` (writes) or `group:ro`.
fn perms_of(key: &SimulatedKey) -> Value {
    key.permissions
        .iter()
        .map(|p| match p.strip_suffix(":ro") {
            Some(name) => json!({ "name": name, "read_only": true }),
            None => json!({ "name": p, "read_only": false }),
        })
        .collect()
}

fn stored_perms(perms: Option<&Value>) -> Vec<String> {
    perms
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|p| {
                    let name = p.get("name")?.as_str()?;
                    Some(match p.get("read_only").and_then(Value::as_bool) {
                        Some(true) => format!("{name}:ro"),
                        _ => name.to_owned(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// A held key as `sub_accounts/{user_id}/keys` lists it.
/// The documented sub-account's documented keys, less those revoked.
fn documented_keys(state: &SimulatedState) -> Vec<Value> {
    fixture(SUB_ACCOUNT_KEYS)
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|k| !k["key"].as_str().is_some_and(|key| state.is_revoked(key)))
        .collect()
}

fn listed(key: &SimulatedKey) -> Value {
    let user_id: u64 = key
        .sub_account
        .as_deref()
        .and_then(|id| id.parse().ok())
        .unwrap_or_default();
    let seconds = key.created_ms / 1000;
    json!({
        "state": if key.enabled { 1 } else { 2 }, "name": key.label, "user_id": user_id,
        "perms": perms_of(key), "mode": 1, "ip_whitelist": key.ips, "key": key.api_key,
        "created_at": seconds, "updated_at": seconds, "last_access": seconds
    })
}

/// The sub-accounts: the documented one, and any other the held keys name.
fn sub_accounts(state: &SimulatedState) -> Vec<Value> {
    let mut entries: Vec<Value> = fixture(SUB_ACCOUNTS)
        .as_array()
        .cloned()
        .unwrap_or_default();
    let template = entries.first().cloned().unwrap_or(Value::Null);
    for key in &state.keys {
        let Some(id) = key
            .sub_account
            .as_deref()
            .and_then(|id| id.parse::<u64>().ok())
        else {
            continue;
        };
        if entries.iter().any(|entry| entry["user_id"] == id) {
            continue;
        }
        entries.push(patched(
            &template,
            json!({ "user_id": id, "login_name": format!("sub_{id}"), "create_time": SERVER_TIME_MS / 1000 }),
        ));
    }
    entries
}

/// Answers the sub-account key calls of the main key from the simulator's state.
fn manage(
    _: Scenario,
    state: &mut SimulatedState,
    request: &RecordedRequest,
) -> Option<CannedAnswer> {
    let path = request.path.as_str();
    if request.method == "GET" && path == MAIN_KEYS {
        // A key created through the API describes its own sub-account's keys (ASSUMED above).
        let caller = state.key(request.header("key")?)?.clone();
        let entries: Vec<Value> = state
            .keys
            .iter()
            .filter(|k| k.sub_account == caller.sub_account)
            .map(|k| {
                let mut entry = listed(k);
                let shown: String = k.api_key.chars().take(12).collect();
                entry["key"] = format!("{shown}*****").into();
                entry
            })
            .collect();
        return Some(CannedAnswer::ok(Value::Array(entries)));
    }
    if request.method == "GET" && path == SUB_ACCOUNTS_PATH {
        return Some(CannedAnswer::ok(Value::Array(sub_accounts(state))));
    }
    let rest = path.strip_prefix("/api/v4/sub_accounts/")?;
    let mut parts = rest.split('/');
    let user_id = parts.next()?.to_owned();
    if parts.next()? != "keys" {
        return None;
    }
    let key_id = parts.next().map(str::to_owned);
    if parts.next().is_some() {
        return None;
    }
    let documented = user_id == DOCUMENTED_SUB_ACCOUNT;
    let mine = |state: &SimulatedState| -> Vec<SimulatedKey> {
        state
            .keys
            .iter()
            .filter(|k| k.sub_account.as_deref() == Some(user_id.as_str()))
            .cloned()
            .collect()
    };
    if !documented && mine(state).is_empty() {
        return Some(error(404, "USER_NOT_FOUND", "sub-account not found"));
    }
    let not_found = || error(404, "KEY_NOT_FOUND", "API key not found");
    let body = request.json_body();
    match (request.method.as_str(), key_id) {
        ("GET", None) => {
            let mut entries: Vec<Value> = if documented {
                documented_keys(state)
            } else {
                Vec::new()
            };
            entries.extend(mine(state).iter().map(listed));
            Some(CannedAnswer::ok(Value::Array(entries)))
        }
        ("POST", None) => {
            let ips = strings(body.get("ip_whitelist"));
            if ips.len() > 20 {
                return Some(error(400, "INVALID_PARAM_VALUE", "at most 20 IP addresses"));
            }
            let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
            let key = state.create_for(Some(&user_id), name, stored_perms(body.get("perms")), ips);
            let mut entry = listed(&key);
            entry["secret"] = key.secret.clone().into();
            Some(CannedAnswer::ok(entry))
        }
        (method, Some(key_id)) => {
            let held = mine(state).into_iter().find(|k| k.api_key == key_id);
            let held = match held {
                Some(held) => held,
                // A key of the documented list: read or deleted like a held one.
                None if documented => {
                    let entry = documented_keys(state)
                        .into_iter()
                        .find(|k| k["key"] == key_id.as_str());
                    return Some(match (method, entry) {
                        ("GET", Some(entry)) => CannedAnswer::ok(entry),
                        ("DELETE", Some(_)) => {
                            state.revoke(&key_id);
                            CannedAnswer::with_status(204, Value::Null)
                        }
                        _ => not_found(),
                    });
                }
                None => return Some(not_found()),
            };
            match method {
                "GET" => Some(CannedAnswer::ok(listed(&held))),
                "PUT" => {
                    let key = state.key_mut(&key_id)?;
                    // Gate clears what a change does not send.
                    key.label = body
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    key.permissions = stored_perms(body.get("perms"));
                    key.ips = strings(body.get("ip_whitelist"));
                    Some(CannedAnswer::with_status(204, Value::Null))
                }
                "DELETE" => {
                    state.revoke(&key_id);
                    Some(CannedAnswer::with_status(204, Value::Null))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

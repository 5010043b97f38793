//! MEXC as the testkit simulates it: scenario variants of the (third-party) sample answer, and
//! the sub-account key calls of a master key answered from the simulator's state (the
//! documented sub-accounts `mexc666`, holding the two documented keys, and `mexc888`, and the
//! keys created through the API).

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, RecordedRequest, Scenario, SimulatedKey,
    SimulatedState, Simulation, SERVER_TIME_MS,
};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/mexc/api_key_info.json");
const INVALID: &str = include_str!("../../../tests/fixtures/mexc/error_invalid_key.json");
const BAD_SIGNATURE: &str = include_str!("../../../tests/fixtures/mexc/error_bad_signature.json");
const IP_NOT_ALLOWED: &str = include_str!("../../../tests/fixtures/mexc/error_ip_not_allowed.json");
const RATE_LIMITED: &str = include_str!("../../../tests/fixtures/mexc/error_rate_limited.json");
const SUB_ACCOUNTS: &str = include_str!("../../../tests/fixtures/mexc/subaccount_list.json");
const SUB_ACCOUNT_KEYS: &str =
    include_str!("../../../tests/fixtures/mexc/subaccount_apikey_query.json");

const KEY_INFO: &str = "/api/v3/apiKeyInfo";
const LIST: &str = "/api/v3/sub-account/list";
/// `GET` lists a sub-account's keys, `POST` creates one, `DELETE` deletes one.
const KEYS: &str = "/api/v3/sub-account/apiKey";
/// The documented sub-account whose keys are the documented list, where the conformance suite
/// manages keys.
const DOCUMENTED_SUB_ACCOUNT: &str = "mexc666";
/// The rights MEXC's create call grants.
const CREATABLE: [&str; 10] = [
    "SPOT_ACCOUNT_READ",
    "SPOT_ACCOUNT_WRITE",
    "SPOT_DEAL_READ",
    "SPOT_DEAL_WRITE",
    "CONTRACT_ACCOUNT_READ",
    "CONTRACT_ACCOUNT_WRITE",
    "CONTRACT_DEAL_READ",
    "CONTRACT_DEAL_WRITE",
    "SPOT_TRANSFER_READ",
    "SPOT_TRANSFER_WRITE",
];

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
        manage: Management {
            answer: manage,
            is_write: |request| {
                request.path == KEYS && matches!(request.method.as_str(), "POST" | "DELETE")
            },
            sub_account: Some(DOCUMENTED_SUB_ACCOUNT),
        },
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

/// A MEXC refusal: HTTP 400 with `{"code", "msg"}`.
fn refused(code: i64, msg: &str) -> CannedAnswer {
    CannedAnswer::with_status(400, json!({ "code": code, "msg": msg }))
}

/// The entry `GET /api/v3/sub-account/apiKey` lists for a key the simulator holds.
fn listed(key: &SimulatedKey) -> Value {
    json!({
        "note": key.label, "apiKey": key.api_key, "permissions": key.permissions.join(","),
        "ip": key.ips.join(","), "createTime": key.created_ms
    })
}

/// The sub-accounts: the documented ones, and any other the held keys name.
fn sub_accounts(state: &SimulatedState) -> Vec<Value> {
    let mut entries: Vec<Value> = fixture(SUB_ACCOUNTS)["subAccounts"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let template = entries.first().cloned().unwrap_or(Value::Null);
    for key in &state.keys {
        let Some(name) = &key.sub_account else {
            continue;
        };
        if entries.iter().any(|e| e["subAccount"] == name.as_str()) {
            continue;
        }
        entries.push(patched(
            &template,
            json!({ "subAccount": name, "createTime": SERVER_TIME_MS, "uid": format!("{}", 90_000 + key.id) }),
        ));
    }
    entries
}

fn comma_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Answers the sub-account key calls of a master key from the simulator's state. MEXC takes
/// the parameters from the query string.
fn manage(
    _: Scenario,
    state: &mut SimulatedState,
    request: &RecordedRequest,
) -> Option<CannedAnswer> {
    let param = |name: &str| {
        request
            .query_param(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    };
    let exists = |state: &SimulatedState, name: &str| {
        sub_accounts(state)
            .iter()
            .any(|entry| entry["subAccount"] == name)
    };
    match (request.method.as_str(), request.path.as_str()) {
        // A key created through the API describes itself, not the scenario's master key.
        ("GET", KEY_INFO) => {
            let key = state.key(request.header("x-mexc-apikey")?)?.clone();
            Some(CannedAnswer::ok(patched(
                &fixture(DOCUMENTED),
                json!({
                    "accessKey": key.api_key, "note": key.label,
                    "permissions": key.permissions.join(","), "ipWhiteList": key.ips.join(","),
                    "createTime": "2026-11-01T00:00:00.000+00:00"
                }),
            )))
        }
        ("GET", LIST) => {
            let page = param("page")
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(1);
            let limit = param("limit")
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(10);
            let entries: Vec<Value> = sub_accounts(state)
                .into_iter()
                .skip(page.saturating_sub(1).saturating_mul(limit))
                .take(limit)
                .collect();
            Some(CannedAnswer::ok(json!({ "subAccounts": entries })))
        }
        ("GET", KEYS) => {
            let Some(sub) = param("subAccount") else {
                return Some(refused(730600, "Sub-account Name cannot be null"));
            };
            if !exists(state, &sub) {
                return Some(refused(140001, "sub account does not exist"));
            }
            let mut entries: Vec<Value> = if sub == DOCUMENTED_SUB_ACCOUNT {
                fixture(SUB_ACCOUNT_KEYS)["subAccount"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            entries.retain(|entry| {
                entry["apiKey"]
                    .as_str()
                    .is_none_or(|key| !state.is_revoked(key))
            });
            entries.extend(
                state
                    .keys
                    .iter()
                    .filter(|k| k.sub_account.as_deref() == Some(sub.as_str()))
                    .map(listed),
            );
            Some(CannedAnswer::ok(json!({ "subAccount": entries })))
        }
        ("POST", KEYS) => {
            let Some(sub) = param("subAccount") else {
                return Some(refused(730600, "Sub-account Name cannot be null"));
            };
            if !exists(state, &sub) {
                return Some(refused(140001, "sub account does not exist"));
            }
            let Some(note) = param("note") else {
                return Some(refused(730700, "API KEY remarks cannot be null"));
            };
            let permissions = comma_list(&param("permissions").unwrap_or_default());
            if permissions.is_empty() {
                return Some(refused(730701, "API KEY permission cannot be null"));
            }
            if !permissions.iter().all(|p| CREATABLE.contains(&p.as_str())) {
                return Some(refused(730702, "API KEY permission does not exist"));
            }
            let ips = comma_list(&param("ip").unwrap_or_default());
            if ips.len() > 20 {
                return Some(refused(
                    730703,
                    "The IP information is incorrect, and a maximum of 10 IPs are allowed to be bound only",
                ));
            }
            let key = state.create_for(Some(&sub), &note, permissions, ips);
            let mut entry = listed(&key);
            entry["subAccount"] = sub.into();
            entry["secretKey"] = key.secret.clone().into();
            Some(CannedAnswer::ok(entry))
        }
        ("DELETE", KEYS) => {
            let (Some(sub), Some(api_key)) = (param("subAccount"), param("apiKey")) else {
                return Some(refused(730707, "accessKey cannot be null"));
            };
            let held = state
                .keys
                .iter()
                .any(|k| k.api_key == api_key && k.sub_account.as_deref() == Some(sub.as_str()));
            let documented = sub == DOCUMENTED_SUB_ACCOUNT
                && !state.is_revoked(&api_key)
                && fixture(SUB_ACCOUNT_KEYS)["subAccount"]
                    .as_array()
                    .is_some_and(|keys| keys.iter().any(|k| k["apiKey"] == api_key.as_str()));
            if !held && !documented {
                return Some(refused(730706, "API KEY information does not exist"));
            }
            state.revoke(&api_key);
            Some(CannedAnswer::ok(json!({ "subAccount": sub })))
        }
        _ => None,
    }
}

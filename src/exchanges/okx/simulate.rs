//! OKX as the testkit simulates it: scenario variants of the documented example, and the
//! sub-account key calls of a master key answered from the simulator's state (the documented
//! sub-account `D456DDDL` with its two documented keys, and the keys created through the API).

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, RecordedRequest, Scenario, SimulatedKey,
    SimulatedState, Simulation, SERVER_TIME_MS,
};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/okx/account_config.json");
const INVALID: &str = include_str!("../../../tests/fixtures/okx/error_invalid_key.json");
const IP_NOT_ALLOWED: &str = include_str!("../../../tests/fixtures/okx/error_ip_not_allowed.json");
const RATE_LIMITED: &str = include_str!("../../../tests/fixtures/okx/error_rate_limited.json");
const SUB_ACCOUNTS: &str = include_str!("../../../tests/fixtures/okx/subaccount_list.json");
const SUB_ACCOUNT_KEYS: &str =
    include_str!("../../../tests/fixtures/okx/subaccount_apikey_query.json");

const CONFIG: &str = "/api/v5/account/config";
const LIST: &str = "/api/v5/users/subaccount/list";
/// `GET` lists a sub-account's keys, `POST` creates one.
const KEYS: &str = "/api/v5/users/subaccount/apikey";
const MODIFY: &str = "/api/v5/users/subaccount/modify-apikey";
const DELETE: &str = "/api/v5/users/subaccount/delete-apikey";
/// The sub-account of OKX's documented list, where the conformance suite manages keys.
const DOCUMENTED_SUB_ACCOUNT: &str = "D456DDDL";

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
        manage: Management {
            answer: manage,
            is_write: |request| {
                request.method == "POST" && [KEYS, MODIFY, DELETE].contains(&request.path.as_str())
            },
            sub_account: Some(DOCUMENTED_SUB_ACCOUNT),
        },
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

fn data(entries: Vec<Value>) -> CannedAnswer {
    CannedAnswer::ok(json!({ "code": "0", "msg": "", "data": entries }))
}

/// An OKX refusal: HTTP 200 with the code (the codes of the sub-account calls come so).
fn refused(code: &str, msg: &str) -> CannedAnswer {
    CannedAnswer::ok(json!({ "code": code, "msg": msg, "data": [] }))
}

/// The entry `GET /api/v5/users/subaccount/apikey` lists for a key the simulator holds.
fn listed(key: &SimulatedKey) -> Value {
    json!({
        "label": key.label, "apiKey": key.api_key, "perm": key.permissions.join(","),
        "ip": key.ips.join(","), "ts": key.created_ms.to_string()
    })
}

/// The sub-accounts: the documented one, and any other the held keys name.
fn sub_accounts(state: &SimulatedState) -> Vec<Value> {
    let documented = fixture(SUB_ACCOUNTS);
    let mut entries: Vec<Value> = documented["data"].as_array().cloned().unwrap_or_default();
    let template = entries.first().cloned().unwrap_or(Value::Null);
    for key in &state.keys {
        let Some(name) = &key.sub_account else {
            continue;
        };
        if entries
            .iter()
            .any(|entry| entry["subAcct"] == name.as_str())
        {
            continue;
        }
        entries.push(patched(
            &template,
            json!({
                "subAcct": name, "label": name, "firstLvSubAcct": name,
                "ts": (SERVER_TIME_MS - entries.len() as i64).to_string()
            }),
        ));
    }
    entries
}

/// Answers the sub-account key calls of a master key from the simulator's state.
fn manage(
    _: Scenario,
    state: &mut SimulatedState,
    request: &RecordedRequest,
) -> Option<CannedAnswer> {
    let body = request.json_body();
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::trim);
    let held = |state: &SimulatedState, sub: &str, api_key: &str| {
        state
            .keys
            .iter()
            .position(|k| k.api_key == api_key && k.sub_account.as_deref() == Some(sub))
    };
    match (request.method.as_str(), request.path.as_str()) {
        // A key created through the API describes itself, not the scenario's master key.
        ("GET", CONFIG) => {
            let key = state.key(request.header("ok-access-key")?)?;
            let account = fixture(DOCUMENTED)["data"][0].clone();
            Some(data(vec![patched(
                &account,
                json!({
                    "perm": key.permissions.join(","), "ip": key.ips.join(","),
                    "label": key.label, "uid": format!("{}", 90_000 + key.id)
                }),
            )]))
        }
        ("GET", LIST) => {
            let after = request
                .query_param("after")
                .and_then(|ts| ts.parse::<i64>().ok());
            let limit = request
                .query_param("limit")
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(100);
            let entries = sub_accounts(state)
                .into_iter()
                .filter(|entry| {
                    let ts = entry["ts"].as_str().and_then(|ts| ts.parse::<i64>().ok());
                    after.is_none_or(|after| ts.is_some_and(|ts| ts < after))
                })
                .take(limit)
                .collect();
            Some(data(entries))
        }
        ("GET", KEYS) => {
            let Some(sub) = request.query_param("subAcct") else {
                return Some(refused("50014", "Parameter subAcct can not be empty."));
            };
            let documented = sub == DOCUMENTED_SUB_ACCOUNT;
            let mut entries: Vec<Value> = if documented {
                fixture(SUB_ACCOUNT_KEYS)["data"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            let mine: Vec<&SimulatedKey> = state
                .keys
                .iter()
                .filter(|k| k.sub_account.as_deref() == Some(sub.as_str()))
                .collect();
            if !documented && mine.is_empty() {
                return Some(refused("59510", "Sub-account does not exist"));
            }
            entries.extend(mine.into_iter().map(listed));
            if let Some(api_key) = request.query_param("apiKey") {
                entries.retain(|entry| entry["apiKey"] == api_key.as_str());
            }
            Some(data(entries))
        }
        ("POST", KEYS) => {
            let (Some(sub), Some(label), Some(passphrase)) =
                (text("subAcct"), text("label"), text("passphrase"))
            else {
                return Some(refused("50014", "Parameter can not be empty."));
            };
            if sub.is_empty() || label.is_empty() {
                return Some(refused("50014", "Parameter can not be empty."));
            }
            let strong = (8..=32).contains(&passphrase.len())
                && passphrase.chars().any(|c| c.is_ascii_digit())
                && passphrase.chars().any(|c| c.is_ascii_uppercase())
                && passphrase.chars().any(|c| c.is_ascii_lowercase())
                && passphrase.chars().any(|c| !c.is_ascii_alphanumeric());
            if !strong {
                return Some(refused("59505", "The passphrase format is incorrect."));
            }
            let permissions = match text("perm").unwrap_or("read_only") {
                "read_only" => vec!["read_only".to_owned()],
                "trade" => vec!["read_only".to_owned(), "trade".to_owned()],
                _ => return Some(refused("59504", "Sub-accounts don't support withdrawals. Please use your main account for withdrawals.")),
            };
            let ips: Vec<String> = text("ip")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|ip| !ip.is_empty())
                .map(str::to_owned)
                .collect();
            if ips.len() > 20 {
                return Some(refused(
                    "59503",
                    "Each API key can bind up to 20 IP addresses",
                ));
            }
            let key = state.create_for(Some(sub), label, permissions, ips);
            let mut entry = listed(&key);
            entry["subAcct"] = sub.into();
            entry["secretKey"] = key.secret.clone().into();
            entry["passphrase"] = passphrase.into();
            Some(data(vec![entry]))
        }
        ("POST", MODIFY) => {
            let (Some(sub), Some(api_key)) = (text("subAcct"), text("apiKey")) else {
                return Some(refused("50014", "Parameter can not be empty."));
            };
            let Some(at) = held(state, sub, api_key) else {
                return Some(refused("59506", "API key doesn't exist."));
            };
            let key = &mut state.keys[at];
            if let Some(label) = text("label") {
                key.label = label.to_owned();
            }
            if let Some(perm) = text("perm") {
                key.permissions = perm.split(',').map(|t| t.trim().to_owned()).collect();
            }
            if let Some(ip) = text("ip") {
                key.ips = ip
                    .split(',')
                    .map(str::trim)
                    .filter(|ip| !ip.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            let mut entry = listed(key);
            entry["subAcct"] = sub.into();
            Some(data(vec![entry]))
        }
        ("POST", DELETE) => {
            let (Some(sub), Some(api_key)) = (text("subAcct"), text("apiKey")) else {
                return Some(refused("50014", "Parameter can not be empty."));
            };
            if held(state, sub, api_key).is_none() {
                return Some(refused("59506", "API key doesn't exist."));
            }
            state.revoke(api_key);
            Some(data(vec![json!({ "subAcct": sub })]))
        }
        _ => None,
    }
}

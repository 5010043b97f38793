//! BingX as the testkit simulates it: scenario variants of the documented example, and the
//! sub-account key calls of a master key answered from the simulator's state (the documented
//! sub-account `16477999` with its documented key, and the keys created through the API).

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, RecordedRequest, Scenario, SimulatedKey,
    SimulatedState, Simulation,
};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/bingx/api_permissions.json");
const INVALID: &str = include_str!("../../../tests/fixtures/bingx/error_invalid_key.json");
const IP_NOT_ALLOWED: &str =
    include_str!("../../../tests/fixtures/bingx/error_ip_not_allowed.json");
const RATE_LIMITED: &str = include_str!("../../../tests/fixtures/bingx/error_rate_limited.json");
const SUB_ACCOUNTS: &str = include_str!("../../../tests/fixtures/bingx/subaccount_list.json");
const SUB_ACCOUNT_KEYS: &str = include_str!("../../../tests/fixtures/bingx/apikey_query.json");

const KEY_INFO: &str = "/openApi/v1/account/apiPermissions";
const LIST: &str = "/openApi/subAccount/v1/list";
const QUERY: &str = "/openApi/account/v1/apiKey/query";
const CREATE: &str = "/openApi/subAccount/v1/apiKey/create";
const EDIT: &str = "/openApi/subAccount/v1/apiKey/edit";
const DELETE: &str = "/openApi/subAccount/v1/apiKey/del";
/// The sub-account of BingX's documented list, where the conformance suite manages keys.
const DOCUMENTED_SUB_ACCOUNT: &str = "16477999";

/// The public key the simulation signs with (made up; BingX publishes only the secret).
const API_KEY: &str = "Sim-BingX-Key-0001";

pub(crate) fn simulation() -> Simulation {
    Simulation {
        // The secret of BingX's published signing example; the key is made up.
        credentials: || {
            Credentials::new(
                API_KEY,
                "UuGuyEGt6ZEkpUObCYCmIfh0elYsZVh80jlYwpJuRZEw70t6vomMH7Sjmf94ztSI",
            )
        },
        answer,
        server_time: |ms| json!({ "code": 0, "msg": "", "data": { "serverTime": ms } }),
        server_time_path: "/openApi/swap/v2/server/time",
        key_info_path: "/openApi/v1/account/apiPermissions",
        payload_pointer: "/data",
        own_key_field: None,
        plant_permission: |answer, token| {
            if let Some(Value::Array(codes)) = answer.pointer_mut("/data/permissions") {
                codes.push(token.into());
            }
        },
        api_key_of: |request| request.header("x-bx-apikey").map(str::to_owned),
        manage: Management {
            answer: manage,
            is_write: |request| {
                request.method == "POST" && [CREATE, EDIT, DELETE].contains(&request.path.as_str())
            },
            sub_account: Some(DOCUMENTED_SUB_ACCOUNT),
        },
        error_body: |code, message| {
            let code = code
                .parse::<i64>()
                .map_or_else(|_| Value::from(code), Value::from);
            json!({ "code": code, "msg": message, "timestamp": 1_702_351_994_615_i64 })
        },
    }
}

fn answer(scenario: Scenario) -> CannedAnswer {
    let documented = fixture(DOCUMENTED);
    let data = documented["data"].clone();
    let key = |changes: Value| {
        let mut body = documented.clone();
        body["data"] = patched(&data, changes);
        CannedAnswer::ok(body)
    };
    let bound = json!(["203.0.113.10", "203.0.113.11"]);
    match scenario {
        Scenario::DocumentedExample => CannedAnswer::ok(documented.clone()),
        Scenario::ReadOnly => key(json!({
            "apiKey": API_KEY, "note": "portfolio-tracker", "permissions": [2], "ipAddresses": bound
        })),
        Scenario::Trading => key(json!({
            "apiKey": API_KEY, "note": "grid-bot-btc", "permissions": [1, 2, 3], "ipAddresses": bound
        })),
        Scenario::WithdrawEnabled => key(json!({
            "apiKey": API_KEY, "note": "treasury", "permissions": [1, 2, 4, 5, 7], "ipAddresses": bound
        })),
        Scenario::NoIpRestriction => key(json!({
            "apiKey": API_KEY, "note": "", "permissions": [1, 2, 3], "ipAddresses": [""]
        })),
        // BingX documents no expiry and no error of its own for an expired key: it answers as
        // for an unknown key.
        Scenario::Expired | Scenario::InvalidKey => CannedAnswer::ok(fixture(INVALID)),
        Scenario::IpNotAllowed => CannedAnswer::ok(fixture(IP_NOT_ALLOWED)),
        Scenario::RateLimited => {
            CannedAnswer::with_status(429, fixture(RATE_LIMITED)).header("retry-after", "60")
        }
    }
}

/// A BingX refusal: HTTP 200 with the code. BingX documents no code of its own for a sub-account
/// or key it does not know: 100400 ("Invalid parameter") stands in for it here.
fn refused(code: i64, msg: &str) -> CannedAnswer {
    CannedAnswer::ok(json!({ "code": code, "msg": msg, "timestamp": 1_702_351_994_615_i64 }))
}

fn data(data: Value) -> CannedAnswer {
    CannedAnswer::ok(json!({ "code": 0, "timestamp": 1_702_351_994_615_i64, "data": data }))
}

/// Permission codes as numbers, the way BingX sends them.
fn codes(key: &SimulatedKey) -> Vec<Value> {
    key.permissions
        .iter()
        .map(|code| {
            code.parse::<i64>()
                .map_or_else(|_| Value::from(code.as_str()), Value::from)
        })
        .collect()
}

/// The entry `apiKey/query` lists for a key the simulator holds (unmasked: the documented
/// example masks what it publishes).
fn listed(key: &SimulatedKey) -> Value {
    json!({
        "apiKey": key.api_key, "note": key.label, "permissions": codes(key),
        "ipAddresses": key.ips, "status": 0,
        "createTime": key.created_ms, "updateTime": key.created_ms
    })
}

/// The sub-accounts: the documented one, and any other the held keys name.
fn sub_accounts(state: &SimulatedState) -> Vec<Value> {
    let documented = fixture(SUB_ACCOUNTS);
    let mut entries: Vec<Value> = documented["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let template = entries.first().cloned().unwrap_or(Value::Null);
    for key in &state.keys {
        let Some(uid) = &key.sub_account else {
            continue;
        };
        if entries.iter().any(|entry| entry["subUid"] == uid.as_str()) {
            continue;
        }
        entries.push(patched(
            &template,
            json!({ "subUid": uid, "subAccountString": format!("sim{uid}") }),
        ));
    }
    entries
}

/// A parameter of a JSON body as text (`subUid` comes as a number).
fn text_of(body: &Value, name: &str) -> Option<String> {
    match body.get(name)? {
        Value::String(text) => Some(text.trim().to_owned()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn strings(body: &Value, name: &str) -> Vec<String> {
    body.get(name)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| match item {
                    Value::String(text) => Some(text.trim().to_owned()),
                    Value::Number(number) => Some(number.to_string()),
                    _ => None,
                })
                .filter(|item| !item.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Answers the sub-account key calls of a master key from the simulator's state.
fn manage(
    _: Scenario,
    state: &mut SimulatedState,
    request: &RecordedRequest,
) -> Option<CannedAnswer> {
    let body = request.json_body();
    let held = |state: &SimulatedState, uid: &str, api_key: &str| {
        state
            .keys
            .iter()
            .position(|k| k.api_key == api_key && k.sub_account.as_deref() == Some(uid))
    };
    if request.method == "POST"
        && (body.get("signature").is_none() || body.get("timestamp").is_none())
    {
        return Some(refused(100412, "Null signature"));
    }
    match (request.method.as_str(), request.path.as_str()) {
        // A key created through the API describes itself, not the scenario's master key.
        ("GET", KEY_INFO) => {
            let key = state.key(request.header("x-bx-apikey")?)?;
            Some(data(json!({
                "apiKey": key.api_key, "permissions": codes(key),
                "ipAddresses": key.ips, "note": key.label
            })))
        }
        ("GET", LIST) => {
            let entries = sub_accounts(state);
            let total = entries.len();
            Some(data(
                json!({ "result": entries, "pageId": 1, "total": total }),
            ))
        }
        ("GET", QUERY) => {
            let Some(uid) = request.query_param("uid") else {
                return Some(refused(100400, "Invalid parameter: uid"));
            };
            let documented = uid == DOCUMENTED_SUB_ACCOUNT;
            let mut entries: Vec<Value> = if documented {
                fixture(SUB_ACCOUNT_KEYS)["data"]["apiInfos"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            let mine: Vec<&SimulatedKey> = state
                .keys
                .iter()
                .filter(|k| k.sub_account.as_deref() == Some(uid.as_str()))
                .collect();
            if !documented && mine.is_empty() {
                return Some(refused(100400, "Invalid parameter: no such sub-account"));
            }
            entries.extend(mine.into_iter().map(listed));
            if let Some(api_key) = request.query_param("apiKey") {
                // BingX may show the key masked: the documented one matches its real id.
                entries.retain(|entry| {
                    entry["apiKey"]
                        .as_str()
                        .is_some_and(|shown| super::manage::same_key(shown, &api_key))
                });
            }
            Some(data(json!({ "apiInfos": entries })))
        }
        ("POST", CREATE) => {
            let (Some(uid), Some(note)) = (text_of(&body, "subUid"), text_of(&body, "note")) else {
                return Some(refused(100400, "Invalid parameter"));
            };
            if note.is_empty()
                || uid != DOCUMENTED_SUB_ACCOUNT
                    && !state
                        .keys
                        .iter()
                        .any(|k| k.sub_account.as_deref() == Some(uid.as_str()))
            {
                return Some(refused(100400, "Invalid parameter"));
            }
            let ips = strings(&body, "ipAddresses");
            if ips.len() > 20 {
                return Some(refused(
                    100400,
                    "Invalid parameter: at most 20 IP addresses",
                ));
            }
            let key = state.create_for(Some(&uid), &note, strings(&body, "permissions"), ips);
            let mut entry = listed(&key);
            entry["apiSecret"] = key.secret.clone().into();
            Some(data(entry))
        }
        ("POST", EDIT) => {
            let (Some(uid), Some(api_key)) = (text_of(&body, "subUid"), text_of(&body, "apiKey"))
            else {
                return Some(refused(100400, "Invalid parameter"));
            };
            let Some(at) = held(state, &uid, &api_key) else {
                return Some(refused(100400, "Invalid parameter: no such API key"));
            };
            let key = &mut state.keys[at];
            if let Some(note) = text_of(&body, "note") {
                key.label = note;
            }
            key.permissions = strings(&body, "permissions");
            key.ips = strings(&body, "ipAddresses");
            Some(data(json!({
                "note": key.label, "permissions": codes(key), "ipAddresses": key.ips
            })))
        }
        ("POST", DELETE) => {
            let (Some(uid), Some(api_key)) = (text_of(&body, "subUid"), text_of(&body, "apiKey"))
            else {
                return Some(refused(100400, "Invalid parameter"));
            };
            if held(state, &uid, &api_key).is_none() {
                return Some(refused(100400, "Invalid parameter: no such API key"));
            }
            state.revoke(&api_key);
            Some(CannedAnswer::ok(
                json!({ "code": 0, "timestamp": 1_702_021_810_315_i64 }),
            ))
        }
        _ => None,
    }
}

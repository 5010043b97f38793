//! HTX as the testkit simulates it: scenario variants of the documented `/v2/user/api-key`
//! answer, the documented `/v2/user/uid` answer, and the sub-user key calls of the parent
//! answered from the simulator's state (the documented sub-user `132208121`, and the keys
//! created through the API). As on HTX, a sub-user's key may not call `/v2/user/api-key`:
//! the simulator refuses it there (so such a key cannot inspect itself), and a creation needs
//! [`SIMULATED_ONE_TIME_CODE`] as the parent's `otpToken`.

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, RecordedRequest, Scenario, SimulatedKey,
    SimulatedState, Simulation, SERVER_TIME_MS, SIMULATED_ONE_TIME_CODE,
};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/htx/api_key.json");
const UID: &str = include_str!("../../../tests/fixtures/htx/uid.json");
const INVALID: &str = include_str!("../../../tests/fixtures/htx/error_incorrect_access_key.json");
const RATE_LIMITED: &str =
    include_str!("../../../tests/fixtures/htx/error_rate_too_many_requests.json");
const SUB_USERS: &str = include_str!("../../../tests/fixtures/htx/sub_user_list.json");

const API_KEY: &str = "/v2/user/api-key";
const USER_LIST: &str = "/v2/sub-user/user-list";
const CREATE: &str = "/v2/sub-user/api-key-generation";
const MODIFY: &str = "/v2/sub-user/api-key-modification";
const DELETE: &str = "/v2/sub-user/api-key-deletion";
/// The second sub-user of HTX's documented list, where the conformance suite manages keys (the
/// first has the documented parent's uid).
const DOCUMENTED_SUB_USER: &str = "132208121";

/// 400 days before the simulator's clock, in ms.
const LONG_AGO_MS: i64 = SERVER_TIME_MS - 400 * 86_400_000;

pub(crate) fn simulation() -> Simulation {
    Simulation {
        // The documented example's access key; the secret is the documentation's placeholder.
        credentials: || {
            Credentials::new(
                "4ba5cdf2-4a92c5da-718ba144-dbuqg6hkte",
                "b0xxxxxx-c6xxxxxx-94xxxxxx-dxxxx",
            )
        },
        answer,
        server_time: |ms| json!({ "status": "ok", "data": ms }),
        server_time_path: "/v1/common/timestamp",
        key_info_path: "/v2/user/api-key",
        payload_pointer: "/data/0",
        own_key_field: Some("accessKey"),
        plant_permission: |answer, token| {
            if let Some(Value::String(permission)) = answer.pointer_mut("/data/0/permission") {
                permission.push(',');
                permission.push_str(token);
            }
        },
        error_body: |code, message| json!({ "status": "error", "err-code": code, "err-msg": message, "data": null }),
        api_key_of: |request| request.query_param("AccessKeyId"),
        manage: Management {
            answer: manage,
            is_write: |request| {
                request.method == "POST"
                    && [CREATE, MODIFY, DELETE].contains(&request.path.as_str())
            },
            sub_account: Some(DOCUMENTED_SUB_USER),
        },
    }
}

fn refused(message: &str) -> CannedAnswer {
    CannedAnswer::ok(json!({
        "status": "error", "err-code": "api-signature-not-valid",
        "err-msg": message, "data": null
    }))
}

fn answer(scenario: Scenario) -> CannedAnswer {
    let documented = fixture(DOCUMENTED);
    let entry = documented["data"][0].clone();
    let key = |changes: Value| {
        CannedAnswer::ok(json!({
            "code": 200, "message": "success", "data": [patched(&entry, changes)]
        }))
    };
    match scenario {
        Scenario::DocumentedExample => CannedAnswer::ok(documented.clone()),
        Scenario::ReadOnly => key(json!({
            "note": "portfolio-tracker", "permission": "readOnly",
            "ipAddresses": "203.0.113.10,203.0.113.11"
        })),
        Scenario::Trading => key(json!({
            "note": "grid-bot-eth", "permission": "readOnly,trade", "ipAddresses": "203.0.113.10"
        })),
        Scenario::WithdrawEnabled => key(json!({
            "note": "treasury", "permission": "readOnly,trade,withdraw",
            "ipAddresses": "203.0.113.10"
        })),
        Scenario::NoIpRestriction => key(json!({
            "note": "test", "permission": "readOnly,trade", "ipAddresses": "", "validDays": 90
        })),
        Scenario::Expired => key(json!({
            "note": "old-bot", "permission": "readOnly,trade", "ipAddresses": "",
            "status": "expired", "validDays": 90, "createTime": LONG_AGO_MS,
            "updateTime": LONG_AGO_MS
        })),
        Scenario::InvalidKey => CannedAnswer::ok(fixture(INVALID)),
        Scenario::IpNotAllowed => {
            refused("Signature not valid: Incorrect IP address [IP地址错误]:203.0.113.99")
        }
        Scenario::RateLimited => CannedAnswer::with_status(429, fixture(RATE_LIMITED)),
    }
}

/// The parent's uid, as `GET /v2/user/uid` documents it.
fn parent_uid() -> String {
    fixture(UID)["data"].to_string()
}

/// A successful answer with `data`.
fn data(data: Value) -> CannedAnswer {
    CannedAnswer::ok(json!({ "code": 200, "data": data }))
}

/// A refusal of the sub-user calls: `2002` invalid field value (HTX's sub-user table).
fn invalid_field() -> CannedAnswer {
    CannedAnswer::ok(json!({ "code": 2002, "message": "invalid field value" }))
}

/// The entry `GET /v2/user/api-key` lists for a key the simulator holds.
fn listed(key: &SimulatedKey) -> Value {
    json!({
        "accessKey": key.api_key, "status": "normal", "note": key.label,
        "permission": key.permissions.join(","), "ipAddresses": key.ips.join(","),
        "validDays": if key.ips.is_empty() { 90 } else { -1 },
        "createTime": key.created_ms, "updateTime": key.created_ms
    })
}

/// The sub-users: the documented list but the entry with the parent's uid, and any other the
/// held keys name, in ascending uid.
fn sub_users(state: &SimulatedState) -> Vec<Value> {
    let parent = parent_uid();
    let mut uids: Vec<String> = fixture(SUB_USERS)["data"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|entry| entry["uid"].to_string())
        .filter(|uid| *uid != parent)
        .collect();
    for key in &state.keys {
        if let Some(uid) = &key.sub_account {
            if !uids.contains(uid) {
                uids.push(uid.clone());
            }
        }
    }
    uids.sort_by_key(|uid| uid.parse::<u64>().unwrap_or(u64::MAX));
    uids.into_iter()
        .map(|uid| json!({ "uid": uid.parse::<u64>().map(Value::from).unwrap_or(Value::from(uid)), "userState": "normal" }))
        .collect()
}

/// Answers the uid call of every key, and the sub-user key calls of the parent, from the state.
fn manage(
    _: Scenario,
    state: &mut SimulatedState,
    request: &RecordedRequest,
) -> Option<CannedAnswer> {
    let body = request.json_body();
    let text = |name: &str| match body.get(name) {
        Some(Value::String(text)) => Some(text.trim().to_owned()),
        Some(Value::Number(number)) => Some(number.to_string()),
        _ => None,
    };
    let caller = request.query_param("AccessKeyId");
    let sub_user_key = caller.as_deref().and_then(|key| state.key(key)).cloned();
    let known_sub_user = |state: &SimulatedState, uid: &str| {
        sub_users(state)
            .iter()
            .any(|entry| uid.parse::<u64>().is_ok_and(|uid| entry["uid"] == uid))
    };
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/v2/user/uid") => Some(match &sub_user_key {
            Some(key) => data(json!(key
                .sub_account
                .as_deref()
                .and_then(|uid| uid.parse::<u64>().ok()))),
            None => CannedAnswer::ok(fixture(UID)),
        }),
        // HTX lets a sub-user's key call a short list of endpoints; this is not one of them.
        ("GET", API_KEY) if sub_user_key.is_some() => Some(CannedAnswer::ok(json!({
            "status": "error", "err-code": "403",
            "err-msg": "a sub user's key may not call this endpoint", "data": null
        }))),
        ("GET", API_KEY) => {
            let uid = request.query_param("uid")?;
            if uid == parent_uid() {
                // The parent's own keys: the scenario's answer.
                return None;
            }
            if !known_sub_user(state, &uid) {
                return Some(invalid_field());
            }
            let access_key = request.query_param("accessKey");
            let entries: Vec<Value> = state
                .keys
                .iter()
                .filter(|k| k.sub_account.as_deref() == Some(uid.as_str()))
                .filter(|k| access_key.as_deref().is_none_or(|a| a == k.api_key))
                .map(listed)
                .collect();
            Some(data(Value::Array(entries)))
        }
        ("GET", USER_LIST) => Some(data(Value::Array(sub_users(state)))),
        ("POST", CREATE) => {
            if text("otpToken").as_deref() != Some(SIMULATED_ONE_TIME_CODE) {
                return Some(invalid_field());
            }
            let (Some(uid), Some(note), Some(permission)) =
                (text("subUid"), text("note"), text("permission"))
            else {
                return Some(invalid_field());
            };
            let permissions: Vec<String> = permission
                .split(',')
                .map(|token| token.trim().to_owned())
                .collect();
            let rights_taken = permissions.iter().any(|t| t == "readOnly")
                && permissions.iter().all(|t| t == "readOnly" || t == "trade");
            let ips: Vec<String> = text("ipAddresses")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|ip| !ip.is_empty())
                .map(str::to_owned)
                .collect();
            if !known_sub_user(state, &uid) || note.is_empty() || !rights_taken || ips.len() > 20 {
                return Some(invalid_field());
            }
            let key = state.create_for(Some(&uid), &note, permissions, ips);
            Some(data(json!({
                "accessKey": key.api_key, "secretKey": key.secret, "note": key.label,
                "permission": key.permissions.join(","), "ipAddresses": key.ips.join(",")
            })))
        }
        ("POST", MODIFY) => {
            let (Some(uid), Some(access_key)) = (text("subUid"), text("accessKey")) else {
                return Some(invalid_field());
            };
            let Some(key) = state
                .key_mut(&access_key)
                .filter(|k| k.sub_account.as_deref() == Some(uid.as_str()))
            else {
                return Some(invalid_field());
            };
            if let Some(note) = text("note") {
                key.label = note;
            }
            if let Some(permission) = text("permission") {
                key.permissions = permission.split(',').map(|t| t.trim().to_owned()).collect();
            }
            if let Some(ips) = text("ipAddresses") {
                key.ips = ips
                    .split(',')
                    .map(str::trim)
                    .filter(|ip| !ip.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            Some(data(json!({
                "note": key.label, "permission": key.permissions.join(","),
                "ipAddresses": key.ips.join(",")
            })))
        }
        ("POST", DELETE) => {
            let (Some(uid), Some(access_key)) = (text("subUid"), text("accessKey")) else {
                return Some(invalid_field());
            };
            if state
                .key(&access_key)
                .is_none_or(|k| k.sub_account.as_deref() != Some(uid.as_str()))
            {
                return Some(invalid_field());
            }
            state.revoke(&access_key);
            Some(data(Value::Null))
        }
        _ => None,
    }
}

//! Bybit as the testkit simulates it: scenario variants of the documented example, and the
//! sub-account key calls of a master key from the simulator's state.
//!
//! The scenario's key is the master. Its sub-accounts are the two of the documented
//! `query-sub-members` example, plus every sub-account a key was created for; the documented
//! `sub-apikeys` example lists the keys of the first documented one (`106314365`).

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, RecordedRequest, Scenario, SimulatedKey,
    SimulatedState, Simulation,
};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/bybit/query_api.json");
const INVALID: &str = include_str!("../../../tests/fixtures/bybit/error_invalid_key.json");
const IP_NOT_ALLOWED: &str =
    include_str!("../../../tests/fixtures/bybit/error_ip_not_allowed.json");
const RATE_LIMITED: &str = include_str!("../../../tests/fixtures/bybit/error_rate_limited.json");
const EXPIRED: &str = include_str!("../../../tests/fixtures/bybit/error_expired.json");
const SUB_MEMBERS_EXAMPLE: &str =
    include_str!("../../../tests/fixtures/bybit/query_sub_members.json");
const SUB_KEYS_EXAMPLE: &str = include_str!("../../../tests/fixtures/bybit/sub_apikeys.json");
const CREATED_EXAMPLE: &str = include_str!("../../../tests/fixtures/bybit/create_sub_api.json");
const UPDATED_EXAMPLE: &str = include_str!("../../../tests/fixtures/bybit/update_sub_api.json");
const DELETED_EXAMPLE: &str = include_str!("../../../tests/fixtures/bybit/delete_sub_api.json");
const PARAMS_ERROR: &str = include_str!("../../../tests/fixtures/bybit/error_params.json");

const KEY_INFO: &str = "/v5/user/query-api";
const DELETE_OWN: &str = "/v5/user/delete-api";
const CREATE: &str = "/v5/user/create-sub-api";
const UPDATE: &str = "/v5/user/update-sub-api";
const DELETE_SUB: &str = "/v5/user/delete-sub-api";
const SUB_MEMBERS: &str = "/v5/user/query-sub-members";
const SUB_KEYS: &str = "/v5/user/sub-apikeys";

/// How the simulator marks a read-only key among its permission tokens (`Group.Item`).
const READ_ONLY: &str = "readOnly";

pub(crate) fn simulation() -> Simulation {
    Simulation {
        // The key of Bybit's documentation examples and the secret of the reference vectors.
        credentials: || Credentials::new("XXXXXXXXXX", "test_secret"),
        answer,
        server_time: |ms| {
            json!({
                "retCode": 0, "retMsg": "OK",
                "result": {
                    "timeSecond": (ms / 1000).to_string(),
                    "timeNano": (i128::from(ms) * 1_000_000).to_string()
                },
                "retExtInfo": {}, "time": ms
            })
        },
        server_time_path: "/v5/market/time",
        key_info_path: KEY_INFO,
        payload_pointer: "/result",
        own_key_field: None,
        plant_permission: |answer, token| {
            if let Some(Value::Object(groups)) = answer.pointer_mut("/result/permissions") {
                groups.insert(token.to_owned(), json!([token]));
            }
        },
        api_key_of: |request| request.header("x-bapi-api-key").map(str::to_owned),
        manage: Management {
            answer: manage,
            is_write: |request| {
                request.method == "POST"
                    && [DELETE_OWN, CREATE, UPDATE, DELETE_SUB].contains(&request.path.as_str())
            },
            sub_account: Some("53888000"),
        },
        error_body: |code, message| {
            let code = code
                .parse::<i64>()
                .map_or_else(|_| Value::from(code), Value::from);
            json!({
                "retCode": code, "retMsg": message, "result": {}, "retExtInfo": {},
                "time": 1_776_149_990_532_i64
            })
        },
    }
}

/// Every permission group of the documented answer, empty: the base of each scenario, since
/// Bybit lists every group, granted or not.
fn groups(granted: Value) -> Value {
    let mut all = json!({
        "ContractTrade": [], "Spot": [], "Wallet": [], "Options": [], "Derivatives": [],
        "CopyTrading": [], "BlockTrade": [], "Exchange": [], "NFT": [], "Affiliate": [],
        "Earn": [], "FiatP2P": [], "FiatConvertBroker": [], "FiatGlobalPay": [],
        "FiatBitPay": [], "BitCard": [], "ByXPost": []
    });
    if let (Some(all), Value::Object(granted)) = (all.as_object_mut(), granted) {
        all.extend(granted);
    }
    all
}

fn answer(scenario: Scenario) -> CannedAnswer {
    let documented = fixture(DOCUMENTED);
    let result = documented["result"].clone();
    let key = |changes: Value| {
        let mut body = documented.clone();
        body["result"] = patched(&result, changes);
        CannedAnswer::ok(body)
    };
    let bound = json!(["203.0.113.10", "203.0.113.11"]);
    let trading = groups(json!({
        "ContractTrade": ["Order", "Position"], "Spot": ["SpotTrade"],
        "Derivatives": ["DerivativesTrade"]
    }));
    match scenario {
        Scenario::DocumentedExample => CannedAnswer::ok(documented.clone()),
        Scenario::ReadOnly => key(json!({
            "note": "portfolio-tracker", "readOnly": 1, "ips": bound,
            "permissions": groups(json!({})),
            "createdAt": "2026-09-01T00:00:00Z"
        })),
        Scenario::Trading => key(json!({
            "note": "grid-bot-btc", "readOnly": 0, "ips": bound, "permissions": trading,
            "createdAt": "2026-04-01T00:00:00Z"
        })),
        Scenario::WithdrawEnabled => key(json!({
            "note": "treasury", "readOnly": 0, "ips": bound,
            "permissions": groups(json!({
                "Spot": ["SpotTrade"],
                "Wallet": ["AccountTransfer", "SubMemberTransfer", "Withdraw"]
            })),
            "createdAt": "2025-01-01T00:00:00Z"
        })),
        // Bybit sets a 90-day expiry on keys with no bound IP.
        Scenario::NoIpRestriction => key(json!({
            "note": "", "readOnly": 0, "ips": ["*"], "permissions": trading,
            "createdAt": "2026-10-01T00:00:00Z", "expiredAt": "2026-12-30T00:00:00Z",
            "deadlineDay": 59
        })),
        Scenario::Expired => CannedAnswer::ok(fixture(EXPIRED)),
        Scenario::InvalidKey => CannedAnswer::ok(fixture(INVALID)),
        Scenario::IpNotAllowed => CannedAnswer::ok(fixture(IP_NOT_ALLOWED)),
        Scenario::RateLimited => CannedAnswer::ok(fixture(RATE_LIMITED)),
    }
}

/// Answers the management calls from the state: creates, lists, changes and deletes
/// sub-account keys; `delete-api` revokes the calling key; `query-api` called with a key the
/// simulator holds describes that key.
fn manage(
    _: Scenario,
    state: &mut SimulatedState,
    request: &RecordedRequest,
) -> Option<CannedAnswer> {
    let caller = request.header("x-bapi-api-key")?.to_owned();
    let body = request.json_body();
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", KEY_INFO) => state.key(&caller).map(|key| ok(own_info(key))),
        ("POST", DELETE_OWN) => {
            state.revoke(&caller);
            Some(CannedAnswer::ok(fixture(DELETED_EXAMPLE)))
        }
        ("POST", CREATE) => Some(create(state, &body)),
        ("POST", UPDATE) => Some(update(state, &body)),
        ("POST", DELETE_SUB) => {
            // A master names the key; a sub-account key deletes itself.
            let target = match body.get("apikey").and_then(Value::as_str) {
                Some(key) => key.to_owned(),
                None if state.key(&caller).is_some() => caller,
                None => return Some(params_error()),
            };
            let known = state.key(&target).is_some() || documented_keys().contains(&target);
            if !known || state.is_revoked(&target) {
                return Some(params_error());
            }
            state.revoke(&target);
            Some(CannedAnswer::ok(fixture(DELETED_EXAMPLE)))
        }
        ("GET", SUB_MEMBERS) => Some(sub_members(state)),
        ("GET", SUB_KEYS) => Some(sub_keys(state, request)),
        _ => None,
    }
}

fn ok(result: Value) -> CannedAnswer {
    CannedAnswer::ok(json!({
        "retCode": 0, "retMsg": "", "result": result, "retExtInfo": {},
        "time": 1_776_149_990_532_i64
    }))
}

fn params_error() -> CannedAnswer {
    CannedAnswer::ok(fixture(PARAMS_ERROR))
}

/// The public keys of the documented `sub-apikeys` example.
fn documented_keys() -> Vec<String> {
    fixture(SUB_KEYS_EXAMPLE)
        .pointer("/result/result")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .filter_map(|entry| entry["apiKey"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The documented sub-account UIDs, then those keys were created for.
fn sub_uids(state: &SimulatedState) -> Vec<String> {
    let documented = fixture(SUB_MEMBERS_EXAMPLE);
    let mut uids: Vec<String> = documented
        .pointer("/result/subMembers")
        .and_then(Value::as_array)
        .map(|members| {
            members
                .iter()
                .filter_map(|member| member["uid"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    for key in &state.keys {
        if let Some(uid) = &key.sub_account {
            if !uids.contains(uid) {
                uids.push(uid.clone());
            }
        }
    }
    uids
}

fn sub_members(state: &SimulatedState) -> CannedAnswer {
    let mut body = fixture(SUB_MEMBERS_EXAMPLE);
    let documented = body
        .pointer("/result/subMembers")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let created: Vec<Value> = sub_uids(state)
        .into_iter()
        .skip(documented)
        .map(|uid| {
            json!({
                "uid": uid, "username": format!("sim{uid}"), "memberType": 1, "status": 1,
                "remark": "", "accountMode": 5
            })
        })
        .collect();
    if let Some(Value::Array(members)) = body.pointer_mut("/result/subMembers") {
        members.extend(created);
    }
    CannedAnswer::ok(body)
}

/// A page of one sub-account's keys: the documented ones (for the first documented
/// sub-account) and the created ones, without the deleted; the cursor is the next offset.
fn sub_keys(state: &SimulatedState, request: &RecordedRequest) -> CannedAnswer {
    let Some(uid) = request.query_param("subMemberId") else {
        return params_error();
    };
    let documented = fixture(SUB_KEYS_EXAMPLE);
    let mut entries: Vec<Value> = if sub_uids(state).first() == Some(&uid) {
        documented
            .pointer("/result/result")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    entries.extend(
        state
            .keys
            .iter()
            .filter(|key| key.sub_account.as_deref() == Some(uid.as_str()))
            .map(listed),
    );
    entries.retain(|entry| {
        entry["apiKey"]
            .as_str()
            .is_none_or(|key| !state.is_revoked(key))
    });
    let limit = request
        .query_param("limit")
        .and_then(|limit| limit.parse::<usize>().ok())
        .unwrap_or(20)
        .clamp(1, 20);
    let start = request
        .query_param("cursor")
        .and_then(|cursor| cursor.parse::<usize>().ok())
        .unwrap_or(0);
    let end = (start + limit).min(entries.len());
    let page: Vec<Value> = entries
        .get(start..end)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    let next = if end < entries.len() {
        end.to_string()
    } else {
        String::new()
    };
    let mut body = documented;
    body["result"] = json!({ "result": page, "nextPageCursor": next });
    CannedAnswer::ok(body)
}

/// The permission groups a key's tokens name, every sub-key group listed.
fn key_groups(key: &SimulatedKey) -> Value {
    let mut all = json!({
        "ContractTrade": [], "Spot": [], "Wallet": [], "Options": [], "Derivatives": [],
        "CopyTrading": [], "BlockTrade": [], "Exchange": [], "NFT": [], "Affiliate": [],
        "Earn": []
    });
    for token in &key.permissions {
        if let Some((group, item)) = token.split_once('.') {
            if let Some(Value::Array(items)) = all.get_mut(group) {
                items.push(item.into());
            } else {
                all[group] = json!([item]);
            }
        }
    }
    all
}

fn is_read_only(key: &SimulatedKey) -> bool {
    key.permissions.iter().any(|token| token == READ_ONLY)
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// A held key as `sub-apikeys` lists it.
fn listed(key: &SimulatedKey) -> Value {
    let bound = !key.ips.is_empty() && key.ips.iter().all(|ip| ip != "*");
    // Keys bound to no address expire after 90 days.
    let (status, expired_at) = if bound {
        (1, "1970-01-01T00:00:00Z".to_owned())
    } else {
        (3, rfc3339(key.created_ms + 90 * 86_400_000))
    };
    json!({
        "id": key.id.to_string(),
        "ips": if bound { json!(key.ips) } else { json!(["*"]) },
        "apiKey": key.api_key, "note": key.label, "status": status,
        "expiredAt": expired_at, "createdAt": rfc3339(key.created_ms), "type": 1,
        "permissions": key_groups(key), "secret": "******", "readOnly": is_read_only(key),
        "deadlineDay": if bound { 0 } else { 90 }, "flag": "hmac"
    })
}

/// A held key as `query-api` describes it to itself.
fn own_info(key: &SimulatedKey) -> Value {
    let documented = fixture(DOCUMENTED);
    let listed = listed(key);
    patched(
        &documented["result"],
        json!({
            "id": listed["id"], "note": key.label, "apiKey": key.api_key,
            "readOnly": u8::from(is_read_only(key)), "secret": "",
            "permissions": groups(key_groups(key)), "ips": listed["ips"],
            "expiredAt": listed["expiredAt"], "createdAt": listed["createdAt"],
            "isMaster": false, "parentUid": "1448939",
            "userID": key.sub_account.as_deref().and_then(|uid| uid.parse::<u64>().ok())
        }),
    )
}

/// The permission tokens of a request's `permissions` object, and `readOnly`.
fn tokens(body: &Value, read_only: bool) -> Option<Vec<String>> {
    let groups = body.get("permissions")?.as_object()?;
    let mut tokens: Vec<String> = groups
        .iter()
        .flat_map(|(group, items)| {
            items
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(move |item| format!("{group}.{item}"))
        })
        .collect();
    if read_only {
        tokens.push(READ_ONLY.to_owned());
    }
    Some(tokens)
}

/// The addresses of an `ips` parameter; absent or `*` binds none.
fn bound_ips(body: &Value) -> Vec<String> {
    body.get("ips")
        .and_then(Value::as_str)
        .map(|ips| {
            ips.split(',')
                .map(str::trim)
                .filter(|ip| !ip.is_empty() && *ip != "*")
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn create(state: &mut SimulatedState, body: &Value) -> CannedAnswer {
    let Some(uid) = body.get("subuid").and_then(Value::as_u64) else {
        return params_error();
    };
    let read_only = body.get("readOnly").and_then(Value::as_u64) == Some(1);
    let Some(tokens) = tokens(body, read_only) else {
        return params_error();
    };
    let note = body.get("note").and_then(Value::as_str).unwrap_or_default();
    let key = state.create_for(Some(&uid.to_string()), note, tokens, bound_ips(body));
    let mut answer = fixture(CREATED_EXAMPLE);
    answer["result"] = patched(
        &answer["result"],
        json!({
            "id": key.id.to_string(), "note": key.label, "apiKey": key.api_key,
            "readOnly": u8::from(read_only), "secret": key.secret,
            "permissions": key_groups(&key)
        }),
    );
    CannedAnswer::ok(answer)
}

/// `update-sub-api` as documented: `readOnly` absent is read-write, `ips` absent binds no
/// address, `permissions` absent leaves them.
fn update(state: &mut SimulatedState, body: &Value) -> CannedAnswer {
    let Some(target) = body.get("apikey").and_then(Value::as_str) else {
        return params_error();
    };
    let read_only = body.get("readOnly").and_then(Value::as_u64) == Some(1);
    let ips = bound_ips(body);
    let tokens = tokens(body, read_only);
    let Some(key) = state.key_mut(target) else {
        return params_error();
    };
    key.ips = ips;
    match tokens {
        Some(tokens) => key.permissions = tokens,
        None => {
            key.permissions.retain(|token| token != READ_ONLY);
            if read_only {
                key.permissions.push(READ_ONLY.to_owned());
            }
        }
    }
    let key = key.clone();
    let listed = listed(&key);
    let mut answer = fixture(UPDATED_EXAMPLE);
    answer["result"] = patched(
        &answer["result"],
        json!({
            "id": listed["id"], "note": key.label, "apiKey": key.api_key,
            "readOnly": u8::from(read_only), "permissions": key_groups(&key),
            "ips": listed["ips"]
        }),
    );
    CannedAnswer::ok(answer)
}

//! KuCoin as the testkit simulates it: scenario variants of the documented "Get Apikey Info"
//! answer, and the listing calls of a master key (the documented sub-account `testapi6`, holding
//! the documented sub-account key).

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, RecordedRequest, Scenario, SimulatedState,
    Simulation,
};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/kucoin/api_key_info.json");
const INVALID: &str = include_str!("../../../tests/fixtures/kucoin/error_invalid_key.json");
const IP_NOT_ALLOWED: &str =
    include_str!("../../../tests/fixtures/kucoin/error_ip_not_allowed.json");
const RATE_LIMITED: &str = include_str!("../../../tests/fixtures/kucoin/error_rate_limited.json");
const SUB_ACCOUNTS: &str = include_str!("../../../tests/fixtures/kucoin/sub_user_list.json");
const SUB_ACCOUNT_KEYS: &str = include_str!("../../../tests/fixtures/kucoin/sub_api_key_list.json");

/// The sub-account of KuCoin's documented list.
const DOCUMENTED_SUB_ACCOUNT: &str = "testapi6";

pub(crate) fn simulation() -> Simulation {
    Simulation {
        // The key id of KuCoin's documented example; the secret and passphrase are the ones of
        // KuCoin's SDK signing test.
        credentials: || {
            Credentials::new("6705f5c311545b000157d3eb", "test_api_secret")
                .with_passphrase("test_passphrase")
        },
        answer,
        server_time: |ms| json!({ "code": "200000", "data": ms }),
        server_time_path: "/api/v1/timestamp",
        key_info_path: "/api/v1/user/api-key",
        payload_pointer: "/data",
        own_key_field: None,
        plant_permission: |answer, token| {
            if let Some(Value::String(permission)) = answer.pointer_mut("/data/permission") {
                permission.push(',');
                permission.push_str(token);
            }
        },
        api_key_of: |request| request.header("kc-api-key").map(str::to_owned),
        manage: Management {
            answer: manage,
            is_write: |_| false,
            sub_account: None,
        },
        error_body: |code, message| json!({ "code": code, "msg": message }),
    }
}

fn answer(scenario: Scenario) -> CannedAnswer {
    let documented = fixture(DOCUMENTED);
    let key = documented["data"].clone();
    let variant = |changes: Value| {
        CannedAnswer::ok(json!({ "code": "200000", "data": patched(&key, changes) }))
    };
    match scenario {
        Scenario::DocumentedExample => CannedAnswer::ok(documented.clone()),
        // A sub-account key: a master key with `General` manages sub-accounts and their keys.
        Scenario::ReadOnly => variant(json!({
            "permission": "General", "ipWhitelist": "203.0.**.10,203.0.**.11",
            "remark": "portfolio-tracker", "isMaster": false, "subName": "tracker01"
        })),
        Scenario::Trading => variant(json!({
            "permission": "General,Spot", "ipWhitelist": "203.0.**.10",
            "remark": "grid-bot-eth", "isMaster": false, "subName": "gridbot01"
        })),
        Scenario::WithdrawEnabled => variant(json!({
            "permission": "General,Spot,Transfer", "ipWhitelist": "203.0.**.10",
            "remark": "treasury"
        })),
        Scenario::NoIpRestriction => variant(json!({
            "permission": "General,Spot", "ipWhitelist": "", "remark": "test"
        })),
        // KuCoin reports no expiry; a key past its `expire` is gone: it answers as for an
        // unknown key.
        Scenario::Expired | Scenario::InvalidKey => {
            CannedAnswer::with_status(401, fixture(INVALID))
        }
        Scenario::IpNotAllowed => CannedAnswer::with_status(401, fixture(IP_NOT_ALLOWED)),
        Scenario::RateLimited => CannedAnswer::with_status(429, fixture(RATE_LIMITED)),
    }
}

fn ok(data: Value) -> CannedAnswer {
    CannedAnswer::ok(json!({ "code": "200000", "data": data }))
}

/// Answers a master key's listing calls: its sub-accounts, and each one's keys (the documented
/// key for the documented sub-account, with the sub-account's name).
fn manage(
    _: Scenario,
    state: &mut SimulatedState,
    request: &RecordedRequest,
) -> Option<CannedAnswer> {
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/api/v2/sub/user") => {
            let mut page = fixture(SUB_ACCOUNTS)["data"].clone();
            let template = page["items"][0].clone();
            let mut names: Vec<String> = Vec::new();
            for key in &state.keys {
                if let Some(name) = &key.sub_account {
                    if name != DOCUMENTED_SUB_ACCOUNT && !names.contains(name) {
                        names.push(name.clone());
                    }
                }
            }
            if let Some(Value::Array(items)) = page.get_mut("items") {
                items.extend(
                    names
                        .iter()
                        .map(|name| patched(&template, json!({ "subName": name }))),
                );
            }
            Some(ok(page))
        }
        ("GET", "/api/v1/sub/api-key") => {
            let Some(name) = request.query_param("subName") else {
                return Some(CannedAnswer::ok(
                    json!({ "code": "400100", "msg": "subName can not be empty" }),
                ));
            };
            let mut keys: Vec<Value> = if name == DOCUMENTED_SUB_ACCOUNT {
                fixture(SUB_ACCOUNT_KEYS)["data"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|key| patched(&key, json!({ "subName": name })))
                    .collect()
            } else {
                Vec::new()
            };
            keys.extend(
                state
                    .keys
                    .iter()
                    .filter(|k| k.sub_account.as_deref() == Some(name.as_str()))
                    .map(|k| {
                        json!({
                            "subName": name, "remark": k.label, "apiKey": k.api_key,
                            "apiVersion": 3, "permission": k.permissions.join(","),
                            "ipWhitelist": k.ips.join(","), "createdAt": k.created_ms,
                            "uid": 215_112_467, "isMaster": false
                        })
                    }),
            );
            Some(ok(Value::Array(keys)))
        }
        _ => None,
    }
}

//! KuCoin as the testkit simulates it: scenario variants of the documented "Get Apikey Info"
//! answer, and the sub-account key calls of a master key (the documented sub-account `testapi6`,
//! holding the documented sub-account key and the keys created through the API). As KuCoin
//! does, it shows allowlists masked (`203.**.7`), shows none in the create answer, and changes
//! or deletes a key only with that key's own passphrase.

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, RecordedRequest, Scenario, SimulatedKey,
    SimulatedState, Simulation,
};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/kucoin/api_key_info.json");
const INVALID: &str = include_str!("../../../tests/fixtures/kucoin/error_invalid_key.json");
const IP_NOT_ALLOWED: &str =
    include_str!("../../../tests/fixtures/kucoin/error_ip_not_allowed.json");
const RATE_LIMITED: &str = include_str!("../../../tests/fixtures/kucoin/error_rate_limited.json");
const SUB_ACCOUNTS: &str = include_str!("../../../tests/fixtures/kucoin/sub_user_list.json");
const SUB_ACCOUNT_KEYS: &str = include_str!("../../../tests/fixtures/kucoin/sub_api_key_list.json");
const CREATED: &str = include_str!("../../../tests/fixtures/kucoin/sub_api_key_create.json");

const KEY_INFO: &str = "/api/v1/user/api-key";
/// `GET` lists a sub-account's keys, `POST` creates one, `DELETE` deletes one.
const KEYS: &str = "/api/v1/sub/api-key";
const UPDATE: &str = "/api/v1/sub/api-key/update";
/// What the rights of a sub-account key may be, as KuCoin's create and update calls take them.
const GRANTABLE: [&str; 5] = ["General", "Spot", "Futures", "Margin", "InnerTransfer"];

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
            is_write: |request| {
                matches!(
                    (request.method.as_str(), request.path.as_str()),
                    ("POST", KEYS) | ("POST", UPDATE) | ("DELETE", KEYS)
                )
            },
            sub_account: Some(DOCUMENTED_SUB_ACCOUNT),
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
        // The master key: it manages the sub-accounts' keys (the rotation tests rotate those).
        Scenario::Trading => variant(json!({
            "permission": "General,Spot", "ipWhitelist": "203.**.10",
            "remark": "grid-bot-eth", "isMaster": true
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

/// A refusal: KuCoin answers with its code in the body (`400100` is its "Parameter Error").
fn refused(code: &str, msg: &str) -> CannedAnswer {
    CannedAnswer::ok(json!({ "code": code, "msg": msg }))
}

/// An address as KuCoin shows it: the first and last parts kept, the rest masked (`10.**.1`,
/// the documented example).
fn masked(ip: &str) -> String {
    let separator = if ip.contains(':') { ':' } else { '.' };
    let parts: Vec<&str> = ip.split(separator).collect();
    match parts.as_slice() {
        [first, .., last] if parts.len() > 2 => format!("{first}{separator}**{separator}{last}"),
        _ => "**".to_owned(),
    }
}

/// A held key as KuCoin describes it (listed, or asked about with its own credentials).
fn described(key: &SimulatedKey) -> Value {
    let mut entry = json!({
        "remark": key.label, "apiKey": key.api_key, "apiVersion": 3,
        "permission": key.permissions.join(","), "createdAt": key.created_ms,
        "uid": 215_112_467, "isMaster": false
    });
    if let Some(name) = &key.sub_account {
        entry["subName"] = name.as_str().into();
    }
    if !key.ips.is_empty() {
        let shown: Vec<String> = key.ips.iter().map(|ip| masked(ip)).collect();
        entry["ipWhitelist"] = shown.join(",").into();
    }
    entry
}

/// The rights asked for, if KuCoin grants each to a sub-account key.
fn grantable(permission: &str) -> Option<Vec<String>> {
    let tokens: Vec<String> = permission
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    tokens
        .iter()
        .all(|t| GRANTABLE.contains(&t.as_str()))
        .then_some(tokens)
}

/// The allowlist asked for, if KuCoin takes it (at most 20 addresses).
fn addresses(list: &str) -> Option<Vec<String>> {
    let ips: Vec<String> = list
        .split(',')
        .map(str::trim)
        .filter(|ip| !ip.is_empty())
        .map(str::to_owned)
        .collect();
    (ips.len() <= 20).then_some(ips)
}

/// Answers a master key's sub-account key calls from the state: its sub-accounts, each one's
/// keys (the documented key for the documented sub-account, and those created), creating,
/// changing and deleting; and a created key asking about itself.
fn manage(
    _: Scenario,
    state: &mut SimulatedState,
    request: &RecordedRequest,
) -> Option<CannedAnswer> {
    let body = request.json_body();
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", KEY_INFO) => {
            let key = state.key(request.header("kc-api-key")?)?;
            Some(ok(described(key)))
        }
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
        ("GET", KEYS) => {
            let Some(name) = request.query_param("subName") else {
                return Some(refused("400100", "subName can not be empty"));
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
                    .map(described),
            );
            if let Some(api_key) = request.query_param("apiKey") {
                keys.retain(|key| key["apiKey"] == api_key.as_str());
            }
            Some(ok(Value::Array(keys)))
        }
        ("POST", KEYS) => {
            let (Some(sub), Some(remark), Some(passphrase)) =
                (text("subName"), text("remark"), text("passphrase"))
            else {
                return Some(refused(
                    "400100",
                    "subName, remark and passphrase are required",
                ));
            };
            let known = sub == DOCUMENTED_SUB_ACCOUNT
                || state
                    .keys
                    .iter()
                    .any(|k| k.sub_account.as_deref() == Some(&sub));
            if !known {
                return Some(refused("400100", "sub-account does not exist"));
            }
            if !(1..=24).contains(&remark.chars().count()) {
                return Some(refused("400100", "remark must hold 1 to 24 characters"));
            }
            if !(7..=32).contains(&passphrase.chars().count()) || passphrase.contains(' ') {
                return Some(refused(
                    "400100",
                    "passphrase must hold 7 to 32 characters, no spaces",
                ));
            }
            let Some(permissions) = grantable(&text("permission").unwrap_or("General".into()))
            else {
                return Some(refused(
                    "400100",
                    "permission can only be General, Spot, Futures, Margin, InnerTransfer",
                ));
            };
            let Some(ips) = addresses(&text("ipWhitelist").unwrap_or_default()) else {
                return Some(refused("400100", "at most 20 IP addresses"));
            };
            let key = state.create_for(Some(&sub), &remark, permissions, ips);
            if let Some(held) = state.key_mut(&key.api_key) {
                held.passphrase = Some(passphrase.clone());
            }
            // The documented answer's shape: no allowlist in it.
            let answer = patched(
                &fixture(CREATED)["data"],
                json!({
                    "subName": sub, "remark": remark, "apiKey": key.api_key,
                    "apiSecret": key.secret, "passphrase": passphrase,
                    "permission": key.permissions.join(","), "createdAt": key.created_ms
                }),
            );
            Some(ok(answer))
        }
        ("POST", UPDATE) => {
            let (Some(sub), Some(api_key), Some(passphrase)) =
                (text("subName"), text("apiKey"), text("passphrase"))
            else {
                return Some(refused(
                    "400100",
                    "subName, apiKey and passphrase are required",
                ));
            };
            let Some(key) = state
                .keys
                .iter_mut()
                .find(|k| k.api_key == api_key && k.sub_account.as_deref() == Some(&sub))
            else {
                return Some(refused("400100", "API key does not exist"));
            };
            if key.passphrase.as_deref() != Some(passphrase.as_str()) {
                return Some(refused("400100", "passphrase is incorrect"));
            }
            // KuCoin documents `General` as the default of an omitted `permission`.
            let Some(permissions) = grantable(&text("permission").unwrap_or("General".into()))
            else {
                return Some(refused(
                    "400100",
                    "permission can only be General, Spot, Futures, Margin, InnerTransfer",
                ));
            };
            let Some(ips) = addresses(&text("ipWhitelist").unwrap_or_default()) else {
                return Some(refused("400100", "at most 20 IP addresses"));
            };
            key.permissions = permissions;
            key.ips = ips;
            let mut answer = json!({
                "subName": sub, "apiKey": key.api_key, "permission": key.permissions.join(",")
            });
            if let Some(shown) = described(key).get("ipWhitelist") {
                answer["ipWhitelist"] = shown.clone();
            }
            Some(ok(answer))
        }
        ("DELETE", KEYS) => {
            let (Some(sub), Some(api_key), Some(passphrase)) = (
                request.query_param("subName"),
                request.query_param("apiKey"),
                request.query_param("passphrase"),
            ) else {
                return Some(refused(
                    "400100",
                    "apiKey, subName and passphrase are required",
                ));
            };
            let Some(key) = state
                .keys
                .iter()
                .find(|k| k.api_key == api_key && k.sub_account.as_deref() == Some(&sub))
            else {
                return Some(refused("400100", "API key does not exist"));
            };
            if key.passphrase.as_deref() != Some(passphrase.as_str()) {
                return Some(refused("400100", "passphrase is incorrect"));
            }
            state.revoke(&api_key);
            Some(ok(json!({ "subName": sub, "apiKey": api_key })))
        }
        _ => None,
    }
}

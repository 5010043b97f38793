//! Bitget as the testkit simulates it: scenario variants of the documented "Get Account
//! Information" answer, and the unified-account sub-account key calls of a master key answered
//! from the simulator's state (the documented sub-accounts, given made-up UIDs, the documented
//! key of the first unified one, and the keys created through the API).

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, RecordedRequest, Scenario, SimulatedKey,
    SimulatedState, Simulation,
};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/bitget/account_info.json");
const INVALID: &str = include_str!("../../../tests/fixtures/bitget/error_invalid_key.json");
const IP_NOT_ALLOWED: &str =
    include_str!("../../../tests/fixtures/bitget/error_ip_not_allowed.json");
const RATE_LIMITED: &str = include_str!("../../../tests/fixtures/bitget/error_rate_limited.json");
const SUB_ACCOUNTS: &str = include_str!("../../../tests/fixtures/bitget/sub_list.json");
const SUB_ACCOUNT_KEYS: &str = include_str!("../../../tests/fixtures/bitget/sub_api_list.json");

const ACCOUNT_INFO: &str = "/api/v2/spot/account/info";
const SUB_LIST: &str = "/api/v3/user/sub-list";
const SUB_API_LIST: &str = "/api/v3/user/sub-api-list";
const CREATE: &str = "/api/v3/user/create-sub-api";
const DELETE: &str = "/api/v3/user/delete-sub-api";
/// Made-up UIDs for the documented sub-accounts (shown as `xxx`), in their order: classic,
/// unified, unified and frozen. The second is where the conformance suite manages keys.
const SUB_UIDS: [&str; 3] = ["4746345900", "4746345901", "4746345902"];
const DOCUMENTED_SUB_ACCOUNT: &str = "4746345901";
/// The documented listed key's id is masked (`***…`): a made-up one stands in.
const DOCUMENTED_KEY: &str = "bg_2f6c1a9e7d3b5c8a0e4f6b2d9c1a7e3f";

pub(crate) fn simulation() -> Simulation {
    Simulation {
        // Made up, with the secret of the self-computed signing vectors.
        credentials: || {
            Credentials::new("bg_5b3e0c9d7f2a4e1b8c6d", "test_secret")
                .with_passphrase("SimPassphrase1")
        },
        answer,
        server_time: |ms| {
            json!({
                "code": "00000", "msg": "success", "requestTime": ms,
                "data": { "serverTime": ms.to_string() }
            })
        },
        server_time_path: "/api/v2/public/time",
        key_info_path: "/api/v2/spot/account/info",
        payload_pointer: "/data",
        own_key_field: None,
        plant_permission: |answer, token| {
            if let Some(Value::Array(codes)) = answer.pointer_mut("/data/authorities") {
                codes.push(token.into());
            }
        },
        api_key_of: |request| request.header("access-key").map(str::to_owned),
        manage: Management {
            answer: manage,
            is_write: |request| {
                request.method == "POST" && [CREATE, DELETE].contains(&request.path.as_str())
            },
            sub_account: Some(DOCUMENTED_SUB_ACCOUNT),
        },
        error_body: |code, message| json!({ "code": code, "msg": message, "requestTime": 1_695_808_949_356_i64, "data": null }),
    }
}

fn answer(scenario: Scenario) -> CannedAnswer {
    let documented = fixture(DOCUMENTED);
    let account = documented["data"].clone();
    let variant = |changes: Value| {
        CannedAnswer::ok(json!({
            "code": "00000", "msg": "success", "requestTime": 1_695_808_949_356_i64,
            "data": patched(&account, changes)
        }))
    };
    match scenario {
        Scenario::DocumentedExample => CannedAnswer::ok(documented.clone()),
        Scenario::ReadOnly => variant(json!({
            "authorities": ["stor", "coor", "cpor"], "ips": "203.0.113.10,203.0.113.11"
        })),
        Scenario::Trading => variant(json!({
            "authorities": ["stor", "stow", "coor", "coow"], "ips": "203.0.113.10"
        })),
        Scenario::WithdrawEnabled => variant(json!({
            "authorities": ["stor", "stow", "wtow", "wwow"], "ips": "203.0.113.10"
        })),
        Scenario::NoIpRestriction => variant(json!({
            "authorities": ["stor", "stow"], "ips": ""
        })),
        // Bitget reports no expiry: a key past it answers as an unknown key.
        Scenario::Expired | Scenario::InvalidKey => {
            CannedAnswer::with_status(400, fixture(INVALID))
        }
        Scenario::IpNotAllowed => CannedAnswer::with_status(400, fixture(IP_NOT_ALLOWED)),
        Scenario::RateLimited => CannedAnswer::with_status(429, fixture(RATE_LIMITED)),
    }
}

fn ok(data: Value) -> CannedAnswer {
    CannedAnswer::ok(json!({
        "code": "00000", "msg": "success", "requestTime": 1_740_213_448_866_i64, "data": data
    }))
}

/// A refusal of a management call: HTTP 400 with ccxt's generic parameter-error code (Bitget
/// documents no code for these calls).
fn refused(msg: &str) -> CannedAnswer {
    CannedAnswer::with_status(
        400,
        json!({ "code": "40020", "msg": msg, "requestTime": 1_740_213_448_866_i64, "data": null }),
    )
}

/// A held key's permission type and permissions: the simulator keeps the type first.
fn type_and_permissions(key: &SimulatedKey) -> (String, Vec<String>) {
    let mut parts = key.permissions.iter().cloned();
    let kind = parts.next().unwrap_or_default();
    (kind, parts.collect())
}

/// The entry `sub-api-list` lists for a key the simulator holds.
fn listed(key: &SimulatedKey) -> Value {
    let (kind, permissions) = type_and_permissions(key);
    json!({
        "apiKey": key.api_key, "note": key.label, "type": kind, "permissions": permissions,
        "ips": key.ips, "ts": key.created_ms.to_string()
    })
}

/// The documented sub-accounts with their made-up UIDs.
fn sub_accounts() -> Vec<Value> {
    let documented = fixture(SUB_ACCOUNTS);
    let entries = documented["data"]["list"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    entries
        .iter()
        .zip(SUB_UIDS)
        .map(|(entry, uid)| patched(entry, json!({ "subUid": uid })))
        .collect()
}

/// What `account/info` would show for a key created through the API. Bitget does not document
/// the codes a unified-account key shows there: the simulator assumes its unified trading right
/// shows as the spot, margin and futures codes.
fn account_info_of(key: &SimulatedKey) -> Value {
    let (kind, _) = type_and_permissions(key);
    let authorities: &[&str] = if kind == "read_write" {
        &[
            "stor", "stow", "smor", "smow", "coor", "coow", "cpor", "cpow",
        ]
    } else {
        &["stor", "smor", "coor", "cpor"]
    };
    let account = fixture(DOCUMENTED)["data"].clone();
    patched(
        &account,
        json!({ "authorities": authorities, "ips": key.ips.join(","), "userId": format!("{}", 90_000 + key.id) }),
    )
}

/// Answers the sub-account key calls of a master key from the simulator's state.
fn manage(
    _: Scenario,
    state: &mut SimulatedState,
    request: &RecordedRequest,
) -> Option<CannedAnswer> {
    let body = request.json_body();
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::trim);
    match (request.method.as_str(), request.path.as_str()) {
        // A key created through the API describes itself, not the scenario's master key.
        ("GET", ACCOUNT_INFO) => {
            let key = state.key(request.header("access-key")?)?;
            Some(ok(account_info_of(key)))
        }
        ("GET", SUB_LIST) => Some(ok(json!({
            "list": sub_accounts(), "hasNext": false, "cursor": "18484"
        }))),
        ("GET", SUB_API_LIST) => {
            let Some(uid) = request.query_param("subUid") else {
                return Some(refused("subUid cannot be empty"));
            };
            if !SUB_UIDS.contains(&uid.as_str()) {
                return Some(refused("sub-account does not exist"));
            }
            let documented = uid == DOCUMENTED_SUB_ACCOUNT && !state.is_revoked(DOCUMENTED_KEY);
            let mut items: Vec<Value> = if documented {
                fixture(SUB_ACCOUNT_KEYS)["data"]["items"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .map(|item| patched(item, json!({ "apiKey": DOCUMENTED_KEY })))
                    .collect()
            } else {
                Vec::new()
            };
            items.extend(
                state
                    .keys
                    .iter()
                    .filter(|k| k.sub_account.as_deref() == Some(uid.as_str()))
                    .map(listed),
            );
            Some(ok(
                json!({ "items": items, "hasNext": false, "cursor": "18484" }),
            ))
        }
        ("POST", CREATE) => {
            let (Some(uid), Some(note), Some(kind), Some(passphrase)) = (
                text("subUid"),
                text("note"),
                text("type"),
                text("passphrase"),
            ) else {
                return Some(refused("subUid, note, type and passphrase are required"));
            };
            // Keys are created for unified-account sub-accounts only.
            if uid != SUB_UIDS[1] && uid != SUB_UIDS[2] {
                return Some(refused(
                    "sub-account does not exist or is not a unified account",
                ));
            }
            let note_ok = note.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && note
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_,".contains(c));
            let passphrase_ok = (8..=32).contains(&passphrase.len())
                && passphrase.chars().all(|c| c.is_ascii_alphanumeric())
                && passphrase.chars().any(|c| c.is_ascii_digit())
                && passphrase.chars().any(|c| c.is_ascii_alphabetic());
            if !note_ok || !passphrase_ok || !["read_write", "read_only"].contains(&kind) {
                return Some(refused("Parameter verification failed"));
            }
            let strings = |name: &str| -> Option<Vec<String>> {
                body.get(name)?
                    .as_array()?
                    .iter()
                    .map(|v| v.as_str().map(|s| s.trim().to_owned()))
                    .collect()
            };
            let (Some(permissions), Some(ips)) = (strings("permissions"), strings("ips")) else {
                return Some(refused("permissions and ips are required lists"));
            };
            if permissions.is_empty()
                || permissions
                    .iter()
                    .any(|p| !["uta_trade", "uta_mgt"].contains(&p.as_str()))
                || ips.len() > 30
            {
                return Some(refused("Parameter verification failed"));
            }
            let mut held = vec![kind.to_owned()];
            held.extend(permissions);
            let key = state.create_for(Some(uid), note, held, ips);
            let mut entry = listed(&key);
            if let Some(entry) = entry.as_object_mut() {
                entry.remove("ts");
            }
            entry["secret"] = key.secret.clone().into();
            Some(ok(entry))
        }
        ("POST", DELETE) => {
            let Some(api_key) = text("apiKey") else {
                return Some(refused("apiKey cannot be empty"));
            };
            // Only keys of sub-accounts: never the caller's own.
            let held = state
                .key(api_key)
                .is_some_and(|key| key.sub_account.is_some());
            if !held && api_key != DOCUMENTED_KEY {
                return Some(refused("apikey does not exist"));
            }
            state.revoke(api_key);
            Some(ok(json!({})))
        }
        _ => None,
    }
}

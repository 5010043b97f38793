//! Bybit as the testkit simulates it: scenario variants of the documented example.

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, RecordedRequest, Scenario, SimulatedState,
    Simulation,
};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/bybit/query_api.json");
const INVALID: &str = include_str!("../../../tests/fixtures/bybit/error_invalid_key.json");
const IP_NOT_ALLOWED: &str =
    include_str!("../../../tests/fixtures/bybit/error_ip_not_allowed.json");
const RATE_LIMITED: &str = include_str!("../../../tests/fixtures/bybit/error_rate_limited.json");
const EXPIRED: &str = include_str!("../../../tests/fixtures/bybit/error_expired.json");

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
        key_info_path: "/v5/user/query-api",
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
            is_write: |request| request.path == "/v5/user/delete-api",
            sub_account: None,
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

/// `POST /v5/user/delete-api` revokes the calling key; other management calls are not
/// simulated yet.
fn manage(
    _: Scenario,
    state: &mut SimulatedState,
    request: &RecordedRequest,
) -> Option<CannedAnswer> {
    match (request.method.as_str(), request.path.as_str()) {
        ("POST", "/v5/user/delete-api") => {
            let caller = request.header("x-bapi-api-key")?.to_owned();
            state.revoke(&caller);
            Some(CannedAnswer::ok(json!({
                "retCode": 0, "retMsg": "", "result": {}, "retExtInfo": {},
                "time": 1_676_431_577_675_i64
            })))
        }
        _ => None,
    }
}

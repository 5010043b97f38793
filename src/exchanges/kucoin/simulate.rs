//! KuCoin as the testkit simulates it: scenario variants of the documented "Get Apikey Info"
//! answer. No management call is simulated: the adapter offers none.

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, Scenario, Simulation,
};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/kucoin/api_key_info.json");
const INVALID: &str = include_str!("../../../tests/fixtures/kucoin/error_invalid_key.json");
const IP_NOT_ALLOWED: &str =
    include_str!("../../../tests/fixtures/kucoin/error_ip_not_allowed.json");
const RATE_LIMITED: &str = include_str!("../../../tests/fixtures/kucoin/error_rate_limited.json");

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
        manage: Management::NONE,
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

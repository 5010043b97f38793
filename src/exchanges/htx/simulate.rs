//! HTX as the testkit simulates it: scenario variants of the documented `/v2/user/api-key`
//! answer, and the documented `/v2/user/uid` answer.

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, RecordedRequest, Scenario, SimulatedState,
    Simulation, SERVER_TIME_MS,
};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/htx/api_key.json");
const UID: &str = include_str!("../../../tests/fixtures/htx/uid.json");
const INVALID: &str = include_str!("../../../tests/fixtures/htx/error_incorrect_access_key.json");
const RATE_LIMITED: &str =
    include_str!("../../../tests/fixtures/htx/error_rate_too_many_requests.json");

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
            is_write: |_| false,
            sub_account: None,
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

/// The uid call, answered as documented in every scenario: the scenario's refusal comes with
/// the key-information call, where the conformance suite replaces answers.
fn manage(_: Scenario, _: &mut SimulatedState, request: &RecordedRequest) -> Option<CannedAnswer> {
    (request.method == "GET" && request.path == "/v2/user/uid")
        .then(|| CannedAnswer::ok(fixture(UID)))
}

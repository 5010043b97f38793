//! Coinbase as the testkit simulates it: scenario variants of the documented example.

use base64::Engine as _;
use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, RecordedRequest, Scenario, Simulation,
};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/coinbase/key_permissions.json");
const RATE_LIMITED: &str = include_str!("../../../tests/fixtures/coinbase/error_rate_limited.json");

pub(crate) fn simulation() -> Simulation {
    Simulation {
        // The reference notes' Ed25519 test key (seed 0..31, base64 of seed‖public key).
        credentials: || {
            Credentials::coinbase_cdp(
                "organizations/sim-org/apiKeys/sim-key",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8DoQe/884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuA==",
            )
        },
        answer,
        server_time: |ms| {
            json!({
                "iso": "", "epochSeconds": (ms / 1000).to_string(), "epochMillis": ms.to_string()
            })
        },
        server_time_path: "/api/v3/brokerage/time",
        key_info_path: "/api/v3/brokerage/key_permissions",
        payload_pointer: "",
        own_key_field: None,
        plant_permission: |answer, token| {
            if let Some(flags) = answer.as_object_mut() {
                flags.insert(format!("can_{token}"), Value::Bool(true));
            }
        },
        api_key_of: key_name_of,
        manage: Management::NONE,
        error_body: |code, message| json!({ "error": code, "error_details": message, "message": message }),
    }
}

/// The `sub` of the bearer token.
fn key_name_of(request: &RecordedRequest) -> Option<String> {
    let token = request.header("authorization")?.strip_prefix("Bearer ")?;
    let claims = token.split('.').nth(1)?;
    let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(claims)
        .ok()?;
    let claims: Value = serde_json::from_slice(&claims).ok()?;
    claims.get("sub")?.as_str().map(str::to_owned)
}

fn answer(scenario: Scenario) -> CannedAnswer {
    let documented = fixture(DOCUMENTED);
    let key = |changes: Value| {
        CannedAnswer::ok(patched(
            &json!({
                "can_view": true, "can_trade": false, "can_transfer": false,
                "can_receive": false, "portfolio_type": "DEFAULT",
                "portfolio_uuid": "8b8e6f4e-2d2a-4b7a-9a3c-5d1f0e7c6b21"
            }),
            changes,
        ))
    };
    let unauthorized = CannedAnswer::with_status(401, Value::String("Unauthorized".into()));
    match scenario {
        Scenario::DocumentedExample => CannedAnswer::ok(documented),
        Scenario::ReadOnly => key(json!({})),
        Scenario::Trading | Scenario::NoIpRestriction => key(json!({ "can_trade": true })),
        Scenario::WithdrawEnabled => key(json!({ "can_trade": true, "can_transfer": true })),
        // An expired, unknown or IP-refused key all get a plain 401 "Unauthorized".
        Scenario::Expired | Scenario::InvalidKey | Scenario::IpNotAllowed => unauthorized,
        Scenario::RateLimited => CannedAnswer::with_status(429, fixture(RATE_LIMITED)),
    }
}

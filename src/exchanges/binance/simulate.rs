//! Binance as the testkit simulates it: scenario variants of the documented example.

use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::exchanges::simulation::{
    fixture, patched, CannedAnswer, Management, Scenario, Simulation,
};

const DOCUMENTED: &str = include_str!("../../../tests/fixtures/binance/api_restrictions.json");
const INVALID: &str =
    include_str!("../../../tests/fixtures/binance/error_invalid_key_ip_or_permissions.json");
const RATE_LIMITED: &str = include_str!("../../../tests/fixtures/binance/error_rate_limited.json");

pub(crate) fn simulation() -> Simulation {
    Simulation {
        // Binance's own documentation example key pair (rest-api.md, SIGNED endpoint examples).
        credentials: || {
            Credentials::new(
                "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
                "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
            )
        },
        answer,
        server_time: |ms| json!({ "serverTime": ms }),
        server_time_path: "/api/v3/time",
        key_info_path: "/sapi/v1/account/apiRestrictions",
        payload_pointer: "",
        own_key_field: None,
        plant_permission: |answer, token| {
            if let Some(flags) = answer.as_object_mut() {
                flags.insert(token.to_owned(), Value::Bool(true));
            }
        },
        api_key_of: |request| request.header("x-mbx-apikey").map(str::to_owned),
        manage: Management::NONE,
        error_body: |code, message| json!({ "code": code_value(code), "msg": message }),
    }
}

/// Binance's codes are JSON numbers; anything else is sent as text.
fn code_value(code: &str) -> Value {
    code.parse::<i64>()
        .map_or_else(|_| Value::from(code), Value::from)
}

fn answer(scenario: Scenario) -> CannedAnswer {
    let documented = fixture(DOCUMENTED);
    let key = |changes: Value| CannedAnswer::ok(patched(&documented, changes));
    match scenario {
        Scenario::DocumentedExample => CannedAnswer::ok(documented.clone()),
        Scenario::ReadOnly => key(json!({
            "ipRestrict": true, "createTime": 1_788_220_800_000_i64,
            "enablePortfolioMarginTrading": false
        })),
        Scenario::Trading => key(json!({
            "ipRestrict": true, "createTime": 1_775_001_600_000_i64,
            "enablePortfolioMarginTrading": false,
            "enableSpotAndMarginTrading": true, "enableFutures": true
        })),
        Scenario::WithdrawEnabled => key(json!({
            "ipRestrict": true, "createTime": 1_735_689_600_000_i64,
            "enableSpotAndMarginTrading": true, "enableWithdrawals": true,
            "enableInternalTransfer": true, "permitsUniversalTransfer": true
        })),
        // Binance puts an expiry on the trading right of keys with no IP restriction.
        Scenario::NoIpRestriction => key(json!({
            "ipRestrict": false, "createTime": 1_790_812_800_000_i64,
            "enablePortfolioMarginTrading": false, "enableSpotAndMarginTrading": true,
            "tradingAuthorityExpirationTime": 1_798_588_800_000_i64
        })),
        Scenario::Expired => key(json!({
            "ipRestrict": false, "createTime": 1_759_968_000_000_i64,
            "enablePortfolioMarginTrading": false, "enableSpotAndMarginTrading": true,
            "tradingAuthorityExpirationTime": 1_767_744_000_000_i64
        })),
        // Binance answers -2015 for an unknown key and for a caller outside the allowlist alike.
        Scenario::InvalidKey | Scenario::IpNotAllowed => {
            CannedAnswer::with_status(401, fixture(INVALID))
        }
        Scenario::RateLimited => {
            CannedAnswer::with_status(429, fixture(RATE_LIMITED)).header("retry-after", "60")
        }
    }
}

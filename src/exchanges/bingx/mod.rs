//! BingX: `GET /openApi/v1/account/apiPermissions`, Binance-style HMAC-SHA256 hex signing.
//!
//! What BingX tells about the key in use: its permission codes, bound addresses and note. Its
//! creation time and status come from another call (`GET /openApi/account/v1/apiKey/query`,
//! which needs the account's UID first): this adapter does not make it, so they are not
//! reported. The answer's `{code, data}` envelope is assumed as on every other BingX answer; a
//! bare answer is read too.
//!
//! BingX's API manages sub-account keys from a master key holding "Manage Subaccounts"
//! (`POST /openApi/subAccount/v1/apiKey/{create,edit,del}`); this adapter does not send them
//! yet, so every management operation is `Unsupported` with the step to take on bingx.com. The
//! master account's own keys are managed on bingx.com only.

mod map;
mod sign;
#[cfg(feature = "testkit")]
pub(crate) mod simulate;
mod wire;

use serde_json::Value;

pub use sign::signature;

use super::common::{as_code, message_of, take_envelope_field};
use super::venue::{self, Venue};
use super::{Environment, ExchangeId};
use crate::adapter::{Capabilities, Operation, Support};
use crate::error::{AuthReason, ErrorClass, ErrorCode, Result};
use crate::model::KeyInfo;
use crate::transport::answer::decode;
use crate::transport::pipeline::{Conventions, Endpoint};
use crate::transport::signing::{hex_of_sha256_mac, SigningKey};
use crate::transport::{RateLimit, Request};

/// The BingX venue.
#[derive(Debug)]
pub(crate) struct Bingx;

const KEY_INFO: Endpoint = Endpoint::read("GET", "/openApi/v1/account/apiPermissions");
const SERVER_TIME: Endpoint = Endpoint::read("GET", "/openApi/swap/v2/server/time");

impl Conventions for Bingx {
    fn exchange(&self) -> ExchangeId {
        ExchangeId::Bingx
    }

    fn sign(
        &self,
        request: &mut Request,
        key: &SigningKey,
        _: Environment,
        timestamp_ms: i64,
    ) -> Result<()> {
        use std::fmt::Write as _;
        // BingX's default window (5000 ms) applies: no recvWindow is sent.
        let query = &mut request.query;
        if !query.is_empty() {
            query.push('&');
        }
        let _ = write!(query, "timestamp={timestamp_ms}");
        let signature = hex_of_sha256_mac(key.hmac_key(), &[query, &request.body]);
        query.push_str("&signature=");
        query.push_str(&signature);
        request.header("x-bx-apikey", key.api_key());
        Ok(())
    }

    /// BingX answers `{"code": 0, "data": …}`, and errors as `{"code": 100413, "msg": "…"}`,
    /// often with HTTP 200.
    fn error_in(&self, payload: &Value) -> Option<(String, String)> {
        let code = as_code(payload.get("code")?)?;
        (code.trim() != "0").then(|| (code, message_of(payload, "msg")))
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ERROR_CODES
    }

    /// `data` when the answer has the usual envelope; an answer without one is taken whole,
    /// as the docs print the apiPermissions example bare.
    fn unwrap_payload(&self, payload: Value) -> std::result::Result<Value, String> {
        if payload.get("data").is_some() {
            match take_envelope_field(payload, "data")? {
                data @ Value::Object(_) => Ok(data),
                _ => Err("`data` is not an object".to_owned()),
            }
        } else if payload.is_object() && payload.get("code").is_none() {
            Ok(payload)
        } else {
            Err("answer has no `data`".to_owned())
        }
    }

    fn server_time(&self) -> Option<Endpoint> {
        Some(SERVER_TIME)
    }

    fn server_time_ms(&self, payload: &Value) -> Option<i64> {
        decode::<wire::ServerTime>(payload, "server time")
            .ok()
            .map(|t| t.server_time)
    }
}

impl Venue for Bingx {
    fn sandbox(&self) -> Environment {
        Environment::Production
    }

    // apiPermissions allows 5 requests per second per UID.
    fn rate_limit(&self) -> RateLimit {
        RateLimit::per_second(5)
    }

    fn capabilities(&self, _: Environment) -> Capabilities {
        Capabilities {
            key_info: Support::Native,
            reports_key_id: Support::Native,
            reports_label: Support::Native,
            reports_ip_restriction: Support::Native,
            reports_ip_list: Support::Native,
            reports_enabled: Support::Emulated,
            ..Capabilities::NONE
        }
    }

    fn base_url(&self, environment: Environment) -> Option<&'static str> {
        match environment {
            Environment::Production => Some("https://open-api.bingx.com"),
            _ => None,
        }
    }

    fn key_info_endpoint(&self) -> Endpoint {
        KEY_INFO
    }

    fn map_key_info(&self, payload: &Value, _: &str) -> std::result::Result<KeyInfo, String> {
        let wire: wire::ApiPermissions = decode(payload, "apiPermissions answer")?;
        map::map_api_permissions(wire)
    }

    fn manual_step(&self, operation: Operation) -> Option<&'static str> {
        Some(match operation {
            Operation::Revoke | Operation::RevokeOwn => {
                "delete the key on bingx.com under Account > API Management (BingX's API deletes only sub-account keys, from a master key holding Manage Subaccounts: POST /openApi/subAccount/v1/apiKey/del, which this crate does not send yet)"
            }
            Operation::CreateKey => {
                "create the key on bingx.com under Account > API Management, bound to your IP addresses and without withdrawals (BingX's API creates only sub-account keys: POST /openApi/subAccount/v1/apiKey/create, which this crate does not send yet)"
            }
            Operation::ListKeys => {
                "see bingx.com, Account > API Management (GET /openApi/account/v1/apiKey/query lists a UID's keys; this crate does not call it yet)"
            }
            Operation::UpdateKey => {
                "change the key on bingx.com under Account > API Management > Edit (sub-account keys: POST /openApi/subAccount/v1/apiKey/edit, which this crate does not send yet)"
            }
            Operation::SetKeyEnabled => {
                "BingX has no call to disable a key and enable it again: delete the key on bingx.com under Account > API Management, and create a new one when it is needed"
            }
            Operation::ResetSecret => {
                "BingX cannot give a key a new secret: create a new key on bingx.com under Account > API Management, move the application to it, then delete the old key"
            }
            _ => return None,
        })
    }

    #[cfg(feature = "testkit")]
    fn simulation(&self) -> crate::exchanges::simulation::Simulation {
        simulate::simulation()
    }
}

const ERRORS: &str =
    "bingx-api.github.io/docs-v3 \"Common error codes\" (BingX-API/docs-v3 @d84f954)";

/// BingX's statuses and codes.
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode::status(
        418,
        ErrorClass::Banned,
        "the address is banned after repeated 429s",
        ERRORS,
    ),
    ErrorCode::status(
        429,
        ErrorClass::RateLimited,
        "too many requests; the limit lifts after 5 minutes",
        ERRORS,
    ),
    ErrorCode::code(
        "100001",
        ErrorClass::Auth(AuthReason::BadSignature),
        "signature verification failed",
        ERRORS,
    ),
    ErrorCode::code(
        "100004",
        ErrorClass::Auth(AuthReason::PermissionDenied),
        "permission denied: the API key was created without the permission",
        ERRORS,
    ),
    ErrorCode::code(
        "100410",
        ErrorClass::RateLimited,
        "rate limit exceeded",
        ERRORS,
    ),
    ErrorCode::code(
        "100412",
        ErrorClass::Auth(AuthReason::BadSignature),
        "null signature",
        ERRORS,
    ),
    ErrorCode::code(
        "100413",
        ErrorClass::Auth(AuthReason::InvalidKey),
        "Incorrect apiKey, please check your valid api key",
        ERRORS,
    ),
    ErrorCode::code(
        "100419",
        ErrorClass::Auth(AuthReason::IpNotAllowed),
        "IP does not match IP whitelist",
        ERRORS,
    ),
    ErrorCode::code(
        "100421",
        ErrorClass::Auth(AuthReason::TimestampOutOfWindow),
        "timestamp mismatch: the timestamp must be within 5 seconds of the API server time",
        ERRORS,
    ),
];

/// Maps BingX's `apiPermissions` answer (its `data`, as JSON) to a [`KeyInfo`], without any
/// I/O.
pub fn map_key_info(payload: &Value) -> Result<KeyInfo> {
    venue::map_offline(&Bingx, payload)
}

//! Binance: `GET /sapi/v1/account/apiRestrictions`, HMAC-SHA256 hex signing.
//!
//! What Binance tells about a key: every permission flag, whether an IP allowlist is set (not
//! the list), the creation time and, for keys whose trading right expires, that expiry
//! ([`crate::KeyInfo::trading_expires_at`]; the key itself keeps reading). It
//! reports no key id, label or account kind. `-2015` means an invalid key, a calling IP outside
//! the allowlist, *or* a missing permission: this crate reports it as
//! [`crate::AuthReason::Ambiguous`] rather than guess.
//!
//! Binance's spot testnet and demo do not serve `/sapi`, so key inspection works on production
//! keys only. The key in use cannot be revoked or rotated through the API.

mod map;
mod sign;
#[cfg(feature = "testkit")]
pub(crate) mod simulate;
mod wire;

use serde_json::Value;

pub use sign::signature;

use super::common::{as_code, message_of};
use super::venue::{self, Venue};
use super::{Environment, ExchangeId};
use crate::adapter::{Capabilities, Operation, Support};
use crate::error::{AuthReason, ErrorClass, ErrorCode, Result};
use crate::model::KeyInfo;
use crate::transport::answer::decode;
use crate::transport::pipeline::{Conventions, Endpoint};
use crate::transport::signing::{hmac_sha256, push_lower_hex, SigningKey};
use crate::transport::{RateLimit, Request};

/// Receive window sent with every signed request, in ms (Binance's default).
pub const RECV_WINDOW_MS: u32 = 5000;

/// The Binance venue.
#[derive(Debug)]
pub(crate) struct Binance;

const KEY_INFO: Endpoint = Endpoint::read("GET", "/sapi/v1/account/apiRestrictions");
const SERVER_TIME: Endpoint = Endpoint::read("GET", "/api/v3/time");

impl Conventions for Binance {
    fn exchange(&self) -> ExchangeId {
        ExchangeId::Binance
    }

    fn sign(
        &self,
        request: &mut Request,
        key: &SigningKey,
        _: Environment,
        timestamp_ms: i64,
    ) -> Result<()> {
        use std::fmt::Write as _;
        // Numbers and hex need no form encoding: append in place rather than re-encode.
        let query = &mut request.query;
        if !query.is_empty() {
            query.push('&');
        }
        let _ = write!(
            query,
            "recvWindow={RECV_WINDOW_MS}&timestamp={timestamp_ms}"
        );
        let mac = hmac_sha256(key.hmac_key(), &[query.as_bytes(), request.body.as_bytes()]);
        query.push_str("&signature=");
        push_lower_hex(query, &mac);
        request.header("x-mbx-apikey", key.api_key());
        Ok(())
    }

    fn error_in(&self, payload: &Value) -> Option<(String, String)> {
        let code = as_code(payload.get("code")?)?;
        Some((code, message_of(payload, "msg")))
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ERROR_CODES
    }

    fn server_time(&self) -> Option<Endpoint> {
        Some(SERVER_TIME)
    }

    fn server_time_ms(&self, payload: &Value) -> Option<i64> {
        decode::<wire::ServerTime>(payload, "server time")
            .ok()
            .map(|t| t.server_time)
    }

    // Present on every captured answer, though not documented.
    fn request_id_headers(&self) -> &'static [&'static str] {
        &["x-mbx-uuid"]
    }
}

impl Venue for Binance {
    fn sandbox(&self) -> Environment {
        Environment::Testnet
    }

    // apiRestrictions weighs 1 of the 6000 weight an address may spend per minute: a tenth of
    // the budget, the rest stays the caller's.
    fn rate_limit(&self) -> RateLimit {
        RateLimit::per_second(10)
    }

    fn capabilities(&self, environment: Environment) -> Capabilities {
        let inspectable = if environment == Environment::Production {
            Support::Native
        } else {
            Support::Unsupported
        };
        Capabilities {
            key_info: inspectable,
            reports_ip_restriction: Support::Native,
            reports_ip_list: Support::Unsupported,
            reports_created_at: Support::Native,
            reports_trading_expiry: Support::Native,
            reports_enabled: Support::Emulated,
            ..Capabilities::NONE
        }
    }

    fn base_url(&self, environment: Environment) -> Option<&'static str> {
        match environment {
            Environment::Production => Some("https://api.binance.com"),
            Environment::Testnet => Some("https://testnet.binance.vision"),
            Environment::Demo => Some("https://demo-api.binance.com"),
            _ => None,
        }
    }

    fn key_info_endpoint(&self) -> Endpoint {
        KEY_INFO
    }

    fn key_info_unavailable(&self, environment: Environment) -> Option<&'static str> {
        (environment != Environment::Production).then_some(
            "Binance's testnet and demo do not serve /sapi/v1/account/apiRestrictions: inspect the key on binance.com under Account > API Management",
        )
    }

    fn map_key_info(&self, payload: &Value, _: &str) -> std::result::Result<KeyInfo, String> {
        map::map_api_restrictions(wire::ApiRestrictions::read(payload)?)
    }

    fn manual_step(&self, operation: Operation) -> Option<&'static str> {
        Some(match operation {
            Operation::Revoke | Operation::RevokeOwn => {
                "Binance has no API to delete a key: log in to binance.com, open Account > API Management, and delete it there"
            }
            Operation::CreateKey => {
                "Binance creates keys through the API only for broker sub-accounts: create the key on binance.com under Account > API Management, with an IP restriction and without withdrawals"
            }
            Operation::ListKeys => {
                "Binance does not list keys through the API: see binance.com, Account > API Management"
            }
            Operation::UpdateKey | Operation::SetKeyEnabled => {
                "Binance has no API to change a key: on binance.com under Account > API Management, choose Edit restrictions on the key"
            }
            Operation::ResetSecret => {
                "Binance cannot give a key a new secret: create a new key on binance.com under Account > API Management, switch your application to it, then delete the old key"
            }
            _ => return None,
        })
    }

    #[cfg(feature = "testkit")]
    fn simulation(&self) -> crate::exchanges::simulation::Simulation {
        simulate::simulation()
    }
}

const ERRORS_MD: &str = "binance-spot-api-docs errors.md (a5e0bc3, 2026-07-21)";
const LIMITS: &str = "binance-spot-api-docs rest-api.md, \"LIMITS\" (a5e0bc3)";

/// Binance's statuses and codes. Binance answers errors with a 4xx or 5xx status and
/// `{"code": -2015, "msg": "…"}`; a 5xx means the execution status is unknown, so nothing but
/// a read is ever sent again.
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode::status(403, ErrorClass::Rejected, "a WAF rule was violated: a rate limit violation or a security block", LIMITS),
    ErrorCode::status(418, ErrorClass::Banned, "the IP address is auto-banned for sending requests after 429s; bans scale from 2 minutes to 3 days", LIMITS),
    ErrorCode::status(429, ErrorClass::RateLimited, "a request rate limit was broken; Retry-After gives the seconds to wait", LIMITS),
    ErrorCode::code("-1000", ErrorClass::Unavailable, "UNKNOWN: an unknown error occurred while processing the request", ERRORS_MD),
    ErrorCode::code("-1001", ErrorClass::Unavailable, "DISCONNECTED: internal error; unable to process your request. Please try again", ERRORS_MD),
    ErrorCode::code("-1002", ErrorClass::Auth(AuthReason::PermissionDenied), "UNAUTHORIZED: you are not authorized to execute this request", ERRORS_MD),
    ErrorCode::code("-1003", ErrorClass::RateLimited, "TOO_MANY_REQUESTS: too many requests queued, or too much request weight used", ERRORS_MD),
    ErrorCode::code("-1006", ErrorClass::Unavailable, "UNEXPECTED_RESP: an unexpected response from the message bus; execution status unknown", ERRORS_MD),
    ErrorCode::code("-1007", ErrorClass::Unavailable, "TIMEOUT: timeout waiting for response from backend server; send status unknown, execution status unknown (a read may be sent again, a write never)", ERRORS_MD),
    ErrorCode::code("-1008", ErrorClass::Unavailable, "SERVER_BUSY: server is currently overloaded; try again in a few minutes", ERRORS_MD),
    ErrorCode::code("-1015", ErrorClass::RateLimited, "TOO_MANY_ORDERS: too many new orders", ERRORS_MD),
    ErrorCode::code("-1016", ErrorClass::Unavailable, "SERVICE_SHUTTING_DOWN: this service is no longer available (calling again does not help; this crate needs an update)", ERRORS_MD).retryable(false),
    ErrorCode::code("-1021", ErrorClass::Auth(AuthReason::TimestampOutOfWindow), "INVALID_TIMESTAMP: the timestamp is outside the recvWindow, or 1000 ms ahead of the server", ERRORS_MD),
    ErrorCode::code("-1022", ErrorClass::Auth(AuthReason::BadSignature), "INVALID_SIGNATURE: signature for this request is not valid", ERRORS_MD),
    ErrorCode::code("-2008", ErrorClass::Auth(AuthReason::InvalidKey), "Invalid Api-Key ID (futures API; not in the spot error list)", "python-binance issue #1155 (futures testnet answer)"),
    ErrorCode::code("-2014", ErrorClass::Auth(AuthReason::InvalidKey), "BAD_API_KEY_FMT: API-key format invalid", ERRORS_MD),
    ErrorCode::code("-2015", ErrorClass::Auth(AuthReason::Ambiguous), "REJECTED_MBX_KEY: invalid API-key, IP, or permissions for action (one code for an unknown key, a caller outside the allowlist and a missing permission)", ERRORS_MD),
];

/// Maps Binance's `apiRestrictions` answer (as JSON) to a [`KeyInfo`], without any I/O: for
/// callers with a transport of their own. Secret-named fields are scrubbed from `raw`.
pub fn map_key_info(payload: &Value) -> Result<KeyInfo> {
    venue::map_offline(&Binance, payload)
}

//! OKX: `GET /api/v5/account/config`, base64 HMAC-SHA256 signing with a passphrase.
//!
//! What OKX tells about a key: its rights (`read_only`, `trade`, `withdraw`: one trade right
//! covers every product), the bound IP addresses, the label, and whether the account is the
//! master. It reports no key id, creation or expiry date. Demo trading uses the same host with
//! the header `x-simulated-trading: 1` and a key created in demo mode.

mod map;
mod sign;
#[cfg(feature = "testkit")]
pub(crate) mod simulate;
mod wire;

use serde_json::Value;

pub use sign::{signature, timestamp};

use super::common::{as_code, message_of, take_envelope_field};
use super::venue::{self, Venue};
use super::{Environment, ExchangeId};
use crate::adapter::{Capabilities, Operation, Support};
use crate::credentials::Credentials;
use crate::error::{AuthReason, Error, ErrorClass, ErrorCode, Result};
use crate::model::KeyInfo;
use crate::transport::answer::decode;
use crate::transport::pipeline::{Conventions, Endpoint};
use crate::transport::signing::{base64_of_sha256_mac, SigningKey};
use crate::transport::{RateLimit, Request};
use secrecy::ExposeSecret;

/// The OKX venue.
#[derive(Debug)]
pub(crate) struct Okx;

const KEY_INFO: Endpoint = Endpoint::read("GET", "/api/v5/account/config");
const SERVER_TIME: Endpoint = Endpoint::read("GET", "/api/v5/public/time");

impl Conventions for Okx {
    fn exchange(&self) -> ExchangeId {
        ExchangeId::Okx
    }

    fn sign(
        &self,
        request: &mut Request,
        key: &SigningKey,
        environment: Environment,
        timestamp_ms: i64,
    ) -> Result<()> {
        let timestamp = timestamp(timestamp_ms);
        let signature = base64_of_sha256_mac(
            key.hmac_key(),
            &[
                &timestamp,
                request.method.as_str(),
                &request.path_and_query(),
                &request.body,
            ],
        );
        request.header("ok-access-key", key.api_key());
        request.header("ok-access-sign", signature);
        request.header("ok-access-timestamp", timestamp);
        if let Some(passphrase) = key.passphrase() {
            request.header("ok-access-passphrase", passphrase);
        }
        request.header("content-type", "application/json");
        if environment == Environment::Demo {
            request.header("x-simulated-trading", "1");
        }
        Ok(())
    }

    fn error_in(&self, payload: &Value) -> Option<(String, String)> {
        let code = as_code(payload.get("code")?)?;
        (code != "0").then(|| (code, message_of(payload, "msg")))
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ERROR_CODES
    }

    /// `data` holds the configuration of the one key that signed the request. An answer with
    /// several is not one this crate understands: it is refused rather than read as its first.
    fn unwrap_payload(&self, payload: Value) -> std::result::Result<Value, String> {
        match take_envelope_field(payload, "data")? {
            Value::Array(items) if items.len() > 1 => Err(format!(
                "`data` holds {} entries where the configuration of one key was expected",
                items.len()
            )),
            Value::Array(items) => items
                .into_iter()
                .next()
                .ok_or_else(|| "`data` is an empty list".to_owned()),
            _ => Err("`data` is not a list".to_owned()),
        }
    }

    fn server_time(&self) -> Option<Endpoint> {
        Some(SERVER_TIME)
    }

    fn server_time_ms(&self, payload: &Value) -> Option<i64> {
        decode::<wire::ServerTime>(payload, "server time")
            .ok()?
            .ts
            .parse()
            .ok()
    }
}

impl Venue for Okx {
    fn sandbox(&self) -> Environment {
        Environment::Demo
    }

    // account/config allows 5 requests per 2 s per key; this bounds the whole process.
    fn rate_limit(&self) -> RateLimit {
        RateLimit::per_second(20)
    }

    fn capabilities(&self, _: Environment) -> Capabilities {
        Capabilities {
            key_info: Support::Native,
            reports_ip_restriction: Support::Native,
            reports_label: Support::Native,
            reports_ip_list: Support::Native,
            reports_enabled: Support::Emulated,
            reports_account_kind: Support::Native,
            reports_delegation: Support::Native,
            sandbox: Support::Native,
            ..Capabilities::NONE
        }
    }

    fn base_url(&self, environment: Environment) -> Option<&'static str> {
        match environment {
            Environment::Production | Environment::Demo => Some("https://www.okx.com"),
            _ => None,
        }
    }

    fn prepare(&self, credentials: &Credentials) -> Result<SigningKey> {
        match credentials.passphrase() {
            Some(p) if !p.expose_secret().is_empty() => SigningKey::hmac_from(credentials),
            _ => Err(Error::config(
                ExchangeId::Okx,
                "OKX keys need their passphrase: Credentials::with_passphrase or OKX_API_PASSPHRASE",
            )),
        }
    }

    fn key_info_endpoint(&self) -> Endpoint {
        KEY_INFO
    }

    fn map_key_info(&self, payload: &Value, _: &str) -> std::result::Result<KeyInfo, String> {
        let wire: wire::AccountConfig = decode(payload, "account config")?;
        map::map_account_config(wire)
    }

    fn manual_step(&self, operation: Operation) -> Option<&'static str> {
        Some(match operation {
            Operation::Revoke | Operation::RevokeOwn => {
                "OKX has no API to delete the key in use (a master key can delete sub-account keys): log in to okx.com, open Profile > API keys, and delete it there"
            }
            Operation::CreateKey => {
                "OKX creates keys through the API only for sub-accounts, from an IP-bound master key: create it on okx.com under Profile > API keys, bound to your IP addresses, without withdrawals"
            }
            Operation::ListKeys => {
                "OKX lists keys only per sub-account through the API: see okx.com, Profile > API keys"
            }
            _ => return None,
        })
    }

    #[cfg(feature = "testkit")]
    fn simulation(&self) -> crate::exchanges::simulation::Simulation {
        simulate::simulation()
    }
}

const CODES_PAGE: &str =
    "https://www.okx.com/docs-v5/en/#error-code-rest-api-public (doc copy of 2026-07-20)";

/// OKX's codes. OKX answers `{"code": "50111", "msg": "…", "data": []}`, with HTTP 401 for
/// authentication failures and 200 for many others; the code decides.
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode::code("50001", ErrorClass::Unavailable, "Service temporarily unavailable. Please try again later. (HTTP 503)", CODES_PAGE),
    ErrorCode::code("50004", ErrorClass::Unavailable, "API endpoint request timeout; does not mean that the request was successful or failed (a read may be sent again, a write never)", CODES_PAGE),
    ErrorCode::code("50007", ErrorClass::Auth(AuthReason::Disabled), "User blocked.", CODES_PAGE),
    ErrorCode::code("50011", ErrorClass::RateLimited, "Rate limit reached / Too Many Requests (HTTP 200 or 429)", CODES_PAGE),
    ErrorCode::code("50013", ErrorClass::Unavailable, "Systems are busy. Please try again later. (HTTP 429)", CODES_PAGE),
    ErrorCode::code("50026", ErrorClass::Unavailable, "System error. Try again later (HTTP 500)", CODES_PAGE),
    ErrorCode::code("50030", ErrorClass::Auth(AuthReason::PermissionDenied), "You don't have permission to use this API endpoint", CODES_PAGE),
    ErrorCode::code("50035", ErrorClass::Auth(AuthReason::PermissionDenied), "This endpoint requires that APIKey must be bound to IP (HTTP 403)", CODES_PAGE),
    ErrorCode::code("50040", ErrorClass::RateLimited, "Too frequent operations, please try again later", CODES_PAGE),
    ErrorCode::code("50061", ErrorClass::RateLimited, "You've reached the maximum order rate limit for this account (the sub-account rate limit)", CODES_PAGE),
    ErrorCode::code("50100", ErrorClass::Auth(AuthReason::Disabled), "API frozen, please contact customer service.", CODES_PAGE),
    ErrorCode::code("50101", ErrorClass::Auth(AuthReason::WrongEnvironment), "APIKey does not match current environment: a demo-trading key on production, or a production key on demo trading", CODES_PAGE),
    ErrorCode::code("50102", ErrorClass::Auth(AuthReason::TimestampOutOfWindow), "Timestamp request expired (more than 30 s from the server's time)", CODES_PAGE),
    ErrorCode::code("50103", ErrorClass::Auth(AuthReason::InvalidKey), "Request header \"OK-ACCESS-KEY\" cannot be empty.", CODES_PAGE),
    ErrorCode::code("50104", ErrorClass::Auth(AuthReason::BadPassphrase), "Request header \"OK-ACCESS-PASSPHRASE\" cannot be empty.", CODES_PAGE),
    ErrorCode::code("50105", ErrorClass::Auth(AuthReason::BadPassphrase), "Request header \"OK-ACCESS-PASSPHRASE\" incorrect.", CODES_PAGE),
    ErrorCode::code("50106", ErrorClass::Auth(AuthReason::BadSignature), "Request header \"OK-ACCESS-SIGN\" cannot be empty.", CODES_PAGE),
    ErrorCode::code("50107", ErrorClass::Rejected, "Request header \"OK-ACCESS-TIMESTAMP\" cannot be empty (a request this crate built wrongly)", CODES_PAGE),
    ErrorCode::code("50110", ErrorClass::Auth(AuthReason::IpNotAllowed), "Your IP is not included in your API key's IP whitelist.", CODES_PAGE),
    ErrorCode::code("50111", ErrorClass::Auth(AuthReason::InvalidKey), "Invalid OK-ACCESS-KEY.", CODES_PAGE),
    ErrorCode::code("50112", ErrorClass::Rejected, "Invalid OK-ACCESS-TIMESTAMP: the timestamp's format, not the clock (drift is 50102), so no clock correction", CODES_PAGE),
    ErrorCode::code("50113", ErrorClass::Auth(AuthReason::BadSignature), "Invalid signature.", CODES_PAGE),
    ErrorCode::code("50114", ErrorClass::Auth(AuthReason::Ambiguous), "Invalid authorization.", CODES_PAGE),
    ErrorCode::code("50119", ErrorClass::Auth(AuthReason::InvalidKey), "API key doesn't exist", CODES_PAGE),
    ErrorCode::code("50120", ErrorClass::Auth(AuthReason::PermissionDenied), "This API key doesn't have permission to use this function", CODES_PAGE),
    ErrorCode::code("50121", ErrorClass::Auth(AuthReason::IpNotAllowed), "You can't access our services through the IP address (the calling address, or its region, is refused)", CODES_PAGE),
];

/// Maps one element of `data` of OKX's `account/config` answer to a [`KeyInfo`], without any
/// I/O. Secret-named fields are scrubbed from `raw`.
pub fn map_key_info(payload: &Value) -> Result<KeyInfo> {
    venue::map_offline(&Okx, payload)
}

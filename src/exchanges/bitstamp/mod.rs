//! Bitstamp: no key inspection at all, and one management call, the kill switch.
//!
//! Bitstamp's API has no endpoint that describes a key: its permissions, IP whitelist, label
//! and dates live only on bitstamp.net (Settings > API access). [`KeyAdapter::key_info`] is
//! therefore [`Unsupported`](crate::Error::Unsupported) with
//! that reason, and never sends a request; an audit reports the key as not inspected, with the
//! manual step, rather than guessing from a call that happens to work.
//!
//! `POST /api/v2/revoke_all_api_keys/` revokes every API key of the login, on the main account
//! and on every sub-account, the caller's own included
//! (<https://www.bitstamp.net/api/#tag/API-keys>; changelog 2023-09-29, "kill switch"). It is
//! [`KeyAdapter::revoke_all`], behind [`RevokeAllConfirm`]; the breach response offers it last, with a
//! confirmation that says so. Bitstamp cannot revoke, create, change or list one key through
//! the API.
//!
//! Requests are signed with "v2 auth" ([`sign`]): a fresh random UUID as nonce, the time in ms
//! (accepted within 150 s of Bitstamp's clock, which it does not publish: there is no clock to
//! correct).

mod map;
pub mod sign;
#[cfg(feature = "testkit")]
pub(crate) mod simulate;

use async_trait::async_trait;
use serde_json::Value;

use super::common::{as_code, message_of, same_token};
use super::venue::{Venue, VenueAdapter};
use super::{Environment, ExchangeId};
use crate::adapter::{Capabilities, KeyAdapter, Operation, RevokeAllConfirm, RevokedAll, Support};
use crate::error::{AuthReason, ErrorClass, ErrorCode, ErrorContext, Result};
use crate::model::KeyInfo;
use crate::transport::pipeline::{Conventions, Endpoint};
use crate::transport::signing::SigningKey;
use crate::transport::{RateLimit, Request};

/// The Bitstamp venue.
#[derive(Debug)]
pub(crate) struct Bitstamp;

/// The kill switch: revokes every key of every account. Sent once, never again blindly.
const REVOKE_ALL: Endpoint = Endpoint::write("POST", "/api/v2/revoke_all_api_keys/");

/// Bitstamp has no key-information call. The venue contract needs an endpoint to name; this
/// one does not exist and is never sent: `key_info` is refused before any request, and
/// `fetch_key_info` refuses again.
const NO_KEY_INFORMATION: Endpoint = Endpoint::read("GET", "/api/v2/(no key information call)");

impl Conventions for Bitstamp {
    fn exchange(&self) -> ExchangeId {
        ExchangeId::Bitstamp
    }

    fn sign(
        &self,
        request: &mut Request,
        key: &SigningKey,
        _: Environment,
        now_ms: i64,
    ) -> Result<()> {
        let nonce = sign::nonce()?;
        let timestamp = now_ms.to_string();
        let signature = sign::signature(
            key.hmac_key(),
            &sign::Prehash {
                api_key: key.api_key(),
                method: request.method.as_str(),
                path: &request.path,
                query: &request.query,
                nonce: &nonce,
                timestamp_ms: &timestamp,
                body: &request.body,
            },
        );
        request.header("x-auth", format!("BITSTAMP {}", key.api_key()));
        request.header("x-auth-signature", signature);
        request.header("x-auth-nonce", nonce);
        request.header("x-auth-timestamp", timestamp);
        request.header("x-auth-version", "v2");
        // An empty body names no content type, in the header as in the pre-hash (API0020).
        if !request.body.is_empty() {
            request.header("content-type", sign::FORM);
        }
        Ok(())
    }

    /// `{"status": "error", "reason": …, "code": "API0005"}`, `{"error": "…"}` (older calls),
    /// and a `response_code` such as `400.002` (rate limit) on either.
    fn error_in(&self, payload: &Value) -> Option<(String, String)> {
        let failed = payload
            .get("status")
            .and_then(Value::as_str)
            .is_some_and(|status| same_token(status, "error"));
        let code = ["code", "response_code"]
            .iter()
            .find_map(|field| payload.get(*field).and_then(as_code))
            .filter(|code| !code.trim().is_empty());
        if failed {
            let code = code.unwrap_or_else(|| "error".to_owned());
            return Some((code, message_of(payload, "reason")));
        }
        if payload.get("error").is_some() {
            let code = code.unwrap_or_else(|| "error".to_owned());
            return Some((code, message_of(payload, "error")));
        }
        None
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ERROR_CODES
    }

    fn unwrap_payload(&self, payload: Value) -> std::result::Result<Value, String> {
        match payload {
            object @ Value::Object(_) => Ok(object),
            _ => Err("answer is not a JSON object".to_owned()),
        }
    }

    // Bitstamp publishes no time call; its 150 s window is left to the system clock.
    fn server_time(&self) -> Option<Endpoint> {
        None
    }

    fn server_time_ms(&self, _: &Value) -> Option<i64> {
        None
    }
}

#[async_trait]
impl Venue for Bitstamp {
    fn sandbox(&self) -> Environment {
        Environment::Production
    }

    // Bitstamp allows 400 requests a second and 10,000 per 10 minutes by default (API docs,
    // "Request limits"): 10 a second stays inside the second figure.
    fn rate_limit(&self) -> RateLimit {
        RateLimit::per_second(10)
    }

    fn capabilities(&self, _: Environment) -> Capabilities {
        Capabilities {
            revoke_all: Support::Native,
            ..Capabilities::NONE
        }
    }

    // sandbox.bitstamp.net exists, but whether its kill switch works is not documented: no
    // sandbox is claimed.
    fn base_url(&self, environment: Environment) -> Option<&'static str> {
        (environment == Environment::Production).then_some("https://www.bitstamp.net")
    }

    fn key_info_endpoint(&self) -> Endpoint {
        NO_KEY_INFORMATION
    }

    async fn fetch_key_info(&self, adapter: &VenueAdapter) -> Result<(Value, ErrorContext)> {
        Err(adapter.unsupported(Operation::KeyInfo))
    }

    fn map_key_info(&self, _: &Value, _: &str) -> std::result::Result<KeyInfo, String> {
        Err("Bitstamp's API has no answer that describes a key".to_owned())
    }

    fn manual_step(&self, operation: Operation) -> Option<&'static str> {
        Some(match operation {
            Operation::KeyInfo => {
                "Bitstamp's API has no endpoint that describes a key: log in to bitstamp.net, open Settings > API access, and read the key's permissions (withdrawal must be off) and IP whitelist there"
            }
            Operation::Revoke | Operation::RevokeOwn => {
                "Bitstamp cannot revoke one key through the API: log in to bitstamp.net, open Settings > API access, and delete it there (the API's only revocation, revoke_all, kills every key on every account)"
            }
            Operation::CreateKey => {
                "Bitstamp has no API to create a key: create it on bitstamp.net under Settings > API access, without withdrawal permissions and with an IP whitelist"
            }
            Operation::ListKeys => {
                "Bitstamp does not list keys through the API: see bitstamp.net, Settings > API access"
            }
            Operation::UpdateKey | Operation::SetKeyEnabled => {
                "Bitstamp has no API to change a key: on bitstamp.net under Settings > API access, edit or delete it there"
            }
            Operation::ResetSecret => {
                "Bitstamp cannot give a key a new secret: create a new key on bitstamp.net under Settings > API access, switch your application to it, then delete the old key"
            }
            _ => return None,
        })
    }

    async fn revoke_all(&self, adapter: &VenueAdapter, _: RevokeAllConfirm) -> Result<RevokedAll> {
        let (payload, context) = adapter
            .call(&REVOKE_ALL, String::new(), String::new())
            .await?;
        map::revoked_all(&payload).map_err(|what| REVOKE_ALL.unclear(
            ExchangeId::Bitstamp,
            format!(
                "{what}: whether every key was revoked is not shown; look at bitstamp.net, Settings > API access",
            ),
            context,
        ))
    }

    #[cfg(feature = "testkit")]
    fn simulation(&self) -> crate::exchanges::simulation::Simulation {
        simulate::simulation()
    }
}

const DOCS: &str = "https://www.bitstamp.net/api/#section/Authentication (error table)";
const CODES: &str = "https://www.bitstamp.net/api/#section/Response-codes";
const CCXT: &str = "ccxt bitstamp.py exceptions";

/// Bitstamp's codes: the `code` of its authentication errors and the `response_code` of the
/// others.
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode::code(
        "API0001",
        ErrorClass::Auth(AuthReason::InvalidKey),
        "API key not found",
        DOCS,
    ),
    ErrorCode::code(
        "API0002",
        ErrorClass::Auth(AuthReason::IpNotAllowed),
        "IP address not allowed",
        DOCS,
    ),
    ErrorCode::code(
        "API0003",
        ErrorClass::Auth(AuthReason::PermissionDenied),
        "No permission found",
        DOCS,
    ),
    ErrorCode::code(
        "API0004",
        ErrorClass::Rejected,
        "Invalid nonce: used in the last 300 s",
        DOCS,
    ),
    ErrorCode::code(
        "API0005",
        ErrorClass::Auth(AuthReason::BadSignature),
        "Invalid signature",
        DOCS,
    ),
    ErrorCode::code(
        "API0006",
        ErrorClass::Auth(AuthReason::Disabled),
        "Your account is frozen",
        DOCS,
    ),
    ErrorCode::code(
        "API0008",
        ErrorClass::Auth(AuthReason::Ambiguous),
        "Authentication failed",
        DOCS,
    ),
    ErrorCode::code("API0010", ErrorClass::Rejected, "Invalid version", DOCS),
    ErrorCode::code(
        "API0011",
        ErrorClass::Auth(AuthReason::InvalidKey),
        "Wrong API key format",
        DOCS,
    ),
    ErrorCode::code(
        "API0012",
        ErrorClass::Rejected,
        "X-Auth header is required",
        DOCS,
    ),
    ErrorCode::code(
        "API0013",
        ErrorClass::Rejected,
        "X-Auth-Signature header is required",
        DOCS,
    ),
    ErrorCode::code(
        "API0014",
        ErrorClass::Rejected,
        "X-Auth-Nonce header is required",
        DOCS,
    ),
    ErrorCode::code(
        "API0015",
        ErrorClass::Rejected,
        "X-Auth-Timestamp header is required",
        DOCS,
    ),
    ErrorCode::code(
        "API0016",
        ErrorClass::Rejected,
        "X-Auth-Version header is required",
        DOCS,
    ),
    ErrorCode::code(
        "API0017",
        ErrorClass::Auth(AuthReason::TimestampOutOfWindow),
        "X-Auth-Timestamp header is out of boundaries (150 s)",
        DOCS,
    ),
    ErrorCode::code(
        "API0018",
        ErrorClass::Auth(AuthReason::TimestampOutOfWindow),
        "X-Auth-Timestamp header is invalid",
        DOCS,
    ),
    ErrorCode::code(
        "API0020",
        ErrorClass::Rejected,
        "Content-Type header should not be present",
        DOCS,
    ),
    ErrorCode::code(
        "400.002",
        ErrorClass::RateLimited,
        "Request rejected due to exceeded rate limit",
        CODES,
    ),
    ErrorCode::code(
        "400.067",
        ErrorClass::RateLimited,
        "client rate limit exceeded",
        CODES,
    ),
    ErrorCode::code(
        "error",
        ErrorClass::Rejected,
        "a refusal without a code (the older `{\"error\": …}` form)",
        CCXT,
    ),
    ErrorCode::status(
        403,
        ErrorClass::Auth(AuthReason::Ambiguous),
        "authentication refused",
        CCXT,
    ),
    ErrorCode::status(429, ErrorClass::RateLimited, "too many requests", CODES),
    ErrorCode::status(
        503,
        ErrorClass::Unavailable,
        "the service is unavailable",
        CCXT,
    ),
];

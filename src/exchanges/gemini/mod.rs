//! Gemini: `POST /v1/roles`, HMAC-SHA384 over a base64 JSON payload carried in a header.
//!
//! What Gemini tells about a key: its roles only (Auditor, Trader, Fund Manager, and on master
//! keys Administrator). It reports no allowlist, no dates, no label and no id, so those stay
//! `NotReported` and an audit calls them unknown. Gemini has no API to create, list, change or
//! delete keys: every management operation is a manual step on exchange.gemini.com (Settings >
//! API). `.testnet(true)` selects the sandbox, `api.sandbox.gemini.com`, whose keys are its own.
//!
//! Every private call is a `POST` with an empty body; the path and the nonce travel in the
//! `X-GEMINI-PAYLOAD` header. The nonce is the clock in ms, or one more than the last nonce this
//! process sent with the key: Gemini accepts a time-based nonce within 30 s of its clock, or a
//! strictly increasing one. Gemini has no time endpoint, so there is no clock to correct.

mod map;
mod sign;
#[cfg(feature = "testkit")]
pub(crate) mod simulate;
mod wire;

use serde_json::Value;

pub use sign::{encoded_payload, signature};

use super::common::{as_code, message_of, next_nonce, same_token};
use super::venue::{self, Venue};
use super::{Environment, ExchangeId};
use crate::adapter::{Capabilities, Operation, Support};
use crate::error::{AuthReason, ErrorClass, ErrorCode, Result};
use crate::model::KeyInfo;
use crate::transport::answer::decode;
use crate::transport::pipeline::{Conventions, Endpoint};
use crate::transport::signing::SigningKey;
use crate::transport::{RateLimit, Request};

/// The Gemini venue.
#[derive(Debug)]
pub(crate) struct Gemini;

/// A read, though a POST: safe to send again (with a new nonce).
const ROLES: Endpoint = Endpoint::read("POST", "/v1/roles");

impl Conventions for Gemini {
    fn exchange(&self) -> ExchangeId {
        ExchangeId::Gemini
    }

    fn sign(
        &self,
        request: &mut Request,
        key: &SigningKey,
        _: Environment,
        now_ms: i64,
    ) -> Result<()> {
        let nonce = next_nonce(
            ExchangeId::Gemini,
            key.api_key(),
            u64::try_from(now_ms).unwrap_or(0),
        );
        let mut payload = serde_json::Map::new();
        payload.insert("request".into(), Value::String(request.path.to_string()));
        payload.insert("nonce".into(), Value::from(nonce));
        // Parameters of the call ride in the payload too; `request` and `nonce` are the signer's.
        if let Ok(Value::Object(params)) = serde_json::from_str::<Value>(&request.body) {
            for (name, value) in params {
                payload.entry(name).or_insert(value);
            }
        }
        let encoded = encoded_payload(&Value::Object(payload).to_string());
        let signature = signature(key.hmac_key(), &encoded);
        request.body = String::new();
        request.header("x-gemini-apikey", key.api_key());
        request.header("x-gemini-payload", encoded);
        request.header("x-gemini-signature", signature);
        request.header("content-type", "text/plain");
        request.header("cache-control", "no-cache");
        Ok(())
    }

    /// Gemini's errors are `{"result": "error", "reason": "<Reason>", "message": "<text>"}`.
    fn error_in(&self, payload: &Value) -> Option<(String, String)> {
        let result = payload.get("result")?;
        if !result.as_str().is_some_and(|r| same_token(r, "error")) {
            return None;
        }
        let reason = payload
            .get("reason")
            .and_then(as_code)
            .filter(|r| !r.trim().is_empty())
            .unwrap_or_else(|| "error".to_owned());
        Some((reason, message_of(payload, "message")))
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

    fn server_time(&self) -> Option<Endpoint> {
        None
    }

    fn server_time_ms(&self, _: &Value) -> Option<i64> {
        None
    }
}

impl Venue for Gemini {
    fn sandbox(&self) -> Environment {
        Environment::Testnet
    }

    // ccxt assumes 600 private requests a minute (gemini.py `rateLimit`; Gemini's own figure was
    // not confirmed): half of that bounds what one process sends.
    fn rate_limit(&self) -> RateLimit {
        RateLimit::per_second(5)
    }

    fn capabilities(&self, _: Environment) -> Capabilities {
        Capabilities {
            key_info: Support::Native,
            reports_enabled: Support::Emulated,
            sandbox: Support::Native,
            ..Capabilities::NONE
        }
    }

    fn base_url(&self, environment: Environment) -> Option<&'static str> {
        match environment {
            Environment::Production => Some("https://api.gemini.com"),
            Environment::Testnet => Some("https://api.sandbox.gemini.com"),
            _ => None,
        }
    }

    fn key_info_endpoint(&self) -> Endpoint {
        ROLES
    }

    fn map_key_info(&self, payload: &Value, api_key: &str) -> std::result::Result<KeyInfo, String> {
        let wire: wire::Roles = decode(payload, "roles answer")?;
        map::map_roles(wire, payload, api_key)
    }

    fn manual_step(&self, operation: Operation) -> Option<&'static str> {
        Some(match operation {
            Operation::Revoke | Operation::RevokeOwn => {
                "Gemini has no API to delete a key: log in to exchange.gemini.com, open Settings > API, and remove it there"
            }
            Operation::CreateKey => {
                "Gemini has no API to create a key: create it on exchange.gemini.com under Settings > API, with the Auditor or Trader role only, never Fund Manager, and an IP allowlist"
            }
            Operation::ListKeys => {
                "Gemini does not list keys through the API: see exchange.gemini.com, Settings > API"
            }
            Operation::UpdateKey | Operation::SetKeyEnabled => {
                "Gemini has no API to change a key: on exchange.gemini.com under Settings > API, edit its roles and allowed addresses there"
            }
            Operation::ResetSecret => {
                "Gemini cannot give a key a new secret: create a new key on exchange.gemini.com under Settings > API, switch your application to it, then remove the old key"
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
    "https://docs.gemini.com/rest-api/#error-codes (as listed in ccxt gemini.py `exceptions`)";
const OPENAPI: &str =
    "api-evangelist/gemini-trust openapi/gemini-trust-account-administration-api-openapi.yml";

/// Gemini's codes: the `reason` of its error body, and the HTTP statuses it documents.
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode::code("InvalidSignature", ErrorClass::Auth(AuthReason::BadSignature), "Invalid signature for this request", OPENAPI),
    ErrorCode::code("InvalidApiKey", ErrorClass::Auth(AuthReason::InvalidKey), "the key is not known to Gemini (wrong environment, removed, or mistyped)", "ccxt gemini.py exceptions (InvalidApiKey: AuthenticationError)"),
    ErrorCode::code("MissingRole", ErrorClass::Auth(AuthReason::PermissionDenied), "The API key used to access this endpoint does not have the required role assigned to it", "https://docs.gemini.com/roles"),
    ErrorCode::code("ApiKeyIpFilteringFailure", ErrorClass::Auth(AuthReason::IpNotAllowed), "ApiKey fails IP Filtering Check for some accounts", OPENAPI),
    ErrorCode::code("RemoteAddressForbidden", ErrorClass::Auth(AuthReason::IpNotAllowed), "the calling address is not allowed for this key (named in a summary of Gemini's docs; not confirmed)", "shared/reference set 2 §3.5 (UNVERIFIED)"),
    ErrorCode::code("InvalidNonce", ErrorClass::Rejected, "The nonce was not greater than the previously used nonce, or was not present (or, for a time-based nonce, not within 30 s of Gemini's clock)", ERRORS),
    ErrorCode::code("BadNonce", ErrorClass::Rejected, "Out-of-sequence nonce: it precedes a nonce already used with the key", "ccxt gemini.py sign() comment"),
    ErrorCode::code("MissingApikeyHeader", ErrorClass::Rejected, "The X-GEMINI-APIKEY header was missing", ERRORS),
    ErrorCode::code("MissingPayloadHeader", ErrorClass::Rejected, "The X-GEMINI-PAYLOAD header was missing", ERRORS),
    ErrorCode::code("MissingSignatureHeader", ErrorClass::Rejected, "The X-GEMINI-SIGNATURE header was missing", ERRORS),
    ErrorCode::code("EndpointMismatch", ErrorClass::Rejected, "The request was submitted to an endpoint different than the one in the payload", ERRORS),
    ErrorCode::code("InvalidJson", ErrorClass::Rejected, "The JSON provided is invalid", ERRORS),
    ErrorCode::code("RateLimit", ErrorClass::RateLimited, "Requests were made too frequently", ERRORS),
    ErrorCode::code("Maintenance", ErrorClass::Unavailable, "The system is down for maintenance", ERRORS),
    ErrorCode::code("System", ErrorClass::Unavailable, "We are experiencing technical issues", ERRORS),
    ErrorCode::status(429, ErrorClass::RateLimited, "Rate Limiting was applied", ERRORS),
    ErrorCode::status(502, ErrorClass::Unavailable, "Technical issues are preventing the request from being satisfied", ERRORS),
    ErrorCode::status(503, ErrorClass::Unavailable, "The exchange is down for maintenance", ERRORS),
];

/// Maps Gemini's `/v1/roles` answer to a [`KeyInfo`], without any I/O.
pub fn map_key_info(payload: &Value) -> Result<KeyInfo> {
    venue::map_offline(&Gemini, payload)
}

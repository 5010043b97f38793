//! Bitfinex (API v2): `POST /v2/auth/r/permissions`, HMAC-SHA384 over the path, a nonce and the
//! body.
//!
//! What Bitfinex tells about a key: READ and WRITE for each of its scopes, nothing else. It
//! reports no allowlist, no dates, no label and no id, so those stay `NotReported` and an audit
//! calls them unknown. Bitfinex has no API to create, list, change or delete keys (it only
//! mints short-lived auth tokens): every management operation is a manual step on bitfinex.com
//! (Account > API Keys). It has no sandbox: paper trading runs on production with a paper
//! sub-account's key.
//!
//! Authentication is by nonce, not by time, so there is no clock to correct. The nonce is the
//! clock in µs, as Bitfinex's own examples send it, or one more than the last nonce this
//! process sent with the key: once any program has used a larger nonce with a key, smaller
//! ones fail for good (`10114 nonce: small`), so give each program its own key.

mod map;
mod sign;
#[cfg(feature = "testkit")]
pub(crate) mod simulate;

use serde_json::Value;

pub use sign::signature;

use super::common::{as_code, next_nonce, same_token};
use super::venue::{self, Venue};
use super::{Environment, ExchangeId};
use crate::adapter::{Capabilities, Operation, Support};
use crate::error::{AuthReason, ErrorClass, ErrorCode, Result};
use crate::model::KeyInfo;
use crate::transport::pipeline::{Conventions, Endpoint};
use crate::transport::signing::SigningKey;
use crate::transport::{RateLimit, Request};

/// The Bitfinex venue.
#[derive(Debug)]
pub(crate) struct Bitfinex;

/// A read, though a POST: safe to send again (with a new nonce).
const PERMISSIONS: Endpoint = Endpoint::read("POST", "/v2/auth/r/permissions");

impl Conventions for Bitfinex {
    fn exchange(&self) -> ExchangeId {
        ExchangeId::Bitfinex
    }

    fn sign(
        &self,
        request: &mut Request,
        key: &SigningKey,
        _: Environment,
        now_ms: i64,
    ) -> Result<()> {
        let micros = u64::try_from(now_ms).unwrap_or(0).saturating_mul(1000);
        let nonce = next_nonce(ExchangeId::Bitfinex, key.api_key(), micros).to_string();
        if request.body.trim().is_empty() {
            request.body = "{}".to_owned();
        }
        let signature = signature(key.hmac_key(), &request.path, &nonce, &request.body);
        request.header("bfx-nonce", nonce);
        request.header("bfx-apikey", key.api_key());
        request.header("bfx-signature", signature);
        request.header("content-type", "application/json");
        Ok(())
    }

    /// Bitfinex answers errors as `["error", <code>, "<message>"]` (HTTP 500 for most), and a
    /// few as an object, `{"code": 503, "error": "temporarily_unavailable", ...}`.
    fn error_in(&self, payload: &Value) -> Option<(String, String)> {
        match payload {
            Value::Array(items) => {
                let first = items.first()?.as_str()?;
                if !same_token(first, "error") {
                    return None;
                }
                let code = items
                    .get(1)
                    .and_then(as_code)
                    .filter(|c| !c.trim().is_empty())
                    .unwrap_or_else(|| "error".to_owned());
                let message = items
                    .get(2)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                Some((code, message))
            }
            Value::Object(fields) => {
                let error = fields.get("error")?;
                let code = as_code(error)
                    .filter(|c| !c.trim().is_empty())
                    .unwrap_or_else(|| "error".to_owned());
                let message = fields
                    .get("error_description")
                    .or_else(|| fields.get("message"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                Some((code, message))
            }
            _ => None,
        }
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ERROR_CODES
    }

    fn unwrap_payload(&self, payload: Value) -> std::result::Result<Value, String> {
        match payload {
            list @ Value::Array(_) => Ok(list),
            _ => Err("answer is not a list of permissions".to_owned()),
        }
    }

    fn server_time(&self) -> Option<Endpoint> {
        None
    }

    fn server_time_ms(&self, _: &Value) -> Option<i64> {
        None
    }
}

impl Venue for Bitfinex {
    fn sandbox(&self) -> Environment {
        Environment::Production
    }

    // The permissions call allows 90 requests a minute
    // (https://docs.bitfinex.com/reference/key-permissions).
    fn rate_limit(&self) -> RateLimit {
        RateLimit::new(90, std::time::Duration::from_secs(60))
    }

    fn capabilities(&self, _: Environment) -> Capabilities {
        Capabilities {
            key_info: Support::Native,
            reports_enabled: Support::Emulated,
            ..Capabilities::NONE
        }
    }

    fn base_url(&self, environment: Environment) -> Option<&'static str> {
        (environment == Environment::Production).then_some("https://api.bitfinex.com")
    }

    fn key_info_endpoint(&self) -> Endpoint {
        PERMISSIONS
    }

    fn key_info_request(&self) -> (String, String) {
        (String::new(), "{}".to_owned())
    }

    fn map_key_info(&self, payload: &Value, _: &str) -> std::result::Result<KeyInfo, String> {
        map::map_permissions(payload)
    }

    fn manual_step(&self, operation: Operation) -> Option<&'static str> {
        Some(match operation {
            Operation::Revoke | Operation::RevokeOwn => {
                "Bitfinex has no API to delete a key: log in to bitfinex.com, open Account > API Keys, and revoke it there"
            }
            Operation::CreateKey => {
                "Bitfinex has no API to create a key: create it on bitfinex.com under Account > API Keys, without the Withdraw and wallet-transfer write permissions, and with an IP allowlist"
            }
            Operation::ListKeys => {
                "Bitfinex does not list keys through the API: see bitfinex.com, Account > API Keys"
            }
            Operation::UpdateKey | Operation::SetKeyEnabled => {
                "Bitfinex has no API to change a key: on bitfinex.com under Account > API Keys, edit its permissions and IP access there"
            }
            Operation::ResetSecret => {
                "Bitfinex cannot give a key a new secret: create a new key on bitfinex.com under Account > API Keys, switch your application to it, then revoke the old key"
            }
            _ => return None,
        })
    }

    #[cfg(feature = "testkit")]
    fn simulation(&self) -> crate::exchanges::simulation::Simulation {
        simulate::simulation()
    }
}

const CCXT: &str = "ccxt bitfinex.py `exceptions` (exact codes)";

/// Bitfinex's codes: the second element of its `["error", code, message]` answers.
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode::code("10100", ErrorClass::Auth(AuthReason::Ambiguous), "apikey: invalid (an unknown key or a bad signature alike, and possibly a calling address the key does not allow)", "bitfinexcom/bitfinex-api-node issues #587, #217; ccxt bitfinex.py"),
    ErrorCode::code("10114", ErrorClass::Rejected, "nonce: small (a nonce not above the last this key accepted: another program may sign with larger nonces)", CCXT),
    ErrorCode::code("10001", ErrorClass::Auth(AuthReason::PermissionDenied), "api_key: permission invalid (Bitfinex's generic code, sent with this message when the key lacks the permission)", CCXT),
    ErrorCode::code("10020", ErrorClass::Rejected, "request invalid (malformed parameters)", CCXT),
    ErrorCode::code("11010", ErrorClass::RateLimited, "ratelimit: error", "ccxt bitfinex.py handle_errors; https://docs.bitfinex.com/docs/requirements-and-limitations"),
    ErrorCode::code("20060", ErrorClass::Unavailable, "maintenance", CCXT),
    ErrorCode::code("temporarily_unavailable", ErrorClass::Unavailable, "Sorry, the service is temporarily unavailable", CCXT),
    ErrorCode::status(429, ErrorClass::RateLimited, "too many requests", "https://docs.bitfinex.com/docs/requirements-and-limitations"),
];

/// Maps Bitfinex's `/v2/auth/r/permissions` answer to a [`KeyInfo`], without any I/O.
pub fn map_key_info(payload: &Value) -> Result<KeyInfo> {
    venue::map_offline(&Bitfinex, payload)
}

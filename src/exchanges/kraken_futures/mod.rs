//! Kraken Futures: `GET https://futures.kraken.com/api/auth/v1/api-keys/v3/check`, signed with
//! `APIKey`, `Authent` (HMAC-SHA512 with the base64 secret) and a `Nonce`.
//!
//! What Kraken Futures tells about a key: its public key, creation time, two access levels
//! (`general` and `transfer`, each no access, read-only or full access) and its IP ranges
//! (`allowedCidrBlocks`). No label, expiry, last use or enabled flag. Kraken Futures has no API
//! to create, list or delete keys: they live on futures.kraken.com, Settings > API keys. The
//! secret is base64: it is decoded, and refused if it is not, when the adapter is built.
//!
//! Kraken Futures keys are not Kraken spot keys: each platform has its own (see
//! [`super::kraken`] for spot).

mod map;
mod sign;
#[cfg(feature = "testkit")]
pub(crate) mod simulate;
mod wire;

use serde_json::Value;

pub use sign::authent;

use super::common::{as_code, message_of, next_nonce};
use super::venue::{self, Venue};
use super::{Environment, ExchangeId};
use crate::adapter::{Capabilities, Operation, Support};
use crate::credentials::Credentials;
use crate::error::{AuthReason, Error, ErrorClass, ErrorCode, Result};
use crate::model::KeyInfo;
use crate::transport::answer::decode;
use crate::transport::pipeline::{Conventions, Endpoint};
use crate::transport::signing::SigningKey;
use crate::transport::{RateLimit, Request};
use secrecy::ExposeSecret;

/// The Kraken Futures venue.
#[derive(Debug)]
pub(crate) struct KrakenFutures;

const KEY_INFO: Endpoint = Endpoint::read("GET", "/api/auth/v1/api-keys/v3/check");

impl Conventions for KrakenFutures {
    fn exchange(&self) -> ExchangeId {
        ExchangeId::KrakenFutures
    }

    fn sign(
        &self,
        request: &mut Request,
        key: &SigningKey,
        _: Environment,
        now_ms: i64,
    ) -> Result<()> {
        let nonce = next_nonce(
            ExchangeId::KrakenFutures,
            key.api_key(),
            u64::try_from(now_ms).unwrap_or(0),
        )
        .to_string();
        // postData is the form-encoded arguments: the query of a GET, the body of a POST.
        let post_data = if request.body.is_empty() {
            request.query.as_str()
        } else {
            request.body.as_str()
        };
        let authent = authent(key.hmac_key(), post_data, &nonce, &request.path);
        request.header("apikey", key.api_key());
        request.header("authent", authent);
        request.header("nonce", nonce);
        Ok(())
    }

    /// The auth service answers `{"error": "…", "message": "…", "suberror": …}`; the
    /// derivatives API `{"result": "error", "error": "…"}`. A key-check answer has no `error`.
    fn error_in(&self, payload: &Value) -> Option<(String, String)> {
        let code = as_code(payload.get("error")?).filter(|c| !c.trim().is_empty())?;
        Some((code, message_of(payload, "message")))
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ERROR_CODES
    }

    // Authentication is by nonce, not by a time window: no clock to correct.
    fn server_time(&self) -> Option<Endpoint> {
        None
    }

    fn server_time_ms(&self, payload: &Value) -> Option<i64> {
        let text = payload.get("serverTime")?.as_str()?;
        chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|at| at.timestamp_millis())
    }
}

impl Venue for KrakenFutures {
    fn sandbox(&self) -> Environment {
        Environment::Production
    }

    // Kraken Futures budgets 500 cost units per 10 s for /derivatives; the auth service
    // publishes no limit of its own, so this stays well inside.
    fn rate_limit(&self) -> RateLimit {
        RateLimit::per_second(5)
    }

    fn capabilities(&self, _: Environment) -> Capabilities {
        Capabilities {
            key_info: Support::Native,
            reports_key_id: Support::Native,
            reports_ip_restriction: Support::Native,
            reports_ip_list: Support::Native,
            reports_created_at: Support::Native,
            reports_enabled: Support::Emulated,
            ..Capabilities::NONE
        }
    }

    // demo-futures.kraken.com exists, but whether it serves the auth service's key check is
    // not documented: no sandbox is claimed.
    fn base_url(&self, environment: Environment) -> Option<&'static str> {
        (environment == Environment::Production).then_some("https://futures.kraken.com")
    }

    fn prepare(&self, credentials: &Credentials) -> Result<SigningKey> {
        let secret =
            sign::decode_secret(credentials.secret().expose_secret()).ok_or_else(|| {
                Error::config(
                    ExchangeId::KrakenFutures,
                    "the secret is not base64, as every Kraken Futures API secret is (KRAKEN_FUTURES_API_SECRET)",
                )
            })?;
        Ok(SigningKey::hmac(credentials.api_key(), secret, None))
    }

    fn key_info_endpoint(&self) -> Endpoint {
        KEY_INFO
    }

    fn map_key_info(&self, payload: &Value, _: &str) -> std::result::Result<KeyInfo, String> {
        let wire: wire::CheckedApiKey = decode(payload, "api-keys/v3/check answer")?;
        map::map_checked_key(wire)
    }

    fn manual_step(&self, operation: Operation) -> Option<&'static str> {
        Some(match operation {
            Operation::Revoke | Operation::RevokeOwn => {
                "Kraken Futures has no API to delete a key: log in to futures.kraken.com, open Settings > API keys, and delete it there"
            }
            Operation::CreateKey => {
                "Kraken Futures has no API to create a key: create it on futures.kraken.com under Settings > API keys, with an IP allowlist and the Withdrawal API at No access"
            }
            Operation::ListKeys => {
                "Kraken Futures does not list keys through the API: see futures.kraken.com, Settings > API keys"
            }
            Operation::UpdateKey | Operation::SetKeyEnabled => {
                "Kraken Futures has no API to change a key: on futures.kraken.com under Settings > API keys, delete it and create one with the access levels and IP ranges you want"
            }
            Operation::ResetSecret => {
                "Kraken Futures cannot give a key a new secret: create a new key on futures.kraken.com under Settings > API keys, switch your application to it, then delete the old key"
            }
            Operation::KeyInfo => {
                "check the key's label and expiry on futures.kraken.com under Settings > API keys: the API does not report them"
            }
            #[allow(unreachable_patterns)]
            _ => return None,
        })
    }

    #[cfg(feature = "testkit")]
    fn simulation(&self) -> crate::exchanges::simulation::Simulation {
        simulate::simulation()
    }
}

const CHECK: &str = "https://docs.kraken.com/api-reference/api-keys/check-v3-api-key";
const CCXT: &str = "ccxt krakenfutures.py exceptions";

/// Kraken Futures' statuses and codes.
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode::status(401, ErrorClass::Auth(AuthReason::Ambiguous), "API key is not found or request signature is invalid (Kraken documents no error of its own for a calling address outside the key's ranges: it may be this one)", CHECK),
    ErrorCode::code("authenticationError", ErrorClass::Auth(AuthReason::Ambiguous), "the key, its signature or the calling address was refused", CCXT),
    ErrorCode::code("nonceBelowThreshold", ErrorClass::Rejected, "the nonce is below the key's last one (another program may sign with larger nonces)", CCXT),
    ErrorCode::code("nonceDuplicate", ErrorClass::Rejected, "the nonce was used already", CCXT),
    ErrorCode::code("apiLimitExceeded", ErrorClass::RateLimited, "the key's or address's request budget is spent", "https://support.kraken.com/hc/en-us/articles/360022635732"),
    ErrorCode::code("unavailable", ErrorClass::Unavailable, "the service is unavailable", CCXT),
    ErrorCode::code("invalidArgument", ErrorClass::Rejected, "an argument is invalid", CCXT),
    ErrorCode::code("requiredArgumentMissing", ErrorClass::Rejected, "a required argument is missing", CCXT),
];

/// Maps Kraken Futures' `api-keys/v3/check` answer to a [`KeyInfo`], without any I/O.
pub fn map_key_info(payload: &Value) -> Result<KeyInfo> {
    venue::map_offline(&KrakenFutures, payload)
}

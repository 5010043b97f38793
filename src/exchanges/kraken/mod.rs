//! Kraken (spot): `POST /0/private/GetApiKeyInfo`, HMAC-SHA512 signing with a base64 secret and
//! a nonce.
//!
//! What Kraken tells about a key: its name, public key, permissions (13 documented settings),
//! IP allowlist, creation time, expiry (`validUntil`) and last use. A key with "Funds -
//! Query" can move funds between its own spot and futures wallets (`WalletTransfer` needs
//! nothing more): such a key is not read-only. Kraken has no API to create, list or delete
//! keys, and no sandbox for spot. The secret is base64: it is decoded, and refused if it is
//! not, when the adapter is built. A key with a 2FA password takes it as the passphrase
//! (`Credentials::with_passphrase`, `KRAKEN_API_PASSPHRASE`), sent as `otp`.
//!
//! Authentication is by nonce, not by time, so there is no clock to correct; the nonce is
//! the clock in ms or one more than the last one this process sent with the key. A key
//! another program uses with larger nonces (microseconds) is refused with `EAPI:Invalid nonce`:
//! give each program its own key.

mod map;
mod sign;
#[cfg(feature = "testkit")]
pub(crate) mod simulate;
mod wire;

use serde_json::Value;

pub use sign::signature;

use super::common::{as_code, next_nonce, take_envelope_field};
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

/// The Kraken spot venue.
#[derive(Debug)]
pub(crate) struct Kraken;

/// A read, though a POST: safe to send again (with a new nonce).
const KEY_INFO: Endpoint = Endpoint::read("POST", "/0/private/GetApiKeyInfo");

impl Conventions for Kraken {
    fn exchange(&self) -> ExchangeId {
        ExchangeId::Kraken
    }

    fn sign(
        &self,
        request: &mut Request,
        key: &SigningKey,
        _: Environment,
        now_ms: i64,
    ) -> Result<()> {
        let nonce = next_nonce(
            ExchangeId::Kraken,
            key.api_key(),
            u64::try_from(now_ms).unwrap_or(0),
        )
        .to_string();
        let mut body = serde_json::Map::new();
        body.insert("nonce".into(), Value::String(nonce.clone()));
        if let Some(otp) = key.passphrase() {
            body.insert("otp".into(), Value::String(otp.to_owned()));
        }
        request.body = Value::Object(body).to_string();
        let signature = signature(key.hmac_key(), &request.path, &nonce, &request.body);
        request.header("api-key", key.api_key());
        request.header("api-sign", signature);
        request.header("content-type", "application/json");
        Ok(())
    }

    /// Kraken answers errors with HTTP 200 and a list of `E…` strings; `W…` entries are
    /// warnings beside a result.
    /// An `error` that is not a list (a lone string, an object) is an error too, never a
    /// success: an answer that may be refusing is not read as key information.
    fn error_in(&self, payload: &Value) -> Option<(String, String)> {
        let entries = match payload.get("error")? {
            Value::Null => return None,
            Value::Array(entries) => entries.as_slice(),
            single => std::slice::from_ref(single),
        };
        let errors: Vec<String> = entries
            .iter()
            .map(|entry| as_code(entry).unwrap_or_else(|| entry.to_string()))
            .filter(|e| !e.trim().is_empty() && !e.starts_with('W'))
            .collect();
        let (code, rest) = errors.split_first()?;
        Some((code.clone(), rest.join("; ")))
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ERROR_CODES
    }

    fn unwrap_payload(&self, payload: Value) -> std::result::Result<Value, String> {
        match take_envelope_field(payload, "result")? {
            result @ Value::Object(_) => Ok(result),
            _ => Err("`result` is not an object".to_owned()),
        }
    }

    fn server_time(&self) -> Option<Endpoint> {
        None
    }

    fn server_time_ms(&self, payload: &Value) -> Option<i64> {
        decode::<wire::ServerTime>(payload, "server time")
            .ok()?
            .unixtime
            .checked_mul(1000)
    }
}

impl Venue for Kraken {
    fn sandbox(&self) -> Environment {
        Environment::Production
    }

    // Kraken counts calls per key; this bounds what one process sends in all.
    fn rate_limit(&self) -> RateLimit {
        RateLimit::per_second(10)
    }

    fn capabilities(&self, _: Environment) -> Capabilities {
        Capabilities {
            key_info: Support::Native,
            reports_key_id: Support::Native,
            reports_label: Support::Native,
            reports_ip_restriction: Support::Native,
            reports_ip_list: Support::Native,
            reports_created_at: Support::Native,
            reports_expiry: Support::Native,
            reports_last_used: Support::Native,
            reports_enabled: Support::Emulated,
            ..Capabilities::NONE
        }
    }

    fn base_url(&self, environment: Environment) -> Option<&'static str> {
        (environment == Environment::Production).then_some("https://api.kraken.com")
    }

    fn prepare(&self, credentials: &Credentials) -> Result<SigningKey> {
        let secret =
            sign::decode_secret(credentials.secret().expose_secret()).ok_or_else(|| {
                Error::config(
                    ExchangeId::Kraken,
                    "the secret is not base64, as every Kraken API secret is (KRAKEN_API_SECRET)",
                )
            })?;
        Ok(SigningKey::hmac(
            credentials.api_key(),
            secret,
            credentials.passphrase(),
        ))
    }

    fn key_info_endpoint(&self) -> Endpoint {
        KEY_INFO
    }

    fn map_key_info(&self, payload: &Value, _: &str) -> std::result::Result<KeyInfo, String> {
        let wire: wire::ApiKeyInfo = decode(payload, "GetApiKeyInfo result")?;
        map::map_api_key_info(wire)
    }

    fn manual_step(&self, operation: Operation) -> Option<&'static str> {
        Some(match operation {
            Operation::Revoke | Operation::RevokeOwn => {
                "Kraken has no API to delete a key: log in to kraken.com, open Settings > API, and delete it there"
            }
            Operation::CreateKey => {
                "Kraken has no API to create a key: create it on kraken.com under Settings > API, with an IP allowlist and without Withdraw"
            }
            Operation::ListKeys => {
                "Kraken does not list keys through the API: see kraken.com, Settings > API"
            }
            Operation::UpdateKey | Operation::SetKeyEnabled => {
                "Kraken has no API to change a key: on kraken.com under Settings > API, edit the key (permissions, IP allowlist, expiry) there"
            }
            Operation::ResetSecret => {
                "Kraken cannot give a key a new secret: create a new key on kraken.com under Settings > API, switch your application to it, then delete the old key"
            }
            _ => return None,
        })
    }

    #[cfg(feature = "testkit")]
    fn simulation(&self) -> crate::exchanges::simulation::Simulation {
        simulate::simulation()
    }
}

const ERRORS: &str = "https://docs.kraken.com/api/docs/guides/spot-errors";

/// Kraken's codes: the error strings themselves, on HTTP 200.
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode::code("EAPI:Invalid key", ErrorClass::Auth(AuthReason::Ambiguous), "An invalid API-Key header was supplied (Kraken documents no error of its own for a calling address outside the allowlist: it may be this one)", ERRORS),
    ErrorCode::code("EAPI:Invalid signature", ErrorClass::Auth(AuthReason::BadSignature), "An invalid API-Sign header was supplied (also a key with a 2FA password sent without it)", ERRORS),
    ErrorCode::code("EAPI:Invalid nonce", ErrorClass::Rejected, "An invalid nonce was supplied: one not above the last this key accepted (another program may sign with larger nonces)", ERRORS),
    ErrorCode::code("EGeneral:Permission denied", ErrorClass::Auth(AuthReason::PermissionDenied), "API key doesn't have permission to make this request", ERRORS),
    ErrorCode::code("EAPI:Permission denied", ErrorClass::Auth(AuthReason::PermissionDenied), "the key lacks the permission for this call", "krakenfx/kraken-api-sdk error-handling.md"),
    ErrorCode::code("EAPI:Rate limit exceeded", ErrorClass::RateLimited, "the key's call counter is full", "https://support.kraken.com/hc/en-us/articles/360001491786"),
    ErrorCode::code("EGeneral:Too many requests", ErrorClass::RateLimited, "too many requests", "krakenfx/kraken-api-sdk error-handling.md"),
    ErrorCode::code("EGeneral:Temporary lockout", ErrorClass::Banned, "Too many sequential EAPI:Invalid key errors; lockouts typically last approximately 15 minutes", ERRORS).wait(std::time::Duration::from_secs(15 * 60)),
    ErrorCode::code("EService:Unavailable", ErrorClass::Unavailable, "The matching engine or API is offline", ERRORS),
    ErrorCode::code("EService:Busy", ErrorClass::Unavailable, "the service is busy (not defined in Kraken's docs)", "ccxt kraken.py exceptions"),
    ErrorCode::code("EGeneral:Invalid arguments", ErrorClass::Rejected, "The request payload is malformed, incorrect or ambiguous", ERRORS),
    ErrorCode::code("EAPI:Bad request", ErrorClass::Rejected, "a malformed request (not defined in Kraken's docs)", "python-kraken-sdk issue; ccxt kraken.py"),
];

/// Maps the `result` of Kraken's `GetApiKeyInfo` answer to a [`KeyInfo`], without any I/O.
pub fn map_key_info(payload: &Value) -> Result<KeyInfo> {
    venue::map_offline(&Kraken, payload)
}

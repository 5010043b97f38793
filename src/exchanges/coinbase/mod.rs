//! Coinbase (Advanced Trade, CDP API keys): `GET /api/v3/brokerage/key_permissions`, a fresh
//! ES256 or EdDSA JWT per request.
//!
//! What Coinbase tells about a key: whether it can view, trade, transfer (send funds on and off
//! the platform) and receive payments, and the portfolio it is scoped to. Nothing else: its IP
//! allowlist, creation date, expiry and name live in the CDP portal only, so they are
//! `NotReported`, and an audit says "unknown" for them. Keys are created, listed and deleted in
//! the portal, never through the API.
//!
//! Credentials are a CDP key ([`Credentials::coinbase_cdp`], or `COINBASE_API_KEY` holding the
//! key's name and `COINBASE_API_SECRET` its private key): a PEM EC P-256 key or a base64 (or
//! PKCS#8 PEM) Ed25519 key, parsed when the adapter is built.

mod map;
mod sign;
#[cfg(feature = "testkit")]
pub(crate) mod simulate;
mod wire;

use serde_json::Value;

pub use sign::{CdpSigner, HOST, LIFETIME_S};

use super::common::{as_code, message_of};
use super::venue::{self, Venue};
use super::{Environment, ExchangeId};
use crate::adapter::{Capabilities, Operation, Support};
use crate::credentials::{CredentialForm, Credentials};
use crate::error::{AuthReason, Error, ErrorClass, ErrorCode, Result};
use crate::model::KeyInfo;
use crate::transport::answer::decode;
use crate::transport::pipeline::{Conventions, Endpoint};
use crate::transport::signing::{nonce_hex, SigningKey};
use crate::transport::{RateLimit, Request};

/// The Coinbase venue.
#[derive(Debug)]
pub(crate) struct Coinbase;

const KEY_INFO: Endpoint = Endpoint::read("GET", "/api/v3/brokerage/key_permissions");
const SERVER_TIME: Endpoint = Endpoint::read("GET", "/api/v3/brokerage/time");

impl Conventions for Coinbase {
    fn exchange(&self) -> ExchangeId {
        ExchangeId::Coinbase
    }

    fn sign(
        &self,
        request: &mut Request,
        key: &SigningKey,
        _: Environment,
        now_ms: i64,
    ) -> Result<()> {
        let nonce = nonce_hex(16)?;
        let token = sign::token(
            key,
            request.method.as_str(),
            &request.path,
            now_ms.div_euclid(1000),
            &nonce,
        )?;
        request.header("authorization", format!("Bearer {token}"));
        if !request.body.is_empty() {
            request.header("content-type", "application/json");
        }
        Ok(())
    }

    /// `{"error": "PERMISSION_DENIED", "error_details": "…", "message": "…"}`; a 401 comes as
    /// plain text and is classified by its status.
    fn error_in(&self, payload: &Value) -> Option<(String, String)> {
        let code = as_code(payload.get("error")?)?;
        let message = match message_of(payload, "message") {
            message if message.is_empty() => message_of(payload, "error_details"),
            message => message,
        };
        Some((code, message))
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ERROR_CODES
    }

    fn server_time(&self) -> Option<Endpoint> {
        Some(SERVER_TIME)
    }

    fn server_time_ms(&self, payload: &Value) -> Option<i64> {
        decode::<wire::ServerTime>(payload, "server time")
            .ok()?
            .epoch_millis
            .0
            .parse()
            .ok()
    }
}

impl Venue for Coinbase {
    fn sandbox(&self) -> Environment {
        Environment::Production
    }

    // Coinbase publishes no current figure; 30/s per user was long quoted. This stays well
    // inside it.
    fn rate_limit(&self) -> RateLimit {
        RateLimit::per_second(10)
    }

    fn capabilities(&self, _: Environment) -> Capabilities {
        Capabilities {
            key_info: Support::Native,
            reports_key_id: Support::Emulated,
            reports_enabled: Support::Emulated,
            ..Capabilities::NONE
        }
    }

    fn base_url(&self, environment: Environment) -> Option<&'static str> {
        (environment == Environment::Production).then_some("https://api.coinbase.com")
    }

    fn prepare(&self, credentials: &Credentials) -> Result<SigningKey> {
        if credentials.form() != CredentialForm::CoinbaseCdp {
            return Err(Error::config(
                ExchangeId::Coinbase,
                "Coinbase needs a CDP API key: Credentials::coinbase_cdp(key_name, private_key), or COINBASE_API_KEY and COINBASE_API_SECRET",
            ));
        }
        SigningKey::jwt(credentials.api_key(), credentials.secret()).map_err(|why| {
            Error::config(
                ExchangeId::Coinbase,
                format!("the CDP private key cannot sign: {why}"),
            )
        })
    }

    fn key_info_endpoint(&self) -> Endpoint {
        KEY_INFO
    }

    fn map_key_info(&self, payload: &Value, api_key: &str) -> std::result::Result<KeyInfo, String> {
        map::map_key_permissions(wire::KeyPermissions::read(payload)?, api_key)
    }

    fn manual_step(&self, operation: Operation) -> Option<&'static str> {
        Some(match operation {
            Operation::Revoke | Operation::RevokeOwn => {
                "Coinbase has no API to delete a key: delete it in the CDP portal (portal.cdp.coinbase.com > API keys)"
            }
            Operation::CreateKey => {
                "Coinbase has no API to create a key: create it in the CDP portal (portal.cdp.coinbase.com > API keys), with an IP allowlist and without Transfer"
            }
            Operation::ListKeys => {
                "Coinbase does not list keys through the API: see the CDP portal (portal.cdp.coinbase.com > API keys)"
            }
            Operation::KeyInfo => {
                "check the key's IP allowlist, creation date and expiry in the CDP portal (portal.cdp.coinbase.com > API keys): Coinbase's API does not report them"
            }
            Operation::UpdateKey | Operation::SetKeyEnabled | Operation::ResetSecret => {
                "Coinbase has no API to change a key: in the CDP portal (portal.cdp.coinbase.com > API keys), edit or disable the key there, or create a new one and delete the old"
            }
            _ => return None,
        })
    }

    #[cfg(feature = "testkit")]
    fn simulation(&self) -> crate::exchanges::simulation::Simulation {
        simulate::simulation()
    }
}

const CCXT: &str = "ccxt 4.5.90 coinbase.py exceptions";

/// Coinbase's statuses and codes.
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode::status(401, ErrorClass::Auth(AuthReason::Ambiguous), "Unauthorized (plain text): a bad or expired JWT, a wrong uri claim, or an unknown or revoked key", "ccxt issue #26300; coinbase-advanced-py issues #56, #132"),
    ErrorCode::status(403, ErrorClass::Auth(AuthReason::PermissionDenied), "Forbidden: the key lacks a permission or a portfolio", "coinbase-advanced-py issues #89, #125"),
    ErrorCode::status(429, ErrorClass::RateLimited, "rate limited (the body may be an HTML page)", "coinbase-samples/advanced-trade-sdk-go#18"),
    ErrorCode::code("PERMISSION_DENIED", ErrorClass::Auth(AuthReason::PermissionDenied), "User does not have the correct permissions", "coinbase-advanced-py issue #125"),
    ErrorCode::code("UNAUTHENTICATED", ErrorClass::Auth(AuthReason::Ambiguous), "the JWT or the key was refused", "Advanced Trade error envelope (grpc codes)"),
    ErrorCode::code("invalid_scope", ErrorClass::Auth(AuthReason::PermissionDenied), "the key's scope does not cover the call", CCXT),
    ErrorCode::code("expired_token", ErrorClass::Auth(AuthReason::TimestampOutOfWindow), "the JWT expired: its nbf/exp are checked against the server's clock", CCXT),
    ErrorCode::code("revoked_token", ErrorClass::Auth(AuthReason::InvalidKey), "the key was revoked", CCXT),
    ErrorCode::code("rate_limit_exceeded", ErrorClass::RateLimited, "too many requests", CCXT),
    ErrorCode::code("resource_exhausted", ErrorClass::RateLimited, "too many requests", CCXT),
    ErrorCode::code("INVALID_ARGUMENT", ErrorClass::Rejected, "the request is malformed", "Advanced Trade error envelope (grpc codes)"),
    ErrorCode::code("INTERNAL", ErrorClass::Unavailable, "an internal error", "Advanced Trade error envelope (grpc codes)"),
];

/// Maps Coinbase's `key_permissions` answer to a [`KeyInfo`], without any I/O (the key id is
/// not reported: it is the caller's key name).
pub fn map_key_info(payload: &Value) -> Result<KeyInfo> {
    venue::map_offline(&Coinbase, payload)
}

//! Bitget: `GET /api/v2/spot/account/info`, base64 HMAC-SHA256 signing with a passphrase.
//!
//! What Bitget tells about a key: its rights as codes (`stor` spot read, `stow` spot trade,
//! `wwow` withdrawal, `chow` sub-account management, …) and its IP allowlist. It reports no key
//! id, label, creation or expiry date (`regisTime` is the account's registration), and does not
//! document how to tell a master account from a sub-account in this answer.
//!
//! Demo trading uses the same host with the header `paptrading: 1` and a key created in demo
//! mode ([`Environment::Demo`]).
//!
//! Key management: Bitget manages through the API only sub-account keys, from the master key.
//! This adapter uses the unified-account (UTA) v3 calls, the only family that deletes
//! (bitget.com/api-doc/uta/account/sub-account): `list_keys` (the key in use, then every
//! sub-account's keys, each with its id, note, creation time, rights and allowlist),
//! `create_key` for a sub-account named by its UID ([`crate::NewKeySpec::sub_account`]), with a
//! random passphrase chosen here ([`crate::NewKey::passphrase`]) and handed over only once
//! Bitget's answer shows it bound to exactly the addresses asked for, and `revoke` of a
//! sub-account key. The master key needs "Unified account management" permission (read to
//! list, read and write to create and delete). Bitget deletes only keys of unified-account
//! sub-accounts, and never the key in use. Changing a key stays a step on bitget.com: its
//! `update-sub-api` requires a passphrase Bitget does not say is the key's current one or a new
//! one. Keys cannot be disabled, nor given a new secret.

mod manage;
mod map;
mod sign;
#[cfg(feature = "testkit")]
pub(crate) mod simulate;
mod wire;

use async_trait::async_trait;
use serde_json::Value;

pub use sign::signature;

use super::common::{as_code, message_of, take_envelope_field};
use super::venue::{self, Venue, VenueAdapter};
use super::{Environment, ExchangeId};
use crate::adapter::{
    Capabilities, KeyRef, NewKey, NewKeySpec, Operation, RevokeConfirm, Revoked, Support,
};
use crate::credentials::Credentials;
use crate::error::{AuthReason, Error, ErrorClass, ErrorCode, Result};
use crate::model::KeyInfo;
use crate::transport::answer::decode;
use crate::transport::pipeline::{Conventions, Endpoint};
use crate::transport::signing::{base64_of_sha256_mac, SigningKey};
use crate::transport::{RateLimit, Request};
use secrecy::ExposeSecret;

/// The Bitget venue.
#[derive(Debug)]
pub(crate) struct Bitget;

const KEY_INFO: Endpoint = Endpoint::read("GET", "/api/v2/spot/account/info");
const SERVER_TIME: Endpoint = Endpoint::read("GET", "/api/v2/public/time");

impl Conventions for Bitget {
    fn exchange(&self) -> ExchangeId {
        ExchangeId::Bitget
    }

    fn sign(
        &self,
        request: &mut Request,
        key: &SigningKey,
        environment: Environment,
        timestamp_ms: i64,
    ) -> Result<()> {
        let timestamp = timestamp_ms.to_string();
        let signature = base64_of_sha256_mac(
            key.hmac_key(),
            &[
                &timestamp,
                request.method.as_str(),
                &request.path_and_query(),
                &request.body,
            ],
        );
        request.header("access-key", key.api_key());
        request.header("access-sign", signature);
        request.header("access-timestamp", timestamp);
        if let Some(passphrase) = key.passphrase() {
            request.header("access-passphrase", passphrase);
        }
        request.header("content-type", "application/json");
        request.header("locale", "en-US");
        // The server-time call is public and takes no demo header (ccxt skips it there too).
        if environment == Environment::Demo && request.path != SERVER_TIME.path {
            request.header("paptrading", "1");
        }
        Ok(())
    }

    fn error_in(&self, payload: &Value) -> Option<(String, String)> {
        let code = as_code(payload.get("code")?)?;
        (code != "00000").then(|| (code, message_of(payload, "msg")))
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ERROR_CODES
    }

    /// `data`: the account information, the server time, or a management call's answer.
    fn unwrap_payload(&self, payload: Value) -> std::result::Result<Value, String> {
        take_envelope_field(payload, "data")
    }

    fn server_time(&self) -> Option<Endpoint> {
        Some(SERVER_TIME)
    }

    fn server_time_ms(&self, payload: &Value) -> Option<i64> {
        decode::<wire::ServerTime>(payload, "server time")
            .ok()?
            .server_time
            .0
            .parse()
            .ok()
    }
}

#[async_trait]
impl Venue for Bitget {
    fn sandbox(&self) -> Environment {
        Environment::Demo
    }

    // account/info allows 1 request per second per account; this bounds the whole process.
    fn rate_limit(&self) -> RateLimit {
        RateLimit::per_second(10)
    }

    fn capabilities(&self, _: Environment) -> Capabilities {
        Capabilities {
            key_info: Support::Native,
            list_keys: Support::Native,
            revoke: Support::Native,
            create_key: Support::Native,
            reports_ip_restriction: Support::Native,
            reports_ip_list: Support::Native,
            reports_enabled: Support::Emulated,
            sandbox: Support::Native,
            ..Capabilities::NONE
        }
    }

    fn base_url(&self, environment: Environment) -> Option<&'static str> {
        match environment {
            Environment::Production | Environment::Demo => Some("https://api.bitget.com"),
            _ => None,
        }
    }

    fn prepare(&self, credentials: &Credentials) -> Result<SigningKey> {
        match credentials.passphrase() {
            Some(p) if !p.expose_secret().is_empty() => SigningKey::hmac_from(credentials),
            _ => Err(Error::config(
                ExchangeId::Bitget,
                "Bitget keys need their passphrase: Credentials::with_passphrase or BITGET_API_PASSPHRASE",
            )),
        }
    }

    fn key_info_endpoint(&self) -> Endpoint {
        KEY_INFO
    }

    fn map_key_info(&self, payload: &Value, _: &str) -> std::result::Result<KeyInfo, String> {
        let wire: wire::AccountInfo = decode(payload, "account information")?;
        map::map_account_info(wire)
    }

    fn manual_step(&self, operation: Operation) -> Option<&'static str> {
        Some(match operation {
            Operation::Revoke | Operation::RevokeOwn => {
                "Bitget deletes through the API only keys of unified-account sub-accounts, from a main-account key with Unified account management read and write permission, and never the key in use: delete the key in use or another main-account key on bitget.com under Profile > API Key Management, a classic sub-account's key under Sub-accounts > API Key Management"
            }
            Operation::CreateKey => {
                "Bitget creates keys through the API only for sub-accounts, from a main-account key with Unified account management read and write permission (NewKeySpec::sub_account, the sub-account's UID); create a main-account key on bitget.com under Profile > API Key Management, bound to your IP addresses, without withdrawal"
            }
            Operation::ListKeys => {
                "Bitget lists sub-account keys only to a main-account key with Unified account management read permission: see every key on bitget.com under Profile > API Key Management, and each sub-account's under Sub-accounts > API Key Management"
            }
            Operation::UpdateKey => {
                "change the key's rights or IP allowlist on bitget.com under Profile > API Key Management > Edit (a sub-account's key under Sub-accounts > API Key Management > Edit)"
            }
            Operation::SetKeyEnabled => {
                "Bitget keys cannot be disabled and enabled again: delete the key (revoke, or bitget.com under Profile > API Key Management), and create a new one when it is needed again"
            }
            Operation::ResetSecret => {
                "Bitget cannot give a key a new secret: create a new key (create_key for a sub-account, bitget.com Profile > API Key Management otherwise), switch the application over to it, then delete the old key"
            }
            _ => return None,
        })
    }

    async fn list_keys(&self, adapter: &VenueAdapter) -> Result<Vec<KeyInfo>> {
        manage::list_keys(adapter).await
    }

    async fn create_key(&self, adapter: &VenueAdapter, spec: &NewKeySpec) -> Result<NewKey> {
        manage::create_key(adapter, spec).await
    }

    async fn revoke(
        &self,
        adapter: &VenueAdapter,
        target: KeyRef,
        _: RevokeConfirm,
    ) -> Result<Revoked> {
        manage::revoke(adapter, target).await
    }

    #[cfg(feature = "testkit")]
    fn simulation(&self) -> crate::exchanges::simulation::Simulation {
        simulate::simulation()
    }
}

const CODES_PAGE: &str = "Bitget common error codes (https://www.bitget.com/api-doc/common/error-code/restapi), as quoted by ccxt 4.5.90 bitget.py exceptions; HTTP statuses not documented";

/// Bitget's codes. Bitget answers `{"code": "40009", "msg": "…", "requestTime": …, "data":
/// null}`; success is `00000`. The code decides.
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode::code(
        "40001",
        ErrorClass::Rejected,
        "ACCESS_KEY cannot be empty (a request this crate built wrongly)",
        CODES_PAGE,
    ),
    ErrorCode::code(
        "40002",
        ErrorClass::Rejected,
        "ACCESS_SIGN cannot be empty (a request this crate built wrongly)",
        CODES_PAGE,
    ),
    ErrorCode::code(
        "40003",
        ErrorClass::Rejected,
        "Signature cannot be empty (a request this crate built wrongly)",
        CODES_PAGE,
    ),
    ErrorCode::code(
        "40004",
        ErrorClass::Auth(AuthReason::TimestampOutOfWindow),
        "Request timestamp expired",
        CODES_PAGE,
    ),
    ErrorCode::code(
        "40005",
        ErrorClass::Rejected,
        "Invalid ACCESS_TIMESTAMP: the timestamp's form, not the clock",
        CODES_PAGE,
    ),
    ErrorCode::code(
        "40006",
        ErrorClass::Auth(AuthReason::InvalidKey),
        "Invalid ACCESS_KEY",
        CODES_PAGE,
    ),
    ErrorCode::code(
        "40008",
        ErrorClass::Auth(AuthReason::TimestampOutOfWindow),
        "Request timestamp expired",
        CODES_PAGE,
    ),
    ErrorCode::code(
        "40009",
        ErrorClass::Auth(AuthReason::BadSignature),
        "sign signature error",
        CODES_PAGE,
    ),
    ErrorCode::code(
        "40011",
        ErrorClass::Auth(AuthReason::BadPassphrase),
        "ACCESS_PASSPHRASE cannot be empty",
        CODES_PAGE,
    ),
    ErrorCode::code(
        "40012",
        ErrorClass::Auth(AuthReason::Ambiguous),
        "apikey/password is incorrect: the key or its passphrase, Bitget does not say which",
        CODES_PAGE,
    ),
    ErrorCode::code(
        "40013",
        ErrorClass::Auth(AuthReason::Disabled),
        "User has been frozen",
        CODES_PAGE,
    ),
    ErrorCode::code(
        "40014",
        ErrorClass::Auth(AuthReason::PermissionDenied),
        "Incorrect permissions",
        CODES_PAGE,
    ),
    ErrorCode::code(
        "40015",
        ErrorClass::Unavailable,
        "System is abnormal, please try again later",
        CODES_PAGE,
    ),
    ErrorCode::code(
        "40018",
        ErrorClass::Auth(AuthReason::IpNotAllowed),
        "Invalid IP",
        CODES_PAGE,
    ),
    ErrorCode::code(
        "40037",
        ErrorClass::Auth(AuthReason::InvalidKey),
        "Apikey does not exist",
        CODES_PAGE,
    ),
    ErrorCode::code(
        "429",
        ErrorClass::RateLimited,
        "Too Many Requests (HTTP 429)",
        CODES_PAGE,
    ),
];

/// Maps `data` of Bitget's `GET /api/v2/spot/account/info` answer to a [`KeyInfo`], without any
/// I/O. Secret-named fields are scrubbed from `raw`.
pub fn map_key_info(payload: &Value) -> Result<KeyInfo> {
    venue::map_offline(&Bitget, payload)
}

/// Maps one element of `data.items` of `GET /api/v3/user/sub-api-list` (a key of a
/// unified-account sub-account) to a [`KeyInfo`] as [`crate::KeyAdapter::list_keys`] does,
/// without any I/O. The evidence (`raw`) is the element, secret-named fields scrubbed.
pub fn map_sub_account_key(key: &Value) -> Result<KeyInfo> {
    let context = || crate::error::ErrorContext::new(ExchangeId::Bitget);
    let outcome = decode::<wire::SubApiKey>(key, "sub-account API key")
        .and_then(map::map_sub_api_key)
        .map(|mut info| {
            info.raw = key.clone();
            info
        })
        .map_err(|what| Error::decode(what, context()));
    crate::transport::scrub::Scrubber::without_secrets().outcome(outcome)
}

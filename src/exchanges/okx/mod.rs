//! OKX: `GET /api/v5/account/config`, base64 HMAC-SHA256 signing with a passphrase.
//!
//! What OKX tells about a key: its rights (`read_only`, `trade`, `withdraw`: one trade right
//! covers every product), the bound IP addresses, the label, and whether the account is the
//! master. It reports no key id, creation or expiry date. Demo trading uses the same host with
//! the header `x-simulated-trading: 1` and a key created in demo mode.
//!
//! Keys are managed through the API only for sub-accounts, from a key of the master account
//! (okx.com/docs-v5, "Sub-account"): `list_keys` (the key in use, then every sub-account's keys,
//! each with its id and creation time, which `key_info` cannot give), `create_key`,
//! `update_key` and `revoke` of a sub-account key, each naming its sub-account
//! ([`crate::NewKeySpec::sub_account`], [`crate::KeyRef::Other`]). Creating, changing and
//! deleting need the master key bound to IP addresses and holding `trade`; without the binding
//! OKX answers code 50035, and the error says the master key must be bound to IP addresses. A
//! new key gets a random passphrase chosen here ([`crate::NewKey::passphrase`]), and is handed
//! over only once OKX's answer shows it bound to exactly the addresses asked for. OKX cannot
//! delete or change the key in use through the API, disable a key, or give one a new secret.

mod manage;
mod map;
mod sign;
#[cfg(feature = "testkit")]
pub(crate) mod simulate;
mod wire;

use async_trait::async_trait;
use serde_json::Value;

pub use sign::{signature, timestamp};

use super::common::{as_code, message_of, take_envelope_field};
use super::venue::{self, Venue, VenueAdapter};
use super::{Environment, ExchangeId};
use crate::adapter::{
    Capabilities, KeyChange, KeyRef, NewKey, NewKeySpec, Operation, RevokeConfirm, Revoked, Support,
};
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

    /// `data`, a list: the configuration of the one key that signed (see `own_entry`), the
    /// sub-accounts or their keys.
    fn unwrap_payload(&self, payload: Value) -> std::result::Result<Value, String> {
        match take_envelope_field(payload, "data")? {
            list @ Value::Array(_) => Ok(list),
            _ => Err("`data` is not a list".to_owned()),
        }
    }

    fn server_time(&self) -> Option<Endpoint> {
        Some(SERVER_TIME)
    }

    fn server_time_ms(&self, payload: &Value) -> Option<i64> {
        decode::<wire::ServerTime>(payload.get(0)?, "server time")
            .ok()?
            .ts
            .parse()
            .ok()
    }
}

#[async_trait]
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
            list_keys: Support::Native,
            revoke: Support::Native,
            create_key: Support::Native,
            update_key: Support::Native,
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

    /// `data` holds the configuration of the one key that signed the request. An answer with
    /// several is not one this crate understands: it is refused rather than read as its first.
    /// Offline, one element given on its own is taken as it is.
    fn own_entry(&self, payload: Value, api_key: &str) -> std::result::Result<Value, String> {
        match payload {
            Value::Array(items) if items.len() > 1 => Err(format!(
                "`data` holds {} entries where the configuration of one key was expected",
                items.len()
            )),
            Value::Array(items) => items
                .into_iter()
                .next()
                .ok_or_else(|| "`data` is an empty list".to_owned()),
            entry @ Value::Object(_) if api_key.is_empty() => Ok(entry),
            _ => Err("`data` is not a list".to_owned()),
        }
    }

    fn map_key_info(&self, payload: &Value, _: &str) -> std::result::Result<KeyInfo, String> {
        let wire: wire::AccountConfig = decode(payload, "account config")?;
        map::map_account_config(wire)
    }

    fn manual_step(&self, operation: Operation) -> Option<&'static str> {
        Some(match operation {
            Operation::Revoke | Operation::RevokeOwn => {
                "OKX deletes through the API only sub-account keys, from an IP-bound master-account key (KeyRef::Other with its sub_account); delete the key in use or another master-account key on okx.com under Profile > API keys"
            }
            Operation::CreateKey => {
                "OKX creates keys through the API only for sub-accounts, from an IP-bound master-account key holding trade (NewKeySpec::sub_account); create a master-account key on okx.com under Profile > API keys, bound to your IP addresses, without withdrawals"
            }
            Operation::ListKeys => {
                "OKX lists sub-account keys only to a master-account key; a sub-account key sees only itself: see every key on okx.com under Profile > API keys and Sub-accounts"
            }
            Operation::UpdateKey => {
                "OKX changes through the API only sub-account keys, from an IP-bound master-account key (KeyRef::Other with its sub_account); change the key in use on okx.com under Profile > API keys > Edit"
            }
            Operation::SetKeyEnabled => {
                "OKX keys cannot be disabled and enabled again, through the API or on okx.com: delete the key (revoke), and create a new one when it is needed again"
            }
            Operation::ResetSecret => {
                "OKX cannot give a key a new secret: create a new key (create_key for a sub-account, okx.com Profile > API keys otherwise), switch the application over to it, then delete the old key"
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

    async fn update_key(
        &self,
        adapter: &VenueAdapter,
        target: KeyRef,
        change: &KeyChange,
    ) -> Result<()> {
        manage::update_key(adapter, target, change).await
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
    ErrorCode::code(manage::MASTER_NOT_IP_BOUND, ErrorClass::Auth(AuthReason::PermissionDenied), "This endpoint requires that APIKey must be bound to IP (HTTP 403): managing sub-account keys needs the master key bound to IP addresses", CODES_PAGE),
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
    ErrorCode::code("59500", ErrorClass::Auth(AuthReason::PermissionDenied), "Only the API key of the main account has permission (a sub-account's key called a master-only endpoint)", CODES_PAGE),
    ErrorCode::code("59501", ErrorClass::Rejected, "Each account can create up to 50 API keys", CODES_PAGE),
    ErrorCode::code("59502", ErrorClass::Rejected, "This note name already exists. Enter a unique API key note name", CODES_PAGE),
    ErrorCode::code("59503", ErrorClass::Rejected, "Each API key can bind up to 20 IP addresses", CODES_PAGE),
    ErrorCode::code("59504", ErrorClass::Rejected, "Sub-accounts don't support withdrawals. Please use your main account for withdrawals.", CODES_PAGE),
    ErrorCode::code("59505", ErrorClass::Rejected, "The passphrase format is incorrect.", CODES_PAGE),
    // The key named in the call, not the caller's: the credentials were accepted.
    ErrorCode::code("59506", ErrorClass::Rejected, "API key doesn't exist (the sub-account key named in the call)", CODES_PAGE),
    ErrorCode::code("59508", ErrorClass::Rejected, "The sub account of {param0} is suspended.", CODES_PAGE),
    ErrorCode::code("59510", ErrorClass::Rejected, "Sub-account does not exist", CODES_PAGE),
];

/// Maps one element of `data` of OKX's `account/config` answer to a [`KeyInfo`], without any
/// I/O. Secret-named fields are scrubbed from `raw`.
pub fn map_key_info(payload: &Value) -> Result<KeyInfo> {
    venue::map_offline(&Okx, payload)
}

/// Maps one element of `data` of `GET /api/v5/users/subaccount/apikey` (a key of a
/// sub-account), with the sub-account's element of `GET /api/v5/users/subaccount/list`, to a
/// [`KeyInfo`] as [`crate::KeyAdapter::list_keys`] does, without any I/O. The evidence (`raw`)
/// is `{"subaccount": …, "apikey": …}`, secret-named fields scrubbed.
pub fn map_sub_account_key(sub_account: &Value, key: &Value) -> Result<KeyInfo> {
    let context = || crate::error::ErrorContext::new(ExchangeId::Okx);
    let sub: wire::SubAccount = decode(sub_account, "sub-account").unwrap_or_default();
    let wire: wire::SubAccountKey =
        decode(key, "sub-account API key").map_err(|what| Error::decode(what, context()))?;
    let outcome = map::map_sub_account_key(&sub, wire)
        .map(|mut info| {
            info.raw = serde_json::json!({ "subaccount": sub_account, "apikey": key });
            info
        })
        .map_err(|what| Error::decode(what, context()));
    crate::transport::scrub::Scrubber::without_secrets().outcome(outcome)
}

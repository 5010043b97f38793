//! MEXC (spot v3): `GET /api/v3/apiKeyInfo`, Binance-style HMAC-SHA256 hex signing.
//!
//! What MEXC tells about the key in use: its permission tokens, its IP allowlist, note,
//! creation time and status. **The answer's shape is known only from third-party code** (the
//! endpoint is absent from MEXC's published docs copy): the mapper reads every field leniently,
//! and an unknown token or right-like field leaves no right `Denied` (see `map.rs`). MEXC has no
//! spot testnet.
//!
//! From a master key, MEXC's API lists, creates and deletes the keys of its sub-accounts
//! (`GET`, `POST` and `DELETE /api/v3/sub-account/apiKey`, documented; see `manage.rs`):
//! `list_keys`, `create_key` and `revoke` are native for those. No call changes a key, and the
//! master account's own keys are created and deleted on mexc.com only.

mod manage;
mod map;
mod sign;
#[cfg(feature = "testkit")]
pub(crate) mod simulate;
mod wire;

use async_trait::async_trait;
use serde_json::Value;

pub use sign::signature;

use super::common::{as_code, message_of};
use super::venue::{self, Venue, VenueAdapter};
use super::{Environment, ExchangeId};
use crate::adapter::{
    Capabilities, KeyRef, NewKey, NewKeySpec, Operation, RevokeConfirm, Revoked, Support,
};
use crate::error::{AuthReason, ErrorClass, ErrorCode, Result};
use crate::model::KeyInfo;
use crate::transport::answer::decode;
use crate::transport::pipeline::{Conventions, Endpoint};
use crate::transport::signing::{hmac_sha256, push_lower_hex, SigningKey};
use crate::transport::{RateLimit, Request};

/// Receive window sent with every signed request, in ms (MEXC's default).
pub const RECV_WINDOW_MS: u32 = 5000;

/// The MEXC venue.
#[derive(Debug)]
pub(crate) struct Mexc;

const KEY_INFO: Endpoint = Endpoint::read("GET", "/api/v3/apiKeyInfo");
const SERVER_TIME: Endpoint = Endpoint::read("GET", "/api/v3/time");

impl Conventions for Mexc {
    fn exchange(&self) -> ExchangeId {
        ExchangeId::Mexc
    }

    fn sign(
        &self,
        request: &mut Request,
        key: &SigningKey,
        _: Environment,
        timestamp_ms: i64,
    ) -> Result<()> {
        use std::fmt::Write as _;
        let query = &mut request.query;
        // apiKeyInfo names the key it describes (`accessKey`, required by the clients that
        // call it); the key signing is the one meant.
        if request.path == KEY_INFO.path && !query.contains("accessKey=") {
            let mut own = String::with_capacity(query.len() + 192);
            own.push_str("accessKey=");
            own.extend(form_urlencoded::byte_serialize(key.api_key().as_bytes()));
            if !query.is_empty() {
                own.push('&');
                own.push_str(query);
            }
            *query = own;
        }
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
        request.header("x-mexc-apikey", key.api_key());
        if request.method != reqwest::Method::GET {
            request.header("content-type", "application/json");
        }
        Ok(())
    }

    /// MEXC answers errors as `{"code": 700002, "msg": "…"}`; some successful answers carry
    /// `"code": 200` (or `0`) beside their data.
    fn error_in(&self, payload: &Value) -> Option<(String, String)> {
        let code = as_code(payload.get("code")?)?;
        (!matches!(code.trim(), "0" | "200")).then(|| (code, message_of(payload, "msg")))
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
}

#[async_trait]
impl Venue for Mexc {
    fn sandbox(&self) -> Environment {
        Environment::Production
    }

    // MEXC allows 500 requests per 10 s per endpoint and address: a fiftieth of it.
    fn rate_limit(&self) -> RateLimit {
        RateLimit::per_second(10)
    }

    fn capabilities(&self, _: Environment) -> Capabilities {
        Capabilities {
            key_info: Support::Native,
            list_keys: Support::Native,
            create_key: Support::Native,
            revoke: Support::Native,
            reports_key_id: Support::Native,
            reports_label: Support::Native,
            reports_ip_restriction: Support::Native,
            reports_ip_list: Support::Native,
            reports_created_at: Support::Native,
            reports_enabled: Support::Native,
            ..Capabilities::NONE
        }
    }

    fn base_url(&self, environment: Environment) -> Option<&'static str> {
        match environment {
            Environment::Production => Some("https://api.mexc.com"),
            _ => None,
        }
    }

    fn key_info_endpoint(&self) -> Endpoint {
        KEY_INFO
    }

    fn map_key_info(&self, payload: &Value, _: &str) -> std::result::Result<KeyInfo, String> {
        map::map_api_key_info(wire::ApiKeyInfo::read(payload)?, payload)
    }

    fn manual_step(&self, operation: Operation) -> Option<&'static str> {
        Some(match operation {
            Operation::Revoke | Operation::RevokeOwn => {
                "MEXC deletes through the API only sub-account keys, from a master-account key (KeyRef::Other with its sub-account's name); delete the key in use or another master-account key on mexc.com under Profile > API Management"
            }
            Operation::CreateKey => {
                "MEXC creates keys through the API only for sub-accounts, from a master-account key (NewKeySpec::sub_account, by name); create a master-account key on mexc.com under Profile > API Management, bound to your IP addresses, without withdrawals"
            }
            Operation::ListKeys => {
                "MEXC lists sub-account keys only to a master-account key holding SPOT_ACCOUNT_READ: see every key on mexc.com under Profile > API Management and Sub-account management > API"
            }
            Operation::UpdateKey => {
                "MEXC's API has no call to change a sub-account key: change it on mexc.com under Sub-account management > API (the key in use under Profile > API Management > Edit), or create a new key (create_key) and revoke the old one"
            }
            Operation::SetKeyEnabled => {
                "MEXC has no call to disable a key and enable it again: delete the key (revoke, for a sub-account key; mexc.com under Profile > API Management otherwise), and create a new one when it is needed"
            }
            Operation::ResetSecret => {
                "MEXC cannot give a key a new secret: create a new key (create_key for a sub-account, mexc.com Profile > API Management otherwise), move the application to it, then delete the old key"
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

const ERRORS: &str =
    "mexcdevelop/apidocs spot_v3_en source/index.html.md, \"Error Code\" (2025-08-08)";
const HTTP_CODES: &str =
    "mexcdevelop/apidocs spot_v3_en source/index.html.md, \"HTTP Return Codes\" (2025-08-08)";
const CCXT: &str = "ccxt 4.5.90 python mexc.py (exceptions, lines 1022-1023)";

/// MEXC's statuses and codes. MEXC answers errors with a 4xx status and
/// `{"code": 700002, "msg": "…"}`.
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode::status(403, ErrorClass::Rejected, "the WAF (Web Application Firewall) refused the request", HTTP_CODES),
    ErrorCode::status(418, ErrorClass::Banned, "the address is banned for going on after 429s", HTTP_CODES),
    ErrorCode::status(429, ErrorClass::RateLimited, "a request rate limit was broken", HTTP_CODES),
    ErrorCode::code("429", ErrorClass::RateLimited, "Too Many Requests (the code of an HTTP 429 body; not quoted from the docs, see tests/fixtures/mexc/README.md)", HTTP_CODES),
    ErrorCode::code("401", ErrorClass::Auth(AuthReason::PermissionDenied), "No authority", ERRORS),
    ErrorCode::code("602", ErrorClass::Auth(AuthReason::BadSignature), "Signature verification failed", ERRORS),
    ErrorCode::code("10072", ErrorClass::Auth(AuthReason::InvalidKey), "Invalid access key", ERRORS),
    ErrorCode::code("700001", ErrorClass::Auth(AuthReason::InvalidKey), "API-key format invalid", ERRORS),
    ErrorCode::code("700002", ErrorClass::Auth(AuthReason::Ambiguous), "Signature for this request is not valid (also answered for an expired key or a wrong secret, per ccxt)", CCXT),
    ErrorCode::code("700003", ErrorClass::Auth(AuthReason::TimestampOutOfWindow), "Timestamp for this request is outside of the recvWindow", ERRORS),
    ErrorCode::code("700005", ErrorClass::Rejected, "recvWindow must less than 60000 (a request this crate built wrongly)", ERRORS),
    ErrorCode::code("700006", ErrorClass::Auth(AuthReason::IpNotAllowed), "IP non white list", ERRORS),
    ErrorCode::code("700007", ErrorClass::Auth(AuthReason::PermissionDenied), "No permission to access the endpoint", ERRORS),
    ErrorCode::code("730706", ErrorClass::Auth(AuthReason::InvalidKey), "API KEY information does not exist (on a delete, the key named in the call: reported as a refusal of that call, see manage.rs)", ERRORS),
    ErrorCode::code("730600", ErrorClass::Rejected, "Sub-account Name cannot be null", ERRORS),
    ErrorCode::code("730601", ErrorClass::Rejected, "Sub-account Name must be a combination of 8-32 letters and numbers", ERRORS),
    ErrorCode::code("730700", ErrorClass::Rejected, "API KEY remarks cannot be null", ERRORS),
    ErrorCode::code("730701", ErrorClass::Rejected, "API KEY permission cannot be null", ERRORS),
    ErrorCode::code("730702", ErrorClass::Rejected, "API KEY permission does not exist", ERRORS),
    ErrorCode::code("730703", ErrorClass::Rejected, "The IP information is incorrect, and a maximum of 10 IPs are allowed to be bound only", ERRORS),
    ErrorCode::code("730704", ErrorClass::Rejected, "The bound IP format is incorrect, please refill", ERRORS),
    ErrorCode::code("730705", ErrorClass::Rejected, "At most 30 groups of Api Keys are allowed to be created only", ERRORS),
    ErrorCode::code("730707", ErrorClass::Rejected, "accessKey cannot be null", ERRORS),
    ErrorCode::code("140001", ErrorClass::Rejected, "sub account does not exist", ERRORS),
    ErrorCode::code("140002", ErrorClass::Rejected, "sub account is forbidden", ERRORS),
];

/// Maps MEXC's `apiKeyInfo` answer (as JSON) to a [`KeyInfo`], without any I/O. Secret-named
/// fields are scrubbed from `raw`.
pub fn map_key_info(payload: &Value) -> Result<KeyInfo> {
    venue::map_offline(&Mexc, payload)
}

/// Maps one key of `GET /api/v3/sub-account/apiKey` (an element of its `subAccount` list), held
/// by the sub-account named `sub_account`, to a [`KeyInfo`] as [`crate::KeyAdapter::list_keys`]
/// does, without any I/O. The evidence (`raw`) is the key's entry, secret-named fields scrubbed.
pub fn map_sub_account_key(sub_account: &str, key: &Value) -> Result<KeyInfo> {
    let context = || crate::error::ErrorContext::new(ExchangeId::Mexc);
    let outcome = wire::SubAccountKey::read(key)
        .and_then(|wire| map::map_sub_account_key(sub_account, wire, key))
        .map(|mut info| {
            info.raw = key.clone();
            info
        })
        .map_err(|what| crate::error::Error::decode(what, context()));
    crate::transport::scrub::Scrubber::without_secrets().outcome(outcome)
}

//! BingX: `GET /openApi/v1/account/apiPermissions`, Binance-style HMAC-SHA256 hex signing.
//!
//! What BingX tells about the key in use: its permission codes, bound addresses and note. Its
//! creation time and status come from another call (`GET /openApi/account/v1/apiKey/query`,
//! which needs the account's UID first): `key_info` does not make it, so they are not
//! reported. The answer's `{code, data}` envelope is assumed as on every other BingX answer; a
//! bare answer is read too.
//!
//! Keys are managed through the API only for sub-accounts, from a key of the master account
//! holding "Manage Subaccounts" (bingx-api.github.io/docs-v3, "Sub-account"): `list_keys` (the
//! key in use, then every sub-account's keys, each with its creation time), `create_key`,
//! `update_key` and `revoke` of a sub-account key, the sub-account named by its UID or user
//! name ([`crate::NewKeySpec::sub_account`], [`crate::KeyRef::Other`]; a key named without it
//! is looked for in every sub-account). Those calls send their parameters as a signed JSON
//! body. A new key is handed over only once BingX shows it bound to exactly the addresses
//! asked for and holding exactly the rights asked for; a key that can withdraw is never
//! created. The master account's own keys are managed on bingx.com only.

mod manage;
mod map;
mod sign;
#[cfg(feature = "testkit")]
pub(crate) mod simulate;
mod wire;

use async_trait::async_trait;
use serde_json::Value;

pub use sign::{body_param_string, signature};

use super::common::{as_code, message_of, take_envelope_field};
use super::venue::{self, Venue, VenueAdapter};
use super::{Environment, ExchangeId};
use crate::adapter::{
    Capabilities, KeyChange, KeyRef, NewKey, NewKeySpec, Operation, RevokeConfirm, Revoked, Support,
};
use crate::error::{AuthReason, Error, ErrorClass, ErrorCode, Result};
use crate::model::KeyInfo;
use crate::transport::answer::decode;
use crate::transport::pipeline::{Conventions, Endpoint};
use crate::transport::signing::{hex_of_sha256_mac, hmac_sha256, push_lower_hex, SigningKey};
use crate::transport::{RateLimit, Request};

/// The BingX venue.
#[derive(Debug)]
pub(crate) struct Bingx;

const KEY_INFO: Endpoint = Endpoint::read("GET", "/openApi/v1/account/apiPermissions");
const SERVER_TIME: Endpoint = Endpoint::read("GET", "/openApi/swap/v2/server/time");

impl Conventions for Bingx {
    fn exchange(&self) -> ExchangeId {
        ExchangeId::Bingx
    }

    fn sign(
        &self,
        request: &mut Request,
        key: &SigningKey,
        _: Environment,
        timestamp_ms: i64,
    ) -> Result<()> {
        use std::fmt::Write as _;
        // BingX's default window (5000 ms) applies: no recvWindow is sent.
        if request.method == reqwest::Method::POST && !request.body.is_empty() {
            return sign_json_body(request, key, timestamp_ms);
        }
        let query = &mut request.query;
        if !query.is_empty() {
            query.push('&');
        }
        let _ = write!(query, "timestamp={timestamp_ms}");
        let mac = hmac_sha256(key.hmac_key(), &[query.as_bytes(), request.body.as_bytes()]);
        query.push_str("&signature=");
        push_lower_hex(query, &mac);
        request.header("x-bx-apikey", key.api_key());
        Ok(())
    }

    /// BingX answers `{"code": 0, "data": …}`, and errors as `{"code": 100413, "msg": "…"}`,
    /// often with HTTP 200.
    fn error_in(&self, payload: &Value) -> Option<(String, String)> {
        let code = as_code(payload.get("code")?)?;
        (code.trim() != "0").then(|| (code, message_of(payload, "msg")))
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ERROR_CODES
    }

    /// `data` when the answer has the usual envelope; an answer without one is taken whole,
    /// as the docs print the apiPermissions example bare.
    /// A success without `data` (the documented answer of deleting a key) is an empty object.
    fn unwrap_payload(&self, payload: Value) -> std::result::Result<Value, String> {
        if payload.get("data").is_some() {
            match take_envelope_field(payload, "data")? {
                data @ Value::Object(_) => Ok(data),
                _ => Err("`data` is not an object".to_owned()),
            }
        } else if payload.is_object() && payload.get("code").is_none() {
            Ok(payload)
        } else if payload.is_object() {
            Ok(Value::Object(serde_json::Map::new()))
        } else {
            Err("answer has no `data`".to_owned())
        }
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

/// Signs a sub-account call sent as a JSON body: the body's parameters and `timestamp`,
/// sorted, are signed ([`sign::body_param_string`]), and the signature joins them in the body.
fn sign_json_body(request: &mut Request, key: &SigningKey, timestamp_ms: i64) -> Result<()> {
    let mut params = match serde_json::from_str::<Value>(&request.body) {
        Ok(Value::Object(params)) if request.query.is_empty() => params,
        _ => {
            return Err(Error::config(
                ExchangeId::Bingx,
                "a BingX POST is sent as a JSON object of its parameters, without a query: this request is not one",
            ))
        }
    };
    params.insert("timestamp".to_owned(), timestamp_ms.into());
    let signature = hex_of_sha256_mac(key.hmac_key(), &[&sign::body_param_string(&params)]);
    params.insert("signature".to_owned(), signature.into());
    request.body = Value::Object(params).to_string();
    request.header("x-bx-apikey", key.api_key());
    request.header("content-type", "application/json");
    Ok(())
}

#[async_trait]
impl Venue for Bingx {
    fn sandbox(&self) -> Environment {
        Environment::Production
    }

    // apiPermissions allows 5 requests per second per UID.
    fn rate_limit(&self) -> RateLimit {
        RateLimit::per_second(5)
    }

    fn capabilities(&self, _: Environment) -> Capabilities {
        Capabilities {
            key_info: Support::Native,
            reports_key_id: Support::Native,
            reports_label: Support::Native,
            reports_ip_restriction: Support::Native,
            reports_ip_list: Support::Native,
            reports_enabled: Support::Emulated,
            list_keys: Support::Native,
            create_key: Support::Native,
            update_key: Support::Native,
            revoke: Support::Native,
            ..Capabilities::NONE
        }
    }

    fn base_url(&self, environment: Environment) -> Option<&'static str> {
        match environment {
            Environment::Production => Some("https://open-api.bingx.com"),
            _ => None,
        }
    }

    fn key_info_endpoint(&self) -> Endpoint {
        KEY_INFO
    }

    fn map_key_info(&self, payload: &Value, _: &str) -> std::result::Result<KeyInfo, String> {
        let wire: wire::ApiPermissions = decode(payload, "apiPermissions answer")?;
        map::map_api_permissions(wire)
    }

    fn manual_step(&self, operation: Operation) -> Option<&'static str> {
        Some(match operation {
            Operation::Revoke | Operation::RevokeOwn => {
                "BingX deletes through the API only sub-account keys, from a master-account key holding Manage Subaccounts (KeyRef::Other, with the sub-account's UID or user name); delete the key in use or another master-account key on bingx.com under Account > API Management"
            }
            Operation::CreateKey => {
                "BingX creates keys through the API only for sub-accounts, from a master-account key holding Manage Subaccounts (NewKeySpec::sub_account); create a master-account key on bingx.com under Account > API Management, bound to your IP addresses and without withdrawals"
            }
            Operation::ListKeys => {
                "BingX lists sub-account keys only to a master-account key holding Manage Subaccounts: see every key on bingx.com under Account > API Management and Sub-account"
            }
            Operation::UpdateKey => {
                "BingX changes through the API only sub-account keys, from a master-account key holding Manage Subaccounts (KeyRef::Other); change the key in use on bingx.com under Account > API Management > Edit"
            }
            Operation::SetKeyEnabled => {
                "BingX has no call to disable a key and enable it again: delete the key (revoke, or bingx.com under Account > API Management), and create a new one when it is needed"
            }
            Operation::ResetSecret => {
                "BingX cannot give a key a new secret: create a new key (create_key for a sub-account, bingx.com Account > API Management otherwise), move the application to it, then delete the old key"
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

const ERRORS: &str =
    "bingx-api.github.io/docs-v3 \"Common error codes\" (BingX-API/docs-v3 @d84f954)";

/// BingX's statuses and codes.
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode::status(
        418,
        ErrorClass::Banned,
        "the address is banned after repeated 429s",
        ERRORS,
    ),
    ErrorCode::status(
        429,
        ErrorClass::RateLimited,
        "too many requests; the limit lifts after 5 minutes",
        ERRORS,
    ),
    ErrorCode::code(
        "80012",
        ErrorClass::Unavailable,
        "service unavailable",
        ERRORS,
    ),
    ErrorCode::code("80014", ErrorClass::Rejected, "invalid parameter", ERRORS),
    ErrorCode::code(
        "100001",
        ErrorClass::Auth(AuthReason::BadSignature),
        "signature verification failed",
        ERRORS,
    ),
    ErrorCode::code(
        "100004",
        ErrorClass::Auth(AuthReason::PermissionDenied),
        "permission denied: the API key was created without the permission",
        ERRORS,
    ),
    ErrorCode::code("100400", ErrorClass::Rejected, "invalid parameter", ERRORS),
    ErrorCode::code(
        "100410",
        ErrorClass::RateLimited,
        "rate limit exceeded",
        ERRORS,
    ),
    ErrorCode::code(
        "100412",
        ErrorClass::Auth(AuthReason::BadSignature),
        "null signature",
        ERRORS,
    ),
    ErrorCode::code(
        "100413",
        ErrorClass::Auth(AuthReason::InvalidKey),
        "Incorrect apiKey, please check your valid api key",
        ERRORS,
    ),
    ErrorCode::code(
        "100419",
        ErrorClass::Auth(AuthReason::IpNotAllowed),
        "IP does not match IP whitelist",
        ERRORS,
    ),
    ErrorCode::code(
        "100421",
        ErrorClass::Auth(AuthReason::TimestampOutOfWindow),
        "timestamp mismatch: the timestamp must be within 5 seconds of the API server time",
        ERRORS,
    ),
    ErrorCode::code(
        "100500",
        ErrorClass::Unavailable,
        "internal system error (a write's outcome is then unknown)",
        ERRORS,
    ),
];

/// Maps BingX's `apiPermissions` answer (its `data`, as JSON) to a [`KeyInfo`], without any
/// I/O.
pub fn map_key_info(payload: &Value) -> Result<KeyInfo> {
    venue::map_offline(&Bingx, payload)
}

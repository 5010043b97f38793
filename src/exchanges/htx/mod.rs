//! HTX (ex-Huobi): `GET /v2/user/api-key`, Signature V2 (base64 HMAC-SHA256 in the query).
//!
//! What HTX tells about a key: its rights (`readOnly`, `trade`, `withdraw`), the bound
//! addresses, its note, its status, when it was created and how many days it stays valid
//! (`-1`: permanent; a key bound to no address expires after 90 days). The call takes the
//! account's uid, which HTX gives through `GET /v2/user/uid`: inspecting a key is two reads.
//! Only a parent user's key may call it (sub-users are not allowed this endpoint).
//!
//! The signature covers the host: requests are signed for `api.huobi.pro` (HTX's documented
//! host), so a base URL on another host (`api-aws.huobi.pro`) is refused by HTX as a bad
//! signature (UNVERIFIED beyond the documentation's FAQ).
//!
//! HTX's API deletes (`/v2/sub-user/api-key-deletion`), changes and creates sub-user keys, the
//! last only with the parent's one-time code; this adapter does not drive those calls yet:
//! they are manual steps on htx.com.

mod map;
mod sign;
#[cfg(feature = "testkit")]
pub(crate) mod simulate;
mod wire;

use async_trait::async_trait;
use serde_json::Value;

pub use sign::{canonical_query, encode, signature, timestamp};

use super::common::{as_code, message_of, take_envelope_field};
use super::venue::{self, Venue, VenueAdapter};
use super::{Environment, ExchangeId};
use crate::adapter::{Capabilities, Operation, Support};
use crate::error::{AuthReason, Error, ErrorClass, ErrorCode, ErrorContext, Result};
use crate::model::KeyInfo;
use crate::transport::answer::decode;
use crate::transport::pipeline::{Conventions, Endpoint};
use crate::transport::signing::SigningKey;
use crate::transport::{RateLimit, Request};

/// The HTX venue.
#[derive(Debug)]
pub(crate) struct Htx;

/// The host HTX's signature names.
pub const SIGNED_HOST: &str = "api.huobi.pro";

const KEY_INFO: Endpoint = Endpoint::read("GET", "/v2/user/api-key");
const UID: Endpoint = Endpoint::read("GET", "/v2/user/uid");
const SERVER_TIME: Endpoint = Endpoint::read("GET", "/v1/common/timestamp");

impl Conventions for Htx {
    fn exchange(&self) -> ExchangeId {
        ExchangeId::Htx
    }

    fn sign(
        &self,
        request: &mut Request,
        key: &SigningKey,
        _: Environment,
        timestamp_ms: i64,
    ) -> Result<()> {
        let mut params: Vec<(String, String)> = form_urlencoded::parse(request.query.as_bytes())
            .map(|(n, v)| (n.into_owned(), v.into_owned()))
            .collect();
        params.extend(
            [
                ("AccessKeyId", key.api_key().to_owned()),
                ("SignatureMethod", "HmacSHA256".to_owned()),
                ("SignatureVersion", "2".to_owned()),
                ("Timestamp", timestamp(timestamp_ms)),
            ]
            .map(|(n, v)| (n.to_owned(), v)),
        );
        let canonical = canonical_query(&params);
        let sign = signature(
            key.hmac_key(),
            request.method.as_str(),
            SIGNED_HOST,
            &request.path,
            &canonical,
        );
        request.query = format!("{canonical}&Signature={}", encode(&sign));
        request.header(
            "content-type",
            if request.body.is_empty() {
                "application/x-www-form-urlencoded"
            } else {
                "application/json"
            },
        );
        Ok(())
    }

    /// v1: `{"status": "error", "err-code": "…", "err-msg": "…"}`; v2: `{"code": 1003,
    /// "message": "…"}` with `code` 200 on success.
    fn error_in(&self, payload: &Value) -> Option<(String, String)> {
        if let Some(status) = payload.get("status").and_then(Value::as_str) {
            if status.trim().eq_ignore_ascii_case("error") {
                let code = payload
                    .get("err-code")
                    .and_then(as_code)
                    .unwrap_or_else(|| "error".to_owned());
                return Some((code, message_of(payload, "err-msg")));
            }
        }
        let code = as_code(payload.get("code")?)?;
        (code.trim() != "200").then(|| (code, message_of(payload, "message")))
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ERROR_CODES
    }

    fn unwrap_payload(&self, payload: Value) -> std::result::Result<Value, String> {
        take_envelope_field(payload, "data")
    }

    fn server_time(&self) -> Option<Endpoint> {
        Some(SERVER_TIME)
    }

    fn server_time_ms(&self, payload: &Value) -> Option<i64> {
        payload.as_i64()
    }

    fn request_id_headers(&self) -> &'static [&'static str] {
        &[]
    }
}

#[async_trait]
impl Venue for Htx {
    fn sandbox(&self) -> Environment {
        Environment::Testnet
    }

    // HTX's documented limit is per key and endpoint (UNVERIFIED for these two calls: 20
    // requests per 2 s is what third-party clients use); two reads per inspection fit in it.
    fn rate_limit(&self) -> RateLimit {
        RateLimit::per_second(8)
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
            reports_enabled: Support::Native,
            reports_account_kind: Support::Emulated,
            ..Capabilities::NONE
        }
    }

    // HTX's testnet is stopped ("Testnet (Stopped)" in its documentation).
    fn base_url(&self, environment: Environment) -> Option<&'static str> {
        match environment {
            Environment::Production => Some("https://api.huobi.pro"),
            _ => None,
        }
    }

    fn key_info_endpoint(&self) -> Endpoint {
        KEY_INFO
    }

    /// The account's uid first (`GET /v2/user/uid`), then the key in use by its access key.
    async fn fetch_key_info(&self, adapter: &VenueAdapter) -> Result<(Value, ErrorContext)> {
        let (uid, context) = adapter.call(&UID, String::new(), String::new()).await?;
        let uid = match &uid {
            Value::Number(n) if n.as_u64().is_some() => n.to_string(),
            Value::String(s)
                if !s.trim().is_empty() && s.trim().bytes().all(|b| b.is_ascii_digit()) =>
            {
                s.trim().to_owned()
            }
            _ => {
                return Err(Error::decode(
                    "`GET /v2/user/uid` gave no numeric uid",
                    context,
                ))
            }
        };
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("accessKey", adapter.api_key())
            .append_pair("uid", &uid)
            .finish();
        adapter.call(&KEY_INFO, query, String::new()).await
    }

    /// The entry of `data` whose `accessKey` is the key in use. Offline, one entry (alone or
    /// in a one-element list) is taken as it is.
    fn own_entry(&self, payload: Value, api_key: &str) -> std::result::Result<Value, String> {
        let entries = match payload {
            Value::Array(entries) => entries,
            entry @ Value::Object(_) if api_key.is_empty() => return Ok(entry),
            _ => return Err("`data` is not a list of keys".to_owned()),
        };
        if api_key.is_empty() {
            return match <[Value; 1]>::try_from(entries) {
                Ok([entry]) => Ok(entry),
                Err(_) => Err("not one key listed, and no key given to pick one".to_owned()),
            };
        }
        entries
            .into_iter()
            .find(|entry| {
                entry
                    .get("accessKey")
                    .and_then(Value::as_str)
                    .is_some_and(|key| key.trim() == api_key.trim())
            })
            .ok_or_else(|| "`data` does not list the key in use".to_owned())
    }

    fn map_key_info(&self, payload: &Value, _: &str) -> std::result::Result<KeyInfo, String> {
        let wire: wire::ApiKey = decode(payload, "API key")?;
        map::map_api_key(wire)
    }

    fn manual_step(&self, operation: Operation) -> Option<&'static str> {
        Some(match operation {
            Operation::Revoke | Operation::RevokeOwn => {
                "delete the key on htx.com under Account > API Management (a sub-user's key: Sub-user Management > API key); HTX's API deletes only sub-user keys, which this adapter does not drive yet"
            }
            Operation::CreateKey => {
                "create the key on htx.com under Account > API Management, bound to your IP addresses (an unbound key expires after 90 days) and without withdrawals; HTX's API creates sub-user keys only with the parent's Google Authenticator code"
            }
            Operation::ListKeys => {
                "see every key on htx.com under Account > API Management, and each sub-user's under Sub-user Management"
            }
            Operation::UpdateKey => {
                "change the key's permissions, note and IP addresses on htx.com under Account > API Management > Edit"
            }
            Operation::SetKeyEnabled => {
                "HTX keys have no switch: delete the key on htx.com under Account > API Management and create a new one when it is needed"
            }
            Operation::ResetSecret => {
                "HTX cannot give a key a new secret: create a new key on htx.com under Account > API Management, switch the application over, then delete the old one"
            }
            _ => return None,
        })
    }

    #[cfg(feature = "testkit")]
    fn simulation(&self) -> crate::exchanges::simulation::Simulation {
        simulate::simulation()
    }
}

const AUTH: &str = "https://huobiapi.github.io/docs/spot/v1/en/#authentication (doc copy of 2026-07) and ccxt 4.5.90 htx.py:792-849";
const ERRORS: &str = "https://huobiapi.github.io/docs/spot/v1/en/#error-code (doc copy of 2026-07)";

/// HTX's codes. Every authentication failure of the v1 envelope is `api-signature-not-valid`,
/// told apart only by its message (wrong key, bad signature, address, expired key, time):
/// ambiguous, with HTX's message kept. Errors often come with HTTP 200: the body decides.
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode::status(429, ErrorClass::RateLimited, "too many requests", ERRORS),
    ErrorCode::code("api-signature-not-valid", ErrorClass::Auth(AuthReason::Ambiguous), "Signature not valid: the access key, the signature, the address, the key's expiry or the time, as the message says", AUTH),
    ErrorCode::code("rate-too-many-requests", ErrorClass::RateLimited, "Too many requests", AUTH),
    ErrorCode::code("base-request-exceed-frequency-limit", ErrorClass::RateLimited, "Request frequency exceeds the limit", AUTH),
    ErrorCode::code("1002", ErrorClass::Auth(AuthReason::PermissionDenied), "forbidden: the call is not allowed to this user or key", ERRORS),
    ErrorCode::code("1003", ErrorClass::Auth(AuthReason::Ambiguous), "unauthorized / invalid signature", ERRORS),
];

/// Maps one entry of `data` of HTX's `GET /v2/user/api-key` answer to a [`KeyInfo`], without
/// any I/O. Secret-named fields are scrubbed from `raw`.
pub fn map_key_info(payload: &Value) -> Result<KeyInfo> {
    venue::map_offline(&Htx, payload)
}

//! HTX (ex-Huobi): `GET /v2/user/api-key`, Signature V2 (base64 HMAC-SHA256 in the query).
//!
//! What HTX tells about a key: its rights (`readOnly`, `trade`, `withdraw`), the bound
//! addresses, its note, its status, when it was created and how many days it stays valid
//! (`-1`: permanent; a key bound to no address expires after 90 days). The call takes the
//! account's uid, which HTX gives through `GET /v2/user/uid`: inspecting a key is two reads.
//! Only a parent user's key may call it (sub-users are not allowed this endpoint, so a
//! sub-user's key cannot inspect itself).
//!
//! The signature covers the host, and a POST's JSON body is not signed at all: the adapter
//! signs every call for the host of its base URL (`api.huobi.pro` by default), so a signature
//! is never valid at a host it was not sent to. [`crate::ExchangeId::sign_request`] signs for
//! `api.huobi.pro`.
//!
//! Sub-user keys are managed from a parent user's key holding `trade` (`manage.rs`):
//! `list_keys` (the parent's keys, then every sub-user's, each naming its sub-user's uid),
//! `create_key` (`POST /v2/sub-user/api-key-generation`), `update_key`
//! (`api-key-modification`) and `revoke` (`api-key-deletion`) of a key of a sub-user, named by
//! its uid ([`crate::NewKeySpec::sub_account`], [`crate::KeyRef::sub_account_key`]). Creating
//! needs the parent's current Google Authenticator code (`otpToken`): the adapter asks the
//! [`crate::SecondFactor`] given to it ([`crate::AdapterBuilder::second_factor`]) once per
//! creation, and without one refuses before sending anything
//! ([`crate::AuthReason::SecondFactorRequired`]). A key is created bound to addresses only (an
//! unbound HTX key expires after 90 days), and handed over only once HTX's answer shows it bound
//! to exactly those addresses, without withdrawals; otherwise it is deleted again. The
//! parent's own keys are created, changed and deleted on htx.com only.

mod manage;
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
use crate::adapter::{
    Capabilities, KeyChange, KeyRef, NewKey, NewKeySpec, Operation, RevokeConfirm, Revoked, Support,
};
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

    /// Signs for HTX's documented host: what [`crate::ExchangeId::sign_request`] gives. The
    /// adapter's own calls are signed for the host they go to ([`SignedFor`]).
    fn sign(
        &self,
        request: &mut Request,
        key: &SigningKey,
        _: Environment,
        timestamp_ms: i64,
    ) -> Result<()> {
        sign_for(request, key, SIGNED_HOST, timestamp_ms);
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

/// Signs `request` with Signature V2 for `host`: the four authentication parameters join the
/// request's own query, all sorted and encoded, and the signature goes last.
fn sign_for(request: &mut Request, key: &SigningKey, host: &str, timestamp_ms: i64) {
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
    let mac = signature(
        key.hmac_key(),
        request.method.as_str(),
        host,
        &request.path,
        &canonical,
    );
    let mut query = canonical;
    query.push_str("&Signature=");
    sign::encode_into(&mut query, &mac);
    request.query = query;
    request.header(
        "content-type",
        if request.body.is_empty() {
            "application/x-www-form-urlencoded"
        } else {
            "application/json"
        },
    );
}

/// The host a request to `base_url` goes to, as Signature V2 names it: lower case, with the
/// port only where the URL names one that is not its scheme's default.
pub(crate) fn signed_host(base_url: &str) -> Option<String> {
    let url = reqwest::Url::parse(base_url).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// HTX's conventions, signing for the host the adapter sends to. A POST's body is not signed
/// (only the path and the authentication parameters are), so a request signed for
/// `api.huobi.pro` but sent to another host could be replayed at HTX with any body for as long
/// as its timestamp holds: every call of the adapter is signed for the host it goes to.
/// `whole` keeps the envelope (for `nextId`, beside `data`).
pub(crate) struct SignedFor {
    host: String,
    whole: bool,
}

impl SignedFor {
    fn of(adapter: &VenueAdapter, whole: bool) -> Result<SignedFor> {
        let base_url = adapter.pipeline.http.base_url();
        let host = signed_host(base_url).ok_or_else(|| {
            Error::config(
                ExchangeId::Htx,
                format!("the base URL `{base_url}` names no host to sign for: nothing was sent"),
            )
        })?;
        Ok(SignedFor { host, whole })
    }
}

impl Conventions for SignedFor {
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
        sign_for(request, key, &self.host, timestamp_ms);
        Ok(())
    }

    fn error_in(&self, payload: &Value) -> Option<(String, String)> {
        Htx.error_in(payload)
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ERROR_CODES
    }

    fn unwrap_payload(&self, payload: Value) -> std::result::Result<Value, String> {
        if self.whole {
            return Ok(payload);
        }
        Htx.unwrap_payload(payload)
    }

    fn server_time(&self) -> Option<Endpoint> {
        Htx.server_time()
    }

    fn server_time_ms(&self, payload: &Value) -> Option<i64> {
        Htx.server_time_ms(payload)
    }

    fn request_id_headers(&self) -> &'static [&'static str] {
        Htx.request_id_headers()
    }
}

/// Calls `endpoint` signed for the host it goes to; the payload is `data`.
pub(crate) async fn call(
    adapter: &VenueAdapter,
    endpoint: &Endpoint,
    query: String,
    body: String,
) -> Result<(Value, ErrorContext)> {
    let conventions = SignedFor::of(adapter, false)?;
    adapter.call_as(&conventions, endpoint, query, body).await
}

/// [`call`], keeping the whole envelope.
pub(crate) async fn call_whole(
    adapter: &VenueAdapter,
    endpoint: &Endpoint,
    query: String,
    body: String,
) -> Result<(Value, ErrorContext)> {
    let conventions = SignedFor::of(adapter, true)?;
    adapter.call_as(&conventions, endpoint, query, body).await
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
            list_keys: Support::Native,
            create_key: Support::Native,
            update_key: Support::Native,
            revoke: Support::Native,
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
        let uid = own_uid(adapter).await?;
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("accessKey", adapter.api_key())
            .append_pair("uid", &uid)
            .finish();
        call(adapter, &KEY_INFO, query, String::new()).await
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
                "HTX deletes through the API only sub-user keys, from a parent user's key holding trade (KeyRef::sub_account_key with the sub-user's uid); delete a parent user's key on htx.com under Account > API Management"
            }
            Operation::CreateKey => {
                "HTX creates through the API only sub-user keys, from a parent user's key holding trade, with the parent's Google Authenticator code (NewKeySpec::sub_account with the sub-user's uid, and a SecondFactor given to the adapter); create a parent user's key on htx.com under Account > API Management, bound to your IP addresses (an unbound key expires after 90 days) and without withdrawals"
            }
            Operation::ListKeys => {
                "HTX lists keys only to a parent user's key (a sub-user's key cannot call GET /v2/user/api-key): see every key on htx.com under Account > API Management, and each sub-user's under Sub-user Management"
            }
            Operation::UpdateKey => {
                "HTX changes through the API only sub-user keys (KeyRef::sub_account_key with the sub-user's uid); change a parent user's key on htx.com under Account > API Management > Edit"
            }
            Operation::SetKeyEnabled => {
                "HTX keys have no switch: delete the key (revoke, or on htx.com under Account > API Management) and create a new one when it is needed"
            }
            Operation::ResetSecret => {
                "HTX cannot give a key a new secret: create a new key (create_key for a sub-user, htx.com Account > API Management otherwise), switch the application over, then delete the old one"
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

const AUTH: &str = "https://huobiapi.github.io/docs/spot/v1/en/#authentication (doc copy of 2026-07) and ccxt 4.5.90 htx.py:792-849";
const ERRORS: &str = "https://huobiapi.github.io/docs/spot/v1/en/#error-code (doc copy of 2026-07)";
const SUB_USER_ERRORS: &str = "https://huobiapi.github.io/docs/spot/v1/en/#sub-user-management (the sub-user calls' return codes; doc copy of 2026-07)";
const SUB_USER_ACCESS: &str =
    "HTX's API_Docs README (sub-user keys: any endpoint not listed answers error-code 403)";

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
    // The sub-user calls' table: a field of the call (an unknown sub-user or key, a code
    // refused), not the caller's credentials.
    ErrorCode::code("2002", ErrorClass::Rejected, "invalid field value", SUB_USER_ERRORS),
    ErrorCode::code("2014", ErrorClass::Rejected, "number of api key in the request exceeded valid range (the sub-user holds as many keys as HTX allows)", SUB_USER_ERRORS),
    ErrorCode::code(manage::SUB_USER_FORBIDDEN, ErrorClass::Auth(AuthReason::PermissionDenied), "a sub-user's key called an endpoint sub-users may not call (GET /v2/user/api-key, the sub-user calls)", SUB_USER_ACCESS),
];

/// The uid of the account the adapter's key belongs to (`GET /v2/user/uid`).
pub(crate) async fn own_uid(adapter: &VenueAdapter) -> Result<String> {
    let (uid, context) = call(adapter, &UID, String::new(), String::new()).await?;
    uid_of(&uid).ok_or_else(|| Error::decode("`GET /v2/user/uid` gave no numeric uid", context))
}

/// A uid as HTX sends it: a number, or a string of digits.
pub(crate) fn uid_of(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) if n.as_u64().is_some() => Some(n.to_string()),
        Value::String(s)
            if !s.trim().is_empty() && s.trim().bytes().all(|b| b.is_ascii_digit()) =>
        {
            Some(s.trim().to_owned())
        }
        _ => None,
    }
}

/// Maps one entry of `data` of HTX's `GET /v2/user/api-key` answer to a [`KeyInfo`], without
/// any I/O. Secret-named fields are scrubbed from `raw`.
pub fn map_key_info(payload: &Value) -> Result<KeyInfo> {
    venue::map_offline(&Htx, payload)
}

#[cfg(test)]
mod tests {
    use super::signed_host;

    #[test]
    fn the_signed_host_is_the_one_the_request_goes_to() {
        assert_eq!(
            signed_host("https://api.huobi.pro").as_deref(),
            Some("api.huobi.pro")
        );
        assert_eq!(
            signed_host("https://API-AWS.huobi.pro/").as_deref(),
            Some("api-aws.huobi.pro")
        );
        // The scheme's default port is not named; another port is.
        assert_eq!(
            signed_host("https://api.huobi.pro:443").as_deref(),
            Some("api.huobi.pro")
        );
        assert_eq!(
            signed_host("http://127.0.0.1:8080").as_deref(),
            Some("127.0.0.1:8080")
        );
        assert_eq!(signed_host("not a url"), None);
    }
}

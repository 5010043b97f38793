//! KuCoin: `GET /api/v1/user/api-key`, base64 HMAC-SHA256 signing with a signed passphrase.
//!
//! What KuCoin tells about a key: its rights (`General`, `Spot`, `Margin`, `Futures`,
//! `InnerTransfer`, `Transfer` = withdrawal, `Earn`), its allowlist *masked* (`203.**.154`: kept
//! as [`crate::IpEntry::Pattern`], never compared exactly with a policy), its remark, id,
//! creation time, and whether it belongs to the master account. It reports no expiry.
//!
//! `KC-API-KEY-VERSION`: the adapter cannot know the key's version before asking (the answer's
//! `apiVersion` tells it afterwards), so it sends `2`, as ccxt does for every KuCoin key.
//! Versions 2 and 3 sign the passphrase the same way; KuCoin's universal SDK sends `3`. A key
//! KuCoin refuses for its version gives code 400008 or 400009, reported as such.
//!
//! Key management: KuCoin manages through the API only sub-account keys, from the master key
//! (`/api/v1/sub/api-key`, `…/update`). `list_keys` is native: the key in use and, from a
//! master key, every sub-account's keys (allowlists masked as ever). `create_key`,
//! `update_key` and `revoke` of a sub-account key are native, with two rules of KuCoin's:
//! - changing or deleting a key needs *that key's own passphrase*
//!   ([`KeyRef::with_passphrase`](crate::KeyRef::with_passphrase);
//!   [`ExchangeId::revoke_needs_key_passphrase`](crate::ExchangeId::revoke_needs_key_passphrase)
//!   says so). A created key's passphrase is drawn by this crate and handed over in
//!   [`NewKey::passphrase`](crate::NewKey::passphrase); a rotation is given the old key's, and a
//!   breach response leaves such keys to a person;
//! - no answer shows an allowlist unmasked, so a new or changed key is read back from its
//!   sub-account's list and accepted only if the masked list is *consistent with* exactly the
//!   addresses asked for (never claimed equal: a mask hides digits); a new key that is not is
//!   deleted before the error is returned.
//!
//! The update call takes no remark and replaces the allowlist, so a change must name the
//! addresses; it may also reset an expiry set at creation to KuCoin's default (never), since
//! this crate sends no `expire` (UNVERIFIED: the documentation names `-1` as the default
//! without saying whether an update without it keeps the key's own). The key in use is managed
//! on kucoin.com only.

mod manage;
mod map;
mod sign;
#[cfg(feature = "testkit")]
pub(crate) mod simulate;
mod wire;

use async_trait::async_trait;
use serde_json::Value;

pub use sign::{signature, signed_passphrase};

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
use secrecy::{ExposeSecret, SecretString};

/// The KuCoin venue.
#[derive(Debug)]
pub(crate) struct Kucoin;

const KEY_INFO: Endpoint = Endpoint::read("GET", "/api/v1/user/api-key");
const SERVER_TIME: Endpoint = Endpoint::read("GET", "/api/v1/timestamp");

/// The `KC-API-KEY-VERSION` sent: see the module documentation.
pub const KEY_VERSION: &str = "2";

impl Conventions for Kucoin {
    fn exchange(&self) -> ExchangeId {
        ExchangeId::Kucoin
    }

    fn sign(
        &self,
        request: &mut Request,
        key: &SigningKey,
        _: Environment,
        timestamp_ms: i64,
    ) -> Result<()> {
        let timestamp = timestamp_ms.to_string();
        let signature = base64_of_sha256_mac(
            key.hmac_key(),
            &[
                &timestamp,
                request.method.as_str(),
                &unencoded_path_and_query(&request.path, &request.query),
                &request.body,
            ],
        );
        request.header("kc-api-key", key.api_key());
        request.header("kc-api-sign", signature);
        request.header("kc-api-timestamp", timestamp);
        // `prepare` signed the passphrase once: it is the same for every request.
        if let Some(signed_passphrase) = key.passphrase() {
            request.header("kc-api-passphrase", signed_passphrase);
        }
        request.header("kc-api-key-version", KEY_VERSION);
        request.header("content-type", "application/json");
        Ok(())
    }

    fn error_in(&self, payload: &Value) -> Option<(String, String)> {
        let code = as_code(payload.get("code")?)?;
        (code != "200000").then(|| (code, message_of(payload, "msg")))
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ERROR_CODES
    }

    /// `data`: the key's information, or the server time in ms.
    fn unwrap_payload(&self, payload: Value) -> std::result::Result<Value, String> {
        take_envelope_field(payload, "data")
    }

    fn server_time(&self) -> Option<Endpoint> {
        Some(SERVER_TIME)
    }

    fn server_time_ms(&self, payload: &Value) -> Option<i64> {
        payload.as_i64()
    }
}

/// KuCoin signs the URL as it reads before encoding (`?subName=a&passphrase=abc!@#11` even
/// when `%21%40%23` is sent): the query is decoded for the signature only.
fn unencoded_path_and_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        return path.to_owned();
    }
    let pairs: Vec<String> = form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    format!("{path}?{}", pairs.join("&"))
}

#[async_trait]
impl Venue for Kucoin {
    fn sandbox(&self) -> Environment {
        Environment::Testnet
    }

    // Get Apikey Info weighs 20 in the Management pool (2000 per 30 s at VIP0): about three a
    // second for one account; this bounds the whole process.
    fn rate_limit(&self) -> RateLimit {
        RateLimit::per_second(3)
    }

    fn capabilities(&self, _: Environment) -> Capabilities {
        Capabilities {
            key_info: Support::Native,
            list_keys: Support::Native,
            create_key: Support::Native,
            update_key: Support::Native,
            revoke: Support::Native,
            reports_key_id: Support::Native,
            reports_label: Support::Native,
            reports_ip_restriction: Support::Native,
            reports_ip_list: Support::Native,
            reports_created_at: Support::Native,
            reports_enabled: Support::Emulated,
            reports_account_kind: Support::Native,
            ..Capabilities::NONE
        }
    }

    // No current spot sandbox (ccxt lists none; the futures sandbox is retired).
    fn base_url(&self, environment: Environment) -> Option<&'static str> {
        match environment {
            Environment::Production => Some("https://api.kucoin.com"),
            _ => None,
        }
    }

    fn prepare(&self, credentials: &Credentials) -> Result<SigningKey> {
        match credentials.passphrase() {
            // A version 2 or 3 key sends its passphrase signed, never as text: the signed form
            // is what the signing key keeps.
            Some(p) if !p.expose_secret().is_empty() => {
                let secret = credentials.secret().expose_secret().as_bytes();
                let signed = base64_of_sha256_mac(secret, &[p.expose_secret()]);
                Ok(SigningKey::hmac(
                    credentials.api_key(),
                    secret.to_vec(),
                    Some(&SecretString::from(signed)),
                ))
            }
            _ => Err(Error::config(
                ExchangeId::Kucoin,
                "KuCoin keys need their passphrase: Credentials::with_passphrase or KUCOIN_API_PASSPHRASE",
            )),
        }
    }

    fn key_info_endpoint(&self) -> Endpoint {
        KEY_INFO
    }

    fn map_key_info(&self, payload: &Value, _: &str) -> std::result::Result<KeyInfo, String> {
        let wire: wire::ApiKeyInfo = decode(payload, "API key information")?;
        map::map_api_key_info(wire)
    }

    fn manual_step(&self, operation: Operation) -> Option<&'static str> {
        Some(match operation {
            Operation::Revoke => {
                "delete the key on kucoin.com under Sub-Account > API (a key of the master account: Account > API Management); through the API, KuCoin deletes only sub-account keys, from the master key, and only with the key's own passphrase"
            }
            Operation::RevokeOwn => {
                "KuCoin deletes no key through the key itself: delete it on kucoin.com under Account > API Management (a sub-account's keys under Sub-Account > API)"
            }
            Operation::CreateKey => {
                "KuCoin creates keys through the API only for sub-accounts, from the master key: create the key on kucoin.com under Account > API Management (for a sub-account: Sub-Account > API), bound to your IP addresses, without Transfer (withdrawal)"
            }
            Operation::ListKeys => {
                "KuCoin lists sub-account keys only to a master key; a sub-account key sees only itself: see every key on kucoin.com under Account > API Management and Sub-Account > API"
            }
            Operation::UpdateKey => {
                "KuCoin changes through the API only sub-account keys, from the master key: change the key's rights or IP allowlist on kucoin.com under Account > API Management > Edit"
            }
            Operation::SetKeyEnabled => {
                "KuCoin keys cannot be disabled and enabled again: delete the key on kucoin.com under Account > API Management, and create a new one when it is needed again"
            }
            Operation::ResetSecret => {
                "KuCoin cannot give a key a new secret: create a new key on kucoin.com under Account > API Management, switch the application over to it, then delete the old key"
            }
            _ => return None,
        })
    }

    fn revoke_needs_key_passphrase(&self) -> bool {
        true
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

const CODES_PAGE: &str = "https://www.kucoin.com/docs-new/error-code (GATEWAY ERROR CODE); https://www.kucoin.com/zh-hant/docs/basic-info/errors-code/spot-errors-code";

/// KuCoin's codes. KuCoin answers `{"code": "400005", "msg": "…"}`; success is `200000`. The
/// HTTP statuses are not documented per code (ccxt reads 401 as an authentication failure): the
/// code decides.
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode::code("400001", ErrorClass::Rejected, "Any of KC-API-KEY, KC-API-SIGN, KC-API-TIMESTAMP, KC-API-PASSPHRASE is missing in your request header (a request this crate built wrongly)", CODES_PAGE),
    ErrorCode::code("400002", ErrorClass::Auth(AuthReason::TimestampOutOfWindow), "Invalid KC-API-TIMESTAMP: more than 5 s from the server's time", CODES_PAGE),
    ErrorCode::code("400003", ErrorClass::Auth(AuthReason::InvalidKey), "KC-API-KEY does not exist.", CODES_PAGE),
    ErrorCode::code("400004", ErrorClass::Auth(AuthReason::BadPassphrase), "Invalid KC-API-PASSPHRASE.", CODES_PAGE),
    ErrorCode::code("400005", ErrorClass::Auth(AuthReason::BadSignature), "Invalid KC-API-SIGN.", CODES_PAGE),
    ErrorCode::code("400006", ErrorClass::Auth(AuthReason::IpNotAllowed), "Invalid request IP, the current client IP is: %s.", CODES_PAGE),
    ErrorCode::code("400007", ErrorClass::Auth(AuthReason::PermissionDenied), "Access denied, requires more permission.", CODES_PAGE),
    ErrorCode::code("400008", ErrorClass::Auth(AuthReason::InvalidKey), "V1 & V2 API keys are no longer supported by this API. Please create a V3 API key.", CODES_PAGE),
    ErrorCode::code("400009", ErrorClass::Rejected, "Invalid KC-API-KEY-VERSION (the version header this crate sends)", CODES_PAGE),
    ErrorCode::code("400010", ErrorClass::Auth(AuthReason::PermissionDenied), "UID access denied, requires more permission.", CODES_PAGE),
    ErrorCode::code("400100", ErrorClass::Rejected, "Parameter Error", CODES_PAGE),
    ErrorCode::code("411100", ErrorClass::Auth(AuthReason::Disabled), "User are frozen", CODES_PAGE),
    ErrorCode::code("429000", ErrorClass::RateLimited, "Too many requests (HTTP 429)", CODES_PAGE),
    ErrorCode::code("500000", ErrorClass::Unavailable, "Internal Server Error", CODES_PAGE),
];

/// Maps `data` of KuCoin's `GET /api/v1/user/api-key` answer to a [`KeyInfo`], without any
/// I/O. Secret-named fields are scrubbed from `raw`.
pub fn map_key_info(payload: &Value) -> Result<KeyInfo> {
    venue::map_offline(&Kucoin, payload)
}

#[cfg(test)]
mod tests {
    use super::unencoded_path_and_query;

    // The documentation's example: sign `…&passphrase=abc!@#11` though `%21%40%23` is sent.
    #[test]
    fn the_query_is_signed_unencoded() {
        assert_eq!(
            unencoded_path_and_query(
                "/api/v1/sub/api-key",
                "apiKey=67b3&subName=test&passphrase=abc%21%40%2311"
            ),
            "/api/v1/sub/api-key?apiKey=67b3&subName=test&passphrase=abc!@#11"
        );
        assert_eq!(
            unencoded_path_and_query("/api/v1/user/api-key", ""),
            "/api/v1/user/api-key"
        );
    }
}

//! Bybit v5: `GET /v5/user/query-api`, hex HMAC-SHA256 signing.
//!
//! Bybit reports the most of any exchange: permission groups, the read-only flag, bound IPs
//! (`["*"]` when none), note, key, creation and expiry dates, and master or sub-account. Keys
//! without a bound IP expire after 90 days. Testnet (`api-testnet.bybit.com`) and demo
//! (`api-demo.bybit.com`) keys are inspected on their own hosts.

mod map;
mod sign;
#[cfg(feature = "testkit")]
pub(crate) mod simulate;
mod wire;

use serde_json::Value;

pub use sign::signature;

use super::common::{as_code, message_of, take_envelope_field};
use super::venue::{self, Venue, VenueAdapter};
use super::{Environment, ExchangeId};
use async_trait::async_trait;

use crate::adapter::{Capabilities, KeyRef, Operation, RevokeConfirm, Revoked, Support};
use crate::error::{AuthReason, ErrorClass, ErrorCode, Result};
use crate::model::KeyInfo;
use crate::transport::answer::decode;
use crate::transport::pipeline::{Conventions, Endpoint};
use crate::transport::signing::{hex_of_sha256_mac, SigningKey};
use crate::transport::{RateLimit, Request};

/// Receive window sent with every signed request, in ms (Bybit's default).
pub const RECV_WINDOW_MS: u32 = 5000;

/// The Bybit venue.
#[derive(Debug)]
pub(crate) struct Bybit;

const KEY_INFO: Endpoint = Endpoint::read("GET", "/v5/user/query-api");
/// Deletes the calling key ("The API key used to call this interface will be invalid
/// immediately"): never sent twice.
const DELETE_OWN_KEY: Endpoint = Endpoint::write("POST", "/v5/user/delete-api");
const SERVER_TIME: Endpoint = Endpoint::read("GET", "/v5/market/time");

impl Conventions for Bybit {
    fn exchange(&self) -> ExchangeId {
        ExchangeId::Bybit
    }

    fn sign(
        &self,
        request: &mut Request,
        key: &SigningKey,
        _: Environment,
        timestamp_ms: i64,
    ) -> Result<()> {
        let timestamp = timestamp_ms.to_string();
        let recv_window = RECV_WINDOW_MS.to_string();
        let payload = if request.body.is_empty() {
            &request.query
        } else {
            &request.body
        };
        let signature = hex_of_sha256_mac(
            key.hmac_key(),
            &[&timestamp, key.api_key(), &recv_window, payload],
        );
        request.header("x-bapi-api-key", key.api_key());
        request.header("x-bapi-timestamp", timestamp);
        request.header("x-bapi-recv-window", recv_window);
        request.header("x-bapi-sign", signature);
        if !request.body.is_empty() {
            request.header("content-type", "application/json");
        }
        Ok(())
    }

    fn error_in(&self, payload: &Value) -> Option<(String, String)> {
        let code = as_code(payload.get("retCode")?)?;
        (code != "0").then(|| (code, message_of(payload, "retMsg")))
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
        Some(SERVER_TIME)
    }

    fn server_time_ms(&self, payload: &Value) -> Option<i64> {
        let nanos: i64 = decode::<wire::ServerTime>(payload, "server time")
            .ok()?
            .time_nano
            .parse()
            .ok()?;
        Some(nanos / 1_000_000)
    }

    // Seen on real answers, not documented.
    fn request_id_headers(&self) -> &'static [&'static str] {
        &["traceid"]
    }
}

#[async_trait]
impl Venue for Bybit {
    fn sandbox(&self) -> Environment {
        Environment::Testnet
    }

    // Bybit bans an address for 10 minutes past 600 requests per 5 s; query-api allows 10 per
    // second per account.
    fn rate_limit(&self) -> RateLimit {
        RateLimit::per_second(20)
    }

    fn capabilities(&self, _: Environment) -> Capabilities {
        Capabilities {
            key_info: Support::Native,
            reports_ip_restriction: Support::Native,
            reports_key_id: Support::Native,
            reports_label: Support::Native,
            reports_ip_list: Support::Native,
            reports_created_at: Support::Native,
            reports_expiry: Support::Native,
            reports_enabled: Support::Emulated,
            reports_account_kind: Support::Native,
            reports_delegation: Support::Native,
            revoke_own: Support::Native,
            sandbox: Support::Native,
            ..Capabilities::NONE
        }
    }

    fn base_url(&self, environment: Environment) -> Option<&'static str> {
        match environment {
            Environment::Production => Some("https://api.bybit.com"),
            Environment::Testnet => Some("https://api-testnet.bybit.com"),
            Environment::Demo => Some("https://api-demo.bybit.com"),
            _ => None,
        }
    }

    fn key_info_endpoint(&self) -> Endpoint {
        KEY_INFO
    }

    fn map_key_info(&self, payload: &Value, _: &str) -> std::result::Result<KeyInfo, String> {
        let wire: wire::ApiKeyInfo = decode(payload, "query-api result")?;
        map::map_api_key_info(wire)
    }

    fn manual_step(&self, operation: Operation) -> Option<&'static str> {
        Some(match operation {
            Operation::Revoke => {
                "not yet implemented in this crate (a master key deletes sub-account keys through delete-sub-api): delete the key on bybit.com under Account > API Management"
            }
            Operation::RevokeOwn => {
                "delete the key on bybit.com under Account > API Management (through the API, only a master key holding Account Transfer, Subaccount Transfer or Withdrawal can delete itself)"
            }
            Operation::CreateKey => {
                "not yet implemented in this crate (Bybit creates sub-account keys through the API, never master keys): create it on bybit.com under Account > API Management, bound to your IP addresses"
            }
            Operation::ListKeys => {
                "not yet implemented in this crate: see bybit.com, Account > API Management"
            }
            _ => return None,
        })
    }

    /// Revokes the key in use through `POST /v5/user/delete-api`, which needs a master key
    /// holding "Account Transfer", "Subaccount Transfer" or "Withdrawal". The key dies at once:
    /// the adapter refuses every call afterwards.
    async fn revoke(
        &self,
        adapter: &VenueAdapter,
        _own_key: KeyRef,
        _: RevokeConfirm,
    ) -> Result<Revoked> {
        adapter
            .call(&DELETE_OWN_KEY, String::new(), "{}".to_owned())
            .await
            .map_err(|mut error| {
                if error.auth_reason() == Some(AuthReason::PermissionDenied) {
                    error.add_to_message(
                        "delete-api needs a master key holding Account Transfer, Subaccount Transfer or Withdrawal",
                    );
                }
                error
            })?;
        Ok(Revoked {
            exchange: ExchangeId::Bybit,
            key_id: Some(adapter.api_key().to_owned()),
        })
    }

    #[cfg(feature = "testkit")]
    fn simulation(&self) -> crate::exchanges::simulation::Simulation {
        simulate::simulation()
    }
}

const ERROR_MDX: &str = "bybit-exchange/docs docs/v5/error.mdx (072c197, 2026-07-24)";
const RATE_LIMIT_MDX: &str = "bybit-exchange/docs docs/v5/rate-limit/rate-limit.mdx (072c197)";

/// Bybit's statuses and codes. Bybit answers most errors with HTTP 200 and
/// `{"retCode": 10003, "retMsg": "…"}`; the status matters for bans and gateway errors.
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode::status(401, ErrorClass::Auth(AuthReason::Ambiguous), "Invalid request: the wrong key, or authentication parameters missing from the header", ERROR_MDX),
    ErrorCode::status(403, ErrorClass::Banned, "Forbidden: the IP rate limit (600 requests per 5 s) was breached, a U.S. address, or a GET with an empty JSON body; after \"access too frequent\" wait at least 10 minutes", RATE_LIMIT_MDX).wait(std::time::Duration::from_secs(600)),
    ErrorCode::status(404, ErrorClass::Rejected, "Cannot find path: a wrong path, or a category that does not match the account mode", ERROR_MDX),
    ErrorCode::status(429, ErrorClass::RateLimited, "System level frequency protection. Please retry", ERROR_MDX),
    ErrorCode::code("429", ErrorClass::Unavailable, "The trading service is experiencing a high server load. Please retry", ERROR_MDX),
    ErrorCode::code("10002", ErrorClass::Auth(AuthReason::TimestampOutOfWindow), "The request time exceeds the time window range.", ERROR_MDX),
    ErrorCode::code("10003", ErrorClass::Auth(AuthReason::InvalidKey), "API key is invalid. Check whether the key and domain are matched (mainnet, testnet, mainnet-demo, testnet-demo)", ERROR_MDX),
    ErrorCode::code("10004", ErrorClass::Auth(AuthReason::BadSignature), "Error sign, please check your signature generation algorithm.", ERROR_MDX),
    ErrorCode::code("10005", ErrorClass::Auth(AuthReason::PermissionDenied), "Permission denied, please check your API key permissions.", ERROR_MDX),
    ErrorCode::code("10006", ErrorClass::RateLimited, "Too many visits. Exceeded the API Rate Limit.", ERROR_MDX),
    ErrorCode::code("10007", ErrorClass::Auth(AuthReason::Ambiguous), "User authentication failed.", ERROR_MDX),
    ErrorCode::code("10008", ErrorClass::Auth(AuthReason::Disabled), "Common banned, please check your account mode", ERROR_MDX),
    ErrorCode::code("10009", ErrorClass::Auth(AuthReason::IpNotAllowed), "Service Restricted: access is currently unavailable for your region (the calling address's region)", ERROR_MDX),
    ErrorCode::code("10010", ErrorClass::Auth(AuthReason::IpNotAllowed), "Unmatched IP, please check your API key's bound IP addresses.", ERROR_MDX),
    ErrorCode::code("10016", ErrorClass::Unavailable, "Server error.", ERROR_MDX),
    ErrorCode::code("10018", ErrorClass::RateLimited, "Exceeded the IP Rate Limit (struck through in the current docs; kept for older answers)", ERROR_MDX),
    ErrorCode::code("10027", ErrorClass::Auth(AuthReason::Disabled), "Transactions are banned.", ERROR_MDX),
    ErrorCode::code("10429", ErrorClass::RateLimited, "System level frequency protection (documented for the WebSocket order entry)", ERROR_MDX),
    ErrorCode::code("33004", ErrorClass::Auth(AuthReason::Expired), "(Derivatives) Your api key has expired", ERROR_MDX),
    ErrorCode::code("-2015", ErrorClass::Auth(AuthReason::Expired), "(Spot) Your api key has expired", ERROR_MDX),
];

/// Maps the `result` of Bybit's `query-api` answer to a [`KeyInfo`], without any I/O.
/// Secret-named fields (Bybit sends an empty `secret`) are scrubbed from `raw`.
pub fn map_key_info(payload: &Value) -> Result<KeyInfo> {
    venue::map_offline(&Bybit, payload)
}

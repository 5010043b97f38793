//! Bybit v5: `GET /v5/user/query-api`, hex HMAC-SHA256 signing.
//!
//! Bybit reports the most of any exchange: permission groups, the read-only flag, bound IPs
//! (`["*"]` when none), note, key, creation and expiry dates, and master or sub-account. Keys
//! without a bound IP expire after 90 days. Testnet (`api-testnet.bybit.com`) and demo
//! (`api-demo.bybit.com`) keys are inspected on their own hosts.
//!
//! A master key manages its sub-accounts' keys through the API: `create_key` (for
//! [`NewKeySpec::sub_account`](crate::NewKeySpec), the sub-account's UID; the key is handed
//! over only once Bybit lists it bound to exactly the asked addresses), `update_key`
//! (permissions and addresses; Bybit's API takes no new note), `revoke` of another key
//! (`delete-sub-api`) and `list_keys` (the key in use, then every sub-account's keys). These
//! need a master key holding Account Transfer, Subaccount Transfer or Withdrawal (listing a
//! sub-account's keys takes any master key). Master keys themselves are created and changed
//! only on bybit.com; Bybit has no call to disable a key or to give it a new secret.
//! Demo-trading keys are managed from the production master key, so management is
//! unsupported on the demo host.

mod manage;
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

use crate::adapter::{
    Capabilities, KeyAdapter, KeyChange, KeyRef, NewKey, NewKeySpec, Operation, RevokeConfirm,
    Revoked, Support,
};
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

    fn capabilities(&self, environment: Environment) -> Capabilities {
        // Demo-trading keys are created, changed and deleted from the production master key
        // on api.bybit.com (docs/v5/demo.mdx): the demo host offers no management call.
        let managed = if environment == Environment::Demo {
            Support::Unsupported
        } else {
            Support::Native
        };
        Capabilities {
            key_info: Support::Native,
            list_keys: managed,
            revoke: managed,
            create_key: managed,
            update_key: managed,
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
        map::map_api_key_info(wire, map::Source::KeyInUse)
    }

    fn manual_step(&self, operation: Operation) -> Option<&'static str> {
        Some(match operation {
            Operation::Revoke => {
                "delete the key on bybit.com under Account > API Management (through the API, a master key holding Account Transfer, Subaccount Transfer or Withdrawal deletes its sub-accounts' keys; demo-trading keys are deleted from the production master key)"
            }
            Operation::RevokeOwn => {
                "delete the key on bybit.com under Account > API Management (through the API, only a master key holding Account Transfer, Subaccount Transfer or Withdrawal can delete itself)"
            }
            Operation::CreateKey => {
                "Bybit creates only sub-account keys through the API, from a master key holding Account Transfer, Subaccount Transfer or Withdrawal (demo-trading keys: from the production master key, with the demo account's UID): create other keys on bybit.com under Account > API Management, bound to your IP addresses"
            }
            Operation::ListKeys => {
                "see bybit.com, Account > API Management (through the API, a master key lists its sub-accounts' keys; on the demo host only the key in use can be inspected)"
            }
            Operation::UpdateKey => {
                "change the key on bybit.com under Account > API Management: through the API a master key changes only its sub-accounts' keys, their permissions and addresses, never a note (and Bybit has refused address changes of master keys through the API since 2026-02-10)"
            }
            Operation::SetKeyEnabled => {
                "Bybit documents no call to disable a key and enable it again: delete the key (revoke, or on bybit.com under Account > API Management) and create a new one when it is needed again"
            }
            Operation::ResetSecret => {
                "Bybit cannot give a key a new secret: create a new key with the same permissions and addresses (create_key for a sub-account key, or on bybit.com under Account > API Management), move the applications to it, then delete the old key"
            }
            _ => return None,
        })
    }

    /// `create-sub-api` for the sub-account [`NewKeySpec::sub_account`], checked against
    /// `sub-apikeys` before it is handed over.
    async fn create_key(&self, adapter: &VenueAdapter, spec: &NewKeySpec) -> Result<NewKey> {
        manage::create(adapter, spec).await
    }

    /// The key in use, then every sub-account's keys.
    async fn list_keys(&self, adapter: &VenueAdapter) -> Result<Vec<KeyInfo>> {
        manage::list(adapter).await
    }

    /// `update-sub-api` for a sub-account key. The key in use is changed on bybit.com: a
    /// master key can no longer change its own addresses through the API, and changing its
    /// own permissions could cut off the application using it.
    async fn update_key(
        &self,
        adapter: &VenueAdapter,
        target: KeyRef,
        change: &KeyChange,
    ) -> Result<()> {
        match target {
            KeyRef::Other {
                key_id,
                sub_account,
                ..
            } => manage::update(adapter, key_id.trim(), sub_account.as_deref(), change).await,
            _ => Err(adapter.unsupported(Operation::UpdateKey)),
        }
    }

    /// Revokes another key through `POST /v5/user/delete-sub-api` (a sub-account key, named by
    /// its `apikey`; Bybit needs no sub-account UID), or the key in use through `POST
    /// /v5/user/delete-api`. Both need a master key holding "Account Transfer", "Subaccount
    /// Transfer" or "Withdrawal". The key dies at once: after revoking its own, the adapter
    /// refuses every call.
    async fn revoke(
        &self,
        adapter: &VenueAdapter,
        target: KeyRef,
        _: RevokeConfirm,
    ) -> Result<Revoked> {
        if let KeyRef::Other { key_id, .. } = target {
            let key_id = key_id.trim().to_owned();
            manage::delete(adapter, &key_id).await?;
            return Ok(Revoked {
                exchange: ExchangeId::Bybit,
                key_id: Some(key_id),
            });
        }
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
    ErrorCode::code("10001", ErrorClass::Rejected, "Request parameter error", ERROR_MDX),
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
    ErrorCode::code("20096", ErrorClass::Rejected, "need KYC authentication (listed among the User codes)", ERROR_MDX),
    ErrorCode::code("81007", ErrorClass::Rejected, "Bybit Europe is not supported create API Key (listed among the User codes)", ERROR_MDX),
    ErrorCode::code("141004", ErrorClass::Rejected, "sub member is not normal (the sub-account is frozen or banned)", ERROR_MDX),
    ErrorCode::code("141019", ErrorClass::Rejected, "To add or update the IP whitelist, go to API management and select Edit (addresses cannot be changed through the API here: change them on bybit.com)", ERROR_MDX),
    ErrorCode::code("141020", ErrorClass::Rejected, "To change read and write permissions for sensitive actions, go to API management and select Edit (change them on bybit.com)", ERROR_MDX),
];

/// Maps the `result` of Bybit's `query-api` answer to a [`KeyInfo`], without any I/O.
/// Secret-named fields (Bybit sends an empty `secret`) are scrubbed from `raw`.
pub fn map_key_info(payload: &Value) -> Result<KeyInfo> {
    venue::map_offline(&Bybit, payload)
}

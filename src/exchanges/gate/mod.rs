//! Gate (APIv4): `GET /api/v4/account/main_keys`, hex HMAC-SHA512 signing.
//!
//! What Gate tells about a key of the main account: its permission groups (each with
//! `read_only`), the IP allowlist, its name, its state, when it was created and last used.
//! `main_keys` lists every key of the main account, each masked to its first 12 characters: the
//! key in use is the one entry whose visible prefix starts the adapter's key (exactly one, or
//! the inspection fails saying why). Gate documents no expiry.
//!
//! `GET /api/v4/account/detail` (the allowlist of the key in use, its mode) is not called: for
//! a main-account key `main_keys` carries the same allowlist, and more. A sub-account key is
//! not among the main keys (UNVERIFIED whether Gate answers `main_keys` to it at all): its
//! inspection fails with an error saying so.
//!
//! Gate manages keys through the API only for sub-accounts, from the main account's key
//! (gate.com/docs/developers/apiv4/en/subaccount): `list_keys` (the key in use, then every key of
//! every sub-account, each with its sub-account's user id), `create_key`, `update_key` and
//! `revoke` of a sub-account key, named by the sub-account's user id
//! ([`crate::NewKeySpec::sub_account`], [`crate::KeyRef::sub_account_key`]). A new key is handed
//! over only once Gate shows it bound to exactly the addresses asked for and holding exactly the
//! rights asked for; it is never given `wallet` (withdrawals, transfers) or `account` writing.
//! Keys of the main account, the key in use among them, are managed on gate.com only.

mod manage;
mod map;
mod sign;
#[cfg(feature = "testkit")]
pub(crate) mod simulate;
mod wire;

use async_trait::async_trait;
use serde_json::Value;

pub use sign::{signature, timestamp};

use super::common::message_of;
use super::venue::{self, Venue, VenueAdapter};
use super::{Environment, ExchangeId};
use crate::adapter::{
    Capabilities, KeyChange, KeyRef, NewKey, NewKeySpec, Operation, RevokeConfirm, Revoked, Support,
};
use crate::error::{AuthReason, Error, ErrorClass, ErrorCode, Result};
use crate::model::KeyInfo;
use crate::transport::answer::decode;
use crate::transport::pipeline::{Conventions, Endpoint};
use crate::transport::signing::SigningKey;
use crate::transport::{RateLimit, Request};

/// The Gate venue.
#[derive(Debug)]
pub(crate) struct Gate;

const KEY_INFO: Endpoint = Endpoint::read("GET", "/api/v4/account/main_keys");
const SERVER_TIME: Endpoint = Endpoint::read("GET", "/api/v4/spot/time");

impl Conventions for Gate {
    fn exchange(&self) -> ExchangeId {
        ExchangeId::Gate
    }

    fn sign(
        &self,
        request: &mut Request,
        key: &SigningKey,
        _: Environment,
        timestamp_ms: i64,
    ) -> Result<()> {
        let timestamp = timestamp(timestamp_ms);
        let sign = signature(
            key.hmac_key(),
            request.method.as_str(),
            &request.path,
            &request.query,
            &request.body,
            &timestamp,
        );
        request.header("key", key.api_key());
        request.header("sign", sign);
        request.header("timestamp", timestamp);
        if !request.body.is_empty() {
            request.header("content-type", "application/json");
        }
        Ok(())
    }

    /// `{"label": "INVALID_KEY", "message": "…"}` (sometimes `detail` for `message`).
    fn error_in(&self, payload: &Value) -> Option<(String, String)> {
        let label = payload.get("label")?.as_str()?.trim();
        if label.is_empty() {
            return None;
        }
        let message = match message_of(payload, "message") {
            m if m.is_empty() => message_of(payload, "detail"),
            m => m,
        };
        Some((label.to_owned(), message))
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        ERROR_CODES
    }

    fn server_time(&self) -> Option<Endpoint> {
        Some(SERVER_TIME)
    }

    fn server_time_ms(&self, payload: &Value) -> Option<i64> {
        Some(
            decode::<wire::ServerTime>(payload, "server time")
                .ok()?
                .server_time,
        )
    }

    fn request_id_headers(&self) -> &'static [&'static str] {
        &["x-gate-trace-id"]
    }
}

#[async_trait]
impl Venue for Gate {
    fn sandbox(&self) -> Environment {
        Environment::Testnet
    }

    // "Other private endpoints: 150 requests per 10 s per endpoint" (UNVERIFIED for main_keys):
    // this stays within it for the whole process.
    fn rate_limit(&self) -> RateLimit {
        RateLimit::per_second(10)
    }

    fn capabilities(&self, _: Environment) -> Capabilities {
        Capabilities {
            key_info: Support::Native,
            list_keys: Support::Native,
            revoke: Support::Native,
            create_key: Support::Native,
            update_key: Support::Native,
            reports_key_id: Support::Native,
            reports_label: Support::Native,
            reports_ip_restriction: Support::Native,
            reports_ip_list: Support::Native,
            reports_created_at: Support::Native,
            reports_last_used: Support::Native,
            reports_enabled: Support::Native,
            reports_account_kind: Support::Emulated,
            sandbox: Support::Native,
            ..Capabilities::NONE
        }
    }

    fn base_url(&self, environment: Environment) -> Option<&'static str> {
        match environment {
            Environment::Production => Some("https://api.gateio.ws"),
            Environment::Testnet => Some("https://api-testnet.gateapi.io"),
            _ => None,
        }
    }

    fn key_info_endpoint(&self) -> Endpoint {
        KEY_INFO
    }

    /// The entry of `main_keys` whose visible prefix starts the key in use. Offline, one
    /// entry (alone or in a one-element list) is taken as it is.
    fn own_entry(&self, payload: Value, api_key: &str) -> std::result::Result<Value, String> {
        let entries = match payload {
            Value::Array(entries) => entries,
            entry @ Value::Object(_) if api_key.is_empty() => return Ok(entry),
            _ => return Err("the answer is not a list of keys".to_owned()),
        };
        if api_key.is_empty() {
            return match <[Value; 1]>::try_from(entries) {
                Ok([entry]) => Ok(entry),
                Err(_) => Err("several keys listed and no key given to pick one".to_owned()),
            };
        }
        let mut matching: Vec<Value> = entries
            .into_iter()
            .filter(|entry| {
                entry
                    .get("key")
                    .and_then(Value::as_str)
                    .is_some_and(|shown| shows(shown, api_key))
            })
            .collect();
        match matching.len() {
            1 => Ok(matching.remove(0)),
            0 => Err("the key in use is not among the main account's keys (a sub-account key is inspected from the main account, on gate.com under API Management)".to_owned()),
            n => Err(format!("{n} main-account keys show the same prefix as the key in use: which one it is cannot be told")),
        }
    }

    /// The entry was picked because its visible prefix starts the key in use: its id is the
    /// adapter's own public key, given whole (the evidence keeps the masked one).
    fn map_key_info(&self, payload: &Value, api_key: &str) -> std::result::Result<KeyInfo, String> {
        let wire: wire::KeyEntry = decode(payload, "main-account key")?;
        let mut info = map::map_main_key(wire)?;
        if let crate::model::Reported::Known(shown) = &info.key_id {
            if !api_key.trim().is_empty() && shows(shown, api_key) {
                info.key_id = crate::model::Reported::Known(api_key.trim().to_owned());
            }
        }
        Ok(info)
    }

    fn manual_step(&self, operation: Operation) -> Option<&'static str> {
        Some(match operation {
            Operation::Revoke | Operation::RevokeOwn => {
                "Gate deletes through the API only sub-account keys, from the main account's key (KeyRef::sub_account_key with the sub-account's user id); delete the key in use or another main-account key on gate.com under Account > API Management"
            }
            Operation::CreateKey => {
                "Gate creates keys through the API only for sub-accounts, from the main account's key (NewKeySpec::sub_account: the sub-account's user id); create a main-account key on gate.com under Account > API Management, bound to your IP addresses and without the wallet (withdrawal) permission"
            }
            Operation::ListKeys => {
                "Gate lists keys to the main account's key only: see every key on gate.com under Account > API Management, and each sub-account's under Sub-Accounts > API Keys"
            }
            Operation::UpdateKey => {
                "Gate changes through the API only sub-account keys, from the main account's key (KeyRef::sub_account_key); change the key in use or another main-account key on gate.com under Account > API Management > Edit (changes take up to 5 minutes to apply)"
            }
            Operation::SetKeyEnabled => {
                "Gate keys have no switch: delete the key on gate.com under Account > API Management and create a new one when it is needed (a whole sub-account can be locked under Sub-Accounts)"
            }
            Operation::ResetSecret => {
                "Gate cannot give a key a new secret: create a new key on gate.com under Account > API Management, switch the application over, then delete the old one"
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

/// Whether a key Gate shows (masked: a prefix, then `*`) is `api_key`: the visible prefix, of
/// at least 8 characters, starts it; an unmasked key must be equal.
fn shows(shown: &str, api_key: &str) -> bool {
    let shown = shown.trim();
    let api_key = api_key.trim();
    match shown.find('*') {
        Some(at) => at >= 8 && api_key.starts_with(&shown[..at]),
        None => !shown.is_empty() && shown == api_key,
    }
}

const LABELS: &str =
    "https://www.gate.io/docs/developers/apiv4/en/#label-list (doc copy of 2026-07)";
const ERRORS: &str =
    "https://www.gate.io/docs/developers/apiv4/en/#error-handling (doc copy of 2026-07)";

/// Gate's error labels. Gate answers a non-2xx status with `{"label": "…", "message": "…"}`;
/// the label decides (an address refusal has been seen as 403 with `FORBIDDEN` as well).
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode::status(
        401,
        ErrorClass::Auth(AuthReason::Ambiguous),
        "authentication failed (the label says how)",
        ERRORS,
    ),
    ErrorCode::status(429, ErrorClass::RateLimited, "too many requests", ERRORS),
    ErrorCode::code(
        "INVALID_KEY",
        ErrorClass::Auth(AuthReason::InvalidKey),
        "Invalid API Key",
        LABELS,
    ),
    ErrorCode::code(
        "INVALID_CREDENTIALS",
        ErrorClass::Auth(AuthReason::Ambiguous),
        "Invalid credentials provided",
        LABELS,
    ),
    ErrorCode::code(
        "INVALID_SIGNATURE",
        ErrorClass::Auth(AuthReason::BadSignature),
        "Invalid signature",
        LABELS,
    ),
    ErrorCode::code(
        "MISSING_REQUIRED_HEADER",
        ErrorClass::Rejected,
        "Missing required authentication header (a request this crate built wrongly)",
        LABELS,
    ),
    ErrorCode::code(
        "REQUEST_EXPIRED",
        ErrorClass::Auth(AuthReason::TimestampOutOfWindow),
        "Request Timestamp is far from the server time (more than 60 s)",
        LABELS,
    ),
    ErrorCode::code(
        "IP_FORBIDDEN",
        ErrorClass::Auth(AuthReason::IpNotAllowed),
        "Request IP not in whitelist",
        LABELS,
    ),
    ErrorCode::code(
        "READ_ONLY",
        ErrorClass::Auth(AuthReason::PermissionDenied),
        "API key is read-only",
        LABELS,
    ),
    ErrorCode::code(
        "FORBIDDEN",
        ErrorClass::Auth(AuthReason::Ambiguous),
        "No permission (also seen for an address not on the allowlist)",
        LABELS,
    ),
    ErrorCode::code(
        "ACCOUNT_LOCKED",
        ErrorClass::Auth(AuthReason::Disabled),
        "Account is locked",
        LABELS,
    ),
    ErrorCode::code(
        "TOO_MANY_REQUESTS",
        ErrorClass::RateLimited,
        "Request rate limit exceeded",
        LABELS,
    ),
    ErrorCode::code(
        "TOO_FAST",
        ErrorClass::RateLimited,
        "Withdrawal frequency is limited",
        LABELS,
    ),
    ErrorCode::code(
        "SERVER_ERROR",
        ErrorClass::Unavailable,
        "Internal server error",
        LABELS,
    ),
    ErrorCode::code(
        "TOO_BUSY",
        ErrorClass::Unavailable,
        "Server is too busy at the moment",
        LABELS,
    ),
];

/// Maps one entry of Gate's `account/main_keys` answer to a [`KeyInfo`], without any I/O.
/// Secret-named fields are scrubbed from `raw`.
pub fn map_key_info(payload: &Value) -> Result<KeyInfo> {
    venue::map_offline(&Gate, payload)
}

/// Maps one element of `GET /api/v4/sub_accounts/{user_id}/keys` (a key of sub-account
/// `user_id`) to a [`KeyInfo`] as [`crate::KeyAdapter::list_keys`] does, without any I/O.
/// Secret-named fields are scrubbed from `raw`.
pub fn map_sub_account_key(key: &Value, user_id: &str) -> Result<KeyInfo> {
    let context = || crate::error::ErrorContext::new(ExchangeId::Gate);
    let outcome = decode::<wire::KeyEntry>(key, "sub-account API key")
        .and_then(|wire| map::map_sub_account_key(wire, user_id))
        .map(|mut info| {
            info.raw = key.clone();
            info
        })
        .map_err(|what| Error::decode(what, context()));
    crate::transport::scrub::Scrubber::without_secrets().outcome(outcome)
}

#[cfg(test)]
mod tests {
    use super::shows;

    #[test]
    fn the_visible_prefix_picks_the_key() {
        assert!(shows(
            "c5dcfbf1f3a7*****",
            "c5dcfbf1f3a7e2b9d40c1a6f8e3b5d71"
        ));
        assert!(!shows(
            "c5dcfbf1f3a7*****",
            "52fd0035f665e2b9d40c1a6f8e3b5d71"
        ));
        assert!(!shows("c5*****", "c5dcfbf1f3a7e2b9d40c1a6f8e3b5d71"));
        assert!(!shows("", "c5dcfbf1"));
    }
}

//! OKX: `GET /api/v5/account/config`, base64 HMAC-SHA256 signing with a passphrase.
//!
//! What OKX tells about a key: its rights (`read_only`, `trade`, `withdraw`: one trade right
//! covers every product), the bound IP addresses, the label, and whether the account is the
//! master. It reports no key id, creation or expiry date. Demo trading uses the same host with
//! the header `x-simulated-trading: 1` and a key created in demo mode.

mod map;
mod sign;
#[cfg(feature = "testkit")]
pub(crate) mod simulate;
mod wire;

use serde_json::Value;

pub use sign::{signature, timestamp};

use super::common::{as_code, message_of, take_envelope_field};
use super::venue::{self, Venue};
use super::{Environment, ExchangeId};
use crate::adapter::{Capabilities, Operation, Support};
use crate::credentials::Credentials;
use crate::error::{AuthReason, Error, Result};
use crate::model::KeyInfo;
use crate::transport::answer::{decode, ErrorClass};
use crate::transport::{RateLimit, Request};
use secrecy::ExposeSecret;

/// The OKX venue.
#[derive(Debug)]
pub(crate) struct Okx;

impl Venue for Okx {
    const ID: ExchangeId = ExchangeId::Okx;
    const KEY_INFO_PATH: &'static str = "/api/v5/account/config";
    const SERVER_TIME_PATH: &'static str = "/api/v5/public/time";
    const SANDBOX: Environment = Environment::Demo;
    // account/config allows 5 requests per 2 s per key; this bounds the whole process.
    const RATE_LIMIT: RateLimit = RateLimit::per_second(20);

    fn capabilities(_: Environment) -> Capabilities {
        Capabilities {
            key_info: Support::Native,
            reports_label: Support::Native,
            reports_ip_list: Support::Native,
            reports_enabled: Support::Emulated,
            reports_account_kind: Support::Native,
            sandbox: Support::Native,
            ..Capabilities::NONE
        }
    }

    fn base_url(environment: Environment) -> Option<&'static str> {
        match environment {
            Environment::Production | Environment::Demo => Some("https://www.okx.com"),
            _ => None,
        }
    }

    fn check_credentials(credentials: &Credentials) -> Result<()> {
        match credentials.passphrase() {
            Some(p) if !p.expose_secret().is_empty() => Ok(()),
            _ => Err(Error::config(
                ExchangeId::Okx,
                "OKX keys need their passphrase: Credentials::with_passphrase or OKX_API_PASSPHRASE",
            )),
        }
    }

    fn sign(
        request: &mut Request,
        credentials: &Credentials,
        environment: Environment,
        timestamp_ms: i64,
    ) {
        let timestamp = timestamp(timestamp_ms);
        let signature = signature(
            credentials.secret(),
            &timestamp,
            request.method.as_str(),
            &request.path_and_query(),
            &request.body,
        );
        request.header("ok-access-key", credentials.api_key());
        request.header("ok-access-sign", signature);
        request.header("ok-access-timestamp", timestamp);
        if let Some(passphrase) = credentials.passphrase() {
            request.header("ok-access-passphrase", passphrase.expose_secret());
        }
        request.header("content-type", "application/json");
        if environment == Environment::Demo {
            request.header("x-simulated-trading", "1");
        }
    }

    fn error_in(payload: &Value) -> Option<(String, String)> {
        let code = as_code(payload.get("code")?)?;
        (code != "0").then(|| (code, message_of(payload, "msg")))
    }

    fn classify(code: &str) -> Option<ErrorClass> {
        Some(match code {
            "50111" | "50119" | "50101" => ErrorClass::Auth(AuthReason::InvalidKey),
            "50105" => ErrorClass::Auth(AuthReason::BadPassphrase),
            "50113" | "50114" => ErrorClass::Auth(AuthReason::BadSignature),
            "50110" => ErrorClass::Auth(AuthReason::IpNotAllowed),
            "50035" | "50120" | "50030" => ErrorClass::Auth(AuthReason::PermissionDenied),
            "50102" | "50112" => ErrorClass::Auth(AuthReason::TimestampOutOfWindow),
            "50100" => ErrorClass::Auth(AuthReason::Disabled),
            "50011" => ErrorClass::RateLimited,
            // 50013 "Systems are busy".
            "50001" | "50013" | "50026" => ErrorClass::Unavailable,
            _ => return None,
        })
    }

    fn unwrap_payload(payload: Value) -> std::result::Result<Value, String> {
        match take_envelope_field(payload, "data")? {
            Value::Array(items) => items
                .into_iter()
                .next()
                .ok_or_else(|| "`data` is an empty list".to_owned()),
            _ => Err("`data` is not a list".to_owned()),
        }
    }

    fn server_time_ms(payload: &Value) -> Option<i64> {
        decode::<wire::ServerTime>(payload, "server time")
            .ok()?
            .ts
            .parse()
            .ok()
    }

    fn map_key_info(payload: &Value) -> std::result::Result<KeyInfo, String> {
        let wire: wire::AccountConfig = decode(payload, "account config")?;
        Ok(map::map_account_config(&wire))
    }

    fn manual_step(operation: Operation) -> Option<&'static str> {
        Some(match operation {
            Operation::Revoke => {
                "OKX has no API to delete the key in use (a master key can delete sub-account keys): log in to okx.com, open Profile > API keys, and delete it there"
            }
            Operation::CreateKey => {
                "OKX creates keys through the API only for sub-accounts, from an IP-bound master key: create it on okx.com under Profile > API keys, bound to your IP addresses, without withdrawals"
            }
            Operation::ListKeys => {
                "OKX lists keys only per sub-account through the API: see okx.com, Profile > API keys"
            }
            _ => return None,
        })
    }

    #[cfg(feature = "testkit")]
    fn simulation() -> crate::testkit::Simulation {
        simulate::simulation()
    }
}

/// Maps one element of `data` of OKX's `account/config` answer to a [`KeyInfo`], without any
/// I/O. Secret-named fields are scrubbed from `raw`.
pub fn map_key_info(payload: &Value) -> Result<KeyInfo> {
    venue::map_offline::<Okx>(payload)
}

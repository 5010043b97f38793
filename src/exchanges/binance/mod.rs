//! Binance: `GET /sapi/v1/account/apiRestrictions`, HMAC-SHA256 hex signing.
//!
//! What Binance tells about a key: every permission flag, whether an IP allowlist is set (not
//! the list), the creation time and, for keys whose trading right expires, that expiry
//! ([`crate::KeyInfo::trading_expires_at`]; the key itself keeps reading). It
//! reports no key id, label or account kind. `-2015` means an invalid key, a calling IP outside
//! the allowlist, *or* a missing permission: this crate reports it as
//! [`crate::AuthReason::Ambiguous`] rather than guess.
//!
//! Binance's spot testnet and demo do not serve `/sapi`, so key inspection works on production
//! keys only. The key in use cannot be revoked or rotated through the API.

mod map;
mod sign;
#[cfg(feature = "testkit")]
pub(crate) mod simulate;
mod wire;

use serde_json::Value;

pub use sign::signature;

use super::common::{as_code, message_of};
use super::venue::{self, Venue};
use super::{Environment, ExchangeId};
use crate::adapter::{Capabilities, Operation, Support};
use crate::credentials::Credentials;
use crate::error::{AuthReason, Result};
use crate::model::KeyInfo;
use crate::transport::answer::{decode, ErrorClass};
use crate::transport::{RateLimit, Request};

/// Receive window sent with every signed request, in ms (Binance's default).
pub const RECV_WINDOW_MS: u32 = 5000;

/// The Binance venue.
#[derive(Debug)]
pub(crate) struct Binance;

impl Venue for Binance {
    const ID: ExchangeId = ExchangeId::Binance;
    const KEY_INFO_PATH: &'static str = "/sapi/v1/account/apiRestrictions";
    const SERVER_TIME_PATH: &'static str = "/api/v3/time";
    // Present on every captured answer, though not documented.
    const REQUEST_ID_HEADERS: &'static [&'static str] = &["x-mbx-uuid"];
    const SANDBOX: Environment = Environment::Testnet;
    // apiRestrictions weighs 1 of the 6000 weight an address may spend per minute: a tenth of
    // the budget, the rest stays the caller's.
    const RATE_LIMIT: RateLimit = RateLimit::per_second(10);

    fn capabilities(environment: Environment) -> Capabilities {
        let inspectable = if environment == Environment::Production {
            Support::Native
        } else {
            Support::Unsupported
        };
        Capabilities {
            key_info: inspectable,
            reports_ip_list: Support::Unsupported,
            reports_created_at: Support::Native,
            reports_trading_expiry: Support::Native,
            reports_enabled: Support::Emulated,
            ..Capabilities::NONE
        }
    }

    fn base_url(environment: Environment) -> Option<&'static str> {
        match environment {
            Environment::Production => Some("https://api.binance.com"),
            Environment::Testnet => Some("https://testnet.binance.vision"),
            Environment::Demo => Some("https://demo-api.binance.com"),
            _ => None,
        }
    }

    fn key_info_unavailable(environment: Environment) -> Option<&'static str> {
        (environment != Environment::Production).then_some(
            "Binance's testnet and demo do not serve /sapi/v1/account/apiRestrictions: inspect the key on binance.com under Account > API Management",
        )
    }

    fn sign(request: &mut Request, credentials: &Credentials, _: Environment, timestamp_ms: i64) {
        use std::fmt::Write as _;
        // Numbers and hex need no form encoding: append in place rather than re-encode.
        let query = &mut request.query;
        if !query.is_empty() {
            query.push('&');
        }
        let _ = write!(
            query,
            "recvWindow={RECV_WINDOW_MS}&timestamp={timestamp_ms}"
        );
        let signature = signature(credentials.secret(), query, &request.body);
        query.push_str("&signature=");
        query.push_str(&signature);
        request.header("x-mbx-apikey", credentials.api_key());
    }

    fn error_in(payload: &Value) -> Option<(String, String)> {
        let code = as_code(payload.get("code")?)?;
        Some((code, message_of(payload, "msg")))
    }

    fn classify(code: &str) -> Option<ErrorClass> {
        Some(match code {
            "-2015" => ErrorClass::Auth(AuthReason::Ambiguous),
            "-2014" | "-2008" => ErrorClass::Auth(AuthReason::InvalidKey),
            "-1022" => ErrorClass::Auth(AuthReason::BadSignature),
            "-1021" => ErrorClass::Auth(AuthReason::TimestampOutOfWindow),
            "-1002" => ErrorClass::Auth(AuthReason::PermissionDenied),
            "-1003" | "-1015" => ErrorClass::RateLimited,
            "-1001" | "-1008" | "-1016" => ErrorClass::Unavailable,
            _ => return None,
        })
    }

    fn server_time_ms(payload: &Value) -> Option<i64> {
        decode::<wire::ServerTime>(payload, "server time")
            .ok()
            .map(|t| t.server_time)
    }

    fn map_key_info(payload: &Value) -> std::result::Result<KeyInfo, String> {
        let wire: wire::ApiRestrictions = decode(payload, "apiRestrictions answer")?;
        map::map_api_restrictions(&wire)
    }

    fn manual_step(operation: Operation) -> Option<&'static str> {
        Some(match operation {
            Operation::Revoke => {
                "Binance has no API to delete a key: log in to binance.com, open Account > API Management, and delete it there"
            }
            Operation::CreateKey => {
                "Binance creates keys through the API only for broker sub-accounts: create the key on binance.com under Account > API Management, with an IP restriction and without withdrawals"
            }
            Operation::ListKeys => {
                "Binance does not list keys through the API: see binance.com, Account > API Management"
            }
            _ => return None,
        })
    }

    #[cfg(feature = "testkit")]
    fn simulation() -> crate::testkit::Simulation {
        simulate::simulation()
    }
}

/// Maps Binance's `apiRestrictions` answer (as JSON) to a [`KeyInfo`], without any I/O: for
/// callers with a transport of their own. Secret-named fields are scrubbed from `raw`.
pub fn map_key_info(payload: &Value) -> Result<KeyInfo> {
    venue::map_offline::<Binance>(payload)
}

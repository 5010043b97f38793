#![doc = include_str!("../README.md")]
//!
//! ## API map
//!
//! - [`ExchangeId`] and its [`AdapterBuilder`]: pick an exchange, give credentials, build.
//! - [`KeyAdapter`]: `key_info`, and `list_keys` / `create_key` / `update_key` /
//!   `set_key_enabled` / `reset_secret` / `revoke` where supported ([`SecondFactor`] answers an
//!   exchange's two-factor challenge);
//!   [`Capabilities`] says which, and which fields each exchange reports. [`KeyAdapterExt`]
//!   adds helpers to every adapter (`require_read_only`, `key_info_within`).
//! - [`KeyInfo`], [`Reported`], [`Permissions`], [`Grant`], [`IpRestriction`], [`Expiry`],
//!   [`Delegation`], [`Anomaly`]: the uniform answer.
//! - [`Error`]: semantic variants ([`Error::AuthRejected`] with an [`AuthReason`],
//!   [`Error::RateLimited`], [`Error::Unsupported`] with the manual step,
//!   [`Error::OutcomeUnknown`] for a write with no clear answer, …), each with an
//!   [`ErrorContext`]; each exchange's code table as [`ErrorCode`] rows
//!   ([`ExchangeId::error_codes`]).
//! - [`Credentials`]: secrets in `secrecy` types; [`Credentials::from_env`].
//! - [`clock`]: the signing clock ([`clock::FixedClock`] for tests).
//! - [`transport`]: the shared HTTP client ([`transport::http_client`]), [`RetryPolicy`] and
//!   signing primitives.
//! - [`exchanges`]: one module per exchange, each with its pure `map_key_info` and its field
//!   table.
//! - [`audit`]: rules, [`audit::Policy`], findings, reports with drift, and
//!   [`audit::fleet`] verification of many keys; `audit::config` (feature `config`) reads the
//!   audit's TOML file, `audit::render` (feature `reports`) writes tables, JSON, CSV, OCSF and
//!   HTML.
//! - [`manage`]: the rotation saga ([`manage::rotate`]) with its stores ([`manage::store`]), and
//!   breach response ([`manage::breach`]).
//! - `testkit` (feature `testkit`): a stateful simulated exchange for offline tests, and
//!   `testkit::conformance`, the suite every adapter passes, for adapters written elsewhere.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]
#![deny(unsafe_code)]
// Shared signing and error helpers serve some exchanges, not all: a build with some exchanges
// left out leaves some unused. The full build (CI's clippy) still finds real dead code.
#![cfg_attr(
    not(all(
        feature = "binance",
        feature = "okx",
        feature = "bybit",
        feature = "kraken",
        feature = "coinbase",
        feature = "deribit",
        feature = "kraken-futures",
        feature = "mexc",
        feature = "bingx",
        feature = "gate",
        feature = "htx",
        feature = "kucoin",
        feature = "bitget",
        feature = "gemini",
        feature = "bitfinex",
        feature = "bitstamp"
    )),
    allow(dead_code)
)]

pub mod adapter;
pub mod audit;
pub mod clock;
pub mod credentials;
pub mod error;
pub mod exchanges;
mod id;
pub mod manage;
pub mod model;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod transport;

pub use adapter::{
    Capabilities, Challenge, ChallengeMethod, KeyAdapter, KeyAdapterExt, KeyChange, KeyRef, NewKey,
    NewKeySpec, NotReadOnly, Operation, RevokeAllConfirm, RevokeConfirm, Revoked, RevokedAll,
    SecondFactor, Support,
};
pub use credentials::{CredentialForm, Credentials};
pub use error::{AuthReason, Error, ErrorClass, ErrorCode, ErrorContext, Result};
pub use exchanges::{AdapterBuilder, RequestSigner, SignedRequest, UnsignedRequest};
pub use id::{Environment, ExchangeId, UnknownExchange};
pub use model::{
    AccountKind, Anomaly, AnomalyKind, Delegation, Expiry, Grant, IpEntry, IpRestriction, KeyInfo,
    Permission, Permissions, Reported,
};
pub use transport::{RateLimit, RetryPolicy};

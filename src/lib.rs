//! # exchange-keys
//!
//! What can this crypto-exchange API key do, from where, since when, until when, under which
//! label? One async trait, [`KeyAdapter`], answers for every supported exchange with one
//! [`KeyInfo`]: normalized permissions with a tri-state [`Grant`] each, the IP restriction,
//! creation and expiry dates, label, enabled state, and the exchange's own answer as evidence.
//!
//! A field an exchange does not report is [`Reported::NotReported`], never a silent "safe".
//!
//! ## Quick start
//!
//! ```no_run
//! use exchange_keys::{Credentials, ExchangeId, Grant, IpRestriction};
//!
//! # async fn run() -> exchange_keys::Result<()> {
//! let adapter = ExchangeId::Binance
//!     .builder()
//!     .credentials(Credentials::from_env(ExchangeId::Binance)?)
//!     .build()?;
//! let info = adapter.key_info().await?;
//! if info.can_withdraw() != Grant::Denied {
//!     eprintln!("refusing to start: this key can (or may) withdraw");
//! }
//! if info.ip_restriction == IpRestriction::Unrestricted {
//!     eprintln!("this key accepts calls from any IP address");
//! }
//! # Ok(()) }
//! ```
//!
//! ## Where things are
//!
//! - [`ExchangeId`] and its [`AdapterBuilder`]: pick an exchange, give credentials, build.
//! - [`KeyAdapter`]: `key_info`, and `revoke` / `create_key` / `list_keys` where supported.
//! - [`Capabilities`]: what each adapter supports and which fields its exchange reports.
//! - [`Error`]: semantic variants ([`Error::AuthRejected`] with an [`AuthReason`],
//!   [`Error::RateLimited`], [`Error::Unsupported`] with the manual step, …).
//! - [`clock`]: the signing clock ([`clock::FixedClock`] for tests).
//! - [`testkit`] (feature `testkit`): a simulated exchange for offline tests.
//!
//! ## Security
//!
//! Secrets live in [`secrecy`] types and never appear in `Debug`, `Display`, errors, logs or
//! evidence; secret-named fields and echoed secrets are scrubbed from [`KeyInfo::raw`]. Signed
//! requests go over HTTPS only (plain HTTP only to loopback addresses), redirects are not
//! followed, and creating or deleting keys is never retried.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod adapter;
pub mod clock;
pub mod credentials;
pub mod error;
pub mod exchanges;
pub mod model;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod transport;

pub use adapter::{
    Capabilities, KeyAdapter, KeyRef, NewKey, NewKeySpec, Operation, RevokeConfirm, Revoked,
    Support,
};
pub use credentials::Credentials;
pub use error::{AuthReason, Error, ErrorContext, Result};
pub use exchanges::{AdapterBuilder, Environment, ExchangeId};
pub use model::{
    AccountKind, Expiry, Grant, IpEntry, IpRestriction, KeyInfo, Permission, Permissions, Reported,
};
pub use transport::RetryPolicy;

/// README examples compile as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

//! Errors a caller can act on.
//!
//! Every variant that comes from an exchange's answer carries an [`ErrorContext`]: the exchange,
//! the endpoint, the HTTP status, the exchange's own code and message, the request id when the
//! exchange sends one, and how many attempts were made. No third-party type appears here, and no
//! secret: the exchange's message is kept, the body is not.

use std::fmt;
use std::time::Duration;

use crate::adapter::Operation;
use crate::exchanges::ExchangeId;

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why an exchange refused the credentials.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthReason {
    /// The key does not exist, was deleted, or belongs to another environment (testnet/demo).
    InvalidKey,
    /// The signature did not verify: wrong secret, or a signing bug.
    BadSignature,
    /// The passphrase is wrong (OKX, KuCoin, Bitget).
    BadPassphrase,
    /// The calling address is not on the key's allowlist.
    IpNotAllowed,
    /// The key lacks the permission for this call.
    PermissionDenied,
    /// The key has expired.
    Expired,
    /// The key or account is frozen or disabled.
    Disabled,
    /// The request's timestamp is outside the exchange's window (clock skew).
    TimestampOutOfWindow,
    /// The exchange uses one answer for several of the reasons above (Binance `-2015`: invalid
    /// key, IP not allowed, or missing permission). This crate does not guess which.
    Ambiguous,
}

impl fmt::Display for AuthReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthReason::InvalidKey => "invalid or unknown API key",
            AuthReason::BadSignature => "signature rejected",
            AuthReason::BadPassphrase => "passphrase rejected",
            AuthReason::IpNotAllowed => "calling IP address not on the key's allowlist",
            AuthReason::PermissionDenied => "key lacks the permission for this call",
            AuthReason::Expired => "key expired",
            AuthReason::Disabled => "key or account frozen or disabled",
            AuthReason::TimestampOutOfWindow => "request timestamp outside the exchange's window",
            AuthReason::Ambiguous => {
                "ambiguous: invalid key, IP not allowed, or missing permission (the exchange does not say which)"
            }
        })
    }
}

/// What kind of transport failure happened.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// The request timed out.
    Timeout,
    /// No connection could be made.
    Connect,
    /// Anything else below HTTP (TLS, reset, body read).
    Other,
}

/// Where an exchange's answer came from and what it said, for every error built from one.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorContext {
    /// The exchange that answered.
    pub exchange: Option<ExchangeId>,
    /// The call, e.g. `GET /sapi/v1/account/apiRestrictions`.
    pub endpoint: Option<String>,
    /// HTTP status of the answer.
    pub http_status: Option<u16>,
    /// The exchange's own error code, e.g. `-2015`, `50113`, `10003`.
    pub code: Option<String>,
    /// The exchange's own error message.
    pub message: Option<String>,
    /// The request id the exchange returned, for its support.
    pub request_id: Option<String>,
    /// How many times the request was sent.
    pub attempts: u32,
}

impl ErrorContext {
    /// A context naming only the exchange.
    pub fn new(exchange: ExchangeId) -> Self {
        ErrorContext {
            exchange: Some(exchange),
            ..Default::default()
        }
    }
}

impl fmt::Display for ErrorContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(endpoint) = &self.endpoint {
            parts.push(endpoint.clone());
        }
        if let Some(status) = self.http_status {
            parts.push(format!("HTTP {status}"));
        }
        match (&self.code, &self.message) {
            (Some(code), Some(message)) if !message.is_empty() => {
                parts.push(format!("code {code}: {message}"))
            }
            (Some(code), _) => parts.push(format!("code {code}")),
            (None, Some(message)) if !message.is_empty() => parts.push(message.clone()),
            _ => {}
        }
        if let Some(id) = &self.request_id {
            parts.push(format!("request id {id}"));
        }
        if self.attempts > 1 {
            parts.push(format!("{} attempts", self.attempts));
        }
        if parts.is_empty() {
            Ok(())
        } else {
            write!(f, " [{}]", parts.join(", "))
        }
    }
}

struct ExchangeName<'a>(&'a Option<ExchangeId>);

impl fmt::Display for ExchangeName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => write!(f, "{id}"),
            None => f.write_str("exchange-keys"),
        }
    }
}

/// The error type of this crate.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The exchange refused the credentials.
    #[error("{}: credentials rejected: {reason}{context}", ExchangeName(&context.exchange))]
    AuthRejected {
        /// Why, as far as the exchange says.
        reason: AuthReason,
        /// The answer.
        context: Box<ErrorContext>,
    },
    /// The exchange asks to slow down. `ip_banned` is Binance's HTTP 418: the address is banned
    /// for a while, and further calls extend the ban.
    #[error("{}: rate limited{}{context}", ExchangeName(&context.exchange), RetryHint(*retry_after, *ip_banned))]
    RateLimited {
        /// How long the exchange asks to wait, when it says.
        retry_after: Option<Duration>,
        /// Whether the exchange has banned the calling address.
        ip_banned: bool,
        /// The answer.
        context: Box<ErrorContext>,
    },
    /// The exchange is down, overloaded or in maintenance (5xx and the like).
    #[error("{}: service unavailable{context}", ExchangeName(&context.exchange))]
    Unavailable {
        /// The answer.
        context: Box<ErrorContext>,
    },
    /// The exchange refused the request for a reason with no variant of its own; see the code.
    #[error("{}: request refused{context}", ExchangeName(&context.exchange))]
    Rejected {
        /// The answer.
        context: Box<ErrorContext>,
    },
    /// The exchange's API (or this crate) cannot do this; `manual_step` says what to do instead.
    #[error("{exchange}: {operation} is not supported through the API: {manual_step}")]
    Unsupported {
        /// The exchange.
        exchange: ExchangeId,
        /// The operation asked for.
        operation: Operation,
        /// What the user can do by hand instead.
        manual_step: String,
    },
    /// The answer could not be understood: not JSON, truncated, wrong types, missing fields.
    #[error("{}: unexpected answer: {what}{context}", ExchangeName(&context.exchange))]
    Decode {
        /// What was wrong with the answer.
        what: String,
        /// The answer.
        context: Box<ErrorContext>,
    },
    /// The request did not get an HTTP answer.
    #[error("{}: transport error ({kind:?}): {message}", ExchangeName(exchange))]
    Transport {
        /// The exchange being called.
        exchange: Option<ExchangeId>,
        /// What kind of failure.
        kind: TransportKind,
        /// The underlying error's description.
        message: String,
    },
    /// The configuration is invalid: missing credentials, an `http://` URL off loopback, …
    #[error("{}: invalid configuration: {message}", ExchangeName(exchange))]
    Config {
        /// The exchange being configured.
        exchange: Option<ExchangeId>,
        /// What is wrong.
        message: String,
    },
}

struct RetryHint(Option<Duration>, bool);

impl fmt::Display for RetryHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.1 {
            f.write_str(" (IP address banned)")?;
        }
        match self.0 {
            Some(wait) => write!(f, ", retry after {} s", wait.as_secs()),
            None => Ok(()),
        }
    }
}

impl Error {
    /// Whether the same call may succeed if made again later.
    ///
    /// True for rate limits, unavailability, timeouts and connection failures, and for a
    /// timestamp outside the window (the clock offset is corrected on retry). False for an IP
    /// ban (`RateLimited { ip_banned: true, .. }`): calling again during a ban extends it; wait
    /// for `retry_after` instead. Never true for an auth rejection of any other kind, a decode
    /// failure or a configuration error.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { ip_banned, .. } => !ip_banned,
            Error::Unavailable { .. } => true,
            Error::AuthRejected { reason, .. } => *reason == AuthReason::TimestampOutOfWindow,
            Error::Transport { kind, .. } => {
                matches!(kind, TransportKind::Timeout | TransportKind::Connect)
            }
            _ => false,
        }
    }

    /// The exchange the error concerns.
    pub fn exchange(&self) -> Option<ExchangeId> {
        match self {
            Error::AuthRejected { context, .. }
            | Error::RateLimited { context, .. }
            | Error::Unavailable { context }
            | Error::Rejected { context }
            | Error::Decode { context, .. } => context.exchange,
            Error::Unsupported { exchange, .. } => Some(*exchange),
            Error::Transport { exchange, .. } | Error::Config { exchange, .. } => *exchange,
        }
    }

    /// The exchange's answer behind the error, when there was one.
    pub fn context(&self) -> Option<&ErrorContext> {
        match self {
            Error::AuthRejected { context, .. }
            | Error::RateLimited { context, .. }
            | Error::Unavailable { context }
            | Error::Rejected { context }
            | Error::Decode { context, .. } => Some(context.as_ref()),
            _ => None,
        }
    }

    /// The auth reason, for an [`Error::AuthRejected`].
    pub fn auth_reason(&self) -> Option<AuthReason> {
        match self {
            Error::AuthRejected { reason, .. } => Some(*reason),
            _ => None,
        }
    }

    /// Whether this is an [`Error::Unsupported`].
    pub fn is_unsupported(&self) -> bool {
        matches!(self, Error::Unsupported { .. })
    }

    pub(crate) fn config(
        exchange: impl Into<Option<ExchangeId>>,
        message: impl Into<String>,
    ) -> Self {
        Error::Config {
            exchange: exchange.into(),
            message: message.into(),
        }
    }

    pub(crate) fn decode(what: impl Into<String>, context: ErrorContext) -> Self {
        Error::Decode {
            what: what.into(),
            context: Box::new(context),
        }
    }

    pub(crate) fn context_mut(&mut self) -> Option<&mut ErrorContext> {
        match self {
            Error::AuthRejected { context, .. }
            | Error::RateLimited { context, .. }
            | Error::Unavailable { context }
            | Error::Rejected { context }
            | Error::Decode { context, .. } => Some(context),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_exchange_status_code_and_message() {
        let err = Error::AuthRejected {
            reason: AuthReason::Ambiguous,
            context: Box::new(ErrorContext {
                exchange: Some(ExchangeId::Binance),
                endpoint: Some("GET /sapi/v1/account/apiRestrictions".into()),
                http_status: Some(401),
                code: Some("-2015".into()),
                message: Some("Invalid API-key, IP, or permissions for action.".into()),
                request_id: None,
                attempts: 1,
            }),
        };
        let text = err.to_string();
        assert!(
            text.starts_with("binance: credentials rejected: ambiguous"),
            "{text}"
        );
        assert!(text.contains("HTTP 401"), "{text}");
        assert!(text.contains("code -2015: Invalid API-key"), "{text}");
        assert!(!err.is_retryable());
    }

    #[test]
    fn only_transient_errors_are_retryable() {
        let ctx = Box::new(ErrorContext::new(ExchangeId::Okx));
        assert!(Error::Unavailable {
            context: ctx.clone()
        }
        .is_retryable());
        assert!(Error::RateLimited {
            retry_after: None,
            ip_banned: false,
            context: ctx.clone()
        }
        .is_retryable());
        assert!(!Error::RateLimited {
            retry_after: None,
            ip_banned: true,
            context: ctx.clone()
        }
        .is_retryable());
        assert!(Error::AuthRejected {
            reason: AuthReason::TimestampOutOfWindow,
            context: ctx.clone()
        }
        .is_retryable());
        assert!(!Error::AuthRejected {
            reason: AuthReason::InvalidKey,
            context: ctx.clone()
        }
        .is_retryable());
        assert!(!Error::Decode {
            what: "x".into(),
            context: ctx
        }
        .is_retryable());
    }
}

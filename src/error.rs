//! Errors a caller can act on.
//!
//! Every variant that comes from an exchange's answer carries an [`ErrorContext`]: the exchange,
//! the endpoint, the HTTP status, the exchange's own code and message, the request id when the
//! exchange sends one, and how many attempts were made. No third-party type appears here, and no
//! secret: the exchange's message is kept, the body is not.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::id::{ExchangeId, UnknownExchange};

/// What scrubbing asks of the one who knows the secrets: whether a text holds one, and the text
/// with every one replaced. Implemented by the transport's scrubber; the types below it (errors,
/// key information) only say which of their texts to look at.
pub(crate) trait Redact {
    /// Whether `text` holds a secret.
    fn holds(&self, text: &str) -> bool;
    /// Replaces every secret in `text`.
    fn redact(&self, text: &mut String);
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why an exchange refused the credentials.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthReason {
    /// The key does not exist or was deleted (or, where the exchange does not tell the two
    /// apart, belongs to another environment).
    InvalidKey,
    /// The key belongs to another environment of the exchange: a demo or testnet key used on
    /// production, or the reverse (OKX `50101`).
    WrongEnvironment,
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
    /// The account asks for its second factor on this call (Deribit's security-key challenge
    /// on key management): the call must be sent again with a one-time code, which this crate
    /// cannot produce. The error's message names what the exchange asks for.
    SecondFactorRequired,
}

impl fmt::Display for AuthReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthReason::InvalidKey => "invalid or unknown API key",
            AuthReason::WrongEnvironment => {
                "the key belongs to another environment (a demo or testnet key on production, or the reverse)"
            }
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
            AuthReason::SecondFactorRequired => {
                "the account asks for its second factor (a one-time code) on this call"
            }
        })
    }
}

/// An operation of [`crate::KeyAdapter`], named in errors.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// [`crate::KeyAdapter::key_info`].
    KeyInfo,
    /// [`crate::KeyAdapter::list_keys`].
    ListKeys,
    /// [`crate::KeyAdapter::revoke`] of another key.
    Revoke,
    /// [`crate::KeyAdapter::revoke`] of the key in use.
    RevokeOwn,
    /// [`crate::KeyAdapter::create_key`].
    CreateKey,
    /// [`crate::KeyAdapter::update_key`].
    UpdateKey,
    /// [`crate::KeyAdapter::set_key_enabled`].
    SetKeyEnabled,
    /// [`crate::KeyAdapter::reset_secret`].
    ResetSecret,
    /// [`crate::KeyAdapter::revoke_all`]: every key of every account of the login.
    RevokeAll,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::KeyInfo => "key inspection",
            Operation::ListKeys => "listing keys",
            Operation::Revoke => "revoking a key",
            Operation::RevokeOwn => "revoking the key in use",
            Operation::CreateKey => "creating a key",
            Operation::UpdateKey => "changing a key",
            Operation::SetKeyEnabled => "enabling or disabling a key",
            Operation::ResetSecret => "resetting a key's secret",
            Operation::RevokeAll => "revoking every key of every account",
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
    /// The connection was reset or closed before the answer was complete. Often a pooled
    /// keep-alive connection the server had already dropped: a read is worth sending again, a
    /// write may have arrived (and becomes [`Error::OutcomeUnknown`]).
    Reset,
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
    /// How long the answer's `Retry-After` header asked to wait, on any answer (a 503 may
    /// carry one as well as a 429).
    pub retry_after: Option<Duration>,
    /// What the exchange's code table (or this crate) says about calling again, when it says
    /// more than the error's kind: it overrides the kind's default in
    /// [`Error::is_retryable`]. `Some(false)` for Binance `-1016` (a retired service), for a
    /// clock too far off to correct, ….
    pub retryable: Option<bool>,
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

/// What an exchange's error means, before the answer's context is attached: one column of
/// each exchange's code table ([`ErrorCode`]), and what [`Error::class`] gives back.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// [`Error::AuthRejected`] with this reason.
    Auth(AuthReason),
    /// [`Error::RateLimited`] without a ban.
    RateLimited,
    /// [`Error::RateLimited`] with `ip_banned`: the address is banned for a while.
    Banned,
    /// [`Error::Unavailable`].
    Unavailable,
    /// [`Error::Rejected`].
    Rejected,
}

impl ErrorClass {
    /// Whether an error of this class may be retried, when the code table gives no verdict of
    /// its own.
    pub fn retryable_by_default(self) -> bool {
        class_retryable(self)
    }

    pub(crate) fn into_error(self, context: ErrorContext, retry_after: Option<Duration>) -> Error {
        let context = Box::new(context);
        match self {
            ErrorClass::Auth(reason) => Error::AuthRejected { reason, context },
            ErrorClass::RateLimited => Error::RateLimited {
                retry_after,
                ip_banned: false,
                context,
            },
            ErrorClass::Banned => Error::RateLimited {
                retry_after,
                ip_banned: true,
                context,
            },
            ErrorClass::Unavailable => Error::Unavailable { context },
            ErrorClass::Rejected => Error::Rejected { context },
        }
    }
}

/// One row of an exchange's error table: what an HTTP status or an error code of the exchange
/// means, whether it may be retried, and where that is written. Each adapter's codes are data
/// ([`crate::ExchangeId::error_codes`]), so a reviewer checks the table against the source,
/// and a test checks the fixtures against the table.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorCode {
    /// The HTTP status this row is about: alone (`code: None`) for a status whatever the body
    /// says, or together with `code`.
    pub http_status: Option<u16>,
    /// The exchange's own code, as text (`"-2015"`, `"50111"`, `"10003"`).
    pub code: Option<&'static str>,
    /// What it means, in the exchange's words where it has them.
    pub meaning: &'static str,
    /// The error it becomes.
    pub class: ErrorClass,
    /// Whether calling again later may succeed.
    pub retryable: bool,
    /// How long the exchange asks to wait, where it documents a wait but sends no
    /// `Retry-After` (Bybit's 10-minute ban).
    pub wait: Option<Duration>,
    /// Where this is documented.
    pub source: &'static str,
}

impl ErrorCode {
    /// A row for the exchange's `code`, with the class's default retry verdict.
    pub const fn code(
        code: &'static str,
        class: ErrorClass,
        meaning: &'static str,
        source: &'static str,
    ) -> Self {
        ErrorCode {
            http_status: None,
            code: Some(code),
            meaning,
            class,
            retryable: class_retryable(class),
            wait: None,
            source,
        }
    }

    /// A row for an HTTP status, whatever the body says.
    pub const fn status(
        status: u16,
        class: ErrorClass,
        meaning: &'static str,
        source: &'static str,
    ) -> Self {
        ErrorCode {
            http_status: Some(status),
            code: None,
            meaning,
            class,
            retryable: class_retryable(class),
            wait: None,
            source,
        }
    }

    /// The same row with an explicit retry verdict.
    pub const fn retryable(mut self, retryable: bool) -> Self {
        self.retryable = retryable;
        self
    }

    /// The same row with a documented wait.
    pub const fn wait(mut self, wait: Duration) -> Self {
        self.wait = Some(wait);
        self
    }
}

const fn class_retryable(class: ErrorClass) -> bool {
    match class {
        ErrorClass::Auth(reason) => matches!(reason, AuthReason::TimestampOutOfWindow),
        ErrorClass::RateLimited | ErrorClass::Unavailable => true,
        ErrorClass::Banned | ErrorClass::Rejected => false,
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
    /// A call that changes something (creating or revoking a key) got no clear answer: a
    /// timeout, a dropped connection, a 5xx. The exchange may or may not have acted on it, so it
    /// is never sent again blindly and never [`Error::is_retryable`]: find out first (list the
    /// keys, inspect the key) before calling again.
    #[error("{exchange}: {call} may or may not have been carried out (check, for example by listing the keys, before sending it again): {source}")]
    OutcomeUnknown {
        /// The exchange.
        exchange: ExchangeId,
        /// The call, e.g. `POST /v5/user/delete-api`.
        call: String,
        /// What went wrong.
        source: Box<Error>,
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

impl From<UnknownExchange> for Error {
    fn from(unknown: UnknownExchange) -> Self {
        Error::config(None, unknown.to_string())
    }
}

impl Error {
    /// Whether the same call may succeed if made again later.
    ///
    /// True for rate limits, unavailability, timeouts and connection failures, and for a
    /// timestamp outside the window (the clock offset is corrected on retry). False for an IP
    /// ban (`RateLimited { ip_banned: true, .. }`): calling again during a ban extends it; wait
    /// for `retry_after` instead. Never true for an auth rejection of any other kind, a decode
    /// failure or a configuration error. Where the exchange's code table gives a verdict of its
    /// own ([`ErrorContext::retryable`]), that verdict decides, but an IP ban is never
    /// retryable.
    pub fn is_retryable(&self) -> bool {
        if let Error::OutcomeUnknown { .. } = self {
            return false;
        }
        if let Error::RateLimited {
            ip_banned: true, ..
        } = self
        {
            return false;
        }
        if let Some(verdict) = self.context().and_then(|c| c.retryable) {
            return verdict;
        }
        match self {
            Error::RateLimited { ip_banned, .. } => !ip_banned,
            Error::Unavailable { .. } => true,
            Error::AuthRejected { reason, .. } => *reason == AuthReason::TimestampOutOfWindow,
            Error::Transport { kind, .. } => {
                matches!(
                    kind,
                    TransportKind::Timeout | TransportKind::Connect | TransportKind::Reset
                )
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
            Error::Unsupported { exchange, .. } | Error::OutcomeUnknown { exchange, .. } => {
                Some(*exchange)
            }
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
            Error::OutcomeUnknown { source, .. } => source.context(),
            _ => None,
        }
    }

    /// The class of an error built from an exchange's answer, as the code tables name it.
    pub fn class(&self) -> Option<ErrorClass> {
        Some(match self {
            Error::AuthRejected { reason, .. } => ErrorClass::Auth(*reason),
            Error::RateLimited {
                ip_banned: true, ..
            } => ErrorClass::Banned,
            Error::RateLimited { .. } => ErrorClass::RateLimited,
            Error::Unavailable { .. } => ErrorClass::Unavailable,
            Error::Rejected { .. } => ErrorClass::Rejected,
            _ => return None,
        })
    }

    /// Every free-text string the error carries, for scrubbing: the exchange's code, message
    /// and request id, the endpoint, what a decode failure found, transport and configuration
    /// messages.
    pub(crate) fn redact_texts(&mut self, redactor: &dyn Redact) {
        let rewrite = |text: &mut String| redactor.redact(text);
        if let Some(context) = self.context_mut() {
            for text in [
                &mut context.endpoint,
                &mut context.code,
                &mut context.message,
                &mut context.request_id,
            ]
            .into_iter()
            .flatten()
            {
                rewrite(text);
            }
        }
        match self {
            Error::Decode { what, .. } => rewrite(what),
            Error::Transport { message, .. } | Error::Config { message, .. } => rewrite(message),
            Error::Unsupported { manual_step, .. } => rewrite(manual_step),
            Error::OutcomeUnknown { call, source, .. } => {
                rewrite(call);
                source.redact_texts(redactor);
            }
            _ => {}
        }
    }

    /// Whether this is an [`Error::OutcomeUnknown`]: a write whose effect nobody knows.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Error::OutcomeUnknown { .. })
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
            Error::OutcomeUnknown { source, .. } => source.context_mut(),
            _ => None,
        }
    }

    /// Adds what the caller should know to the exchange's message (what a failed call needs).
    pub(crate) fn add_to_message(&mut self, hint: &str) {
        if let Some(context) = self.context_mut() {
            context.message = Some(match context.message.take() {
                Some(said) if !said.is_empty() => format!("{said} ({hint})"),
                _ => hint.to_owned(),
            });
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
                retry_after: None,
                retryable: None,
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

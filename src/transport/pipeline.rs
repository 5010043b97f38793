//! The one request pipeline every adapter uses: sign (fallible) → send → correct the clock after
//! a timestamp rejection → retry (idempotent calls only, within a deadline) → map errors by the
//! exchange's code table → scrub. Written once, not generic: an exchange states its conventions
//! ([`Conventions`]) and its calls ([`Endpoint`]s) as data, and this module does the rest.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use tokio::time::Instant;

use super::answer::{self, Classified};
use super::scrub::{Scrub, Scrubber};
use super::signing::SigningKey;
use super::{Answer, HttpTransport, Limiter, Request, RetryPolicy};
use crate::clock::{CorrectedClock, MAX_CLOCK_OFFSET_MS};
use crate::error::{AuthReason, Error, ErrorClass, ErrorCode, ErrorContext, Result, TransportKind};
use crate::id::{Environment, ExchangeId};

/// One call of an exchange's API, as data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub(crate) method: &'static str,
    pub(crate) path: &'static str,
    /// Whether sending it twice is harmless. Only idempotent calls are ever sent again after a
    /// failure; creating or deleting a key is not, whatever the error.
    pub(crate) idempotent: bool,
    /// What it costs against the exchange's rate limit, in the units of the adapter's
    /// [`crate::RateLimit`] (one call = 1 unless the exchange weighs it more).
    pub(crate) weight: u32,
}

impl Endpoint {
    /// A read: idempotent, weight 1.
    pub(crate) const fn read(method: &'static str, path: &'static str) -> Endpoint {
        Endpoint {
            method,
            path,
            idempotent: true,
            weight: 1,
        }
    }

    /// A call that changes something (creates, deletes, edits a key): sent once, never again
    /// blindly.
    pub(crate) const fn write(method: &'static str, path: &'static str) -> Endpoint {
        Endpoint {
            method,
            path,
            idempotent: false,
            weight: 1,
        }
    }

    /// `GET /path`, for errors.
    pub(crate) fn describe(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// [`Error::OutcomeUnknown`] for this call: the exchange accepted it, or may have, and its
    /// answer does not show what became of it. `what` says what is missing and where a person
    /// looks.
    pub(crate) fn unclear(
        &self,
        exchange: ExchangeId,
        what: impl Into<String>,
        context: ErrorContext,
    ) -> Error {
        Error::OutcomeUnknown {
            exchange,
            call: self.describe(),
            source: Box::new(Error::decode(what, context)),
        }
    }

    /// What becomes of a change the exchange accepted, given what its answer (or a read-back)
    /// shows: `differs` names what is not shown as asked. An accepted call is not a carried-out
    /// one, so a difference is [`Error::OutcomeUnknown`], never a refusal: part of the change may
    /// be in force. `where_to_look` names the page where a person checks the key.
    pub(crate) fn accepted_change(
        &self,
        exchange: ExchangeId,
        differs: Option<String>,
        where_to_look: &str,
        context: ErrorContext,
    ) -> Result<()> {
        match differs {
            None => Ok(()),
            Some(why) => Err(self.unclear(
                exchange,
                format!(
                    "{why}: the change may be partly carried out; look at the key on {where_to_look}"
                ),
                context,
            )),
        }
    }

    /// A request for this endpoint with `query` and `body`, before signing.
    pub(crate) fn request(&self, query: String, body: String) -> Result<Request> {
        let method = Method::from_bytes(self.method.as_bytes())
            .map_err(|_| Error::config(None, format!("`{}` is not an HTTP method", self.method)))?;
        Ok(Request {
            method,
            path: std::borrow::Cow::Borrowed(self.path),
            query,
            body,
            headers: Vec::new(),
        })
    }
}

/// How one exchange speaks: how it signs, where it puts its error codes and its payload, what
/// its codes mean, how to read its clock. Implemented by each exchange folder; pure, no I/O.
pub(crate) trait Conventions: Send + Sync + 'static {
    /// The exchange.
    fn exchange(&self) -> ExchangeId;

    /// Adds authentication (query parameters, headers, body fields) to `request`. Fails when
    /// the key cannot sign this request (a malformed private key, a nonce that cannot grow).
    fn sign(
        &self,
        request: &mut Request,
        key: &SigningKey,
        environment: Environment,
        now_ms: i64,
    ) -> Result<()>;

    /// The exchange's error code and message, if `payload` is an error answer.
    fn error_in(&self, payload: &Value) -> Option<(String, String)>;

    /// What this exchange's HTTP statuses and error codes mean, one row each.
    fn error_codes(&self) -> &'static [ErrorCode];

    /// The useful part of a successful answer (OKX `data[0]`, Bybit `result`).
    fn unwrap_payload(&self, payload: Value) -> std::result::Result<Value, String> {
        Ok(payload)
    }

    /// The public call that tells the exchange's time, for clock correction; `None` when the
    /// exchange signs with a nonce rather than a time window.
    fn server_time(&self) -> Option<Endpoint>;

    /// The server time in ms from the server-time answer's (unwrapped) payload.
    fn server_time_ms(&self, payload: &Value) -> Option<i64>;

    /// Response headers that carry a request id, in order of preference.
    fn request_id_headers(&self) -> &'static [&'static str] {
        &[]
    }
}

/// Interprets an answer with an exchange's conventions: its own code when the body has one,
/// then the HTTP status, then its payload unwrapping.
pub(crate) fn interpret(
    conventions: &dyn Conventions,
    answer: &Answer,
    context: &ErrorContext,
) -> Result<Value> {
    let table = conventions.error_codes();
    // The context is copied into an error only: a successful answer costs no copy of it.
    let payload = answer::parse_json(answer, || context.clone(), table)?;
    if let Some((code, message)) = conventions.error_in(&payload) {
        let mut context = context.clone();
        let classified =
            answer::classify(table, answer.status, Some(&code)).unwrap_or(Classified {
                class: ErrorClass::Rejected,
                row: None,
            });
        context.code = Some(code);
        context.message = Some(message);
        return Err(classified.into_error(context, answer.retry_after));
    }
    if let Some(classified) = answer::classify(table, answer.status, None) {
        let mut context = context.clone();
        context.message = Some("HTTP error status with no error code in the body".to_owned());
        return Err(classified.into_error(context, answer.retry_after));
    }
    conventions
        .unwrap_payload(payload)
        .map_err(|what| Error::decode(what, context.clone()))
}

/// Everything an adapter needs to call its exchange, built once per adapter.
pub(crate) struct Pipeline {
    pub(crate) conventions: &'static dyn Conventions,
    pub(crate) key: SigningKey,
    pub(crate) environment: Environment,
    pub(crate) http: HttpTransport,
    pub(crate) clock: CorrectedClock,
    pub(crate) retry: RetryPolicy,
    pub(crate) limiter: Option<Arc<Limiter>>,
    /// Built once from the credentials: everything the pipeline returns or logs passes it.
    pub(crate) scrubber: Scrubber,
}

impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyAdapter")
            .field("exchange", &self.conventions.exchange())
            .field("environment", &self.environment)
            .field("base_url", &self.http.base_url())
            .field("key", &self.key)
            .field("clock_offset_ms", &self.clock.offset_ms())
            .finish()
    }
}

impl Pipeline {
    fn exchange(&self) -> ExchangeId {
        self.conventions.exchange()
    }

    /// Signs and sends a call to `endpoint`, retrying it as the policy allows when the endpoint
    /// is idempotent, and returns the payload with the context of the answer it came in (for
    /// errors found later, while mapping it). Every error leaves scrubbed. `conventions` sign the
    /// request and read the answer: the venue's own ([`Pipeline::conventions`]), or a variant of
    /// them for a call whose answer the venue reads its own way (Deribit's security-key
    /// challenge, which a call that can answer it takes as a payload rather than an error).
    pub(crate) async fn call_as(
        &self,
        conventions: &dyn Conventions,
        endpoint: &Endpoint,
        query: String,
        body: String,
    ) -> Result<(Value, ErrorContext)> {
        self.send(conventions, endpoint, endpoint.request(query, body)?)
            .await
    }

    /// [`Pipeline::call_as`] at `path` rather than the endpoint's own: for a call whose path
    /// carries its parameters (Gate's `/api/v4/sub_accounts/{user_id}/keys/{key}`). The
    /// endpoint still decides whether the call may be sent again and what it weighs.
    pub(crate) async fn call_at(
        &self,
        conventions: &dyn Conventions,
        endpoint: &Endpoint,
        path: String,
        query: String,
        body: String,
    ) -> Result<(Value, ErrorContext)> {
        // The path carries ids, some of them read from an exchange's answers: each venue checks
        // its ids, and this is the backstop. A segment `..` or `.`, a `?`, `#` or `%`, or any
        // character no id has, would send the call (a deletion) somewhere else.
        let safe = path.starts_with('/')
            && path.split('/').skip(1).all(|segment| {
                !segment.is_empty()
                    && segment != "."
                    && segment != ".."
                    && segment
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            });
        if !safe {
            return Err(Error::config(
                conventions.exchange(),
                format!(
                    "`{path}` is not a path this crate sends ({}): an id in it is not one; nothing was sent",
                    endpoint.describe()
                ),
            ));
        }
        let mut template = endpoint.request(query, body)?;
        template.path = std::borrow::Cow::Owned(path);
        self.send(conventions, endpoint, template).await
    }

    async fn send(
        &self,
        conventions: &dyn Conventions,
        endpoint: &Endpoint,
        template: Request,
    ) -> Result<(Value, ErrorContext)> {
        let started = Instant::now();
        // Built on the first retryable error only: the happy path pays nothing for it.
        let mut delays = None;
        let mut attempts = 0;
        let mut clock_corrected = false;
        loop {
            attempts += 1;
            let mut request = template.clone();
            conventions
                .sign(
                    &mut request,
                    &self.key,
                    self.environment,
                    self.clock.now_ms(),
                )
                .map_err(|mut error| {
                    self.scrubber.error(&mut error);
                    error
                })?;
            let mut error = match self
                .exchange_once(conventions, &request, endpoint.weight)
                .await
            {
                Ok((payload, mut context)) => {
                    context.attempts = attempts;
                    return Ok((payload, context));
                }
                Err(error) => error,
            };
            if let Some(context) = error.context_mut() {
                context.attempts = attempts;
            }
            let timestamp_rejected = error.auth_reason() == Some(AuthReason::TimestampOutOfWindow);
            // An exchange refuses a request with a stale timestamp before acting on it, so even
            // a write may be sent again once, after the clock is corrected.
            if timestamp_rejected && !clock_corrected && error.is_retryable() {
                clock_corrected = true;
                // A failure to read or trust the server's time is the error to report: a ban on
                // the time call is a ban, not a timestamp problem.
                self.correct_clock().await?;
                continue;
            }
            if !endpoint.idempotent {
                return Err(outcome_unknown_unless_refused(
                    self.exchange(),
                    &request,
                    error,
                ));
            }
            if !error.is_retryable() || timestamp_rejected {
                return Err(error);
            }
            let wait = delays
                .get_or_insert_with(|| self.retry.delays())
                .after(&error);
            match wait {
                Some(wait) if started.elapsed() + wait <= self.retry.retry_timeout => {
                    // No text of the answer goes into the line: `exchange_once` scrubbed it of
                    // this adapter's own secrets, but not of those only a caller knows (a key
                    // just created, read back: its secret, its passphrase), which an exchange
                    // may quote in a retryable error. The class and status say enough.
                    tracing::debug!(
                        exchange = %self.exchange(),
                        endpoint = %endpoint.describe(),
                        attempts,
                        ?wait,
                        class = ?error.class(),
                        http_status = ?error.context().and_then(|c| c.http_status),
                        "retrying"
                    );
                    tokio::time::sleep(wait).await;
                }
                _ => return Err(error),
            }
        }
    }

    /// Sends one request and interprets the answer. Every error leaves here scrubbed, so the
    /// retry loop may log it.
    async fn exchange_once(
        &self,
        conventions: &dyn Conventions,
        request: &Request,
        weight: u32,
    ) -> Result<(Value, ErrorContext)> {
        if let Some(limiter) = &self.limiter {
            limiter.acquire(weight).await;
        }
        let outcome = async {
            let answer = self.http.send(request).await?;
            let context = ErrorContext {
                exchange: Some(self.exchange()),
                endpoint: Some(request.endpoint()),
                http_status: Some(answer.status),
                request_id: answer.request_id.clone(),
                attempts: 1,
                ..Default::default()
            };
            let payload = interpret(conventions, &answer, &context)?;
            Ok((payload, context))
        }
        .await;
        outcome.map_err(|mut error| {
            self.scrubber.error(&mut error);
            error
        })
    }

    /// Reads the exchange's clock and signs with its time from now on. An offset beyond
    /// [`MAX_CLOCK_OFFSET_MS`] is refused: a clock that far off is misconfigured (or the answer
    /// is a lie), and adopting it would hide the problem.
    async fn correct_clock(&self) -> Result<()> {
        let Some(endpoint) = self.conventions.server_time() else {
            return Ok(());
        };
        let request = endpoint.request(String::new(), String::new())?;
        let sent = self.clock.base_now_ms();
        let (payload, context) = self
            .exchange_once(self.conventions, &request, endpoint.weight)
            .await?;
        let received = self.clock.base_now_ms();
        let server = self.conventions.server_time_ms(&payload).ok_or_else(|| {
            Error::decode("server time answer has no time in it", context.clone())
        })?;
        match self.clock.correct(server, sent, received) {
            Ok(offset) => {
                tracing::info!(exchange = %self.exchange(), offset_ms = offset, "corrected clock offset from server time");
                Ok(())
            }
            Err(offset) => Err(Error::AuthRejected {
                reason: AuthReason::TimestampOutOfWindow,
                context: Box::new(ErrorContext {
                    message: Some(format!(
                        "this machine's clock is {} the exchange's server time, beyond the {} this crate corrects: fix the system clock (NTP, time zone)",
                        describe_offset(offset),
                        describe_duration(MAX_CLOCK_OFFSET_MS.unsigned_abs()),
                    )),
                    retryable: Some(false),
                    ..context
                }),
            }),
        }
    }

    /// Scrubs an outcome built from this pipeline's answers.
    pub(crate) fn scrubbed<T: Scrub>(&self, outcome: Result<T>) -> Result<T> {
        self.scrubber.outcome(outcome)
    }
}

/// A write that failed before the exchange could answer it clearly (a timeout, a dropped
/// connection, a 5xx or an answer nobody can read) may have been carried out:
/// [`Error::OutcomeUnknown`]. A refusal the exchange spelled out (auth, rate limit, a code),
/// or a connection never made, is certain: the error stays as it is.
fn outcome_unknown_unless_refused(exchange: ExchangeId, request: &Request, error: Error) -> Error {
    let unclear = match &error {
        Error::Unavailable { .. } | Error::Decode { .. } => true,
        Error::Transport { kind, .. } => *kind != TransportKind::Connect,
        _ => false,
    };
    if !unclear {
        return error;
    }
    Error::OutcomeUnknown {
        exchange,
        call: request.endpoint(),
        source: Box::new(error),
    }
}

/// `3 h 2 min ahead of`, `40 s behind`: where this machine's clock stands against the
/// exchange's, for an offset (server minus local) in ms; `None` is too large to compute.
fn describe_offset(offset_ms: Option<i64>) -> String {
    let Some(ms) = offset_ms else {
        return "absurdly far from".to_owned();
    };
    let direction = if ms < 0 { "ahead of" } else { "behind" };
    format!("{} {direction}", describe_duration(ms.unsigned_abs()))
}

fn describe_duration(ms: u64) -> String {
    let secs = ms / 1000;
    match secs {
        0..=119 => format!("{secs} s"),
        120..=7199 => format!("{} min", secs / 60),
        _ => format!("{} h {} min", secs / 3600, secs / 60 % 60),
    }
}

/// How long a call may keep retrying by default, from its first attempt.
pub(crate) const DEFAULT_RETRY_TIMEOUT: Duration = Duration::from_secs(60);

//! What an exchange folder provides ([`Venue`]), and the one adapter that drives any of them
//! ([`VenueAdapter`]): signing, sending, clock correction, retries and error mapping are written
//! here once.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use super::{AdapterBuilder, Environment, ExchangeId};
use crate::adapter::{Capabilities, KeyAdapter, Operation};
use crate::clock::{CorrectedClock, SystemClock, MAX_CLOCK_OFFSET_MS};
use crate::credentials::Credentials;
use crate::error::ErrorCode;
use crate::error::{Error, ErrorContext, Result};
use crate::model::KeyInfo;
use crate::transport::answer;
use crate::transport::scrub::Scrubber;
use crate::transport::{self, Answer, HttpTransport, Limiter, RateLimit, Request, RetryPolicy};

/// The facts and pure functions of one exchange. Implemented by a unit type in each exchange
/// folder; nothing here does I/O.
pub(crate) trait Venue: Send + Sync + 'static {
    const ID: ExchangeId;
    /// The key-information call (always a signed GET without parameters of its own).
    const KEY_INFO_PATH: &'static str;
    /// The public server-time call used to correct the clock.
    const SERVER_TIME_PATH: &'static str;
    /// Response headers that carry a request id, in order of preference.
    const REQUEST_ID_HEADERS: &'static [&'static str] = &[];
    /// The environment `.testnet(true)` selects.
    const SANDBOX: Environment;
    /// The default client-side rate limit for one host of this exchange.
    const RATE_LIMIT: RateLimit;

    fn capabilities(environment: Environment) -> Capabilities;

    /// The base URL of `environment`, or `None` where the exchange has no such environment.
    fn base_url(environment: Environment) -> Option<&'static str>;

    /// Refuses credentials this exchange cannot use (a missing passphrase).
    fn check_credentials(credentials: &Credentials) -> Result<()> {
        let _ = credentials;
        Ok(())
    }

    /// Why key inspection cannot work in `environment`, if it cannot (Binance's testnet).
    fn key_info_unavailable(environment: Environment) -> Option<&'static str> {
        let _ = environment;
        None
    }

    /// Adds authentication (query parameters or headers) to a request.
    fn sign(
        request: &mut Request,
        credentials: &Credentials,
        environment: Environment,
        timestamp_ms: i64,
    );

    /// The exchange's error code and message, if `payload` is an error answer.
    fn error_in(payload: &Value) -> Option<(String, String)>;

    /// What this exchange's HTTP statuses and error codes mean: one row each, with its class,
    /// retry verdict and source. Statuses and codes with no row take their generic meaning.
    const ERROR_CODES: &'static [ErrorCode];

    /// The useful part of a successful answer (OKX `data[0]`, Bybit `result`).
    fn unwrap_payload(payload: Value) -> std::result::Result<Value, String> {
        Ok(payload)
    }

    /// The server time in ms from the server-time answer's payload.
    fn server_time_ms(payload: &Value) -> Option<i64>;

    /// Maps the key-information payload to a [`KeyInfo`]; `Err` says what was wrong with it.
    fn map_key_info(payload: &Value) -> std::result::Result<KeyInfo, String>;

    /// What a person does by hand when `operation` is not available through this adapter.
    fn manual_step(operation: Operation) -> Option<&'static str>;

    /// How the testkit simulates this exchange.
    #[cfg(feature = "testkit")]
    fn simulation() -> crate::exchanges::simulation::Simulation;
}

/// Interprets an answer with a venue's error conventions: the exchange's own code when the body
/// has one, then the HTTP status, then the venue's payload unwrapping.
pub(crate) fn interpret<V: Venue>(answer: &Answer, mut context: ErrorContext) -> Result<Value> {
    let payload = answer::parse_json(answer, context.clone(), V::ERROR_CODES)?;
    if let Some((code, message)) = V::error_in(&payload) {
        let classified = answer::classify(V::ERROR_CODES, answer.status, Some(&code));
        context.code = Some(code);
        context.message = Some(message);
        let classified = classified.unwrap_or(answer::Classified {
            class: crate::error::ErrorClass::Rejected,
            row: None,
        });
        return Err(classified.into_error(context, answer.retry_after));
    }
    if let Some(classified) = answer::classify(V::ERROR_CODES, answer.status, None) {
        context.message = Some("HTTP error status with no error code in the body".to_owned());
        return Err(classified.into_error(context, answer.retry_after));
    }
    V::unwrap_payload(payload).map_err(|what| Error::decode(what, context))
}

/// Maps a key-information payload as received and attaches it as the evidence. The caller
/// scrubs the outcome, once ([`Scrubber::outcome`]): map first, scrub after, so a secret equal
/// to a vendor word never changes a right.
pub(crate) fn key_info_from<V: Venue>(payload: Value) -> std::result::Result<KeyInfo, String> {
    let mut info = V::map_key_info(&payload)?;
    info.raw = payload;
    Ok(info)
}

/// Reads a whole key-information answer (status and body) offline, as the adapter would after
/// receiving it, for [`ExchangeId::key_info_from_answer`].
pub(crate) fn read_answer<V: Venue>(
    status: u16,
    body: &[u8],
    credentials: Option<&Credentials>,
) -> Result<KeyInfo> {
    let scrubber = match credentials {
        Some(credentials) => Scrubber::new(credentials.secret_values()),
        None => Scrubber::without_secrets(),
    };
    let answer = Answer {
        status,
        content_type: None,
        retry_after: None,
        request_id: None,
        body: body.to_vec(),
    };
    let context = ErrorContext {
        exchange: Some(V::ID),
        endpoint: Some(format!("GET {}", V::KEY_INFO_PATH)),
        http_status: Some(status),
        attempts: 1,
        ..Default::default()
    };
    let outcome = interpret::<V>(&answer, context.clone()).and_then(|payload| {
        key_info_from::<V>(payload).map_err(|what| Error::decode(what, context))
    });
    scrubber.outcome(outcome)
}

/// Signs `request` as `V`'s adapter would, for [`ExchangeId::sign_request`].
pub(crate) fn sign_detached<V: Venue>(
    credentials: &Credentials,
    environment: Environment,
    request: &super::UnsignedRequest<'_>,
    timestamp_ms: i64,
) -> Result<super::SignedRequest> {
    V::check_credentials(credentials)?;
    let method = reqwest::Method::from_bytes(request.method.as_bytes())
        .map_err(|_| Error::config(V::ID, format!("`{}` is not an HTTP method", request.method)))?;
    let mut signed = Request {
        method,
        path: request.path.to_owned().into(),
        query: request.query.to_owned(),
        body: request.body.to_owned(),
        headers: Vec::new(),
        idempotent: false,
    };
    V::sign(
        &mut signed,
        credentials,
        environment.resolve(V::SANDBOX),
        timestamp_ms,
    );
    Ok(super::SignedRequest {
        query: signed.query,
        headers: signed.headers,
    })
}

/// The adapter for any [`Venue`].
pub(crate) struct VenueAdapter<V: Venue> {
    http: HttpTransport,
    credentials: Credentials,
    environment: Environment,
    clock: CorrectedClock,
    retry: RetryPolicy,
    limiter: Option<Arc<Limiter>>,
    /// Built once from the credentials: everything this adapter returns or logs passes it.
    scrubber: Scrubber,
    venue: PhantomData<fn() -> V>,
}

impl<V: Venue> fmt::Debug for VenueAdapter<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyAdapter")
            .field("exchange", &V::ID)
            .field("environment", &self.environment)
            .field("base_url", &self.http.base_url())
            .field("credentials", &self.credentials)
            .field("clock_offset_ms", &self.clock.offset_ms())
            .finish()
    }
}

impl<V: Venue> VenueAdapter<V> {
    pub(crate) fn build(builder: AdapterBuilder) -> Result<Arc<dyn KeyAdapter>> {
        let environment = builder.environment.resolve(V::SANDBOX);
        let credentials = builder.credentials.ok_or_else(|| {
            Error::config(
                V::ID,
                format!(
                    "no credentials: call .credentials(..) or set {}_API_KEY and {}_API_SECRET",
                    V::ID.env_prefix(),
                    V::ID.env_prefix()
                ),
            )
        })?;
        V::check_credentials(&credentials)?;
        let base_url = match builder.base_url {
            Some(url) => url,
            None => V::base_url(environment)
                .ok_or_else(|| {
                    Error::config(V::ID, format!("{} has no {environment} environment", V::ID))
                })?
                .to_owned(),
        };
        let base_url = transport::validate_base_url(V::ID, &base_url)?;
        let client = match builder.http_client {
            Some(client) => client,
            None => transport::http_client()?,
        };
        let clock = builder.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let limiter = builder
            .rate_limit
            .unwrap_or(Some(V::RATE_LIMIT))
            .map(|limit| Limiter::shared(V::ID.as_str(), limit));
        let scrubber = Scrubber::new(credentials.secret_values());
        Ok(Arc::new(VenueAdapter::<V> {
            scrubber,
            http: HttpTransport::new(
                V::ID,
                client,
                &base_url,
                builder.timeout,
                V::REQUEST_ID_HEADERS,
            ),
            credentials,
            environment,
            clock: CorrectedClock::new(clock),
            retry: builder.retry,
            limiter,
            venue: PhantomData,
        }))
    }

    /// Signs and sends `template`, retrying as the policy allows, and returns the payload with
    /// the context of the answer it came in (for errors found later, while mapping it).
    async fn call(&self, template: &Request) -> Result<(Value, ErrorContext)> {
        // Built on the first retryable error only: the happy path pays nothing for it.
        let mut delays = None;
        let mut attempts = 0;
        let mut clock_corrected = false;
        loop {
            attempts += 1;
            let mut request = template.clone();
            V::sign(
                &mut request,
                &self.credentials,
                self.environment,
                self.clock.now_ms(),
            );
            let outcome = self.exchange_once(&request).await;
            let mut error = match outcome {
                Ok((payload, mut context)) => {
                    context.attempts = attempts;
                    return Ok((payload, context));
                }
                Err(error) => error,
            };
            if let Some(context) = error.context_mut() {
                context.attempts = attempts;
            }
            let timestamp_rejected =
                error.auth_reason() == Some(crate::error::AuthReason::TimestampOutOfWindow);
            if timestamp_rejected && !clock_corrected && error.is_retryable() {
                clock_corrected = true;
                // A failure to read or trust the server's time is the error to report: a ban on
                // the time call is a ban, not a timestamp problem.
                self.correct_clock().await?;
                continue;
            }
            if !template.idempotent || !error.is_retryable() || timestamp_rejected {
                return Err(error);
            }
            match delays
                .get_or_insert_with(|| self.retry.delays())
                .after(&error)
            {
                Some(wait) => {
                    // `error` went through the scrubber in `exchange_once`.
                    tracing::debug!(exchange = %V::ID, attempts, ?wait, %error, "retrying");
                    tokio::time::sleep(wait).await;
                }
                None => return Err(error),
            }
        }
    }

    /// Sends one request and interprets the answer. Every error leaves here scrubbed, so the
    /// retry loop may log it.
    async fn exchange_once(&self, request: &Request) -> Result<(Value, ErrorContext)> {
        if let Some(limiter) = &self.limiter {
            limiter.acquire().await;
        }
        let outcome = async {
            let answer = self.http.send(request).await?;
            let context = ErrorContext {
                exchange: Some(V::ID),
                endpoint: Some(request.endpoint()),
                http_status: Some(answer.status),
                request_id: answer.request_id.clone(),
                attempts: 1,
                ..Default::default()
            };
            let payload = interpret::<V>(&answer, context.clone())?;
            Ok((payload, context))
        }
        .await;
        match outcome {
            Ok(found) => Ok(found),
            Err(mut error) => {
                self.scrubber.error(&mut error);
                Err(error)
            }
        }
    }

    /// Reads the exchange's clock and signs with its time from now on. An offset beyond
    /// [`MAX_CLOCK_OFFSET_MS`] is refused: a clock that far off is misconfigured (or the
    /// answer is a lie), and adopting it would hide the problem.
    async fn correct_clock(&self) -> Result<()> {
        let request = Request::get(V::SERVER_TIME_PATH);
        let sent = self.clock.base_now_ms();
        let (payload, context) = self.exchange_once(&request).await?;
        let received = self.clock.base_now_ms();
        let server = V::server_time_ms(&payload).ok_or_else(|| {
            Error::decode("server time answer has no time in it", context.clone())
        })?;
        match self.clock.correct(server, sent, received) {
            Ok(offset) => {
                tracing::info!(exchange = %V::ID, offset_ms = offset, "corrected clock offset from server time");
                Ok(())
            }
            Err(offset) => Err(Error::AuthRejected {
                reason: crate::error::AuthReason::TimestampOutOfWindow,
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

#[async_trait]
impl<V: Venue> KeyAdapter for VenueAdapter<V> {
    fn exchange(&self) -> ExchangeId {
        V::ID
    }

    fn capabilities(&self) -> Capabilities {
        V::capabilities(self.environment)
    }

    fn manual_step(&self, operation: Operation) -> String {
        V::ID.manual_step(operation).to_owned()
    }

    async fn key_info(&self) -> Result<KeyInfo> {
        if let Some(why) = V::key_info_unavailable(self.environment) {
            return Err(Error::Unsupported {
                exchange: V::ID,
                operation: Operation::KeyInfo,
                manual_step: why.to_owned(),
            });
        }
        let request = Request::get(V::KEY_INFO_PATH);
        let outcome = match self.call(&request).await {
            Ok((payload, context)) => {
                key_info_from::<V>(payload).map_err(|what| Error::decode(what, context))
            }
            Err(error) => Err(error),
        };
        self.scrubber.outcome(outcome)
    }
}

/// [`key_info_from`] for the public, I/O-free `map_key_info` of each exchange folder.
pub(crate) fn map_offline<V: Venue>(payload: &Value) -> Result<KeyInfo> {
    let outcome = key_info_from::<V>(payload.clone())
        .map_err(|what| Error::decode(what, ErrorContext::new(V::ID)));
    Scrubber::without_secrets().outcome(outcome)
}

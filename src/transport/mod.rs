//! HTTP transport shared by every adapter: one client, HTTPS only (plain HTTP only to loopback),
//! default timeouts, a bounded body size, and retry as configuration.

pub mod signing;

pub(crate) mod answer;
mod limit;
pub(crate) mod pipeline;
pub(crate) mod scrub;

pub(crate) use limit::Limiter;
pub use limit::RateLimit;

use std::borrow::Cow;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use reqwest::header::{HeaderName, HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use reqwest::Method;
use url::{Host, Url};

use crate::error::{Error, Result, TransportKind};
use crate::id::ExchangeId;

/// Time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for a whole request, answer included.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Largest answer body read; key-info answers are a few KiB.
pub(crate) const MAX_BODY_BYTES: usize = 1 << 20;
/// The longest backoff delay, whatever a [`RetryPolicy`] says.
const MAX_BACKOFF: Duration = Duration::from_secs(60 * 60);

/// When and how often an idempotent read is retried.
///
/// Only reads are retried, only after a retryable error ([`Error::is_retryable`]), and never
/// after Binance's IP ban (HTTP 418). Creating or deleting keys is never retried. A timestamp
/// rejection is retried once, after the clock offset has been corrected from the exchange's
/// server time, whatever this policy says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff delay; doubles each retry, with jitter.
    pub min_delay: Duration,
    /// Largest backoff delay (at most an hour is used).
    pub max_delay: Duration,
    /// Longest `Retry-After` honoured by waiting; a longer one is returned to the caller.
    pub max_retry_after: Duration,
    /// The longest a call may keep retrying, from its first attempt: no retry starts that
    /// would end after it.
    pub retry_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            min_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
            retry_timeout: pipeline::DEFAULT_RETRY_TIMEOUT,
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Self::default()
        }
    }

    pub(crate) fn delays(&self) -> RetryDelays {
        // Any policy is accepted; delays beyond an hour are clamped so the backoff arithmetic
        // (and its jitter) cannot overflow.
        let max_delay = self.max_delay.min(MAX_BACKOFF);
        RetryDelays {
            backoff: ExponentialBuilder::default()
                .with_min_delay(self.min_delay.min(max_delay))
                .with_max_delay(max_delay)
                .with_max_times(self.max_retries as usize)
                .with_jitter()
                .build(),
            max_retry_after: self.max_retry_after,
        }
    }
}

pub(crate) struct RetryDelays {
    backoff: backon::ExponentialBackoff,
    max_retry_after: Duration,
}

impl RetryDelays {
    /// The wait before retrying after `error`, or `None` to give up. A wait the exchange asks
    /// for (`Retry-After` on any answer, a documented ban wait) replaces the backoff; a longer
    /// one than [`RetryPolicy::max_retry_after`] is the caller's to honour.
    pub(crate) fn after(&mut self, error: &Error) -> Option<Duration> {
        let backoff = self.backoff.next()?;
        let asked = match error {
            Error::RateLimited {
                ip_banned: true, ..
            } => return None,
            Error::RateLimited {
                retry_after: Some(wait),
                ..
            } => Some(*wait),
            other => other.context().and_then(|c| c.retry_after),
        };
        match asked {
            Some(wait) => (wait <= self.max_retry_after).then_some(wait),
            None => Some(backoff),
        }
    }
}

/// A request as an adapter builds it, before signing adds query parameters or headers.
///
/// `Debug` shows header names only: signing puts passphrases and keys in headers.
#[derive(Clone)]
pub(crate) struct Request {
    pub(crate) method: Method,
    pub(crate) path: Cow<'static, str>,
    /// Already form-encoded, without the leading `?`.
    pub(crate) query: String,
    pub(crate) body: String,
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let header_names: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("headers", &header_names)
            .finish_non_exhaustive()
    }
}

impl Request {
    /// `path` or `path?query`, as most exchanges sign it.
    pub(crate) fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            self.path.to_string()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }

    pub(crate) fn endpoint(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    pub(crate) fn header(&mut self, name: &'static str, value: impl Into<String>) {
        self.headers.push((name, value.into()));
    }
}

/// An HTTP answer, read whole (up to [`MAX_BODY_BYTES`]).
#[derive(Clone, Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) request_id: Option<String>,
    pub(crate) body: Vec<u8>,
}

/// A new HTTP client with this crate's defaults: rustls with the `ring` provider and webpki
/// roots, [`DEFAULT_CONNECT_TIMEOUT`], [`DEFAULT_REQUEST_TIMEOUT`], no redirects (a redirect
/// could carry signed headers to another host or to plain HTTP), and a proxy only for
/// `https://` (from `HTTPS_PROXY`/`ALL_PROXY`, honouring `NO_PROXY`): plain `http://`, which
/// this crate sends only to loopback, is never proxied.
///
/// Every adapter built without [`AdapterBuilder::http_client`](crate::AdapterBuilder::http_client)
/// gets its own client. To check many keys, build one with this function and hand it to every
/// builder, so they share one connection pool. A client's pooled connections belong to the Tokio
/// runtime that opened them: share a client within one runtime, not across runtimes.
pub fn http_client() -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
        .timeout(DEFAULT_REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("exchange-keys/", env!("CARGO_PKG_VERSION")))
        // reqwest would send plain `http://` requests through `HTTP_PROXY`, loopback ones
        // included: signed headers would cross the network in clear. Only HTTPS is proxied.
        .no_proxy();
    if let Some(proxy) = https_proxy_from_env()? {
        builder = builder.proxy(proxy);
    }
    builder
        .build()
        .map_err(|e| Error::config(None, format!("could not build the HTTP client: {e}")))
}

/// `HTTPS_PROXY` (or `https_proxy`, then `ALL_PROXY`/`all_proxy`), for `https://` URLs only,
/// honouring `NO_PROXY`.
fn https_proxy_from_env() -> Result<Option<reqwest::Proxy>> {
    let url = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()));
    match url {
        None => Ok(None),
        Some(url) => reqwest::Proxy::https(url.trim())
            .map(|proxy| Some(proxy.no_proxy(reqwest::NoProxy::from_env())))
            .map_err(|_| Error::config(None, "HTTPS_PROXY is not a valid proxy URL")),
    }
}

/// Checks that signed requests to `url` are encrypted: `https://` anywhere, `http://` only to a
/// loopback address (tests, local simulators).
pub(crate) fn validate_base_url(exchange: ExchangeId, url: &str) -> Result<Url> {
    // A fleet builds an adapter per key, all with the same few base URLs, and parsing one costs
    // more than the rest of an HMAC adapter's build. The answer depends on the text alone, so
    // the URLs accepted last are remembered (a few: a process talks to a few hosts).
    const REMEMBERED: usize = 32;
    static ACCEPTED: std::sync::Mutex<Vec<(String, Url)>> = std::sync::Mutex::new(Vec::new());
    let remembered = |accepted: &Vec<(String, Url)>| {
        accepted
            .iter()
            .find(|(text, _)| text == url)
            .map(|(_, parsed)| parsed.clone())
    };
    // A poisoned lock only means another caller panicked; the list holds accepted URLs only.
    if let Some(parsed) = remembered(&ACCEPTED.lock().unwrap_or_else(|e| e.into_inner())) {
        return Ok(parsed);
    }
    let parsed = check_base_url(exchange, url)?;
    let mut accepted = ACCEPTED.lock().unwrap_or_else(|e| e.into_inner());
    if remembered(&accepted).is_none() {
        if accepted.len() == REMEMBERED {
            accepted.remove(0);
        }
        accepted.push((url.to_owned(), parsed.clone()));
    }
    Ok(parsed)
}

/// [`validate_base_url`], every time.
fn check_base_url(exchange: ExchangeId, url: &str) -> Result<Url> {
    let parsed = Url::parse(url).map_err(|e| {
        Error::config(
            exchange,
            format!("base URL `{}` is not a URL: {e}", without_credentials(url)),
        )
    })?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::config(
            exchange,
            "base URL must not carry a user or password",
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::config(
            exchange,
            "base URL must not carry a query or fragment",
        ));
    }
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if is_loopback(&parsed) => Ok(parsed),
        "http" => Err(Error::config(
            exchange,
            format!(
                "refusing plain http:// to `{}`: signed requests go over HTTPS; http is accepted for loopback addresses only",
                parsed.host_str().unwrap_or("")
            ),
        )),
        other => Err(Error::config(
            exchange,
            format!("unsupported URL scheme `{other}`: use https://"),
        )),
    }
}

/// `url` as far as it is safe to print: scheme and host, without any user, password, path,
/// query or fragment (a URL that failed to parse may still carry `user:password@`).
fn without_credentials(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.rsplit_once('@') {
        Some((_, host)) => format!("…@{host}"),
        None => authority.to_owned(),
    };
    let printable: String = host.chars().filter(|c| !c.is_control()).take(100).collect();
    match scheme {
        Some(scheme) => format!(
            "{}://{printable}",
            scheme.chars().take(16).collect::<String>()
        ),
        None => printable,
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Sends requests for one exchange.
#[derive(Clone)]
pub(crate) struct HttpTransport {
    exchange: ExchangeId,
    client: reqwest::Client,
    base_url: String,
    timeout: Duration,
    request_id_headers: &'static [&'static str],
}

impl std::fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpTransport")
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl HttpTransport {
    pub(crate) fn new(
        exchange: ExchangeId,
        client: reqwest::Client,
        base_url: &Url,
        timeout: Duration,
        request_id_headers: &'static [&'static str],
    ) -> Self {
        HttpTransport {
            exchange,
            client,
            base_url: base_url.as_str().trim_end_matches('/').to_owned(),
            timeout,
            request_id_headers,
        }
    }

    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    pub(crate) async fn send(&self, request: &Request) -> Result<Answer> {
        let url = format!("{}{}", self.base_url, request.path_and_query());
        let mut builder = self
            .client
            .request(request.method.clone(), url)
            .timeout(self.timeout);
        for (name, value) in &request.headers {
            let mut value = HeaderValue::from_str(value).map_err(|_| {
                Error::config(
                    self.exchange,
                    format!("header `{name}` has a character HTTP forbids"),
                )
            })?;
            // Keeps keys and passphrases out of any Debug of the outgoing request.
            value.set_sensitive(*name != "content-type");
            builder = builder.header(HeaderName::from_static(name), value);
        }
        if !request.body.is_empty() {
            builder = builder.body(request.body.clone());
        }
        let mut response = builder.send().await.map_err(|e| self.transport_error(e))?;
        let headers = response.headers();
        let content_type = header_text(headers.get(CONTENT_TYPE));
        let retry_after = header_text(headers.get(RETRY_AFTER)).and_then(|v| parse_retry_after(&v));
        let request_id = self
            .request_id_headers
            .iter()
            .find_map(|name| header_text(headers.get(*name)));
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(e))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(Error::decode(
                    format!("answer body larger than {MAX_BODY_BYTES} bytes"),
                    crate::error::ErrorContext {
                        exchange: Some(self.exchange),
                        endpoint: Some(request.endpoint()),
                        http_status: Some(status),
                        request_id,
                        ..Default::default()
                    },
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            content_type,
            retry_after,
            request_id,
            body,
        })
    }

    fn transport_error(&self, error: reqwest::Error) -> Error {
        let kind = if error.is_timeout() {
            TransportKind::Timeout
        } else if error.is_connect() {
            TransportKind::Connect
        } else if was_reset(&error) {
            TransportKind::Reset
        } else {
            TransportKind::Other
        };
        let error = error.without_url();
        let mut message = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Error::Transport {
            exchange: Some(self.exchange),
            kind,
            message,
        }
    }
}

/// Whether the connection died under the request: reset, aborted, or closed before the answer
/// was whole. TLS failures and other errors below HTTP are not transient and stay `Other`.
fn was_reset(error: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            ) {
                return true;
            }
        }
        // hyper's "connection closed before message completed" carries no I/O error. Its whole
        // text, not a part: h2 quotes a GOAWAY's debug data, which the server writes.
        if cause.to_string() == "connection closed before message completed" {
            return true;
        }
        source = cause.source();
    }
    false
}

/// `Retry-After` as delay-seconds or as an HTTP date (RFC 9110 §10.2.3).
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

fn header_text(value: Option<&HeaderValue>) -> Option<String> {
    value
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        let ex = ExchangeId::Binance;
        assert!(validate_base_url(ex, "https://api.binance.com").is_ok());
        assert!(validate_base_url(ex, "http://127.0.0.1:8080").is_ok());
        assert!(validate_base_url(ex, "http://127.8.9.10").is_ok());
        assert!(validate_base_url(ex, "http://[::1]:9000/").is_ok());
        assert!(validate_base_url(ex, "http://localhost:3000").is_ok());
        for bad in [
            "http://api.binance.com",
            "http://10.0.0.1",
            "http://192.168.1.2",
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example",
            "http://localhost./",
            "http://[::ffff:127.0.0.1]/",
            "ftp://api.binance.com",
            "https://user:pw@api.binance.com",
            "not a url",
        ] {
            let err = validate_base_url(ex, bad).unwrap_err();
            assert!(matches!(err, Error::Config { .. }), "{bad}: {err}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 256,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Any policy, however absurd, yields delays (or gives up) without a panic.
        #[test]
        fn any_retry_policy_computes_delays(
            max_retries in 0u32..8,
            min in proptest::prelude::any::<u64>(),
            max in proptest::prelude::any::<u64>(),
            nanos in 0u32..1_000_000_000,
        ) {
            let policy = RetryPolicy {
                max_retries,
                min_delay: Duration::new(min, nanos),
                max_delay: Duration::new(max, nanos),
                max_retry_after: Duration::MAX,
                retry_timeout: Duration::MAX,
            };
            let busy = Error::Unavailable {
                context: Box::new(crate::error::ErrorContext::new(ExchangeId::Okx)),
            };
            let mut delays = policy.delays();
            for _ in 0..=max_retries {
                if let Some(wait) = delays.after(&busy) {
                    proptest::prop_assert!(wait <= MAX_BACKOFF * 2);
                }
            }
        }
    }

    #[test]
    fn a_remembered_url_reads_as_parsed_and_a_refused_one_stays_refused() {
        for _ in 0..2 {
            let url = validate_base_url(ExchangeId::Okx, "https://WWW.okx.com").unwrap();
            assert_eq!(url.as_str(), "https://www.okx.com/");
            let refused = validate_base_url(ExchangeId::Okx, "http://www.okx.com").unwrap_err();
            assert!(matches!(refused, Error::Config { .. }), "{refused}");
        }
    }

    #[test]
    fn a_malformed_url_is_never_echoed_with_its_password() {
        for bad in [
            "https://user:hunter2@[not-a-host/path?key=k",
            "https://hunter2@exa mple.com/",
            "http//user:hunter2@host",
            "user:hunter2@host:99999",
        ] {
            let err = validate_base_url(ExchangeId::Okx, bad).unwrap_err();
            let text = format!("{err} {err:?}");
            assert!(!text.contains("hunter2"), "{bad}: {text}");
        }
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        assert_eq!(parse_retry_after(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        let later = (chrono::Utc::now() + chrono::Duration::seconds(90)).to_rfc2822();
        let wait = parse_retry_after(&later).unwrap();
        assert!(
            wait > Duration::from_secs(80) && wait <= Duration::from_secs(90),
            "{wait:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn retry_delays_stop_at_ban_and_long_retry_after() {
        let policy = RetryPolicy::default();
        let ctx = Box::new(crate::error::ErrorContext::new(ExchangeId::Binance));
        let banned = Error::RateLimited {
            retry_after: Some(Duration::from_secs(1)),
            ip_banned: true,
            context: ctx.clone(),
        };
        assert_eq!(policy.delays().after(&banned), None);
        let long = Error::RateLimited {
            retry_after: Some(Duration::from_secs(600)),
            ip_banned: false,
            context: ctx.clone(),
        };
        assert_eq!(policy.delays().after(&long), None);
        let short = Error::RateLimited {
            retry_after: Some(Duration::from_secs(2)),
            ip_banned: false,
            context: ctx.clone(),
        };
        assert_eq!(policy.delays().after(&short), Some(Duration::from_secs(2)));
        let mut maintenance = crate::error::ErrorContext::new(ExchangeId::Binance);
        maintenance.retry_after = Some(Duration::from_secs(3600));
        let maintenance = Error::Unavailable {
            context: Box::new(maintenance),
        };
        assert_eq!(
            policy.delays().after(&maintenance),
            None,
            "a 503 asking for an hour is not retried at once"
        );
        let mut delays = policy.delays();
        let busy = Error::Unavailable { context: ctx };
        assert!(delays.after(&busy).is_some());
        assert!(delays.after(&busy).is_some());
        assert_eq!(delays.after(&busy), None, "max_retries is 2");
        assert_eq!(RetryPolicy::none().delays().after(&busy), None);
    }
}

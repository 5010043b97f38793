//! The exchange registry: [`ExchangeId`], the [`AdapterBuilder`], and one folder per exchange.
//!
//! Adding an exchange means one folder (`mod.rs` with the `Venue` facts and builder hooks,
//! `sign.rs`, `wire.rs`, `map.rs`), one line in the registry below, one cargo feature, and its
//! fixtures; the conformance suite then runs against it unchanged.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::adapter::{Capabilities, KeyAdapter, Operation, SecondFactor};
use crate::clock::Clock;
use crate::credentials::Credentials;
use crate::error::{Error, ErrorCode, Result};
pub use crate::id::{Environment, ExchangeId};
use crate::model::KeyInfo;
use crate::transport::{RateLimit, RetryPolicy, DEFAULT_REQUEST_TIMEOUT};

pub(crate) mod common;
#[cfg(feature = "testkit")]
pub(crate) mod simulation;
pub(crate) mod venue;

#[cfg(feature = "binance")]
pub mod binance;
#[cfg(feature = "bingx")]
pub mod bingx;
#[cfg(feature = "bitfinex")]
pub mod bitfinex;
#[cfg(feature = "bitget")]
pub mod bitget;
#[cfg(feature = "bitstamp")]
pub mod bitstamp;
#[cfg(feature = "bybit")]
pub mod bybit;
#[cfg(feature = "coinbase")]
pub mod coinbase;
#[cfg(feature = "deribit")]
pub mod deribit;
#[cfg(feature = "gate")]
pub mod gate;
#[cfg(feature = "gemini")]
pub mod gemini;
#[cfg(feature = "htx")]
pub mod htx;
#[cfg(feature = "kraken")]
pub mod kraken;
#[cfg(feature = "kraken-futures")]
pub mod kraken_futures;
#[cfg(feature = "kucoin")]
pub mod kucoin;
#[cfg(feature = "mexc")]
pub mod mexc;
#[cfg(feature = "okx")]
pub mod okx;

use venue::{Venue, VenueAdapter};

impl ExchangeId {
    /// A builder for this exchange's adapter.
    pub fn builder(self) -> AdapterBuilder {
        AdapterBuilder::new(self)
    }

    /// Whether this build has an adapter for the exchange (its cargo feature is on).
    pub fn is_supported(self) -> bool {
        registration(self).is_some()
    }

    /// The exchanges this build has adapters for, in registry order.
    pub fn supported() -> Vec<ExchangeId> {
        REGISTRY.iter().map(|venue| venue.exchange()).collect()
    }

    /// The adapter's capabilities in production, without building it; `None` when unsupported.
    pub fn capabilities(self) -> Option<Capabilities> {
        registration(self).map(|venue| venue.capabilities(Environment::Production))
    }

    /// What a person does by hand when `operation` is not available through the API.
    pub fn manual_step(self, operation: Operation) -> &'static str {
        let specific = registration(self).and_then(|venue| venue.manual_step(operation));
        specific.unwrap_or(match operation {
            Operation::KeyInfo => {
                "this build has no adapter for this exchange: check the key's permissions, IP allowlist and expiry on the exchange's API management page"
            }
            Operation::RevokeAll => {
                "this exchange has no kill switch revoking every key at once: revoke each key (KeyAdapter::revoke where the API allows it, else on the exchange's API management page)"
            }
            _ => "log in to the exchange's website, open its API management page, and do it there",
        })
    }

    /// Whether revoking another key of this exchange through the API needs that key's own
    /// passphrase (KuCoin's sub-account keys): give it with
    /// [`KeyRef::with_passphrase`](crate::KeyRef::with_passphrase). A rotation asks for the old
    /// key's, and a breach response leaves such keys to a person.
    pub fn revoke_needs_key_passphrase(self) -> bool {
        registration(self).is_some_and(|venue| venue.revoke_needs_key_passphrase())
    }

    /// Signs a request exactly as this exchange's adapter does, without sending it: for callers
    /// with a transport of their own (and for the signing benches). Returns the query string to
    /// send (with any signature parameters appended) and the headers to add.
    pub fn sign_request(
        self,
        credentials: &Credentials,
        environment: Environment,
        request: &UnsignedRequest<'_>,
        timestamp_ms: i64,
    ) -> Result<SignedRequest> {
        self.request_signer(credentials, environment)?
            .sign(request, timestamp_ms)
    }

    /// Prepares `credentials` once (a base64 secret decoded, a PEM key parsed) for signing many
    /// requests as this exchange's adapter does: [`ExchangeId::sign_request`] without the
    /// per-call preparation. Fails as building the adapter would (a missing passphrase, a
    /// malformed key).
    pub fn request_signer(
        self,
        credentials: &Credentials,
        environment: Environment,
    ) -> Result<RequestSigner> {
        match registration(self) {
            Some(venue) => Ok(RequestSigner {
                venue,
                key: venue.prepare(credentials)?,
                environment,
            }),
            None => Err(Error::config(self, "this build has no adapter for it")),
        }
    }

    /// What this exchange's HTTP statuses and error codes mean, one row each with its class,
    /// retry verdict and source; empty when this build has no adapter for it.
    pub fn error_codes(self) -> &'static [ErrorCode] {
        registration(self).map_or(&[], |venue| venue.error_codes())
    }

    /// The response headers this exchange's adapter reads a request id from.
    pub fn request_id_headers(self) -> &'static [&'static str] {
        registration(self).map_or(&[], |venue| venue.request_id_headers())
    }

    /// Reads an answer to the key-information call, received by a transport of your own, as
    /// the adapter would: the exchange's error codes, its envelope, the mapping, and the
    /// scrubbing of secret-named fields (and of the caller's secrets, given `credentials`).
    /// The counterpart of [`ExchangeId::sign_request`].
    pub fn key_info_from_answer(
        self,
        http_status: u16,
        body: &[u8],
        credentials: Option<&Credentials>,
    ) -> Result<KeyInfo> {
        match registration(self) {
            Some(venue) => venue::read_answer(venue, http_status, body, credentials),
            None => Err(Error::config(self, "this build has no adapter for it")),
        }
    }

    /// The key-information call as `(method, path)`, for simulators and tests.
    pub fn key_info_endpoint(self) -> Option<(&'static str, &'static str)> {
        registration(self).map(|venue| {
            let endpoint = venue.key_info_endpoint();
            (endpoint.method, endpoint.path)
        })
    }
}

/// A request to sign with [`ExchangeId::sign_request`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnsignedRequest<'a> {
    /// HTTP method, e.g. `GET`.
    pub method: &'a str,
    /// Path, e.g. `/api/v5/account/config`.
    pub path: &'a str,
    /// Form-encoded query string without `?`, or empty.
    pub query: &'a str,
    /// Body exactly as it will be sent, or empty.
    pub body: &'a str,
}

/// Credentials prepared for signing one exchange's requests, from
/// [`ExchangeId::request_signer`]. `Debug` shows the exchange and the public key's hint only.
pub struct RequestSigner {
    venue: &'static dyn Venue,
    key: crate::transport::signing::SigningKey,
    environment: Environment,
}

impl RequestSigner {
    /// Signs `request` at `timestamp_ms` exactly as the adapter does: the query string to send
    /// (signature parameters appended), the headers to add and the body to send.
    pub fn sign(&self, request: &UnsignedRequest<'_>, timestamp_ms: i64) -> Result<SignedRequest> {
        venue::sign_detached(
            self.venue,
            &self.key,
            self.environment,
            request,
            timestamp_ms,
        )
    }
}

impl fmt::Debug for RequestSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestSigner")
            .field("exchange", &self.venue.exchange())
            .field("key", &self.key)
            .field("environment", &self.environment)
            .finish()
    }
}

/// What signing makes of a request. `Debug` shows header names only: headers can carry the key
/// and, for OKX, the passphrase.
#[non_exhaustive]
#[derive(Clone, PartialEq, Eq)]
pub struct SignedRequest {
    /// The query string to send, signature parameters included.
    pub query: String,
    /// Headers to add, names lowercase.
    pub headers: Vec<(&'static str, String)>,
    /// The body to send, exactly (Kraken puts its nonce in it).
    pub body: String,
}

impl fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("SignedRequest")
            .field("query", &self.query)
            .field("headers", &names)
            .finish()
    }
}

/// Builds the adapter of one exchange: `ExchangeId::Okx.builder().credentials(c).build()`.
///
/// `Debug` shows no secret.
#[derive(Debug)]
pub struct AdapterBuilder {
    pub(crate) exchange: ExchangeId,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) base_url: Option<String>,
    pub(crate) environment: Environment,
    pub(crate) clock: Option<Arc<dyn Clock>>,
    pub(crate) http_client: Option<reqwest::Client>,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Duration,
    /// `None`: the exchange's default; `Some(None)`: no limit.
    pub(crate) rate_limit: Option<Option<RateLimit>>,
    pub(crate) second_factor: Option<Arc<dyn SecondFactor>>,
}

impl AdapterBuilder {
    fn new(exchange: ExchangeId) -> Self {
        AdapterBuilder {
            exchange,
            credentials: None,
            base_url: None,
            environment: Environment::Production,
            clock: None,
            http_client: None,
            retry: RetryPolicy::default(),
            timeout: DEFAULT_REQUEST_TIMEOUT,
            rate_limit: None,
            second_factor: None,
        }
    }

    /// A builder with credentials read by [`Credentials::from_env`].
    pub fn from_env(exchange: ExchangeId) -> Result<Self> {
        Ok(AdapterBuilder::new(exchange).credentials(Credentials::from_env(exchange)?))
    }

    /// The exchange this builder builds an adapter for.
    pub fn exchange(&self) -> ExchangeId {
        self.exchange
    }

    /// The credentials to sign with.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Talk to `url` instead of the exchange's own host (a proxy, a regional host, a simulator).
    /// Must be `https://`, or `http://` to a loopback address.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// `true` selects the exchange's sandbox: Binance spot testnet, OKX demo trading, Bybit
    /// testnet. `false` selects production.
    pub fn testnet(mut self, sandbox: bool) -> Self {
        self.environment = if sandbox {
            Environment::Sandbox
        } else {
            Environment::Production
        };
        self
    }

    /// Selects an environment explicitly (e.g. [`Environment::Demo`] on Bybit).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// The clock to sign with (default: the system clock).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// The HTTP client to use (default: a new [`crate::transport::http_client`]: rustls,
    /// timeouts, no redirects). Pass one client to many builders to share its connection pool.
    /// A client of your own should not follow redirects either.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// When to retry idempotent reads; see [`RetryPolicy`].
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The client-side rate limit for this exchange, shared by every adapter of the process for
    /// the same exchange and limit, whatever host it uses; `None` disables it. The default of
    /// each exchange stays well inside its published per-address limit.
    pub fn rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Answers the exchange's second-factor challenges on key management (Deribit's security
    /// keys). Without it, a challenged call fails with
    /// [`AuthReason::SecondFactorRequired`](crate::AuthReason::SecondFactorRequired).
    pub fn second_factor(mut self, answerer: impl SecondFactor + 'static) -> Self {
        self.second_factor = Some(Arc::new(answerer));
        self
    }

    /// Time allowed for one request (default 15 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Builds the adapter.
    ///
    /// Fails with [`Error::Config`] when credentials are missing or incomplete (OKX needs a
    /// passphrase), the URL is not HTTPS (or loopback HTTP), or the exchange has no adapter in
    /// this build.
    pub fn build(self) -> Result<Arc<dyn KeyAdapter>> {
        match registration(self.exchange) {
            Some(venue) => VenueAdapter::build(venue, self),
            None => Err(Error::config(
                self.exchange,
                format!(
                    "this build has no adapter for {}: it is not implemented yet or its cargo feature `{}` is off",
                    self.exchange.display_name(),
                    self.exchange
                ),
            )),
        }
    }
}

/// One line per exchange.
static REGISTRY: &[&dyn Venue] = &[
    #[cfg(feature = "binance")]
    &binance::Binance,
    #[cfg(feature = "okx")]
    &okx::Okx,
    #[cfg(feature = "bybit")]
    &bybit::Bybit,
    #[cfg(feature = "kraken")]
    &kraken::Kraken,
    #[cfg(feature = "coinbase")]
    &coinbase::Coinbase,
    #[cfg(feature = "deribit")]
    &deribit::Deribit,
    #[cfg(feature = "kraken-futures")]
    &kraken_futures::KrakenFutures,
    #[cfg(feature = "mexc")]
    &mexc::Mexc,
    #[cfg(feature = "bingx")]
    &bingx::Bingx,
    #[cfg(feature = "gate")]
    &gate::Gate,
    #[cfg(feature = "htx")]
    &htx::Htx,
    #[cfg(feature = "kucoin")]
    &kucoin::Kucoin,
    #[cfg(feature = "bitget")]
    &bitget::Bitget,
    #[cfg(feature = "gemini")]
    &gemini::Gemini,
    #[cfg(feature = "bitfinex")]
    &bitfinex::Bitfinex,
    #[cfg(feature = "bitstamp")]
    &bitstamp::Bitstamp,
];

#[cfg(feature = "testkit")]
pub(crate) fn simulation(id: ExchangeId) -> Option<simulation::Simulation> {
    registration(id).map(|venue| venue.simulation())
}

fn registration(id: ExchangeId) -> Option<&'static dyn Venue> {
    REGISTRY
        .iter()
        .copied()
        .find(|venue| venue.exchange() == id)
}

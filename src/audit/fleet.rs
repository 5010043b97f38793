//! Checking many keys at once: for platforms that hold their users' keys (portfolio trackers,
//! copy trading, tax tools) and verify tens of thousands of them every night.
//!
//! A [`Fleet`] inspects keys at most [`Fleet::concurrency`] at a time and streams each result
//! back as soon as it is known, in completion order. It pulls the next key from your iterator
//! only when a slot frees up, builds that key's adapter then, and drops it once the key is
//! checked, so memory grows with the keys in flight, never with the size of the input: hand it a
//! database cursor or a file reader, not a `Vec` of everything. Each exchange's client-side rate
//! limit ([`AdapterBuilder::rate_limit`]) is shared by every adapter of that exchange in the
//! process, so the fleet, your other fleets and your own adapters together stay inside it. A key
//! that fails (refused by the exchange, malformed credentials, a network error) is that key's
//! `Err` and never stops the others.
//!
//! The results are a [`futures_util::Stream`]: read them with `StreamExt::next` from the
//! `futures` or `futures-util` crate.
//!
//! ```no_run
//! use std::pin::pin;
//!
//! use exchange_keys::audit::fleet::{Fleet, FleetKey};
//! use exchange_keys::audit::{Outcome, Policy};
//! use exchange_keys::{Credentials, ExchangeId, Reported};
//! use futures_util::StreamExt;
//!
//! # struct Row { user_id: u64, exchange: ExchangeId, api_key: String, secret: String }
//! # fn stored_keys() -> impl Iterator<Item = Row> + Send + 'static { std::iter::empty() }
//! # async fn nightly() {
//! // `stored_keys()` reads rows lazily (a database cursor): one is read when a slot frees up.
//! let keys = stored_keys().map(|row| FleetKey {
//!     reference: row.user_id.to_string(),
//!     exchange: row.exchange,
//!     credentials: Credentials::new(row.api_key, row.secret),
//! });
//! let mut results = pin!(Fleet::new().concurrency(64).check(keys));
//! while let Some(checked) = results.next().await {
//!     match checked.outcome {
//!         Ok(info) if info.is_read_only() == Reported::Known(true) => {
//!             println!("{}: read-only", checked.reference);
//!         }
//!         Ok(info) => {
//!             for finding in Policy::read_only().check(&info) {
//!                 if finding.outcome != Outcome::Pass {
//!                     println!("{}: {}: {}", checked.reference, finding.title, finding.detail);
//!                 }
//!             }
//!         }
//!         Err(error) => println!("{} ({}): {error}", checked.reference, checked.exchange),
//!     }
//! }
//! # }
//! ```
//!
//! To stop early, drop the stream (leaving the loop does): the keys in flight are cancelled and
//! no further request is sent. To stop on a signal from elsewhere, end the stream with
//! `take_until`:
//!
//! ```no_run
//! # use std::pin::pin;
//! # use exchange_keys::audit::fleet::{Fleet, FleetKey};
//! # use futures_util::StreamExt;
//! # async fn nightly(keys: Vec<FleetKey>) {
//! let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
//! // Hand `stop` to whatever decides to shut down: `stop.send(())` ends the stream (so does
//! // dropping `stop`).
//! # drop(stop);
//! let mut results = pin!(Fleet::new().check(keys).take_until(stopped));
//! while let Some(checked) = results.next().await {
//!     // …
//! #   let _ = checked;
//! }
//! // The stream has ended; the keys still in flight are cancelled when `results` is dropped.
//! # }
//! ```
//!
//! Keys progress while the stream is read: a slow reader slows the checks down rather than
//! piling up results. Interleave exchanges in the input where you can: when every slot holds a
//! key of one exchange waiting for that exchange's rate limit, keys of the other exchanges wait
//! behind them.

use std::fmt;
use std::sync::{Arc, OnceLock};

use futures_util::stream::{self, Stream, StreamExt};

use crate::adapter::KeyAdapter;
use crate::credentials::Credentials;
use crate::error::Result;
use crate::exchanges::{AdapterBuilder, ExchangeId};
use crate::model::KeyInfo;

/// Keys checked at once by a [`Fleet::new`].
const DEFAULT_CONCURRENCY: usize = 16;

type Configure = dyn Fn(AdapterBuilder) -> AdapterBuilder + Send + Sync;

/// One key to check. `reference` is the caller's own id for it (a user id, a row id); it comes
/// back with the result.
///
/// `Debug` shows no secret.
#[derive(Debug)]
pub struct FleetKey {
    /// The caller's id for the key, returned in [`Checked::reference`].
    pub reference: String,
    /// The exchange the key belongs to.
    pub exchange: ExchangeId,
    /// The key.
    pub credentials: Credentials,
}

/// One key's result.
#[derive(Debug)]
pub struct Checked {
    /// The [`FleetKey::reference`] of the key checked.
    pub reference: String,
    /// The exchange the key belongs to.
    pub exchange: ExchangeId,
    /// What the exchange says about the key, or why it could not be inspected (including an
    /// adapter that could not be built for it: [`crate::Error::Config`]).
    pub outcome: Result<KeyInfo>,
}

/// Inspects many keys, at most [`Fleet::concurrency`] at a time, each exchange within its rate
/// limit; see the [module documentation](self).
///
/// Cloning is cheap; clones share the HTTP client (and so its connection pool) and the
/// [`Fleet::configure`] hook. A client's pooled connections belong to the Tokio runtime that
/// opened them: use a fleet and its clones within one runtime.
#[derive(Clone)]
pub struct Fleet {
    concurrency: usize,
    /// Set by [`Fleet::http_client`], or created at the first key built. Shared by clones, so
    /// every check of a fleet reuses one connection pool.
    client: Arc<OnceLock<reqwest::Client>>,
    configure: Option<Arc<Configure>>,
}

impl fmt::Debug for Fleet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fleet")
            .field("concurrency", &self.concurrency)
            .field(
                "http_client",
                &if self.client.get().is_some() {
                    "ready"
                } else {
                    "created at the first key"
                },
            )
            .field("configure", &self.configure.as_ref().map(|_| "hook"))
            .finish()
    }
}

impl Default for Fleet {
    fn default() -> Self {
        Fleet::new()
    }
}

impl Fleet {
    /// A fleet checking 16 keys at a time with one shared HTTP client
    /// ([`crate::transport::http_client`]), created when the first key is built.
    pub fn new() -> Self {
        Fleet {
            concurrency: DEFAULT_CONCURRENCY,
            client: Arc::new(OnceLock::new()),
            configure: None,
        }
    }

    /// At most `limit` keys in flight at once; 0 is taken as 1.
    ///
    /// Keys in flight are also paced by their exchange's rate limit, so a high limit mostly
    /// helps when the keys span several exchanges or the exchange answers slowly.
    pub fn concurrency(mut self, limit: usize) -> Self {
        self.concurrency = limit.max(1);
        self
    }

    /// The HTTP client every adapter of the fleet uses (default: one
    /// [`crate::transport::http_client`] for the whole fleet). A client of your own should not
    /// follow redirects: one could carry signed headers to another host.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.client = Arc::new(OnceLock::from(client));
        self
    }

    /// Adjusts every adapter's builder (base URL of a simulator, sandbox, retry policy, rate
    /// limit, timeout).
    ///
    /// The hook receives a builder that already has the fleet's HTTP client, for any exchange
    /// ([`AdapterBuilder::exchange`] says which); the key's credentials are set after it. Leave
    /// the rate limit alone unless you mean it: the default keeps the exchange's limit, shared by
    /// every adapter of that exchange in the process.
    pub fn configure(
        mut self,
        f: impl Fn(AdapterBuilder) -> AdapterBuilder + Send + Sync + 'static,
    ) -> Self {
        self.configure = Some(Arc::new(f));
        self
    }

    /// Inspects every key, at most `concurrency` at a time; results in completion order.
    /// Dropping the stream cancels the keys in flight and sends no further request.
    ///
    /// A key is taken from `keys` only when a slot frees up, and its adapter is built then (with
    /// the fleet's client, then [`Fleet::configure`], then the key's credentials) and dropped once
    /// the key is checked. A key whose adapter cannot be built (an exchange this build has no
    /// adapter for, malformed credentials, a refused base URL) comes back with that error, like
    /// any other failure; the other keys go on.
    pub fn check<I>(&self, keys: I) -> impl Stream<Item = Checked> + Send + 'static
    where
        I: IntoIterator<Item = FleetKey>,
        I::IntoIter: Send + 'static,
    {
        let fleet = self.clone();
        stream::iter(keys)
            .map(move |key| fleet.clone().check_key(key))
            .buffer_unordered(self.concurrency)
    }

    /// The same for adapters the caller built: `(reference, adapter)` pairs. Only the fleet's
    /// concurrency applies; each adapter keeps its own client, limits and configuration, and is
    /// dropped once checked.
    pub fn check_adapters<R, I>(
        &self,
        adapters: I,
    ) -> impl Stream<Item = (R, Result<KeyInfo>)> + Send + 'static
    where
        R: Send + 'static,
        I: IntoIterator<Item = (R, Arc<dyn KeyAdapter>)>,
        I::IntoIter: Send + 'static,
    {
        stream::iter(adapters)
            .map(|(reference, adapter)| async move {
                let outcome = adapter.key_info().await;
                (reference, outcome)
            })
            .buffer_unordered(self.concurrency)
    }

    async fn check_key(self, key: FleetKey) -> Checked {
        let FleetKey {
            reference,
            exchange,
            credentials,
        } = key;
        let outcome = match self.adapter(exchange, credentials) {
            Ok(adapter) => adapter.key_info().await,
            Err(error) => Err(error),
        };
        Checked {
            reference,
            exchange,
            outcome,
        }
    }

    fn adapter(
        &self,
        exchange: ExchangeId,
        credentials: Credentials,
    ) -> Result<Arc<dyn KeyAdapter>> {
        let mut builder = exchange.builder().http_client(self.client()?);
        if let Some(configure) = &self.configure {
            builder = configure(builder);
        }
        builder.credentials(credentials).build()
    }

    /// The fleet's client, created on first use. A failure is not remembered: each key reports
    /// it, and a later key may succeed.
    fn client(&self) -> Result<reqwest::Client> {
        if let Some(client) = self.client.get() {
            return Ok(client.clone());
        }
        let client = crate::transport::http_client()?;
        // Keys racing here may each create a client; the first one stored is kept by all.
        Ok(self.client.get_or_init(|| client).clone())
    }
}

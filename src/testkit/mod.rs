//! A simulated exchange for offline tests (feature `testkit`).
//!
//! [`SimulatedExchange::start`] runs a local HTTP server (wiremock, on `127.0.0.1`) that answers
//! like the real exchange would for a key in a named [`Scenario`]: the exchange's documented
//! example answer, read-only, trading, withdraw-enabled, no IP restriction, expired, invalid,
//! IP not allowed, rate limited. Answers are built from the exchanges' own documented examples
//! and error bodies (see `tests/fixtures/<exchange>/README.md`).
//!
//! Use it to test your own key checks without keys or network:
//!
//! ```
//! # async fn demo() -> exchange_keys::Result<()> {
//! use exchange_keys::testkit::{Scenario, SimulatedExchange};
//! use exchange_keys::{ExchangeId, Grant};
//!
//! let sim = SimulatedExchange::start(ExchangeId::Bybit, Scenario::WithdrawEnabled).await?;
//! let info = sim.adapter()?.key_info().await?;
//! assert_eq!(info.can_withdraw(), Grant::Granted);
//! # Ok(()) }
//! # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
//! ```

use std::fmt;
use std::sync::Arc;

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub use crate::exchanges::simulation::{CannedAnswer, Scenario};

use crate::adapter::KeyAdapter;
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::exchanges::simulation::Simulation;
use crate::exchanges::{AdapterBuilder, ExchangeId};
use crate::transport::RetryPolicy;

/// The simulated exchange's clock: 2026-11-01T00:00:00Z, in ms.
pub const SERVER_TIME_MS: i64 = 1_793_491_200_000;

fn simulation(exchange: ExchangeId) -> Result<Simulation> {
    crate::exchanges::simulation(exchange).ok_or_else(|| {
        Error::config(
            exchange,
            "this build has no adapter (and so no simulation) for it",
        )
    })
}

/// The fake credentials a simulated exchange expects. For Binance these are the example key
/// pair from Binance's own documentation.
pub fn credentials(exchange: ExchangeId) -> Result<Credentials> {
    Ok((simulation(exchange)?.credentials)())
}

/// The answer `exchange` gives to its key-information call in `scenario`.
pub fn scenario_answer(exchange: ExchangeId, scenario: Scenario) -> Result<CannedAnswer> {
    Ok((simulation(exchange)?.answer)(scenario))
}

/// Where the key information sits in `exchange`'s successful answers, as a JSON pointer: `""`
/// (Binance), `"/data/0"` (OKX), `"/result"` (Bybit).
pub fn payload_pointer(exchange: ExchangeId) -> Result<&'static str> {
    Ok(simulation(exchange)?.payload_pointer)
}

/// Adds to a successful answer of `exchange` a granted permission named `token` that no adapter
/// knows, in the exchange's own shape (a Binance flag, an OKX `perm` token, a Bybit group).
pub fn plant_unknown_permission(
    exchange: ExchangeId,
    answer: &mut Value,
    token: &str,
) -> Result<()> {
    (simulation(exchange)?.plant_permission)(answer, token);
    Ok(())
}

/// An error answer of `exchange` carrying `code` and `message` in its own envelope, with HTTP
/// status 200 (the code decides).
pub fn error_answer(exchange: ExchangeId, code: &str, message: &str) -> Result<CannedAnswer> {
    Ok(CannedAnswer::ok((simulation(exchange)?.error_body)(
        code, message,
    )))
}

/// A request the simulated exchange received.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path, without the query.
    pub path: String,
    /// The raw query string, without `?`.
    pub query: Option<String>,
    /// Headers, names lowercase.
    pub headers: Vec<(String, String)>,
    /// Body as text.
    pub body: String,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The value of query parameter `name`, decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query.as_deref()?.as_bytes())
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// A local simulated exchange serving one scenario. Dropping it stops the server.
pub struct SimulatedExchange {
    exchange: ExchangeId,
    scenario: Scenario,
    server: MockServer,
    key_info_path: &'static str,
    server_time_path: &'static str,
    /// What the two calls answer now; both are mounted again whenever one changes.
    answers: std::sync::Mutex<(ResponseTemplate, ResponseTemplate)>,
}

impl fmt::Debug for SimulatedExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatedExchange")
            .field("exchange", &self.exchange)
            .field("scenario", &self.scenario)
            .field("base_url", &self.server.uri())
            .finish()
    }
}

impl SimulatedExchange {
    /// Starts a simulated `exchange` on a free loopback port, serving `scenario` on its
    /// key-information call and its real server-time call.
    pub async fn start(exchange: ExchangeId, scenario: Scenario) -> Result<Self> {
        let simulation = simulation(exchange)?;
        let server_time = template(&CannedAnswer::ok((simulation.server_time)(SERVER_TIME_MS)));
        let key_info = template(&(simulation.answer)(scenario));
        let sim = SimulatedExchange {
            exchange,
            scenario,
            server: MockServer::start().await,
            key_info_path: simulation.key_info_path,
            server_time_path: simulation.server_time_path,
            answers: std::sync::Mutex::new((key_info, server_time)),
        };
        sim.remount().await;
        Ok(sim)
    }

    /// Replaces every answer on the key-information call with `answer` (the server-time call
    /// keeps its own). Forgets the requests received so far.
    pub async fn serve(&self, answer: CannedAnswer) {
        self.replace(Some(template(&answer)), None).await;
    }

    /// Replaces every answer on the server-time call with `answer`, for testing clock
    /// correction against a failing or lying exchange. Forgets the requests received so far.
    pub async fn serve_server_time(&self, answer: CannedAnswer) {
        self.replace(None, Some(template(&answer))).await;
    }

    async fn replace(
        &self,
        key_info: Option<ResponseTemplate>,
        server_time: Option<ResponseTemplate>,
    ) {
        if let Ok(mut answers) = self.answers.lock() {
            if let Some(key_info) = key_info {
                answers.0 = key_info;
            }
            if let Some(server_time) = server_time {
                answers.1 = server_time;
            }
        }
        self.remount().await;
    }

    async fn remount(&self) {
        let Ok((key_info, server_time)) = self.answers.lock().map(|a| a.clone()) else {
            return;
        };
        self.server.reset().await;
        Mock::given(method("GET"))
            .and(path(self.key_info_path))
            .respond_with(key_info)
            .mount(&self.server)
            .await;
        Mock::given(method("GET"))
            .and(path(self.server_time_path))
            .respond_with(server_time)
            .mount(&self.server)
            .await;
    }

    /// The exchange simulated.
    pub fn exchange(&self) -> ExchangeId {
        self.exchange
    }

    /// The scenario served.
    pub fn scenario(&self) -> Scenario {
        self.scenario
    }

    /// The server's base URL (`http://127.0.0.1:<port>`).
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// The credentials this simulation's answers are built for.
    pub fn credentials(&self) -> Credentials {
        credentials(self.exchange).unwrap_or_else(|_| Credentials::new("", ""))
    }

    /// A builder pointed at this server with [`SimulatedExchange::credentials`], no retries (so
    /// a rate-limited scenario answers at once) and no client-side rate limit (the simulator
    /// has none to protect). Both can be set again on the builder.
    pub fn builder(&self) -> AdapterBuilder {
        self.exchange
            .builder()
            .base_url(self.base_url())
            .credentials(self.credentials())
            .retry(RetryPolicy::none())
            .rate_limit(None)
    }

    /// An adapter talking to this server.
    pub fn adapter(&self) -> Result<Arc<dyn KeyAdapter>> {
        self.builder().build()
    }

    /// The requests received so far.
    pub async fn received_requests(&self) -> Vec<RecordedRequest> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|r| RecordedRequest {
                method: r.method.to_string(),
                path: r.url.path().to_owned(),
                query: r.url.query().map(str::to_owned),
                headers: r
                    .headers
                    .iter()
                    .map(|(n, v)| {
                        (
                            n.as_str().to_ascii_lowercase(),
                            v.to_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect(),
                body: String::from_utf8_lossy(&r.body).into_owned(),
            })
            .collect()
    }

    /// Replaces every answer on the key-information call with `status` and the raw `body`, for
    /// testing how malformed answers are handled. Forgets the requests received so far.
    pub async fn serve_raw(&self, status: u16, content_type: &str, body: impl Into<Vec<u8>>) {
        let template = ResponseTemplate::new(status).set_body_raw(body.into(), content_type);
        self.replace(Some(template), None).await;
    }
}

/// The wiremock answer for a canned one.
fn template(answer: &CannedAnswer) -> ResponseTemplate {
    answer.headers.iter().fold(
        ResponseTemplate::new(answer.status).set_body_json(&answer.body),
        |template, (name, value)| template.insert_header(*name, value.as_str()),
    )
}

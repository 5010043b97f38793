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

pub mod conformance;

use std::fmt;
use std::sync::Arc;

use std::sync::Mutex;

use serde_json::Value;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

pub use crate::exchanges::simulation::{
    CannedAnswer, Management, RecordedRequest, Scenario, SimulatedKey, SimulatedState, Simulation,
    SERVER_TIME_MS, SIMULATED_ONE_TIME_CODE,
};

use crate::adapter::{Challenge, KeyAdapter, SecondFactor};
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::exchanges::{AdapterBuilder, ExchangeId};
use crate::transport::RetryPolicy;

fn simulation(exchange: ExchangeId) -> Result<Simulation> {
    crate::exchanges::simulation(exchange).ok_or_else(|| {
        Error::config(
            exchange,
            "this build has no adapter (and so no simulation) for it",
        )
    })
}

/// The exchanges of this build whose API describes a key (every one but Bitstamp, whose only
/// call is the kill switch): what tests that inspect keys across exchanges iterate over.
pub fn inspectable_exchanges() -> Vec<ExchangeId> {
    ExchangeId::supported()
        .into_iter()
        .filter(|id| id.capabilities().is_some_and(|c| c.key_info.is_available()))
        .collect()
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

/// In an answer of `exchange` listing several keys, the field that tells the key in use from
/// the others (Deribit's `client_id`), if there is one.
pub fn own_key_field(exchange: ExchangeId) -> Result<Option<&'static str>> {
    Ok(simulation(exchange)?.own_key_field)
}

/// The sub-account the simulated `exchange` manages keys in, where the exchange manages keys
/// only for sub-accounts (Bybit's UID, OKX's name).
pub fn sub_account(exchange: ExchangeId) -> Result<Option<&'static str>> {
    Ok(simulation(exchange)?.manage.sub_account)
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

/// A local simulated exchange serving one scenario. It holds state: keys created through its
/// API can be listed, and a revoked key is refused afterwards as an unknown key (the key in
/// use, once revoked, cuts its adapter off). Dropping it stops the server.
pub struct SimulatedExchange {
    exchange: ExchangeId,
    scenario: Scenario,
    simulation: Simulation,
    server: MockServer,
    shared: Arc<Mutex<Shared>>,
}

/// What the responder reads on every request.
struct Shared {
    state: SimulatedState,
    /// Replaces the scenario's key-information answer ([`SimulatedExchange::serve`]).
    key_info: Option<ResponseTemplate>,
    server_time: ResponseTemplate,
}

/// Answers every request of one simulated exchange from its state.
struct Responder {
    simulation: Simulation,
    scenario: Scenario,
    shared: Arc<Mutex<Shared>>,
}

impl Respond for Responder {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let request = recorded(request);
        let sim = &self.simulation;
        let Ok(mut shared) = self.shared.lock() else {
            return ResponseTemplate::new(500);
        };
        if request.path == sim.server_time_path {
            return shared.server_time.clone();
        }
        let caller = (sim.api_key_of)(&request);
        if caller.is_some_and(|key| shared.state.is_revoked(&key) || shared.state.is_disabled(&key))
        {
            return template(&(sim.answer)(Scenario::InvalidKey));
        }
        if request.path == sim.key_info_path {
            if let Some(answer) = &shared.key_info {
                return answer.clone();
            }
        }
        if let Some(answer) = (sim.manage.answer)(self.scenario, &mut shared.state, &request) {
            return template(&answer);
        }
        if request.path == sim.key_info_path {
            return template(&(sim.answer)(self.scenario));
        }
        ResponseTemplate::new(404)
    }
}

fn recorded(request: &wiremock::Request) -> RecordedRequest {
    RecordedRequest {
        method: request.method.to_string(),
        path: request.url.path().to_owned(),
        query: request.url.query().map(str::to_owned),
        headers: request
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_ascii_lowercase(),
                    v.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&request.body).into_owned(),
    }
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
    /// key-information call, its real server-time call, and the management calls it simulates.
    pub async fn start(exchange: ExchangeId, scenario: Scenario) -> Result<Self> {
        Ok(Self::start_with(exchange, simulation(exchange)?, scenario).await)
    }

    /// Starts a simulated exchange described by `simulation` (an exchange this crate does not
    /// know, for an adapter written outside it).
    pub async fn start_with(
        exchange: ExchangeId,
        simulation: Simulation,
        scenario: Scenario,
    ) -> Self {
        let shared = Arc::new(Mutex::new(Shared {
            state: SimulatedState::default(),
            key_info: None,
            server_time: template(&CannedAnswer::ok((simulation.server_time)(SERVER_TIME_MS))),
        }));
        let sim = SimulatedExchange {
            exchange,
            scenario,
            simulation,
            server: MockServer::start().await,
            shared,
        };
        sim.mount().await;
        sim
    }

    async fn mount(&self) {
        Mock::given(any())
            .respond_with(Responder {
                simulation: self.simulation,
                scenario: self.scenario,
                shared: self.shared.clone(),
            })
            .mount(&self.server)
            .await;
    }

    /// Replaces every answer on the key-information call with `answer` (the server-time call
    /// keeps its own). Forgets the requests received so far.
    pub async fn serve(&self, answer: CannedAnswer) {
        self.replace(|shared| shared.key_info = Some(template(&answer)))
            .await;
    }

    /// Replaces every answer on the server-time call with `answer`, for testing clock
    /// correction against a failing or lying exchange. Forgets the requests received so far.
    pub async fn serve_server_time(&self, answer: CannedAnswer) {
        self.replace(|shared| shared.server_time = template(&answer))
            .await;
    }

    /// Replaces every answer on the key-information call with `status` and the raw `body`, for
    /// testing how malformed answers are handled. Forgets the requests received so far.
    pub async fn serve_raw(&self, status: u16, content_type: &str, body: impl Into<Vec<u8>>) {
        let template = ResponseTemplate::new(status).set_body_raw(body.into(), content_type);
        self.replace(|shared| shared.key_info = Some(template))
            .await;
    }

    /// Reads or changes the simulated exchange's state (its keys, what it has revoked).
    pub fn with_state<T>(&self, f: impl FnOnce(&mut SimulatedState) -> T) -> Option<T> {
        self.shared
            .lock()
            .ok()
            .map(|mut shared| f(&mut shared.state))
    }

    async fn replace(&self, change: impl FnOnce(&mut Shared)) {
        if let Ok(mut shared) = self.shared.lock() {
            change(&mut shared);
        }
        // Forget what was received: tests read the requests that followed the change.
        self.server.reset().await;
        self.mount().await;
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
        (self.simulation.credentials)()
    }

    /// A builder pointed at this server with [`SimulatedExchange::credentials`], no retries (so
    /// a rate-limited scenario answers at once), no client-side rate limit (the simulator
    /// has none to protect) and [`SimulatedSecondFactor`]. Each can be set again on the builder.
    pub fn builder(&self) -> AdapterBuilder {
        self.exchange
            .builder()
            .base_url(self.base_url())
            .credentials(self.credentials())
            .retry(RetryPolicy::none())
            .rate_limit(None)
            .second_factor(SimulatedSecondFactor)
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
            .iter()
            .map(recorded)
            .collect()
    }
}

/// Answers every second-factor challenge with [`SIMULATED_ONE_TIME_CODE`], the code the
/// simulated exchanges accept: the second factor of [`SimulatedExchange::builder`] and of the
/// conformance suite's adapters.
#[derive(Clone, Copy, Debug, Default)]
pub struct SimulatedSecondFactor;

#[async_trait::async_trait]
impl SecondFactor for SimulatedSecondFactor {
    async fn answer(&self, _: &Challenge) -> Result<secrecy::SecretString> {
        Ok(secrecy::SecretString::from(SIMULATED_ONE_TIME_CODE))
    }
}

/// The wiremock answer for a canned one.
fn template(answer: &CannedAnswer) -> ResponseTemplate {
    answer.headers.iter().fold(
        ResponseTemplate::new(answer.status).set_body_json(&answer.body),
        |template, (name, value)| template.insert_header(*name, value.as_str()),
    )
}

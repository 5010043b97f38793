//! How the testkit simulates each exchange: the facts each exchange folder's `simulate.rs`
//! gives (its scenarios' answers, credentials, where things sit in its answers). Plain data:
//! the testkit, above the registry, serves them.

use std::fmt;

use serde_json::Value;

use crate::credentials::Credentials;

/// The kind of key (or failure) a simulated exchange presents.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scenario {
    /// The exchange's own documented example answer, verbatim.
    DocumentedExample,
    /// A read-only key bound to IP addresses.
    ReadOnly,
    /// A key that can trade but not withdraw, bound to IP addresses.
    Trading,
    /// A key that can withdraw and transfer.
    WithdrawEnabled,
    /// A trading key that accepts calls from any address.
    NoIpRestriction,
    /// An expired key (or, where the exchange only expires a right, that right).
    Expired,
    /// The exchange does not know the key.
    InvalidKey,
    /// The calling address is not on the key's allowlist.
    IpNotAllowed,
    /// The exchange asks to slow down.
    RateLimited,
}

impl Scenario {
    /// Every scenario.
    pub const ALL: [Scenario; 9] = [
        Scenario::DocumentedExample,
        Scenario::ReadOnly,
        Scenario::Trading,
        Scenario::WithdrawEnabled,
        Scenario::NoIpRestriction,
        Scenario::Expired,
        Scenario::InvalidKey,
        Scenario::IpNotAllowed,
        Scenario::RateLimited,
    ];

    /// A short name: `read-only`, `withdraw-enabled`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::DocumentedExample => "documented-example",
            Scenario::ReadOnly => "read-only",
            Scenario::Trading => "trading",
            Scenario::WithdrawEnabled => "withdraw-enabled",
            Scenario::NoIpRestriction => "no-ip-restriction",
            Scenario::Expired => "expired",
            Scenario::InvalidKey => "invalid-key",
            Scenario::IpNotAllowed => "ip-not-allowed",
            Scenario::RateLimited => "rate-limited",
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An answer the simulated exchange gives.
#[derive(Clone, Debug, PartialEq)]
pub struct CannedAnswer {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: Value,
    /// Extra response headers.
    pub headers: Vec<(&'static str, String)>,
}

impl CannedAnswer {
    /// A 200 answer with `body`.
    pub fn ok(body: Value) -> Self {
        CannedAnswer {
            status: 200,
            body,
            headers: Vec::new(),
        }
    }

    /// An answer with `status` and `body`.
    pub fn with_status(status: u16, body: Value) -> Self {
        CannedAnswer {
            status,
            body,
            headers: Vec::new(),
        }
    }

    /// Adds a response header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
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

    /// The body as JSON, or `null`.
    pub fn json_body(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// A key the simulated exchange holds.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimulatedKey {
    /// The exchange's numeric id of the key, where it has one (Deribit).
    pub id: u64,
    /// The public key.
    pub api_key: String,
    /// The secret, as the exchange would hand it out once.
    pub secret: String,
    /// The label.
    pub label: String,
    /// The exchange's own names of what the key may do.
    pub permissions: Vec<String>,
    /// The allowlist.
    pub ips: Vec<String>,
    /// Whether the key is enabled.
    pub enabled: bool,
    /// When it was created, in ms.
    pub created_ms: i64,
    /// The sub-account the key belongs to; `None` for the account the caller signs for.
    pub sub_account: Option<String>,
    /// The key's own passphrase, where the exchange asks for it to manage the key (KuCoin).
    pub passphrase: Option<String>,
}

/// What a simulated exchange remembers between calls: the keys created through its API, and
/// the keys revoked. A revoked key is refused afterwards as an unknown key; the key in use, once
/// revoked, cuts its adapter off.
#[derive(Debug, Default)]
pub struct SimulatedState {
    /// Keys the exchange holds beyond the one the scenario describes (created through the API,
    /// or listed by the scenario).
    pub keys: Vec<SimulatedKey>,
    /// Public keys revoked.
    pub revoked: Vec<String>,
    next_id: u64,
}

impl SimulatedState {
    /// Whether `api_key` has been revoked.
    pub fn is_revoked(&self, api_key: &str) -> bool {
        self.revoked.iter().any(|k| k == api_key)
    }

    /// The secret of a held key.
    pub fn secret_of(&self, api_key: &str) -> Option<String> {
        self.keys
            .iter()
            .find(|k| k.api_key == api_key)
            .map(|k| k.secret.clone())
    }

    /// Revokes `api_key` (and forgets it from the held keys).
    pub fn revoke(&mut self, api_key: &str) {
        self.keys.retain(|k| k.api_key != api_key);
        if !self.is_revoked(api_key) {
            self.revoked.push(api_key.to_owned());
        }
    }

    /// A held key.
    pub fn key(&self, api_key: &str) -> Option<&SimulatedKey> {
        self.keys.iter().find(|k| k.api_key == api_key)
    }

    /// A held key, to change it.
    pub fn key_mut(&mut self, api_key: &str) -> Option<&mut SimulatedKey> {
        self.keys.iter_mut().find(|k| k.api_key == api_key)
    }

    /// Whether `api_key` is held and disabled.
    pub fn is_disabled(&self, api_key: &str) -> bool {
        self.key(api_key).is_some_and(|k| !k.enabled)
    }

    /// Gives a held key a new secret and returns the key as changed.
    pub fn reset_secret(&mut self, api_key: &str) -> Option<SimulatedKey> {
        let key = self.keys.iter_mut().find(|k| k.api_key == api_key)?;
        key.secret = format!("{}-reset{}", key.secret, key.secret.len());
        Some(key.clone())
    }

    /// Adds a key of `sub_account` with fresh public and secret values, and returns it.
    pub fn create_for(
        &mut self,
        sub_account: Option<&str>,
        label: &str,
        permissions: Vec<String>,
        ips: Vec<String>,
    ) -> SimulatedKey {
        let mut key = self.create(label, permissions, ips);
        key.sub_account = sub_account.map(str::to_owned);
        if let Some(held) = self.key_mut(&key.api_key) {
            held.sub_account = key.sub_account.clone();
        }
        key
    }

    /// Adds a key with fresh public and secret values, and returns it.
    pub fn create(
        &mut self,
        label: &str,
        permissions: Vec<String>,
        ips: Vec<String>,
    ) -> SimulatedKey {
        self.next_id += 1;
        let id = self.next_id + 100;
        let key = SimulatedKey {
            id,
            api_key: format!("SimKey{id:04}"),
            secret: format!(
                "SimSecret{id:04}-{:x}",
                id.wrapping_mul(0x9e37_79b9_7f4a_7c15)
            ),
            label: label.to_owned(),
            permissions,
            ips,
            enabled: true,
            created_ms: SERVER_TIME_MS,
            sub_account: None,
            passphrase: None,
        };
        self.keys.push(key.clone());
        key
    }
}

/// The one-time code a simulated exchange accepts where it asks for the account's second factor
/// (HTX's `otpToken`); the testkit's adapters answer with it.
pub const SIMULATED_ONE_TIME_CODE: &str = "123456";

/// The simulated exchange's clock: 2026-11-01T00:00:00Z, in ms.
pub const SERVER_TIME_MS: i64 = 1_793_491_200_000;

/// How one exchange is simulated: each exchange folder's `simulate.rs` gives one; an adapter
/// written outside this crate gives its own to run the conformance suite
/// ([`crate::testkit::conformance::Subject`]).
#[derive(Clone, Copy)]
pub struct Simulation {
    /// The credentials the simulated answers are built for.
    pub credentials: fn() -> Credentials,
    /// The key-information answer of each scenario.
    pub answer: fn(Scenario) -> CannedAnswer,
    /// The server-time answer at a time in ms.
    pub server_time: fn(i64) -> Value,
    /// The server-time call's path.
    pub server_time_path: &'static str,
    /// The key-information call's path.
    pub key_info_path: &'static str,
    /// Where the key information sits in a successful answer, as a JSON pointer (`""`,
    /// `"/data/0"`, `"/result"`).
    pub payload_pointer: &'static str,
    /// Where the answer lists several keys, the field of the key information that tells the
    /// key in use from the others (Deribit's `client_id`): changing it loses the key, which is
    /// an error rather than a field to read, so the mutation checks leave it alone.
    pub own_key_field: Option<&'static str>,
    /// Adds a granted permission the adapter cannot know, named `token`, to a successful
    /// answer: a flag, a token or a group, in the exchange's own shape.
    pub plant_permission: fn(&mut Value, &str),
    /// An error answer carrying `code` and `message` in the exchange's own envelope.
    pub error_body: fn(&str, &str) -> Value,
    /// The public key a request authenticates with.
    pub api_key_of: fn(&RecordedRequest) -> Option<String>,
    /// The management calls (create, list, revoke) it simulates.
    pub manage: Management,
}

/// How a simulated exchange answers management calls from its state.
#[derive(Clone, Copy)]
pub struct Management {
    /// Answers a management call in `scenario` from the state; `None` for a call it does not
    /// simulate.
    pub answer: fn(Scenario, &mut SimulatedState, &RecordedRequest) -> Option<CannedAnswer>,
    /// Whether a request changes something (creates, revokes): the calls that must never be
    /// sent twice, which the conformance suite fails on purpose.
    pub is_write: fn(&RecordedRequest) -> bool,
    /// The sub-account the conformance suite creates, changes and revokes keys in, where the
    /// exchange manages keys through the API only per sub-account (OKX names it in every
    /// call); `None` where the calls need none.
    pub sub_account: Option<&'static str>,
}

impl Management {
    /// For exchanges whose management calls are not simulated.
    pub const NONE: Management = Management {
        answer: |_, _, _| None,
        is_write: |_| false,
        sub_account: None,
    };
}

impl std::fmt::Debug for Simulation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulation")
            .field("key_info_path", &self.key_info_path)
            .finish_non_exhaustive()
    }
}

/// Patches `base` (a JSON object) with the fields of `changes`, for scenario variants of a
/// documented example.
pub(crate) fn patched(base: &Value, changes: Value) -> Value {
    let mut out = base.clone();
    if let (Some(target), Value::Object(changes)) = (out.as_object_mut(), changes) {
        for (key, value) in changes {
            target.insert(key, value);
        }
    }
    out
}

/// Parses a fixture compiled into the crate. Fixtures are checked by the crate's tests, so a
/// broken one fails there first; here it degrades to `null` rather than panicking.
pub(crate) fn fixture(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

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

/// How one exchange is simulated: implemented in each exchange folder's `simulate.rs`.
pub(crate) struct Simulation {
    pub(crate) credentials: fn() -> Credentials,
    pub(crate) answer: fn(Scenario) -> CannedAnswer,
    pub(crate) server_time: fn(i64) -> Value,
    pub(crate) server_time_path: &'static str,
    pub(crate) key_info_path: &'static str,
    /// Where the key information sits in a successful answer, as a JSON pointer (`""`,
    /// `"/data/0"`, `"/result"`).
    pub(crate) payload_pointer: &'static str,
    /// Adds a granted permission the adapter cannot know, named `token`, to a successful
    /// answer: a flag, a token or a group, in the exchange's own shape.
    pub(crate) plant_permission: fn(&mut Value, &str),
    /// An error answer carrying `code` and `message` in the exchange's own envelope.
    pub(crate) error_body: fn(&str, &str) -> Value,
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

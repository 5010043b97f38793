//! Deribit's answers, as sent.

use serde::Deserialize;

use crate::exchanges::common::Field;

/// One entry of `result` of `private/list_api_keys` (also what `create_api_key`, `edit_api_key`
/// and `reset_api_key` return). Every field is read on its own ([`Field`]); `client_secret` is
/// not read at all: the scrubber blanks it in the evidence.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct ApiKey {
    /// The key's number, which every management call takes.
    #[serde(default)]
    pub(crate) id: Field<u64>,
    /// The public key id the key authenticates with.
    #[serde(default)]
    pub(crate) client_id: Field<String>,
    /// Space-separated `area:level` tokens (`trade:read_write wallet:none`).
    #[serde(default)]
    pub(crate) max_scope: Field<String>,
    #[serde(default)]
    pub(crate) enabled: Field<bool>,
    /// Letters, digits and underscores, at most 16; `""` when unnamed.
    #[serde(default)]
    pub(crate) name: Field<String>,
    /// Milliseconds since the epoch.
    #[serde(default)]
    pub(crate) timestamp: Field<i64>,
    /// Absent on keys without an allowlist, in the documented examples.
    #[serde(default)]
    pub(crate) ip_whitelist: Field<Vec<String>>,
    /// `restricted_block_trades`, `block_trade_approval`.
    #[serde(default)]
    pub(crate) enabled_features: Field<Vec<String>>,
}

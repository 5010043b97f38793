//! Kraken Futures' answers, as sent.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::exchanges::common::Field;

/// `GET /api/auth/v1/api-keys/v3/check` (`CheckedV3ApiKeyDetails`). Every field is read on its
/// own ([`Field`]).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CheckedApiKey {
    #[serde(default)]
    pub(crate) api_key: Field<String>,
    /// RFC 3339.
    #[serde(default)]
    pub(crate) created_at: Field<String>,
    /// `{"general": level, "transfer": level}`, each `NO_ACCESS`, `READ_ONLY` or `FULL_ACCESS`.
    /// Kept as a map so a right Kraken adds later is seen, not dropped.
    #[serde(default)]
    pub(crate) permissions: Field<Map<String, Value>>,
    /// One range, nullable; the older, singular form of `allowedCidrBlocks`.
    #[serde(default)]
    pub(crate) allowed_cidr_block: Field<String>,
    #[serde(default)]
    pub(crate) allowed_cidr_blocks: Field<Vec<String>>,
}

//! BingX's answers, as sent.

use serde::Deserialize;

use crate::exchanges::common::{Field, Text};

/// `data` of `GET /openApi/v1/account/apiPermissions`. Every field is read on its own
/// ([`Field`]).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiPermissions {
    #[serde(default)]
    pub(crate) api_key: Field<String>,
    /// Numeric codes; a code sent as text is read too, and one that is neither stays unread
    /// (and relaxes every denial).
    #[serde(default)]
    pub(crate) permissions: Field<Vec<Field<Text>>>,
    /// Empty (or `[""]`) when no address is bound.
    #[serde(default)]
    pub(crate) ip_addresses: Field<Vec<String>>,
    #[serde(default)]
    pub(crate) note: Field<String>,
}

/// `data` of `GET /openApi/swap/v2/server/time`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServerTime {
    pub(crate) server_time: i64,
}

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

/// `data` of `GET /openApi/subAccount/v1/list`: one page of sub-accounts.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubAccountPage {
    #[serde(default)]
    pub(crate) result: Field<Vec<serde_json::Value>>,
    #[serde(default)]
    pub(crate) total: Field<i64>,
}

/// One entry of [`SubAccountPage::result`].
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubAccount {
    /// A number in the docs' parameter table, a string in their example.
    #[serde(default)]
    pub(crate) sub_uid: Field<Text>,
    /// The sub-account's user name.
    #[serde(default)]
    pub(crate) sub_account_string: Field<String>,
}

/// `data` of `GET /openApi/account/v1/apiKey/query`: the keys of one account.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiKeyList {
    #[serde(default)]
    pub(crate) api_infos: Field<Vec<serde_json::Value>>,
}

/// One key as `apiKey/query` lists it, and as the create and edit calls answer (those carry
/// fewer of the fields, and the create answer the secret, which is never read into this).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiKeyInfo {
    /// Masked (`zF*******zQ`) in the documented example.
    #[serde(default)]
    pub(crate) api_key: Field<String>,
    #[serde(default)]
    pub(crate) note: Field<String>,
    #[serde(default)]
    pub(crate) permissions: Field<Vec<Field<Text>>>,
    /// `[""]` when no address is bound.
    #[serde(default)]
    pub(crate) ip_addresses: Field<Vec<String>>,
    /// Values undocumented (`0` in the example): kept in the evidence only.
    #[serde(default)]
    pub(crate) create_time: Field<i64>,
}

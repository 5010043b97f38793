//! Listing keys from a master key: KuCoin lists its sub-accounts (`GET /api/v2/sub/user`, page
//! by page) and each sub-account's keys (`GET /api/v1/sub/api-key?subName=…`), both with
//! permission General from the master account (docs-new, "Sub-account" and "Sub-account API").
//!
//! Only reads: creating a key cannot be handed over under this crate's rule (the create answer
//! shows no allowlist and the list shows it masked, so no answer shows the new key bound to
//! exactly the addresses asked for), and deleting one needs the key's own passphrase.

use serde_json::Value;

use super::{map, wire, Kucoin, KEY_INFO};
use crate::error::{Error, ErrorContext, Result};
use crate::exchanges::venue::{self, VenueAdapter};
use crate::model::{AccountKind, Anomaly, AnomalyKind, KeyInfo, Reported};
use crate::transport::answer::decode;
use crate::transport::pipeline::Endpoint;
use crate::ExchangeId;

/// `GET /api/v2/sub/user`: the sub-accounts, a page at a time (weight 20, Management pool).
const SUB_ACCOUNTS: Endpoint = Endpoint {
    weight: 2,
    ..Endpoint::read("GET", "/api/v2/sub/user")
};
/// `GET /api/v1/sub/api-key`: the keys of one sub-account (weight 20, Management pool).
const SUB_ACCOUNT_KEYS: Endpoint = Endpoint {
    weight: 2,
    ..Endpoint::read("GET", "/api/v1/sub/api-key")
};

/// The most sub-accounts one page holds (the documented maximum of `pageSize`).
const PAGE: usize = 100;
/// Pages read before giving up: a list that never ends is an error rather than a loop.
const MAX_PAGES: usize = 20;

/// The key in use and, from a master key, every key of every sub-account. A sub-account's key
/// sees only itself. An entry that cannot be read costs only itself: it is listed with an
/// anomaly saying why.
pub(super) async fn list_keys(adapter: &VenueAdapter) -> Result<Vec<KeyInfo>> {
    let (payload, context) = adapter
        .call(&KEY_INFO, String::new(), String::new())
        .await?;
    let own = venue::key_info_from(&Kucoin, payload, adapter.api_key())
        .map_err(|what| Error::decode(what, context))?;
    let sub_account_key = own.account == Reported::Known(AccountKind::SubAccount);
    let mut keys = vec![own];
    if sub_account_key {
        return Ok(keys);
    }
    for name in sub_account_names(adapter).await? {
        keys.extend(keys_of(adapter, name).await?);
    }
    Ok(keys)
}

/// Every sub-account's name, page by page.
async fn sub_account_names(adapter: &VenueAdapter) -> Result<Vec<Option<String>>> {
    let mut names = Vec::new();
    let mut last_context = ErrorContext::new(ExchangeId::Kucoin);
    for page in 1..=MAX_PAGES {
        let query = format!("currentPage={page}&pageSize={PAGE}");
        let (payload, context) = adapter.call(&SUB_ACCOUNTS, query, String::new()).await?;
        let Some(Value::Array(items)) = payload.get("items") else {
            return Err(Error::decode(
                "`data.items` is not a list of sub-accounts",
                context,
            ));
        };
        let count = items.len();
        names.extend(items.iter().map(|item| {
            item.get("subName")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
        }));
        let total_pages = payload.get("totalPage").and_then(Value::as_u64);
        let last = match total_pages {
            Some(total) => page as u64 >= total,
            None => count < PAGE,
        };
        if last || count == 0 {
            return Ok(names);
        }
        last_context = context;
    }
    Err(Error::decode(
        format!(
            "more than {} sub-accounts: this crate stops listing there",
            PAGE * MAX_PAGES
        ),
        last_context,
    ))
}

/// The keys of one sub-account; a sub-account listed without a name is one entry saying so.
async fn keys_of(adapter: &VenueAdapter, name: Option<String>) -> Result<Vec<KeyInfo>> {
    let Some(name) = name else {
        let mut info = KeyInfo::new(ExchangeId::Kucoin);
        info.account = Reported::Known(AccountKind::SubAccount);
        info.anomalies.push(Anomaly::new(
            AnomalyKind::Missing,
            "subName",
            "a sub-account listed without a readable name: its keys could not be listed",
        ));
        return Ok(vec![info]);
    };
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("subName", &name)
        .finish();
    let (payload, context) = adapter
        .call(&SUB_ACCOUNT_KEYS, query, String::new())
        .await?;
    let Value::Array(keys) = payload else {
        return Err(Error::decode(
            format!("`data` is not a list of the keys of sub-account `{name}`"),
            context,
        ));
    };
    Ok(keys
        .into_iter()
        .map(|key| {
            let mapped = decode::<wire::ApiKeyInfo>(&key, "sub-account API key")
                .and_then(map::map_api_key_info);
            let mut info = mapped.unwrap_or_else(|what| {
                let mut info = KeyInfo::new(ExchangeId::Kucoin);
                if let Some(id) = key.get("apiKey").and_then(Value::as_str) {
                    info.key_id = Reported::Known(id.to_owned());
                }
                info.anomalies
                    .push(Anomaly::new(AnomalyKind::Invalid, "data", what));
                info
            });
            // Listed under a sub-account, whatever the entry says of itself.
            info.account = Reported::Known(AccountKind::SubAccount);
            info.sub_account = Reported::Known(name.clone());
            info.raw = key;
            info
        })
        .collect())
}

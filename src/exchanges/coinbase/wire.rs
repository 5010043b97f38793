//! Coinbase's answers, as sent.

use serde::Deserialize;
use serde_json::Value;

use crate::exchanges::common::Field;
use crate::transport::answer::decode;

/// `GET /api/v3/brokerage/key_permissions`. Every field is read on its own ([`Field`]).
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct KeyPermissions {
    #[serde(default)]
    pub(crate) can_view: Field<bool>,
    #[serde(default)]
    pub(crate) can_trade: Field<bool>,
    #[serde(default)]
    pub(crate) can_transfer: Field<bool>,
    #[serde(default)]
    pub(crate) can_receive: Field<bool>,
    #[serde(default)]
    pub(crate) portfolio_uuid: Field<String>,
    #[serde(default)]
    pub(crate) portfolio_type: Field<String>,
    /// `can_…` flags this crate does not know, filled by [`KeyPermissions::read`].
    #[serde(skip)]
    pub(crate) unknown_flags: Vec<(String, Value)>,
}

impl KeyPermissions {
    /// Decodes `payload`, keeping the `can_…` flags it does not name.
    pub(crate) fn read(payload: &Value) -> Result<KeyPermissions, String> {
        let mut wire: KeyPermissions = decode(payload, "key_permissions answer")?;
        if let Value::Object(fields) = payload {
            wire.unknown_flags = fields
                .iter()
                .filter(|(name, _)| {
                    name.starts_with("can_")
                        && !["can_view", "can_trade", "can_transfer", "can_receive"]
                            .contains(&name.as_str())
                })
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect();
        }
        Ok(wire)
    }
}

/// `GET /api/v3/brokerage/time`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServerTime {
    pub(crate) epoch_millis: crate::exchanges::common::Text,
}

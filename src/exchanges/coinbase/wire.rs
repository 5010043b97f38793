//! Coinbase's answers, as sent.

use serde::Deserialize;
use serde_json::Value;

use crate::exchanges::common::{same_token, Field};
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

const KNOWN_FLAGS: [&str; 4] = ["can_view", "can_trade", "can_transfer", "can_receive"];

impl KeyPermissions {
    /// Decodes `payload`. Flag names compare without regard to case: a known flag sent in
    /// another case is read, one sent twice in different cases is unreadable, and every other
    /// `can_…` flag is kept as unknown.
    pub(crate) fn read(payload: &Value) -> Result<KeyPermissions, String> {
        let mut wire: KeyPermissions = decode(payload, "key_permissions answer")?;
        let Value::Object(fields) = payload else {
            return Ok(wire);
        };
        for known in KNOWN_FLAGS {
            let sent: Vec<&Value> = fields
                .iter()
                .filter(|(name, _)| same_token(name, known))
                .map(|(_, value)| value)
                .collect();
            let field = match sent.as_slice() {
                [] => continue,
                [value] => flag(value),
                _ => Field::Invalid(format!("`{known}` sent more than once, in different cases")),
            };
            match known {
                "can_view" => wire.can_view = field,
                "can_trade" => wire.can_trade = field,
                "can_transfer" => wire.can_transfer = field,
                _ => wire.can_receive = field,
            }
        }
        wire.unknown_flags = fields
            .iter()
            .filter(|(name, _)| {
                let name = name.trim().to_ascii_lowercase();
                name.starts_with("can_") && !KNOWN_FLAGS.contains(&name.as_str())
            })
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        Ok(wire)
    }
}

fn flag(value: &Value) -> Field<bool> {
    match value {
        Value::Null => Field::Absent,
        Value::Bool(on) => Field::Present(*on),
        _ => Field::Invalid("not a boolean".to_owned()),
    }
}

/// `GET /api/v3/brokerage/time`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServerTime {
    pub(crate) epoch_millis: crate::exchanges::common::Text,
}

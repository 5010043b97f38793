//! Small parsing helpers the exchange folders share.

// Each helper serves some exchanges, not all: a single-exchange build leaves some unused.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use serde_json::Value;

/// A time in milliseconds since the epoch, or a message naming `field`.
pub(crate) fn datetime_from_ms(ms: i64, field: &str) -> Result<DateTime<Utc>, String> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| format!("`{field}` is not a valid time ({ms} ms)"))
}

/// An RFC 3339 time, or a message naming `field`.
pub(crate) fn datetime_from_rfc3339(text: &str, field: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("`{field}` is not an RFC 3339 time"))
}

/// A JSON string or number as text, for error codes.
pub(crate) fn as_code(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// The field `name` of `payload` as text, or empty.
pub(crate) fn message_of(payload: &Value, name: &str) -> String {
    payload
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Takes the field `name` out of an answer envelope (`data`, `result`), saying what is wrong
/// when the answer has none.
pub(crate) fn take_envelope_field(payload: Value, name: &str) -> Result<Value, String> {
    match payload {
        Value::Object(mut envelope) => envelope
            .remove(name)
            .ok_or_else(|| format!("answer has no `{name}`")),
        _ => Err("answer is not a JSON object".to_owned()),
    }
}

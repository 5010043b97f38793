//! Turning an exchange's answer into JSON, a semantic error, or a clear decode failure.
//! Shared by every adapter so that an HTML page, a truncated body or a wrong type reads the same
//! everywhere.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Answer;
use crate::error::{AuthReason, Error, ErrorClass, ErrorCode, ErrorContext};

/// What an answer means by an exchange's code table: the class and the row that said so.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Classified {
    pub(crate) class: ErrorClass,
    pub(crate) row: Option<&'static ErrorCode>,
}

impl Classified {
    pub(crate) fn into_error(
        self,
        mut context: ErrorContext,
        retry_after: Option<Duration>,
    ) -> Error {
        if let Some(row) = self.row {
            context.retryable = Some(row.retryable);
        }
        context.retry_after = retry_after;
        let retry_after = retry_after.or(self.row.and_then(|row| row.wait));
        self.class.into_error(context, retry_after)
    }
}

/// What an HTTP status alone says, when no row of the exchange's table speaks of it.
fn status_default(status: u16) -> Option<ErrorClass> {
    match status {
        200..=299 => None,
        401 => Some(ErrorClass::Auth(AuthReason::Ambiguous)),
        418 => Some(ErrorClass::Banned),
        429 => Some(ErrorClass::RateLimited),
        500..=599 => Some(ErrorClass::Unavailable),
        _ => Some(ErrorClass::Rejected),
    }
}

/// Classifies an answer by `table`. A ban on the status wins over whatever the body says; then
/// the exchange's code, then a row for the status, then what the status means anywhere. `None`
/// for a successful status without an error code.
pub(crate) fn classify(
    table: &'static [ErrorCode],
    status: u16,
    code: Option<&str>,
) -> Option<Classified> {
    let status_row = table
        .iter()
        .find(|row| row.code.is_none() && row.http_status == Some(status));
    let found = |row: &'static ErrorCode| Classified {
        class: row.class,
        row: Some(row),
    };
    if let Some(row) = status_row.filter(|row| row.class == ErrorClass::Banned) {
        return Some(found(row));
    }
    if status == 418 {
        return Some(Classified {
            class: ErrorClass::Banned,
            row: None,
        });
    }
    if let Some(code) = code.map(str::trim) {
        let code_row = table.iter().find(|row| {
            row.code == Some(code) && row.http_status.is_none_or(|wanted| wanted == status)
        });
        if let Some(row) = code_row {
            return Some(found(row));
        }
    }
    if let Some(row) = status_row {
        return Some(found(row));
    }
    let class = status_default(status).or(code.map(|_| ErrorClass::Rejected))?;
    Some(Classified { class, row: None })
}

/// Parses the body as JSON. A body that is not JSON becomes the error its HTTP status implies
/// (a 502 HTML page is `Unavailable`), or a `Decode` error describing what came instead.
pub(crate) fn parse_json(
    answer: &Answer,
    context: impl FnOnce() -> ErrorContext,
    table: &'static [ErrorCode],
) -> Result<Value, Error> {
    // "No Content" (Gate's answer to a key deleted or changed): nothing to read, nothing wrong.
    if answer.status == 204 && answer.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    match serde_json::from_slice::<UniqueKeys>(&answer.body) {
        Ok(UniqueKeys(value)) => Ok(value),
        Err(error) => {
            let what = describe_non_json(answer, &error);
            let mut context = context();
            match classify(table, answer.status, None) {
                Some(classified) => {
                    context.message.get_or_insert(what);
                    Err(classified.into_error(context, answer.retry_after))
                }
                None => Err(Error::Decode {
                    what,
                    context: Box::new(context),
                }),
            }
        }
    }
}

/// A JSON value in which no object repeats a key. `serde_json` keeps the last copy of a
/// repeated key; an answer saying `"enableWithdrawals": true` and then `false` says nothing
/// this crate can trust, so it is refused rather than read by either copy.
struct UniqueKeys(Value);

impl<'de> serde::Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(UniqueKeysVisitor)
            .map(UniqueKeys)
    }
}

struct UniqueKeysVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueKeysVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(UniqueKeys(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let UniqueKeys(value) = map.next_value()?;
            // One search of the map per key, not one to check and one to insert.
            match object.entry(key) {
                serde_json::map::Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                serde_json::map::Entry::Occupied(taken) => {
                    return Err(serde::de::Error::custom(format_args!(
                        "an object repeats the key `{}`: which copy the exchange meant cannot be told",
                        taken.key()
                    )));
                }
            }
        }
        Ok(Value::Object(object))
    }
}

fn describe_non_json(answer: &Answer, error: &serde_json::Error) -> String {
    let body = &answer.body;
    let kind = answer.content_type.as_deref().unwrap_or("no content type");
    let start = String::from_utf8_lossy(&body[..body.len().min(64)]).to_ascii_lowercase();
    let start = start.trim_start();
    if body.iter().all(u8::is_ascii_whitespace) {
        "empty body where JSON was expected".to_owned()
    } else if start.starts_with("<!doctype") || start.starts_with("<html") || kind.contains("html")
    {
        format!(
            "an HTML page ({kind}, {} bytes) where JSON was expected",
            body.len()
        )
    } else if error.is_data() {
        format!(
            "JSON this crate cannot trust ({} bytes): {}",
            body.len(),
            sanitize(&error.to_string())
        )
    } else if error.is_eof() {
        format!(
            "truncated JSON ({} bytes): {}",
            body.len(),
            sanitize(&error.to_string())
        )
    } else {
        format!(
            "not JSON ({kind}, {} bytes): {}",
            body.len(),
            sanitize(&error.to_string())
        )
    }
}

/// Deserializes a wire type, naming the offending field on failure, e.g.
/// `` result.ips: invalid type: string "…", expected a sequence ``.
pub(crate) fn decode<T: DeserializeOwned>(value: &Value, what: &str) -> Result<T, String> {
    // Tracking the path costs on every field; pay for it only to explain a failure.
    if let Ok(decoded) = T::deserialize(value) {
        return Ok(decoded);
    }
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let inner = sanitize(&error.into_inner().to_string());
        if path == "." {
            format!("{what}: {inner}")
        } else {
            format!("{what}: `{path}`: {inner}")
        }
    })
}

/// Removes quoted values from a serde message: the wrong value could be anything the exchange
/// sent, including a secret it echoed, and the field name and expected type say enough.
pub(crate) fn sanitize(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_quotes = false;
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        match (c, in_quotes) {
            ('"', false) => {
                in_quotes = true;
                out.push_str("\"…");
            }
            // serde escapes quotes inside the value: an escaped one does not end it.
            ('\\', true) => {
                chars.next();
            }
            ('"', true) => {
                in_quotes = false;
                out.push('"');
            }
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    if in_quotes {
        out.push('"');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: u16, content_type: &str, body: &str) -> Answer {
        Answer {
            status,
            content_type: Some(content_type.to_owned()),
            retry_after: None,
            request_id: None,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn html_error_page_on_502_is_unavailable() {
        let a = answer(502, "text/html", "<html><body>Bad Gateway</body></html>");
        let err = parse_json(&a, ErrorContext::default, &[]).unwrap_err();
        assert!(matches!(err, Error::Unavailable { .. }), "{err}");
        assert!(err.to_string().contains("HTML page"), "{err}");
    }

    #[test]
    fn html_on_200_is_a_decode_error_naming_html() {
        let a = answer(200, "text/html", "<!DOCTYPE html><p>captcha</p>");
        let err = parse_json(&a, ErrorContext::default, &[]).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err}");
        assert!(err.to_string().contains("HTML page"), "{err}");
    }

    #[test]
    fn truncated_and_empty_bodies_are_named() {
        let err = parse_json(
            &answer(200, "application/json", "{\"a\":"),
            ErrorContext::default,
            &[],
        )
        .unwrap_err();
        assert!(err.to_string().contains("truncated JSON"), "{err}");
        let err = parse_json(
            &answer(200, "application/json", ""),
            ErrorContext::default,
            &[],
        )
        .unwrap_err();
        assert!(err.to_string().contains("empty body"), "{err}");
    }

    #[test]
    fn repeated_keys_are_refused_at_any_depth() {
        for body in [
            r#"{"enableWithdrawals": true, "enableWithdrawals": false}"#,
            r#"{"result": {"permissions": {"Wallet": ["Withdraw"], "Wallet": []}}}"#,
            r#"[{"ip": "", "ip": "203.0.113.7"}]"#,
        ] {
            let err = parse_json(
                &answer(200, "application/json", body),
                ErrorContext::default,
                &[],
            )
            .unwrap_err();
            assert!(matches!(err, Error::Decode { .. }), "{err}");
            assert!(err.to_string().contains("repeats the key"), "{err}");
        }
        let ok = parse_json(
            &answer(
                200,
                "application/json",
                r#"{"a": [1, -2, 3.5, "x", null, true, {"b": {}}]}"#,
            ),
            ErrorContext::default,
            &[],
        )
        .unwrap();
        assert_eq!(ok, json!({"a": [1, -2, 3.5, "x", null, true, {"b": {}}]}));
    }

    #[test]
    fn decode_names_the_field_and_hides_the_value() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Wire {
            flag: bool,
        }
        let err = decode::<Wire>(&json!({"flag": "hunter2"}), "answer").unwrap_err();
        assert!(err.contains("`flag`"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let err = decode::<Wire>(&json!({}), "answer").unwrap_err();
        assert!(err.contains("missing field `flag`"), "{err}");
    }

    #[test]
    fn sanitize_hides_values_with_escaped_quotes() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Wire {
            ips: Vec<String>,
        }
        let err = decode::<Wire>(&json!({"ips": "x\"TOPSECRET\\\"MORE"}), "answer").unwrap_err();
        assert!(!err.contains("TOPSECRET") && !err.contains("MORE"), "{err}");
        assert!(err.contains("`ips`"), "{err}");
    }
}

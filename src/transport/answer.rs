//! Turning an exchange's answer into JSON, a semantic error, or a clear decode failure.
//! Shared by every adapter so that an HTML page, a truncated body or a wrong type reads the same
//! everywhere.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Answer;
use crate::error::{AuthReason, Error, ErrorContext};

/// What an exchange's error code means, before context is attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ErrorClass {
    Auth(AuthReason),
    RateLimited,
    /// A rate limit that comes with a ban and a known minimum wait (Bybit's 403 "access too
    /// frequent" asks for 10 minutes; Binance's 418).
    Banned,
    Unavailable,
    Rejected,
}

impl ErrorClass {
    pub(crate) fn into_error(self, context: ErrorContext, retry_after: Option<Duration>) -> Error {
        let context = Box::new(context);
        match self {
            ErrorClass::Auth(reason) => Error::AuthRejected { reason, context },
            ErrorClass::RateLimited => Error::RateLimited {
                retry_after,
                ip_banned: false,
                context,
            },
            ErrorClass::Banned => Error::RateLimited {
                retry_after,
                ip_banned: true,
                context,
            },
            ErrorClass::Unavailable => Error::Unavailable { context },
            ErrorClass::Rejected => Error::Rejected { context },
        }
    }

    /// What an HTTP status alone says, when the body says nothing the adapter understands.
    pub(crate) fn from_status(status: u16) -> Option<ErrorClass> {
        match status {
            200..=299 => None,
            401 => Some(ErrorClass::Auth(AuthReason::Ambiguous)),
            418 => Some(ErrorClass::Banned),
            429 => Some(ErrorClass::RateLimited),
            500..=599 => Some(ErrorClass::Unavailable),
            _ => Some(ErrorClass::Rejected),
        }
    }
}

/// Parses the body as JSON. A body that is not JSON becomes the error its HTTP status implies
/// (a 502 HTML page is `Unavailable`), or a `Decode` error describing what came instead.
pub(crate) fn parse_json(
    answer: &Answer,
    mut context: ErrorContext,
    status_class: fn(u16) -> Option<ErrorClass>,
) -> Result<Value, Error> {
    match serde_json::from_slice::<Value>(&answer.body) {
        Ok(value) => Ok(value),
        Err(error) => {
            let what = describe_non_json(answer, &error);
            match status_class(answer.status) {
                Some(class) => {
                    context.message.get_or_insert(what);
                    Err(class.into_error(context, answer.retry_after))
                }
                None => Err(Error::Decode {
                    what,
                    context: Box::new(context),
                }),
            }
        }
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

/// Field names whose values are secrets, compared case-insensitively with `_` and `-` removed.
const SECRET_FIELD_MARKERS: [&str; 5] =
    ["secret", "passphrase", "password", "privatekey", "apisign"];

/// Replaces, anywhere in `value`, every non-empty value of a secret-named field and every string
/// containing one of `secrets`, with `"[redacted]"`. Exchanges echo secrets in some answers
/// (Bybit's `secret`, create-key responses); evidence must never carry them.
pub(crate) fn scrub(value: &mut Value, secrets: &[&str]) {
    match value {
        Value::Object(map) => {
            for (name, field) in map.iter_mut() {
                if is_secret_name(name) && !is_empty_value(field) {
                    *field = Value::String(REDACTED.to_owned());
                } else {
                    scrub(field, secrets);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| scrub(item, secrets)),
        Value::String(text) if secrets.iter().any(|s| !s.is_empty() && text.contains(s)) => {
            *text = REDACTED.to_owned();
        }
        _ => {}
    }
}

/// Replaces every occurrence of each of `secrets` in `text`.
pub(crate) fn redact(text: &mut String, secrets: &[&str]) {
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if text.contains(secret) {
            *text = text.replace(secret, REDACTED);
        }
    }
}

/// What scrubbed values are replaced with.
pub(crate) const REDACTED: &str = "[redacted]";

/// Whether a field name contains one of [`SECRET_FIELD_MARKERS`], ignoring ASCII case, `_` and
/// `-`. Runs on every field of every answer, so it does not allocate for ordinary names.
fn is_secret_name(name: &str) -> bool {
    let mut buffer = [0u8; 64];
    let mut len = 0;
    for byte in name.bytes().filter(|b| *b != b'_' && *b != b'-') {
        if len == buffer.len() {
            // Unusually long names take the slow path.
            let normalized: String = name
                .chars()
                .filter(|c| *c != '_' && *c != '-')
                .flat_map(char::to_lowercase)
                .collect();
            return SECRET_FIELD_MARKERS.iter().any(|m| normalized.contains(m));
        }
        buffer[len] = byte.to_ascii_lowercase();
        len += 1;
    }
    let normalized = &buffer[..len];
    SECRET_FIELD_MARKERS.iter().any(|marker| {
        normalized
            .windows(marker.len())
            .any(|w| w == marker.as_bytes())
    })
}

fn is_empty_value(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
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
        let err = parse_json(&a, ErrorContext::default(), ErrorClass::from_status).unwrap_err();
        assert!(matches!(err, Error::Unavailable { .. }), "{err}");
        assert!(err.to_string().contains("HTML page"), "{err}");
    }

    #[test]
    fn html_on_200_is_a_decode_error_naming_html() {
        let a = answer(200, "text/html", "<!DOCTYPE html><p>captcha</p>");
        let err = parse_json(&a, ErrorContext::default(), ErrorClass::from_status).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err}");
        assert!(err.to_string().contains("HTML page"), "{err}");
    }

    #[test]
    fn truncated_and_empty_bodies_are_named() {
        let err = parse_json(
            &answer(200, "application/json", "{\"a\":"),
            ErrorContext::default(),
            ErrorClass::from_status,
        )
        .unwrap_err();
        assert!(err.to_string().contains("truncated JSON"), "{err}");
        let err = parse_json(
            &answer(200, "application/json", ""),
            ErrorContext::default(),
            ErrorClass::from_status,
        )
        .unwrap_err();
        assert!(err.to_string().contains("empty body"), "{err}");
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

    #[test]
    fn scrub_removes_secret_fields_and_echoed_values() {
        let mut v = json!({
            "apiKey": "pub",
            "secret": "abc",
            "emptySecret": "",
            "nested": [{"secretKey": "x", "passphrase": "y", "note": "has-MYSECRET-inside"}],
            "api_secret": 5
        });
        scrub(&mut v, &["MYSECRET"]);
        assert_eq!(v["apiKey"], "pub");
        assert_eq!(v["secret"], REDACTED);
        assert_eq!(v["emptySecret"], "");
        assert_eq!(v["nested"][0]["secretKey"], REDACTED);
        assert_eq!(v["nested"][0]["passphrase"], REDACTED);
        assert_eq!(v["nested"][0]["note"], REDACTED);
        assert_eq!(v["api_secret"], REDACTED);
    }

    #[test]
    fn secret_names_match_without_case_or_separators() {
        for name in [
            "secret",
            "apiSecret",
            "SECRET_KEY",
            "pass-phrase",
            "privateKey",
            "Pass_Word",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["apiKey", "note", "ips", "permissions", "signature", ""] {
            assert!(!is_secret_name(name), "{name}");
        }
        let long = format!("{}Secret", "x".repeat(80));
        assert!(is_secret_name(&long));
    }
}

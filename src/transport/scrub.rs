//! The one place that keeps secrets out of everything that leaves the crate.
//!
//! Answers are mapped as received, then scrubbed ("map first, scrub after"): a secret or
//! passphrase that happens to equal a vendor word (`withdraw`, `trade`, `*`) never changes a
//! mapped right, address or date. Scrubbing then covers every string that leaves an adapter:
//! the evidence (values *and* object keys), the mapped strings of a [`KeyInfo`] (key id, label,
//! vendor names, masked patterns, anomalies), and every text of an [`Error`] (code, message,
//! request id, endpoint, decode path), before any of them is returned or logged.

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};

use crate::error::{Error, Redact};
use crate::model::KeyInfo;

/// What scrubbed values are replaced with.
pub(crate) const REDACTED: &str = "[redacted]";

/// Field names whose values are secrets, compared case-insensitively with `_` and `-` removed.
const SECRET_FIELD_MARKERS: [&str; 5] =
    ["secret", "passphrase", "password", "privatekey", "apisign"];

/// Knows the caller's secrets, and removes them (and secret-named fields) from what it is given.
///
/// Each secret is looked for in every form an exchange may echo it ([`echoed_forms`]: as sent,
/// percent-encoded, trimmed, upper- or lower-cased), ignoring ASCII case.
pub(crate) struct Scrubber {
    needles: Vec<SecretString>,
    /// Whether a needle is all digits, so that numbers need looking at.
    numeric: bool,
}

impl std::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scrubber")
            .field("secrets", &self.needles.len())
            .finish()
    }
}

impl Scrubber {
    /// A scrubber for `secrets` (empty ones are ignored).
    pub(crate) fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let mut needles: Vec<String> = Vec::new();
        for secret in secrets.into_iter().filter(|s| !s.is_empty()) {
            for form in echoed_forms(secret) {
                if !needles.iter().any(|n| n.eq_ignore_ascii_case(&form)) {
                    needles.push(form);
                }
            }
        }
        // Longer needles first, so a secret containing another is replaced whole.
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        Scrubber {
            numeric: needles
                .iter()
                .any(|n| n.bytes().all(|b| b.is_ascii_digit())),
            needles: needles.into_iter().map(SecretString::from).collect(),
        }
    }

    /// A scrubber that knows no secret: it still redacts secret-named fields.
    pub(crate) fn without_secrets() -> Self {
        Scrubber {
            needles: Vec::new(),
            numeric: false,
        }
    }

    /// Whether it knows a secret; one that does not only redacts secret-named fields.
    pub(crate) fn knows_secrets(&self) -> bool {
        !self.needles.is_empty()
    }

    /// Whether `text` holds one of the secrets.
    fn found_in(&self, text: &str) -> bool {
        self.needles
            .iter()
            .any(|n| find_ignoring_case(text, n.expose_secret(), 0).is_some())
    }

    /// Whether `number`'s significant digits (eight or more, the last one left out as it may
    /// be rounded) appear in a numeric secret.
    fn holds_digits_of(&self, number: &serde_json::Number) -> bool {
        let digits = significant_digits(number);
        let digits = &digits[..digits.len().saturating_sub(1)];
        digits.len() >= 8
            && self.needles.iter().any(|n| {
                let n = n.expose_secret();
                n.bytes().all(|b| b.is_ascii_digit()) && n.contains(digits)
            })
    }

    /// Replaces every occurrence of every secret in `text` with `[redacted]`.
    pub(crate) fn text(&self, text: &mut String) {
        for needle in &self.needles {
            let needle = needle.expose_secret();
            let Some(mut at) = find_ignoring_case(text, needle, 0) else {
                continue;
            };
            let mut out = String::with_capacity(text.len());
            let mut copied = 0;
            loop {
                out.push_str(&text[copied..at]);
                out.push_str(REDACTED);
                copied = at + needle.len();
                match find_ignoring_case(text, needle, copied) {
                    Some(next) => at = next,
                    None => break,
                }
            }
            out.push_str(&text[copied..]);
            *text = out;
        }
    }

    /// Scrubs an exchange's answer: every non-empty value of a secret-named field, and every
    /// string, number or object key holding a secret.
    pub(crate) fn json(&self, value: &mut Value) {
        self.walk(value, false);
    }

    /// [`Scrubber::json`]; with `names_judged_first`, a field whose name is secret-named before
    /// its secrets are scrubbed out of it is redacted too (the name `MYSECRET` with the secret
    /// `MYSECRET`): what a walk for secret-named fields alone, then this one, would leave.
    fn walk(&self, value: &mut Value, names_judged_first: bool) {
        match value {
            Value::Object(map) => {
                if !self.needles.is_empty() && map.keys().any(|k| self.found_in(k)) {
                    *map = self.rekeyed(std::mem::take(map), names_judged_first);
                }
                for (name, field) in map.iter_mut() {
                    if is_secret_name(name) && !is_empty_value(field) {
                        *field = Value::String(REDACTED.to_owned());
                    } else {
                        self.walk(field, names_judged_first);
                    }
                }
            }
            Value::Array(items) => items
                .iter_mut()
                .for_each(|item| self.walk(item, names_judged_first)),
            Value::String(text) => self.text(text),
            // A numeric passphrase can come back as a number, possibly rounded.
            Value::Number(number)
                if self.numeric
                    && (self.found_in(&number.to_string()) || self.holds_digits_of(number)) =>
            {
                *value = Value::String(REDACTED.to_owned());
            }
            _ => {}
        }
    }

    /// The same object with secrets removed from its keys; keys that scrub alike get a suffix.
    fn rekeyed(&self, map: Map<String, Value>, names_judged_first: bool) -> Map<String, Value> {
        let mut out = Map::new();
        for (mut name, mut field) in map {
            if names_judged_first && is_secret_name(&name) && !is_empty_value(&field) {
                field = Value::String(REDACTED.to_owned());
            }
            self.text(&mut name);
            let mut unique = name.clone();
            let mut n = 1;
            while out.contains_key(&unique) {
                n += 1;
                unique = format!("{name}#{n}");
            }
            out.insert(unique, field);
        }
        out
    }

    /// Scrubs a [`KeyInfo`]: its evidence and every free-text string. Rights, addresses and
    /// dates are typed and stay exactly as mapped.
    pub(crate) fn key_info(&self, info: &mut KeyInfo) {
        self.json(&mut info.raw);
        if !self.needles.is_empty() {
            info.redact_texts(self);
        }
    }

    /// Scrubs a [`KeyInfo`] just mapped from an answer that no scrubber has walked yet: as
    /// [`Scrubber::key_info`] after a walk for secret-named fields alone (which a scrubber that
    /// knows no secret gives), in one walk instead of two.
    pub(crate) fn fresh_key_info(&self, info: &mut KeyInfo) {
        self.walk(&mut info.raw, true);
        if !self.needles.is_empty() {
            info.redact_texts(self);
        }
    }

    /// Scrubs every text an [`Error`] carries.
    pub(crate) fn error(&self, error: &mut Error) {
        if !self.needles.is_empty() {
            error.redact_texts(self);
        }
    }

    /// Scrubs an outcome, whichever it is.
    pub(crate) fn outcome<T: Scrub>(&self, outcome: Result<T, Error>) -> Result<T, Error> {
        match outcome {
            Ok(mut value) => {
                value.scrub(self);
                Ok(value)
            }
            Err(mut error) => {
                self.error(&mut error);
                Err(error)
            }
        }
    }
}

/// The forms in which an exchange may echo `secret`: as sent; percent-encoded, with a space as
/// `+` or `%20`; trimmed (HTTP drops a header's surrounding spaces); upper- and lower-cased
/// beyond ASCII; and, for a number, without its leading zeros. Derived forms shorter than four
/// characters are left out, so they cannot blank out ordinary text.
fn echoed_forms(secret: &str) -> Vec<String> {
    // Nearly every API secret is hex, base64url or alphanumerics: no encoding changes it, it has
    // no spaces to trim and its cased forms match it ignoring ASCII case, which is how needles
    // are compared. Building the dozen copies below per adapter (once per key in a fleet) would
    // only for them to be dropped as duplicates.
    if secret
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
    {
        let mut kept = vec![secret.to_owned()];
        if secret.bytes().all(|b| b.is_ascii_digit()) {
            let unpadded = secret.trim_start_matches('0');
            if unpadded.len() >= 4 && unpadded.len() != secret.len() {
                kept.push(unpadded.to_owned());
            }
        }
        return kept;
    }
    every_echoed_form(secret)
}

/// [`echoed_forms`], each form built and kept as it comes.
fn every_echoed_form(secret: &str) -> Vec<String> {
    let mut forms = Vec::new();
    for base in [secret, secret.trim()] {
        let form_encoded: String = form_urlencoded::byte_serialize(base.as_bytes()).collect();
        forms.extend([
            base.to_owned(),
            percent_encoded(base).replace("%20", "+"),
            percent_encoded(base),
            form_encoded.replace('+', "%20"),
            form_encoded,
            base.to_uppercase(),
            base.to_lowercase(),
        ]);
        if base.bytes().all(|b| b.is_ascii_digit()) {
            forms.push(base.trim_start_matches('0').to_owned());
        }
    }
    let mut kept = vec![secret.to_owned()];
    kept.extend(forms.into_iter().filter(|form| form.chars().count() >= 4));
    kept
}

/// `text` with every byte but RFC 3986's unreserved characters percent-encoded.
fn percent_encoded(text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// The significant digits of a JSON number as written (`9.87e22` → `987`), for catching a
/// numeric secret echoed as a number that lost its leading zeros or its last digits.
fn significant_digits(number: &serde_json::Number) -> String {
    let text = number.to_string();
    let mantissa = text.split(['e', 'E']).next().unwrap_or_default();
    mantissa
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .trim_start_matches('0')
        .to_owned()
}

impl Redact for Scrubber {
    fn holds(&self, text: &str) -> bool {
        self.found_in(text)
    }

    fn redact(&self, text: &mut String) {
        self.text(text);
    }
}

/// What a [`Scrubber`] knows how to clean.
pub(crate) trait Scrub {
    fn scrub(&mut self, scrubber: &Scrubber);
}

/// Nothing to scrub in a bare acknowledgement; its errors are scrubbed like any other.
impl Scrub for () {
    fn scrub(&mut self, _: &Scrubber) {}
}

impl Scrub for KeyInfo {
    fn scrub(&mut self, scrubber: &Scrubber) {
        scrubber.key_info(self);
    }
}

impl Scrub for crate::adapter::Revoked {
    fn scrub(&mut self, scrubber: &Scrubber) {
        if let Some(id) = &mut self.key_id {
            scrubber.text(id);
        }
    }
}

impl Scrub for crate::adapter::RevokedAll {
    fn scrub(&mut self, scrubber: &Scrubber) {
        self.key_ids.iter_mut().for_each(|id| scrubber.text(id));
        scrubber.json(&mut self.raw);
    }
}

impl<T: Scrub> Scrub for Vec<T> {
    fn scrub(&mut self, scrubber: &Scrubber) {
        self.iter_mut().for_each(|item| item.scrub(scrubber));
    }
}

impl Scrub for Value {
    fn scrub(&mut self, scrubber: &Scrubber) {
        scrubber.json(self);
    }
}

/// The byte offset of the first match of `needle` in `haystack` at or after `from`, ignoring
/// ASCII case. Offsets are character boundaries: ASCII bytes match only ASCII bytes, and other
/// bytes match only themselves.
fn find_ignoring_case(haystack: &str, needle: &str, from: usize) -> Option<usize> {
    let (hay, needle) = (haystack.as_bytes(), needle.as_bytes());
    if needle.is_empty() || hay.len() < needle.len() || from > hay.len() - needle.len() {
        return None;
    }
    let (first, rest) = (needle[0], &needle[1..]);
    (from..=hay.len() - needle.len()).find(|&at| {
        hay[at].eq_ignore_ascii_case(&first)
            && hay[at + 1..at + needle.len()].eq_ignore_ascii_case(rest)
    })
}

/// Whether a field name contains one of [`SECRET_FIELD_MARKERS`], ignoring ASCII case, `_` and
/// `-`. Runs on every field of every answer, so it does not allocate for ordinary names.
pub(crate) fn is_secret_name(name: &str) -> bool {
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

    #[test]
    fn secret_fields_values_keys_and_numbers_are_scrubbed() {
        let scrubber = Scrubber::new(["MYSECRET", "12345678"]);
        let mut v = json!({
            "apiKey": "pub",
            "secret": "abc",
            "emptySecret": "",
            "nested": [{"secretKey": "x", "passphrase": "y", "note": "has-mysecret-inside"}],
            "api_secret": 5,
            "MYSECRET": {"inner": 1},
            "uid": 9_912_345_678_u64,
        });
        scrubber.json(&mut v);
        assert_eq!(v["apiKey"], "pub");
        assert_eq!(v["secret"], REDACTED);
        assert_eq!(v["emptySecret"], "");
        assert_eq!(v["nested"][0]["secretKey"], REDACTED);
        assert_eq!(v["nested"][0]["passphrase"], REDACTED);
        assert_eq!(v["nested"][0]["note"], "has-[redacted]-inside");
        assert_eq!(v["api_secret"], REDACTED);
        assert_eq!(
            v[REDACTED]["inner"], 1,
            "the key is renamed, its value kept"
        );
        assert_eq!(v["uid"], REDACTED);
        let text = v.to_string();
        assert!(!text.to_ascii_lowercase().contains("mysecret"), "{text}");
    }

    #[test]
    fn one_walk_judging_names_first_equals_two_walks() {
        let scrubber = Scrubber::new(["MYSECRET", "s3cr3t"]);
        let answer = json!({
            "MYSECRET": {"inner": 1},
            "a-s3cr3t": "x",
            "nested": [{"secretKey": "x", "note": "has-s3cr3t", "MYSECRET": ""}],
        });
        let mut two_walks = answer.clone();
        Scrubber::without_secrets().json(&mut two_walks);
        scrubber.json(&mut two_walks);
        let mut one_walk = answer;
        scrubber.walk(&mut one_walk, true);
        assert_eq!(one_walk, two_walks);
        assert_eq!(one_walk[REDACTED], REDACTED);
    }

    #[test]
    fn keys_that_scrub_alike_stay_distinct() {
        let scrubber = Scrubber::new(["s3cr3t"]);
        let mut v = json!({"a-s3cr3t": 1, "a-S3CR3T": 2});
        scrubber.json(&mut v);
        let map = v.as_object().unwrap();
        assert_eq!(map.len(), 2);
        assert!(map.contains_key("a-[redacted]") && map.contains_key("a-[redacted]#2"));
    }

    #[test]
    fn text_replaces_every_occurrence_in_any_case_and_encoding() {
        let scrubber = Scrubber::new(["ab+/c=", "Ünï"]);
        let mut text = "x AB+/C= y ab%2B%2Fc%3D z Ünï ünï".to_owned();
        scrubber.text(&mut text);
        assert_eq!(text, "x [redacted] y [redacted] z [redacted] ünï");
    }

    #[test]
    fn echoes_in_other_encodings_cases_and_paddings_are_found() {
        let scrubber =
            Scrubber::new([" my pass phrase 42 ", "grüße-köln-passwort", "000098765432"]);
        for echoed in [
            "my%20pass%20phrase%2042",
            "my+pass+phrase+42",
            "x-MY PASS PHRASE 42-y",
            "GRÜSSE-KÖLN-PASSWORT",
            "grüße-köln-passwort",
            "98765432",
        ] {
            let mut text = format!("echo {echoed} end");
            scrubber.text(&mut text);
            assert!(text.contains(REDACTED), "{echoed}: {text}");
            assert!(!text.to_lowercase().contains("passwort"), "{text}");
        }
        let mut number = json!({"uid": 98_765_432_u64});
        scrubber.json(&mut number);
        assert_eq!(number["uid"], REDACTED);
        let long = Scrubber::new(["98765432109876543210123"]);
        let mut rounded: Value = serde_json::from_str(r#"{"n": 98765432109876543210123}"#).unwrap();
        long.json(&mut rounded);
        assert_eq!(rounded["n"], REDACTED, "a secret rounded into a float");
        let mut unrelated = json!({"n": 1_700_000_000_000_i64, "m": 3.5});
        long.json(&mut unrelated);
        assert_eq!(unrelated["n"], 1_700_000_000_000_i64);
        let stars = Scrubber::new(["Zq7 Hostile*Secret"]);
        for echoed in [
            "Zq7%20Hostile%2ASecret",
            "Zq7+Hostile*Secret",
            "zq7%20hostile%2asecret",
        ] {
            let mut text = echoed.to_owned();
            stars.text(&mut text);
            assert_eq!(text, REDACTED, "{echoed}");
        }
        // A short derived form (the zero-stripped `7` of `0007`) is not used.
        let short = Scrubber::new(["0007"]);
        let mut text = "version 7".to_owned();
        short.text(&mut text);
        assert_eq!(text, "version 7");
    }

    #[test]
    fn plain_secrets_take_a_short_cut_to_the_same_forms() {
        let folded = |forms: Vec<String>| {
            let mut forms: Vec<String> = forms.iter().map(|f| f.to_ascii_lowercase()).collect();
            forms.sort();
            forms.dedup();
            forms
        };
        for secret in [
            "0123456789abcdef0123456789ABCDEF",
            "Zm9vYmFyYmF6-_.",
            "000098765432",
            "00012",
            "0000",
            "007",
            "12345678",
            "ab",
            "x",
        ] {
            assert_eq!(
                folded(echoed_forms(secret)),
                folded(every_echoed_form(secret)),
                "{secret}"
            );
        }
    }

    #[test]
    fn a_secret_inside_another_is_replaced_whole() {
        let scrubber = Scrubber::new(["abc", "xxabcxx"]);
        let mut text = "1xxabcxx2".to_owned();
        scrubber.text(&mut text);
        assert_eq!(text, "1[redacted]2");
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
            "client_secret",
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

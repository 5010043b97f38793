//! What the exchange folders share: reading an answer leniently field by field, recording what
//! was missing or unknown, and small parsing helpers.

// Each helper serves some exchanges, not all: a single-exchange build leaves some unused.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::model::{Anomaly, AnomalyKind, IpRestriction, Reported};
use crate::transport::answer::sanitize;

/// One field of an exchange's answer, read on its own so that a field gone missing or sent
/// with another type costs only what that field decides (the open-world rule), never the whole
/// inspection. Use with `#[serde(default)]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) enum Field<T> {
    /// Absent, or `null`.
    #[default]
    Absent,
    /// Present, with a value that is not a `T`: what was wrong, without the value.
    Invalid(String),
    /// Present and well-formed.
    Present(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_option(FieldVisitor(std::marker::PhantomData))
    }
}

/// Reads a field's value straight into `T`, without an intermediate copy; a value that is not
/// a `T` becomes [`Field::Invalid`] instead of failing the whole answer. Answers are always
/// decoded from a parsed `serde_json::Value`, where every value is read by a deserializer of
/// its own, so a failed field leaves the rest readable.
struct FieldVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for FieldVisitor<T> {
    type Value = Field<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any value")
    }

    fn visit_none<E>(self) -> Result<Field<T>, E> {
        Ok(Field::Absent)
    }

    fn visit_unit<E>(self) -> Result<Field<T>, E> {
        Ok(Field::Absent)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Field<T>, D::Error> {
        Ok(match T::deserialize(deserializer) {
            Ok(value) => Field::Present(value),
            Err(error) => Field::Invalid(sanitize(&error.to_string())),
        })
    }
}

impl<T> Field<T> {
    /// Whether the field was sent with a value that could not be read.
    pub(crate) fn is_invalid(&self) -> bool {
        matches!(self, Field::Invalid(_))
    }

    /// The value of a field the documentation promises: absence is an anomaly.
    pub(crate) fn expected(self, name: &str, reading: &mut Reading) -> Option<T> {
        match self {
            Field::Present(value) => {
                reading.recognized += 1;
                Some(value)
            }
            Field::Absent => {
                reading.note(
                    AnomalyKind::Missing,
                    name,
                    "expected in the answer and absent: what it decides is not reported",
                );
                None
            }
            Field::Invalid(why) => {
                reading.note(
                    AnomalyKind::Invalid,
                    name,
                    format!("{why}: what it decides is not reported"),
                );
                None
            }
        }
    }

    /// The value of a field the exchange sends only sometimes: absence is normal.
    pub(crate) fn optional(self, name: &str, reading: &mut Reading) -> Option<T> {
        match self {
            Field::Absent => None,
            other => other.expected(name, reading),
        }
    }
}

/// A value an exchange sends as a string or as a number (OKX's `type`, Bybit's `type`), as
/// text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Text(pub(crate) String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(text) => Ok(Text(text.trim().to_owned())),
            Value::Number(number) => Ok(Text(number.to_string())),
            _ => Err(serde::de::Error::custom("expected a string or a number")),
        }
    }
}

/// What reading one answer found beyond its values: the anomalies, and whether anything at all
/// was recognized (an answer with no expected field is not a key-information answer).
#[derive(Debug, Default)]
pub(crate) struct Reading {
    pub(crate) anomalies: Vec<Anomaly>,
    recognized: usize,
}

impl Reading {
    pub(crate) fn note(&mut self, kind: AnomalyKind, field: &str, detail: impl Into<String>) {
        self.anomalies.push(Anomaly::new(kind, field, detail));
    }

    /// Records a value the mapper does not know; `detail` says which and what follows.
    pub(crate) fn unrecognized(&mut self, field: &str, detail: &str) {
        self.note(AnomalyKind::Unrecognized, field, detail);
    }

    /// Records a vendor permission token, group or flag the mapper does not know; `what` says
    /// which.
    pub(crate) fn unrecognized_right(&mut self, field: &str, what: &str) {
        self.note(
            AnomalyKind::Unrecognized,
            field,
            format!("{what}: kept as granted, and no right it could grant is reported denied"),
        );
    }

    /// A time sent in milliseconds since the epoch; an impossible one is an anomaly.
    pub(crate) fn time_ms(&mut self, field: &str, ms: Option<i64>) -> Reported<DateTime<Utc>> {
        self.time(field, ms.map(|ms| datetime_from_ms(ms, field)))
    }

    /// A time sent as RFC 3339 text; an unreadable one is an anomaly.
    pub(crate) fn time_rfc3339(
        &mut self,
        field: &str,
        text: Option<&str>,
    ) -> Reported<DateTime<Utc>> {
        self.time(field, text.map(|text| datetime_from_rfc3339(text, field)))
    }

    fn time(
        &mut self,
        field: &str,
        parsed: Option<Result<DateTime<Utc>, String>>,
    ) -> Reported<DateTime<Utc>> {
        match parsed {
            Some(Ok(at)) => Reported::Known(at),
            Some(Err(why)) => {
                self.note(AnomalyKind::Invalid, field, why);
                Reported::NotReported
            }
            None => Reported::NotReported,
        }
    }

    /// The allowlist sent in `field`, through the one shared parser; an entry it cannot read
    /// leaves the restriction `NotReported` and is an anomaly.
    pub(crate) fn allowlist<'a>(
        &mut self,
        field: &str,
        entries: impl IntoIterator<Item = &'a str>,
    ) -> IpRestriction {
        let restriction = IpRestriction::from_entries(entries);
        if restriction == IpRestriction::NotReported {
            self.note(
                AnomalyKind::Invalid,
                field,
                "holds an entry that is not an address, a network or a wildcard: whether the key is restricted is not reported",
            );
        }
        restriction
    }

    /// The anomalies, or an error when none of the fields the answer should carry was there.
    pub(crate) fn finish(self, what: &str) -> Result<Vec<Anomaly>, String> {
        if self.recognized == 0 {
            let names = |kind: AnomalyKind| {
                let names: Vec<&str> = self
                    .anomalies
                    .iter()
                    .filter(|a| a.kind == kind)
                    .map(|a| a.field.as_str())
                    .collect();
                match names.len() {
                    0 => None,
                    1..=4 => Some(names.join(", ")),
                    n => Some(format!("{}, and {} more", names[..3].join(", "), n - 3)),
                }
            };
            let mut parts = Vec::new();
            if let Some(missing) = names(AnomalyKind::Missing) {
                parts.push(format!("missing {missing}"));
            }
            if let Some(invalid) = names(AnomalyKind::Invalid) {
                parts.push(format!("mistyped {invalid}"));
            }
            return Err(format!(
                "not a {what}: none of its expected fields could be read ({})",
                parts.join("; ")
            ));
        }
        Ok(self.anomalies)
    }
}

/// The tokens of a vendor list sent as text (`"read_only,withdraw,trade"`), split on commas,
/// semicolons, bars and white space, empty ones dropped.
pub(crate) fn split_tokens(text: &str) -> Vec<&str> {
    text.split(|c: char| matches!(c, ',' | ';' | '|') || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .collect()
}

/// A flag sent in any of the shapes exchanges use: `Some(true)` for `true`, `1`, `"true"`,
/// `"1"`; `Some(false)` for `false`, `0`, `"false"`, `"0"`; `None` for anything else.
pub(crate) fn loose_flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(flag) => Some(*flag),
        Value::Number(n) if n.as_f64() == Some(1.0) => Some(true),
        Value::Number(n) if n.as_f64() == Some(0.0) => Some(false),
        Value::String(s) if same_token(s, "true") || s.trim() == "1" => Some(true),
        Value::String(s) if same_token(s, "false") || s.trim() == "0" => Some(false),
        _ => None,
    }
}

/// Whether two vendor tokens are the same, ignoring ASCII case and surrounding white space.
pub(crate) fn same_token(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// The next nonce for `api_key` on `exchange`: `floor` (the clock, in the exchange's unit), or
/// one more than the last nonce this process sent with the key, whichever is larger. Exchanges
/// that refuse a nonce not above the last one (Kraken, Kraken Futures, Gemini, Bitfinex) see every adapter of the process
/// sharing a key count on one counter, so two adapters never send the same or a smaller one.
pub(crate) fn next_nonce(exchange: crate::ExchangeId, api_key: &str, floor: u64) -> u64 {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static LAST: OnceLock<Mutex<HashMap<(crate::ExchangeId, String), u64>>> = OnceLock::new();
    let mut last = LAST
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let entry = last.entry((exchange, api_key.to_owned())).or_insert(0);
    *entry = floor.max(entry.saturating_add(1));
    *entry
}

/// A time in milliseconds since the epoch, or a message naming `field`.
pub(crate) fn datetime_from_ms(ms: i64, field: &str) -> Result<DateTime<Utc>, String> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| format!("`{field}` is not a valid time ({ms} ms)"))
}

/// An RFC 3339 time, or a message naming `field`.
pub(crate) fn datetime_from_rfc3339(text: &str, field: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
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

/// What a sub-account key with one "trade" right beside reading may be given, and what the
/// refusals say: for exchanges whose sub-account keys are read-only or read-and-trade.
pub(crate) struct TradeRight<'a> {
    pub(crate) exchange: crate::ExchangeId,
    /// The rights the one trade right covers: asking for any of them grants all.
    pub(crate) covers: &'a [crate::model::Permission],
    /// Why a right that moves funds is refused.
    pub(crate) no_funds: &'a str,
    /// Why managing sub-accounts or keys is refused.
    pub(crate) no_management: &'a str,
}

impl TradeRight<'_> {
    /// Whether `permissions` need the trade right; what it cannot grant is refused before
    /// anything is sent.
    #[cfg_attr(
        not(any(feature = "okx", feature = "htx", feature = "bitget")),
        allow(dead_code)
    )]
    pub(crate) fn wanted(
        &self,
        permissions: &[crate::model::Permission],
    ) -> crate::error::Result<bool> {
        use crate::model::Permission;
        let refuse = |why: String| Err(crate::error::Error::config(self.exchange, why));
        let mut trade = false;
        for permission in permissions {
            match permission {
                Permission::Read => {}
                covered if self.covers.contains(covered) => trade = true,
                Permission::Withdraw
                | Permission::Payment
                | Permission::InternalTransfer
                | Permission::UniversalTransfer => {
                    return refuse(format!(
                        "{} (`{permission}`): nothing was sent",
                        self.no_funds
                    ))
                }
                Permission::SubAccountManagement | Permission::KeyManagement => {
                    return refuse(format!("{}: nothing was sent", self.no_management))
                }
                other => {
                    return refuse(format!(
                        "{} has no right granting `{other}` to a sub-account key: nothing was sent",
                        self.exchange.display_name()
                    ))
                }
            }
        }
        Ok(trade)
    }
}

/// Upper-case letters, for [`new_passphrase`].
pub(crate) const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// Lower-case letters, for [`new_passphrase`].
pub(crate) const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
/// Digits, for [`new_passphrase`].
pub(crate) const DIGITS: &[u8] = b"0123456789";

/// A new key's passphrase of `len` characters from the system's random source: one character
/// of each of `classes` (exchanges ask for one of each), the rest from all of them, shuffled,
/// every draw without modulo bias. Never logged; the caller hands it over in `NewKey`.
#[cfg_attr(
    not(any(feature = "okx", feature = "bitget", feature = "kucoin")),
    allow(dead_code)
)]
pub(crate) fn new_passphrase(
    exchange: crate::ExchangeId,
    classes: &[&[u8]],
    len: usize,
) -> crate::error::Result<secrecy::SecretString> {
    let mut dice = Dice {
        exchange,
        buffer: zeroize::Zeroizing::new([0; 32]),
        used: 0,
    };
    let all: Vec<u8> = classes.concat();
    let mut chars = zeroize::Zeroizing::new(Vec::with_capacity(len));
    for class in classes {
        chars.push(class[dice.below(class.len())?]);
    }
    while chars.len() < len {
        chars.push(all[dice.below(all.len())?]);
    }
    // Fisher–Yates: the classes' characters end up anywhere.
    for i in (1..chars.len()).rev() {
        let j = dice.below(i + 1)?;
        chars.swap(i, j);
    }
    let text: String = chars.iter().map(|&byte| char::from(byte)).collect();
    Ok(secrecy::SecretString::from(text))
}

/// Uniform draws from the system's random source, a buffer at a time.
struct Dice {
    exchange: crate::ExchangeId,
    buffer: zeroize::Zeroizing<[u8; 32]>,
    used: usize,
}

impl Dice {
    fn byte(&mut self) -> crate::error::Result<u8> {
        if self.used == 0 || self.used == self.buffer.len() {
            getrandom::getrandom(self.buffer.as_mut()).map_err(|e| {
                crate::error::Error::config(
                    self.exchange,
                    format!("the system's random source failed: {e}"),
                )
            })?;
            self.used = 0;
        }
        let byte = self.buffer[self.used];
        self.used += 1;
        Ok(byte)
    }

    /// A number below `n` (1..=256), without modulo bias: bytes at or above the largest
    /// multiple of `n` are drawn again.
    fn below(&mut self, n: usize) -> crate::error::Result<usize> {
        let limit = 256 - 256 % n;
        loop {
            let byte = usize::from(self.byte()?);
            if byte < limit {
                return Ok(byte % n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Deserialize)]
    struct Wire {
        #[serde(default)]
        flag: Field<bool>,
        #[serde(default)]
        when: Field<i64>,
    }

    #[test]
    fn nonces_strictly_increase_per_exchange_and_key_and_follow_the_clock() {
        use crate::ExchangeId::{Kraken, KrakenFutures};
        let a = next_nonce(Kraken, "nonce-test-key", 1_000);
        let b = next_nonce(Kraken, "nonce-test-key", 1_000);
        let c = next_nonce(Kraken, "nonce-test-key", 500);
        assert!(a < b && b < c, "{a} {b} {c}");
        assert_eq!(next_nonce(Kraken, "nonce-test-other-key", 1_000), 1_000);
        assert_eq!(next_nonce(KrakenFutures, "nonce-test-key", 1_000), 1_000);
        assert_eq!(next_nonce(Kraken, "nonce-test-key", 9_000), 9_000);
    }

    #[test]
    fn each_field_is_read_on_its_own() {
        let wire: Wire = serde_json::from_value(json!({"flag": "hunter2"})).unwrap();
        let mut reading = Reading::default();
        assert_eq!(wire.flag.clone().expected("flag", &mut reading), None);
        assert_eq!(wire.when.expected("when", &mut reading), None);
        let err = reading.finish("test answer").unwrap_err();
        assert!(
            err.contains("mistyped flag") && err.contains("missing when"),
            "{err}"
        );
        assert!(!err.contains("hunter2"), "{err}");

        let wire: Wire = serde_json::from_value(json!({"flag": true, "when": null})).unwrap();
        let mut reading = Reading::default();
        assert_eq!(wire.flag.expected("flag", &mut reading), Some(true));
        assert_eq!(wire.when.optional("when", &mut reading), None);
        assert!(reading.finish("test answer").unwrap().is_empty());
    }

    #[test]
    fn tokens_compare_without_case_or_padding() {
        assert!(same_token(" Trade ", "trade"));
        assert!(!same_token("trade", "trader"));
    }
}

//! The file as written: every value `Spanned`, so that checks made after deserialization can
//! still point at the line that holds the offending value.

use std::collections::BTreeMap;
use std::fmt;

use secrecy::SecretString;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use toml::Spanned;

use super::SecretSource;

/// The whole file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub(super) policy: Option<Spanned<RawPolicy>>,
    pub(super) account: Option<Spanned<Vec<Spanned<RawAccount>>>>,
}

/// `[policy]`: a preset and the settings that override it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPolicy {
    pub(super) name: Option<Spanned<String>>,
    pub(super) preset: Option<Spanned<String>>,
    pub(super) needs: Option<Vec<Spanned<String>>>,
    pub(super) allowed_networks: Option<Vec<Spanned<String>>>,
    pub(super) allowed_apps: Option<Vec<String>>,
    pub(super) max_age_days: Option<u32>,
    pub(super) expiry_warning_days: Option<u32>,
    pub(super) max_unused_days: Option<u32>,
    pub(super) generic_labels: Option<Vec<String>>,
    pub(super) severity: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    pub(super) ignore: Option<Vec<Spanned<String>>>,
}

/// One `[[account]]`. The required fields are optional here so that a missing one is reported
/// by name, at the line of its `[[account]]`, rather than by serde without a place.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAccount {
    pub(super) name: Option<Spanned<String>>,
    pub(super) exchange: Option<Spanned<String>>,
    pub(super) application: Option<Spanned<String>>,
    pub(super) api_key: Option<Spanned<RawSource>>,
    pub(super) secret: Option<Spanned<RawSource>>,
    pub(super) passphrase: Option<Spanned<RawSource>>,
    pub(super) sandbox: Option<bool>,
    pub(super) base_url: Option<Spanned<String>>,
}

/// Where a secret comes from: `"literal"`, `{ env = … }`, `{ command = … }` or
/// `{ plaintext = … }`.
///
/// Written by hand because serde's own messages quote the value they did not expect, and here
/// that value may be a secret: every message below says what was wrong without repeating it.
pub(super) struct RawSource(pub(super) SecretSource);

/// Said of any value that is not a string where a secret or its source is expected; repeats
/// nothing of the value.
const NOT_A_STRING: &str =
    "expected a string (in quotes) or a table such as { env = \"VARIABLE\" }; the value is not repeated here";

impl<'de> Deserialize<'de> for RawSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SourceVisitor)
    }
}

struct SourceVisitor;

impl<'de> Visitor<'de> for SourceVisitor {
    type Value = RawSource;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, or a table with one of `env`, `command`, `plaintext`")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<RawSource, E> {
        self.visit_string(value.to_owned())
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<RawSource, E> {
        if value.is_empty() {
            return Err(E::custom("is empty"));
        }
        Ok(RawSource(SecretSource::Plaintext(SecretString::from(
            value,
        ))))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawSource, A::Error> {
        let table = SourceTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
        table
            .into_source()
            .map(RawSource)
            .map_err(de::Error::custom)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<RawSource, E> {
        Err(E::custom(NOT_A_STRING))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<RawSource, E> {
        Err(E::custom(NOT_A_STRING))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<RawSource, E> {
        Err(E::custom(NOT_A_STRING))
    }

    fn visit_i128<E: de::Error>(self, _: i128) -> Result<RawSource, E> {
        Err(E::custom(NOT_A_STRING))
    }

    fn visit_u128<E: de::Error>(self, _: u128) -> Result<RawSource, E> {
        Err(E::custom(NOT_A_STRING))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<RawSource, E> {
        Err(E::custom(NOT_A_STRING))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<RawSource, A::Error> {
        Err(de::Error::custom(NOT_A_STRING))
    }
}

/// `{ env = … }`, `{ command = … }` or `{ plaintext = … }`: exactly one of them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceTable {
    env: Option<QuietString>,
    command: Option<QuietString>,
    plaintext: Option<QuietString>,
}

impl SourceTable {
    fn into_source(self) -> Result<SecretSource, &'static str> {
        match (self.env, self.command, self.plaintext) {
            (Some(QuietString(name)), None, None) => {
                let name = name.trim();
                if name.is_empty() {
                    Err("`env` names no variable")
                } else if name.contains(['=', '\0']) || name.chars().any(char::is_whitespace) {
                    Err("`env` must be the name of an environment variable (no `=`, spaces or NUL)")
                } else {
                    Ok(SecretSource::Env(name.to_owned()))
                }
            }
            (None, Some(QuietString(command)), None) => {
                if command.trim().is_empty() {
                    Err("`command` is empty")
                } else {
                    Ok(SecretSource::Command(command))
                }
            }
            (None, None, Some(QuietString(value))) => {
                if value.is_empty() {
                    Err("`plaintext` is empty")
                } else {
                    Ok(SecretSource::Plaintext(SecretString::from(value)))
                }
            }
            (None, None, None) => Err("the table needs one of `env`, `command`, `plaintext`"),
            _ => Err("give only one of `env`, `command`, `plaintext`"),
        }
    }
}

/// A string whose type errors never repeat the value (it may be a secret).
struct QuietString(String);

impl<'de> Deserialize<'de> for QuietString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Quiet;

        impl<'de> Visitor<'de> for Quiet {
            type Value = QuietString;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<QuietString, E> {
                Ok(QuietString(value.to_owned()))
            }

            fn visit_string<E: de::Error>(self, value: String) -> Result<QuietString, E> {
                Ok(QuietString(value))
            }

            fn visit_bool<E: de::Error>(self, _: bool) -> Result<QuietString, E> {
                Err(E::custom(NOT_QUOTED))
            }

            fn visit_i64<E: de::Error>(self, _: i64) -> Result<QuietString, E> {
                Err(E::custom(NOT_QUOTED))
            }

            fn visit_u64<E: de::Error>(self, _: u64) -> Result<QuietString, E> {
                Err(E::custom(NOT_QUOTED))
            }

            fn visit_i128<E: de::Error>(self, _: i128) -> Result<QuietString, E> {
                Err(E::custom(NOT_QUOTED))
            }

            fn visit_u128<E: de::Error>(self, _: u128) -> Result<QuietString, E> {
                Err(E::custom(NOT_QUOTED))
            }

            fn visit_f64<E: de::Error>(self, _: f64) -> Result<QuietString, E> {
                Err(E::custom(NOT_QUOTED))
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<QuietString, A::Error> {
                Err(de::Error::custom(NOT_QUOTED))
            }

            fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<QuietString, A::Error> {
                Err(de::Error::custom(NOT_QUOTED))
            }
        }

        const NOT_QUOTED: &str = "expected a string (in quotes); the value is not repeated here";
        deserializer.deserialize_any(Quiet)
    }
}

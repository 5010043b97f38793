//! The JSON schema of the report, generated from the Rust types. The types with hand-written
//! serde impls get hand-written schemas here, each matching what its `Serialize` writes.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

use crate::audit::report::{Report, REPORT_SCHEMA_VERSION};
use crate::id::ExchangeId;
use crate::model::{IpEntry, Permission, Reported};

/// The JSON schema (draft 2020-12) of [`Report`] as [`Format::Json`](super::Format::Json)
/// writes it, generated from the Rust types with schemars. Its `$id` and title name
/// [`REPORT_SCHEMA_VERSION`], and `schema_version` is pinned to it.
///
/// The schema describes what this version writes: a reader should accept fields it does not
/// know, as new fields may appear within a version.
///
/// ```
/// let schema = exchange_keys::audit::render::json_schema();
/// assert_eq!(schema["properties"]["schema_version"]["const"], 1);
/// ```
pub fn json_schema() -> serde_json::Value {
    let generator = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    let mut schema = generator.into_root_schema_for::<Report>();
    schema.insert(
        "$id".to_owned(),
        format!("urn:exchange-keys:audit-report:v{REPORT_SCHEMA_VERSION}").into(),
    );
    schema.insert(
        "title".to_owned(),
        format!("exchange-keys audit report, format version {REPORT_SCHEMA_VERSION}").into(),
    );
    if let Some(version) = schema.pointer_mut("/properties/schema_version") {
        version["const"] = REPORT_SCHEMA_VERSION.into();
        // The Rust doc's intra-doc link means nothing to a JSON reader.
        version["description"] = "The version of the report's JSON format.".into();
    }
    schema.to_value()
}

/// The value itself, or `null` when the exchange does not report it; the field is always
/// written.
impl<T: JsonSchema> JsonSchema for Reported<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("Reported_{}", T::schema_name()).into()
    }

    fn schema_id() -> Cow<'static, str> {
        format!("exchange_keys::Reported<{}>", T::schema_id()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        // Serialized exactly as an `Option`; unlike an `Option` field, it is never left out.
        Option::<T>::json_schema(generator)
    }
}

/// A normalized permission's snake_case name, or `other:<vendor name>`.
impl JsonSchema for Permission {
    fn schema_name() -> Cow<'static, str> {
        "Permission".into()
    }

    fn schema_id() -> Cow<'static, str> {
        "exchange_keys::Permission".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let normalized: Vec<String> = Permission::NORMALIZED
            .iter()
            .map(ToString::to_string)
            .collect();
        json_schema!({
            "description": "A normalized permission (`spot_trade`), or a vendor permission with no normalized meaning as `other:<vendor name>`.",
            "anyOf": [
                { "type": "string", "enum": normalized },
                { "type": "string", "pattern": "^other:" }
            ]
        })
    }
}

/// An allowlist entry as text.
impl JsonSchema for IpEntry {
    fn schema_name() -> Cow<'static, str> {
        "IpEntry".into()
    }

    fn schema_id() -> Cow<'static, str> {
        "exchange_keys::IpEntry".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An address (`203.0.113.7`), a network (`203.0.113.0/24`), or an entry the exchange shows masked (`203.**.154`).",
            "type": "string",
            "examples": ["203.0.113.7", "203.0.113.0/24", "2001:db8::/32", "203.**.154"]
        })
    }
}

/// The lowercase id.
impl JsonSchema for ExchangeId {
    fn schema_name() -> Cow<'static, str> {
        "ExchangeId".into()
    }

    fn schema_id() -> Cow<'static, str> {
        "exchange_keys::ExchangeId".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let ids: Vec<&str> = ExchangeId::ALL.iter().map(|id| id.as_str()).collect();
        json_schema!({
            "description": "An exchange, by its lowercase id.",
            "type": "string",
            "enum": ids
        })
    }
}

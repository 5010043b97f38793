//! The audit's renderers (being written) and the JSON schema of the report.

mod schema;

pub use schema::json_schema;

//! The report's JSON schema: published at `schema/audit-report.v1.json`, regenerated from the
//! Rust types by `render::json_schema`, and true of real reports.
//!
//! Regenerate the published file with `UPDATE_SCHEMA=1 cargo test --test report_schema`.

mod report_fixture;

use exchange_keys::audit::render::{self, Format, RenderOptions};
use exchange_keys::audit::REPORT_SCHEMA_VERSION;
use report_fixture::{fixture, Fixture};
use serde_json::Value;

fn schema_path() -> std::path::PathBuf {
    [
        env!("CARGO_MANIFEST_DIR"),
        "schema",
        &format!("audit-report.v{REPORT_SCHEMA_VERSION}.json"),
    ]
    .iter()
    .collect()
}

#[test]
fn published_schema_is_current() {
    let expected = format!(
        "{}\n",
        serde_json::to_string_pretty(&render::json_schema()).unwrap()
    );
    let path = schema_path();
    let published = std::fs::read_to_string(&path).unwrap_or_default();
    if published != expected {
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, expected).unwrap();
            return;
        }
        panic!(
            "{} is out of date; run `UPDATE_SCHEMA=1 cargo test --test report_schema`.",
            path.display()
        );
    }
}

#[test]
fn schema_names_its_version() {
    let schema = render::json_schema();
    let version = REPORT_SCHEMA_VERSION.to_string();
    assert!(schema["$id"]
        .as_str()
        .unwrap()
        .ends_with(&format!("v{version}")));
    assert!(schema["title"].as_str().unwrap().contains(&version));
    assert_eq!(
        schema["properties"]["schema_version"]["const"],
        REPORT_SCHEMA_VERSION
    );
}

fn rendered_json(report: &exchange_keys::audit::Report) -> Value {
    let mut out = Vec::new();
    render::write(report, Format::Json, &RenderOptions::default(), &mut out).unwrap();
    serde_json::from_slice(&out).unwrap()
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&render::json_schema())
        .unwrap()
}

fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[tokio::test]
async fn real_reports_match_the_schema() {
    let Fixture { report, .. } = fixture().await;
    let validator = validator();
    let json = rendered_json(&report);
    // The fixture reaches the parts of the schema a thin report would not.
    assert!(json["keys"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["key_info"].is_null() && k["error"].is_string()));
    assert!(json["keys"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["key_info"]["permissions"]["states"].is_object()));
    assert!(!json["drift"].as_array().unwrap().is_empty());
    assert_eq!(errors(&validator, &json), Vec::<String>::new());
}

#[tokio::test]
async fn the_schema_rejects_what_serde_never_writes() {
    let Fixture { report, .. } = fixture().await;
    let validator = validator();
    let json = rendered_json(&report);
    let index = json["keys"]
        .as_array()
        .unwrap()
        .iter()
        .position(|k| k["key_info"].is_object())
        .unwrap();
    let broken = |pointer: &str, value: Value| {
        let mut copy = json.clone();
        *copy
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{pointer}")) = value;
        assert!(
            !validator.is_valid(&copy),
            "the schema accepts {pointer} = {}",
            copy.pointer(pointer).unwrap()
        );
    };
    let info = format!("/keys/{index}/key_info");
    broken("/schema_version", Value::from(REPORT_SCHEMA_VERSION + 1));
    broken(&format!("/keys/{index}/findings/0/outcome"), "maybe".into());
    broken(
        &format!("/keys/{index}/findings/0/severity"),
        "severe".into(),
    );
    broken(&format!("{info}/exchange"), "nasdaq".into());
    broken(
        &format!("{info}/permissions/states"),
        serde_json::json!({ "read": "yes" }),
    );
    broken(
        &format!("{info}/permissions/states"),
        serde_json::json!({ "withdrawal": "granted" }),
    );
    broken(
        &format!("{info}/ip_restriction"),
        serde_json::json!({ "kind": "open" }),
    );
    broken(&format!("{info}/created_at"), "last tuesday".into());
    broken(&format!("{info}/enabled"), "yes".into());
    broken("/generated_at", Value::Null);

    // What serde does write is accepted: `null` for what is not reported, `other:` names.
    let mut accepted = json.clone();
    accepted
        .pointer_mut(&format!("{info}/permissions/states"))
        .unwrap()
        .as_object_mut()
        .unwrap()
        .insert("other:Earn.Earn".into(), "granted".into());
    *accepted.pointer_mut(&format!("{info}/label")).unwrap() = Value::Null;
    *accepted.pointer_mut(&format!("{info}/expires_at")).unwrap() =
        serde_json::json!({ "at": "2026-01-01T00:00:00Z" });
    *accepted
        .pointer_mut(&format!("{info}/ip_restriction"))
        .unwrap() =
        serde_json::json!({ "kind": "allow_list", "entries": ["203.0.113.7", "203.**.154"] });
    assert_eq!(errors(&validator, &accepted), Vec::<String>::new());
}

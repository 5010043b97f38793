//! Every output format of the audit report, written from a report with something of everything
//! (see `report_fixture`): no secret in any of them, unknown never shown as pass, hostile text
//! harmless, and each format well formed for the tools that read it.

mod report_fixture;

use exchange_keys::audit::render::{self, color_wanted, Format, RenderOptions};
use exchange_keys::audit::{Audit, Outcome, Report, Severity};
use report_fixture::{fixture, Fixture, HOSTILE};
use serde_json::Value;

fn render(report: &Report, format: Format, color: bool) -> String {
    let mut out = Vec::new();
    render::write(report, format, &RenderOptions { color }, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn no_format_shows_a_secret() {
    let Fixture { report, secrets } = fixture().await;
    assert!(!secrets.is_empty());
    for format in Format::ALL {
        for color in [false, true] {
            let text = render(&report, format, color);
            for secret in &secrets {
                assert!(
                    !text.contains(secret.as_str()),
                    "{format} shows a secret: {secret}"
                );
            }
        }
    }
}

#[test]
fn never_color_off_a_terminal() {
    // The environment is left alone here: other tests in this binary build HTTP clients, which
    // read it from other threads. `NO_COLOR` itself is tested in the unit tests.
    assert!(!color_wanted(false));
}

#[test]
fn formats_parse_and_name_the_choices() {
    for format in Format::ALL {
        assert_eq!(format.to_string().parse::<Format>(), Ok(format));
    }
    assert_eq!(" OCSF ".parse::<Format>(), Ok(Format::Ocsf));
    let error = "yaml".parse::<Format>().unwrap_err();
    assert!(error.contains("table, json, csv, ocsf or html"), "{error}");
}

// ---------------------------------------------------------------- table

#[tokio::test]
async fn table_lists_what_to_act_on_with_summary_legend_and_drift() {
    let Fixture { report, .. } = fixture().await;
    let text = render(&report, Format::Table, false);
    assert!(
        !text.contains('\x1b'),
        "plain output has no ANSI code:\n{text}"
    );
    for header in [
        "EXCHANGE", "ACCOUNT", "KEY", "SEVERITY", "RESULT", "RULE", "DETAIL",
    ] {
        assert!(text.contains(header), "{header}");
    }
    assert!(text.contains("withdrawal-enabled"));
    assert!(text.contains("not-inspected"));
    assert!(text.contains("FAIL") && text.contains("UNKNOWN"));
    // The clean key passes everything: one row says so.
    assert!(text.contains("every rule evaluated passed"), "{text}");
    assert!(text.contains("unknown = the exchange does not report it, or the policy does not declare it: never read as pass"));
    let summary = &report.summary;
    assert!(text.contains(&format!("{} keys |", summary.keys)));
    assert!(text.contains(&format!("{} unknown", summary.unknown)));
    assert!(text.contains(&format!("{} not inspected", summary.not_inspected)));
    assert!(text.contains("Changes since the baseline"));
    assert!(text.contains("right-gained") && text.contains("key-gone"));
    // Hostile text is shown, its escape sequence spelled out rather than sent to the terminal.
    assert!(text.contains("\\u{1b}[31mred"), "{text}");
}

#[tokio::test]
async fn colored_table_uses_ansi_and_keeps_its_columns_aligned() {
    let Fixture { report, .. } = fixture().await;
    let text = render(&report, Format::Table, true);
    assert!(text.contains("\x1b[1;31mFAIL\x1b[0m"));
    assert!(text.contains("\x1b[33mUNKNOWN\x1b[0m"));
    assert!(text.contains("\x1b[32mPASS\x1b[0m"));
    assert!(text.contains("\x1b[1;31mcritical\x1b[0m"));
    // Widths ignore the escape codes: with them stripped, every line of the table is as wide
    // as in the plain rendering.
    let stripped = strip_ansi(&text);
    assert_eq!(stripped, render(&report, Format::Table, false));
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn a_key_with_every_rule_ignored_is_not_shown_as_passing() {
    let mut policy = report_fixture::policy();
    policy.ignore = exchange_keys::audit::RuleId::all().collect();
    let mut audit = Audit::new(policy);
    audit.add(
        exchange_keys::audit::Subject::new("ignored", exchange_keys::ExchangeId::Okx),
        Ok(report_fixture::clean_key()),
    );
    let report = audit.finish();
    let text = render(&report, Format::Table, false);
    assert!(!text.contains("PASS"), "{text}");
    assert!(text.contains("no rule was evaluated"));
    let html = render(&report, Format::Html, false);
    assert!(!html.contains(">PASS<"));
    assert!(html.contains("That is not a pass"));
}

#[test]
fn an_empty_report_renders_in_every_format() {
    let report = Audit::new(report_fixture::policy()).finish();
    for format in Format::ALL {
        render(&report, format, false);
    }
    assert!(render(&report, Format::Table, false).contains("No keys were audited."));
    assert_eq!(render(&report, Format::Ocsf, false), "");
    assert_eq!(render(&report, Format::Csv, false).lines().count(), 1);
}

// ---------------------------------------------------------------- json

#[tokio::test]
async fn json_is_the_report_and_reads_back() {
    let Fixture { report, .. } = fixture().await;
    let text = render(&report, Format::Json, false);
    assert!(text.ends_with("}\n"));
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value, serde_json::to_value(&report).unwrap());
    let back = Report::from_json(&text).unwrap();
    assert_eq!(back.summary, report.summary);
    assert_eq!(back.keys.len(), report.keys.len());
    assert_eq!(back.drift, report.drift);
}

// ---------------------------------------------------------------- csv

#[tokio::test]
async fn csv_has_one_record_per_finding_and_change_and_round_trips_any_text() {
    let Fixture { report, .. } = fixture().await;
    let text = render(&report, Format::Csv, false);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "exchange",
            "account",
            "application",
            "key",
            "rule",
            "severity",
            "outcome",
            "title",
            "detail",
            "remediation",
            "evidence"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let findings: Vec<_> = report.findings().collect();
    assert_eq!(records.len(), findings.len() + report.drift.len());
    for (record, (key, finding)) in records.iter().zip(&findings) {
        assert_eq!(&record[0], key.exchange.as_str());
        assert_eq!(&record[1], key.account);
        assert_eq!(&record[2], key.application.as_deref().unwrap_or(""));
        assert_eq!(&record[3], key.key);
        assert_eq!(&record[4], finding.rule.as_str());
        assert_eq!(&record[5], finding.severity.as_str());
        assert_eq!(&record[6], finding.outcome.as_str());
        assert_eq!(&record[7], finding.title);
        assert_eq!(&record[8], finding.detail);
        assert_eq!(&record[9], finding.remediation);
        let evidence: Value = serde_json::from_str(&record[10]).unwrap();
        assert_eq!(evidence, serde_json::to_value(&finding.evidence).unwrap());
    }
    assert!(
        records.iter().any(|r| r[1].contains(HOSTILE)),
        "the hostile account name round-trips"
    );
    for (record, change) in records[findings.len()..].iter().zip(&report.drift) {
        assert!(record[4].starts_with("drift:"), "{:?}", record);
        assert_eq!(&record[6], "changed");
        assert_eq!(&record[8], change.detail);
        let evidence: Value = serde_json::from_str(&record[10]).unwrap();
        assert_eq!(evidence["before"], change.before);
        assert_eq!(evidence["after"], change.after);
    }
}

// ---------------------------------------------------------------- ocsf

/// The attributes OCSF requires of a Detection Finding (class 2004), by JSON type, in OCSF
/// 1.5.0: <https://schema.ocsf.io/1.5.0/classes/detection_finding>, read from the schema's
/// sources at tag 1.5.0 (`events/base_event.json`, `events/findings/finding.json`,
/// `events/findings/detection_finding.json`). The class adds no required attribute of its own;
/// `finding` adds `finding_info`; the base event gives the rest.
const REQUIRED: &[(&str, JsonType)] = &[
    ("activity_id", JsonType::Integer),
    ("category_uid", JsonType::Integer),
    ("class_uid", JsonType::Integer),
    ("finding_info", JsonType::Object),
    ("metadata", JsonType::Object),
    ("severity_id", JsonType::Integer),
    ("time", JsonType::Integer),
    ("type_uid", JsonType::Integer),
];
/// Required within the objects used (`objects/metadata.json`, `objects/finding_info.json`,
/// `objects/remediation.json`, `objects/analytic.json`); `product` and each resource extend
/// `_entity`, which requires at least one of `name` and `uid`.
const REQUIRED_IN_OBJECTS: &[(&str, &str, JsonType)] = &[
    ("metadata", "version", JsonType::String),
    ("metadata", "product", JsonType::Object),
    ("finding_info", "uid", JsonType::String),
    ("remediation", "desc", JsonType::String),
    ("finding_info/analytic", "type_id", JsonType::Integer),
];

#[derive(Clone, Copy, Debug)]
enum JsonType {
    Integer,
    String,
    Object,
}

impl JsonType {
    fn matches(self, value: &Value) -> bool {
        match self {
            JsonType::Integer => value.is_i64() || value.is_u64(),
            JsonType::String => value.is_string(),
            JsonType::Object => value.is_object(),
        }
    }
}

/// An enum attribute's value must be one of the schema's, and its caption sibling must match.
fn check_enum(event: &Value, id: &str, caption: &str, values: &[(u64, &str)]) {
    let value = event[id]
        .as_u64()
        .unwrap_or_else(|| panic!("{id} in {event}"));
    let (_, expected) = values
        .iter()
        .find(|(v, _)| *v == value)
        .unwrap_or_else(|| panic!("{id} = {value} is not in the schema's enum"));
    if let Some(shown) = event.get(caption) {
        assert_eq!(shown, expected, "{caption} matches {id}");
    }
}

#[tokio::test]
async fn ocsf_lines_are_detection_findings_with_every_required_attribute() {
    let Fixture { report, .. } = fixture().await;
    let text = render(&report, Format::Ocsf, false);
    let events: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let open = report
        .findings()
        .filter(|(_, f)| f.outcome != Outcome::Pass)
        .count();
    assert_eq!(
        events.len(),
        open + report.drift.len(),
        "one event per open finding and change"
    );
    let mut uids = std::collections::HashMap::new();
    for event in &events {
        for (name, kind) in REQUIRED {
            let value = event
                .get(*name)
                .unwrap_or_else(|| panic!("{name} missing in {event}"));
            assert!(kind.matches(value), "{name} is {kind:?} in {event}");
        }
        for (object, name, kind) in REQUIRED_IN_OBJECTS {
            let value = event
                .pointer(&format!("/{object}/{name}"))
                .unwrap_or_else(|| panic!("{object}.{name} missing in {event}"));
            assert!(kind.matches(value), "{object}.{name} is {kind:?}");
        }
        let product = &event["metadata"]["product"];
        assert!(product.get("name").is_some() || product.get("uid").is_some());
        assert_eq!(product["name"], "exchange-keys");
        assert_eq!(event["metadata"]["version"], "1.5.0");

        assert_eq!(event["class_uid"], 2004);
        assert_eq!(event["class_name"], "Detection Finding");
        assert_eq!(event["category_uid"], 2);
        assert_eq!(event["category_name"], "Findings");
        check_enum(
            event,
            "activity_id",
            "activity_name",
            &[
                (0, "Unknown"),
                (1, "Create"),
                (2, "Update"),
                (3, "Close"),
                (99, "Other"),
            ],
        );
        assert_eq!(event["activity_id"], 1);
        assert_eq!(
            event["type_uid"].as_u64().unwrap(),
            2004 * 100 + event["activity_id"].as_u64().unwrap()
        );
        check_enum(
            event,
            "severity_id",
            "severity",
            &[
                (0, "Unknown"),
                (1, "Informational"),
                (2, "Low"),
                (3, "Medium"),
                (4, "High"),
                (5, "Critical"),
                (6, "Fatal"),
                (99, "Other"),
            ],
        );
        check_enum(
            event,
            "status_id",
            "status",
            &[
                (0, "Unknown"),
                (1, "New"),
                (2, "In Progress"),
                (3, "Suppressed"),
                (4, "Resolved"),
                (5, "Archived"),
                (99, "Other"),
            ],
        );
        check_enum(
            event,
            "confidence_id",
            "confidence",
            &[
                (0, "Unknown"),
                (1, "Low"),
                (2, "Medium"),
                (3, "High"),
                (99, "Other"),
            ],
        );
        assert_eq!(
            event["time"].as_i64().unwrap(),
            report.generated_at.timestamp_millis()
        );
        let info = &event["finding_info"];
        assert!(info["title"].is_string() && info["desc"].is_string());
        assert_eq!(info["created_time"], event["time"]);
        let types = info["types"].as_array().unwrap();
        assert_eq!(types.len(), 1);
        assert_eq!(info["analytic"]["uid"], types[0]);
        assert_eq!(info["analytic"]["type_id"], 1, "Rule");
        // One uid, one finding. Drift may list one change twice (a key configured for two
        // applications is one key to the drift comparison): the same uid then, as it is the same
        // change.
        if let Some(seen) = uids.insert(info["uid"].as_str().unwrap().to_owned(), event) {
            assert_eq!(seen, event, "two findings share a uid");
        }
        assert!(event["is_alert"].is_boolean());
        assert!(event["message"].is_string());
        let resources = event["resources"].as_array().unwrap();
        assert_eq!(resources.len(), 1);
        assert_eq!(resources[0]["type"], "API Key");
        assert!(resources[0]["name"].is_string());
        assert!(resources[0]["labels"]
            .as_array()
            .unwrap()
            .iter()
            .all(Value::is_string));
        let outcome = event["unmapped"]["outcome"].as_str().unwrap();
        assert!(
            ["fail", "unknown", "changed"].contains(&outcome),
            "{outcome}"
        );
        assert_eq!(
            types[0].as_str().unwrap().starts_with("drift:"),
            outcome == "changed"
        );
        assert_eq!(event["is_alert"], outcome != "unknown");
    }
}

#[tokio::test]
async fn ocsf_severity_follows_the_finding_and_uids_are_stable_across_runs() {
    let Fixture { report, .. } = fixture().await;
    let first = render(&report, Format::Ocsf, false);
    let again = render(&fixture().await.report, Format::Ocsf, false);
    let uids = |text: &str| -> Vec<Value> {
        text.lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["finding_info"]["uid"].clone())
            .collect()
    };
    assert_eq!(uids(&first), uids(&again));
    let withdrawal = first
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|e| {
            e["finding_info"]["types"][0] == "withdrawal-enabled"
                && e["unmapped"]["outcome"] == "fail"
        })
        .expect("the withdraw-enabled Binance key fails withdrawal-enabled");
    assert_eq!(withdrawal["severity_id"], 5);
    assert_eq!(withdrawal["severity"], "Critical");
    assert_eq!(
        withdrawal["remediation"]["desc"],
        exchange_keys::audit::RuleId::WithdrawalEnabled
            .rule()
            .remediation
    );
    assert!(report
        .findings()
        .any(|(_, f)| f.severity == Severity::Critical && f.outcome == Outcome::Fail));
}

// ---------------------------------------------------------------- html

#[tokio::test]
async fn html_is_one_self_contained_page_with_everything_escaped() {
    let Fixture { report, .. } = fixture().await;
    let html = render(&report, Format::Html, false);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    let lower = html.to_lowercase();
    for external in [
        "<link",
        "<script",
        "src=\"http",
        "src='http",
        "href=\"http",
        "href='http",
        "url(http",
        "@import",
    ] {
        assert!(!lower.contains(external), "no external asset: {external}");
    }
    assert!(!html.contains("<script>alert"), "report text is escaped");
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;, &#39;q&#39;"));
    assert!(html.contains("<style>"));
    // Grouped by exchange, with the drift and the legend.
    for heading in [
        "<h2>Binance</h2>",
        "<h2>OKX</h2>",
        "<h2>Bybit</h2>",
        "<h2>Kraken</h2>",
    ] {
        assert!(html.contains(heading), "{heading}");
    }
    assert!(html.contains("Changes since the baseline"));
    assert!(html.contains("never read as pass"));
    assert!(html.contains("Could not be inspected"));
    assert!(html.contains("What to do: Remove the withdrawal (and payment) permission"));
    assert!(html.contains("outcome-unknown"));
    assert!(html.contains("sev-critical"));
}

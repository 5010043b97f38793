//! The audit's renderers: a [`Report`] as a terminal table, JSON, CSV, OCSF JSON Lines or a
//! self-contained HTML page, and the JSON schema of the JSON form.
//!
//! Every format is written from the report alone, and the report holds only scrubbed data: no
//! format can show a secret the report does not hold. Every format keeps `unknown` apart from
//! `pass`: an unknown is something the exchange does not report (or the policy does not
//! declare), never a clean bill of health.
//!
//! ```
//! use exchange_keys::audit::render::{self, Format, RenderOptions};
//! use exchange_keys::audit::{Audit, Policy, Subject};
//! use exchange_keys::{ExchangeId, KeyInfo};
//!
//! let mut audit = Audit::new(Policy::trading_bot());
//! audit.add(Subject::new("grid-bot", ExchangeId::Okx), Ok(KeyInfo::new(ExchangeId::Okx)));
//! let report = audit.finish();
//!
//! let mut out = Vec::new();
//! let format: Format = "table".parse().unwrap();
//! render::write(&report, format, &RenderOptions::default(), &mut out).unwrap();
//! let text = String::from_utf8(out).unwrap();
//! assert!(text.contains("UNKNOWN"));
//! assert!(!text.contains('\x1b'));
//! ```

use std::fmt;
use std::io;
use std::str::FromStr;

use super::drift::{ChangeKind, Drift};
use super::finding::Finding;
use super::report::{KeyAudit, Report};
use super::rules::{Outcome, Severity};

mod csv;
mod html;
mod ocsf;
mod schema;
mod table;

pub use schema::json_schema;

/// An output format: `table`, `json`, `csv`, `ocsf` or `html`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A table for the terminal: the failed and unknown findings, a summary and the drift.
    Table,
    /// The whole report as pretty-printed JSON, described by [`json_schema`].
    Json,
    /// One CSV record per finding and per drift change, with a header row.
    Csv,
    /// JSON Lines: one OCSF Detection Finding (class 2004) per failed or unknown finding and
    /// per drift change, for a SIEM.
    Ocsf,
    /// One self-contained HTML page (inline CSS, no script, no external asset).
    Html,
}

impl Format {
    /// Every format, in the order of the documentation.
    pub const ALL: [Format; 5] = [
        Format::Table,
        Format::Json,
        Format::Csv,
        Format::Ocsf,
        Format::Html,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Ocsf => "ocsf",
            Format::Html => "html",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|format| format.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                let shown: String = s.chars().take(32).collect();
                format!("unknown format `{shown}`: expected table, json, csv, ocsf or html")
            })
    }
}

/// How to render.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    /// Colour the table with ANSI escape codes. Only the table is ever coloured; decide with
    /// [`color_wanted`].
    pub color: bool,
}

/// Whether to colour: true only when `is_terminal` and the env var `NO_COLOR` is unset or
/// empty (<https://no-color.org>).
///
/// ```
/// use std::io::IsTerminal;
/// use exchange_keys::audit::render::{color_wanted, RenderOptions};
///
/// let options = RenderOptions { color: color_wanted(std::io::stdout().is_terminal()) };
/// # let _ = options;
/// assert!(!color_wanted(false));
/// ```
pub fn color_wanted(is_terminal: bool) -> bool {
    color_wanted_with(is_terminal, std::env::var_os("NO_COLOR").as_deref())
}

fn color_wanted_with(is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    is_terminal && no_color.is_none_or(|value| value.is_empty())
}

/// Writes `report` to `out` in `format`.
///
/// The table is coloured only when `options.color` is set; every other format ignores it.
/// Errors are those of `out` (and, for CSV, of the CSV writer, as [`io::Error`]s).
pub fn write(
    report: &Report,
    format: Format,
    options: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    match format {
        Format::Table => table::write(report, options, out),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)
        }
        Format::Csv => csv::write(report, out),
        Format::Ocsf => ocsf::write(report, out),
        Format::Html => html::write(report, out),
    }
}

/// The findings of `key` a reader must act on or look into (failed and unknown), the failures
/// first, the most severe first within each.
fn open_findings(key: &KeyAudit) -> Vec<&Finding> {
    let mut open: Vec<&Finding> = key
        .findings
        .iter()
        .filter(|finding| finding.outcome != Outcome::Pass)
        .collect();
    open.sort_by_key(|finding| {
        (
            finding.outcome != Outcome::Fail,
            std::cmp::Reverse(finding.severity),
        )
    });
    open
}

/// A drift change's kind as serialized (`right-gained`): the id SIEM queries and CSV filters use.
fn change_id(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::RightGained => "right-gained",
        ChangeKind::AllowlistRemoved => "allowlist-removed",
        ChangeKind::AllowlistWidened => "allowlist-widened",
        ChangeKind::LabelChanged => "label-changed",
        ChangeKind::KeyGone => "key-gone",
        ChangeKind::KeyAdded => "key-added",
    }
}

/// A drift change's title, in the style of a rule's title.
fn change_title(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::RightGained => "Key gained a right since the baseline",
        ChangeKind::AllowlistRemoved => "Key's IP allowlist was removed since the baseline",
        ChangeKind::AllowlistWidened => "Key's IP allowlist was widened since the baseline",
        ChangeKind::LabelChanged => "Key's label changed since the baseline",
        ChangeKind::KeyGone => "Key is gone since the baseline",
        ChangeKind::KeyAdded => "Key was added since the baseline",
    }
}

/// What to do about a drift change.
fn change_remediation(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::RightGained => {
            "Find out who granted the right and why; remove it unless the application needs it, \
             and rotate the key if nobody on your side made the change."
        }
        ChangeKind::AllowlistRemoved => {
            "Bind the key to the addresses of the machines that use it again; if nobody on your \
             side removed the allowlist, revoke the key."
        }
        ChangeKind::AllowlistWidened => {
            "Remove the addresses that are not yours; if nobody on your side added them, revoke \
             the key."
        }
        ChangeKind::LabelChanged => {
            "Check that the change was yours: the label is how you find the key in an incident."
        }
        ChangeKind::KeyGone => {
            "If the key was retired, make sure it is revoked at the exchange too; otherwise find \
             out why it is missing from the audit."
        }
        ChangeKind::KeyAdded => "Check that the new key is yours and meant to be there.",
    }
}

/// The application of the key a drift change is about, as the report names it.
fn drift_application<'r>(report: &'r Report, change: &Drift) -> Option<&'r str> {
    report
        .keys
        .iter()
        .find(|key| {
            key.account == change.account
                && key.exchange == change.exchange
                && key.key == change.key
        })
        .and_then(|key| key.application.as_deref())
}

/// `Informational`, `Low`, …: the captions OCSF and the HTML page use.
fn severity_caption(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "Informational",
        Severity::Low => "Low",
        Severity::Medium => "Medium",
        Severity::High => "High",
        Severity::Critical => "Critical",
    }
}

/// What the report's policy changed from the rules' defaults, in sentences for the
/// human-readable formats: a rule ignored or a severity lowered weakens the audit (and
/// `--fail-on`) without a trace otherwise.
fn policy_changes(report: &Report) -> Vec<String> {
    let policy = &report.policy;
    let mut lines = Vec::new();
    if !policy.ignore.is_empty() {
        let ignored: Vec<&str> = policy.ignore.iter().map(|rule| rule.as_str()).collect();
        lines.push(format!(
            "The policy ignores {}: not evaluated, so neither passed nor failed.",
            ignored.join(", ")
        ));
    }
    let changed: Vec<String> = policy
        .severity
        .iter()
        .filter(|(rule, severity)| rule.rule().severity != **severity)
        .map(|(rule, severity)| format!("{rule} {severity} (default {})", rule.rule().severity))
        .collect();
    if !changed.is_empty() {
        lines.push(format!(
            "The policy changes severities: {}.",
            changed.join(", ")
        ));
    }
    lines
}

/// The legend every human-readable format carries.
const UNKNOWN_LEGEND: &str = "unknown = the exchange does not report it, or the policy does not \
                              declare it: never read as pass";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_without_regard_to_case_and_print_back() {
        for format in Format::ALL {
            assert_eq!(format.to_string().parse::<Format>(), Ok(format));
            assert_eq!(
                format.to_string().to_uppercase().parse::<Format>(),
                Ok(format)
            );
        }
        let error = "xml".parse::<Format>().unwrap_err();
        for format in Format::ALL {
            assert!(error.contains(format.as_str()), "{error}");
        }
    }

    #[test]
    fn color_only_for_a_terminal_without_no_color() {
        use std::ffi::OsStr;
        assert!(color_wanted_with(true, None));
        assert!(!color_wanted_with(false, None));
        assert!(
            color_wanted_with(true, Some(OsStr::new(""))),
            "an empty NO_COLOR does not count"
        );
        assert!(!color_wanted_with(true, Some(OsStr::new("1"))));
        assert!(!color_wanted(false));
    }

    #[test]
    fn change_ids_are_the_serialized_kinds() {
        for kind in [
            ChangeKind::RightGained,
            ChangeKind::AllowlistRemoved,
            ChangeKind::AllowlistWidened,
            ChangeKind::LabelChanged,
            ChangeKind::KeyGone,
            ChangeKind::KeyAdded,
        ] {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(change_id(kind))
            );
        }
    }
}

//! The terminal table: what to act on, key by key, then the counts and the drift.

use std::borrow::Cow;
use std::io;

use comfy_table::{presets, Cell, ColumnConstraint, Table, Width};

use super::{change_id, open_findings, policy_changes, RenderOptions, UNKNOWN_LEGEND};
use crate::audit::finding::Finding;
use crate::audit::report::{KeyAudit, Report};
use crate::audit::rules::{Outcome, Severity};

/// Text styled with ANSI codes when colouring, left alone otherwise.
struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, text: &str, code: &str) -> String {
        if self.color && !text.is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// `text` in the colour of `severity`.
    fn in_severity(&self, severity: Severity, text: &str) -> String {
        let code = match severity {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.paint(text, code)
    }

    fn severity(&self, severity: Severity) -> String {
        self.in_severity(severity, severity.as_str())
    }

    fn outcome(&self, outcome: Outcome) -> String {
        let (text, code) = match outcome {
            Outcome::Fail => ("FAIL", "1;31"),
            Outcome::Unknown => ("UNKNOWN", "33"),
            Outcome::Pass => ("PASS", "32"),
        };
        self.paint(text, code)
    }
}

/// Whether `c` must not reach the terminal as it is: a control character other than a line
/// break, or a bidirectional override or isolate, which reorders what follows it on screen
/// (a label could make a row read differently from what it holds).
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with control characters (other than line breaks) and bidirectional controls spelled
/// out: labels and error messages come from exchanges, and an escape sequence in them must not
/// drive the terminal.
fn clean(text: &str) -> Cow<'_, str> {
    if text.chars().any(unsafe_char) {
        Cow::Owned(
            text.chars()
                .map(|c| {
                    if unsafe_char(c) {
                        c.escape_default().to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}

/// Columns of free text wrap at this width: error messages can run to hundreds of characters.
const TEXT_WIDTH: u16 = 72;
/// Lists of rule ids wrap at this width.
const RULES_WIDTH: u16 = 40;
/// What the row of undecided rules says.
const UNDECIDED: &str =
    "undecided: the exchange does not report what these rules read, or the policy does not declare it (details: --format json or html)";
/// Account names (with the application) wrap at this width.
const NAME_WIDTH: u16 = 36;

/// A table with `header`; the columns named in `wrapped` wrap at their width.
fn new_table(header: &[&str], wrapped: &[(&str, u16)]) -> Table {
    let mut table = Table::new();
    // Never ask the process's own stdout: `out` may be anything, and the output must not
    // depend on where the tests run.
    table.force_no_tty();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table.set_header(header.to_vec());
    for (name, width) in wrapped {
        let index = header.iter().position(|h| h == name);
        if let Some(column) = index.and_then(|index| table.column_mut(index)) {
            column.set_constraint(ColumnConstraint::UpperBoundary(Width::Fixed(*width)));
        }
    }
    table
}

fn account_text(key: &KeyAudit) -> String {
    match &key.application {
        Some(application) if *application != key.account => {
            format!("{} ({})", clean(&key.account), clean(application))
        }
        _ => clean(&key.account).into_owned(),
    }
}

fn key_text(hint: &str) -> Cow<'_, str> {
    if hint.is_empty() {
        Cow::Borrowed("-")
    } else {
        clean(hint)
    }
}

pub(super) fn write(
    report: &Report,
    options: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let paint = Painter {
        color: options.color,
    };
    writeln!(
        out,
        "exchange-keys audit at {} under policy `{}`",
        report.generated_at.to_rfc3339(),
        clean(&report.policy.name)
    )?;
    if report.keys.is_empty() {
        writeln!(out, "No keys were audited.")?;
    } else {
        let mut table = new_table(
            &[
                "EXCHANGE", "ACCOUNT", "KEY", "SEVERITY", "RESULT", "RULE", "DETAIL",
            ],
            &[
                ("ACCOUNT", NAME_WIDTH),
                ("RULE", RULES_WIDTH),
                ("DETAIL", TEXT_WIDTH),
            ],
        );
        for key in &report.keys {
            add_key_rows(&mut table, key, &paint);
        }
        writeln!(out, "{table}")?;
    }
    writeln!(out, "{}", summary_line(report, &paint))?;
    writeln!(out, "{UNKNOWN_LEGEND}")?;
    for line in policy_changes(report) {
        writeln!(out, "{}", clean(&line))?;
    }
    if !report.drift.is_empty() {
        writeln!(out)?;
        writeln!(out, "Changes since the baseline:")?;
        let mut table = new_table(
            &["SEVERITY", "CHANGE", "EXCHANGE", "ACCOUNT", "KEY", "DETAIL"],
            &[("ACCOUNT", NAME_WIDTH), ("DETAIL", TEXT_WIDTH)],
        );
        for change in &report.drift {
            table.add_row(vec![
                Cell::new(paint.severity(change.severity)),
                Cell::new(change_id(change.kind)),
                Cell::new(change.exchange.as_str()),
                Cell::new(clean(&change.account)),
                Cell::new(key_text(&change.key)),
                Cell::new(clean(&change.detail)),
            ]);
        }
        writeln!(out, "{table}")?;
    }
    Ok(())
}

fn add_key_rows(table: &mut Table, key: &KeyAudit, paint: &Painter) {
    let who = [
        key.exchange.as_str().to_owned(),
        account_text(key),
        key_text(&key.key).into_owned(),
    ];
    let open = open_findings(key);
    let rows: Vec<[String; 4]> = if key.findings.is_empty() {
        // No verdict at all is not a pass: say why there is none.
        vec![[
            String::new(),
            "-".to_owned(),
            "-".to_owned(),
            "no rule was evaluated: the policy ignores every rule".to_owned(),
        ]]
    } else if open.is_empty() {
        vec![[
            String::new(),
            paint.outcome(Outcome::Pass),
            format!("all {}", key.findings.len()),
            "every rule evaluated passed".to_owned(),
        ]]
    } else {
        let (failed, unknown): (Vec<&Finding>, Vec<&Finding>) = open
            .into_iter()
            .partition(|finding| finding.outcome == Outcome::Fail);
        let mut rows: Vec<[String; 4]> = failed
            .iter()
            .map(|finding| {
                [
                    paint.severity(finding.severity),
                    paint.outcome(finding.outcome),
                    finding.rule.as_str().to_owned(),
                    clean(&finding.detail).into_owned(),
                ]
            })
            .collect();
        // Undecided rules share one row: on a terminal the same "not reported" line per rule
        // and key buries the failures. Each one's reason is in the other formats.
        if let Some(worst) = unknown.iter().map(|finding| finding.severity).max() {
            let rules: Vec<&str> = unknown
                .iter()
                .map(|finding| finding.rule.as_str())
                .collect();
            rows.push([
                paint.severity(worst),
                paint.outcome(Outcome::Unknown),
                rules.join(", "),
                UNDECIDED.to_owned(),
            ]);
        }
        rows
    };
    for (index, [severity, result, rule, detail]) in rows.into_iter().enumerate() {
        // The key is named on its first row only, so each key reads as one block.
        let [exchange, account, hint] = if index == 0 {
            who.clone()
        } else {
            Default::default()
        };
        table.add_row(vec![
            Cell::new(exchange),
            Cell::new(account),
            Cell::new(hint),
            Cell::new(severity),
            Cell::new(result),
            Cell::new(rule),
            Cell::new(detail),
        ]);
    }
}

fn summary_line(report: &Report, paint: &Painter) -> String {
    let summary = &report.summary;
    let failed: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .map(|severity| {
            let count = summary.failed.get(severity).copied().unwrap_or(0);
            let text = format!("{count} {severity}");
            if count > 0 {
                paint.in_severity(*severity, &text)
            } else {
                text
            }
        })
        .collect();
    let drift_total: usize = summary.drift.values().sum();
    let unknown = format!("{} unknown", summary.unknown);
    let unknown = if summary.unknown > 0 {
        paint.paint(&unknown, "33")
    } else {
        unknown
    };
    format!(
        "{} keys | failed: {} | {} | {} passed | {} not inspected | {} drift",
        summary.keys,
        failed.join(", "),
        unknown,
        summary.passed,
        summary.not_inspected,
        drift_total,
    )
}

//! CSV: one record per finding (passes included, so a spreadsheet can count coverage) and one
//! per drift change, after a header row. No cell starts a spreadsheet formula.

use std::borrow::Cow;
use std::io;

use super::{change_id, change_remediation, change_title, drift_application};
use crate::audit::report::Report;

const HEADER: [&str; 11] = [
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
    "evidence",
];

/// The `outcome` of a drift record: a change is neither a rule's pass nor its failure.
pub(super) const CHANGED: &str = "changed";

/// `text` made inert for spreadsheets: a cell starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return is a formula to Excel, LibreOffice and Google Sheets, and account names,
/// applications and labels come from users. Such a cell is prefixed with `'`, which the
/// spreadsheet shows as text (OWASP's advice on CSV injection).
fn inert(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Writes one record, every cell made [`inert`].
fn record<W: io::Write>(writer: &mut ::csv::Writer<W>, cells: [&str; 11]) -> io::Result<()> {
    writer.write_record(cells.map(inert).iter().map(|cell| cell.as_ref()))?;
    Ok(())
}

pub(super) fn write(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    let mut writer = ::csv::Writer::from_writer(out);
    writer.write_record(HEADER)?;
    for (key, finding) in report.findings() {
        let evidence = serde_json::to_string(&finding.evidence)?;
        record(
            &mut writer,
            [
                key.exchange.as_str(),
                &key.account,
                key.application.as_deref().unwrap_or(""),
                &key.key,
                finding.rule.as_str(),
                finding.severity.as_str(),
                finding.outcome.as_str(),
                &finding.title,
                &finding.detail,
                &finding.remediation,
                &evidence,
            ],
        )?;
    }
    for change in &report.drift {
        let evidence = serde_json::to_string(&serde_json::json!({
            "before": change.before,
            "after": change.after,
        }))?;
        record(
            &mut writer,
            [
                change.exchange.as_str(),
                &change.account,
                drift_application(report, change).unwrap_or(""),
                &change.key,
                &format!("drift:{}", change_id(change.kind)),
                change.severity.as_str(),
                CHANGED,
                change_title(change.kind),
                &change.detail,
                change_remediation(change.kind),
                &evidence,
            ],
        )?;
    }
    writer.flush()
}

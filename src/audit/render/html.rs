//! One self-contained HTML page: inline CSS, no script, nothing fetched from elsewhere, so it
//! can be mailed, archived or opened offline. Every text from the report is escaped: labels,
//! details and error messages come from exchanges and from config files.

use std::borrow::Cow;
use std::io;

use super::{
    change_id, change_remediation, change_title, open_findings, policy_changes, severity_caption,
    UNKNOWN_LEGEND,
};
use crate::audit::report::{KeyAudit, Report};
use crate::audit::rules::{Outcome, Severity};
use crate::id::ExchangeId;

/// `text` with `&`, `<`, `>`, `"` and `'` replaced by entities: safe in element content and in
/// quoted attribute values.
pub(super) fn escape(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    Cow::Owned(escaped)
}

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2rem auto;
       max-width: 72rem; padding: 0 1rem; color: #1d2125; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; }
h2 { border-bottom: 1px solid #d0d7de; padding-bottom: 0.3rem; margin-top: 2.5rem; }
code { font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; font-size: 0.9em; }
.meta { color: #57606a; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0; }
th, td { text-align: left; vertical-align: top; padding: 0.35rem 0.6rem;
         border-bottom: 1px solid #e1e4e8; }
th { background: #f6f8fa; font-weight: 600; }
table.counts { width: auto; }
table.counts td.n { text-align: right; font-variant-numeric: tabular-nums; }
.legend { color: #57606a; font-style: italic; }
article.key { border: 1px solid #d0d7de; border-left-width: 6px; border-radius: 6px;
              padding: 0.2rem 1rem 0.6rem; margin: 1rem 0; }
article.key h3 { margin: 0.6rem 0 0.3rem; }
article.key h3 .app { color: #57606a; font-weight: normal; }
article.worst-critical { border-left-color: #a50e0e; }
article.worst-high { border-left-color: #d9480f; }
article.worst-medium { border-left-color: #e67700; }
article.worst-low { border-left-color: #1971c2; }
article.worst-info, article.worst-unknown { border-left-color: #868e96; }
article.worst-pass { border-left-color: #2b8a3e; }
.sev { display: inline-block; min-width: 4.5rem; text-align: center; border-radius: 4px;
       padding: 0 0.4rem; font-size: 0.85em; font-weight: 600; color: #fff; }
.sev-critical { background: #a50e0e; }
.sev-high { background: #d9480f; }
.sev-medium { background: #e67700; }
.sev-low { background: #1971c2; }
.sev-info { background: #868e96; }
.outcome { font-weight: 700; }
.outcome-fail { color: #c92a2a; }
.outcome-unknown { color: #b35c00; }
.outcome-pass { color: #2b8a3e; }
.detail { margin: 0.2rem 0; }
.fix { margin: 0.2rem 0; color: #57606a; }
.error { color: #c92a2a; }
details { margin-top: 0.4rem; }
summary { cursor: pointer; color: #57606a; }
pre { white-space: pre-wrap; word-break: break-all; margin: 0; }
";

pub(super) fn write(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    let when = report.generated_at.to_rfc3339();
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, "<html lang=\"en\">")?;
    writeln!(out, "<head>")?;
    writeln!(out, "<meta charset=\"utf-8\">")?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(out, "<title>exchange-keys audit, {}</title>", escape(&when))?;
    writeln!(out, "<style>{STYLE}</style>")?;
    writeln!(out, "</head>")?;
    writeln!(out, "<body>")?;
    writeln!(out, "<h1>API key audit</h1>")?;
    writeln!(
        out,
        "<p class=\"meta\">{} by {}, under policy <code>{}</code></p>",
        escape(&when),
        escape(&report.generator),
        escape(&report.policy.name),
    )?;
    write_summary(report, out)?;
    write_keys(report, out)?;
    write_drift(report, out)?;
    writeln!(
        out,
        "<p class=\"meta\">Report format version {}.</p>",
        report.schema_version
    )?;
    writeln!(out, "</body>")?;
    writeln!(out, "</html>")
}

fn write_summary(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    let summary = &report.summary;
    writeln!(out, "<section class=\"summary\">")?;
    writeln!(out, "<h2>Summary</h2>")?;
    writeln!(out, "<table class=\"counts\">")?;
    let row = |out: &mut dyn io::Write, label: &str, count: usize| {
        writeln!(out, "<tr><td>{label}</td><td class=\"n\">{count}</td></tr>")
    };
    row(out, "Keys audited", summary.keys)?;
    row(out, "Keys not inspected", summary.not_inspected)?;
    for severity in Severity::ALL.iter().rev() {
        let count = summary.failed.get(severity).copied().unwrap_or(0);
        writeln!(
            out,
            "<tr><td>Failed <span class=\"sev sev-{severity}\">{severity}</span></td>\
             <td class=\"n\">{count}</td></tr>"
        )?;
    }
    row(out, "Unknown", summary.unknown)?;
    row(out, "Passed", summary.passed)?;
    row(
        out,
        "Changes since the baseline",
        summary.drift.values().sum(),
    )?;
    writeln!(out, "</table>")?;
    writeln!(out, "<p class=\"legend\">{}</p>", escape(UNKNOWN_LEGEND))?;
    for line in policy_changes(report) {
        writeln!(out, "<p class=\"policy\">{}</p>", escape(&line))?;
    }
    writeln!(out, "</section>")
}

fn write_keys(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    if report.keys.is_empty() {
        return writeln!(out, "<p>No keys were audited.</p>");
    }
    // Exchanges in the order the report first names them: the order the user configured.
    let mut exchanges: Vec<ExchangeId> = Vec::new();
    for key in &report.keys {
        if !exchanges.contains(&key.exchange) {
            exchanges.push(key.exchange);
        }
    }
    for exchange in exchanges {
        writeln!(out, "<section class=\"exchange\">")?;
        writeln!(out, "<h2>{}</h2>", escape(exchange.display_name()))?;
        for key in report.keys.iter().filter(|key| key.exchange == exchange) {
            write_key(key, out)?;
        }
        writeln!(out, "</section>")?;
    }
    Ok(())
}

/// The class naming a key's worst verdict, for the colour of its border.
fn worst(key: &KeyAudit) -> Cow<'static, str> {
    match key.worst_failure() {
        Some(severity) => Cow::Owned(format!("worst-{severity}")),
        None if key.findings.iter().any(|f| f.outcome == Outcome::Unknown) => {
            Cow::Borrowed("worst-unknown")
        }
        None if key.findings.is_empty() => Cow::Borrowed("worst-unknown"),
        None => Cow::Borrowed("worst-pass"),
    }
}

fn write_key(key: &KeyAudit, out: &mut dyn io::Write) -> io::Result<()> {
    writeln!(out, "<article class=\"key {}\">", worst(key))?;
    write!(out, "<h3>{}", escape(&key.account))?;
    if let Some(application) = &key.application {
        write!(out, " <span class=\"app\">{}</span>", escape(application))?;
    }
    if !key.key.is_empty() {
        write!(out, " <code>{}</code>", escape(&key.key))?;
    }
    writeln!(out, "</h3>")?;
    if let Some(error) = &key.error {
        writeln!(
            out,
            "<p class=\"error\">Could not be inspected: {}</p>",
            escape(error)
        )?;
    }
    let open = open_findings(key);
    if key.findings.is_empty() {
        writeln!(
            out,
            "<p>No rule was evaluated: the policy ignores every rule. That is not a pass.</p>"
        )?;
    } else if open.is_empty() {
        writeln!(
            out,
            "<p><span class=\"outcome outcome-pass\">PASS</span> every rule evaluated passed.</p>"
        )?;
    } else {
        writeln!(out, "<table class=\"findings\">")?;
        writeln!(
            out,
            "<thead><tr><th>Severity</th><th>Result</th><th>Rule</th><th>Finding</th></tr></thead>"
        )?;
        writeln!(out, "<tbody>")?;
        for finding in open {
            let outcome = finding.outcome.as_str();
            writeln!(
                out,
                "<tr><td><span class=\"sev sev-{severity}\">{severity}</span></td>\
                 <td><span class=\"outcome outcome-{outcome}\">{shown}</span></td>\
                 <td><code>{rule}</code></td>\
                 <td><strong>{title}</strong><p class=\"detail\">{detail}</p>\
                 <p class=\"fix\">What to do: {fix}</p></td></tr>",
                severity = finding.severity,
                shown = outcome.to_uppercase(),
                rule = finding.rule,
                title = escape(&finding.title),
                detail = escape(&finding.detail),
                fix = escape(&finding.remediation),
            )?;
        }
        writeln!(out, "</tbody>")?;
        writeln!(out, "</table>")?;
    }
    let passed: Vec<_> = key
        .findings
        .iter()
        .filter(|finding| finding.outcome == Outcome::Pass)
        .collect();
    if !passed.is_empty() {
        writeln!(
            out,
            "<details><summary>{} passed</summary><ul>",
            passed.len()
        )?;
        for finding in passed {
            writeln!(
                out,
                "<li><code>{}</code> {}: {}</li>",
                finding.rule,
                escape(&finding.title),
                escape(&finding.detail)
            )?;
        }
        writeln!(out, "</ul></details>")?;
    }
    writeln!(out, "</article>")
}

fn write_drift(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    if report.drift.is_empty() {
        return Ok(());
    }
    writeln!(out, "<section class=\"drift\">")?;
    writeln!(out, "<h2>Changes since the baseline</h2>")?;
    writeln!(out, "<table>")?;
    writeln!(
        out,
        "<thead><tr><th>Severity</th><th>Change</th><th>Key</th><th>What changed</th>\
         <th>Before</th><th>After</th></tr></thead>"
    )?;
    writeln!(out, "<tbody>")?;
    for change in &report.drift {
        let key = if change.key.is_empty() {
            Cow::Borrowed("")
        } else {
            Cow::Owned(format!(" <code>{}</code>", escape(&change.key)))
        };
        writeln!(
            out,
            "<tr><td><span class=\"sev sev-{severity}\" title=\"{caption}\">{severity}</span></td>\
             <td><code>{kind}</code><br>{title}</td>\
             <td>{exchange}: {account}{key}</td>\
             <td><p class=\"detail\">{detail}</p><p class=\"fix\">What to do: {fix}</p></td>\
             <td><pre>{before}</pre></td><td><pre>{after}</pre></td></tr>",
            severity = change.severity,
            caption = severity_caption(change.severity),
            kind = change_id(change.kind),
            title = escape(change_title(change.kind)),
            exchange = escape(change.exchange.display_name()),
            account = escape(&change.account),
            detail = escape(&change.detail),
            fix = escape(change_remediation(change.kind)),
            before = escape(&change.before.to_string()),
            after = escape(&change.after.to_string()),
        )?;
    }
    writeln!(out, "</tbody>")?;
    writeln!(out, "</table>")?;
    writeln!(out, "</section>")
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_both_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(escape("plain text"), "plain text");
        // Already-escaped text is escaped again: the report holds text, not markup.
        assert_eq!(escape("&lt;"), "&amp;lt;");
    }
}

//! OCSF: one Detection Finding (class 2004, category 2 "Findings") per failed or unknown finding
//! and per drift change, as JSON Lines a SIEM ingests.
//!
//! Written against OCSF 1.5.0 (<https://schema.ocsf.io/1.5.0/classes/detection_finding>). The
//! required attributes of the class and of the objects used are all present: `activity_id`,
//! `category_uid`, `class_uid`, `type_uid`, `severity_id`, `time`, `metadata` (`version`,
//! `product`), `finding_info` (`uid`), `remediation` (`desc`) and `finding_info.analytic`
//! (`type_id`). Passed findings are not events: nothing was detected.

use std::io;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{change_id, change_remediation, change_title, drift_application, severity_caption};
use crate::audit::drift::Drift;
use crate::audit::finding::Finding;
use crate::audit::report::{KeyAudit, Report};
use crate::audit::rules::{Outcome, Severity};
use crate::id::ExchangeId;

/// The OCSF schema version the events follow (`metadata.version`).
pub(super) const OCSF_VERSION: &str = "1.5.0";
const CLASS_UID: u64 = 2004;
const CATEGORY_UID: u64 = 2;
/// `activity_id` 1, Create: each run reports its findings anew.
const ACTIVITY_CREATE: u64 = 1;
/// `status_id` 1, New.
const STATUS_NEW: u64 = 1;
/// `analytic.type_id` 1, Rule.
const ANALYTIC_RULE: u64 = 1;
const PRODUCT: &str = "exchange-keys";
/// Why drift matters, as the analytic's description.
const DRIFT_RATIONALE: &str = "Keys drift after support tickets and clicks in web interfaces; \
                               a change nobody made on purpose can be the first sign of a \
                               compromise.";

/// `severity_id`: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical.
fn severity_id(severity: Severity) -> u64 {
    match severity {
        Severity::Info => 1,
        Severity::Low => 2,
        Severity::Medium => 3,
        Severity::High => 4,
        Severity::Critical => 5,
    }
}

/// Which key an event is about.
struct About<'a> {
    exchange: ExchangeId,
    account: &'a str,
    application: Option<&'a str>,
    key: &'a str,
}

impl<'a> About<'a> {
    fn key(key: &'a KeyAudit) -> Self {
        About {
            exchange: key.exchange,
            account: &key.account,
            application: key.application.as_deref(),
            key: &key.key,
        }
    }

    fn change(report: &'a Report, change: &'a Drift) -> Self {
        About {
            exchange: change.exchange,
            account: &change.account,
            application: drift_application(report, change),
            key: &change.key,
        }
    }

    /// A stable id for what `analytic` found about this key: the same finding on the same key
    /// has the same uid in every run, so a SIEM can follow it from run to run.
    fn uid(&self, analytic: &str, extra: &str) -> String {
        let mut digest = Sha256::new();
        // The application too: one key may be configured for several, each its own entry.
        for part in [
            analytic,
            self.exchange.as_str(),
            self.account,
            self.key,
            self.application.unwrap_or(""),
            extra,
        ] {
            digest.update(part.as_bytes());
            // A separator no part contains, so that ("ab", "c") and ("a", "bc") differ.
            digest.update([0u8]);
        }
        hex::encode(digest.finalize())
    }

    fn resource(&self) -> Value {
        let mut labels = vec![format!("exchange:{}", self.exchange)];
        if let Some(application) = self.application {
            labels.push(format!("application:{application}"));
        }
        let mut resource = json!({
            "type": "API Key",
            "name": self.account,
            "labels": labels,
            "data": {
                "exchange": self.exchange.as_str(),
                "account": self.account,
                "application": self.application,
                "key_hint": self.key,
            },
        });
        // A key without credentials in the audit has no hint; the account names it alone.
        if !self.key.is_empty() {
            resource["uid"] = json!(self.key);
        }
        resource
    }

    fn describe(&self) -> String {
        let key = if self.key.is_empty() { "-" } else { self.key };
        format!("{} account `{}` key {}", self.exchange, self.account, key)
    }
}

/// What differs between one event and another.
struct Detection<'a> {
    about: About<'a>,
    /// The rule id, or `drift:<kind>`.
    analytic: String,
    uid: String,
    title: &'a str,
    detail: &'a str,
    rationale: &'a str,
    remediation: &'a str,
    severity: Severity,
    /// `fail`, `unknown` or `changed`.
    outcome: &'a str,
    /// Whether the rule could not decide.
    unknown: bool,
    unmapped: Value,
}

fn event(report: &Report, detection: Detection<'_>) -> Value {
    let time = report.generated_at.timestamp_millis();
    let product_version = report
        .generator
        .strip_prefix("exchange-keys ")
        .unwrap_or(env!("CARGO_PKG_VERSION"));
    // An unknown says the rule could not decide: a finding to look into, at the rule's
    // severity, but not an alert, and with low confidence that the key breaks the rule.
    let (confidence_id, confidence) = if detection.unknown {
        (1, "Low")
    } else {
        (3, "High")
    };
    let mut unmapped = detection.unmapped;
    unmapped["outcome"] = json!(detection.outcome);
    json!({
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Detection Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Detection Finding: Create",
        "severity_id": severity_id(detection.severity),
        "severity": severity_caption(detection.severity),
        "status_id": STATUS_NEW,
        "status": "New",
        "confidence_id": confidence_id,
        "confidence": confidence,
        "is_alert": !detection.unknown,
        "time": time,
        "timezone_offset": 0,
        "message": format!(
            "{} {}: {} ({}): {}",
            detection.outcome.to_uppercase(),
            detection.analytic,
            detection.title,
            detection.about.describe(),
            detection.detail,
        ),
        "metadata": {
            "version": OCSF_VERSION,
            "product": {
                "name": PRODUCT,
                "vendor_name": PRODUCT,
                "version": product_version,
            },
        },
        "finding_info": {
            "uid": detection.uid,
            "title": detection.title,
            "desc": detection.detail,
            "types": [detection.analytic],
            "created_time": time,
            "analytic": {
                "uid": detection.analytic,
                "name": detection.title,
                "type_id": ANALYTIC_RULE,
                "type": "Rule",
                "desc": detection.rationale,
            },
        },
        "remediation": { "desc": detection.remediation },
        "resources": [detection.about.resource()],
        "unmapped": unmapped,
    })
}

fn finding_event(report: &Report, key: &KeyAudit, finding: &Finding) -> Value {
    let about = About::key(key);
    let analytic = finding.rule.as_str().to_owned();
    let uid = about.uid(&analytic, "");
    event(
        report,
        Detection {
            about,
            analytic,
            uid,
            title: &finding.title,
            detail: &finding.detail,
            rationale: finding.rule.rule().rationale,
            remediation: &finding.remediation,
            severity: finding.severity,
            outcome: finding.outcome.as_str(),
            unknown: finding.outcome == Outcome::Unknown,
            unmapped: json!({ "evidence": finding.evidence }),
        },
    )
}

fn drift_event(report: &Report, change: &Drift) -> Value {
    let about = About::change(report, change);
    let analytic = format!("drift:{}", change_id(change.kind));
    // A key may gain several rights in one run: each is its own finding.
    let uid = about.uid(&analytic, &format!("{}\0{}", change.before, change.after));
    event(
        report,
        Detection {
            about,
            analytic,
            uid,
            title: change_title(change.kind),
            detail: &change.detail,
            rationale: DRIFT_RATIONALE,
            remediation: change_remediation(change.kind),
            severity: change.severity,
            outcome: super::csv::CHANGED,
            unknown: false,
            unmapped: json!({ "before": change.before, "after": change.after }),
        },
    )
}

pub(super) fn write(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    let findings = report
        .findings()
        .filter(|(_, finding)| finding.outcome != Outcome::Pass)
        .map(|(key, finding)| finding_event(report, key, finding));
    let changes = report
        .drift
        .iter()
        .map(|change| drift_event(report, change));
    for event in findings.chain(changes) {
        serde_json::to_writer(&mut *out, &event)?;
        writeln!(out)?;
    }
    Ok(())
}

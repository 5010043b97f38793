//! What changed since a previous report: keys drift after support tickets and clicks in web
//! interfaces, and nobody notices a right gained or an allowlist dropped.

use serde::{Deserialize, Serialize};

use super::report::{KeyAudit, Report};
use super::rules::Severity;
use crate::id::ExchangeId;
use crate::model::{admits_every_address, canonical_net, Grant, IpEntry, IpRestriction, KeyInfo};

/// The kind of a change.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "reports", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// A right that was not granted before is granted now.
    RightGained,
    /// The allowlist is gone: the key now accepts any address.
    AllowlistRemoved,
    /// The allowlist admits addresses it did not admit before.
    AllowlistWidened,
    /// The label changed.
    LabelChanged,
    /// A key of the previous report is not in this one.
    KeyGone,
    /// A key not in the previous report.
    KeyAdded,
}

/// One change since the baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "reports", derive(schemars::JsonSchema))]
pub struct Drift {
    /// What changed.
    pub kind: ChangeKind,
    /// How much it matters.
    pub severity: Severity,
    /// The account.
    pub account: String,
    /// The exchange.
    pub exchange: ExchangeId,
    /// The key hint.
    pub key: String,
    /// The change in one sentence.
    pub detail: String,
    /// The value before.
    pub before: serde_json::Value,
    /// The value now.
    pub after: serde_json::Value,
}

fn same_key(a: &KeyAudit, b: &KeyAudit) -> bool {
    a.account == b.account
        && a.application == b.application
        && a.exchange == b.exchange
        && a.key == b.key
}

/// The changes from `previous` to `current`, key by key (a key is the same when its account,
/// application, exchange and key hint are). A key that could not be inspected in either report is compared
/// on nothing but its presence: an inspection failure is not a change of the key.
pub fn compare(previous: &Report, current: &Report) -> Vec<Drift> {
    let mut changes = Vec::new();
    for before in &previous.keys {
        let Some(after) = current.keys.iter().find(|k| same_key(k, before)) else {
            changes.push(change(
                before,
                ChangeKind::KeyGone,
                Severity::Medium,
                "the key is no longer configured or no longer answered for".to_owned(),
                serde_json::json!(before.key),
                serde_json::Value::Null,
            ));
            continue;
        };
        if let (Some(old), Some(new)) = (&before.key_info, &after.key_info) {
            compare_info(after, old, new, &mut changes);
        }
    }
    for after in &current.keys {
        if !previous.keys.iter().any(|k| same_key(k, after)) {
            changes.push(change(
                after,
                ChangeKind::KeyAdded,
                Severity::Info,
                "a key not in the baseline".to_owned(),
                serde_json::Value::Null,
                serde_json::json!(after.key),
            ));
        }
    }
    changes
}

fn change(
    key: &KeyAudit,
    kind: ChangeKind,
    severity: Severity,
    detail: String,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Drift {
    Drift {
        kind,
        severity,
        account: key.account.clone(),
        exchange: key.exchange,
        key: key.key.clone(),
        detail,
        before,
        after,
    }
}

fn grant_text(grant: Grant) -> &'static str {
    match grant {
        Grant::Granted => "granted",
        Grant::Denied => "denied",
        Grant::NotReported => "not reported",
    }
}

fn compare_info(key: &KeyAudit, old: &KeyInfo, new: &KeyInfo, changes: &mut Vec<Drift>) {
    let rights = new
        .permissions
        .iter()
        .filter(|(_, grant)| *grant == Grant::Granted)
        .map(|(right, _)| right.clone());
    for right in rights {
        let was = old.permissions.get(&right);
        if was != Grant::Granted {
            let severity = if right.pays_out() {
                Severity::Critical
            } else {
                Severity::High
            };
            changes.push(change(
                key,
                ChangeKind::RightGained,
                severity,
                format!("`{right}` is granted now (was {})", grant_text(was)),
                serde_json::json!({ right.to_string(): grant_text(was) }),
                serde_json::json!({ right.to_string(): "granted" }),
            ));
        }
    }
    compare_allowlists(key, &old.ip_restriction, &new.ip_restriction, changes);
    if old.label != new.label && old.label.is_known() && new.label.is_known() {
        changes.push(change(
            key,
            ChangeKind::LabelChanged,
            Severity::Low,
            "the label changed".to_owned(),
            serde_json::to_value(&old.label).unwrap_or_default(),
            serde_json::to_value(&new.label).unwrap_or_default(),
        ));
    }
}

/// Whether `entry` was admitted by the old entries: covered by an old network, or (masked
/// patterns) shown identically.
fn admitted(entry: &IpEntry, old: &[IpEntry]) -> bool {
    match entry {
        IpEntry::Net(net) => {
            let net = canonical_net(*net);
            old.iter().any(
                |o| matches!(o, IpEntry::Net(old_net) if canonical_net(*old_net).contains(&net)),
            )
        }
        IpEntry::Pattern(pattern) => old
            .iter()
            .any(|o| matches!(o, IpEntry::Pattern(p) if p == pattern)),
    }
}

fn compare_allowlists(
    key: &KeyAudit,
    old: &IpRestriction,
    new: &IpRestriction,
    changes: &mut Vec<Drift>,
) {
    let value = |r: &IpRestriction| serde_json::to_value(r).unwrap_or_default();
    // An allowlist admitting every address restricts nothing.
    let open = |r: &IpRestriction| match r {
        IpRestriction::Unrestricted => true,
        IpRestriction::AllowList(entries) => admits_every_address(entries),
        _ => false,
    };
    let was_restricted =
        matches!(old, IpRestriction::AllowList(_) | IpRestriction::Restricted) && !open(old);
    match new {
        _ if open(new) && was_restricted => changes.push(change(
            key,
            ChangeKind::AllowlistRemoved,
            Severity::Critical,
            "the key accepted only allowlisted addresses; it now accepts any".to_owned(),
            value(old),
            value(new),
        )),
        IpRestriction::AllowList(entries) => {
            if let IpRestriction::AllowList(before) = old {
                let added: Vec<String> = entries
                    .iter()
                    .filter(|entry| !admitted(entry, before))
                    .map(ToString::to_string)
                    .collect();
                if !added.is_empty() {
                    changes.push(change(
                        key,
                        ChangeKind::AllowlistWidened,
                        Severity::High,
                        format!("the allowlist now also admits {}", added.join(", ")),
                        value(old),
                        value(new),
                    ));
                }
            }
        }
        _ => {}
    }
}

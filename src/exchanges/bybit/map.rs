//! Bybit's `query-api` answer, and each entry of `sub-apikeys`, → [`KeyInfo`]. Pure: no I/O,
//! no clock.
//!
//! | Bybit field | `KeyInfo` |
//! |---|---|
//! | every key | `Read` granted |
//! | `readOnly: 1` | every right below `Denied`, whatever the permission groups list (Bybit's explicit word); `readOnly` missing: what the groups grant is `NotReported` |
//! | a permission group absent from the answer | its rights `NotReported` (a listed group without the item: `Denied`) |
//! | `Spot` ∋ `SpotTrade` | `SpotTrade`; also `MarginTrade` (spot margin orders are spot orders with `isLeverage=1`); without it `MarginTrade` is `NotReported`, as Bybit has no margin right of its own |
//! | `ContractTrade` ∋ `Order`/`Position`, `Derivatives` ∋ `DerivativesTrade`, `Options` ∋ `OptionsTrade` ("USDC Contract: it supports trade option and USDC perpetual") | `FuturesTrade` |
//! | `Options` ∋ `OptionsTrade` | `OptionsTrade` |
//! | `Wallet` ∋ `Withdraw` | `Withdraw` |
//! | `Wallet` ∋ `SubMemberTransfer` / `SubMemberTransferList` | `InternalTransfer` |
//! | `Wallet` ∋ `AccountTransfer` | `UniversalTransfer` |
//! | `Wallet` ∋ `AccountTransfer`/`SubMemberTransfer`/`SubMemberTransferList`/`Withdraw` (what Bybit requires to manage keys) | `KeyManagement`; with `isMaster: true` also `SubAccountManagement` (`NotReported` when `isMaster` is absent) |
//! | `FiatP2P`, `FiatBitPay` (formerly `FiatBybitPay`), `FiatConvertBroker`, `FiatGlobalPay`, `BitCard`, and any group named like them (`Fiat…`, `…Pay…`, `…Card…`), non-empty | `Payment` (P2P, Bybit Pay, card spending: value to other parties); `Denied` only when the four documented ones are listed empty |
//! | `Exchange`, `Earn`, `BlockTrade`, `Affiliate`, `ByXPost`, `NFT`, `CopyTrading` ∋ `Item` | `Other("Group.Item")` |
//! | an unknown item of a group above, or an item of an unknown group | `Other("Group.Item")` granted; no write right `Denied` (nobody can say what it grants) |
//! | a group whose value is not a list of names | no write right `Denied` |
//! | `ips` (`["*"]` = no IP bound) | `ip_restriction` |
//! | `note` / `apiKey` | `label` / `key_id` |
//! | `createdAt` (RFC 3339) | `created_at` |
//! | `expiredAt` (`1970-01-01T00:00:00Z` = never) | `expires_at` |
//! | `isMaster` | `account` |
//! | `type`: `1` personal, `2` connected to a third-party application | `delegation`: `None` / `ThirdPartyApp` |
//! | — (the key authenticated) | `enabled`: `Known(true)` |
//! | — | `last_used_at`: `NotReported` |
//!
//! A key listed by `sub-apikeys` (a master key's view of a sub-account's keys) differs:
//!
//! | Bybit field | `KeyInfo` |
//! |---|---|
//! | — (`isMaster` is not sent; the list holds the sub-account's keys) | `account`: `SubAccount`, so `SubAccountManagement` `Denied` |
//! | `readOnly` (a boolean here) | as above |
//! | `status`: `1` permanent, `3` valid, `4` expires within 7 days / `2` expired | `enabled`: `Known(true)` / `Known(false)`; another value: `NotReported`, listed as unrecognized; absent: `NotReported` |
//! | no payment group listed (create-sub-api and update-sub-api: `FiatP2P`, `FiatConvertBroker`, … "Not applicable to sub account, always `[]`") | `Payment`: `Denied` |
//!
//! Group and item names compare without regard to case and surrounding white space.

use chrono::{DateTime, Utc};

use crate::exchanges::common::Reading;
use crate::model::{
    AccountKind, AnomalyKind, Delegation, Expiry, Grant, IpRestriction, KeyInfo, Permission,
    Permissions, Reported,
};
use crate::ExchangeId;

use std::collections::BTreeMap;

use super::wire::{ApiKeyInfo, Items};

/// The groups that decide normalized rights, with their known items.
const RIGHT_GROUPS: [(&str, &[&str]); 5] = [
    ("Spot", &["SpotTrade"]),
    ("ContractTrade", &["Order", "Position"]),
    ("Derivatives", &["DerivativesTrade"]),
    ("Options", &["OptionsTrade"]),
    (
        "Wallet",
        &[
            "AccountTransfer",
            "SubMemberTransfer",
            "SubMemberTransferList",
            "Withdraw",
        ],
    ),
];

/// Groups that pay other parties. `Payment` is `Denied` only when all of the documented ones
/// are listed empty (`FiatBitPay` also under its former name `FiatBybitPay`).
const DOCUMENTED_PAYMENT_GROUPS: [&[&str]; 4] = [
    &["FiatP2P"],
    &["FiatBitPay", "FiatBybitPay"],
    &["FiatConvertBroker"],
    &["BitCard"],
];

/// Every payment group Bybit documents or sends.
const KNOWN_PAYMENT_GROUPS: [&str; 6] = [
    "FiatP2P",
    "FiatBitPay",
    "FiatBybitPay",
    "FiatConvertBroker",
    "FiatGlobalPay",
    "BitCard",
];

/// Groups whose items grant nothing normalized, each item kept as `Other("Group.Item")`.
const OTHER_GROUPS: [&str; 7] = [
    "Exchange",
    "Earn",
    "BlockTrade",
    "Affiliate",
    "ByXPost",
    "NFT",
    "CopyTrading",
];

/// Whether a group pays other parties: a documented payment group, `FiatGlobalPay`, or a name
/// like theirs.
fn is_payment_group(name: &str) -> bool {
    let name = name.trim().as_bytes();
    let contains = |word: &[u8]| {
        name.windows(word.len())
            .any(|w| w.eq_ignore_ascii_case(word))
    };
    name.get(..4)
        .is_some_and(|start| start.eq_ignore_ascii_case(b"fiat"))
        || contains(b"pay")
        || contains(b"card")
}

/// One permission group as sent, its name and items trimmed once.
struct Group {
    name: String,
    /// `None` when the value is not a list of strings.
    items: Option<Vec<String>>,
    pays: bool,
}

impl Group {
    fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

/// The permission groups of one answer, read leniently.
struct Groups {
    listed: Vec<Group>,
}

impl Groups {
    fn read(groups: Option<BTreeMap<String, Items>>, reading: &mut Reading) -> Option<Groups> {
        let listed = groups?
            .into_iter()
            .map(|(name, Items(items))| {
                if items.is_none() {
                    reading.note(
                        AnomalyKind::Invalid,
                        &format!("permissions.{name}"),
                        "not a list of strings: the rights of this group are not reported",
                    );
                }
                let name = name.trim().to_owned();
                Group {
                    pays: is_payment_group(&name),
                    name,
                    items,
                }
            })
            .collect();
        Some(Groups { listed })
    }

    /// `Granted` when `group` (any case) lists one of `wanted`, `Denied` when it is listed
    /// without them, `NotReported` when it is not listed or cannot be read.
    fn has(&self, group: &str, wanted: &[&str]) -> Grant {
        let mut listed = false;
        let mut found = false;
        for g in self.listed.iter().filter(|g| g.is(group)) {
            let Some(items) = &g.items else {
                return Grant::NotReported;
            };
            listed = true;
            found |= items
                .iter()
                .any(|item| wanted.iter().any(|w| item.eq_ignore_ascii_case(w)));
        }
        if listed {
            Grant::from_flag(found)
        } else {
            Grant::NotReported
        }
    }

    /// Whether `group` (any case) is listed, readable and empty.
    fn listed_empty(&self, group: &str) -> bool {
        let mut listed = false;
        for g in self.listed.iter().filter(|g| g.is(group)) {
            match &g.items {
                Some(items) if items.is_empty() => listed = true,
                _ => return false,
            }
        }
        listed
    }

    fn payment(&self, source: Source) -> Grant {
        let granted = self
            .listed
            .iter()
            .any(|g| g.pays && g.items.as_ref().is_some_and(|items| !items.is_empty()));
        if granted {
            return Grant::Granted;
        }
        // Bybit documents the payment groups as not applicable to sub-account keys: a sub
        // key listing none (or only empty ones) pays nobody.
        if source == Source::SubAccountList
            && self.listed.iter().all(|g| !g.pays || g.items.is_some())
        {
            return Grant::Denied;
        }
        let all_documented_empty = DOCUMENTED_PAYMENT_GROUPS
            .iter()
            .all(|names| names.iter().any(|name| self.listed_empty(name)));
        let none_unreadable = self.listed.iter().all(|g| !g.pays || g.items.is_some());
        if all_documented_empty && none_unreadable {
            Grant::Denied
        } else {
            Grant::NotReported
        }
    }
}

/// Which answer a key's fields come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// `query-api`: the key in use, which has just authenticated.
    KeyInUse,
    /// An entry of `sub-apikeys`: a sub-account's key, as its master key sees it.
    SubAccountList,
}

pub(crate) fn map_api_key_info(wire: ApiKeyInfo, source: Source) -> Result<KeyInfo, String> {
    let mut reading = Reading::default();
    let r = &mut reading;
    let api_key = wire.api_key.expected("apiKey", r);
    let note = wire.note.expected("note", r);
    let read_only = wire.read_only.expected("readOnly", r).map(|flag| flag.0);
    let groups = Groups::read(wire.permissions.expected("permissions", r), r);
    let ips = wire.ips.expected("ips", r);
    let created_at = wire.created_at.expected("createdAt", r);
    let expired_at = wire.expired_at.expected("expiredAt", r);
    let is_master = match source {
        Source::KeyInUse => wire.is_master.expected("isMaster", r),
        // `sub-apikeys` lists one sub-account's keys and sends no `isMaster`.
        Source::SubAccountList => wire.is_master.optional("isMaster", r).or(Some(false)),
    };
    let key_type = wire.key_type.expected("type", r);
    let enabled = match source {
        Source::KeyInUse => Reported::Known(true),
        Source::SubAccountList => match wire.status.optional("status", r) {
            Some(status) => match status.0.as_str() {
                "1" | "3" | "4" => Reported::Known(true),
                "2" => Reported::Known(false),
                other => {
                    r.unrecognized(
                        "status",
                        &format!(
                            "unknown key status `{other}`: whether the key works is not known"
                        ),
                    );
                    Reported::NotReported
                }
            },
            None => Reported::NotReported,
        },
    };

    let mut permissions = Permissions::new();
    permissions.set(Permission::Read, Grant::Granted);
    if let Some(groups) = &groups {
        decide_rights(groups, is_master, source, &mut permissions, r);
    }
    let writes: Vec<(Permission, Grant)> = permissions
        .iter()
        .filter(|(p, _)| !p.is_read())
        .map(|(p, g)| (p.clone(), g))
        .collect();
    match read_only {
        // `readOnly: 1` is Bybit's explicit word that no write right is usable.
        Some(true) => {
            for right in Permission::WRITE {
                permissions.set(right, Grant::Denied);
            }
            for (right, _) in writes {
                permissions.set(right, Grant::Denied);
            }
        }
        Some(false) => {}
        // Bybit lists a read-only key's groups too: without the flag, what they grant is
        // granted only if the key is read-write.
        None => {
            for (right, grant) in writes {
                if grant == Grant::Granted {
                    permissions.set(right, Grant::NotReported);
                }
            }
        }
    }

    let mut info = KeyInfo::new(ExchangeId::Bybit);
    info.permissions = permissions;
    info.key_id = api_key.into();
    info.label = note.into();
    info.ip_restriction = match &ips {
        Some(ips) => r.allowlist("ips", ips.iter().map(String::as_str)),
        None => IpRestriction::NotReported,
    };
    info.created_at = r.time_rfc3339("createdAt", created_at.as_deref());
    info.expires_at = r
        .time_rfc3339("expiredAt", expired_at.as_deref())
        .map(expiry);
    info.account = is_master.map(AccountKind::master_if).into();
    info.delegation = match key_type {
        Some(t) => Reported::Known(match t.0.as_str() {
            "1" => Delegation::None,
            "2" => Delegation::ThirdPartyApp,
            other => {
                r.unrecognized(
                    "type",
                    &format!("unknown key type `{other}`: who acts with the key is not known"),
                );
                Delegation::Unrecognized {
                    value: other.to_owned(),
                }
            }
        }),
        None => Reported::NotReported,
    };
    info.enabled = enabled;
    info.anomalies = reading.finish(match source {
        Source::KeyInUse => "Bybit query-api result",
        Source::SubAccountList => "Bybit sub-apikeys entry",
    })?;
    Ok(info)
}

/// Every right the permission groups decide, before `readOnly` is applied.
fn decide_rights(
    groups: &Groups,
    is_master: Option<bool>,
    source: Source,
    permissions: &mut Permissions,
    reading: &mut Reading,
) {
    let spot = groups.has("Spot", &["SpotTrade"]);
    let manages_keys = groups.has(
        "Wallet",
        &[
            "AccountTransfer",
            "SubMemberTransfer",
            "SubMemberTransferList",
            "Withdraw",
        ],
    );
    let manages_sub_accounts = match (manages_keys, is_master) {
        (Grant::Denied, _) | (_, Some(false)) => Grant::Denied,
        (grant, Some(true)) => grant,
        (_, None) => Grant::NotReported,
    };
    // Spot margin orders are spot orders (`isLeverage=1`): spot trading implies margin trading.
    // Bybit reports no margin right of its own, so nothing else decides it.
    let margin = if spot == Grant::Granted {
        Grant::Granted
    } else {
        Grant::NotReported
    };
    permissions
        .set(Permission::SpotTrade, spot)
        .set(Permission::MarginTrade, margin)
        .set(
            Permission::FuturesTrade,
            [
                groups.has("ContractTrade", &["Order", "Position"]),
                groups.has("Derivatives", &["DerivativesTrade"]),
                groups.has("Options", &["OptionsTrade"]),
            ]
            .into_iter()
            .fold(Grant::Denied, Grant::either),
        )
        .set(
            Permission::OptionsTrade,
            groups.has("Options", &["OptionsTrade"]),
        )
        .set(Permission::Withdraw, groups.has("Wallet", &["Withdraw"]))
        .set(
            Permission::InternalTransfer,
            groups.has("Wallet", &["SubMemberTransfer", "SubMemberTransferList"]),
        )
        .set(
            Permission::UniversalTransfer,
            groups.has("Wallet", &["AccountTransfer"]),
        )
        .set(Permission::KeyManagement, manages_keys)
        .set(Permission::SubAccountManagement, manages_sub_accounts)
        .set(Permission::Payment, groups.payment(source));

    for group in &groups.listed {
        let name = group.name.as_str();
        let right_group = RIGHT_GROUPS.iter().find(|(g, _)| group.is(g));
        let known_group = right_group.is_some()
            || KNOWN_PAYMENT_GROUPS.iter().any(|g| group.is(g))
            || OTHER_GROUPS.iter().any(|g| group.is(g));
        if !known_group {
            reading.unrecognized_right(
                &format!("permissions.{name}"),
                "a permission group this crate does not know",
            );
        }
        let Some(items) = &group.items else {
            // Unreadable: what it grants cannot be told (its anomaly is already noted).
            permissions.relax(&Permission::WRITE);
            continue;
        };
        for item in items {
            let mut vendor = String::with_capacity(name.len() + 1 + item.len());
            vendor.push_str(name);
            vendor.push('.');
            vendor.push_str(item);
            match right_group {
                Some((_, known_items))
                    if known_items.iter().any(|k| item.eq_ignore_ascii_case(k)) => {}
                Some(_) => {
                    reading.unrecognized_right(
                        &format!("permissions.{name}"),
                        &format!("unknown item `{item}`"),
                    );
                    permissions.unrecognized(vendor.clone(), Grant::Granted);
                }
                None if !known_group => {
                    permissions.unrecognized(vendor.clone(), Grant::Granted);
                }
                // Payment groups decide `Payment` as a whole.
                None if group.pays => {}
                None => {
                    permissions.set(Permission::Other(vendor.clone()), Grant::Granted);
                }
            }
            permissions.add_vendor_grant(vendor);
        }
    }
}

/// Bybit writes the epoch for "does not expire".
fn expiry(at: DateTime<Utc>) -> Expiry {
    if at.timestamp() <= 0 {
        Expiry::Never
    } else {
        Expiry::At(at)
    }
}

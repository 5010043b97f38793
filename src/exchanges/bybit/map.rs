//! Bybit's `query-api` answer → [`KeyInfo`]. Pure: no I/O, no clock.
//!
//! | Bybit field | `KeyInfo` |
//! |---|---|
//! | every key | `Read` granted |
//! | `readOnly: 1` | every right below `Denied`, whatever the permission groups list |
//! | `Spot` ∋ `SpotTrade` | `SpotTrade`, and `MarginTrade` (unified accounts margin-trade spot with it) |
//! | `ContractTrade` ∋ `Order`/`Position`, `Derivatives` ∋ `DerivativesTrade` | `FuturesTrade` |
//! | `Options` ∋ `OptionsTrade` | `OptionsTrade` |
//! | `Wallet` ∋ `Withdraw` | `Withdraw` |
//! | `Wallet` ∋ `SubMemberTransfer` / `SubMemberTransferList` | `InternalTransfer` |
//! | `Wallet` ∋ `AccountTransfer` | `UniversalTransfer` |
//! | `Wallet` ∋ `AccountTransfer`/`SubMemberTransfer`/`SubMemberTransferList`/`Withdraw` (what Bybit requires to manage keys) | `KeyManagement`; on a master key also `SubAccountManagement` |
//! | any other `Group` ∋ `Item` | `Other("Group.Item")` |
//! | `ips` (`["*"]` = no IP bound) | `ip_restriction` |
//! | `note` / `apiKey` | `label` / `key_id` |
//! | `createdAt` (RFC 3339) | `created_at` |
//! | `expiredAt` (`1970-01-01T00:00:00Z` = never) | `expires_at` |
//! | `isMaster` | `account` |
//! | — (the key authenticated) | `enabled`: `Known(true)` |
//! | — | `last_used_at`: `NotReported` |

use chrono::{DateTime, Utc};

use crate::exchanges::common::datetime_from_rfc3339;
use crate::model::{
    AccountKind, Expiry, Grant, IpRestriction, KeyInfo, Permission, Permissions, Reported,
};
use crate::ExchangeId;

use super::wire::ApiKeyInfo;

pub(crate) fn map_api_key_info(wire: &ApiKeyInfo) -> Result<KeyInfo, String> {
    let has = |group: &str, items: &[&str]| {
        wire.permissions
            .get(group)
            .is_some_and(|granted| granted.iter().any(|g| items.contains(&g.as_str())))
    };
    let write = |granted: bool| Grant::from_flag(granted && !wire.read_only);
    let master = wire.is_master.unwrap_or(false);
    let manages_keys = has(
        "Wallet",
        &[
            "AccountTransfer",
            "SubMemberTransfer",
            "SubMemberTransferList",
            "Withdraw",
        ],
    );

    let mut permissions = Permissions::new();
    permissions
        .set(Permission::Read, Grant::Granted)
        .set(Permission::SpotTrade, write(has("Spot", &["SpotTrade"])))
        .set(Permission::MarginTrade, write(has("Spot", &["SpotTrade"])))
        .set(
            Permission::FuturesTrade,
            write(
                has("ContractTrade", &["Order", "Position"])
                    || has("Derivatives", &["DerivativesTrade"]),
            ),
        )
        .set(
            Permission::OptionsTrade,
            write(has("Options", &["OptionsTrade"])),
        )
        .set(Permission::Withdraw, write(has("Wallet", &["Withdraw"])))
        .set(
            Permission::InternalTransfer,
            write(has(
                "Wallet",
                &["SubMemberTransfer", "SubMemberTransferList"],
            )),
        )
        .set(
            Permission::UniversalTransfer,
            write(has("Wallet", &["AccountTransfer"])),
        )
        .set(Permission::KeyManagement, write(manages_keys))
        .set(
            Permission::SubAccountManagement,
            write(manages_keys && master),
        );
    for (group, items) in &wire.permissions {
        for item in items {
            let vendor = format!("{group}.{item}");
            if !is_normalized(group, item) {
                permissions.set(Permission::Other(vendor.clone()), write(true));
            }
            permissions.add_vendor_grant(vendor);
        }
    }

    let mut info = KeyInfo::new(ExchangeId::Bybit);
    info.permissions = permissions;
    info.key_id = Reported::Known(wire.api_key.clone());
    info.label = wire.note.clone().into();
    info.ip_restriction = if wire.ips.iter().any(|ip| ip.trim() == "*") {
        IpRestriction::Unrestricted
    } else {
        IpRestriction::from_entries(wire.ips.iter().map(String::as_str))
    };
    info.created_at = Reported::Known(datetime_from_rfc3339(&wire.created_at, "createdAt")?);
    info.expires_at = match &wire.expired_at {
        Some(text) => Reported::Known(expiry(datetime_from_rfc3339(text, "expiredAt")?)),
        None => Reported::NotReported,
    };
    info.account = wire
        .is_master
        .map(|m| {
            if m {
                AccountKind::Master
            } else {
                AccountKind::SubAccount
            }
        })
        .into();
    info.enabled = Reported::Known(true);
    Ok(info)
}

/// Bybit writes the epoch for "does not expire".
fn expiry(at: DateTime<Utc>) -> Expiry {
    if at.timestamp() <= 0 {
        Expiry::Never
    } else {
        Expiry::At(at)
    }
}

fn is_normalized(group: &str, item: &str) -> bool {
    matches!(
        (group, item),
        ("Spot", "SpotTrade")
            | ("ContractTrade", "Order" | "Position")
            | ("Derivatives", "DerivativesTrade")
            | ("Options", "OptionsTrade")
            | (
                "Wallet",
                "Withdraw" | "AccountTransfer" | "SubMemberTransfer" | "SubMemberTransferList"
            )
    )
}

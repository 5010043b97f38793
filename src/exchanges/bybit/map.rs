//! Bybit's `query-api` answer → [`KeyInfo`]. Pure: no I/O, no clock.
//!
//! | Bybit field | `KeyInfo` |
//! |---|---|
//! | every key | `Read` granted |
//! | `readOnly: 1` | every right below `Denied`, whatever the permission groups list |
//! | a permission group absent from the answer | its rights `NotReported` (a listed group without the item: `Denied`) |
//! | `Spot` ∋ `SpotTrade` | `SpotTrade`; also `MarginTrade` (spot margin orders are spot orders with `isLeverage=1`); without it `MarginTrade` is `NotReported`, as Bybit has no margin right of its own |
//! | `ContractTrade` ∋ `Order`/`Position`, `Derivatives` ∋ `DerivativesTrade` | `FuturesTrade` |
//! | `Options` ∋ `OptionsTrade` | `OptionsTrade` |
//! | `Wallet` ∋ `Withdraw` | `Withdraw` |
//! | `Wallet` ∋ `SubMemberTransfer` / `SubMemberTransferList` | `InternalTransfer` |
//! | `Wallet` ∋ `AccountTransfer` | `UniversalTransfer` |
//! | `Wallet` ∋ `AccountTransfer`/`SubMemberTransfer`/`SubMemberTransferList`/`Withdraw` (what Bybit requires to manage keys) | `KeyManagement`; with `isMaster: true` also `SubAccountManagement` (`NotReported` when `isMaster` is absent) |
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
    // A group Bybit leaves out says nothing; only a listed group without the item denies it.
    let has = |group: &str, items: &[&str]| match wire.permissions.get(group) {
        Some(granted) => Grant::from_flag(granted.iter().any(|g| items.contains(&g.as_str()))),
        None => Grant::NotReported,
    };
    // `readOnly: 1` is Bybit's explicit word that no write right is usable.
    let write = |grant: Grant| if wire.read_only { Grant::Denied } else { grant };
    let spot = has("Spot", &["SpotTrade"]);
    let manages_keys = has(
        "Wallet",
        &[
            "AccountTransfer",
            "SubMemberTransfer",
            "SubMemberTransferList",
            "Withdraw",
        ],
    );
    let manages_sub_accounts = match (manages_keys, wire.is_master) {
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

    let mut permissions = Permissions::new();
    permissions
        .set(Permission::Read, Grant::Granted)
        .set(Permission::SpotTrade, write(spot))
        .set(Permission::MarginTrade, write(margin))
        .set(
            Permission::FuturesTrade,
            write(
                has("ContractTrade", &["Order", "Position"])
                    .either(has("Derivatives", &["DerivativesTrade"])),
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
            write(manages_sub_accounts),
        );
    for (group, items) in &wire.permissions {
        for item in items {
            let vendor = format!("{group}.{item}");
            if !is_normalized(group, item) {
                permissions.set(Permission::Other(vendor.clone()), write(Grant::Granted));
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

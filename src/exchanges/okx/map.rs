//! OKX's `account/config` answer → [`KeyInfo`]. Pure: no I/O, no clock.
//!
//! | OKX field | `KeyInfo` |
//! |---|---|
//! | every key | `Read` granted (`read_only` is the floor of every OKX key) |
//! | `perm` ∋ `trade` (OKX has one trade right for every product) | `SpotTrade`, `MarginTrade`, `FuturesTrade`, `OptionsTrade`, `InternalTransfer`, `UniversalTransfer` |
//! | `perm` ∋ `trade`, master account (sub-accounts cannot manage) | `SubAccountManagement`, `KeyManagement` |
//! | `perm` ∋ `withdraw` | `Withdraw` |
//! | any other `perm` entry | `Other(entry)` granted |
//! | `ip` (`""` = no IP bound) | `ip_restriction`: `Unrestricted` / `AllowList` |
//! | `label` | `label` |
//! | `uid == mainUid` | `account`: `Master`, else `SubAccount` |
//! | — (the key authenticated) | `enabled`: `Known(true)` |
//! | — | `key_id`, `created_at`, `expires_at`, `last_used_at`: `NotReported` |
//!
//! OKX deletes keys with trading or withdrawal rights and no bound IP after 14 days without use;
//! that is not an expiry date, so `expires_at` stays `NotReported`.

use crate::model::{AccountKind, Grant, IpRestriction, KeyInfo, Permission, Permissions, Reported};
use crate::ExchangeId;

use super::wire::AccountConfig;

pub(crate) fn map_account_config(wire: &AccountConfig) -> KeyInfo {
    let entries: Vec<&str> = wire
        .perm
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let trade = entries.contains(&"trade");
    let master = wire.uid == wire.main_uid;

    let mut permissions = Permissions::new();
    permissions.set(Permission::Read, Grant::Granted);
    for right in [
        Permission::SpotTrade,
        Permission::MarginTrade,
        Permission::FuturesTrade,
        Permission::OptionsTrade,
        Permission::InternalTransfer,
        Permission::UniversalTransfer,
    ] {
        permissions.set(right, Grant::from_flag(trade));
    }
    for right in [Permission::SubAccountManagement, Permission::KeyManagement] {
        permissions.set(right, Grant::from_flag(trade && master));
    }
    permissions.set(
        Permission::Withdraw,
        Grant::from_flag(entries.contains(&"withdraw")),
    );
    for entry in &entries {
        if !matches!(*entry, "read_only" | "trade" | "withdraw") {
            permissions.set(Permission::Other((*entry).to_owned()), Grant::Granted);
        }
        permissions.add_vendor_grant(*entry);
    }

    let mut info = KeyInfo::new(ExchangeId::Okx);
    info.permissions = permissions;
    info.ip_restriction = IpRestriction::from_entries(wire.ip.split(','));
    info.label = wire.label.clone().into();
    info.account = Reported::Known(if master {
        AccountKind::Master
    } else {
        AccountKind::SubAccount
    });
    info.enabled = Reported::Known(true);
    info
}

//! The uniform description of an API key: [`KeyInfo`] and the types it is made of.
//!
//! Every field that an exchange may or may not report is wrapped in [`Reported`], and every
//! normalized permission is a tri-state [`Grant`]. "Not reported" is never read as "safe": the
//! audit layer turns it into `unknown`.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Redact;
use crate::id::ExchangeId;

/// A value the exchange either reported, or did not report at all.
///
/// Serialized as the value itself when known and as `null` when not reported, so a stored
/// `KeyInfo` keeps the difference between "the exchange said no" and "the exchange said nothing".
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Reported<T> {
    /// The exchange reported this value.
    Known(T),
    /// The exchange does not report this value (or did not in this answer).
    #[default]
    NotReported,
}

impl<T> Reported<T> {
    /// The value, if the exchange reported it.
    pub fn known(&self) -> Option<&T> {
        match self {
            Reported::Known(value) => Some(value),
            Reported::NotReported => None,
        }
    }

    /// Whether the exchange reported this value.
    pub fn is_known(&self) -> bool {
        matches!(self, Reported::Known(_))
    }

    /// Applies `f` to a reported value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Reported<U> {
        match self {
            Reported::Known(value) => Reported::Known(f(value)),
            Reported::NotReported => Reported::NotReported,
        }
    }

    /// Chains a step that may itself find nothing to report.
    pub fn and_then<U>(self, f: impl FnOnce(T) -> Reported<U>) -> Reported<U> {
        match self {
            Reported::Known(value) => f(value),
            Reported::NotReported => Reported::NotReported,
        }
    }

    /// Converts into an `Option`, losing the name of the absence.
    pub fn into_option(self) -> Option<T> {
        match self {
            Reported::Known(value) => Some(value),
            Reported::NotReported => None,
        }
    }
}

impl<T> From<Option<T>> for Reported<T> {
    fn from(value: Option<T>) -> Self {
        match value {
            Some(value) => Reported::Known(value),
            None => Reported::NotReported,
        }
    }
}

impl<T: Serialize> Serialize for Reported<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Reported::Known(value) => serializer.serialize_some(value),
            Reported::NotReported => serializer.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Reported<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(deserializer).map(Reported::from)
    }
}

/// One normalized permission a key may hold.
///
/// Serialized as a lowercase snake_case string (`"spot_trade"`); [`Permission::Other`] as
/// `"other:<vendor name>"`.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    /// Read balances, orders, history.
    Read,
    /// Place and cancel spot orders.
    SpotTrade,
    /// Trade on margin, borrow or repay.
    MarginTrade,
    /// Trade futures, perpetuals or other derivatives.
    FuturesTrade,
    /// Trade options.
    OptionsTrade,
    /// Withdraw funds off the exchange.
    Withdraw,
    /// Move funds between the master account and its sub-accounts.
    InternalTransfer,
    /// Move funds between the account's own wallets (spot, futures, funding, …).
    UniversalTransfer,
    /// Create or administer sub-accounts.
    SubAccountManagement,
    /// Create, modify or delete API keys.
    KeyManagement,
    /// Send value to other parties without a withdrawal: P2P trades, merchant payments, card
    /// spending, gift cards, fiat payouts (Bybit `FiatP2P`, `FiatBitPay`, `BitCard`; Binance gift
    /// cards, which need `enableWithdrawals`).
    Payment,
    /// A vendor permission with no normalized meaning, named as the exchange names it.
    Other(String),
}

impl Permission {
    /// The permissions every adapter decides on, in display order.
    pub const NORMALIZED: [Permission; 11] = [
        Permission::Read,
        Permission::SpotTrade,
        Permission::MarginTrade,
        Permission::FuturesTrade,
        Permission::OptionsTrade,
        Permission::Withdraw,
        Permission::InternalTransfer,
        Permission::UniversalTransfer,
        Permission::SubAccountManagement,
        Permission::KeyManagement,
        Permission::Payment,
    ];

    /// Every normalized permission except [`Permission::Read`]: what a read-only key lacks.
    pub const WRITE: [Permission; 10] = [
        Permission::SpotTrade,
        Permission::MarginTrade,
        Permission::FuturesTrade,
        Permission::OptionsTrade,
        Permission::Withdraw,
        Permission::InternalTransfer,
        Permission::UniversalTransfer,
        Permission::SubAccountManagement,
        Permission::KeyManagement,
        Permission::Payment,
    ];

    /// Whether holding this permission lets the key move funds away from where they are: off
    /// the exchange, to another account, between wallets, or to another party.
    pub fn moves_funds(&self) -> bool {
        matches!(
            self,
            Permission::Withdraw
                | Permission::InternalTransfer
                | Permission::UniversalTransfer
                | Permission::Payment
        )
    }

    /// Whether this permission moves funds to *another party* (a withdrawal, a payment), the
    /// most dangerous kind: [`Permission::Withdraw`] and [`Permission::Payment`].
    pub fn pays_out(&self) -> bool {
        matches!(self, Permission::Withdraw | Permission::Payment)
    }

    /// Whether this permission only reads.
    pub fn is_read(&self) -> bool {
        matches!(self, Permission::Read)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Permission::Read => "read",
            Permission::SpotTrade => "spot_trade",
            Permission::MarginTrade => "margin_trade",
            Permission::FuturesTrade => "futures_trade",
            Permission::OptionsTrade => "options_trade",
            Permission::Withdraw => "withdraw",
            Permission::InternalTransfer => "internal_transfer",
            Permission::UniversalTransfer => "universal_transfer",
            Permission::SubAccountManagement => "sub_account_management",
            Permission::KeyManagement => "key_management",
            Permission::Payment => "payment",
            Permission::Other(vendor) => return write!(f, "other:{vendor}"),
        };
        f.write_str(name)
    }
}

impl FromStr for Permission {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(vendor) = s.strip_prefix("other:") {
            return Ok(Permission::Other(vendor.to_owned()));
        }
        Permission::NORMALIZED
            .iter()
            .find(|p| p.to_string() == s)
            .cloned()
            .ok_or_else(|| format!("unknown permission `{s}`"))
    }
}

impl Serialize for Permission {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Permission {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Whether a key holds a permission, as far as the exchange tells.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "reports", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// The exchange reports the permission as granted.
    Granted,
    /// The exchange reports the permission as not granted.
    Denied,
    /// The exchange does not say. Never to be read as `Denied`.
    #[default]
    NotReported,
}

impl Grant {
    /// `Granted` for `true`, `Denied` for `false`.
    pub fn from_flag(granted: bool) -> Grant {
        if granted {
            Grant::Granted
        } else {
            Grant::Denied
        }
    }

    /// The more permissive of two answers about the same right: granted by either means
    /// granted; denied only when both deny; otherwise not reported.
    pub fn either(self, other: Grant) -> Grant {
        match (self, other) {
            (Grant::Granted, _) | (_, Grant::Granted) => Grant::Granted,
            (Grant::Denied, Grant::Denied) => Grant::Denied,
            _ => Grant::NotReported,
        }
    }
}

/// The permissions of a key: a [`Grant`] for each normalized [`Permission`], plus the vendor's
/// own names for what it granted (the evidence).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "reports", derive(schemars::JsonSchema))]
pub struct Permissions {
    #[cfg_attr(
        feature = "reports",
        schemars(
            description = "What the exchange says about each permission; a permission absent here is not reported."
        )
    )]
    states: BTreeMap<Permission, Grant>,
    /// The exchange's own names of the rights it reports as granted, e.g. `enableWithdrawals`
    /// (Binance), `withdraw` (OKX), `Wallet.Withdraw` (Bybit).
    pub vendor_granted: Vec<String>,
}

impl Permissions {
    /// Permissions with every normalized permission `NotReported`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records what the exchange says about `permission`.
    pub fn set(&mut self, permission: Permission, grant: Grant) -> &mut Self {
        self.states.insert(permission, grant);
        self
    }

    /// Records a vendor permission name as granted (evidence).
    pub fn add_vendor_grant(&mut self, vendor_name: impl Into<String>) -> &mut Self {
        self.vendor_granted.push(vendor_name.into());
        self
    }

    /// What the exchange says about `permission`; `NotReported` when it says nothing.
    pub fn get(&self, permission: &Permission) -> Grant {
        self.states.get(permission).copied().unwrap_or_default()
    }

    /// Every permission with a recorded state, in a stable order.
    pub fn iter(&self) -> impl Iterator<Item = (&Permission, Grant)> {
        self.states.iter().map(|(p, g)| (p, *g))
    }

    /// Turns every one of `rights` that is `Denied` into `NotReported`: for a vendor token the
    /// mapper does not recognize, which could grant them (the open-world rule).
    pub fn relax(&mut self, rights: &[Permission]) -> &mut Self {
        for right in rights {
            if let Some(grant @ Grant::Denied) = self.states.get_mut(right) {
                *grant = Grant::NotReported;
            }
        }
        self
    }

    /// Records a vendor permission token, group or flag the mapper does not know, as
    /// `Other(vendor_name)` with `grant` (`Granted` when the exchange says it is on), and turns
    /// every right that is `Denied` into `NotReported`: nobody can say what an unknown token
    /// grants, so it could grant any of them, reading included (the open-world rule). Call it
    /// after every other right is set.
    pub fn unrecognized(&mut self, vendor_name: impl Into<String>, grant: Grant) -> &mut Self {
        self.set(Permission::Other(vendor_name.into()), grant);
        self.relax(&Permission::NORMALIZED)
    }

    /// Whether any right that moves funds ([`Permission::moves_funds`]) is granted: `Granted`
    /// if one is, `Denied` only if every one is reported denied, `NotReported` otherwise.
    pub fn moves_funds(&self) -> Grant {
        self.any_of(|p| p.moves_funds())
    }

    /// Whether the key can send funds to another party ([`Permission::pays_out`]): a
    /// withdrawal or a payment.
    pub fn pays_out(&self) -> Grant {
        self.any_of(|p| p.pays_out())
    }

    fn any_of(&self, wanted: impl Fn(&Permission) -> bool) -> Grant {
        Permission::NORMALIZED
            .iter()
            .filter(|p| wanted(p))
            .map(|p| self.get(p))
            .fold(Grant::Denied, Grant::either)
    }

    /// Redacts every vendor name kept here (the names in `vendor_granted` and in
    /// [`Permission::Other`]); two names redacted alike merge, the more permissive answer
    /// winning ([`Grant::either`]).
    pub(crate) fn redact_vendor_names(&mut self, redactor: &dyn Redact) {
        self.vendor_granted
            .iter_mut()
            .for_each(|name| redactor.redact(name));
        // Names are keys: only those holding a secret are taken out and put back.
        let holding: Vec<Permission> = self
            .states
            .keys()
            .filter(|p| matches!(p, Permission::Other(name) if redactor.holds(name)))
            .cloned()
            .collect();
        for permission in holding {
            if let (Some(grant), Permission::Other(mut name)) =
                (self.states.remove(&permission), permission)
            {
                redactor.redact(&mut name);
                let renamed = Permission::Other(name);
                let merged = match self.states.get(&renamed) {
                    Some(existing) => existing.either(grant),
                    None => grant,
                };
                self.states.insert(renamed, merged);
            }
        }
    }

    /// The permissions reported as granted.
    pub fn granted(&self) -> impl Iterator<Item = &Permission> {
        self.iter()
            .filter(|(_, g)| *g == Grant::Granted)
            .map(|(p, _)| p)
    }

    /// `Known(true)` when every right other than reading is reported denied, `Known(false)`
    /// when any is reported granted, and `NotReported` when the answer depends on a right the
    /// exchange does not report.
    pub fn is_read_only(&self) -> Reported<bool> {
        let mut unknown = false;
        for permission in Permission::NORMALIZED.iter().filter(|p| !p.is_read()) {
            match self.get(permission) {
                Grant::Granted => return Reported::Known(false),
                Grant::NotReported => unknown = true,
                Grant::Denied => {}
            }
        }
        if self
            .states
            .iter()
            .any(|(p, g)| matches!(p, Permission::Other(_)) && *g == Grant::Granted)
        {
            return Reported::Known(false);
        }
        if unknown {
            Reported::NotReported
        } else {
            Reported::Known(true)
        }
    }
}

/// One entry of an IP allowlist.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IpEntry {
    /// An address or network (a single address is a /32 or /128).
    Net(IpNet),
    /// An entry the exchange shows masked or in a form that is not an address
    /// (KuCoin shows `203.**.154`). It cannot be compared exactly with a policy.
    Pattern(String),
}

impl IpEntry {
    /// Parses `203.0.113.7`, `203.0.113.0/24` or `2001:db8::1`; anything else is kept as a
    /// [`IpEntry::Pattern`].
    pub fn parse(text: &str) -> IpEntry {
        let text = text.trim();
        if let Ok(net) = text.parse::<IpNet>() {
            return IpEntry::Net(net);
        }
        if let Ok(addr) = text.parse::<std::net::IpAddr>() {
            return IpEntry::Net(IpNet::from(addr));
        }
        IpEntry::Pattern(text.to_owned())
    }

    /// Whether the entry is a wildcard admitting every address: nothing but `*`, `.` and `:`,
    /// with at least one `*` (`*`, `*.*.*.*`).
    pub fn is_wildcard(&self) -> bool {
        match self {
            IpEntry::Pattern(p) => is_wildcard_text(p),
            IpEntry::Net(net) => net.prefix_len() == 0,
        }
    }
}

/// One allowlist entry, read.
enum ParsedEntry {
    Blank,
    /// A wildcard or a zero-length prefix.
    Everything,
    Nets(Vec<IpNet>),
    Masked(String),
    Unreadable,
}

impl ParsedEntry {
    fn of(text: &str) -> ParsedEntry {
        use std::net::IpAddr;
        let text = text.trim();
        if text.is_empty() {
            return ParsedEntry::Blank;
        }
        if let IpEntry::Net(net) = IpEntry::parse(text) {
            return ParsedEntry::Nets(vec![net]);
        }
        if let Some((base, suffix)) = text.split_once('/') {
            let suffix = suffix.trim();
            let zero_prefix = suffix == "*"
                || suffix.parse::<u8>() == Ok(0)
                || suffix
                    .parse::<IpAddr>()
                    .is_ok_and(|mask| mask.is_unspecified());
            if zero_prefix
                && (is_wildcard_text(base)
                    || base.trim().parse::<u32>().is_ok()
                    || base.trim().parse::<IpAddr>().is_ok())
            {
                return ParsedEntry::Everything;
            }
            if let (Ok(addr), Ok(mask)) = (base.trim().parse::<IpAddr>(), suffix.parse::<IpAddr>())
            {
                if let Ok(net) = IpNet::with_netmask(addr, mask) {
                    return ParsedEntry::Nets(vec![net]);
                }
            }
        }
        if let Some((start, end)) = text.split_once('-') {
            match (start.trim().parse::<IpAddr>(), end.trim().parse::<IpAddr>()) {
                (Ok(IpAddr::V4(start)), Ok(IpAddr::V4(end))) if start <= end => {
                    return ParsedEntry::Nets(
                        ipnet::Ipv4Subnets::new(start, end, 0)
                            .map(IpNet::V4)
                            .collect(),
                    )
                }
                (Ok(IpAddr::V6(start)), Ok(IpAddr::V6(end))) if start <= end => {
                    return ParsedEntry::Nets(
                        ipnet::Ipv6Subnets::new(start, end, 0)
                            .map(IpNet::V6)
                            .collect(),
                    )
                }
                _ => {}
            }
        }
        if is_wildcard_text(text) {
            return ParsedEntry::Everything;
        }
        // A masked address: digits (hex for IPv6), separators and the mask's stars.
        if text.contains('*')
            && text
                .chars()
                .all(|c| c.is_ascii_hexdigit() || matches!(c, '.' | ':' | '*' | '/'))
        {
            return ParsedEntry::Masked(text.to_owned());
        }
        ParsedEntry::Unreadable
    }
}

/// Nothing but `*`, `.` and `:`, with at least one `*`.
fn is_wildcard_text(text: &str) -> bool {
    let text = text.trim();
    text.contains('*') && text.chars().all(|c| matches!(c, '*' | '.' | ':'))
}

/// `::ffff:a.b.c.d/(96+n)` is the IPv4 network `a.b.c.d/n`: a dual-stack host admits the
/// same callers through either. Any other network is returned as it is.
pub(crate) fn canonical_net(net: IpNet) -> IpNet {
    if let IpNet::V6(v6) = net {
        if let (Some(v4), Some(prefix)) = (
            v6.network().to_ipv4_mapped(),
            v6.prefix_len().checked_sub(96),
        ) {
            if let Ok(mapped) = ipnet::Ipv4Net::new(v4, prefix) {
                return IpNet::V4(mapped);
            }
        }
    }
    net
}

/// Whether `entries` admit every caller of a family: a wildcard, a zero-length prefix, or
/// networks that together cover all of IPv4 or all of IPv6. The same test the shared parser
/// applies, for allowlists that did not come through it (built by hand, read back from JSON).
pub(crate) fn admits_every_address(entries: &[IpEntry]) -> bool {
    entries.iter().any(IpEntry::is_wildcard) || covers_a_whole_family(entries)
}

/// Whether the networks among `entries` together cover all of IPv4 or all of IPv6.
fn covers_a_whole_family(entries: &[IpEntry]) -> bool {
    let mut v4 = Vec::new();
    let mut v6 = Vec::new();
    for entry in entries {
        match entry {
            IpEntry::Net(IpNet::V4(net)) => v4.push(*net),
            IpEntry::Net(IpNet::V6(net)) => {
                v6.push(*net);
                // On dual-stack hosts `::ffff:a.b.c.d/(96+n)` admits the IPv4 network
                // `a.b.c.d/n`, and a network holding all of `::ffff:0:0/96` admits all of IPv4.
                let mapped_range =
                    ipnet::Ipv6Net::new(std::net::Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96);
                if let Ok(mapped_range) = mapped_range {
                    if net.contains(&mapped_range) {
                        v4.push(ipnet::Ipv4Net::default());
                    } else if let (Some(addr), Some(len)) = (
                        net.network().to_ipv4_mapped(),
                        net.prefix_len().checked_sub(96),
                    ) {
                        if let Ok(mapped) = ipnet::Ipv4Net::new(addr, len) {
                            v4.push(mapped);
                        }
                    }
                }
            }
            IpEntry::Pattern(_) => {}
        }
    }
    let whole_v4 = ipnet::Ipv4Net::aggregate(&v4)
        .iter()
        .any(|n| n.prefix_len() == 0);
    let whole_v6 = ipnet::Ipv6Net::aggregate(&v6)
        .iter()
        .any(|n| n.prefix_len() == 0);
    whole_v4 || whole_v6
}

impl fmt::Display for IpEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpEntry::Net(net) if net.prefix_len() == net.max_prefix_len() => {
                write!(f, "{}", net.addr())
            }
            IpEntry::Net(net) => write!(f, "{net}"),
            IpEntry::Pattern(pattern) => f.write_str(pattern),
        }
    }
}

impl Serialize for IpEntry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IpEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|text| IpEntry::parse(&text))
    }
}

/// From where a key may be used.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "reports", derive(schemars::JsonSchema))]
#[serde(tag = "kind", content = "entries", rename_all = "snake_case")]
pub enum IpRestriction {
    /// The exchange reports that the key accepts calls from any address.
    Unrestricted,
    /// The key accepts calls only from these addresses.
    AllowList(Vec<IpEntry>),
    /// The exchange reports that an allowlist is set but does not show it (Binance).
    Restricted,
    /// The exchange does not report whether the key is restricted.
    #[default]
    NotReported,
}

impl IpRestriction {
    /// Builds the restriction from an exchange's list of entries: the one allowlist parser every
    /// adapter uses.
    ///
    /// - Each entry may itself hold several, separated by commas, semicolons or white space.
    /// - An empty list means no allowlist is set (the convention of every exchange covered):
    ///   `Unrestricted`.
    /// - A wildcard (`*`, `*.*.*.*`), a zero-length prefix (`0.0.0.0/0`, `::/0`, `0/0`,
    ///   `*/*`, `0.0.0.0/0.0.0.0`), and networks or ranges that together cover every IPv4
    ///   address or every IPv6 address (`0.0.0.0/1` + `128.0.0.0/1`,
    ///   `0.0.0.0-255.255.255.255`, IPv4-mapped `::ffff:0:0/96` or any IPv6 network holding it)
    ///   admit every caller of that family: an attacker picks the family, so that is
    ///   `Unrestricted` too.
    /// - Addresses, networks (prefix or netmask) and ranges are [`IpEntry::Net`]s; an entry
    ///   masked by the exchange (`203.**.154`) is an [`IpEntry::Pattern`].
    /// - An entry that is none of these (`none`, `any`, `true`) cannot be read: whether the key
    ///   is restricted is then `NotReported`.
    pub fn from_entries<'a>(entries: impl IntoIterator<Item = &'a str>) -> IpRestriction {
        let mut parsed = Vec::new();
        let mut unreadable = false;
        for entry in entries {
            // `a - b` is one range: join its parts before splitting on white space.
            let entry = entry
                .split('-')
                .map(str::trim)
                .collect::<Vec<_>>()
                .join("-");
            for text in entry.split(|c: char| c == ',' || c == ';' || c.is_whitespace()) {
                match ParsedEntry::of(text) {
                    ParsedEntry::Blank => {}
                    ParsedEntry::Everything => return IpRestriction::Unrestricted,
                    ParsedEntry::Unreadable => unreadable = true,
                    ParsedEntry::Nets(nets) => parsed.extend(nets.into_iter().map(IpEntry::Net)),
                    ParsedEntry::Masked(pattern) => parsed.push(IpEntry::Pattern(pattern)),
                }
            }
        }
        if covers_a_whole_family(&parsed) {
            return IpRestriction::Unrestricted;
        }
        if unreadable {
            return IpRestriction::NotReported;
        }
        if parsed.is_empty() {
            IpRestriction::Unrestricted
        } else {
            IpRestriction::AllowList(parsed)
        }
    }

    /// [`IpRestriction::from_entries`] over one text (OKX's `ip`, KuCoin's `ipWhitelist`).
    pub fn from_list(text: &str) -> IpRestriction {
        IpRestriction::from_entries([text])
    }

    /// `Known(true)` when the key is reported restricted to some addresses.
    pub fn is_restricted(&self) -> Reported<bool> {
        match self {
            IpRestriction::Unrestricted => Reported::Known(false),
            IpRestriction::AllowList(_) | IpRestriction::Restricted => Reported::Known(true),
            IpRestriction::NotReported => Reported::NotReported,
        }
    }
}

/// When a key stops working.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "reports", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Expiry {
    /// The exchange reports that the key does not expire.
    Never,
    /// The key expires then.
    At(DateTime<Utc>),
}

/// Whether a key belongs to the master account or to a sub-account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "reports", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// The exchange account's main user.
    Master,
    /// A sub-account under a master account.
    SubAccount,
}

impl AccountKind {
    /// `Master` for `true`, `SubAccount` for `false`.
    pub fn master_if(is_master: bool) -> AccountKind {
        if is_master {
            AccountKind::Master
        } else {
            AccountKind::SubAccount
        }
    }
}

/// Who acts with a key besides the account holder, as far as the exchange says.
///
/// A key connected to a third-party application, or an account traded by a manager or held by
/// a custodian, is used by someone the holder must trust with every right the key holds.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "reports", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Delegation {
    /// The holder uses the key: a personal key (Bybit `type` 1) on an account the holder
    /// trades itself (OKX `type` 0 and 1).
    None,
    /// The key is connected to a third-party application, which acts with it (Bybit `type` 2).
    ThirdPartyApp,
    /// The account is a managed trading sub-account: a manager trades it on the holder's
    /// behalf (OKX `type` 2; `type` 9 through Copper, named in `partner`).
    ManagedTrading {
        /// The partner through which it is managed, where the exchange names one.
        partner: Option<String>,
    },
    /// The account is a custody trading sub-account: its assets are held by a custodian (OKX
    /// `type` 5, Copper; `type` 12, Komainu).
    Custody {
        /// The custodian, where the exchange names it.
        custodian: Option<String>,
    },
    /// A value this crate does not know, as the exchange sent it (also listed in
    /// [`KeyInfo::anomalies`]). Not to be read as [`Delegation::None`].
    Unrecognized {
        /// The exchange's own value.
        value: String,
    },
}

/// What kind of surprise an [`Anomaly`] is.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "reports", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    /// A field the adapter expects was absent (or `null`): what it decides is `NotReported`.
    Missing,
    /// A field was present with a type or value the adapter cannot read: what it decides is
    /// `NotReported`.
    Invalid,
    /// A vendor token, group or flag the adapter does not know: it is kept as
    /// [`Permission::Other`], and the rights it could grant are never `Denied`.
    Unrecognized,
}

/// Something in an exchange's answer the adapter expected and did not find, or found and did
/// not understand. An answer with anomalies still maps: the rules of truth make every affected
/// right `NotReported`, and the anomaly says why, so drift in an exchange's answers is visible
/// rather than silent.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "reports", derive(schemars::JsonSchema))]
pub struct Anomaly {
    /// Missing, invalid or unrecognized.
    pub kind: AnomalyKind,
    /// Where, in the exchange's own names: `enableWithdrawals`, `permissions.Wallet`, `perm`.
    pub field: String,
    /// What was wrong and what it leaves unknown.
    pub detail: String,
}

impl Anomaly {
    /// An anomaly of `kind` at `field`.
    pub fn new(kind: AnomalyKind, field: impl Into<String>, detail: impl Into<String>) -> Self {
        Anomaly {
            kind,
            field: field.into(),
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Anomaly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            AnomalyKind::Missing => "missing",
            AnomalyKind::Invalid => "invalid",
            AnomalyKind::Unrecognized => "unrecognized",
        };
        write!(f, "{kind} `{}`: {}", self.field, self.detail)
    }
}

/// What an exchange reports about one API key, in one shape for every exchange.
///
/// Holds no secret: `raw` is the exchange's answer with secret-looking fields scrubbed, so a
/// `KeyInfo` may be stored, logged and diffed.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "reports", derive(schemars::JsonSchema))]
pub struct KeyInfo {
    /// The exchange that answered.
    pub exchange: ExchangeId,
    /// The key's public identifier as the exchange shows it (possibly masked).
    pub key_id: Reported<String>,
    /// The label (note, remark) given to the key.
    pub label: Reported<String>,
    /// What the key may do.
    pub permissions: Permissions,
    /// From where the key may be used.
    pub ip_restriction: IpRestriction,
    /// When the key was created.
    pub created_at: Reported<DateTime<Utc>>,
    /// When the key expires.
    pub expires_at: Reported<Expiry>,
    /// When the key's trading right expires, where the exchange dates it apart from the key
    /// (Binance `tradingAuthorityExpirationTime`). The key keeps its other rights afterwards.
    pub trading_expires_at: Reported<DateTime<Utc>>,
    /// When the key was last used.
    pub last_used_at: Reported<DateTime<Utc>>,
    /// Whether the key is enabled.
    pub enabled: Reported<bool>,
    /// Master or sub-account.
    pub account: Reported<AccountKind>,
    /// The sub-account the key belongs to, as the exchange names it in its management calls
    /// (Bybit's UID, OKX's sub-account name), where a master key's listing tells.
    #[serde(default)]
    pub sub_account: Reported<String>,
    /// Who acts with the key besides the holder: a third-party application, a manager, a
    /// custodian.
    #[serde(default)]
    pub delegation: Reported<Delegation>,
    /// What the adapter expected in the answer and did not find, or found and did not know.
    /// Empty for an answer exactly as documented.
    #[serde(default)]
    pub anomalies: Vec<Anomaly>,
    /// The exchange's answer, secrets scrubbed: the evidence for every field above.
    pub raw: serde_json::Value,
}

impl KeyInfo {
    /// A `KeyInfo` for `exchange` with every field not reported.
    pub fn new(exchange: ExchangeId) -> Self {
        KeyInfo {
            exchange,
            key_id: Reported::NotReported,
            label: Reported::NotReported,
            permissions: Permissions::new(),
            ip_restriction: IpRestriction::NotReported,
            created_at: Reported::NotReported,
            expires_at: Reported::NotReported,
            trading_expires_at: Reported::NotReported,
            last_used_at: Reported::NotReported,
            enabled: Reported::NotReported,
            account: Reported::NotReported,
            sub_account: Reported::NotReported,
            delegation: Reported::NotReported,
            anomalies: Vec::new(),
            raw: serde_json::Value::Null,
        }
    }

    /// Whether the key can withdraw funds, as reported.
    pub fn can_withdraw(&self) -> Grant {
        self.permissions.get(&Permission::Withdraw)
    }

    /// Whether the key can move funds at all (withdraw, transfer, pay); see
    /// [`Permissions::moves_funds`].
    pub fn can_move_funds(&self) -> Grant {
        self.permissions.moves_funds()
    }

    /// Whether the key can send funds to another party (withdraw or pay); see
    /// [`Permissions::pays_out`].
    pub fn can_pay_out(&self) -> Grant {
        self.permissions.pays_out()
    }

    /// Whether the key is read-only; see [`Permissions::is_read_only`].
    pub fn is_read_only(&self) -> Reported<bool> {
        self.permissions.is_read_only()
    }

    /// Every free-text string of this `KeyInfo` that came from the exchange (key id, label,
    /// vendor names, masked address patterns, anomalies, delegation names), for scrubbing.
    /// Typed values (rights, addresses, dates) are not strings and are never rewritten. The
    /// evidence in `raw` is scrubbed on its own.
    pub(crate) fn redact_texts(&mut self, redactor: &dyn Redact) {
        let rewrite = |text: &mut String| redactor.redact(text);
        if let Reported::Known(id) = &mut self.key_id {
            rewrite(id);
        }
        if let Reported::Known(label) = &mut self.label {
            rewrite(label);
        }
        self.permissions.redact_vendor_names(redactor);
        if let IpRestriction::AllowList(entries) = &mut self.ip_restriction {
            for entry in entries {
                if let IpEntry::Pattern(pattern) = entry {
                    // The mask's stars hold nothing of a secret, and a secret equal to them
                    // (`*`) must not rewrite the mask: only the runs between them are scrubbed.
                    let runs: Vec<String> = pattern
                        .split('*')
                        .map(|run| {
                            let mut run = run.to_owned();
                            rewrite(&mut run);
                            run
                        })
                        .collect();
                    *pattern = runs.join("*");
                }
            }
        }
        for anomaly in &mut self.anomalies {
            rewrite(&mut anomaly.field);
            rewrite(&mut anomaly.detail);
        }
        if let Reported::Known(
            Delegation::ManagedTrading {
                partner: Some(name),
            }
            | Delegation::Custody {
                custodian: Some(name),
            }
            | Delegation::Unrecognized { value: name },
        ) = &mut self.delegation
        {
            rewrite(name);
        }
    }

    /// The key's age at `now`, when its creation time is reported.
    pub fn age_at(&self, now: DateTime<Utc>) -> Reported<chrono::Duration> {
        self.created_at.clone().map(|created| now - created)
    }

    /// Time left before expiry at `now`: `Known(None)` for a key that never expires.
    pub fn time_to_expiry_at(&self, now: DateTime<Utc>) -> Reported<Option<chrono::Duration>> {
        self.expires_at.clone().map(|expiry| match expiry {
            Expiry::Never => None,
            Expiry::At(at) => Some(at - now),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reported_serializes_as_value_or_null() {
        let known: Reported<u8> = Reported::Known(3);
        let absent: Reported<u8> = Reported::NotReported;
        assert_eq!(serde_json::to_string(&known).unwrap(), "3");
        assert_eq!(serde_json::to_string(&absent).unwrap(), "null");
        let back: Reported<u8> = serde_json::from_str("null").unwrap();
        assert_eq!(back, Reported::NotReported);
    }

    #[test]
    fn permission_names_round_trip() {
        for permission in Permission::NORMALIZED
            .iter()
            .cloned()
            .chain([Permission::Other("Earn.Earn".into())])
        {
            let text = permission.to_string();
            assert_eq!(text.parse::<Permission>().unwrap(), permission);
        }
        assert!("withdrawal".parse::<Permission>().is_err());
    }

    #[test]
    fn read_only_needs_every_right_reported() {
        let mut perms = Permissions::new();
        perms.set(Permission::Read, Grant::Granted);
        assert_eq!(perms.is_read_only(), Reported::NotReported);
        for p in Permission::NORMALIZED.iter().skip(1) {
            perms.set(p.clone(), Grant::Denied);
        }
        assert_eq!(perms.is_read_only(), Reported::Known(true));
        perms.set(Permission::Other("Earn".into()), Grant::Granted);
        assert_eq!(perms.is_read_only(), Reported::Known(false));
    }

    #[test]
    fn one_grant_makes_a_key_not_read_only_even_with_gaps() {
        let mut perms = Permissions::new();
        perms.set(Permission::Withdraw, Grant::Granted);
        assert_eq!(perms.is_read_only(), Reported::Known(false));
    }

    #[test]
    fn grant_either_is_permissive() {
        assert_eq!(Grant::Denied.either(Grant::Granted), Grant::Granted);
        assert_eq!(Grant::Denied.either(Grant::Denied), Grant::Denied);
        assert_eq!(Grant::Denied.either(Grant::NotReported), Grant::NotReported);
    }

    #[test]
    fn ip_entries_parse_addresses_networks_and_masks() {
        assert_eq!(IpEntry::parse("203.0.113.7").to_string(), "203.0.113.7");
        assert_eq!(
            IpEntry::parse("203.0.113.0/24").to_string(),
            "203.0.113.0/24"
        );
        assert!(matches!(IpEntry::parse("203.**.154"), IpEntry::Pattern(_)));
        assert_eq!(
            IpRestriction::from_entries(["", " "]),
            IpRestriction::Unrestricted
        );
        for open in ["0.0.0.0/0", "::/0"] {
            assert_eq!(
                IpRestriction::from_entries(["203.0.113.7", open]),
                IpRestriction::Unrestricted,
                "{open}"
            );
        }
    }

    #[test]
    fn wildcards_and_covering_sets_are_unrestricted() {
        for open in [
            vec!["*"],
            vec!["*.*.*.*"],
            vec![" 0.0.0.0/0 "],
            vec!["::/0"],
            vec!["203.0.113.7", "*"],
            vec!["0.0.0.0/1", "128.0.0.0/1"],
            vec!["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1"],
            vec!["::ffff:0:0/96"],
            vec!["::/1", "8000::/1"],
            vec![],
            vec!["0.0.0.0/0.0.0.0"],
            vec!["0.0.0.0-255.255.255.255"],
            vec!["0.0.0.0 - 127.255.255.255", "128.0.0.0-255.255.255.255"],
            vec!["*.*.*.*/0"],
            vec!["*/*"],
            vec!["0/0"],
            vec!["203.0.113.7/0"],
            vec!["::/1"],
            vec!["::/64"],
            vec!["::ffff:0:0/95"],
            vec!["203.0.113.7,*"],
            vec!["203.0.113.7, 0.0.0.0/0"],
            vec![" * "],
        ] {
            assert_eq!(
                IpRestriction::from_entries(open.iter().copied()),
                IpRestriction::Unrestricted,
                "{open:?}"
            );
        }
        for restricted in [
            vec!["0.0.0.0/1"],
            vec!["0.0.0.0/1", "128.0.0.0/2"],
            vec!["203.**.154"],
            vec!["203.0.113.*"],
            vec!["10.0.0.0/8", "::1"],
            vec!["203.0.113.0/255.255.255.0"],
            vec!["203.0.113.1-203.0.113.9"],
            vec!["::ffff:203.0.113.0/120"],
        ] {
            assert!(
                matches!(
                    IpRestriction::from_entries(restricted.iter().copied()),
                    IpRestriction::AllowList(_)
                ),
                "{restricted:?}"
            );
        }
    }

    #[test]
    fn unreadable_entries_leave_the_restriction_unknown() {
        for unreadable in [
            "true",
            "none",
            "N/A",
            "any",
            "1",
            "%",
            "\0",
            "1.2.3.4-garbage",
        ] {
            assert_eq!(
                IpRestriction::from_entries(["203.0.113.7", unreadable]),
                IpRestriction::NotReported,
                "{unreadable:?}"
            );
        }
        // A wildcard anywhere still wins: the key is open whatever the rest says.
        assert_eq!(
            IpRestriction::from_entries(["none", "*"]),
            IpRestriction::Unrestricted
        );
    }

    #[test]
    fn netmasks_and_ranges_become_networks() {
        assert_eq!(
            IpRestriction::from_list("203.0.113.0/255.255.255.0"),
            IpRestriction::AllowList(vec![IpEntry::parse("203.0.113.0/24")])
        );
        assert_eq!(
            IpRestriction::from_list("203.0.113.0-203.0.113.3"),
            IpRestriction::AllowList(vec![IpEntry::parse("203.0.113.0/30")])
        );
    }

    #[test]
    fn text_lists_split_on_commas_semicolons_and_spaces() {
        assert_eq!(
            IpRestriction::from_list("203.0.113.7, 198.51.100.0/24;2001:db8::1"),
            IpRestriction::AllowList(vec![
                IpEntry::parse("203.0.113.7"),
                IpEntry::parse("198.51.100.0/24"),
                IpEntry::parse("2001:db8::1"),
            ])
        );
        assert_eq!(IpRestriction::from_list(""), IpRestriction::Unrestricted);
        assert_eq!(
            IpRestriction::from_list("203.0.113.7,*"),
            IpRestriction::Unrestricted
        );
    }

    #[test]
    fn redacted_vendor_names_that_collide_keep_the_most_permissive_answer() {
        struct AsToQuestionMarks;
        impl Redact for AsToQuestionMarks {
            fn holds(&self, text: &str) -> bool {
                text.contains(['a', 'b'])
            }
            fn redact(&self, text: &mut String) {
                *text = text.replace(['a', 'b'], "?");
            }
        }
        let mut perms = Permissions::new();
        perms
            .set(Permission::Other("a-x".into()), Grant::Denied)
            .set(Permission::Other("b-x".into()), Grant::Granted)
            .set(Permission::Other("c-x".into()), Grant::Denied)
            .set(Permission::Withdraw, Grant::Denied)
            .add_vendor_grant("b-x");
        perms.redact_vendor_names(&AsToQuestionMarks);
        assert_eq!(perms.get(&Permission::Other("?-x".into())), Grant::Granted);
        assert_eq!(perms.get(&Permission::Other("c-x".into())), Grant::Denied);
        assert_eq!(perms.get(&Permission::Withdraw), Grant::Denied);
        assert_eq!(perms.vendor_granted, ["?-x"]);
    }

    #[test]
    fn funds_moving_and_paying_out_are_decided_over_every_such_right() {
        let mut perms = Permissions::new();
        for p in Permission::NORMALIZED {
            perms.set(p, Grant::Denied);
        }
        assert_eq!(perms.moves_funds(), Grant::Denied);
        perms.set(Permission::Payment, Grant::NotReported);
        assert_eq!(perms.moves_funds(), Grant::NotReported);
        assert_eq!(perms.pays_out(), Grant::NotReported);
        perms.set(Permission::UniversalTransfer, Grant::Granted);
        assert_eq!(perms.moves_funds(), Grant::Granted);
        assert_eq!(perms.pays_out(), Grant::NotReported);
        perms.relax(&[Permission::Withdraw, Permission::UniversalTransfer]);
        assert_eq!(perms.get(&Permission::Withdraw), Grant::NotReported);
        assert_eq!(perms.get(&Permission::UniversalTransfer), Grant::Granted);
    }
}

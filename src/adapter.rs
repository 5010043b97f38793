//! The one trait every exchange implements, and what it says about itself.

use std::fmt;

use async_trait::async_trait;
use secrecy::SecretString;
use serde::Serialize;

pub use crate::error::Operation;
use crate::error::{Error, Result};
use crate::id::ExchangeId;
use crate::model::{KeyInfo, Permission};

/// How far an exchange adapter supports an operation or reports a field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Support {
    /// The exchange's API does it and this crate uses it.
    Native,
    /// This crate derives it from other calls or fields (documented per adapter).
    Emulated,
    /// Not available; the operation returns [`Error::Unsupported`], the field is
    /// [`crate::Reported::NotReported`].
    #[default]
    Unsupported,
}

impl Support {
    /// Whether the operation can be called or the field can be `Known`.
    pub fn is_available(self) -> bool {
        !matches!(self, Support::Unsupported)
    }

    /// A short mark for tables: `yes`, `derived`, `no`.
    pub fn mark(self) -> &'static str {
        match self {
            Support::Native => "yes",
            Support::Emulated => "derived",
            Support::Unsupported => "no",
        }
    }
}

/// Static facts about an adapter: what it can do and which fields its exchange reports.
///
/// The conformance suite checks every adapter against these: an available operation works
/// against the simulated exchange, an unsupported one returns [`Error::Unsupported`], and an
/// unsupported field is never `Known`.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// [`KeyAdapter::key_info`].
    pub key_info: Support,
    /// [`KeyAdapter::list_keys`].
    pub list_keys: Support,
    /// [`KeyAdapter::revoke`] of another key ([`KeyRef::Other`]).
    pub revoke: Support,
    /// [`KeyAdapter::revoke`] of the key in use ([`KeyRef::Own`]): the adapter is cut off after.
    pub revoke_own: Support,
    /// [`KeyAdapter::create_key`].
    pub create_key: Support,
    /// [`KeyAdapter::update_key`]: label, permissions or allowlist of a key.
    pub update_key: Support,
    /// [`KeyAdapter::set_key_enabled`]: disable a key without deleting it, and enable it again.
    pub set_key_enabled: Support,
    /// [`KeyAdapter::reset_secret`]: a new secret for the same key id.
    pub reset_secret: Support,
    /// [`KeyAdapter::revoke_all`]: an exchange's kill switch, revoking every key of every
    /// account of the login at once (Bitstamp), where it has no way to revoke one key.
    pub revoke_all: Support,
    /// The key's id appears in [`KeyInfo::key_id`].
    pub reports_key_id: Support,
    /// [`KeyInfo::label`].
    pub reports_label: Support,
    /// Whether an allowlist is set ([`KeyInfo::ip_restriction`] other than `NotReported`).
    pub reports_ip_restriction: Support,
    /// The allowlist's addresses (not only whether one is set).
    pub reports_ip_list: Support,
    /// [`KeyInfo::created_at`].
    pub reports_created_at: Support,
    /// [`KeyInfo::expires_at`].
    pub reports_expiry: Support,
    /// [`KeyInfo::trading_expires_at`].
    pub reports_trading_expiry: Support,
    /// [`KeyInfo::last_used_at`].
    pub reports_last_used: Support,
    /// [`KeyInfo::enabled`].
    pub reports_enabled: Support,
    /// [`KeyInfo::account`].
    pub reports_account_kind: Support,
    /// [`KeyInfo::delegation`]: a third-party application, a manager or a custodian.
    pub reports_delegation: Support,
    /// A testnet or demo environment where key introspection works.
    pub sandbox: Support,
}

impl Capabilities {
    /// Nothing supported: the starting point for an adapter's declaration.
    pub const NONE: Capabilities = Capabilities {
        key_info: Support::Unsupported,
        list_keys: Support::Unsupported,
        revoke: Support::Unsupported,
        revoke_own: Support::Unsupported,
        create_key: Support::Unsupported,
        update_key: Support::Unsupported,
        set_key_enabled: Support::Unsupported,
        reset_secret: Support::Unsupported,
        revoke_all: Support::Unsupported,
        reports_key_id: Support::Unsupported,
        reports_label: Support::Unsupported,
        reports_ip_restriction: Support::Unsupported,
        reports_ip_list: Support::Unsupported,
        reports_created_at: Support::Unsupported,
        reports_expiry: Support::Unsupported,
        reports_trading_expiry: Support::Unsupported,
        reports_last_used: Support::Unsupported,
        reports_enabled: Support::Unsupported,
        reports_account_kind: Support::Unsupported,
        reports_delegation: Support::Unsupported,
        sandbox: Support::Unsupported,
    };

    /// Every entry as `(name, support)`, in a stable order, for tables and checks.
    pub fn entries(&self) -> [(&'static str, Support); 21] {
        [
            ("key_info", self.key_info),
            ("list_keys", self.list_keys),
            ("revoke", self.revoke),
            ("revoke_own", self.revoke_own),
            ("create_key", self.create_key),
            ("update_key", self.update_key),
            ("set_key_enabled", self.set_key_enabled),
            ("reset_secret", self.reset_secret),
            ("revoke_all", self.revoke_all),
            ("key_id", self.reports_key_id),
            ("label", self.reports_label),
            ("ip_restriction", self.reports_ip_restriction),
            ("ip_list", self.reports_ip_list),
            ("created_at", self.reports_created_at),
            ("expiry", self.reports_expiry),
            ("trading_expiry", self.reports_trading_expiry),
            ("last_used", self.reports_last_used),
            ("enabled", self.reports_enabled),
            ("account_kind", self.reports_account_kind),
            ("delegation", self.reports_delegation),
            ("sandbox", self.sandbox),
        ]
    }
}

/// Which key an operation targets.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyRef {
    /// The key the adapter authenticates with.
    Own,
    /// Another key, by its public id (a sub-account key managed by the calling master key).
    /// Built with [`KeyRef::other`] or [`KeyRef::sub_account_key`], and
    /// [`KeyRef::with_passphrase`]; matched with `..`, since fields may be added.
    #[non_exhaustive]
    Other {
        /// The key's public id.
        key_id: String,
        /// The sub-account it belongs to, where the exchange needs it.
        sub_account: Option<String>,
        /// The key's own passphrase, where the exchange asks for it to manage the key (KuCoin
        /// deletes and changes a sub-account key only with it; see
        /// [`ExchangeId::revoke_needs_key_passphrase`](crate::ExchangeId::revoke_needs_key_passphrase)).
        passphrase: Option<KeyPassphrase>,
    },
}

impl KeyRef {
    /// Another key, by its public id.
    pub fn other(key_id: impl Into<String>) -> KeyRef {
        KeyRef::Other {
            key_id: key_id.into(),
            sub_account: None,
            passphrase: None,
        }
    }

    /// A key of `sub_account`, by its public id: what a master key manages.
    pub fn sub_account_key(key_id: impl Into<String>, sub_account: impl Into<String>) -> KeyRef {
        KeyRef::Other {
            key_id: key_id.into(),
            sub_account: Some(sub_account.into()),
            passphrase: None,
        }
    }

    /// The same key, with its own passphrase, for exchanges that manage a key only with it
    /// (KuCoin's sub-account keys). [`KeyRef::Own`] has none to carry: it is returned as it is.
    pub fn with_passphrase(self, passphrase: SecretString) -> KeyRef {
        match self {
            KeyRef::Other {
                key_id,
                sub_account,
                ..
            } => KeyRef::Other {
                key_id,
                sub_account,
                passphrase: Some(KeyPassphrase(passphrase)),
            },
            own => own,
        }
    }

    /// The key's own passphrase, where one was given.
    pub fn passphrase(&self) -> Option<&SecretString> {
        match self {
            KeyRef::Other {
                passphrase: Some(passphrase),
                ..
            } => Some(&passphrase.0),
            _ => None,
        }
    }
}

/// A key's own passphrase, carried by [`KeyRef::Other`]: never shown by `Debug`, compared in
/// constant time.
#[derive(Clone)]
pub struct KeyPassphrase(SecretString);

impl KeyPassphrase {
    /// The passphrase.
    pub fn secret(&self) -> &SecretString {
        &self.0
    }
}

impl From<SecretString> for KeyPassphrase {
    fn from(passphrase: SecretString) -> Self {
        KeyPassphrase(passphrase)
    }
}

impl fmt::Debug for KeyPassphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyPassphrase([redacted])")
    }
}

impl PartialEq for KeyPassphrase {
    fn eq(&self, other: &Self) -> bool {
        use secrecy::ExposeSecret;
        let (a, b) = (
            self.0.expose_secret().as_bytes(),
            other.0.expose_secret().as_bytes(),
        );
        // Every byte is looked at, whatever differs first: the time taken tells only the length.
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
    }
}

impl Eq for KeyPassphrase {}

/// A typed "I mean it" for [`KeyAdapter::revoke`]: revoking cannot be undone, and revoking the
/// key in use (Bybit `delete-api`) cuts off the caller at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevokeConfirm {
    /// Revoke, knowing that the key is gone for good and, for [`KeyRef::Own`], that this
    /// adapter stops working immediately.
    IUnderstandThisIsIrreversible,
}

/// A typed "I mean it" for [`KeyAdapter::revoke_all`], whose blast radius is the whole login:
/// every key of the main account and of every sub-account dies, the caller's included, and every
/// application using any of them stops at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevokeAllConfirm {
    /// Revoke every key on every account, this adapter's own included.
    IUnderstandEveryKeyOnEveryAccountDies,
}

/// The outcome of [`KeyAdapter::revoke_all`].
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RevokedAll {
    /// The exchange.
    pub exchange: ExchangeId,
    /// The public ids of the keys the exchange says it revoked, where its answer names them.
    pub key_ids: Vec<String>,
    /// How many keys the exchange's answer lists, named or not.
    pub count: Option<usize>,
    /// The exchange's answer, scrubbed of secrets: the evidence.
    pub raw: serde_json::Value,
}

/// The outcome of a revocation.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Revoked {
    /// The exchange.
    pub exchange: ExchangeId,
    /// The key's public id, where known.
    pub key_id: Option<String>,
}

/// What a new key should be allowed to do.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewKeySpec {
    /// Label for the new key.
    pub label: String,
    /// Permissions to grant.
    pub permissions: Vec<Permission>,
    /// Allowed addresses; empty is refused by adapters, since an unrestricted key is the risk
    /// this crate exists to find.
    pub allowed_ips: Vec<String>,
    /// The sub-account to create the key for, where the exchange needs one.
    pub sub_account: Option<String>,
}

impl NewKeySpec {
    /// A key labelled `label` with `permissions`, bound to no address yet: add them with
    /// [`NewKeySpec::allowed_ips`].
    pub fn new(label: impl Into<String>, permissions: Vec<Permission>) -> NewKeySpec {
        NewKeySpec {
            label: label.into(),
            permissions,
            allowed_ips: Vec::new(),
            sub_account: None,
        }
    }

    /// The addresses the key accepts calls from.
    pub fn allowed_ips<I: Into<String>>(mut self, ips: impl IntoIterator<Item = I>) -> Self {
        self.allowed_ips = ips.into_iter().map(Into::into).collect();
        self
    }

    /// The sub-account the key is for.
    pub fn sub_account(mut self, sub_account: impl Into<String>) -> Self {
        self.sub_account = Some(sub_account.into());
        self
    }
}

/// What to change on an existing key: each field set replaces the key's own; fields left
/// `None` stay as they are.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyChange {
    /// A new label.
    pub label: Option<String>,
    /// The complete new set of permissions.
    pub permissions: Option<Vec<Permission>>,
    /// The complete new allowlist. Empty, wildcard or all-covering lists are refused, as for
    /// new keys.
    pub allowed_ips: Option<Vec<String>>,
}

impl KeyChange {
    /// No change yet.
    pub fn new() -> Self {
        KeyChange::default()
    }

    /// Sets a new label.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Replaces the permissions.
    pub fn permissions(mut self, permissions: Vec<Permission>) -> Self {
        self.permissions = Some(permissions);
        self
    }

    /// Replaces the allowlist.
    pub fn allowed_ips<I: Into<String>>(mut self, ips: impl IntoIterator<Item = I>) -> Self {
        self.allowed_ips = Some(ips.into_iter().map(Into::into).collect());
        self
    }

    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.label.is_none() && self.permissions.is_none() && self.allowed_ips.is_none()
    }
}

/// How an exchange asks for a second factor.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeMethod {
    /// A time-based one-time code from an authenticator app.
    Totp,
    /// A code sent by e-mail.
    EmailCode,
    /// A code sent by SMS.
    SmsCode,
    /// Another method, as the exchange names it (a hardware security key, …).
    Other(String),
}

/// An exchange's request for a second factor before a sensitive call (Deribit's
/// security-key challenge on key management; HTX's one-time code for sub-user keys).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Challenge {
    /// The exchange asking.
    pub exchange: ExchangeId,
    /// The operation waiting for the answer.
    pub operation: Operation,
    /// How the code is obtained.
    pub method: ChallengeMethod,
    /// What the exchange said, for a person to read.
    pub prompt: String,
}

impl Challenge {
    /// A challenge of `exchange` for `operation`.
    pub fn new(
        exchange: ExchangeId,
        operation: Operation,
        method: ChallengeMethod,
        prompt: impl Into<String>,
    ) -> Self {
        Challenge {
            exchange,
            operation,
            method,
            prompt: prompt.into(),
        }
    }
}

/// Answers an exchange's second-factor challenge: a prompt on a terminal, a TOTP generator
/// holding the seed, an approval queue. Given to an adapter with
/// [`AdapterBuilder::second_factor`](crate::AdapterBuilder::second_factor); without one, a
/// challenged call fails with [`crate::AuthReason::SecondFactorRequired`].
///
/// The answer is sent once, with the challenged call; a refused answer is an error, never
/// a loop.
#[async_trait]
pub trait SecondFactor: fmt::Debug + Send + Sync {
    /// The code answering `challenge`. An error abandons the call; nothing was carried out.
    async fn answer(&self, challenge: &Challenge) -> Result<SecretString>;
}

/// A newly created key. The secret is only ever returned here: store it before anything else.
#[non_exhaustive]
pub struct NewKey {
    /// The exchange.
    pub exchange: ExchangeId,
    /// The new key's public id.
    pub api_key: String,
    /// The new key's secret.
    pub secret: SecretString,
    /// The passphrase, where the exchange uses one.
    pub passphrase: Option<SecretString>,
}

impl fmt::Debug for NewKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewKey")
            .field("exchange", &self.exchange)
            .field("api_key", &self.api_key)
            .field("secret", &"[redacted]")
            .field(
                "passphrase",
                &self.passphrase.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// One exchange's view of API keys. Object-safe: hold adapters as `Arc<dyn KeyAdapter>`.
///
/// Only [`KeyAdapter::key_info`] is required; the other operations default to
/// [`Error::Unsupported`] naming the manual step. Helpers that build on these (audit, rotation,
/// age checks) live outside the trait, so adding one never breaks an adapter.
#[async_trait]
pub trait KeyAdapter: fmt::Debug + Send + Sync + 'static {
    /// The exchange this adapter talks to.
    fn exchange(&self) -> ExchangeId;

    /// What this adapter supports; static, no I/O.
    fn capabilities(&self) -> Capabilities;

    /// Asks the exchange what the adapter's own key can do.
    async fn key_info(&self) -> Result<KeyInfo>;

    /// What a person does by hand when `operation` is not available through this adapter:
    /// where to click on the exchange's website. The default is generic; adapters name the
    /// exchange's own page.
    fn manual_step(&self, operation: Operation) -> String {
        let _ = operation;
        format!(
            "log in to {}, open its API management page, and do it there",
            self.exchange().display_name()
        )
    }

    /// Revokes a key. Irreversible; see [`RevokeConfirm`].
    async fn revoke(&self, target: KeyRef, confirm: RevokeConfirm) -> Result<Revoked> {
        let _ = confirm;
        Err(self.unsupported(match target {
            KeyRef::Own => Operation::RevokeOwn,
            _ => Operation::Revoke,
        }))
    }

    /// Creates a key. Never retried: a retry could create a second key.
    async fn create_key(&self, spec: &NewKeySpec) -> Result<NewKey> {
        let _ = spec;
        Err(self.unsupported(Operation::CreateKey))
    }

    /// Lists the keys the adapter's key can see (a master key: its sub-accounts' keys too,
    /// where the exchange lets it).
    async fn list_keys(&self) -> Result<Vec<KeyInfo>> {
        Err(self.unsupported(Operation::ListKeys))
    }

    /// Changes a key's label, permissions or allowlist. Never retried blindly.
    async fn update_key(&self, target: KeyRef, change: &KeyChange) -> Result<()> {
        let _ = (target, change);
        Err(self.unsupported(Operation::UpdateKey))
    }

    /// Disables (`false`) or enables (`true`) a key without deleting it.
    async fn set_key_enabled(&self, target: KeyRef, enabled: bool) -> Result<()> {
        let _ = (target, enabled);
        Err(self.unsupported(Operation::SetKeyEnabled))
    }

    /// Gives a key a new secret, keeping its id. The old secret stops working at once: every
    /// application using it is cut off until it gets the new one. Irreversible; see
    /// [`RevokeConfirm`].
    async fn reset_secret(&self, target: KeyRef, confirm: RevokeConfirm) -> Result<NewKey> {
        let _ = (target, confirm);
        Err(self.unsupported(Operation::ResetSecret))
    }

    /// Revokes every key of every account of the login at once: an exchange's kill switch, for
    /// a breach, where the exchange cannot revoke one key (Bitstamp). The adapter's own key dies
    /// too. Never retried blindly. Irreversible; see [`RevokeAllConfirm`].
    async fn revoke_all(&self, confirm: RevokeAllConfirm) -> Result<RevokedAll> {
        let _ = confirm;
        Err(self.unsupported(Operation::RevokeAll))
    }

    /// The [`Error::Unsupported`] for `operation`, with this adapter's manual step.
    fn unsupported(&self, operation: Operation) -> Error {
        Error::Unsupported {
            exchange: self.exchange(),
            operation,
            manual_step: self.manual_step(operation),
        }
    }
}

/// Why [`KeyAdapterExt::require_read_only`] refused a key.
#[non_exhaustive]
#[derive(Debug)]
pub enum NotReadOnly {
    /// The key could not be inspected.
    Inspection(Error),
    /// The exchange reports these rights granted.
    Granted {
        /// The rights beyond reading the exchange reports granted.
        rights: Vec<Permission>,
        /// What the exchange said.
        info: Box<KeyInfo>,
    },
    /// The exchange does not say whether these rights are granted: not proven read-only.
    Unknown {
        /// The rights the exchange leaves unreported.
        rights: Vec<Permission>,
        /// What the exchange said.
        info: Box<KeyInfo>,
    },
}

impl fmt::Display for NotReadOnly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |rights: &[Permission]| {
            rights
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            NotReadOnly::Inspection(error) => write!(f, "the key could not be inspected: {error}"),
            NotReadOnly::Granted { rights, info } => write!(
                f,
                "{}: the key is not read-only: it holds {}",
                info.exchange,
                names(rights)
            ),
            NotReadOnly::Unknown { rights, info } => write!(
                f,
                "{}: the key is not proven read-only: the exchange does not say whether it holds {}",
                info.exchange,
                names(rights)
            ),
        }
    }
}

impl std::error::Error for NotReadOnly {}

/// Helpers on every [`KeyAdapter`], built from its operations: adding one never touches an
/// adapter (as `object_store`'s `ObjectStoreExt`). In scope with `use exchange_keys::KeyAdapterExt`.
#[async_trait]
pub trait KeyAdapterExt: KeyAdapter {
    /// Inspects the key and accepts it only if the exchange says it can do nothing but read:
    /// for platforms that take their users' keys. A right the exchange does not report is a
    /// refusal too ([`NotReadOnly::Unknown`]): not reported is never safe.
    async fn require_read_only(&self) -> std::result::Result<KeyInfo, NotReadOnly> {
        let info = self.key_info().await.map_err(NotReadOnly::Inspection)?;
        let rights_in = |wanted: crate::model::Grant| -> Vec<Permission> {
            Permission::WRITE
                .into_iter()
                .chain(
                    info.permissions
                        .iter()
                        .map(|(p, _)| p.clone())
                        .filter(|p| matches!(p, Permission::Other(_))),
                )
                .filter(|p| info.permissions.get(p) == wanted)
                .collect()
        };
        let granted = rights_in(crate::model::Grant::Granted);
        if !granted.is_empty() {
            return Err(NotReadOnly::Granted {
                rights: granted,
                info: Box::new(info),
            });
        }
        let unknown = rights_in(crate::model::Grant::NotReported);
        if !unknown.is_empty() {
            return Err(NotReadOnly::Unknown {
                rights: unknown,
                info: Box::new(info),
            });
        }
        Ok(info)
    }

    /// [`KeyAdapter::key_info`], given up after `deadline` (retries included) with a
    /// [`crate::error::TransportKind::Timeout`] error.
    async fn key_info_within(&self, deadline: std::time::Duration) -> Result<KeyInfo> {
        match tokio::time::timeout(deadline, self.key_info()).await {
            Ok(outcome) => outcome,
            Err(_) => Err(Error::Transport {
                exchange: Some(self.exchange()),
                kind: crate::error::TransportKind::Timeout,
                message: format!("no answer within the {} ms allowed", deadline.as_millis()),
            }),
        }
    }
}

impl<T: KeyAdapter + ?Sized> KeyAdapterExt for T {}

//! From text to [`Config`]: TOML syntax, then the shape (serde, with the path of the field),
//! then the meaning (exchange ids, presets, rule ids, networks…), every error placed at the
//! line of the value it is about and cleaned of anything that could be a secret.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use ipnet::IpNet;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::raw::{RawAccount, RawConfig, RawPolicy, RawSource};
use super::{AccountConfig, Config, ConfigError, SecretSource};
use crate::audit::policy::Policy;
use crate::audit::rules::{RuleId, Severity};
use crate::error::Error;
use crate::id::ExchangeId;
use crate::model::{admits_every_address, IpEntry, Permission};

/// The exchanges whose keys carry a passphrase.
const NEEDS_PASSPHRASE: [ExchangeId; 3] = [ExchangeId::Okx, ExchangeId::Kucoin, ExchangeId::Bitget];

/// Keys whose values (and everything under them) may be secrets: they are scrubbed from every
/// message, whatever produced it.
const SECRET_KEYS: [&str; 4] = ["secret", "passphrase", "plaintext", "command"];

/// Shorter values are not scrubbed: replacing every `abc` in a message would garble it, and a
/// secret that short protects nothing anyway.
const MIN_SCRUBBED_LEN: usize = 4;

pub(super) fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
    let (document, syntax_errors) = DeTable::parse_recoverable(text);
    let mut secrets = Vec::new();
    collect_secrets(document.get_ref(), false, &mut secrets);
    let place = Place {
        text,
        origin,
        secrets,
    };
    if let Some(error) = syntax_errors.first() {
        // Only the parser's own description: the toml crate's Display would quote the line,
        // and the line may hold a secret.
        return Err(place.error(
            error.span(),
            None,
            format!("invalid TOML: {}", error.message()),
        ));
    }
    let raw: RawConfig = serde_path_to_error::deserialize(toml::Deserializer::from(document))
        .map_err(|e| {
            let field = field_path(e.path());
            let message = shape_message(e.inner().message(), field.as_deref());
            place.error(e.inner().span(), field, message)
        })?;
    let policy = policy(raw.policy, &place)?;
    let accounts = accounts(raw.account, &place)?;
    Ok(Config { policy, accounts })
}

/// Where errors are placed, and what they must never contain.
struct Place<'a> {
    text: &'a str,
    origin: &'a str,
    secrets: Vec<String>,
}

impl Place<'_> {
    fn error(
        &self,
        span: Option<Range<usize>>,
        field: Option<String>,
        message: String,
    ) -> ConfigError {
        let (line, column) = match span {
            Some(span) => {
                let (line, column) = line_column(self.text, span.start);
                (Some(line), Some(column))
            }
            None => (None, None),
        };
        ConfigError {
            file: self.origin.to_owned(),
            line,
            column,
            field: field.map(|field| self.scrub(field)),
            message: self.scrub(message),
        }
    }

    fn at(&self, span: Range<usize>, field: impl Into<String>, message: String) -> ConfigError {
        self.error(Some(span), Some(field.into()), message)
    }

    /// Removes every secret value the file holds from `text`: a last line of defence behind
    /// messages written not to quote values in the first place.
    fn scrub(&self, mut text: String) -> String {
        for secret in &self.secrets {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), "[redacted]");
            }
        }
        text
    }
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Every string (and number) under a secret-bearing key, wherever it is in the document.
fn collect_secrets(table: &DeTable<'_>, inside: bool, out: &mut Vec<String>) {
    for (key, value) in table.iter() {
        let key: &str = key.get_ref().as_ref();
        // A variable's name is no secret, and scrubbing it could garble a message that
        // happens to contain the same word (an account named like the variable).
        if inside && key == "env" {
            continue;
        }
        // Under a secret, a key may be a secret typed where a source's `env`, `command` or
        // `plaintext` belongs, and serde names unknown keys in its errors. A key that reads
        // like a field name (`environment`, `note`) is kept, to name the typo.
        if inside && !looks_like_a_field_name(key) {
            push_secret(key, out);
        }
        let secret = inside || SECRET_KEYS.contains(&key);
        collect_value(value.get_ref(), secret, out);
    }
}

/// Lowercase ASCII letters, `_` and `-`, starting with a letter, at most 32 characters: what
/// field names look like and generated secrets (mixed case, digits, symbols, long) do not.
fn looks_like_a_field_name(key: &str) -> bool {
    key.len() <= 32
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '_' || c == '-')
}

fn collect_value(value: &DeValue<'_>, inside: bool, out: &mut Vec<String>) {
    match value {
        DeValue::String(text) if inside => push_secret(text, out),
        DeValue::Integer(number) if inside => push_secret(number.as_str(), out),
        DeValue::Float(number) if inside => push_secret(number.as_str(), out),
        DeValue::Array(items) => {
            for item in items.iter() {
                collect_value(item.get_ref(), inside, out);
            }
        }
        DeValue::Table(table) => collect_secrets(table, inside, out),
        _ => {}
    }
}

fn push_secret(value: &str, out: &mut Vec<String>) {
    if value.chars().count() >= MIN_SCRUBBED_LEN {
        out.push(value.to_owned());
        let trimmed = value.trim();
        if trimmed != value && trimmed.chars().count() >= MIN_SCRUBBED_LEN {
            out.push(trimmed.to_owned());
        }
    }
}

/// `account[1].secret` from serde's path, without the `Spanned` wrappers' private keys.
fn field_path(path: &serde_path_to_error::Path) -> Option<String> {
    use serde_path_to_error::Segment;
    let mut field = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => field.push_str(&format!("[{index}]")),
            Segment::Map { key } if key.starts_with("$__") => {}
            Segment::Map { key } => {
                if !field.is_empty() {
                    field.push('.');
                }
                field.push_str(key);
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    (!field.is_empty()).then_some(field)
}

/// serde's message for a value of the wrong shape, made safe and made clearer.
fn shape_message(message: &str, field: Option<&str>) -> String {
    if message.contains("$__toml_private_datetime") {
        return "a date-time is not allowed here".to_owned();
    }
    // serde writes `invalid type: string "the value", expected …`: the value may be a secret
    // typed into the wrong key, so only its kind is kept. The last `, expected ` is serde's:
    // the value itself may hold the same words.
    let message = match message.rsplit_once(", expected ") {
        Some((found, expected))
            if found.starts_with("invalid type: string ")
                || found.starts_with("invalid value: string ") =>
        {
            let kind = found.split(" string ").next().unwrap_or(found);
            format!("{kind} string, expected {expected}")
        }
        _ => message.to_owned(),
    };
    if field == Some("account") && message.contains("expected a sequence") {
        return format!("{message}: write each account as `[[account]]`, with two brackets");
    }
    message
}

/// A value as it may appear in a message: quoted, escaped, and cut short.
fn shown(value: &str) -> String {
    let escaped: String = value.escape_debug().collect();
    let mut shown: String = escaped.chars().take(64).collect();
    if escaped.chars().count() > 64 {
        shown.push('…');
    }
    format!("`{shown}`")
}

fn policy(raw: Option<Spanned<RawPolicy>>, place: &Place<'_>) -> Result<Policy, ConfigError> {
    let Some(raw) = raw else {
        return Ok(Policy::default());
    };
    let raw = raw.into_inner();
    let mut policy = match &raw.preset {
        Some(preset) => Policy::preset(preset.get_ref()).ok_or_else(|| {
            place.at(
                preset.span(),
                "policy.preset",
                format!(
                    "unknown preset {} (known: default, read-only, trading-bot)",
                    shown(preset.get_ref())
                ),
            )
        })?,
        None => Policy::default(),
    };
    if let Some(name) = raw.name {
        if name.get_ref().trim().is_empty() {
            return Err(place.at(name.span(), "policy.name", "is empty".to_owned()));
        }
        policy.name = name.into_inner();
    }
    if let Some(needs) = raw.needs {
        let mut parsed = BTreeSet::new();
        for (index, need) in needs.into_iter().enumerate() {
            let permission = need.get_ref().parse::<Permission>().map_err(|_| {
                let known: Vec<String> = Permission::NORMALIZED
                    .iter()
                    .map(|p| p.to_string())
                    .collect();
                place.at(
                    need.span(),
                    format!("policy.needs[{index}]"),
                    format!(
                        "unknown permission {} (known: {}, or `other:<the exchange's name>`)",
                        shown(need.get_ref()),
                        known.join(", ")
                    ),
                )
            })?;
            parsed.insert(permission);
        }
        policy.needs = Some(parsed);
    }
    if let Some(networks) = raw.allowed_networks {
        let mut parsed = Vec::new();
        let first = networks.first().map(Spanned::span);
        for (index, network) in networks.into_iter().enumerate() {
            let net = parse_network(network.get_ref()).map_err(|why| {
                place.at(
                    network.span(),
                    format!("policy.allowed_networks[{index}]"),
                    why,
                )
            })?;
            parsed.push(net);
        }
        let entries: Vec<IpEntry> = parsed.iter().copied().map(IpEntry::Net).collect();
        if admits_every_address(&entries) {
            return Err(place.error(
                first,
                Some("policy.allowed_networks".to_owned()),
                "admits every address, so the `allowlist-outside-policy` rule could never fail: \
                 list your own networks, or add the rule to `ignore`"
                    .to_owned(),
            ));
        }
        policy.allowed_networks = Some(parsed);
    }
    if let Some(apps) = raw.allowed_apps {
        policy.allowed_apps = apps;
    }
    if let Some(days) = raw.max_age_days {
        policy.max_age_days = days;
    }
    if let Some(days) = raw.expiry_warning_days {
        policy.expiry_warning_days = days;
    }
    if let Some(days) = raw.max_unused_days {
        policy.max_unused_days = days;
    }
    if let Some(labels) = raw.generic_labels {
        policy.generic_labels = labels;
    }
    for (rule, severity) in raw.severity.unwrap_or_default() {
        let field = format!("policy.severity.{}", rule.get_ref());
        let id = parse_rule(rule.get_ref()).map_err(|why| place.at(rule.span(), &field, why))?;
        let level = severity.get_ref().parse::<Severity>().map_err(|_| {
            place.at(
                severity.span(),
                &field,
                format!(
                    "unknown severity {} (known: info, low, medium, high, critical)",
                    shown(severity.get_ref())
                ),
            )
        })?;
        policy.severity.insert(id, level);
    }
    for (index, rule) in raw.ignore.unwrap_or_default().into_iter().enumerate() {
        let id = parse_rule(rule.get_ref())
            .map_err(|why| place.at(rule.span(), format!("policy.ignore[{index}]"), why))?;
        policy.ignore.insert(id);
    }
    Ok(policy)
}

fn parse_rule(text: &str) -> Result<RuleId, String> {
    text.parse::<RuleId>().map_err(|_| {
        let known: Vec<&str> = RuleId::all().map(RuleId::as_str).collect();
        format!("unknown rule {} (known: {})", shown(text), known.join(", "))
    })
}

/// A network (`203.0.113.0/24`) or a single address (`203.0.113.7`). A network with host bits
/// set is refused: `203.0.113.7/24` is a typo for `/32` as often as for `.0/24`.
fn parse_network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    if let Ok(net) = text.parse::<IpNet>() {
        if net.trunc() != net {
            return Err(format!(
                "{} has host bits set: write `{}` for the network, or `{}/{}` for the address",
                shown(text),
                net.trunc(),
                net.addr(),
                net.max_prefix_len()
            ));
        }
        return Ok(net);
    }
    if let Ok(address) = text.parse::<std::net::IpAddr>() {
        return Ok(IpNet::from(address));
    }
    Err(format!(
        "{} is not a network or an address (write `203.0.113.0/24`, `2001:db8::/48` or `203.0.113.7`)",
        shown(text)
    ))
}

fn accounts(
    raw: Option<Spanned<Vec<Spanned<RawAccount>>>>,
    place: &Place<'_>,
) -> Result<Vec<AccountConfig>, ConfigError> {
    const NONE: &str = "no accounts: add at least one `[[account]]` table";
    let Some(raw) = raw else {
        return Err(place.error(None, Some("account".to_owned()), NONE.to_owned()));
    };
    let span = raw.span();
    let raw = raw.into_inner();
    if raw.is_empty() {
        return Err(place.at(span, "account", NONE.to_owned()));
    }
    let mut first_of: HashMap<String, usize> = HashMap::new();
    let mut accounts = Vec::with_capacity(raw.len());
    for (index, account) in raw.into_iter().enumerate() {
        let (account, name_span) = self::account(index, account, place)?;
        if let Some(first) = first_of.get(&account.name) {
            return Err(place.at(
                name_span,
                format!("account[{index}].name"),
                format!(
                    "duplicate account name {} (also account[{first}]): names must be unique",
                    shown(&account.name)
                ),
            ));
        }
        first_of.insert(account.name.clone(), index);
        accounts.push(account);
    }
    Ok(accounts)
}

fn account(
    index: usize,
    raw: Spanned<RawAccount>,
    place: &Place<'_>,
) -> Result<(AccountConfig, Range<usize>), ConfigError> {
    let table = raw.span();
    let raw = raw.into_inner();
    let field = |name: &str| format!("account[{index}].{name}");
    let missing = |name: &str| {
        place.at(
            table.clone(),
            field(name),
            format!("`{name}` is missing: every account needs one"),
        )
    };

    let name = raw.name.ok_or_else(|| missing("name"))?;
    if name.get_ref().trim().is_empty() {
        return Err(place.at(name.span(), field("name"), "is empty".to_owned()));
    }
    let exchange = raw.exchange.ok_or_else(|| missing("exchange"))?;
    let id = parse_exchange(exchange.get_ref())
        .map_err(|why| place.at(exchange.span(), field("exchange"), why))?;
    let application = match raw.application {
        Some(application) if application.get_ref().trim().is_empty() => {
            return Err(place.at(
                application.span(),
                field("application"),
                "is empty: leave it out, or name the application".to_owned(),
            ))
        }
        Some(application) => Some(application.into_inner()),
        None => None,
    };
    let api_key = raw.api_key.ok_or_else(|| missing("api_key"))?;
    let secret = raw.secret.ok_or_else(|| missing("secret"))?;
    let passphrase = match (raw.passphrase, NEEDS_PASSPHRASE.contains(&id)) {
        (Some(passphrase), true) => Some(source(passphrase)),
        (None, true) => {
            return Err(place.at(
                table,
                field("passphrase"),
                format!(
                    "{} keys need their passphrase: add `passphrase = {{ env = \"…\" }}`",
                    id.display_name()
                ),
            ))
        }
        (Some(passphrase), false) => {
            return Err(place.at(
                passphrase.span(),
                field("passphrase"),
                format!(
                    "{} keys have no passphrase: remove `passphrase`",
                    id.display_name()
                ),
            ))
        }
        (None, false) => None,
    };
    let base_url = match raw.base_url {
        Some(url) => {
            crate::transport::validate_base_url(id, url.get_ref()).map_err(|error| {
                let why = match error {
                    Error::Config { message, .. } => message,
                    other => other.to_string(),
                };
                place.at(url.span(), field("base_url"), why)
            })?;
            Some(url.into_inner())
        }
        None => None,
    };
    let name_span = name.span();
    let account = AccountConfig {
        name: name.into_inner(),
        exchange: id,
        application,
        api_key: source(api_key),
        secret: source(secret),
        passphrase,
        sandbox: raw.sandbox.unwrap_or(false),
        base_url,
    };
    Ok((account, name_span))
}

fn source(raw: Spanned<RawSource>) -> SecretSource {
    raw.into_inner().0
}

/// An exchange id this build has an adapter for.
fn parse_exchange(text: &str) -> Result<ExchangeId, String> {
    let supported: Vec<String> = ExchangeId::supported()
        .iter()
        .map(|id| id.to_string())
        .collect();
    let id = text.parse::<ExchangeId>().map_err(|_| {
        let known: Vec<&str> = ExchangeId::ALL.iter().map(|id| id.as_str()).collect();
        let guess = ExchangeId::ALL
            .iter()
            .map(|id| {
                (
                    edit_distance(&text.trim().to_ascii_lowercase(), id.as_str()),
                    id,
                )
            })
            .filter(|(distance, _)| *distance <= 2)
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, id)| format!("; did you mean `{id}`?"))
            .unwrap_or_default();
        format!(
            "unknown exchange {} (known: {}){guess}",
            shown(text),
            known.join(", ")
        )
    })?;
    if !id.is_supported() {
        return Err(format!(
            "this build has no adapter for {} (`{id}`): it is not implemented yet or its cargo feature `{id}` is off (this build supports: {})",
            id.display_name(),
            supported.join(", ")
        ));
    }
    Ok(id)
}

/// Levenshtein distance, for suggesting the id a typo meant.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            let insertion = current[j] + 1;
            let deletion = previous[j + 1] + 1;
            current.push(substitution.min(insertion).min(deletion));
        }
        previous = current;
    }
    previous[b.len()]
}

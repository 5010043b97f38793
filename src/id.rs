//! The vocabulary every other module builds on: [`ExchangeId`] and [`Environment`]. A leaf:
//! it names no other module of the crate.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! exchange_ids {
    ($($variant:ident => $id:literal, $name:literal;)*) => {
        /// An exchange, by its lowercase id (`binance`, `kraken-futures`, …).
        ///
        /// Every exchange this project plans to cover has an id; [`ExchangeId::is_supported`] says
        /// whether this build has an adapter for it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum ExchangeId {
            $(#[doc = $name] $variant,)*
        }

        impl ExchangeId {
            /// Every known exchange id, supported or not.
            pub const ALL: &'static [ExchangeId] = &[$(ExchangeId::$variant,)*];

            /// The lowercase id, as in `FromStr` and `Display`.
            pub fn as_str(self) -> &'static str {
                match self { $(ExchangeId::$variant => $id,)* }
            }

            /// The exchange's name for people.
            pub fn display_name(self) -> &'static str {
                match self { $(ExchangeId::$variant => $name,)* }
            }

            /// The prefix of this exchange's environment variables: `BINANCE`,
            /// `KRAKEN_FUTURES`.
            pub fn env_prefix(self) -> String {
                self.as_str().to_ascii_uppercase().replace('-', "_")
            }
        }
    };
}

exchange_ids! {
    Binance => "binance", "Binance";
    Okx => "okx", "OKX";
    Bybit => "bybit", "Bybit";
    Coinbase => "coinbase", "Coinbase";
    Kraken => "kraken", "Kraken";
    KrakenFutures => "kraken-futures", "Kraken Futures";
    Kucoin => "kucoin", "KuCoin";
    Gate => "gate", "Gate";
    Htx => "htx", "HTX";
    Bitget => "bitget", "Bitget";
    Mexc => "mexc", "MEXC";
    Bingx => "bingx", "BingX";
    Deribit => "deribit", "Deribit";
    Gemini => "gemini", "Gemini";
    Bitfinex => "bitfinex", "Bitfinex";
    Bitstamp => "bitstamp", "Bitstamp";
}

impl fmt::Display for ExchangeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ExchangeId {
    type Err = UnknownExchange;

    fn from_str(s: &str) -> Result<Self, UnknownExchange> {
        let wanted = s.trim().to_ascii_lowercase();
        ExchangeId::ALL
            .iter()
            .copied()
            .find(|id| id.as_str() == wanted)
            .ok_or_else(|| UnknownExchange(s.chars().take(64).collect()))
    }
}

/// A name that is not an exchange id; converts into [`crate::Error::Config`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownExchange(pub String);

impl fmt::Display for UnknownExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known: Vec<&str> = ExchangeId::ALL.iter().map(|id| id.as_str()).collect();
        write!(
            f,
            "unknown exchange `{}`; known: {}",
            self.0,
            known.join(", ")
        )
    }
}

impl std::error::Error for UnknownExchange {}

impl Serialize for ExchangeId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ExchangeId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Which of an exchange's environments to talk to.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    /// The real exchange.
    #[default]
    Production,
    /// The exchange's own sandbox: whichever of testnet or demo it has
    /// ([`crate::AdapterBuilder::testnet`]).
    Sandbox,
    /// A separate testnet (Binance spot testnet, Bybit testnet).
    Testnet,
    /// Demo trading on production infrastructure (OKX `x-simulated-trading`, Bybit demo).
    Demo,
}

impl Environment {
    pub(crate) fn resolve(self, sandbox: Environment) -> Environment {
        match self {
            Environment::Sandbox => sandbox,
            other => other,
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Environment::Production => "production",
            Environment::Sandbox => "sandbox",
            Environment::Testnet => "testnet",
            Environment::Demo => "demo",
        })
    }
}

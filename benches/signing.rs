//! Signing cost per exchange, each beside the bare primitive of its scheme.
//!
//! - `bare/<exchange>`: the exchange's cryptography alone, over the exact bytes it signs for the
//!   key-information request, key set-up included: HMAC-SHA256 (or -SHA384) keyed per call;
//!   SHA-256 then HMAC-SHA512 for Kraken and Kraken Futures; SHA-512 of the body then
//!   HMAC-SHA512 for Gate; an ES256 or Ed25519 signature with the key already parsed for
//!   Coinbase. No encoding, no formatting, no allocation.
//! - `request/<exchange>`: everything the adapter does to sign that request, through
//!   [`RequestSigner::sign`](exchange_keys::exchanges::RequestSigner::sign), the code path the
//!   adapters use: timestamp or nonce, query, body, headers, encoding of the MAC, and the
//!   returned `SignedRequest`. The credentials are prepared once, as an adapter prepares them
//!   when it is built.
//! - `sign_request/<exchange>`: the same through `ExchangeId::sign_request`, which prepares
//!   the credentials on every call (a PEM parse for Coinbase).
//!
//! Targets (DESIGN.md): `request` within 1.5x of `bare`; ccxt's `sign()` for the same request
//! (`benches/ccxt_signing.py`) at least 30x slower. The clock is fixed at [`NOW_MS`].
//!
//! `cargo bench --bench signing` runs the divan benches. `cargo bench --bench signing -- --table`
//! measures `bare` and `request` alternately, batch by batch, and prints one JSON line per
//! exchange with both medians: on a shared, noisy machine only a ratio of two things measured
//! side by side means anything. `python3 benches/signing_table.py` runs that and ccxt, and
//! prints the table of `benches/README.md`.

use std::time::Instant;

use divan::black_box;
use exchange_keys::exchanges::RequestSigner;
use exchange_keys::{Credentials, Environment, ExchangeId, UnsignedRequest};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha384, Sha512};

fn main() {
    if std::env::args().any(|arg| arg == "--table") {
        table();
    } else {
        divan::main();
    }
}

/// The bench's instant: 2023-11-14T22:13:20Z (`benches/ccxt_signing.py` freezes ccxt's clock
/// here too).
const NOW_MS: i64 = 1_700_000_000_000;

const KRAKEN_SECRET: &str =
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";
/// The Ed25519 test key of the reference notes (seed 0..31, base64 of seed and public key).
const ED25519_KEY: &str =
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8DoQe/884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuA==";
const CDP_KEY_NAME: &str = "organizations/sim-org/apiKeys/sim-key";
/// A Coinbase JWT signing input (header and claims, base64url) of the size the adapter signs.
const JWT_INPUT: &str = "eyJhbGciOiJFZERTQSIsImtpZCI6Im9yZ2FuaXphdGlvbnMvc2ltLW9yZy9hcGlLZXlzL3NpbS1rZXkiLCJub25jZSI6IjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmIiwidHlwIjoiSldUIn0.eyJzdWIiOiJvcmdhbml6YXRpb25zL3NpbS1vcmcvYXBpS2V5cy9zaW0ta2V5IiwiaXNzIjoiY2RwIiwibmJmIjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDAxMjAsInVyaSI6IkdFVCBhcGkuY29pbmJhc2UuY29tL2FwaS92My9icm9rZXJhZ2Uva2V5X3Blcm1pc3Npb25zIn0";

/// A P-256 key for benching only (scalar 0x0707…07), as the SEC1 PEM the CDP portal hands out.
fn es256_pem() -> String {
    let key = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
    key.to_sec1_pem(p256::pkcs8::LineEnding::LF)
        .unwrap()
        .to_string()
}

/// One exchange's key-information request (Bitstamp: its kill switch, its only signed call).
struct Case {
    name: &'static str,
    scheme: &'static str,
    exchange: ExchangeId,
    credentials: fn() -> Credentials,
    method: &'static str,
    path: &'static str,
    query: &'static str,
    body: &'static str,
    bare: fn() -> Box<dyn FnMut()>,
}

/// Every registered exchange, grouped by scheme; names as in `benches/ccxt_signing.py`.
const CASES: &[Case] = &[
    Case {
        name: "binance",
        scheme: "HMAC-SHA256 hex",
        exchange: ExchangeId::Binance,
        credentials: || {
            Credentials::new(
                "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
                "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
            )
        },
        method: "GET",
        path: "/sapi/v1/account/apiRestrictions",
        query: "",
        body: "",
        bare: || {
            hmac::<Hmac<Sha256>>(
                "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
                "recvWindow=5000&timestamp=1700000000000".into(),
            )
        },
    },
    Case {
        name: "bybit",
        scheme: "HMAC-SHA256 hex",
        exchange: ExchangeId::Bybit,
        credentials: || Credentials::new("XXXXXXXXXX", "test_secret"),
        method: "GET",
        path: "/v5/user/query-api",
        query: "",
        body: "",
        bare: || hmac::<Hmac<Sha256>>("test_secret", "1700000000000XXXXXXXXXX5000".into()),
    },
    Case {
        name: "mexc",
        scheme: "HMAC-SHA256 hex",
        exchange: ExchangeId::Mexc,
        credentials: || Credentials::new("mx0aBYs33eIilxBWC5", "45d0b3c26f2644f19bfb98b07741b2f5"),
        method: "GET",
        path: "/api/v3/apiKeyInfo",
        query: "",
        body: "",
        bare: || {
            hmac::<Hmac<Sha256>>(
                "45d0b3c26f2644f19bfb98b07741b2f5",
                "accessKey=mx0aBYs33eIilxBWC5&recvWindow=5000&timestamp=1700000000000".into(),
            )
        },
    },
    Case {
        name: "bingx",
        scheme: "HMAC-SHA256 hex",
        exchange: ExchangeId::Bingx,
        credentials: || {
            Credentials::new(
                "test-bingx-key",
                "UuGuyEGt6ZEkpUObCYCmIfh0elYsZVh80jlYwpJuRZEw70t6vomMH7Sjmf94ztSI",
            )
        },
        method: "GET",
        path: "/openApi/v1/account/apiPermissions",
        query: "",
        body: "",
        bare: || {
            hmac::<Hmac<Sha256>>(
                "UuGuyEGt6ZEkpUObCYCmIfh0elYsZVh80jlYwpJuRZEw70t6vomMH7Sjmf94ztSI",
                "timestamp=1700000000000".into(),
            )
        },
    },
    Case {
        name: "deribit",
        scheme: "HMAC-SHA256 hex",
        exchange: ExchangeId::Deribit,
        credentials: || Credentials::new("aD-KFx-H", "ABCD"),
        method: "GET",
        path: "/api/v2/private/list_api_keys",
        query: "",
        body: "",
        bare: || {
            hmac::<Hmac<Sha256>>(
                "ABCD",
                "1700000000000\n0123456789abcdef\nGET\n/api/v2/private/list_api_keys\n\n".into(),
            )
        },
    },
    Case {
        name: "bitstamp",
        scheme: "HMAC-SHA256 hex",
        exchange: ExchangeId::Bitstamp,
        credentials: || Credentials::new("api_key", "api_key_secret"),
        method: "POST",
        path: "/api/v2/revoke_all_api_keys/",
        query: "",
        body: "",
        bare: || {
            hmac::<Hmac<Sha256>>(
                "api_key_secret",
                "BITSTAMP api_keyPOSTwww.bitstamp.net/api/v2/revoke_all_api_keys/f93c979d-b00d-43a9-9b9c-fd4cd9547fa61700000000000v2".into(),
            )
        },
    },
    Case {
        name: "okx",
        scheme: "HMAC-SHA256 base64",
        exchange: ExchangeId::Okx,
        credentials: || {
            Credentials::new("test-okx-key", "22582BD0CFF14C41EDBF1AB98506286D")
                .with_passphrase("test-passphrase")
        },
        method: "GET",
        path: "/api/v5/account/config",
        query: "",
        body: "",
        bare: || {
            hmac::<Hmac<Sha256>>(
                "22582BD0CFF14C41EDBF1AB98506286D",
                "2023-11-14T22:13:20.000ZGET/api/v5/account/config".into(),
            )
        },
    },
    Case {
        name: "kucoin",
        scheme: "HMAC-SHA256 base64",
        exchange: ExchangeId::Kucoin,
        credentials: || {
            Credentials::new("test-kucoin-key", "test_api_secret")
                .with_passphrase("test_passphrase")
        },
        method: "GET",
        path: "/api/v1/user/api-key",
        query: "",
        body: "",
        bare: || {
            hmac::<Hmac<Sha256>>(
                "test_api_secret",
                "1700000000000GET/api/v1/user/api-key".into(),
            )
        },
    },
    Case {
        name: "bitget",
        scheme: "HMAC-SHA256 base64",
        exchange: ExchangeId::Bitget,
        credentials: || {
            Credentials::new("test-bitget-key", "test_secret").with_passphrase("test-passphrase")
        },
        method: "GET",
        path: "/api/v2/spot/account/info",
        query: "",
        body: "",
        bare: || {
            hmac::<Hmac<Sha256>>(
                "test_secret",
                "1700000000000GET/api/v2/spot/account/info".into(),
            )
        },
    },
    Case {
        name: "htx",
        scheme: "HMAC-SHA256 base64",
        exchange: ExchangeId::Htx,
        credentials: || {
            Credentials::new(
                "e2xxxxxx-99xxxxxx-84xxxxxx-7xxxx",
                "b0xxxxxx-c6xxxxxx-94xxxxxx-dxxxx",
            )
        },
        method: "GET",
        path: "/v2/user/api-key",
        query: "accessKey=e2xxxxxx-99xxxxxx-84xxxxxx-7xxxx&uid=123456789",
        body: "",
        bare: || {
            hmac::<Hmac<Sha256>>(
                "b0xxxxxx-c6xxxxxx-94xxxxxx-dxxxx",
                "GET\napi.huobi.pro\n/v2/user/api-key\nAccessKeyId=e2xxxxxx-99xxxxxx-84xxxxxx-7xxxx&SignatureMethod=HmacSHA256&SignatureVersion=2&Timestamp=2023-11-14T22%3A13%3A20&accessKey=e2xxxxxx-99xxxxxx-84xxxxxx-7xxxx&uid=123456789".into(),
            )
        },
    },
    Case {
        name: "gemini",
        scheme: "HMAC-SHA384 hex",
        exchange: ExchangeId::Gemini,
        credentials: || Credentials::new("account-test-gemini-key", "1234abcd"),
        method: "POST",
        path: "/v1/roles",
        query: "",
        body: "",
        bare: || {
            hmac::<Hmac<Sha384>>(
                "1234abcd",
                "eyJub25jZSI6MTcwMDAwMDAwMDAwMCwicmVxdWVzdCI6Ii92MS9yb2xlcyJ9".into(),
            )
        },
    },
    Case {
        name: "bitfinex",
        scheme: "HMAC-SHA384 hex",
        exchange: ExchangeId::Bitfinex,
        credentials: || Credentials::new("test-bitfinex-key", "bfx-test-secret"),
        method: "POST",
        path: "/v2/auth/r/permissions",
        query: "",
        body: "{}",
        bare: || {
            hmac::<Hmac<Sha384>>(
                "bfx-test-secret",
                "/api/v2/auth/r/permissions1700000000000000{}".into(),
            )
        },
    },
    Case {
        name: "kraken",
        scheme: "SHA-256 + HMAC-SHA512",
        exchange: ExchangeId::Kraken,
        credentials: || Credentials::new("test-kraken-key", KRAKEN_SECRET),
        method: "POST",
        path: "/0/private/GetApiKeyInfo",
        query: "",
        body: "",
        bare: || {
            let secret = base64_decode(KRAKEN_SECRET);
            Box::new(move || {
                let digest = Sha256::new()
                    .chain_update(black_box("1700000000000"))
                    .chain_update(black_box(r#"{"nonce":"1700000000000"}"#))
                    .finalize();
                let mut mac = Hmac::<Sha512>::new_from_slice(black_box(&secret)).unwrap();
                mac.update(black_box("/0/private/GetApiKeyInfo").as_bytes());
                mac.update(&digest);
                black_box(mac.finalize().into_bytes());
            })
        },
    },
    Case {
        name: "kraken-futures",
        scheme: "SHA-256 + HMAC-SHA512",
        exchange: ExchangeId::KrakenFutures,
        credentials: || Credentials::new("test-kraken-futures-key", KRAKEN_SECRET),
        method: "GET",
        path: "/api/auth/v1/api-keys/v3/check",
        query: "",
        body: "",
        bare: || {
            let secret = base64_decode(KRAKEN_SECRET);
            Box::new(move || {
                let digest = Sha256::new()
                    .chain_update(black_box("1700000000000/api/auth/v1/api-keys/v3/check"))
                    .finalize();
                let mut mac = Hmac::<Sha512>::new_from_slice(black_box(&secret)).unwrap();
                mac.update(&digest);
                black_box(mac.finalize().into_bytes());
            })
        },
    },
    Case {
        name: "gate",
        scheme: "SHA-512 + HMAC-SHA512",
        exchange: ExchangeId::Gate,
        credentials: || Credentials::new("key", "secret"),
        method: "GET",
        path: "/api/v4/account/main_keys",
        query: "",
        body: "",
        bare: || {
            let prehash = format!(
                "GET\n/api/v4/account/main_keys\n\n{}\n1700000000",
                hex::encode(Sha512::digest(b""))
            );
            Box::new(move || {
                black_box(Sha512::digest(black_box(b"")));
                let mut mac = Hmac::<Sha512>::new_from_slice(black_box(b"secret")).unwrap();
                mac.update(black_box(&prehash).as_bytes());
                black_box(mac.finalize().into_bytes());
            })
        },
    },
    Case {
        name: "coinbase-es256",
        scheme: "ES256 JWT",
        exchange: ExchangeId::Coinbase,
        credentials: || Credentials::coinbase_cdp(CDP_KEY_NAME, es256_pem()),
        method: "GET",
        path: "/api/v3/brokerage/key_permissions",
        query: "",
        body: "",
        bare: || {
            use p256::ecdsa::signature::Signer as _;
            let key = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
            Box::new(move || {
                let signature: p256::ecdsa::Signature = key.sign(black_box(JWT_INPUT).as_bytes());
                black_box(signature);
            })
        },
    },
    Case {
        name: "coinbase-ed25519",
        scheme: "Ed25519 JWT",
        exchange: ExchangeId::Coinbase,
        credentials: || Credentials::coinbase_cdp(CDP_KEY_NAME, ED25519_KEY),
        method: "GET",
        path: "/api/v3/brokerage/key_permissions",
        query: "",
        body: "",
        bare: || {
            use ed25519_dalek::Signer as _;
            let seed: [u8; 32] = std::array::from_fn(|i| i as u8);
            let key = ed25519_dalek::SigningKey::from_bytes(&seed);
            Box::new(move || {
                black_box(key.sign(black_box(JWT_INPUT).as_bytes()));
            })
        },
    },
];

/// HMAC over `prehash` with the key set up on every call, the way a request is signed.
fn hmac<M>(secret: &'static str, prehash: String) -> Box<dyn FnMut()>
where
    M: Mac + hmac::digest::KeyInit + 'static,
{
    Box::new(move || {
        let mut mac =
            <M as hmac::digest::KeyInit>::new_from_slice(black_box(secret).as_bytes()).unwrap();
        mac.update(black_box(&prehash).as_bytes());
        black_box(mac.finalize().into_bytes());
    })
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

impl Case {
    fn request(&self) -> UnsignedRequest<'static> {
        UnsignedRequest {
            method: self.method,
            path: self.path,
            query: self.query,
            body: self.body,
        }
    }

    fn signer(&self) -> RequestSigner {
        self.exchange
            .request_signer(&(self.credentials)(), Environment::Production)
            .unwrap()
    }

    /// The whole request, signed through the adapters' code path.
    fn ours(&self) -> Box<dyn FnMut()> {
        let signer = self.signer();
        let request = self.request();
        Box::new(move || {
            black_box(signer.sign(black_box(&request), black_box(NOW_MS)).unwrap());
        })
    }
}

fn case(name: &str) -> &'static Case {
    CASES.iter().find(|case| case.name == name).unwrap()
}

const NAMES: &[&str] = &[
    "binance",
    "bybit",
    "mexc",
    "bingx",
    "deribit",
    "bitstamp",
    "okx",
    "kucoin",
    "bitget",
    "htx",
    "gemini",
    "bitfinex",
    "kraken",
    "kraken-futures",
    "gate",
    "coinbase-es256",
    "coinbase-ed25519",
];

#[divan::bench(args = NAMES)]
fn bare(bencher: divan::Bencher, name: &str) {
    let run = (case(name).bare)();
    bencher.bench_local(run);
}

#[divan::bench(args = NAMES)]
fn request(bencher: divan::Bencher, name: &str) {
    let run = case(name).ours();
    bencher.bench_local(run);
}

#[divan::bench(args = NAMES)]
fn sign_request(bencher: divan::Bencher, name: &str) {
    let case = case(name);
    let credentials = (case.credentials)();
    let request = case.request();
    bencher.bench_local(|| {
        case.exchange
            .sign_request(
                black_box(&credentials),
                Environment::Production,
                black_box(&request),
                black_box(NOW_MS),
            )
            .unwrap()
    });
}

/// Rounds of one batch of `bare` then one of `request` (the order swapped every round), each
/// batch about [`BATCH_NS`] long: both see the same load.
const ROUNDS: usize = 151;
const BATCH_NS: u128 = 400_000;

fn table() {
    assert_eq!(NAMES.len(), CASES.len());
    // Names after `--table` pick cases; none picks every one.
    let picked: Vec<String> = std::env::args()
        .skip_while(|arg| arg != "--table")
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();
    for case in CASES {
        if !picked.is_empty() && !picked.iter().any(|name| name == case.name) {
            continue;
        }
        let mut bare = (case.bare)();
        let mut ours = case.ours();
        let calls = batch_size(&mut ours);
        let (mut bare_ns, mut ours_ns) = (Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            if round % 2 == 0 {
                bare_ns.push(time_batch(&mut bare, calls));
                ours_ns.push(time_batch(&mut ours, calls));
            } else {
                ours_ns.push(time_batch(&mut ours, calls));
                bare_ns.push(time_batch(&mut bare, calls));
            }
        }
        println!(
            r#"{{"exchange":"{}","scheme":"{}","bare_ns":{:.1},"ours_ns":{:.1}}}"#,
            case.name,
            case.scheme,
            median(bare_ns),
            median(ours_ns)
        );
    }
}

/// How many calls of `run` take about [`BATCH_NS`].
fn batch_size(run: &mut dyn FnMut()) -> u32 {
    let mut calls = 1u32;
    loop {
        let start = Instant::now();
        for _ in 0..calls {
            run();
        }
        if start.elapsed().as_nanos() >= BATCH_NS || calls >= 1 << 20 {
            return calls;
        }
        calls *= 2;
    }
}

/// Nanoseconds per call over one batch.
fn time_batch(run: &mut dyn FnMut(), calls: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..calls {
        run();
    }
    start.elapsed().as_nanos() as f64 / f64::from(calls)
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

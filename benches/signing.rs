//! Signing cost per exchange, next to the bare HMAC-SHA256 primitive it is built on.
//!
//! - `signature/*`: the exchange's MAC and its encoding, the part comparable to the primitive.
//! - `request/*`: everything the adapter does to sign its key-information request (timestamp,
//!   query parameters, headers), the part comparable to ccxt's `sign()`, which
//!   `benches/ccxt_signing.py` measures.
//!
//! - `floor/*`: ES256 and Ed25519 signing alone, with the key already parsed: the floor of a
//!   Coinbase JWT, as the bare HMAC is the floor of the HMAC schemes.
//!
//! Targets (DESIGN.md): within 2x of the bare primitive with key set-up (about 0.2 µs here), and
//! at least 20x faster than ccxt's Python signing. `request/coinbase_*` parses the private key
//! on every call (as `ExchangeId::sign_request` does, given credentials); an adapter parses it
//! once, when it is built.
//!
//! `cargo bench --bench signing`

use divan::black_box;
use exchange_keys::exchanges::{binance, bybit, coinbase, deribit, kraken, okx};
use exchange_keys::{Credentials, Environment, ExchangeId, UnsignedRequest};
use hmac::{Hmac, Mac};
use secrecy::SecretString;
use sha2::Sha256;

fn main() {
    divan::main();
}

const BINANCE_KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
const BINANCE_SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
const BINANCE_QUERY: &str = "recvWindow=5000&timestamp=1499827319559";

/// The floor: HMAC-SHA256 with key set-up over the same pre-hash, no encoding.
#[divan::bench]
fn bare_hmac_sha256() -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(black_box(BINANCE_SECRET).as_bytes()).unwrap();
    mac.update(black_box(BINANCE_QUERY).as_bytes());
    mac.finalize().into_bytes().into()
}

mod signature {
    use super::*;

    #[divan::bench]
    fn binance(bencher: divan::Bencher) {
        let secret = SecretString::from(BINANCE_SECRET);
        bencher.bench(|| binance::signature(black_box(&secret), black_box(BINANCE_QUERY), ""));
    }

    #[divan::bench]
    fn okx_with_timestamp(bencher: divan::Bencher) {
        let secret = SecretString::from("22582BD0CFF14C41EDBF1AB98506286D");
        bencher.bench(|| {
            let timestamp = okx::timestamp(black_box(1_607_418_537_715));
            okx::signature(
                black_box(&secret),
                &timestamp,
                "GET",
                "/api/v5/account/config",
                "",
            )
        });
    }

    /// One Coinbase token with the key parsed once, as an adapter signs: compare with
    /// `floor/ed25519`.
    #[divan::bench]
    fn coinbase_ed25519(bencher: divan::Bencher) {
        let credentials =
            Credentials::coinbase_cdp("organizations/sim-org/apiKeys/sim-key", ED25519_KEY);
        let signer = coinbase::CdpSigner::new(&credentials).unwrap();
        bencher.bench(|| {
            signer
                .token(
                    "GET",
                    "/api/v3/brokerage/key_permissions",
                    black_box(1_700_000_000),
                    "0123456789abcdef0123456789abcdef",
                )
                .unwrap()
        });
    }

    /// The same with an ES256 key: compare with `floor/es256`.
    #[divan::bench]
    fn coinbase_es256(bencher: divan::Bencher) {
        let credentials =
            Credentials::coinbase_cdp("organizations/sim-org/apiKeys/sim-key", es256_pem());
        let signer = coinbase::CdpSigner::new(&credentials).unwrap();
        bencher.bench(|| {
            signer
                .token(
                    "GET",
                    "/api/v3/brokerage/key_permissions",
                    black_box(1_700_000_000),
                    "0123456789abcdef0123456789abcdef",
                )
                .unwrap()
        });
    }

    #[divan::bench]
    fn kraken(bencher: divan::Bencher) {
        let secret = [0x5au8; 64];
        bencher.bench(|| {
            kraken::signature(
                black_box(&secret),
                "/0/private/GetApiKeyInfo",
                black_box("1616492376594"),
                r#"{"nonce":"1616492376594"}"#,
            )
        });
    }

    #[divan::bench]
    fn deribit(bencher: divan::Bencher) {
        bencher.bench(|| {
            deribit::signature(
                black_box(b"ABCD"),
                black_box("1554883365000"),
                "fdbmmz79",
                "GET",
                "/api/v2/private/list_api_keys",
                "",
            )
        });
    }

    #[divan::bench]
    fn bybit(bencher: divan::Bencher) {
        let secret = SecretString::from("test_secret");
        bencher.bench(|| {
            bybit::signature(
                black_box(&secret),
                black_box("1658384314791"),
                "XXXXXXXXXX",
                "5000",
                "",
            )
        });
    }
}

/// A JWT signing input of the size Coinbase's tokens have (header, claims with `uri`).
const JWT_INPUT: &str = "eyJhbGciOiJFZERTQSIsImtpZCI6Im9yZ2FuaXphdGlvbnMvc2ltLW9yZy9hcGlLZXlzL3NpbS1rZXkiLCJub25jZSI6IjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmIiwidHlwIjoiSldUIn0.eyJzdWIiOiJvcmdhbml6YXRpb25zL3NpbS1vcmcvYXBpS2V5cy9zaW0ta2V5IiwiaXNzIjoiY2RwIiwibmJmIjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDAxMjAsInVyaSI6IkdFVCBhcGkuY29pbmJhc2UuY29tL2FwaS92My9icm9rZXJhZ2Uva2V5X3Blcm1pc3Npb25zIn0";

/// The Ed25519 test key of the reference notes (seed 0..31, base64 of seed and public key).
const ED25519_KEY: &str =
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8DoQe/884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuA==";

/// A P-256 key for benching only, as the SEC1 PEM the CDP portal hands out.
fn es256_pem() -> String {
    let key = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
    key.to_sec1_pem(p256::pkcs8::LineEnding::LF)
        .unwrap()
        .to_string()
}

mod floor {
    use super::*;

    #[divan::bench]
    fn es256(bencher: divan::Bencher) {
        use p256::ecdsa::signature::Signer as _;
        let key = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        bencher.bench(|| -> p256::ecdsa::Signature { key.sign(black_box(JWT_INPUT).as_bytes()) });
    }

    #[divan::bench]
    fn ed25519(bencher: divan::Bencher) {
        use ed25519_dalek::Signer as _;
        let seed: [u8; 32] = std::array::from_fn(|i| i as u8);
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        bencher.bench(|| key.sign(black_box(JWT_INPUT).as_bytes()));
    }
}

mod request {
    use super::*;

    fn bench(
        bencher: divan::Bencher,
        exchange: ExchangeId,
        credentials: Credentials,
        path: &'static str,
    ) {
        let request = UnsignedRequest {
            method: "GET",
            path,
            query: "",
            body: "",
        };
        bencher.bench(|| {
            exchange
                .sign_request(
                    black_box(&credentials),
                    Environment::Production,
                    black_box(&request),
                    1_658_384_314_791,
                )
                .unwrap()
        });
    }

    #[divan::bench]
    fn binance(bencher: divan::Bencher) {
        let credentials = Credentials::new(BINANCE_KEY, BINANCE_SECRET);
        bench(
            bencher,
            ExchangeId::Binance,
            credentials,
            "/sapi/v1/account/apiRestrictions",
        );
    }

    #[divan::bench]
    fn okx(bencher: divan::Bencher) {
        let credentials =
            Credentials::new("k", "22582BD0CFF14C41EDBF1AB98506286D").with_passphrase("p");
        bench(
            bencher,
            ExchangeId::Okx,
            credentials,
            "/api/v5/account/config",
        );
    }

    #[divan::bench]
    fn bybit(bencher: divan::Bencher) {
        let credentials = Credentials::new("XXXXXXXXXX", "test_secret");
        bench(
            bencher,
            ExchangeId::Bybit,
            credentials,
            "/v5/user/query-api",
        );
    }

    #[divan::bench]
    fn kraken(bencher: divan::Bencher) {
        let credentials = Credentials::new(
            "k",
            "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==",
        );
        bench(
            bencher,
            ExchangeId::Kraken,
            credentials,
            "/0/private/GetApiKeyInfo",
        );
    }

    #[divan::bench]
    fn deribit(bencher: divan::Bencher) {
        let credentials = Credentials::new("aD-KFx-H", "ABCD");
        bench(
            bencher,
            ExchangeId::Deribit,
            credentials,
            "/api/v2/private/list_api_keys",
        );
    }

    #[divan::bench]
    fn coinbase_ed25519(bencher: divan::Bencher) {
        let credentials =
            Credentials::coinbase_cdp("organizations/sim-org/apiKeys/sim-key", ED25519_KEY);
        bench(
            bencher,
            ExchangeId::Coinbase,
            credentials,
            "/api/v3/brokerage/key_permissions",
        );
    }

    #[divan::bench]
    fn coinbase_es256(bencher: divan::Bencher) {
        let credentials =
            Credentials::coinbase_cdp("organizations/sim-org/apiKeys/sim-key", es256_pem());
        bench(
            bencher,
            ExchangeId::Coinbase,
            credentials,
            "/api/v3/brokerage/key_permissions",
        );
    }
}

//! Coinbase CDP authentication: every request carries `Authorization: Bearer <JWT>`, a fresh
//! token signed with the key's EC P-256 (ES256) or Ed25519 (EdDSA) private key, bound to one
//! method, host and path, and valid 120 s (coinbase/coinbase-advanced-py
//! `coinbase/jwt_generator.py`).

use crate::credentials::Credentials;
use crate::error::Result;
use crate::exchanges::venue::Venue as _;
use crate::transport::signing::SigningKey;

/// A CDP key parsed once, for signing Coinbase requests outside an adapter (and for measuring
/// what one token costs). `Debug` shows no key material.
#[derive(Debug)]
pub struct CdpSigner(SigningKey);

impl CdpSigner {
    /// Parses the CDP key of `credentials` ([`Credentials::coinbase_cdp`]): a PEM EC P-256 or
    /// a base64 / PKCS#8 PEM Ed25519 private key.
    pub fn new(credentials: &Credentials) -> Result<CdpSigner> {
        super::Coinbase.prepare(credentials).map(CdpSigner)
    }

    /// The token for `method path` (no query) at `now_s` (unix seconds), with the header nonce
    /// `nonce`: `Authorization: Bearer <token>`.
    pub fn token(&self, method: &str, path: &str, now_s: i64, nonce: &str) -> Result<String> {
        token(&self.0, method, path, now_s, nonce)
    }
}

/// The host named in every token's `uri` claim.
pub const HOST: &str = "api.coinbase.com";

/// How long a token is valid, in seconds.
pub const LIFETIME_S: i64 = 120;

/// The JWT for `method path` (no query) at `now_s`, with header nonce `nonce`.
pub(crate) fn token(
    key: &SigningKey,
    method: &str,
    path: &str,
    now_s: i64,
    nonce: &str,
) -> Result<String> {
    let algorithm = key.jwt_algorithm().map_or("none", |a| a.name());
    let name = json_string(key.api_key());
    let header = format!(
        r#"{{"alg":"{algorithm}","kid":{name},"nonce":{},"typ":"JWT"}}"#,
        json_string(nonce)
    );
    let uri = json_string(&format!("{method} {HOST}{path}"));
    let claims = format!(
        r#"{{"sub":{name},"iss":"cdp","nbf":{now_s},"exp":{},"uri":{uri}}}"#,
        now_s.saturating_add(LIFETIME_S)
    );
    key.sign_jwt(&header, &claims)
}

fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    // Seed 0..31, with its public half: the reference notes' Ed25519 test key.
    const ED25519: &str =
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8DoQe/884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuA==";

    #[test]
    fn ed25519_token_matches_the_one_derived_independently() {
        // Computed with Python `cryptography` from the documented header and claims.
        let key = SigningKey::jwt("test-key-id", &SecretString::from(ED25519)).unwrap();
        let token = token(
            &key,
            "GET",
            "/api/v3/brokerage/key_permissions",
            1_700_000_000,
            "0123456789abcdef",
        )
        .unwrap();
        assert_eq!(
            token,
            "eyJhbGciOiJFZERTQSIsImtpZCI6InRlc3Qta2V5LWlkIiwibm9uY2UiOiIwMTIzNDU2Nzg5YWJjZGVmIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ0ZXN0LWtleS1pZCIsImlzcyI6ImNkcCIsIm5iZiI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAwMTIwLCJ1cmkiOiJHRVQgYXBpLmNvaW5iYXNlLmNvbS9hcGkvdjMvYnJva2VyYWdlL2tleV9wZXJtaXNzaW9ucyJ9.pK901frn7jdebMADK_6NoSrYW7MP-znN0TzB9C30WghFSJOA34Uqjg-OjMleBC8xR42jO29bNaClLxP8UJBgBw"
        );
    }

    #[test]
    fn es256_tokens_verify_with_the_public_key() {
        use base64::Engine as _;
        use p256::ecdsa::signature::Verifier as _;
        let secret = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
        let pem = secret.to_sec1_pem(Default::default()).unwrap();
        let key = SigningKey::jwt(
            "organizations/o/apiKeys/k",
            &SecretString::from(pem.to_string()),
        )
        .unwrap();
        let token = token(&key, "GET", "/api/v3/brokerage/key_permissions", 1, "n").unwrap();
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(signature)
            .unwrap();
        assert_eq!(signature.len(), 64, "r‖s, not DER");
        let signature = p256::ecdsa::Signature::from_slice(&signature).unwrap();
        p256::ecdsa::VerifyingKey::from(&p256::ecdsa::SigningKey::from(secret))
            .verify(signed.as_bytes(), &signature)
            .unwrap();
        let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(signed.split('.').next().unwrap())
            .unwrap();
        assert_eq!(
            String::from_utf8(header).unwrap(),
            r#"{"alg":"ES256","kid":"organizations/o/apiKeys/k","nonce":"n","typ":"JWT"}"#
        );
    }

    #[test]
    fn malformed_keys_are_refused_without_echo() {
        for bad in [
            "-----BEGIN EC PRIVATE KEY-----\nnot a key\n-----END EC PRIVATE KEY-----",
            "AAAA",
            "not base64 at all!",
        ] {
            let err = SigningKey::jwt("k", &SecretString::from(bad)).unwrap_err();
            assert!(!err.contains("not a key") && !err.contains("AAAA"), "{err}");
        }
    }
}

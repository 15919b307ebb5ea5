//! Signing keys for access tokens: generated with aws-lc-rs, kept in the database (PKCS#8 DER),
//! parsed once when loaded. A key signs until it is rotated out, then stays published in the
//! JWKS until the last token it signed has expired.

use crate::ServiceError;
use crate::key_wrap::{self, KeyEncryptionKey};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
    RsaPublicKeyComponents,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use store::SigningKeyRecord;

/// The algorithms Portcullis signs with (PRODUCT.md §5): ES256 by default, RS256 on request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SigningAlg {
    #[default]
    Es256,
    Rs256,
}

impl SigningAlg {
    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlg::Es256 => "ES256",
            SigningAlg::Rs256 => "RS256",
        }
    }

    pub fn jwt_algorithm(self) -> Algorithm {
        match self {
            SigningAlg::Es256 => Algorithm::ES256,
            SigningAlg::Rs256 => Algorithm::RS256,
        }
    }
}

impl FromStr for SigningAlg {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim() {
            "ES256" => Ok(SigningAlg::Es256),
            "RS256" => Ok(SigningAlg::Rs256),
            other => Err(format!(
                "signing algorithm must be ES256 or RS256, not {other:?}"
            )),
        }
    }
}

impl fmt::Display for SigningAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A public key as RFC 7517 writes it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(tag = "kty")]
pub enum Jwk {
    #[serde(rename = "EC")]
    Ec {
        crv: &'static str,
        x: String,
        y: String,
        kid: String,
        #[serde(rename = "use")]
        usage: &'static str,
        alg: &'static str,
    },
    #[serde(rename = "RSA")]
    Rsa {
        n: String,
        e: String,
        kid: String,
        #[serde(rename = "use")]
        usage: &'static str,
        alg: &'static str,
    },
}

enum Signer {
    Ec(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

/// One loaded key: its private half parsed for signing, its public half for verifying and
/// publishing.
pub struct SigningKey {
    pub kid: String,
    pub alg: SigningAlg,
    pub retired_at: Option<i64>,
    signer: Signer,
    decoding: DecodingKey,
    jwk: Jwk,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

fn key_error(what: impl fmt::Display) -> ServiceError {
    ServiceError::Internal(format!("signing key: {what}").into())
}

impl SigningKey {
    /// A new key pair, as it is stored: sealed with `kek` when there is one.
    pub fn generate(
        alg: SigningAlg,
        kid: String,
        now: i64,
        kek: Option<&KeyEncryptionKey>,
    ) -> Result<SigningKeyRecord, ServiceError> {
        let der: Vec<u8> = match alg {
            SigningAlg::Es256 => {
                EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                    .map_err(key_error)?
                    .as_ref()
                    .to_vec()
            }
            SigningAlg::Rs256 => {
                let pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(key_error)?;
                AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair)
                    .map_err(key_error)?
                    .as_ref()
                    .to_vec()
            }
        };
        Ok(SigningKeyRecord {
            private_der: key_wrap::store_form(kek, &kid, &der)?,
            kid,
            alg: alg.as_str().to_string(),
            created_at: now,
            retired_at: None,
        })
    }

    /// Parses a stored key, opening it with `kek` when it is sealed.
    pub fn from_record(
        record: &SigningKeyRecord,
        kek: Option<&KeyEncryptionKey>,
    ) -> Result<SigningKey, ServiceError> {
        let alg: SigningAlg = record.alg.parse().map_err(key_error)?;
        let der = key_wrap::der_of(kek, &record.kid, &record.private_der)?;
        let kid = record.kid.clone();
        let (signer, decoding, jwk) = match alg {
            SigningAlg::Es256 => {
                let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
                    .map_err(key_error)?;
                // Uncompressed point: 0x04 || x (32 bytes) || y (32 bytes).
                let point = pair.public_key().as_ref();
                if point.len() != 65 {
                    return Err(key_error("unexpected P-256 public key length"));
                }
                let x = URL_SAFE_NO_PAD.encode(&point[1..33]);
                let y = URL_SAFE_NO_PAD.encode(&point[33..65]);
                let decoding = DecodingKey::from_ec_components(&x, &y).map_err(key_error)?;
                let jwk = Jwk::Ec {
                    crv: "P-256",
                    x,
                    y,
                    kid: kid.clone(),
                    usage: "sig",
                    alg: alg.as_str(),
                };
                (Signer::Ec(pair), decoding, jwk)
            }
            SigningAlg::Rs256 => {
                let pair = RsaKeyPair::from_pkcs8(&der).map_err(key_error)?;
                let components = RsaPublicKeyComponents::<Vec<u8>>::from(pair.public_key());
                let decoding = DecodingKey::from_rsa_raw_components(&components.n, &components.e);
                let jwk = Jwk::Rsa {
                    n: URL_SAFE_NO_PAD.encode(&components.n),
                    e: URL_SAFE_NO_PAD.encode(&components.e),
                    kid: kid.clone(),
                    usage: "sig",
                    alg: alg.as_str(),
                };
                (Signer::Rsa(pair), decoding, jwk)
            }
        };
        Ok(SigningKey {
            kid,
            alg,
            retired_at: record.retired_at,
            signer,
            decoding,
            jwk,
        })
    }

    /// Signs a compact JWS: `header.claims.signature`, each part base64url without padding.
    pub fn sign_jwt(
        &self,
        header: &impl Serialize,
        claims: &impl Serialize,
    ) -> Result<String, ServiceError> {
        let header = serde_json::to_vec(header).map_err(key_error)?;
        let claims = serde_json::to_vec(claims).map_err(key_error)?;
        let mut jwt = String::with_capacity(512);
        URL_SAFE_NO_PAD.encode_string(header, &mut jwt);
        jwt.push('.');
        URL_SAFE_NO_PAD.encode_string(claims, &mut jwt);
        let rng = SystemRandom::new();
        let signature = match &self.signer {
            Signer::Ec(pair) => pair
                .sign(&rng, jwt.as_bytes())
                .map_err(key_error)?
                .as_ref()
                .to_vec(),
            Signer::Rsa(pair) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(&RSA_PKCS1_SHA256, &rng, jwt.as_bytes(), &mut signature)
                    .map_err(key_error)?;
                signature
            }
        };
        jwt.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut jwt);
        Ok(jwt)
    }

    pub fn decoding_key(&self) -> &DecodingKey {
        &self.decoding
    }

    pub fn jwk(&self) -> &Jwk {
        &self.jwk
    }
}

/// The keys an instance knows: the one it signs with and every one still published.
#[derive(Debug, Default)]
pub struct KeyRing {
    signing: Option<Arc<SigningKey>>,
    by_kid: HashMap<String, Arc<SigningKey>>,
}

impl KeyRing {
    /// Builds the ring from stored keys; the newest unretired key of `alg` signs.
    pub fn from_records(
        records: &[SigningKeyRecord],
        alg: SigningAlg,
        kek: Option<&KeyEncryptionKey>,
    ) -> Result<KeyRing, ServiceError> {
        let mut ring = KeyRing::default();
        let mut newest: Option<(i64, &str)> = None;
        for record in records {
            let key = Arc::new(SigningKey::from_record(record, kek)?);
            let order = (record.created_at, record.kid.as_str());
            if key.alg == alg && key.retired_at.is_none() && newest.is_none_or(|n| order > n) {
                newest = Some(order);
                ring.signing = Some(key.clone());
            }
            ring.by_kid.insert(key.kid.clone(), key);
        }
        Ok(ring)
    }

    pub fn signing_key(&self) -> Option<&Arc<SigningKey>> {
        self.signing.as_ref()
    }

    pub fn get(&self, kid: &str) -> Option<&Arc<SigningKey>> {
        self.by_kid.get(kid)
    }

    /// The JWKS document's `keys`, newest first.
    pub fn jwks(&self) -> Vec<&Jwk> {
        let mut keys: Vec<&Arc<SigningKey>> = self.by_kid.values().collect();
        keys.sort_by(|a, b| {
            a.retired_at
                .is_some()
                .cmp(&b.retired_at.is_some())
                .then(a.kid.cmp(&b.kid))
        });
        keys.into_iter().map(|k| k.jwk()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{Validation, decode};
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Claims {
        sub: String,
        exp: i64,
    }

    fn round_trip(alg: SigningAlg) {
        let record = SigningKey::generate(alg, "k1".into(), 0, None).unwrap();
        let key = SigningKey::from_record(&record, None).unwrap();
        let header = serde_json::json!({"alg": alg.as_str(), "typ": "at+jwt", "kid": "k1"});
        let claims = Claims {
            sub: "pci_x".into(),
            exp: 4_000_000_000,
        };
        let jwt = key.sign_jwt(&header, &claims).unwrap();
        let mut validation = Validation::new(alg.jwt_algorithm());
        validation.required_spec_claims.clear();
        let data = decode::<Claims>(&jwt, key.decoding_key(), &validation).unwrap();
        assert_eq!(data.claims, claims);
        // A changed payload no longer verifies.
        let mut parts: Vec<&str> = jwt.split('.').collect();
        let other = URL_SAFE_NO_PAD.encode(br#"{"sub":"pci_y","exp":4000000000}"#);
        parts[1] = &other;
        assert!(decode::<Claims>(parts.join("."), key.decoding_key(), &validation).is_err());
    }

    #[test]
    fn es256_keys_sign_what_they_verify() {
        round_trip(SigningAlg::Es256);
    }

    #[test]
    fn rs256_keys_sign_what_they_verify() {
        round_trip(SigningAlg::Rs256);
    }

    #[test]
    fn the_newest_unretired_key_of_the_configured_alg_signs() {
        let old = SigningKey::generate(SigningAlg::Es256, "old".into(), 10, None).unwrap();
        let mut retired = old.clone();
        retired.retired_at = Some(20);
        let new = SigningKey::generate(SigningAlg::Es256, "new".into(), 20, None).unwrap();
        let ring = KeyRing::from_records(&[retired, new], SigningAlg::Es256, None).unwrap();
        assert_eq!(ring.signing_key().unwrap().kid, "new");
        assert_eq!(ring.jwks().len(), 2);
        assert!(ring.get("old").is_some());
        let ring = KeyRing::from_records(&[old], SigningAlg::Rs256, None).unwrap();
        assert!(ring.signing_key().is_none(), "no RS256 key yet");
    }
}

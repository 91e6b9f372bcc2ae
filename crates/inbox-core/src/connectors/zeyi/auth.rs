//! zeyi (则一) signing and optional encryption. Every request — ours to 则一 and 则一's callback
//! to us — carries `appKey`, `timestamp` (ms), `nonce` and `sign` = lowercase hex md5 of
//! `appKey + appSecret + timestamp + nonce + body`, body being the exact bytes sent. With
//! encryption on, the body sent is the Base64 of AES-CBC(`appKey + timestamp + nonce + json`)
//! keyed by the raw UTF-8 bytes of appSecret (docs/zeyi-protocol.md, "From the document" and
//! choice 1). The two rules live here and nowhere else in the client.

use aes::cipher::{block_padding::Pkcs7, BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use base64::Engine;
use md5::{Digest, Md5};
use rand::Rng;
use std::fmt;

/// The IV 则一's SDK uses when none is given.
pub const DEFAULT_IV: &str = "0102030405060708";

/// The characters of a nonce we generate (the document: 6 lowercase letters or digits).
const NONCE_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Why a key, IV or sealed body cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("the app secret is {0} bytes long; AES needs 16, 24 or 32 (AES-128/192/256)")]
    KeyLength(usize),
    #[error("the IV must be 16 bytes, not {0}")]
    IvLength(usize),
    #[error("the encrypted body is not Base64")]
    Base64,
    #[error("the encrypted body does not decrypt with this key (bad padding or length)")]
    Decrypt,
    #[error("the decrypted body does not start with appKey + timestamp + nonce of the headers")]
    Prefix,
    #[error("the decrypted body is not UTF-8")]
    Utf8,
}

/// `sign`: lowercase hex md5 of `appKey + appSecret + timestamp + nonce + body`.
pub fn sign(app_key: &str, app_secret: &str, timestamp: &str, nonce: &str, body: &[u8]) -> String {
    let mut md5 = Md5::new();
    md5.update(app_key.as_bytes());
    md5.update(app_secret.as_bytes());
    md5.update(timestamp.as_bytes());
    md5.update(nonce.as_bytes());
    md5.update(body);
    hex::encode(md5.finalize())
}

/// A fresh 6-character nonce of `[a-z0-9]`.
pub fn nonce() -> String {
    let mut rng = rand::rng();
    (0..6).map(|_| NONCE_CHARS[rng.random_range(0..NONCE_CHARS.len())] as char).collect()
}

/// Milliseconds since the Unix epoch, as the `timestamp` header wants it.
pub fn timestamp_ms() -> String {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0).to_string()
}

/// An AES-CBC key and IV checked once, when the account is read.
#[derive(Clone)]
pub struct Cipher {
    key: Vec<u8>,
    iv: [u8; 16],
}

impl Cipher {
    /// Key = the raw UTF-8 bytes of the app secret (16/24/32 bytes), IV = the 16-byte string.
    pub fn new(app_secret: &str, iv: &str) -> Result<Self, CryptoError> {
        let key = app_secret.as_bytes().to_vec();
        if ![16, 24, 32].contains(&key.len()) {
            return Err(CryptoError::KeyLength(key.len()));
        }
        let iv: [u8; 16] = iv.as_bytes().try_into().map_err(|_| CryptoError::IvLength(iv.len()))?;
        Ok(Cipher { key, iv })
    }

    /// Base64 of AES-CBC/PKCS7 over `appKey + timestamp + nonce + body`.
    pub fn seal(&self, app_key: &str, timestamp: &str, nonce: &str, body: &[u8]) -> String {
        let mut plain = Vec::with_capacity(app_key.len() + timestamp.len() + nonce.len() + body.len());
        plain.extend_from_slice(app_key.as_bytes());
        plain.extend_from_slice(timestamp.as_bytes());
        plain.extend_from_slice(nonce.as_bytes());
        plain.extend_from_slice(body);
        base64::engine::general_purpose::STANDARD.encode(self.encrypt(&plain))
    }

    /// The JSON inside a sealed body, after checking its `appKey + timestamp + nonce` prefix
    /// against the headers.
    pub fn open(&self, sealed: &[u8], app_key: &str, timestamp: &str, nonce: &str) -> Result<Vec<u8>, CryptoError> {
        let text = std::str::from_utf8(sealed).map_err(|_| CryptoError::Base64)?;
        let cipher = base64::engine::general_purpose::STANDARD.decode(text.trim()).map_err(|_| CryptoError::Base64)?;
        let plain = self.decrypt(&cipher)?;
        let prefix = format!("{app_key}{timestamp}{nonce}");
        plain.strip_prefix(prefix.as_bytes()).map(<[u8]>::to_vec).ok_or(CryptoError::Prefix)
    }

    fn encrypt(&self, plain: &[u8]) -> Vec<u8> {
        // The key length was checked in `new`, so `new_from_slices` cannot fail here.
        match self.key.len() {
            16 => cbc::Encryptor::<aes::Aes128>::new_from_slices(&self.key, &self.iv)
                .map(|c| c.encrypt_padded_vec::<Pkcs7>(plain)),
            24 => cbc::Encryptor::<aes::Aes192>::new_from_slices(&self.key, &self.iv)
                .map(|c| c.encrypt_padded_vec::<Pkcs7>(plain)),
            _ => cbc::Encryptor::<aes::Aes256>::new_from_slices(&self.key, &self.iv)
                .map(|c| c.encrypt_padded_vec::<Pkcs7>(plain)),
        }
        .unwrap_or_default()
    }

    fn decrypt(&self, cipher: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let out = match self.key.len() {
            16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(&self.key, &self.iv)
                .map(|c| c.decrypt_padded_vec::<Pkcs7>(cipher)),
            24 => cbc::Decryptor::<aes::Aes192>::new_from_slices(&self.key, &self.iv)
                .map(|c| c.decrypt_padded_vec::<Pkcs7>(cipher)),
            _ => cbc::Decryptor::<aes::Aes256>::new_from_slices(&self.key, &self.iv)
                .map(|c| c.decrypt_padded_vec::<Pkcs7>(cipher)),
        };
        out.map_err(|_| CryptoError::Decrypt)?.map_err(|_| CryptoError::Decrypt)
    }
}

impl fmt::Debug for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cipher").field("key", &"<redacted>").field("bits", &(self.key.len() * 8)).finish()
    }
}

/// An appKey with its appSecret: the pair 则一 gave us, or the pair we gave 则一.
#[derive(Clone)]
pub struct KeyPair {
    pub app_key: String,
    app_secret: String,
}

impl KeyPair {
    pub fn new(app_key: impl Into<String>, app_secret: impl Into<String>) -> Self {
        KeyPair { app_key: app_key.into(), app_secret: app_secret.into() }
    }

    pub fn sign(&self, timestamp: &str, nonce: &str, body: &[u8]) -> String {
        sign(&self.app_key, &self.app_secret, timestamp, nonce, body)
    }

    /// The cipher keyed by this pair's secret, for an account that encrypts.
    pub fn cipher(&self, iv: &str) -> Result<Cipher, CryptoError> {
        Cipher::new(&self.app_secret, iv)
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair").field("app_key", &self.app_key).field("app_secret", &"<redacted>").finish()
    }
}

/// What goes on the wire for one request: headers and the exact body bytes.
#[derive(Debug, Clone)]
pub struct Signed {
    pub timestamp: String,
    pub nonce: String,
    pub sign: String,
    pub body: Vec<u8>,
    /// True when `body` is the Base64 of the encrypted JSON (sent as `text/plain`).
    pub sealed: bool,
}

/// Signs (and, with `cipher`, first seals) a JSON body with a fresh timestamp and nonce.
pub fn sign_request(keys: &KeyPair, cipher: Option<&Cipher>, json: &[u8]) -> Signed {
    sign_request_at(keys, cipher, json, &timestamp_ms(), &nonce())
}

/// [`sign_request`] with a given timestamp and nonce (tests, vectors).
pub fn sign_request_at(keys: &KeyPair, cipher: Option<&Cipher>, json: &[u8], timestamp: &str, nonce: &str) -> Signed {
    let body = match cipher {
        Some(c) => c.seal(&keys.app_key, timestamp, nonce, json).into_bytes(),
        None => json.to_vec(),
    };
    let sign = keys.sign(timestamp, nonce, &body);
    Signed { timestamp: timestamp.into(), nonce: nonce.into(), sign, body, sealed: cipher.is_some() }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTORS: &str = include_str!("../../../tests/fixtures/vectors.json");

    fn vectors() -> Vec<serde_json::Value> {
        let all: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
        let v = all["zeyi"].as_array().unwrap().clone();
        assert!(!v.is_empty());
        v
    }

    fn s<'a>(v: &'a serde_json::Value, k: &str) -> &'a str {
        v[k].as_str().unwrap_or_else(|| panic!("vector lacks {k}"))
    }

    #[test]
    fn sign_passes_every_zeyi_vector() {
        for v in vectors() {
            let got = sign(
                s(&v, "app_key"),
                s(&v, "app_secret"),
                s(&v, "timestamp"),
                s(&v, "nonce"),
                s(&v, "body").as_bytes(),
            );
            assert_eq!(got, s(&v, "sign"));
        }
    }

    #[test]
    fn aes_and_sign_over_ciphertext_pass_every_zeyi_vector() {
        for v in vectors() {
            let keys = KeyPair::new(s(&v, "app_key"), s(&v, "app_secret"));
            let cipher = keys.cipher(s(&v, "iv")).unwrap();
            let signed =
                sign_request_at(&keys, Some(&cipher), s(&v, "body").as_bytes(), s(&v, "timestamp"), s(&v, "nonce"));
            assert_eq!(std::str::from_utf8(&signed.body).unwrap(), s(&v, "aes_base64"));
            assert_eq!(signed.sign, s(&v, "sign_over_ciphertext"));
            let plain = cipher
                .decrypt(&base64::engine::general_purpose::STANDARD.decode(s(&v, "aes_base64")).unwrap())
                .unwrap();
            assert_eq!(plain, s(&v, "aes_plaintext").as_bytes());
            let opened = cipher
                .open(s(&v, "aes_base64").as_bytes(), s(&v, "app_key"), s(&v, "timestamp"), s(&v, "nonce"))
                .unwrap();
            assert_eq!(opened, s(&v, "body").as_bytes());
        }
    }

    #[test]
    fn plain_requests_sign_the_json_itself() {
        let v = &vectors()[0];
        let keys = KeyPair::new(s(v, "app_key"), s(v, "app_secret"));
        let signed = sign_request_at(&keys, None, s(v, "body").as_bytes(), s(v, "timestamp"), s(v, "nonce"));
        assert_eq!((signed.sign.as_str(), signed.sealed), (s(v, "sign"), false));
    }

    #[test]
    fn key_lengths_and_ivs_are_checked() {
        assert!(Cipher::new("0123456789abcdef", DEFAULT_IV).is_ok());
        assert!(Cipher::new("0123456789abcdef01234567", DEFAULT_IV).is_ok());
        assert_eq!(Cipher::new("short", DEFAULT_IV).unwrap_err(), CryptoError::KeyLength(5));
        assert_eq!(Cipher::new("0123456789abcdef", "123").unwrap_err(), CryptoError::IvLength(3));
        let c = Cipher::new("0123456789abcdef", DEFAULT_IV).unwrap();
        let sealed = c.seal("k", "1", "abcdef", b"{}");
        assert_eq!(c.open(sealed.as_bytes(), "k", "1", "abcdef").unwrap(), b"{}");
        assert_eq!(c.open(sealed.as_bytes(), "k", "2", "abcdef").unwrap_err(), CryptoError::Prefix);
        assert_eq!(c.open(b"%%%", "k", "1", "abcdef").unwrap_err(), CryptoError::Base64);
        let other = Cipher::new("fedcba9876543210", DEFAULT_IV).unwrap();
        assert!(other.open(sealed.as_bytes(), "k", "1", "abcdef").is_err());
    }

    #[test]
    fn nonces_are_six_lowercase_alphanumerics_and_secrets_never_print() {
        let n = nonce();
        assert!(n.len() == 6 && n.bytes().all(|b| NONCE_CHARS.contains(&b)), "{n}");
        let keys = KeyPair::new("key", "very-secret");
        assert!(!format!("{keys:?}").contains("very-secret"));
        let c = Cipher::new("0123456789abcdef", DEFAULT_IV).unwrap();
        assert!(!format!("{c:?}").contains("0123456789abcdef"));
    }

    #[test]
    fn vectors_fixture_is_the_shared_file() {
        let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vendor-docs/vectors.json");
        if let Ok(original) = std::fs::read(&shared) {
            assert_eq!(
                original,
                VECTORS.as_bytes(),
                "tests/fixtures/vectors.json must be a verbatim copy of {}",
                shared.display()
            );
        }
    }
}

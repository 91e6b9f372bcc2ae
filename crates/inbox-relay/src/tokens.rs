//! Users' tokens. A token is `irt1.<id>.<secret>`: the id (16 hex characters) finds the user
//! with one indexed lookup, the secret (32 random bytes, Base64url) is stored only as an
//! argon2id hash. Verifying argon2 costs tens of milliseconds and ~19 MiB, so a verified token
//! is remembered in memory (a SHA-256 of it, next to the stored hash it matched): the user's row
//! is still read on every request, so a revocation or a new token takes effect at once, in
//! every instance; only the argon2 work is not repeated. At most [`MAX_HASHING`] verifications
//! run at a time, so a flood of wrong tokens cannot take every core.

use crate::db::{Db, DbError, UserRow};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

const PREFIX: &str = "irt1";
/// Argon2 verifications allowed at once.
pub const MAX_HASHING: usize = 2;
/// Verified tokens remembered per process before the memory is cleared.
const CACHE_LIMIT: usize = 100_000;

/// A new token: the text to hand out once, and what to store.
pub struct Issued {
    pub token: String,
    pub token_id: String,
    pub hash: String,
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("no token: send `Authorization: Bearer <token>` (inbox-relay user add prints one)")]
    Missing,
    #[error("the token is not one this relay issued, or it is mistyped")]
    Invalid,
    #[error("this token was revoked; ask the relay's administrator for a new one")]
    Revoked,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("the token could not be checked: {0}")]
    Hashing(String),
}

/// A fresh token for a user.
pub fn issue() -> Result<Issued, TokenError> {
    let mut id = [0u8; 8];
    let mut secret = [0u8; 32];
    let mut rng = rand::rng();
    rng.fill_bytes(&mut id);
    rng.fill_bytes(&mut secret);
    let token_id = hex::encode(id);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    let hash = hash_secret(&secret)?;
    Ok(Issued { token: format!("{PREFIX}.{token_id}.{secret}"), token_id, hash })
}

/// The id and secret parts of a token's text.
pub fn parse(token: &str) -> Option<(&str, &str)> {
    let mut parts = token.trim().splitn(3, '.');
    let (prefix, id, secret) = (parts.next()?, parts.next()?, parts.next()?);
    let id_ok = id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit());
    let secret_ok = (20..=128).contains(&secret.len())
        && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    (prefix == PREFIX && id_ok && secret_ok).then_some((id, secret))
}

fn hash_secret(secret: &str) -> Result<String, TokenError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| TokenError::Hashing(e.to_string()))?;
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| TokenError::Hashing(e.to_string()))
}

fn verify_secret(hash: &str, secret: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(secret.as_bytes(), &parsed).is_ok())
}

/// Checks bearer tokens against the users table.
pub struct Verifier {
    /// token id → (the stored hash it was verified against, SHA-256 of the secret).
    verified: Mutex<HashMap<String, (String, [u8; 32])>>,
    hashing: Semaphore,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier { verified: Mutex::default(), hashing: Semaphore::new(MAX_HASHING) }
    }
}

impl Verifier {
    /// The live user a token belongs to.
    pub async fn check(&self, db: &Db, token: Option<&str>) -> Result<UserRow, TokenError> {
        let token = token.ok_or(TokenError::Missing)?;
        let (id, secret) = parse(token).ok_or(TokenError::Invalid)?;
        let user = db.user_by_token_id(id).await?.ok_or(TokenError::Invalid)?;
        let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        let remembered = {
            let verified = self.verified.lock().unwrap_or_else(|p| p.into_inner());
            verified.get(id).is_some_and(|(hash, known)| *hash == user.token_hash && bool::from(known.ct_eq(&digest)))
        };
        if !remembered {
            let _permit = self.hashing.acquire().await.map_err(|e| TokenError::Hashing(e.to_string()))?;
            let (hash, secret) = (user.token_hash.clone(), secret.to_string());
            let ok = tokio::task::spawn_blocking(move || verify_secret(&hash, &secret))
                .await
                .map_err(|e| TokenError::Hashing(e.to_string()))?;
            if !ok {
                return Err(TokenError::Invalid);
            }
            let mut verified = self.verified.lock().unwrap_or_else(|p| p.into_inner());
            if verified.len() >= CACHE_LIMIT {
                verified.clear();
            }
            verified.insert(id.to_string(), (user.token_hash.clone(), digest));
        }
        // Checked after the secret, so a wrong secret never learns that a token was revoked.
        if user.revoked_at.is_some() {
            return Err(TokenError::Revoked);
        }
        Ok(user)
    }
}

/// Whether `username` is a 工号 the relay accepts: 1–64 letters, digits, `.`, `_` or `-`.
pub fn valid_username(username: &str) -> bool {
    (1..=64).contains(&username.len())
        && username.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_parse_and_their_secret_matches_only_its_hash() {
        let t = issue().unwrap();
        let (id, secret) = parse(&t.token).unwrap();
        assert_eq!(id, t.token_id);
        assert!(t.hash.starts_with("$argon2id$"), "{}", t.hash);
        assert!(!t.hash.contains(secret));
        assert!(verify_secret(&t.hash, secret));
        assert!(!verify_secret(&t.hash, "wrong-secret-wrong-secret"));
        assert!(!verify_secret("not a hash", secret));
        for bad in [
            "",
            "irt1",
            "irt1.abc.def",
            &t.token.replacen("irt1", "irt2", 1),
            &format!("irt1.{}.", t.token_id),
            "irt1.zzzzzzzzzzzzzzzz.aaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
        assert_ne!(issue().unwrap().token, t.token);
    }

    #[test]
    fn usernames_are_plain_words() {
        assert!(valid_username("E001") && valid_username("zhang.wei-2"));
        assert!(
            !valid_username("")
                && !valid_username("E 001")
                && !valid_username("张伟")
                && !valid_username(&"x".repeat(65))
        );
    }
}

//! 则一's signing and encryption rules, written from the document (and the vendor README's
//! decisions) independently of the client: `sign` = lowercase hex md5 of
//! `appKey + appSecret + timestamp + nonce + body` (body = the bytes on the wire); encryption
//! = AES-CBC/PKCS5 keyed by the UTF-8 bytes of appSecret over `appKey + timestamp + nonce + data`,
//! Base64 out.

use aes::cipher::{block_padding::Pkcs7, BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use base64::Engine;
use md5::{Digest, Md5};

/// The document's `sign`.
pub fn sign(app_key: &str, app_secret: &str, timestamp: &str, nonce: &str, body: &[u8]) -> String {
    let mut h = Md5::new();
    for part in [app_key.as_bytes(), app_secret.as_bytes(), timestamp.as_bytes(), nonce.as_bytes(), body] {
        h.update(part);
    }
    hex::encode(h.finalize())
}

/// Base64(AES-CBC(`appKey + timestamp + nonce + data`)); `None` for a key that is not 16/24/32
/// bytes or an IV that is not 16.
pub fn seal(app_key: &str, app_secret: &str, iv: &str, timestamp: &str, nonce: &str, data: &[u8]) -> Option<String> {
    let mut plain = format!("{app_key}{timestamp}{nonce}").into_bytes();
    plain.extend_from_slice(data);
    let (key, iv) = (app_secret.as_bytes(), iv.as_bytes());
    let cipher = match key.len() {
        16 => cbc::Encryptor::<aes::Aes128>::new_from_slices(key, iv).ok()?.encrypt_padded_vec::<Pkcs7>(&plain),
        24 => cbc::Encryptor::<aes::Aes192>::new_from_slices(key, iv).ok()?.encrypt_padded_vec::<Pkcs7>(&plain),
        32 => cbc::Encryptor::<aes::Aes256>::new_from_slices(key, iv).ok()?.encrypt_padded_vec::<Pkcs7>(&plain),
        _ => return None,
    };
    Some(base64::engine::general_purpose::STANDARD.encode(cipher))
}

/// The decrypted plaintext of a Base64 body, or `None` when it does not decrypt.
pub fn open(app_secret: &str, iv: &str, sealed: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(sealed).ok()?;
    let data = base64::engine::general_purpose::STANDARD.decode(text.trim()).ok()?;
    let (key, iv) = (app_secret.as_bytes(), iv.as_bytes());
    match key.len() {
        16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv).ok()?.decrypt_padded_vec::<Pkcs7>(&data).ok(),
        24 => cbc::Decryptor::<aes::Aes192>::new_from_slices(key, iv).ok()?.decrypt_padded_vec::<Pkcs7>(&data).ok(),
        32 => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv).ok()?.decrypt_padded_vec::<Pkcs7>(&data).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every entry of the shared vectors is checked in tests/vectors.rs; here, what they do not
    // cover: keys and bodies that must be refused.
    #[test]
    fn bad_keys_and_bodies_are_refused() {
        let (k, t, n) = ("key", "1643251533306", "gdst9t");
        assert!(seal(k, "short", "0102030405060708", t, n, b"x").is_none(), "a 5-byte key");
        assert!(seal(k, "0123456789abcdef", "0102", t, n, b"x").is_none(), "a 4-byte IV");
        let sealed = seal(k, "0123456789abcdef", "0102030405060708", t, n, b"{}").unwrap();
        assert_eq!(
            open("0123456789abcdef", "0102030405060708", sealed.as_bytes()).unwrap(),
            format!("{k}{t}{n}{{}}").into_bytes()
        );
        assert!(open("fedcba9876543210", "0102030405060708", sealed.as_bytes()).is_none(), "another key");
        assert!(open("0123456789abcdef", "0102030405060708", b"not base64!").is_none());
    }
}

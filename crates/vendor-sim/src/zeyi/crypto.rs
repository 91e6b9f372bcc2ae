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

    /// The zeyi entries of `shared/vendor-docs/vectors.json` (first entry), inlined so the
    /// simulator's own rules are checked independently of the client.
    #[test]
    fn matches_the_shared_vectors() {
        let (k, s, t, n) = ("0867ef5f23ef446483749e19e1692b40", "ea29cb560a574c488700634b3318d204", "1643251533306", "gdst9t");
        let body = r#"{"id":"2369f6c4c15440cdada803047d664546","auditId":"2369f6c4c15440cdada803047d664546","type":"X","remark":"r"}"#;
        assert_eq!(sign(k, s, t, n, body.as_bytes()), "cef34649467bc1e4a9011610f2447821");
        let sealed = seal(k, s, "0102030405060708", t, n, body.as_bytes()).unwrap();
        assert_eq!(sealed, "TiUXgsHuophokWSshP4LEjZi2LJWxsxieuiDJ7dHrbuTn6ewRjLscdeey1AcEo99cjLGwh8YFVSfbu44z66Ca4rdlCzJosS8WtK/rK0wPHXCgyLUMuGFR2DRyrOl1CDemsCbpCOSXN6gmQk7absTvYUMSd/rx8GxNMWNt1k/P5fJqUkk3HnIvYJku02h6C95lxyRCtKkQU9+xZ7BmpmCcEPvuOSn4FzV1uAEjOlcNeY=");
        assert_eq!(sign(k, s, t, n, sealed.as_bytes()), "318165b75fc334800dea567203884623");
        let plain = open(s, "0102030405060708", sealed.as_bytes()).unwrap();
        assert_eq!(plain, format!("{k}{t}{n}{body}").into_bytes());
        assert!(seal(k, "short", "0102030405060708", t, n, b"x").is_none());
        assert!(open(s, "0102030405060708", b"not base64!").is_none());
    }
}

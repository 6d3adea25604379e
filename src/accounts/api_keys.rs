//! Personal API keys: `cbf-` + 256 random bits (base64url), shown once; only the SHA-256 of the
//! whole secret is stored, with its first characters (`prefix`) to tell keys apart.
use base64::Engine;
use sha2::{Digest, Sha256};

/// What every secret starts with (and what the API's `Bearer` value must start with).
pub const SECRET_PREFIX: &str = "cbf-";
/// How many characters of a secret stay visible (`cbf-` and 8 more).
pub const VISIBLE_CHARS: usize = 12;

/// A fresh secret: 32 random bytes from the OS's generator.
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Hex SHA-256 of a secret, as `api_key.secret_hash` keeps it.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The visible start of a secret.
pub fn visible_prefix(secret: &str) -> String {
    secret.chars().take(VISIBLE_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_hashed_whole() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert!(a.starts_with(SECRET_PREFIX));
        assert_eq!(a.len(), SECRET_PREFIX.len() + 43, "256 bits in base64url");
        assert_eq!(hash_secret(&a).len(), 64);
        assert_ne!(hash_secret(&a), hash_secret(&b));
        assert_eq!(visible_prefix(&a).len(), VISIBLE_CHARS);
    }
}

//! Single-use e-mail tokens: 32 random bytes in the link, only their SHA-256 in the database.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::MySqlPool;
use time::Duration;

use crate::clock::SharedClock;
use crate::i18n::Msg;
use crate::store::tokens::{self, NewToken, TokenRow};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Verify,
    Reset,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Verify => "verify",
            Purpose::Reset => "reset",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("unknown token")]
    Unknown,
    #[error("token already used")]
    Used,
    #[error("token expired")]
    Expired,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl TokenError {
    pub fn message(&self) -> Option<Msg> {
        match self {
            TokenError::Unknown => Some(Msg::new("token-invalid")),
            TokenError::Used => Some(Msg::new("token-used")),
            TokenError::Expired => Some(Msg::new("token-expired")),
            TokenError::Database(_) => None,
        }
    }
}

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Creates a token for `user_id` and returns the secret to put in the link.
pub async fn issue(
    pool: &MySqlPool,
    clock: &SharedClock,
    user_id: &str,
    email: &str,
    purpose: Purpose,
    lifetime: Duration,
) -> Result<String, sqlx::Error> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let now = clock.now_utc();
    let token_hash = hash(&token);
    let new = NewToken {
        token_hash: &token_hash,
        user_id,
        purpose: purpose.as_str(),
        email,
        created_at: now,
        expires_at: now + lifetime,
    };
    tokens::insert(pool, &new).await?;
    Ok(token)
}

/// Checks a token without using it up (to show the reset form).
pub async fn peek(
    pool: &MySqlPool,
    clock: &SharedClock,
    token: &str,
    purpose: Purpose,
) -> Result<TokenRow, TokenError> {
    let row = tokens::find(pool, &hash(token))
        .await?
        .filter(|row| row.purpose == purpose.as_str());
    let row = row.ok_or(TokenError::Unknown)?;
    if row.used_at.is_some() {
        return Err(TokenError::Used);
    }
    if row.expires_at <= clock.now_utc() {
        return Err(TokenError::Expired);
    }
    Ok(row)
}

/// Uses a token up: exactly one caller succeeds, even when two race.
pub async fn consume(
    pool: &MySqlPool,
    clock: &SharedClock,
    token: &str,
    purpose: Purpose,
) -> Result<TokenRow, TokenError> {
    let row = peek(pool, clock, token, purpose).await?;
    if !tokens::mark_used(pool, &hash(token), clock.now_utc()).await? {
        return Err(TokenError::Used);
    }
    Ok(row)
}

//! Who calls: the `Authorization: Bearer` key, looked up by the SHA-256 of the whole secret,
//! with its owner as the `user` row says now, in one read. Every request checks again, so a
//! revoked or expired key, a blocked or a deleted account, is refused at once on every instance.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, http::header};
use sqlx::MySqlPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::error::{ApiError, invalid_key};
use crate::accounts::api_keys::{SECRET_PREFIX, hash_secret};
use crate::clock::SharedClock;
use crate::i18n::Msg;
use crate::store::api_keys::{self, ApiKeyRow, KeyWithOwner};
use crate::store::stats::PromptsOn;
use crate::store::users::UserRow;

/// An authenticated API call: the key and its owner.
pub struct ApiCaller {
    pub user: UserRow,
    pub key: ApiKeyRow,
    /// The owner's prompts today, read with their row (the daily quota's count).
    pub prompts_today: PromptsOn,
}

impl ApiCaller {
    pub fn key_id(&self) -> Uuid {
        Uuid::parse_str(&self.key.id).unwrap_or_default()
    }
}

/// The bearer secret, if the header carries one of ours.
fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.trim().split_once(' ')?;
    let secret = secret.trim();
    (scheme.eq_ignore_ascii_case("bearer")
        && secret.starts_with(SECRET_PREFIX)
        && secret.len() < 200)
        .then_some(secret)
}

/// The app's clock (tests move it), else the system's.
fn now(req: &HttpRequest) -> OffsetDateTime {
    req.app_data::<actix_web::web::Data<SharedClock>>()
        .map_or_else(OffsetDateTime::now_utc, |clock| clock.now())
}

pub async fn authenticate(req: &HttpRequest, pool: &MySqlPool) -> Result<ApiCaller, ApiError> {
    let secret = bearer(req).ok_or_else(invalid_key)?;
    let unreachable = |error: sqlx::Error| ApiError::from_app(error.into(), crate::i18n::Lang::En);
    let today = now(req).to_offset(time::UtcOffset::UTC).date();
    let KeyWithOwner {
        key,
        owner: user,
        prompts: prompts_today,
    } = api_keys::by_secret_hash(pool, &hash_secret(secret), today)
        .await
        .map_err(unreachable)?
        .ok_or_else(invalid_key)?;
    // A blocked owner hears why (blocking also revoked the key: unblocking does not revive it).
    if user.blocked {
        let lang = crate::i18n::Lang::from_request(req);
        let msg = match &user.block_reason {
            Some(reason) => Msg::new("login-blocked-reason").arg("reason", reason),
            None => Msg::new("login-blocked"),
        };
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "permission_error",
            "account_blocked",
            msg.translate(lang),
        ));
    }
    let expired = key.expires_at.is_some_and(|at| at.assume_utc() <= now(req));
    if key.revoked_at.is_some() || expired {
        return Err(invalid_key());
    }
    Ok(ApiCaller {
        user,
        key,
        prompts_today,
    })
}

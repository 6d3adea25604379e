//! Extractors that are the login check: `CurrentUser` (a logged-in, unblocked user, else a
//! redirect to the login page), `MaybeUser`, `CurrentAdmin` (403 for a user session) and
//! `ClientIp` for rate limits.
use std::future::{Ready, ready};

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures::future::LocalBoxFuture;
use sqlx::MySqlPool;

use super::session_store::{ADMIN_KEY, USER_KEY};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::store::admins::{self, AdminRow};
use crate::store::users::{self, UserRow};

#[derive(Clone, Debug)]
pub struct CurrentUser(pub UserRow);

#[derive(Clone, Debug)]
pub struct MaybeUser(pub Option<UserRow>);

#[derive(Clone, Debug)]
pub struct CurrentAdmin(pub AdminRow);

fn pool(req: &HttpRequest) -> Result<MySqlPool, AppError> {
    req.app_data::<web::Data<MySqlPool>>()
        .map(|pool| pool.get_ref().clone())
        .ok_or_else(|| AppError::unexpected(anyhow::anyhow!("database pool not registered")))
}

/// The session's user, if it is still an active (existing, unblocked) account. A session whose
/// user was deleted or blocked is ended on the spot.
async fn session_user(session: &Session, pool: &MySqlPool) -> Result<Option<UserRow>, AppError> {
    let id: Option<String> = session.get(USER_KEY).unwrap_or(None);
    let Some(id) = id else { return Ok(None) };
    match users::find(pool, &id).await? {
        Some(user) if !user.blocked => Ok(Some(user)),
        _ => {
            session.purge();
            Ok(None)
        }
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let (session, pool) = (req.get_session(), pool(req));
        Box::pin(async move {
            session_user(&session, &pool?)
                .await?
                .map(CurrentUser)
                .ok_or(AppError::Unauthorized)
        })
    }
}

impl FromRequest for MaybeUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let (session, pool) = (req.get_session(), pool(req));
        Box::pin(async move { Ok(MaybeUser(session_user(&session, &pool?).await?)) })
    }
}

impl FromRequest for CurrentAdmin {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let (session, pool) = (req.get_session(), pool(req));
        Box::pin(async move {
            let id: Option<u32> = session.get(ADMIN_KEY).unwrap_or(None);
            match id {
                Some(id) => admins::find_by_id(&pool?, id)
                    .await?
                    .map(CurrentAdmin)
                    .ok_or(AppError::Unauthorized),
                None if session.contains_key(USER_KEY) => {
                    Err(AppError::Forbidden(Msg::new("error-admin-only")))
                }
                None => Err(AppError::Unauthorized),
            }
        })
    }
}

/// The client's address: the TCP peer, or the proxy's `X-Forwarded-For` when TRUST_PROXY=on.
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

#[derive(Clone, Copy, Debug)]
pub struct TrustProxy(pub bool);

impl FromRequest for ClientIp {
    type Error = AppError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let trust = req.app_data::<web::Data<TrustProxy>>().is_some_and(|t| t.0);
        let ip = if trust {
            req.connection_info()
                .realip_remote_addr()
                .map(str::to_owned)
        } else {
            req.peer_addr().map(|addr| addr.ip().to_string())
        };
        ready(Ok(ClientIp(ip.unwrap_or_else(|| "unknown".into()))))
    }
}

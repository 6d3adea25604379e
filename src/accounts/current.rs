//! Extractors that are the login check: `CurrentUser` (a logged-in, unblocked user, else a
//! redirect to the login page), `MaybeUser`, `CurrentAdmin` (403 for a user session) and
//! `ClientIp` for rate limits.
use std::future::{Ready, ready};

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures::future::LocalBoxFuture;
use sqlx::MySqlPool;

use super::session_store::{ADMIN_KEY, BLOCKED_KEY, DATABASE_DOWN_KEY, LOADED_USER_KEY, USER_KEY};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::net::ProxyTrust;
use crate::store::admins::{self, AdminRow};
use crate::store::stats::PromptsOn;
use crate::store::users::{self, UserRow};

/// The logged-in user, and their prompts today as read with the session (`None` when the row
/// was read on its own).
#[derive(Clone, Debug)]
pub struct CurrentUser(pub UserRow, Option<PromptsOn>);

impl CurrentUser {
    /// The user's prompts on the session's day, which the daily quota counts.
    pub fn prompts_today(&self) -> Option<PromptsOn> {
        self.1
    }
}

#[derive(Clone, Debug)]
pub struct MaybeUser(pub Option<UserRow>);

#[derive(Clone, Debug)]
pub struct CurrentAdmin(pub AdminRow);

fn pool(req: &HttpRequest) -> Result<MySqlPool, AppError> {
    req.app_data::<web::Data<MySqlPool>>()
        .map(|pool| pool.get_ref().clone())
        .ok_or_else(|| AppError::unexpected(anyhow::anyhow!("database pool not registered")))
}

/// Who a session belongs to now.
enum SessionUser {
    /// With their prompts today when they were read with the session.
    Active(UserRow, Option<PromptsOn>),
    /// Blocked since the session began: logged out, told why until unblocked or someone logs in.
    Blocked(UserRow),
    Nobody,
}

/// The session's user, if it is still an active (existing, unblocked) account. A session whose
/// user was deleted or blocked is ended on the spot.
async fn session_user(session: &Session, pool: &MySqlPool) -> Result<SessionUser, AppError> {
    database_reachable(session)?;
    let id: Option<String> = session.get(USER_KEY).unwrap_or(None);
    let Some(id) = id else {
        // Blocked while this page was open: the note stays, so that every page (the login page
        // after a reload too) can say why; it goes once the account is unblocked.
        let blocked: Option<String> = session.get(BLOCKED_KEY).unwrap_or(None);
        let Some(blocked) = blocked else {
            return Ok(SessionUser::Nobody);
        };
        return Ok(match users::find(pool, &blocked).await? {
            Some(user) if user.blocked => SessionUser::Blocked(user),
            _ => {
                session.remove(BLOCKED_KEY);
                SessionUser::Nobody
            }
        });
    };
    match session_row(session, &id, pool).await? {
        (Some(user), prompts) if !user.blocked => Ok(SessionUser::Active(user, prompts)),
        (found, _) => {
            session.purge();
            Ok(found.map_or(SessionUser::Nobody, SessionUser::Blocked))
        }
    }
}

/// The user's row and prompts today: the ones the session store read with the session, else the
/// row read now (a session that changed user during this request).
async fn session_row(
    session: &Session,
    id: &str,
    pool: &MySqlPool,
) -> Result<(Option<UserRow>, Option<PromptsOn>), AppError> {
    let loaded: Option<(UserRow, PromptsOn)> = session.get(LOADED_USER_KEY).unwrap_or(None);
    match loaded {
        Some((user, prompts)) if user.id == id => Ok((Some(user), Some(prompts))),
        _ => Ok((users::find(pool, id).await?, None)),
    }
}

/// 503 when the session could not be loaded because the database is out of reach.
fn database_reachable(session: &Session) -> Result<(), AppError> {
    if session.contains_key(DATABASE_DOWN_KEY) {
        return Err(AppError::Busy {
            retry_after_secs: 5,
        });
    }
    Ok(())
}

/// What a blocked user is told: by the chat page's requests, and by the login page.
pub fn block_notice(user: &UserRow) -> Msg {
    match user
        .block_reason
        .as_deref()
        .filter(|r| !r.trim().is_empty())
    {
        Some(reason) => Msg::new("login-blocked-reason").arg("reason", reason),
        None => Msg::new("login-blocked"),
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let (session, pool) = (req.get_session(), pool(req));
        let api = req.path().starts_with("/api/");
        Box::pin(async move {
            match session_user(&session, &pool?).await? {
                SessionUser::Active(user, prompts) => Ok(CurrentUser(user, prompts)),
                SessionUser::Blocked(user) if api => Err(AppError::Forbidden(block_notice(&user))),
                // A page goes to the login page, which says why.
                SessionUser::Blocked(_) | SessionUser::Nobody => Err(AppError::Unauthorized),
            }
        })
    }
}

impl FromRequest for MaybeUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let (session, pool) = (req.get_session(), pool(req));
        Box::pin(async move {
            match session_user(&session, &pool?).await? {
                SessionUser::Active(user, _) => Ok(MaybeUser(Some(user))),
                SessionUser::Blocked(_) | SessionUser::Nobody => Ok(MaybeUser(None)),
            }
        })
    }
}

impl FromRequest for CurrentAdmin {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let (session, pool) = (req.get_session(), pool(req));
        Box::pin(async move {
            database_reachable(&session)?;
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

/// The client's address: the TCP peer, or behind our own proxies (TRUST_PROXY=on,
/// TRUSTED_PROXIES) the rightmost `X-Forwarded-For` hop they did not add themselves.
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

impl FromRequest for ClientIp {
    type Error = AppError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let peer = req.peer_addr().map(|addr| addr.ip());
        let ip = match req.app_data::<web::Data<ProxyTrust>>() {
            Some(trust) => {
                let hops = req
                    .headers()
                    .get_all("x-forwarded-for")
                    .filter_map(|value| value.to_str().ok())
                    .collect::<Vec<_>>();
                trust.client_ip(peer, hops.into_iter())
            }
            None => peer,
        };
        ready(Ok(ClientIp(
            ip.map_or_else(|| "unknown".into(), |ip| ip.to_string()),
        )))
    }
}

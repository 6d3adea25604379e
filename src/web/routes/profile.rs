//! `/profile`: account details, previous chats, edit, change password, delete the account.
use actix_session::Session;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures::future::LocalBoxFuture;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::MySqlPool;

use super::auth::{start_user_session, translated};
use crate::accounts::current::{ClientIp, CurrentUser};
use crate::accounts::rate_limit::RateLimiter;
use crate::accounts::{AccountError, Accounts};
use crate::chat::service::ChatService;
use crate::configuration::RateLimitSettings;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::store::chats;
use crate::store::users::UserRow;
use crate::web::page::{Page, see_other};

const RECENT_CHATS: u32 = 100;

async fn profile_data(page: &Page, pool: &MySqlPool, user: &UserRow) -> Result<Value, AppError> {
    let chats =
        chats::list_for_user(pool, &user.id, chats::Shelf::Sidebar, None, RECENT_CHATS).await?;
    Ok(json!({
        "title": page.t(&Msg::new("profile-title")),
        "user": super::user_json(user),
        "chats": chats,
        "username": user.username,
        "email": user.email,
        "scripts": ["/static/js/sidebar.js"],
    }))
}

#[derive(Deserialize)]
pub struct ProfileQuery {
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    chats_deleted: Option<String>,
}

pub async fn show(
    page: Page,
    user: CurrentUser,
    query: web::Query<ProfileQuery>,
    pool: web::Data<MySqlPool>,
) -> Result<HttpResponse, AppError> {
    let mut data = profile_data(&page, &pool, &user.0).await?;
    data["saved"] = json!(query.saved.is_some());
    data["chats_deleted"] = json!(query.chats_deleted.is_some());
    data["password_changed"] = json!(query.password.is_some());
    page.render("profile", data)
}

/// Renders the profile again with one form's messages (`section`: profile, password, delete).
async fn failure(
    page: &Page,
    pool: &MySqlPool,
    user: &UserRow,
    section: &str,
    error: AccountError,
    extra: Value,
) -> Result<HttpResponse, AppError> {
    let mut data = profile_data(page, pool, user).await?;
    if let (Some(object), Value::Object(extra)) = (data.as_object_mut(), extra) {
        object.extend(extra);
    }
    match error {
        AccountError::Fields(errors) => {
            data[format!("{section}_errors")] = translated(page, &errors)
        }
        AccountError::Refused(msg) => data["error"] = json!(page.t(&msg)),
        AccountError::App(error) => return Err(error),
    }
    page.render_with_status(
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
        "profile",
        data,
    )
}

#[derive(Deserialize)]
pub struct ProfileForm {
    username: String,
    email: String,
}

pub async fn update(
    page: Page,
    user: CurrentUser,
    form: web::Form<ProfileForm>,
    accounts: web::Data<Accounts>,
    pool: web::Data<MySqlPool>,
) -> Result<HttpResponse, AppError> {
    match accounts
        .update_profile(&user.0, &form.username, &form.email, page.lang)
        .await
    {
        Ok(_) => Ok(see_other("/profile?saved=1")),
        Err(error) => {
            let extra = json!({ "username": form.username, "email": form.email });
            failure(&page, &pool, &user.0, "profile", error, extra).await
        }
    }
}

/// The logged-in user about to type their current password (change password, delete
/// account): a way to guess a password from a stolen session, so each attempt counts against
/// the same limits as logging in, per account and per address.
pub struct PasswordCheck {
    user: CurrentUser,
    ip: ClientIp,
    limiter: web::Data<RateLimiter>,
    limits: web::Data<RateLimitSettings>,
}

impl PasswordCheck {
    /// Counts the attempt (429 once over the limits) and hands out the user.
    async fn counted(&self) -> Result<&UserRow, AppError> {
        let (user, limits) = (&self.user.0, &self.limits);
        self.limiter
            .check(
                &format!("password-check:ip:{}", self.ip.0),
                limits.login_per_ip,
            )
            .await?;
        self.limiter
            .check(
                &format!("password-check:account:{}", user.id),
                limits.login_per_account,
            )
            .await?;
        Ok(user)
    }
}

impl FromRequest for PasswordCheck {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        let ip = ClientIp::from_request(req, payload).into_inner();
        let limiter = req.app_data::<web::Data<RateLimiter>>().cloned();
        let limits = req.app_data::<web::Data<RateLimitSettings>>().cloned();
        Box::pin(async move {
            let (Some(limiter), Some(limits)) = (limiter, limits) else {
                return Err(AppError::unexpected(anyhow::anyhow!(
                    "rate limiter not registered"
                )));
            };
            Ok(PasswordCheck {
                user: user.await?,
                ip: ip?,
                limiter,
                limits,
            })
        })
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    password: String,
    password_confirm: String,
}

pub async fn change_password(
    page: Page,
    session: Session,
    check: PasswordCheck,
    form: web::Form<PasswordForm>,
    accounts: web::Data<Accounts>,
    pool: web::Data<MySqlPool>,
) -> Result<HttpResponse, AppError> {
    let user = check.counted().await?;
    match accounts
        .change_password(
            user,
            &form.current_password,
            &form.password,
            &form.password_confirm,
        )
        .await
    {
        Ok(()) => {
            // Every session ended, this device's too: give it a fresh one.
            start_user_session(&session, &user.id)?;
            Ok(crate::web::csrf::rotated(see_other("/profile?password=1")))
        }
        Err(error) => failure(&page, &pool, user, "password", error, json!({})).await,
    }
}

#[derive(Deserialize)]
pub struct DeleteForm {
    password: String,
}

// Each argument is an extractor: the account's deletion touches chats, bots and the account.
#[allow(clippy::too_many_arguments)]
pub async fn delete(
    page: Page,
    session: Session,
    check: PasswordCheck,
    form: web::Form<DeleteForm>,
    accounts: web::Data<Accounts>,
    chats: web::Data<ChatService>,
    bots: web::Data<crate::bots::Bots>,
    pool: web::Data<MySqlPool>,
) -> Result<HttpResponse, AppError> {
    let user = check.counted().await?;
    if let Err(error) = accounts.confirm_password(user, &form.password).await {
        return failure(&page, &pool, user, "delete", error, json!({})).await;
    }
    chats.delete_all_for(user).await?;
    let owner = user.uuid();
    bots.delete_all_of(owner, &crate::events::Metadata::user(&user.id))
        .await?;
    accounts.finish_deletion(user).await.map_err(|e| match e {
        AccountError::App(e) => e,
        other => AppError::unexpected(other),
    })?;
    session.purge();
    Ok(see_other("/register?deleted=1"))
}

/// How many times an hour a user may export their data (each export reads every chat).
const EXPORTS_PER_HOUR: u32 = 3;

/// "Export my data": every chat of mine, as Markdown and JSON in one zip, a few times an hour.
pub async fn export(
    user: CurrentUser,
    pool: web::Data<MySqlPool>,
    limiter: web::Data<RateLimiter>,
    catalog: web::Data<crate::catalog::Catalog>,
    clock: web::Data<crate::clock::SharedClock>,
) -> Result<HttpResponse, AppError> {
    let bucket = format!("export:user:{}", user.0.id);
    let hour = time::Duration::hours(1);
    if let Some(retry_after_secs) = limiter.over_per(&bucket, EXPORTS_PER_HOUR, hour).await? {
        let msg = Msg::new("profile-export-limited")
            .arg("limit", EXPORTS_PER_HOUR)
            .arg("minutes", retry_after_secs.div_ceil(60).max(1));
        let mut response = HttpResponse::from_error(AppError::QuotaExceeded(msg));
        response.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from(retry_after_secs),
        );
        return Ok(response);
    }
    let names = crate::admin::export::ModelNames::new(&catalog);
    let chats = crate::admin::export::user_chats(&pool, &user.0, &names).await?;
    let name = format!("chatbot-factory-{}", user.0.username);
    let users = vec![(user.0.username.clone(), chats)];
    super::admin::exporting::zip_download(&pool, users, &name, clock.now()).await
}

/// "Delete all chats" (the account stays).
pub async fn delete_chats(
    user: CurrentUser,
    chats: web::Data<ChatService>,
) -> Result<HttpResponse, AppError> {
    chats.delete_all_for(&user.0).await?;
    Ok(see_other("/settings?chats_deleted=1"))
}

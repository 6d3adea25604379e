//! Sign-up, e-mail verification, login and logout pages.
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::MySqlPool;

use super::language::local_path;
use crate::accounts::current::{ClientIp, CurrentUser, MaybeUser, block_notice};
use crate::accounts::password;
use crate::accounts::rate_limit::{LoginBuckets, RateLimiter};
use crate::accounts::session_store::{BLOCKED_KEY, USER_KEY};
use crate::accounts::{AccountError, Accounts, FieldErrors, Registration};
use crate::configuration::RateLimitSettings;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::store::users;
use crate::web::csrf;
use crate::web::page::{Page, see_other};

/// Field messages in the page's language, for `{{errors.username}}` and friends.
pub fn translated(page: &Page, errors: &FieldErrors) -> Value {
    Value::Object(
        errors
            .iter()
            .map(|(field, msg)| ((*field).to_owned(), Value::String(page.t(msg))))
            .collect(),
    )
}

/// A form page again, with what went wrong: field messages or one notice at the top.
pub fn form_failure(
    page: &Page,
    template: &str,
    error: AccountError,
    mut data: Value,
) -> Result<HttpResponse, AppError> {
    let (status, key, value) = match error {
        AccountError::Fields(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "errors",
            translated(page, &errors),
        ),
        AccountError::Refused(msg) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "error",
            Value::String(page.t(&msg)),
        ),
        AccountError::App(error) => return Err(error),
    };
    if let Some(object) = data.as_object_mut() {
        object.insert(key.into(), value);
    }
    page.render_with_status(status, template, data)
}

/// Logs the user in on this device with a fresh session id.
pub fn start_user_session(session: &Session, user_id: &str) -> Result<(), AppError> {
    session.renew();
    session.remove(BLOCKED_KEY);
    session
        .insert(USER_KEY, user_id)
        .map_err(AppError::unexpected)
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct RegisterQuery {
    /// Set after an account was deleted, to say so.
    #[serde(default)]
    deleted: Option<String>,
    /// Where to go once signed up (a bot's share link), kept through the mailed link.
    #[serde(default)]
    next: Option<String>,
}

/// `next` when it is a local path other than the start page (never another site).
fn onward(next: Option<&str>) -> Option<&str> {
    next.map(local_path).filter(|path| *path != "/")
}

/// `path`, with `?next=` when there is somewhere to go on to.
fn with_next(path: &str, next: Option<&str>) -> String {
    match onward(next) {
        Some(next) => {
            let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
            format!("{path}?next={next}")
        }
        None => path.to_owned(),
    }
}

pub async fn register_form(
    page: Page,
    user: MaybeUser,
    query: web::Query<RegisterQuery>,
) -> Result<HttpResponse, AppError> {
    let next = query.next.as_deref();
    if user.0.is_some() {
        return Ok(see_other(onward(next).unwrap_or("/")));
    }
    let notice = query
        .deleted
        .is_some()
        .then(|| page.t(&Msg::new("account-deleted-notice")));
    page.render(
        "auth/register",
        json!({ "title": page.t(&Msg::new("register-title")), "notice": notice,
                "next": onward(next), "login_href": with_next("/login", next) }),
    )
}

#[derive(Deserialize)]
pub struct RegisterForm {
    username: String,
    email: String,
    password: String,
    password_confirm: String,
    #[serde(default)]
    next: String,
}

pub async fn register(
    page: Page,
    session: Session,
    ip: ClientIp,
    form: web::Form<RegisterForm>,
    accounts: web::Data<Accounts>,
    limiter: web::Data<RateLimiter>,
    limits: web::Data<RateLimitSettings>,
) -> Result<HttpResponse, AppError> {
    let _admitted = password::admit()?;
    limiter
        .check(&format!("register:ip:{}", ip.0), limits.register_per_ip)
        .await?;
    let registration = Registration {
        username: &form.username,
        email: &form.email,
        password: &form.password,
        password_confirm: &form.password_confirm,
    };
    let next = onward(Some(form.next.as_str()));
    match accounts.register(registration, page.lang, next).await {
        Ok(user) => {
            start_user_session(&session, &user.id)?;
            Ok(csrf::rotated(see_other(next.unwrap_or("/"))))
        }
        Err(error) => {
            let data = json!({
                "title": page.t(&Msg::new("register-title")),
                "username": form.username, "email": form.email,
                "next": next, "login_href": with_next("/login", next),
            });
            form_failure(&page, "auth/register", error, data)
        }
    }
}

pub async fn login_form(
    page: Page,
    user: MaybeUser,
    session: Session,
    pool: web::Data<MySqlPool>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    if user.0.is_some() {
        return Ok(see_other("/"));
    }
    let next = query.next.as_deref().map(local_path).unwrap_or("/");
    let blocked = block_reason(&session, &pool).await?.map(|msg| page.t(&msg));
    page.render(
        "auth/login",
        json!({ "title": page.t(&Msg::new("login-title")), "next": next, "error": blocked,
                "register_href": with_next("/register", Some(next)) }),
    )
}

/// Why this device was logged out, while its session keeps the note of a block (until the
/// account is unblocked: see `accounts::current`).
async fn block_reason(session: &Session, pool: &MySqlPool) -> Result<Option<Msg>, AppError> {
    let Some(id) = session.get::<String>(BLOCKED_KEY).unwrap_or(None) else {
        return Ok(None);
    };
    let user = users::find(pool, &id).await?;
    Ok(user
        .filter(|user| user.blocked)
        .map(|user| block_notice(&user)))
}

#[derive(Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    page: Page,
    session: Session,
    ip: ClientIp,
    form: web::Form<LoginForm>,
    accounts: web::Data<Accounts>,
    limiter: web::Data<RateLimiter>,
    limits: web::Data<RateLimitSettings>,
) -> Result<HttpResponse, AppError> {
    let buckets = LoginBuckets::new("login", &form.login, &ip.0);
    let attempt = limiter
        .login(&buckets, &limits, || {
            accounts.login(&form.login, &form.password)
        })
        .await?;
    match attempt {
        Ok(user) => {
            start_user_session(&session, &user.id)?;
            Ok(csrf::rotated(see_other(local_path(&form.next))))
        }
        Err(error) => {
            let data = json!({ "title": page.t(&Msg::new("login-title")), "login": form.login, "next": form.next,
                               "register_href": with_next("/register", Some(form.next.as_str())) });
            form_failure(&page, "auth/login", error, data)
        }
    }
}

pub async fn logout(session: Session) -> HttpResponse {
    session.purge();
    see_other("/login")
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    pub token: String,
}

#[derive(Deserialize)]
pub struct VerifyQuery {
    #[serde(default)]
    token: String,
    /// Where the person was going when they signed up (`Accounts::register`).
    #[serde(default)]
    next: Option<String>,
}

/// Proves the address. It never logs anyone in: a mailed link must not be a login link (it
/// would outlive a password reset, and an attacker's link would log a victim into the
/// attacker's account). The browser that registered is already logged in: it goes on to
/// where the person was going (a bot's share link); another one logs in and then goes there.
pub async fn verify(
    page: Page,
    user: MaybeUser,
    query: web::Query<VerifyQuery>,
    accounts: web::Data<Accounts>,
) -> Result<HttpResponse, AppError> {
    let title = page.t(&Msg::new("verify-title"));
    let logged_in = user.0.is_some();
    let next = onward(query.next.as_deref());
    match accounts.verify_email(&query.token).await {
        Ok(_) => match next {
            Some(next) if logged_in => Ok(see_other(next)),
            _ => page.render(
                "auth/verified",
                json!({ "title": title, "ok": true, "logged_in": logged_in,
                        "login_href": with_next("/login", next) }),
            ),
        },
        Err(AccountError::Refused(msg)) => page.render_with_status(
            StatusCode::BAD_REQUEST,
            "auth/verified",
            json!({ "title": title, "ok": false, "error": page.t(&msg), "logged_in": logged_in }),
        ),
        Err(AccountError::Fields(_)) => Err(AppError::BadRequest(Msg::new("token-invalid"))),
        Err(AccountError::App(error)) => Err(error),
    }
}

/// Whether the logged-in user's address is verified yet: a page left open at "check your
/// mail" asks every few seconds and unlocks itself once it is (`app.js`).
pub async fn verification_status(user: CurrentUser) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({ "verified": user.0.verified }))
}

pub async fn resend_verification(
    page: Page,
    user: CurrentUser,
    accounts: web::Data<Accounts>,
    limiter: web::Data<RateLimiter>,
    limits: web::Data<RateLimitSettings>,
) -> Result<HttpResponse, AppError> {
    limiter
        .check(
            &format!("resend:account:{}", user.0.id),
            limits.resend_per_account,
        )
        .await?;
    let title = page.t(&Msg::new("verify-title"));
    match accounts.resend_verification(&user.0, page.lang).await {
        Ok(()) => page.render(
            "auth/verify_sent",
            json!({ "title": title, "email": user.0.email }),
        ),
        Err(AccountError::Refused(msg)) => page.render_with_status(
            StatusCode::TOO_MANY_REQUESTS,
            "auth/verify_sent",
            json!({ "title": title, "email": user.0.email, "error": page.t(&msg) }),
        ),
        Err(AccountError::Fields(_)) => Err(AppError::BadRequest(Msg::new("error-bad-request"))),
        Err(AccountError::App(error)) => Err(error),
    }
}

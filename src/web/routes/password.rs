//! "Forgot password": ask for a link, then choose a new password with it.
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::auth::{TokenQuery, form_failure, start_user_session};
use crate::accounts::current::ClientIp;
use crate::accounts::rate_limit::RateLimiter;
use crate::accounts::{AccountError, Accounts};
use crate::configuration::RateLimitSettings;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::web::page::{Page, see_other};

pub async fn forgot_form(page: Page) -> Result<HttpResponse, AppError> {
    page.render(
        "auth/forgot",
        json!({ "title": page.t(&Msg::new("forgot-title")) }),
    )
}

#[derive(Deserialize)]
pub struct ForgotForm {
    email: String,
}

/// Answers the same, at once, whether or not the address belongs to someone.
pub async fn forgot(
    page: Page,
    ip: ClientIp,
    form: web::Form<ForgotForm>,
    accounts: web::Data<Accounts>,
    limiter: web::Data<RateLimiter>,
    limits: web::Data<RateLimitSettings>,
) -> Result<HttpResponse, AppError> {
    limiter
        .check(&format!("forgot:ip:{}", ip.0), limits.forgot_per_ip)
        .await?;
    limiter
        .check(
            &format!("forgot:account:{}", form.email.trim().to_lowercase()),
            limits.forgot_per_account,
        )
        .await?;
    accounts.request_password_reset(&form.email, page.lang);
    page.render(
        "auth/forgot_sent",
        json!({ "title": page.t(&Msg::new("forgot-title")) }),
    )
}

pub async fn reset_form(
    page: Page,
    query: web::Query<TokenQuery>,
    accounts: web::Data<Accounts>,
) -> Result<HttpResponse, AppError> {
    let title = page.t(&Msg::new("reset-title"));
    match accounts.check_reset_token(&query.token).await {
        Ok(()) => page.render(
            "auth/reset",
            json!({ "title": title, "token": query.token }),
        ),
        Err(AccountError::Refused(msg)) => page.render_with_status(
            StatusCode::BAD_REQUEST,
            "auth/reset",
            json!({ "title": title, "invalid": page.t(&msg) }),
        ),
        Err(AccountError::Fields(_)) => Err(AppError::BadRequest(Msg::new("token-invalid"))),
        Err(AccountError::App(error)) => Err(error),
    }
}

#[derive(Deserialize)]
pub struct ResetForm {
    token: String,
    password: String,
    password_confirm: String,
}

pub async fn reset(
    page: Page,
    session: Session,
    form: web::Form<ResetForm>,
    accounts: web::Data<Accounts>,
) -> Result<HttpResponse, AppError> {
    match accounts
        .reset_password(&form.token, &form.password, &form.password_confirm)
        .await
    {
        Ok(user) => {
            start_user_session(&session, &user.id)?;
            Ok(crate::web::csrf::rotated(see_other("/")))
        }
        Err(AccountError::Refused(msg)) => {
            let data =
                json!({ "title": page.t(&Msg::new("reset-title")), "invalid": page.t(&msg) });
            page.render_with_status(StatusCode::BAD_REQUEST, "auth/reset", data)
        }
        Err(error) => {
            let data = json!({ "title": page.t(&Msg::new("reset-title")), "token": form.token });
            form_failure(&page, "auth/reset", error, data)
        }
    }
}

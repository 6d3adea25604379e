//! `/admin/login` and `/admin/logout`, against the `admin` table seeded from `.env`.
use actix_session::Session;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::accounts::Accounts;
use crate::accounts::current::ClientIp;
use crate::accounts::rate_limit::{LoginBuckets, RateLimiter};
use crate::accounts::session_store::ADMIN_KEY;
use crate::configuration::RateLimitSettings;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::web::csrf;
use crate::web::page::{Page, see_other};
use crate::web::routes::auth::form_failure;

pub async fn form(page: Page) -> Result<HttpResponse, AppError> {
    page.render(
        "admin/login",
        json!({ "title": page.t(&Msg::new("admin-login-title")) }),
    )
}

#[derive(Deserialize)]
pub struct AdminLoginForm {
    username: String,
    password: String,
}

pub async fn login(
    page: Page,
    session: Session,
    ip: ClientIp,
    form: web::Form<AdminLoginForm>,
    accounts: web::Data<Accounts>,
    limiter: web::Data<RateLimiter>,
    limits: web::Data<RateLimitSettings>,
) -> Result<HttpResponse, AppError> {
    let buckets = LoginBuckets::new("admin-login", &form.username, &ip.0);
    let attempt = limiter
        .login(&buckets, &limits, || {
            accounts.admin_login(&form.username, &form.password)
        })
        .await?;
    match attempt {
        Ok(admin) => {
            session.renew();
            session
                .insert(ADMIN_KEY, admin.id)
                .map_err(AppError::unexpected)?;
            Ok(csrf::rotated(see_other("/admin")))
        }
        Err(error) => {
            let data = json!({ "title": page.t(&Msg::new("admin-login-title")), "username": form.username });
            form_failure(&page, "admin/login", error, data)
        }
    }
}

pub async fn logout(session: Session) -> HttpResponse {
    session.remove(ADMIN_KEY);
    session.renew();
    see_other("/admin/login")
}

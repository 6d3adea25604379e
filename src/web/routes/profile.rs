//! `/profile`: account details, previous chats, edit, change password, delete the account.
use actix_session::Session;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::MySqlPool;

use super::auth::{start_user_session, translated};
use crate::accounts::current::CurrentUser;
use crate::accounts::{AccountError, Accounts};
use crate::chat::service::ChatService;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::store::chats;
use crate::store::users::UserRow;
use crate::web::page::{Page, see_other};

const RECENT_CHATS: u32 = 100;

async fn profile_data(page: &Page, pool: &MySqlPool, user: &UserRow) -> Result<Value, AppError> {
    let chats = chats::list_for_user(pool, &user.id, None, RECENT_CHATS).await?;
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
}

pub async fn show(
    page: Page,
    user: CurrentUser,
    query: web::Query<ProfileQuery>,
    pool: web::Data<MySqlPool>,
) -> Result<HttpResponse, AppError> {
    let mut data = profile_data(&page, &pool, &user.0).await?;
    data["saved"] = json!(query.saved.is_some());
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

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    password: String,
    password_confirm: String,
}

pub async fn change_password(
    page: Page,
    session: Session,
    user: CurrentUser,
    form: web::Form<PasswordForm>,
    accounts: web::Data<Accounts>,
    pool: web::Data<MySqlPool>,
) -> Result<HttpResponse, AppError> {
    match accounts
        .change_password(
            &user.0,
            &form.current_password,
            &form.password,
            &form.password_confirm,
        )
        .await
    {
        Ok(()) => {
            // Every session ended, this device's too: give it a fresh one.
            start_user_session(&session, &user.0.id)?;
            Ok(see_other("/profile?password=1"))
        }
        Err(error) => failure(&page, &pool, &user.0, "password", error, json!({})).await,
    }
}

#[derive(Deserialize)]
pub struct DeleteForm {
    password: String,
}

pub async fn delete(
    page: Page,
    session: Session,
    user: CurrentUser,
    form: web::Form<DeleteForm>,
    accounts: web::Data<Accounts>,
    chats: web::Data<ChatService>,
    pool: web::Data<MySqlPool>,
) -> Result<HttpResponse, AppError> {
    if let Err(error) = accounts.confirm_password(&user.0, &form.password).await {
        return failure(&page, &pool, &user.0, "delete", error, json!({})).await;
    }
    chats.delete_all_for(&user.0).await?;
    accounts
        .finish_deletion(&user.0)
        .await
        .map_err(|e| match e {
            AccountError::App(e) => e,
            other => AppError::unexpected(other),
        })?;
    session.purge();
    Ok(see_other("/register?deleted=1"))
}

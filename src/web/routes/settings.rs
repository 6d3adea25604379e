//! `/settings`: the settings window of the profile menu: theme and language, custom
//! instructions (sent with every new chat), and the user's data (export, delete all chats).
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::translated;
use crate::accounts::current::CurrentUser;
use sqlx::MySqlPool;

use crate::accounts::{AccountError, Accounts, CUSTOM_INSTRUCTIONS_MAX_CHARS};
use crate::chat::service::ChatService;
use crate::domain::ChatId;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::store::chats;
use crate::store::users::UserRow;
use crate::web::page::{Page, see_other};

/// How many archived chats the settings page lists.
const ARCHIVED_SHOWN: u32 = 200;

#[derive(Deserialize)]
pub struct SettingsQuery {
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    chats_deleted: Option<String>,
}

fn settings_data(page: &Page, user: &UserRow, about: &str, style: &str) -> Value {
    let themes: Vec<Value> = [
        ("system", "theme-system"),
        ("light", "theme-light"),
        ("dark", "theme-dark"),
    ]
    .iter()
    .map(|(name, id)| {
        let label = page.t(&Msg::new(id));
        json!({ "name": name, "label": label, "current": page.theme == *name })
    })
    .collect();
    json!({
        "title": page.t(&Msg::new("settings-title")),
        "user": super::user_json(user),
        "about": about, "style": style, "max_chars": CUSTOM_INSTRUCTIONS_MAX_CHARS,
        "themes": themes,
        "scripts": ["/static/js/sidebar.js"],
    })
}

pub async fn show(
    page: Page,
    user: CurrentUser,
    query: web::Query<SettingsQuery>,
    pool: web::Data<MySqlPool>,
) -> Result<HttpResponse, AppError> {
    let user = &user.0;
    let archived = chats::list_for_user(
        &pool,
        &user.id,
        chats::Shelf::Archived,
        None,
        ARCHIVED_SHOWN,
    )
    .await?;
    let mut data = settings_data(
        &page,
        user,
        user.custom_about.as_deref().unwrap_or(""),
        user.custom_style.as_deref().unwrap_or(""),
    );
    data["saved"] = json!(query.saved.is_some());
    data["chats_deleted"] = json!(query.chats_deleted.is_some());
    data["archived"] = json!(archived);
    page.render("settings", data)
}

/// Puts an archived chat back into the sidebar.
pub async fn unarchive(
    user: CurrentUser,
    path: web::Path<ChatId>,
    service: web::Data<ChatService>,
) -> Result<HttpResponse, AppError> {
    service.archive(&user.0, *path, false).await?;
    Ok(see_other("/settings#archived"))
}

#[derive(Deserialize)]
pub struct InstructionsForm {
    #[serde(default)]
    about: String,
    #[serde(default)]
    style: String,
}

pub async fn save_instructions(
    page: Page,
    user: CurrentUser,
    form: web::Form<InstructionsForm>,
    accounts: web::Data<Accounts>,
) -> Result<HttpResponse, AppError> {
    match accounts
        .set_custom_instructions(&user.0, &form.about, &form.style)
        .await
    {
        Ok(()) => Ok(see_other("/settings?saved=1")),
        Err(AccountError::Fields(errors)) => {
            let mut data = settings_data(&page, &user.0, &form.about, &form.style);
            data["errors"] = translated(&page, &errors);
            page.render_with_status(StatusCode::UNPROCESSABLE_ENTITY, "settings", data)
        }
        Err(AccountError::Refused(msg)) => Err(AppError::Unprocessable(msg)),
        Err(AccountError::App(error)) => Err(error),
    }
}

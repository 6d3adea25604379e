//! `/admin/api-keys`: every personal API key (owner, prefix, dates, usage, status); revoke any.
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::accounts::current::CurrentAdmin;
use crate::accounts::{AccountError, Accounts};
use crate::clock::SharedClock;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::web::page::{Page, see_other};
use crate::web::routes::profile_keys::key_json;

const PAGE_SIZE: u32 = 50;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    revoked: Option<String>,
}

pub async fn list(
    page: Page,
    admin: CurrentAdmin,
    query: web::Query<ListQuery>,
    accounts: web::Data<Accounts>,
    clock: web::Data<SharedClock>,
) -> Result<HttpResponse, AppError> {
    let number = query.page.unwrap_or(1).max(1);
    let offset = u64::from(number - 1) * u64::from(PAGE_SIZE);
    let (rows, total) = accounts
        .all_api_keys(PAGE_SIZE, offset)
        .await
        .map_err(app_error)?;
    let now = clock.now();
    let keys: Vec<Value> = rows
        .iter()
        .map(|row| {
            let mut key = key_json(&row.key, now);
            key["owner"] = json!(row.owner);
            key["owner_id"] = json!(row.key.user_id);
            key["prompt_tokens"] = json!(row.key.prompt_tokens);
            key["completion_tokens"] = json!(row.key.completion_tokens);
            key
        })
        .collect();
    super::render(
        &page,
        &admin.0,
        "api_keys",
        "admin/api_keys",
        Msg::new("admin-nav-api-keys"),
        json!({
            "keys": keys,
            "revoked_notice": query.revoked.is_some(),
            "pagination": super::pagination(number, PAGE_SIZE, total),
        }),
    )
}

pub async fn revoke(
    admin: CurrentAdmin,
    id: web::Path<Uuid>,
    accounts: web::Data<Accounts>,
) -> Result<HttpResponse, AppError> {
    accounts
        .revoke_api_key_as_admin(id.into_inner(), &admin.0.username)
        .await
        .map_err(app_error)?;
    Ok(see_other("/admin/api-keys?revoked=1"))
}

fn app_error(error: AccountError) -> AppError {
    match error {
        AccountError::App(error) => error,
        other => AppError::unexpected(other),
    }
}

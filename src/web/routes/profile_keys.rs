//! `/profile/api-keys`: the user's personal keys for the `/v1` API. A new key's secret is shown
//! in the answer to the form that made it, once (no redirect: it is never in a URL, a cookie or
//! the session), then only its prefix.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, Scope, web};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::MySqlPool;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::auth::translated;
use crate::accounts::aggregate::{MAX_API_KEY_NAME_CHARS, MAX_LIVE_API_KEYS};
use crate::accounts::current::CurrentUser;
use crate::accounts::{AccountError, Accounts, KeyLifetime};
use crate::catalog::Catalog;
use crate::clock::SharedClock;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::store::api_keys::ApiKeyRow;
use crate::store::chats;
use crate::store::users::UserRow;
use crate::web::page::{Page, see_other};

pub fn scope() -> Scope {
    web::scope("/profile/api-keys")
        .route("", web::get().to(show))
        .route("", web::post().to(create))
        .route("/{id}/revoke", web::post().to(revoke))
}

fn iso(at: time::PrimitiveDateTime) -> String {
    at.assume_utc().format(&Rfc3339).unwrap_or_default()
}

/// One key as the pages show it (never its hash); `status` is active, expired or revoked.
pub fn key_json(key: &ApiKeyRow, now: OffsetDateTime) -> Value {
    let expired = key.expires_at.is_some_and(|at| at.assume_utc() <= now);
    let status = match (&key.revoked_at, expired) {
        (Some(_), _) => "revoked",
        (None, true) => "expired",
        (None, false) => "active",
    };
    json!({
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "created": iso(key.created_at),
        "expires": key.expires_at.map(iso),
        "last_used": key.last_used_at.map(iso),
        "revoked": key.revoked_at.map(iso),
        "revoked_by": key.revoked_by,
        "prompts": key.prompts,
        "tokens": key.prompt_tokens + key.completion_tokens,
        "status": status,
        "active": status == "active",
    })
}

/// `<site>/v1`, the base URL OpenAI clients are given.
fn base_url(accounts: &Accounts) -> String {
    format!(
        "{}/v1",
        accounts.rules().public_url.as_str().trim_end_matches('/')
    )
}

/// How many of the user's API conversations the page lists (newest first).
const API_CHATS_SHOWN: u32 = 20;

async fn page_data(
    page: &Page,
    user: &UserRow,
    accounts: &Accounts,
    catalog: &Catalog,
    clock: &SharedClock,
    pool: &MySqlPool,
) -> Result<Value, AppError> {
    let now = clock.now();
    // API calls' chats stay out of the sidebar; they are listed here.
    let api_chats: Vec<Value> =
        chats::list_for_user(pool, &user.id, chats::Shelf::Api, None, API_CHATS_SHOWN)
            .await?
            .iter()
            .map(|chat| {
                json!({ "id": chat.id, "title": chat.title, "model": catalog.name_of(&chat.model).unwrap_or_else(|| chat.model.clone()),
                        "prompts": chat.prompts, "updated": iso(chat.updated_at) })
            })
            .collect();
    let keys: Vec<Value> = accounts
        .api_keys_of(user)
        .await
        .map_err(app_error)?
        .iter()
        .map(|key| key_json(key, now))
        .collect();
    let lifetimes: Vec<Value> = KeyLifetime::CHOICES
        .iter()
        .map(|choice| {
            let label = match *choice {
                "never" => page.t(&Msg::new("api-key-expires-never")),
                days => page.t(&Msg::new("api-key-expires-days").arg("days", days)),
            };
            json!({ "value": choice, "label": label })
        })
        .collect();
    Ok(json!({
        "title": page.t(&Msg::new("api-keys-title")),
        "user": super::user_json(user),
        "keys": keys,
        "api_chats": api_chats,
        "lifetimes": lifetimes,
        "base_url": base_url(accounts),
        "example_model": catalog.default_model().unwrap_or_else(|| "MODEL".into()),
        "max_keys": MAX_LIVE_API_KEYS,
        "max_name": MAX_API_KEY_NAME_CHARS,
        "scripts": ["/static/js/sidebar.js", "/static/js/api_keys.js"],
    }))
}

fn app_error(error: AccountError) -> AppError {
    match error {
        AccountError::App(error) => error,
        other => AppError::unexpected(other),
    }
}

#[derive(Deserialize)]
pub struct KeysQuery {
    #[serde(default)]
    revoked: Option<String>,
}

pub async fn show(
    page: Page,
    user: CurrentUser,
    query: web::Query<KeysQuery>,
    accounts: web::Data<Accounts>,
    catalog: web::Data<Catalog>,
    clock: web::Data<SharedClock>,
    pool: web::Data<MySqlPool>,
) -> Result<HttpResponse, AppError> {
    let mut data = page_data(&page, &user.0, &accounts, &catalog, &clock, &pool).await?;
    data["revoked_notice"] = json!(query.revoked.is_some());
    page.render("api_keys", data)
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires: String,
}

pub async fn create(
    page: Page,
    user: CurrentUser,
    form: web::Form<CreateForm>,
    accounts: web::Data<Accounts>,
    catalog: web::Data<Catalog>,
    clock: web::Data<SharedClock>,
    pool: web::Data<MySqlPool>,
) -> Result<HttpResponse, AppError> {
    let user = &user.0;
    let result = match KeyLifetime::parse(&form.expires) {
        Some(lifetime) => accounts.create_api_key(user, &form.name, lifetime).await,
        None => Err(AccountError::field(
            "expires",
            Msg::new("api-key-expiry-invalid"),
        )),
    };
    let mut data = page_data(&page, user, &accounts, &catalog, &clock, &pool).await?;
    match result {
        Ok(created) => {
            data["new_key"] = json!({
                "secret": created.secret,
                "name": created.key.name,
            });
            // Pages are sent with `Cache-Control: no-store` (`web::security`): no cache keeps it.
            page.render("api_keys", data)
        }
        Err(error) => {
            match error {
                AccountError::Fields(errors) => data["errors"] = translated(&page, &errors),
                AccountError::Refused(msg) => data["error"] = json!(page.t(&msg)),
                AccountError::App(error) => return Err(error),
            }
            data["name"] = json!(form.name);
            page.render_with_status(StatusCode::UNPROCESSABLE_ENTITY, "api_keys", data)
        }
    }
}

pub async fn revoke(
    user: CurrentUser,
    id: web::Path<Uuid>,
    accounts: web::Data<Accounts>,
) -> Result<HttpResponse, AppError> {
    accounts
        .revoke_own_api_key(&user.0, id.into_inner())
        .await
        .map_err(app_error)?;
    Ok(see_other("/profile/api-keys?revoked=1"))
}

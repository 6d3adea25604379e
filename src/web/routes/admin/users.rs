//! `/admin/users`: the list, one user's page, block/unblock, daily quota, print and export.
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use sqlx::MySqlPool;

use super::exporting;
use crate::accounts::current::CurrentAdmin;
use crate::accounts::{AccountError, Accounts};
use crate::admin::charts;
use crate::admin::export::{self, ModelNames};
use crate::admin::moderation;
use crate::catalog::Catalog;
use crate::chat::service::ChatService;
use crate::clock::SharedClock;
use crate::domain::UserId;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::store::admin::{self, Page as ListPage};
use crate::store::users::{self, UserRow};
use crate::store::{chats, stats};
use crate::web::page::{Page, see_other};

const PAGE_SIZE: u32 = 25;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    dir: String,
    #[serde(default)]
    page: Option<u32>,
}

pub async fn list(
    page: Page,
    admin: CurrentAdmin,
    query: web::Query<ListQuery>,
    pool: web::Data<MySqlPool>,
) -> Result<HttpResponse, AppError> {
    let number = query.page.unwrap_or(1).max(1);
    let descending = query.dir != "asc";
    let search = query.q.trim();
    let (rows, total) = admin::users(
        &pool,
        search,
        &query.sort,
        descending,
        &ListPage {
            number,
            size: PAGE_SIZE,
        },
    )
    .await?;
    let data = json!({
        "rows": rows, "q": search, "sort": if query.sort.is_empty() { "date" } else { query.sort.as_str() },
        "dir": if descending { "desc" } else { "asc" }, "flip": if descending { "asc" } else { "desc" },
        "pagination": super::pagination(number, PAGE_SIZE, total),
    });
    super::render(
        &page,
        &admin.0,
        "users",
        "admin/users",
        Msg::new("admin-nav-users"),
        data,
    )
}

async fn user(pool: &MySqlPool, id: UserId) -> Result<UserRow, AppError> {
    users::find(pool, &id.to_string())
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

pub async fn show(
    page: Page,
    admin: CurrentAdmin,
    path: web::Path<UserId>,
    query: web::Query<DoneQuery>,
    pool: web::Data<MySqlPool>,
    clock: web::Data<SharedClock>,
    service: web::Data<ChatService>,
) -> Result<HttpResponse, AppError> {
    let user = user(&pool, *path).await?;
    let chats = chats::list_for_user(&pool, &user.id, chats::Shelf::All, None, 200).await?;
    let today = clock.now_utc().date();
    let from = today - time::Duration::days(29);
    let usage = stats::user_daily(&pool, &user.id, from, today).await?;
    let days: Vec<time::Date> = (0..30)
        .filter_map(|i| from.checked_add(time::Duration::days(i)))
        .collect();
    let prompts: Vec<u64> = days
        .iter()
        .map(|d| {
            usage
                .iter()
                .find(|u| u.0 == *d)
                .map_or(0, |u| u64::from(u.1))
        })
        .collect();
    let svg = charts::daily_lines(&days, &[("prompts", prompts, charts::GREEN)])
        .map_err(AppError::unexpected)?;
    let data = json!({
        "user": super::super::user_json(&user), "row": {
            "blocked": user.blocked, "block_reason": user.block_reason, "quota": user.daily_prompt_quota,
            "chats": user.chats, "prompts": user.prompts, "tokens": user.prompt_tokens + user.completion_tokens,
            "last_active": user.last_active.and_then(|d| d.assume_utc().format(&time::format_description::well_known::Rfc3339).ok()),
        },
        "chats": chats, "chart": svg, "done": query.done,
        "quota": {
            "effective": service.daily_quota(&user),
            "default": service.default_daily_quota(),
            "own": user.daily_prompt_quota > 0,
            "today": stats::user_prompts_on(&pool, &user.id, today).await?,
        },
    });
    super::render(
        &page,
        &admin.0,
        "users",
        "admin/user",
        Msg::new("admin-user-title"),
        data,
    )
}

fn account_error(error: AccountError) -> AppError {
    match error {
        AccountError::App(error) => error,
        AccountError::Refused(msg) => AppError::Unprocessable(msg),
        AccountError::Fields(fields) => AppError::Unprocessable(
            fields
                .into_values()
                .next()
                .unwrap_or(Msg::new("error-bad-request")),
        ),
    }
}

#[derive(Deserialize)]
pub struct BlockForm {
    #[serde(default)]
    reason: String,
}

/// Blocks at once: sessions end and any answer being written for the user is stopped and saved.
pub async fn block(
    admin: CurrentAdmin,
    path: web::Path<UserId>,
    form: web::Form<BlockForm>,
    accounts: web::Data<Accounts>,
    chats: web::Data<ChatService>,
    pool: web::Data<MySqlPool>,
) -> Result<HttpResponse, AppError> {
    let user = user(&pool, *path).await?;
    let reason = Some(form.reason.clone());
    moderation::block(&accounts, &chats, &user.id, reason, &admin.0.username)
        .await
        .map_err(account_error)?;
    Ok(see_other(&format!("/admin/users/{}?done=blocked", user.id)))
}

pub async fn unblock(
    admin: CurrentAdmin,
    path: web::Path<UserId>,
    accounts: web::Data<Accounts>,
    pool: web::Data<MySqlPool>,
) -> Result<HttpResponse, AppError> {
    let user = user(&pool, *path).await?;
    accounts
        .unblock(&user.id, &admin.0.username)
        .await
        .map_err(account_error)?;
    Ok(see_other(&format!(
        "/admin/users/{}?done=unblocked",
        user.id
    )))
}

#[derive(Deserialize)]
pub struct QuotaForm {
    prompts: String,
}

pub async fn quota(
    admin: CurrentAdmin,
    path: web::Path<UserId>,
    form: web::Form<QuotaForm>,
    accounts: web::Data<Accounts>,
    pool: web::Data<MySqlPool>,
) -> Result<HttpResponse, AppError> {
    let user = user(&pool, *path).await?;
    let prompts: u32 = form
        .prompts
        .trim()
        .parse()
        .map_err(|_| AppError::Unprocessable(Msg::new("admin-number-invalid")))?;
    accounts
        .set_daily_quota(&user.id, prompts, &admin.0.username)
        .await
        .map_err(account_error)?;
    Ok(see_other(&format!("/admin/users/{}?done=quota", user.id)))
}

pub async fn print(
    page: Page,
    _: CurrentAdmin,
    path: web::Path<UserId>,
    pool: web::Data<MySqlPool>,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, AppError> {
    let user = user(&pool, *path).await?;
    let exports = export::user_chats(&pool, &user, &ModelNames::new(&catalog)).await?;
    exporting::print(&page, &pool, exports, user.username.clone()).await
}

pub async fn export(
    page: Page,
    _: CurrentAdmin,
    path: web::Path<(UserId, String)>,
    local: web::Query<exporting::LocalTime>,
    pool: web::Data<MySqlPool>,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, AppError> {
    let (id, format) = path.into_inner();
    let user = user(&pool, id).await?;
    let exports = export::user_chats(&pool, &user, &ModelNames::new(&catalog)).await?;
    exporting::download(&page, &pool, exports, &format, &user.username, &local).await
}

/// The checked users of the list, all their chats, as one zip.
pub async fn bulk_export(
    _: CurrentAdmin,
    form: web::Form<Vec<(String, String)>>,
    pool: web::Data<MySqlPool>,
    catalog: web::Data<Catalog>,
    clock: web::Data<SharedClock>,
) -> Result<HttpResponse, AppError> {
    let names = ModelNames::new(&catalog);
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<UserId> = form
        .iter()
        .filter(|(k, v)| k == "user" && seen.insert(v.as_str()))
        .map(|(_, v)| UserId::parse(v).ok_or(AppError::NotFound))
        .collect::<Result<_, _>>()?;
    if ids.is_empty() {
        return Err(AppError::BadRequest(Msg::new("admin-export-none")));
    }
    let mut users = Vec::new();
    for id in ids {
        let user = user(&pool, id).await?;
        let exports = export::user_chats(&pool, &user, &names).await?;
        users.push((user.username, exports));
    }
    exporting::zip_download(&pool, users, "chats", clock.now()).await
}

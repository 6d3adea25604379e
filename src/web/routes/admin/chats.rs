//! `/admin/chats`: every chat, filterable; one chat read-only with per-answer details; the
//! per-chat limit; print and export.
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::MySqlPool;
use time::Date;

use super::exporting;
use crate::accounts::current::CurrentAdmin;
use crate::admin::export::{ChatExport, ModelNames, SetAside};
use crate::catalog::Catalog;
use crate::chat::Chats;
use crate::chat::actor::Execute;
use crate::chat::aggregate::ChatCommand;
use crate::chat::branches::Place;
use crate::chat::service::ChatService;
use crate::domain::{ChatId, Day};
use crate::error::AppError;
use crate::events::Metadata;
use crate::i18n::Msg;
use crate::store::admin::{self, ChatFilter, Page as ListPage};
use crate::store::chats::{self, ChatRow, MessageRow};
use crate::store::{site, users};
use crate::web::page::{Page, see_other};
use crate::web::routes::chat::{MessageView, limit_view};

const PAGE_SIZE: u32 = 25;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    user: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<u32>,
}

fn date(text: &str) -> Option<Date> {
    Day::parse(text).map(Day::date)
}

pub async fn list(
    page: Page,
    admin: CurrentAdmin,
    query: web::Query<ListQuery>,
    pool: web::Data<MySqlPool>,
    service: web::Data<ChatService>,
) -> Result<HttpResponse, AppError> {
    let number = query.page.unwrap_or(1).max(1);
    let filter = ChatFilter {
        user: query.user.trim().to_owned(),
        model: query.model.trim().to_owned(),
        from: date(&query.from),
        to: date(&query.to),
        status: query.status.clone(),
        search: query.q.trim().to_owned(),
    };
    let default_limit = service.default_limit().await?;
    let (rows, total) = admin::chats(
        &pool,
        &filter,
        default_limit,
        &ListPage {
            number,
            size: PAGE_SIZE,
        },
    )
    .await?;
    let rows: Vec<_> = rows
        .into_iter()
        .map(|row| {
            let limit = row.prompt_limit.unwrap_or(default_limit);
            json!({ "row": row, "limit": limit, "at_limit": row.prompts >= limit })
        })
        .collect();
    let models = site::models(&pool).await?;
    let data = json!({
        "rows": rows, "models": models, "pagination": super::pagination(number, PAGE_SIZE, total),
        "filter": { "user": query.user, "model": query.model, "from": query.from, "to": query.to, "status": query.status, "q": query.q },
    });
    super::render(
        &page,
        &admin.0,
        "chats",
        "admin/chats",
        Msg::new("admin-nav-chats"),
        data,
    )
}

async fn chat(pool: &MySqlPool, id: ChatId) -> Result<ChatRow, AppError> {
    chats::find(pool, &id.to_string())
        .await?
        .ok_or(AppError::NotFound)
}

async fn owner_name(pool: &MySqlPool, chat: &ChatRow) -> Result<String, AppError> {
    Ok(users::find(pool, &chat.user_id)
        .await?
        .map(|u| u.username)
        .unwrap_or_default())
}

#[derive(Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    before: Option<u32>,
    /// Set after a saved change, to say so.
    #[serde(default)]
    done: Option<String>,
}

pub async fn show(
    page: Page,
    admin: CurrentAdmin,
    path: web::Path<ChatId>,
    query: web::Query<ShowQuery>,
    pool: web::Data<MySqlPool>,
    service: web::Data<ChatService>,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, AppError> {
    let chat = chat(&pool, *path).await?;
    // The branch shown, and under each message the messages set aside there (Regenerate, an
    // edited prompt, and the branch it left): every prompt the limit counts is shown.
    let rows = chats::messages(&pool, &chat.id, query.before, 200).await?;
    let earlier = rows.first().filter(|m| m.rank > 1).map(|m| m.rank);
    let aside = SetAside::load(&pool, &chat.id).await?;
    let view = |row: &MessageRow| MessageView::from(row.clone()).named(&catalog);
    let messages: Vec<Value> = rows
        .iter()
        .map(|row| {
            let set_aside: Vec<MessageView> = aside
                .under(Place {
                    id: row.id,
                    rank: row.rank,
                })
                .into_iter()
                .map(view)
                .collect();
            json!({ "message": view(row), "count": set_aside.len(), "set_aside": set_aside })
        })
        .collect();
    let counts = admin::shown_counts(&pool, &chat.id).await?;
    let data = json!({
        "chat": chat, "owner": owner_name(&pool, &chat).await?, "messages": messages, "earlier": earlier,
        "model_name": catalog.name_of(&chat.model).filter(|name| *name != chat.model), "counts": counts,
        "limits": limit_view(Some(&chat), service.default_limit().await?),
        "done": query.done.is_some(),
    });
    super::render(
        &page,
        &admin.0,
        "chats",
        "admin/chat",
        Msg::new("admin-chat-title"),
        data,
    )
}

#[derive(Deserialize)]
pub struct LimitForm {
    /// Empty: back to the site-wide default.
    #[serde(default)]
    limit: String,
}

pub async fn limit(
    admin: CurrentAdmin,
    path: web::Path<ChatId>,
    form: web::Form<LimitForm>,
    pool: web::Data<MySqlPool>,
    registry: web::Data<Chats>,
) -> Result<HttpResponse, AppError> {
    let chat = chat(&pool, *path).await?;
    let limit = match form.limit.trim() {
        "" => None,
        text => Some(
            text.parse::<u32>()
                .map_err(|_| AppError::Unprocessable(Msg::new("admin-number-invalid")))?,
        ),
    };
    let id = path.as_uuid();
    let command = Execute {
        command: ChatCommand::SetLimit { limit },
        metadata: Metadata::admin(&admin.0.username),
    };
    registry
        .send(id, command)
        .await
        .map_err(AppError::unexpected)??;
    Ok(see_other(&format!("/admin/chats/{}?done=limit", chat.id)))
}

pub async fn print(
    page: Page,
    _: CurrentAdmin,
    path: web::Path<ChatId>,
    pool: web::Data<MySqlPool>,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, AppError> {
    let chat = chat(&pool, *path).await?;
    let username = owner_name(&pool, &chat).await?;
    let title = chat.title.clone();
    let names = ModelNames::new(&catalog);
    let export = ChatExport {
        chat,
        username,
        names,
    };
    exporting::print(&page, &pool, vec![export], title).await
}

pub async fn export(
    page: Page,
    _: CurrentAdmin,
    path: web::Path<(ChatId, String)>,
    local: web::Query<exporting::LocalTime>,
    pool: web::Data<MySqlPool>,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, AppError> {
    let (id, format) = path.into_inner();
    let chat = chat(&pool, id).await?;
    let username = owner_name(&pool, &chat).await?;
    let base = chat.title.clone();
    let names = ModelNames::new(&catalog);
    exporting::download(
        &page,
        &pool,
        vec![ChatExport {
            chat,
            username,
            names,
        }],
        &format,
        &base,
        &local,
    )
    .await
}

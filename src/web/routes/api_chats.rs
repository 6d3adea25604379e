//! `/api/chats`: the JSON and SSE endpoints the chat page uses. Prompts are POSTed and answered
//! with Server-Sent Events; everything else is plain JSON.
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;
use sqlx::MySqlPool;
use time::PrimitiveDateTime;
use time::format_description::well_known::Rfc3339;
use tracing_actix_web::RequestId;

use super::chat::{limit_view, message_views, picker};
use crate::accounts::current::CurrentUser;
use crate::catalog::Catalog;
use crate::chat::actor::Accepted;
use crate::chat::aggregate::BranchChoice;
use crate::chat::events::Rating;
use crate::chat::service::{ChatService, PromptInput, Routed};
use crate::domain::ChatId;
use crate::error::AppError;
use crate::i18n::{Lang, Msg};
use crate::store::chats;
use crate::web::forward::{self, Forwarder};
use crate::web::page::Page;
use crate::web::sse;

const SIDEBAR_PAGE: u32 = 50;

#[derive(Deserialize)]
pub struct ListQuery {
    /// `updated_at|id` of the last chat already shown.
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    q: Option<String>,
    /// The archived chats instead of the sidebar's.
    #[serde(default)]
    archived: bool,
    /// `api`: the chats API calls started (not in the sidebar).
    #[serde(default)]
    source: Option<String>,
}

fn parse_cursor(cursor: &str) -> Option<(PrimitiveDateTime, String)> {
    let (at, id) = cursor.split_once('|')?;
    let at = time::OffsetDateTime::parse(at, &Rfc3339).ok()?;
    Some((PrimitiveDateTime::new(at.date(), at.time()), id.to_owned()))
}

pub async fn list(
    user: CurrentUser,
    query: web::Query<ListQuery>,
    pool: web::Data<MySqlPool>,
) -> Result<HttpResponse, AppError> {
    let search = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let rows = match search {
        Some(q) => chats::search_for_user(&pool, &user.0.id, q, SIDEBAR_PAGE).await?,
        None => {
            let cursor = query.cursor.as_deref().and_then(parse_cursor);
            chats::list_for_user(
                &pool,
                &user.0.id,
                match (query.archived, query.source.as_deref()) {
                    (true, _) => chats::Shelf::Archived,
                    (false, Some("api")) => chats::Shelf::Api,
                    (false, _) => chats::Shelf::Sidebar,
                },
                cursor,
                SIDEBAR_PAGE,
            )
            .await?
        }
    };
    let next_cursor = (search.is_none() && rows.len() == SIDEBAR_PAGE as usize)
        .then(|| {
            rows.last().map(|c| {
                format!(
                    "{}|{}",
                    c.updated_at
                        .assume_utc()
                        .format(&Rfc3339)
                        .unwrap_or_default(),
                    c.id
                )
            })
        })
        .flatten();
    let items: Vec<_> = rows.iter().map(|c| json!({ "id": c.id, "title": c.title, "archived": c.archived, "updated_at": c.updated_at.assume_utc().format(&Rfc3339).unwrap_or_default() })).collect();
    Ok(HttpResponse::Ok().json(json!({ "chats": items, "next_cursor": next_cursor })))
}

#[derive(Deserialize)]
pub struct PromptBody {
    prompt: String,
    model: String,
    /// A follow-up only: the version of a message the user is looking at (the `‹ 1/2 ›`
    /// switcher), which the prompt continues.
    #[serde(default)]
    branch: Option<BranchBody>,
}

#[derive(Clone, Copy, Deserialize)]
pub struct BranchBody {
    rank: u32,
    version: u32,
}

impl From<BranchBody> for BranchChoice {
    fn from(body: BranchBody) -> Self {
        BranchChoice {
            rank: body.rank,
            version: body.version,
        }
    }
}

fn accepted_events(accepted: &Accepted, default_limit: u32, model: &str) -> Vec<bytes::Bytes> {
    let limit = accepted.chat.limit(default_limit);
    vec![sse::event(
        "accepted",
        &json!({
            "user_message_id": accepted.user_message_id,
            "answer_id": accepted.answer_id,
            "model": model,
            "limit": limit,
            "remaining": limit.saturating_sub(accepted.chat.prompts),
        }),
    )]
}

fn request_id(id: &RequestId) -> Option<String> {
    Some(id.to_string())
}

/// The first prompt: creates the chat, then streams its answer.
pub async fn create(
    page: Page,
    user: CurrentUser,
    body: web::Json<PromptBody>,
    service: web::Data<ChatService>,
    id: RequestId,
) -> Result<HttpResponse, AppError> {
    let input = PromptInput {
        text: &body.prompt,
        model: &body.model,
        lang: page.lang,
        request_id: request_id(&id),
        prompts_today: user.prompts_today(),
    };
    let (chat_id, accepted) = service.start(&user.0, input).await?;
    let mut opening = vec![sse::event(
        "chat",
        &json!({ "id": chat_id, "title": crate::chat::aggregate::title_from_prompt(&body.prompt), "url": format!("/c/{chat_id}") }),
    )];
    opening.extend(accepted_events(
        &accepted,
        service.default_limit().await?,
        &body.model,
    ));
    Ok(sse::response(sse::answer_stream(
        opening,
        accepted.subscription,
    )))
}

pub async fn send(
    page: Page,
    user: CurrentUser,
    path: web::Path<ChatId>,
    body: web::Json<PromptBody>,
    service: web::Data<ChatService>,
    id: RequestId,
) -> Result<HttpResponse, AppError> {
    let input = PromptInput {
        text: &body.prompt,
        model: &body.model,
        lang: page.lang,
        request_id: request_id(&id),
        prompts_today: user.prompts_today(),
    };
    let branch = body.branch.map(BranchChoice::from);
    let accepted = service.send(&user.0, *path, branch, input).await?;
    let opening = accepted_events(&accepted, service.default_limit().await?, &body.model);
    Ok(sse::response(sse::answer_stream(
        opening,
        accepted.subscription,
    )))
}

/// Rewrites an earlier prompt: the conversation branches there and the new prompt is answered.
pub async fn edit(
    page: Page,
    user: CurrentUser,
    path: web::Path<(ChatId, u64)>,
    body: web::Json<PromptBody>,
    service: web::Data<ChatService>,
    id: RequestId,
) -> Result<HttpResponse, AppError> {
    let (chat_id, message_id) = path.into_inner();
    let input = PromptInput {
        text: &body.prompt,
        model: &body.model,
        lang: page.lang,
        request_id: request_id(&id),
        prompts_today: user.prompts_today(),
    };
    let accepted = service.edit(&user.0, chat_id, message_id, input).await?;
    let opening = accepted_events(&accepted, service.default_limit().await?, &body.model);
    Ok(sse::response(sse::answer_stream(
        opening,
        accepted.subscription,
    )))
}

#[derive(Deserialize)]
pub struct RegenerateBody {
    model: String,
}

pub async fn regenerate(
    page: Page,
    user: CurrentUser,
    path: web::Path<ChatId>,
    body: web::Json<RegenerateBody>,
    service: web::Data<ChatService>,
) -> Result<HttpResponse, AppError> {
    let accepted = service
        .regenerate(&user.0, *path, &body.model, page.lang)
        .await?;
    let opening = accepted_events(&accepted, service.default_limit().await?, &body.model);
    Ok(sse::response(sse::answer_stream(
        opening,
        accepted.subscription,
    )))
}

/// Follows an answer still being written (after a reload or from another tab), on the instance
/// that writes it.
pub async fn follow(
    req: HttpRequest,
    user: CurrentUser,
    path: web::Path<ChatId>,
    service: web::Data<ChatService>,
    forwarder: web::Data<Forwarder>,
) -> Result<HttpResponse, AppError> {
    let nothing = || HttpResponse::NoContent().finish();
    match service.follow(&user.0, *path, forward::hop(&req)).await? {
        Routed::Here(Some((answer_id, subscription))) => {
            let opening = vec![sse::event("following", &json!({ "answer_id": answer_id }))];
            Ok(sse::response(sse::answer_stream(opening, subscription)))
        }
        Routed::Here(None) => Ok(nothing()),
        Routed::Owner(owner) => Ok(forwarder
            .send(&owner, &req, Bytes::new())
            .await
            .unwrap_or_else(nothing)),
    }
}

/// Stops the answer being written, on the instance that writes it.
pub async fn stop(
    req: HttpRequest,
    user: CurrentUser,
    path: web::Path<ChatId>,
    body: Bytes,
    service: web::Data<ChatService>,
    forwarder: web::Data<Forwarder>,
) -> Result<HttpResponse, AppError> {
    let stopped = match service.stop(&user.0, *path, forward::hop(&req)).await? {
        Routed::Here(stopped) => stopped,
        Routed::Owner(owner) => match forwarder.send(&owner, &req, body).await {
            Some(response) => return Ok(response),
            None => false,
        },
    };
    Ok(HttpResponse::Ok().json(json!({ "stopped": stopped })))
}

#[derive(Deserialize)]
pub struct RatingBody {
    /// "up", "down", or null to take the rating back.
    rating: Option<String>,
}

/// `PUT /api/chats/{id}/answers/{message}/rating`: thumbs up/down on an answer.
pub async fn rate(
    user: CurrentUser,
    path: web::Path<(ChatId, u64)>,
    body: web::Json<RatingBody>,
    service: web::Data<ChatService>,
) -> Result<HttpResponse, AppError> {
    let (chat_id, message_id) = path.into_inner();
    let rating = match body.rating.as_deref() {
        None => None,
        Some(text) => Some(
            Rating::parse(text)
                .ok_or_else(|| AppError::Unprocessable(Msg::new("rating-invalid")))?,
        ),
    };
    service.rate(&user.0, chat_id, message_id, rating).await?;
    Ok(HttpResponse::Ok().json(json!({ "rating": rating.map(Rating::as_str) })))
}

#[derive(Deserialize)]
pub struct UpdateBody {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    archived: Option<bool>,
}

pub async fn update(
    user: CurrentUser,
    path: web::Path<ChatId>,
    body: web::Json<UpdateBody>,
    service: web::Data<ChatService>,
) -> Result<HttpResponse, AppError> {
    if body.title.is_none() && body.model.is_none() && body.archived.is_none() {
        return Err(AppError::BadRequest(Msg::new("error-bad-json")));
    }
    if let Some(archived) = body.archived {
        service.archive(&user.0, *path, archived).await?;
    }
    if let Some(title) = &body.title {
        service.rename(&user.0, *path, title).await?;
    }
    if let Some(model) = &body.model {
        service.change_model(&user.0, *path, model).await?;
    }
    let chat = service.owned(&user.0, *path).await?;
    Ok(HttpResponse::Ok().json(
        json!({ "id": chat.id, "title": chat.title, "model": chat.model, "archived": chat.archived }),
    ))
}

pub async fn delete(
    user: CurrentUser,
    path: web::Path<ChatId>,
    service: web::Data<ChatService>,
) -> Result<HttpResponse, AppError> {
    service.delete(&user.0, *path).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct MessagesQuery {
    #[serde(default)]
    before: Option<u32>,
}

pub async fn messages(
    user: CurrentUser,
    path: web::Path<ChatId>,
    query: web::Query<MessagesQuery>,
    pool: web::Data<MySqlPool>,
    service: web::Data<ChatService>,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, AppError> {
    let chat = service.owned(&user.0, *path).await?;
    let messages = message_views(&pool, &chat.id, query.before, &catalog, user.0.uuid()).await?;
    let has_more = messages.first().is_some_and(|m| m.rank > 1);
    let limits = limit_view(Some(&chat), service.default_limit().await?);
    Ok(HttpResponse::Ok()
        .json(json!({ "messages": messages, "has_more": has_more, "limits": limits })))
}

pub async fn models(
    page: Page,
    user: CurrentUser,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, AppError> {
    let lang: Lang = page.lang;
    let user_id = user.0.uuid();
    let picker = picker(&catalog, lang, user_id, None);
    Ok(HttpResponse::Ok()
        .json(json!({ "models": picker.models, "bots": picker.bots, "default": picker.default })))
}

//! `/bots`: a user's own chatbots (list, share, duplicate, delete; the editor is in
//! `bot_editor.rs`) and `/b/{id}`, a bot's start page. Every change goes through `Bots`; the
//! aggregate decides.
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};
use sqlx::MySqlPool;
use uuid::Uuid;

use super::admin::models::{human_size, progress_text};
use super::bot_editor;
use super::chat::{ChatStart, render_chat};
use crate::accounts::current::{CurrentUser, MaybeUser};
use crate::accounts::session_store::BLOCKED_KEY;
use crate::bots::Bots;
use crate::bots::aggregate::{Bot, By};
use crate::bots::details::NAME_MAX_CHARS;
use crate::catalog::Catalog;
use crate::chat::service::ChatService;
use crate::domain::BotId;
use crate::error::AppError;
use crate::events::Metadata;
use crate::i18n::Msg;
use crate::store::users::UserRow;
use crate::web::page::{Page, see_other};
use crate::web::upload::UploadLimit;

pub(super) fn metadata(user: &UserRow) -> Metadata {
    Metadata::user(&user.id)
}

/// What the list and the editor show of a bot (the editor also its instructions: only its
/// owner ever sees this).
pub(super) fn bot_json(bots: &Bots, id: Uuid, bot: &Bot) -> Value {
    json!({
        "id": id,
        "name": bot.name,
        "description": bot.description,
        "emoji": bot.avatar.emoji,
        "color": bot.avatar.color,
        "shared": bot.shared,
        "disabled": bot.disabled,
        "starters": bot.starters,
        "pdf": bot.knowledge.as_ref().map(|k| json!({
            "name": k.file_name,
            "size": human_size(k.bytes),
            "status": bots.pdf_status(bot),
        })),
    })
}

pub async fn list(
    page: Page,
    user: CurrentUser,
    bots: web::Data<Bots>,
) -> Result<HttpResponse, AppError> {
    let rows: Vec<Value> = bots
        .list(user.0.uuid())
        .iter()
        .map(|(id, bot)| bot_json(&bots, *id, bot))
        .collect();
    page.render(
        "bots/list",
        json!({
            "title": page.t(&Msg::new("my-bots")),
            "user": super::user_json(&user.0),
            "bots": rows,
            "max": bots.settings().per_user,
            "scripts": ["/static/js/sidebar.js", "/static/js/bots.js"],
        }),
    )
}

pub async fn share(
    user: CurrentUser,
    id: web::Path<BotId>,
    bots: web::Data<Bots>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    bots.share(user.0.uuid(), id, &metadata(&user.0)).await?;
    Ok(see_other(&format!("/bots/{id}/edit#sharing")))
}

pub async fn unshare(
    user: CurrentUser,
    id: web::Path<BotId>,
    bots: web::Data<Bots>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    bots.unshare(user.0.uuid(), id, &metadata(&user.0)).await?;
    Ok(see_other(&format!("/bots/{id}/edit#sharing")))
}

pub async fn duplicate(
    page: Page,
    user: CurrentUser,
    id: web::Path<BotId>,
    bots: web::Data<Bots>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let user_id = user.0.uuid();
    let bot = bots.owned(user_id, id)?;
    let name: String = page
        .t(&Msg::new("bot-copy-name").arg("name", &bot.name))
        .chars()
        .take(NAME_MAX_CHARS)
        .collect();
    let copy = bots
        .duplicate(&user.0, id, name, &metadata(&user.0))
        .await?;
    Ok(see_other(&format!("/bots/{copy}/edit?saved=1")))
}

/// `GET /bots/{id}/status`: whether the bot's PDF is still being read (the editor follows it).
pub async fn status(
    page: Page,
    user: CurrentUser,
    id: web::Path<BotId>,
    bots: web::Data<Bots>,
) -> Result<HttpResponse, AppError> {
    let bot = bots.owned(user.0.uuid(), id.into_inner())?;
    let progress = bots.pdf_progress(&bot).await;
    let progress_text = progress_text(&page, progress.as_ref());
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({ "pdf": bots.pdf_status(&bot), "progress_text": progress_text })))
}

/// The confirmation page of a deletion.
pub async fn confirm_delete(
    page: Page,
    user: CurrentUser,
    id: web::Path<BotId>,
    bots: web::Data<Bots>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let bot = bots.owned(user.0.uuid(), id)?;
    page.render(
        "bots/delete",
        json!({
            "title": page.t(&Msg::new("bot-delete")),
            "user": super::user_json(&user.0),
            "bot": bot_json(&bots, id.as_uuid(), &bot),
            "scripts": ["/static/js/sidebar.js"],
        }),
    )
}

pub async fn delete(
    user: CurrentUser,
    id: web::Path<BotId>,
    bots: web::Data<Bots>,
) -> Result<HttpResponse, AppError> {
    let by = By::User(user.0.uuid());
    bots.delete(by, id.into_inner(), &metadata(&user.0)).await?;
    Ok(see_other("/bots?deleted=1"))
}

/// `/b/{id}`: a new chat with the bot, under its avatar, description and starters. Its owner
/// and, while it is shared, anyone logged in; everyone else gets 404. A visitor without a
/// session is asked to sign up first and comes back here (`next`), like `/` sends them.
#[allow(clippy::too_many_arguments)] // actix extractors: the session tells a blocked device
pub async fn start_page(
    page: Page,
    user: MaybeUser,
    session: Session,
    id: web::Path<BotId>,
    bots: web::Data<Bots>,
    pool: web::Data<MySqlPool>,
    service: web::Data<ChatService>,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let Some(user) = user.0 else {
        // A device whose account was blocked goes to the login page, which says why.
        let blocked = session.contains_key(BLOCKED_KEY);
        let back: String =
            url::form_urlencoded::byte_serialize(format!("/b/{id}").as_bytes()).collect();
        let to = if blocked { "/login" } else { "/register" };
        return Ok(see_other(&format!("{to}?next={back}")));
    };
    let user_id = user.uuid();
    let bot = match bots.visible(user_id, id) {
        Ok(bot) => bot,
        Err(AppError::NotFound) => return not_shared(&page),
        Err(error) => return Err(error),
    };
    let start = ChatStart {
        model: crate::domain::ModelRef::Bot(id).to_string(),
        bot: json!({
            "id": id,
            "name": bot.name,
            "description": bot.description,
            "emoji": bot.avatar.emoji,
            "color": bot.avatar.color,
            "starters": bot.starters,
            "mine": bot.owner == user_id,
            "disabled": bot.disabled,
        }),
    };
    render_chat(&page, &user, None, &pool, &service, &catalog, Some(start)).await
}

/// A share link to a bot this user may not open (made private, disabled, deleted, or never
/// there): still a 404, worded for a person who followed a link, and naming nothing of the bot.
fn not_shared(page: &Page) -> Result<HttpResponse, AppError> {
    page.render_with_status(
        StatusCode::NOT_FOUND,
        "bots/not_shared",
        json!({ "title": page.t(&Msg::new("bot-not-shared")) }),
    )
}

/// The owner's pages under `/bots`; the editor's forms carry a PDF of up to `limit`.
pub fn scope(limit: UploadLimit) -> actix_web::Scope {
    crate::web::upload::scope("/bots", limit)
        .route("", web::get().to(list))
        .route("", web::post().to(bot_editor::create))
        .route("/new", web::get().to(bot_editor::new_form))
        .route("/{id}/edit", web::get().to(bot_editor::edit_form))
        .route("/{id}/edit", web::post().to(bot_editor::update))
        .route("/{id}/status", web::get().to(status))
        .route("/{id}/share", web::post().to(share))
        .route("/{id}/unshare", web::post().to(unshare))
        .route("/{id}/duplicate", web::post().to(duplicate))
        .route("/{id}/delete", web::get().to(confirm_delete))
        .route("/{id}/delete", web::post().to(delete))
}

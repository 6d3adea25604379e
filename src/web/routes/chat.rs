//! The chat page: `/` (a new chat that exists only in the page until the first prompt) and
//! `/c/{id}` (an existing chat, its latest messages rendered on the server).
use std::collections::HashMap;

use actix_session::Session;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::MySqlPool;
use time::PrimitiveDateTime;
use time::format_description::well_known::Rfc3339;

use super::user_json;
use crate::accounts::current::{CurrentUser, MaybeUser};
use crate::accounts::session_store::BLOCKED_KEY;
use crate::catalog::Catalog;
use crate::chat::branches::{Branches, Place};
use crate::chat::service::ChatService;
use crate::domain::{ChatId, MessageStatus, ModelRef, Role};
use crate::error::AppError;
use crate::i18n::{Lang, Msg};
use crate::llm::BackendStatus;
use crate::render;
use crate::site::aggregate::CatalogModel;
use crate::site::events::ModelKind;
use crate::store::chats::{self, ChatRow, MessageRow};
use crate::store::users::UserRow;
use crate::web::page::{Page, see_other};
use uuid::Uuid;

/// Messages shown when a chat opens; older ones load on demand.
pub const PAGE_MESSAGES: u32 = 50;
/// The remaining count appears near the composer from this many prompts left.
const WARN_REMAINING: u32 = 5;

#[derive(Serialize)]
pub struct MessageView {
    pub id: u64,
    pub rank: u32,
    pub role: Role,
    pub html: String,
    pub text: String,
    pub status: MessageStatus,
    pub model: Option<String>,
    /// The model's display name (a PDF model's id means nothing to a reader).
    pub model_name: Option<String>,
    pub error: Option<String>,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
    pub latency_ms: Option<u64>,
    pub date: String,
    pub sources: Vec<crate::llm::Source>,
    /// The cited document is no longer offered: the citations are plain text.
    pub source_gone: bool,
    /// The PDF model of those citations still exists but is not launched (not served now).
    pub source_paused: bool,
    pub rating: Option<String>,
    /// The message's other versions (answers replaced by Regenerate, prompts rewritten),
    /// oldest first.
    pub versions: Vec<MessageView>,
    /// How many of `versions` are older than this message: its place among them (a restored
    /// branch's message is not the newest).
    pub version_index: usize,
    /// For a version: how the conversation went on after it, until it was set aside.
    pub branch: Vec<MessageView>,
}

impl MessageView {
    /// Adds the model's display name from the catalog (deleted PDF models keep theirs); the
    /// citations of a PDF model that is deleted or no longer launched stop being links.
    pub fn named(mut self, catalog: &Catalog) -> Self {
        self.model_name = self.model.as_deref().and_then(|m| catalog.name_of(m));
        if let Some(model) = self.model.as_deref()
            && !self.sources.is_empty()
            && matches!(ModelRef::parse(model), Some(ModelRef::Pdf(_)))
        {
            let pdf = catalog.pdf_model(model).filter(|pdf| pdf.exists());
            if !pdf.as_ref().is_some_and(|pdf| pdf.launched) {
                self.html = render::answer_unlinked(&self.text, &self.sources);
                self.source_gone = true;
                self.source_paused = pdf.is_some();
            }
        }
        self
    }

    /// A bot's citations link to the pages of its PDF for the bot's owner (`reader`), as a PDF
    /// model's do, when that PDF is the one the answer was given from (`at` is the answer's time;
    /// a file replaced since would open at the wrong pages). Anyone else reads the pages named.
    fn linked_for(mut self, catalog: &Catalog, reader: Uuid, at: PrimitiveDateTime) -> Self {
        if let Some(ModelRef::Bot(bot)) = self.model.as_deref().and_then(ModelRef::parse)
            && !self.sources.is_empty()
            && let Some(pdf) = catalog.owners_bot_pdf(bot.as_uuid(), reader, at)
        {
            let model = format!("{}{pdf}", ModelRef::PDF_PREFIX);
            self.html = render::answer(&self.text, &model, &self.sources);
        }
        self
    }
}

/// A message of `reader`'s own chat as they read it.
fn shown(row: MessageRow, catalog: &Catalog, reader: Uuid) -> MessageView {
    let at = row.date;
    MessageView::from(row)
        .named(catalog)
        .linked_for(catalog, reader, at)
}

impl From<MessageRow> for MessageView {
    fn from(row: MessageRow) -> Self {
        // User text keeps its line breaks but no formatting; answers are Markdown.
        let sources = row.sources();
        let html = if row.role == Role::User {
            String::new()
        } else {
            render::answer(&row.content, row.model.as_deref().unwrap_or(""), &sources)
        };
        MessageView {
            id: row.id,
            rank: row.rank,
            html,
            text: row.content,
            role: row.role,
            status: row.status,
            model: row.model,
            model_name: None,
            error: row.error,
            prompt_tokens: row.prompt_tokens,
            completion_tokens: row.completion_tokens,
            latency_ms: row.latency_ms,
            date: row.date.assume_utc().format(&Rfc3339).unwrap_or_default(),
            sources,
            source_gone: false,
            source_paused: false,
            rating: row.rating,
            versions: Vec::new(),
            version_index: 0,
            branch: Vec::new(),
        }
    }
}

/// A page of a chat's messages (the latest, or those before `before_rank`), oldest first, each
/// with its other versions and, for each version, the branch it began, as the chat's own user
/// (`reader`) reads them.
pub async fn message_views(
    pool: &MySqlPool,
    chat_id: &str,
    before_rank: Option<u32>,
    catalog: &Catalog,
    reader: Uuid,
) -> Result<Vec<MessageView>, sqlx::Error> {
    let rows = chats::messages(pool, chat_id, before_rank, PAGE_MESSAGES).await?;
    let set_aside = chats::answer_versions(pool, chat_id).await?;
    if set_aside.is_empty() {
        return Ok(rows
            .into_iter()
            .map(|row| shown(row, catalog, reader))
            .collect());
    }
    let current = chats::message_places(pool, chat_id).await?;
    let branches = Branches::new(
        current
            .into_iter()
            .map(|(id, rank, parent)| (Place { id, rank }, parent))
            .chain(set_aside.iter().map(|row| (place(row), row.parent_id))),
    );
    let by_id: HashMap<u64, &MessageRow> = set_aside.iter().map(|row| (row.id, row)).collect();
    let view = |id: &u64| {
        by_id
            .get(id)
            .map(|&row| shown(row.clone(), catalog, reader))
    };
    Ok(rows
        .into_iter()
        .map(|row| {
            let versions = branches.versions_of(place(&row));
            let older = versions.iter().filter(|&&id| id < row.id).count();
            let mut message = shown(row, catalog, reader);
            message.version_index = older;
            message.versions = versions
                .iter()
                .filter_map(|id| {
                    let mut version = view(id)?;
                    version.branch = branches
                        .continuation(place(by_id[id]))
                        .iter()
                        .filter_map(|next| view(&next.id))
                        .collect();
                    Some(version)
                })
                .collect();
            message
        })
        .collect())
}

fn place(row: &MessageRow) -> Place {
    Place {
        id: row.id,
        rank: row.rank,
    }
}

/// The picker of `user`: the site's enabled models and their own bots (plus `current`, a bot
/// shared with them that their chat uses), each with whether it can answer now.
pub struct Picker {
    pub models: Vec<Value>,
    pub bots: Vec<Value>,
    pub default: Option<String>,
}

pub fn picker(catalog: &Catalog, lang: Lang, user: Uuid, current: Option<&str>) -> Picker {
    let default = catalog
        .default_model()
        .filter(|id| catalog.enabled_model(id).is_some());
    let view = |m: &CatalogModel| option_view(catalog, lang, m);
    // A model this server cannot serve (an upstream model without an API key) is not offered
    // as if it were coming: users never see it; the admin's settings list it with the reason.
    let models = catalog
        .models()
        .iter()
        .filter(|m| m.enabled && catalog.set_up(&m.id))
        .map(view)
        .collect();
    let mut bots = catalog.picker_bots(user);
    if let Some(shared) = current
        .filter(|id| !bots.iter().any(|b| b.id == *id))
        .and_then(|id| catalog.offered_to(id, user))
        .filter(|m| m.kind == ModelKind::Bot)
    {
        bots.push(shared);
    }
    let bots = bots
        .iter()
        .map(|m| {
            let mut option = view(m);
            if let Some(ModelRef::Bot(id)) = ModelRef::parse(&m.id)
                && let Some(bot) = catalog.bot(id.as_uuid())
            {
                option["emoji"] = json!(bot.avatar.emoji);
                option["color"] = json!(bot.avatar.color);
            }
            option
        })
        .collect();
    Picker {
        models,
        bots,
        default,
    }
}

fn option_view(catalog: &Catalog, lang: Lang, m: &CatalogModel) -> Value {
    let status = catalog.status(&m.id);
    let note = match &status {
        BackendStatus::Ready => String::new(),
        // The offline model's progress names packages and files: users read that it is coming.
        BackendStatus::Loading { .. } if m.kind == ModelKind::Local => {
            Msg::new("model-preparing").translate(lang)
        }
        BackendStatus::Loading { detail } => Msg::new("model-loading")
            .arg("detail", detail)
            .translate(lang),
        BackendStatus::Unavailable { .. } => unavailable_note(&m.id).translate(lang),
    };
    // The state alone: the reason and the progress are the admin's (they name settings, files).
    let state = match &status {
        BackendStatus::Ready => "ready",
        BackendStatus::Loading { .. } => "loading",
        BackendStatus::Unavailable { .. } => "unavailable",
    };
    json!({ "id": m.id, "name": m.name, "description": m.description, "kind": m.kind.as_str(),
            "status": { "state": state }, "note": note, "available": state != "unavailable" })
}

/// Why a model cannot answer, in words for the people who read the picker (the technical
/// reason, which may name a setting or a file, stays in the admin's settings page and the log).
fn unavailable_note(model_id: &str) -> Msg {
    match ModelRef::parse(model_id) {
        Some(ModelRef::Bot(_)) => Msg::new("bot-unavailable"),
        _ => Msg::new("model-not-launched"),
    }
}

/// Limit figures for the composer.
pub fn limit_view(chat: Option<&ChatRow>, default_limit: u32) -> Value {
    let limit = chat.and_then(|c| c.prompt_limit).unwrap_or(default_limit);
    let used = chat.map_or(0, |c| c.prompts);
    let remaining = limit.saturating_sub(used);
    json!({ "limit": limit, "used": used, "remaining": remaining, "at_limit": remaining == 0,
            "warn": remaining > 0 && remaining <= WARN_REMAINING })
}

/// A new chat that starts with a bot (`/b/{id}`): its model and what its start page shows.
pub struct ChatStart {
    pub model: String,
    pub bot: Value,
}

/// Why a chat's model is not offered to `user` any more, for the badge by its name.
fn gone_note(catalog: &Catalog, model: &str, user: Uuid) -> Msg {
    match ModelRef::parse(model) {
        Some(ModelRef::Bot(id)) => match catalog.bot(id.as_uuid()) {
            Some(bot) if bot.deleted => Msg::new("bot-deleted"),
            // The bot is there; the model it answers with is not (its owner can pick another).
            Some(bot)
                if bot.usable_by(user) && catalog.enabled_model(&bot.base_model).is_none() =>
            {
                Msg::new("bot-base-unavailable")
            }
            _ => Msg::new("bot-unavailable"),
        },
        _ => Msg::new("model-not-offered"),
    }
}

/// The edit page of the user's own bot `model`, if it is one.
fn own_bot(catalog: &Catalog, model: &str, user: Uuid) -> Option<String> {
    match ModelRef::parse(model) {
        Some(ModelRef::Bot(id)) if catalog.bot(id.as_uuid()).is_some_and(|b| b.owned_by(user)) => {
            Some(format!("/bots/{id}/edit"))
        }
        _ => None,
    }
}

/// The model of the user's latest chat with a site or PDF model, while it can answer: a new
/// chat opens on the model they last picked (a bot's chat starts from its own page).
async fn last_picked(
    pool: &MySqlPool,
    catalog: &Catalog,
    user: &UserRow,
) -> Result<Option<String>, sqlx::Error> {
    let recent = chats::list_for_user(pool, &user.id, chats::Shelf::Sidebar, None, 20).await?;
    Ok(recent
        .into_iter()
        .map(|chat| chat.model)
        .find(|model| !matches!(ModelRef::parse(model), Some(ModelRef::Bot(_))))
        .filter(|model| {
            catalog.offered_to(model, user.uuid()).is_some()
                && !matches!(catalog.status(model), BackendStatus::Unavailable { .. })
        }))
}

pub async fn render_chat(
    page: &Page,
    user: &UserRow,
    chat: Option<&ChatRow>,
    pool: &MySqlPool,
    service: &ChatService,
    catalog: &Catalog,
    start: Option<ChatStart>,
) -> Result<HttpResponse, AppError> {
    let user_id = user.uuid();
    let current = chat
        .map(|c| c.model.as_str())
        .or(start.as_ref().map(|s| s.model.as_str()));
    let picker = picker(catalog, page.lang, user_id, current);
    let last_pick = match current {
        None => last_picked(pool, catalog, user).await?,
        Some(_) => None,
    };
    let messages: Vec<MessageView> = match chat {
        Some(chat) => message_views(pool, &chat.id, None, catalog, user_id).await?,
        None => Vec::new(),
    };
    let has_more = messages.first().is_some_and(|m| m.rank > 1);
    let streaming = messages
        .last()
        .is_some_and(|m| m.status == MessageStatus::Streaming);
    let model = current
        .map(str::to_owned)
        .or(last_pick)
        .or(picker.default)
        .unwrap_or_default();
    let offered = catalog.offered_to(&model, user_id).is_some();
    // A chat with a bot the user may no longer use is read-only (the server refuses it too).
    let bot_gone = !offered && matches!(ModelRef::parse(&model), Some(ModelRef::Bot(_)));
    // A chat whose site or PDF model left the picker (stopped, disabled, deleted) continues
    // only on another model: until one is picked it reads like a chat at its limit.
    let model_gone = chat.is_some() && !offered && !bot_gone;
    let title = chat.map_or_else(|| page.t(&Msg::new("new-chat")), |c| c.title.clone());
    page.render(
        "chat",
        json!({
            "title": title,
            "user": user_json(user),
            "chat": chat,
            "messages": messages,
            "has_more": has_more,
            "streaming": streaming,
            "models": picker.models,
            "bots": picker.bots,
            "model": model,
            // A chat's model that left the picker (unlaunched, deleted) is still named.
            "model_name": catalog.name_of(&model).unwrap_or_else(|| model.clone()),
            "model_offered": offered,
            "model_gone_note": page.t(&gone_note(catalog, &model, user_id)),
            "bot_gone": bot_gone,
            "model_gone": model_gone,
            // The owner of a bot whose chat is read-only can mend the bot (its base model).
            "bot_edit": bot_gone.then(|| own_bot(catalog, &model, user_id)).flatten(),
            "read_only": bot_gone || model_gone,
            "bot": start.map(|s| s.bot),
            "limits": limit_view(chat, service.default_limit().await?),
            "prompt_max_chars": service.prompt_max_chars(),
            "scripts": ["/static/js/sidebar.js", "/static/js/chat.js"],
        }),
    )
}

pub async fn home(
    page: Page,
    user: MaybeUser,
    session: Session,
    pool: web::Data<MySqlPool>,
    service: web::Data<ChatService>,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, AppError> {
    let Some(user) = user.0 else {
        // A device whose account was blocked goes to the login page, which says why.
        let blocked = session.contains_key(BLOCKED_KEY);
        return Ok(see_other(if blocked { "/login" } else { "/register" }));
    };
    render_chat(&page, &user, None, &pool, &service, &catalog, None).await
}

pub async fn show(
    page: Page,
    user: CurrentUser,
    path: web::Path<ChatId>,
    pool: web::Data<MySqlPool>,
    service: web::Data<ChatService>,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, AppError> {
    let chat = service.owned(&user.0, *path).await?;
    render_chat(&page, &user.0, Some(&chat), &pool, &service, &catalog, None).await
}

//! `/admin/events`: the event log for the admin: filter by stream type, event type, user and
//! time, page back through it (keyset on the position), open one stream's whole history (a
//! chat's every event, discarded answers and what retrieval showed the model included), and
//! download the filtered set as JSONL or CSV.
use actix_web::{HttpResponse, web};
use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::MySqlPool;
use time::format_description::well_known::Rfc3339;

use crate::accounts::current::CurrentAdmin;
use crate::domain::{Day, StreamId};
use crate::error::AppError;
use crate::events::RecordedEvent;
use crate::events::export::{self, ExportFormat};
use crate::i18n::Msg;
use crate::store::event_log::{self, EventQuery};
use crate::store::users;
use crate::web::page::Page;

const PAGE_SIZE: u32 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    stream_type: String,
    #[serde(default, rename = "type")]
    event_type: String,
    /// A username, e-mail or user id.
    #[serde(default)]
    user: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    before: Option<u64>,
}

fn given(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

impl Filters {
    /// The filters as the store takes them; an unknown user matches nothing.
    async fn query(&self, pool: &MySqlPool) -> Result<EventQuery, AppError> {
        let user_id = match given(&self.user) {
            None => None,
            Some(who) => Some(match users::find_by_login(pool, &who).await? {
                Some(user) => user.id,
                None => who,
            }),
        };
        Ok(EventQuery {
            stream_type: given(&self.stream_type),
            event_type: given(&self.event_type),
            user_id,
            from: Day::parse(&self.from).map(|d| d.date().midnight()),
            to: Day::parse(&self.to)
                .and_then(|d| d.date().next_day())
                .map(|d| d.midnight()),
            before: self.before,
        })
    }

    /// The query string of these filters (without the page), for links.
    fn query_string(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("stream_type", self.stream_type.trim())
            .append_pair("type", self.event_type.trim())
            .append_pair("user", self.user.trim())
            .append_pair("from", self.from.trim())
            .append_pair("to", self.to.trim())
            .finish()
    }
}

/// A uuid cut to its first 8 characters keeps the table narrow (the full id on hover).
fn short(id: &str) -> String {
    match id.get(..8) {
        Some(head) if id.len() > 12 => format!("{head}…"),
        _ => id.to_owned(),
    }
}

/// Who did it, in words: the user's name (or "deleted user"), "admin" or "system".
fn who(page: &Page, actor: &str, names: &HashMap<String, String>) -> String {
    match actor.split_once(':') {
        Some(("user", id)) => names
            .get(id)
            .cloned()
            .unwrap_or_else(|| page.t(&Msg::new("admin-who-deleted-user"))),
        Some(("admin", _)) => page.t(&Msg::new("admin-who-admin")),
        _ if actor == "system" => page.t(&Msg::new("admin-who-system")),
        _ => actor.to_owned(),
    }
}

/// The names of the users who acted in these events.
async fn actor_names(
    pool: &MySqlPool,
    events: &[RecordedEvent],
) -> Result<HashMap<String, String>, AppError> {
    let mut ids: Vec<String> = events
        .iter()
        .filter_map(|e| e.metadata().actor.strip_prefix("user:").map(str::to_owned))
        .collect();
    ids.sort();
    ids.dedup();
    Ok(event_log::usernames(pool, &ids).await?)
}

fn event_json(page: &Page, event: &RecordedEvent, names: &HashMap<String, String>) -> Value {
    let payload = event.redacted_payload();
    let actor = event.metadata().actor;
    json!({
        "who": who(page, &actor, names),
        "position": event.position,
        "recorded_at": event.recorded_at.assume_utc().format(&Rfc3339).unwrap_or_default(),
        "stream_type": event.stream_type,
        "stream_id": event.stream_id,
        // A uuid cut to its first 8 characters keeps the table narrow (the full id on hover).
        "stream_short": short(&event.stream_id),
        "sequence": event.sequence,
        "event_type": event.event_type,
        "version": event.event_version,
        "actor": actor,
        "payload": serde_json::to_string_pretty(&payload).unwrap_or_default(),
        "summary": summary(&payload),
    })
}

/// The payload on one line, cut, for the table.
fn summary(payload: &Value) -> String {
    let text = payload.to_string();
    if text.chars().count() > 120 {
        text.chars().take(119).collect::<String>() + "…"
    } else {
        text
    }
}

pub async fn list(
    page: Page,
    admin: CurrentAdmin,
    filters: web::Query<Filters>,
    pool: web::Data<MySqlPool>,
) -> Result<HttpResponse, AppError> {
    let query = filters.query(&pool).await?;
    let events = event_log::page(&pool, &query, PAGE_SIZE).await?;
    let names = actor_names(&pool, &events).await?;
    let next = (events.len() == PAGE_SIZE as usize)
        .then(|| events.last().map(|e| e.position))
        .flatten();
    let data = json!({
        "events": events.iter().map(|e| event_json(&page, e, &names)).collect::<Vec<_>>(),
        "filters": {
            "stream_type": filters.stream_type, "type": filters.event_type, "user": filters.user,
            "from": filters.from, "to": filters.to,
        },
        "stream_types": crate::STREAM_TYPES,
        "query": filters.query_string(),
        "next": next,
        "paged": filters.before.is_some(),
    });
    super::render(
        &page,
        &admin.0,
        "events",
        "admin/events",
        Msg::new("admin-nav-events"),
        data,
    )
}

/// One stream's whole history (an id no stream can have is a 404, as an unknown one is).
pub async fn stream(
    page: Page,
    admin: CurrentAdmin,
    id: web::Path<StreamId>,
    pool: web::Data<MySqlPool>,
) -> Result<HttpResponse, AppError> {
    let events = event_log::stream(&pool, id.as_str()).await?;
    let Some(first) = events.first() else {
        return Err(AppError::NotFound);
    };
    let names = actor_names(&pool, &events).await?;
    let data = json!({
        "stream_id": first.stream_id, "stream_type": first.stream_type,
        "events": events.iter().map(|e| event_json(&page, e, &names)).collect::<Vec<_>>(),
    });
    super::render(
        &page,
        &admin.0,
        "events",
        "admin/event_stream",
        Msg::new("admin-event-stream-title"),
        data,
    )
}

/// The filtered set as JSON lines, CSV or Parquet (the same rows as `export-events`).
pub async fn download(
    _: CurrentAdmin,
    path: web::Path<ExportFormat>,
    filters: web::Query<Filters>,
    pool: web::Data<MySqlPool>,
) -> Result<HttpResponse, AppError> {
    let format = path.into_inner();
    let query = filters.query(&pool).await?;
    let filter = export::Filter {
        since: query.from,
        until: query.to,
        stream_type: query.stream_type,
        event_types: query.event_type.into_iter().collect(),
        user_id: query.user_id,
        ..Default::default()
    };
    let file = tempfile::NamedTempFile::new().map_err(AppError::unexpected)?;
    let writer = file.reopen().map_err(AppError::unexpected)?;
    export::export(&pool, &filter, format, writer)
        .await
        .map_err(AppError::unexpected)?;
    super::exporting::stream_file(
        file,
        format.content_type(),
        super::exporting::disposition("events", format.as_str()),
    )
    .await
}

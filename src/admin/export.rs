//! Exports of chats for the admin: Markdown and JSON streamed page by page (a chat with 10,000
//! messages is never held in memory at once), a PDF built on the blocking pool, and a zip of
//! several users' chats written to a temporary file and streamed from there.
use std::collections::{HashMap, VecDeque};
use std::io::Write;

use bytes::Bytes;
use futures::Stream;
use serde_json::json;
use sqlx::MySqlPool;
use time::format_description::well_known::Rfc3339;

use super::markdown::markdown_safe;
use super::pdf::{self, PdfError};
use super::printing::{PrintOptions, printed_chat};
use crate::catalog::Catalog;
use crate::chat::branches::{Branches, Place};
use crate::domain::{MessageStatus, Role};
use crate::store::chats::{self, ChatRow, MessageRow};

/// Messages read per query while exporting.
const PAGE: u32 = 500;

/// Model and bot names by id (the catalog's, deleted ones included), so an export names them
/// as people know them instead of `bot:<uuid>`.
#[derive(Clone)]
pub struct ModelNames(Catalog);

impl ModelNames {
    pub fn new(catalog: &Catalog) -> Self {
        ModelNames(catalog.clone())
    }

    /// The name, or the id itself for a model the site never knew.
    pub fn of(&self, id: &str) -> String {
        self.0.name_of(id).unwrap_or_else(|| id.to_owned())
    }

    pub fn catalog(&self) -> &Catalog {
        &self.0
    }
}

/// A chat to export, with its owner's name for the header.
#[derive(Clone)]
pub struct ChatExport {
    pub chat: ChatRow,
    pub username: String,
    pub names: ModelNames,
}

/// Every chat of `user` (newest first), ready to export.
pub async fn user_chats(
    pool: &MySqlPool,
    user: &crate::store::users::UserRow,
    names: &ModelNames,
) -> Result<Vec<ChatExport>, sqlx::Error> {
    let rows = crate::store::chats::list_for_user(
        pool,
        &user.id,
        crate::store::chats::Shelf::All,
        None,
        u32::MAX,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|chat| ChatExport {
            chat,
            username: user.username.clone(),
            names: names.clone(),
        })
        .collect())
}

/// A chat's messages set aside by Regenerate or an edited prompt, found under the message of
/// the conversation they were versions of: each version, how its branch went on, and the
/// versions within that branch, so that every message the chat ever showed is found once.
#[derive(Default)]
pub struct SetAside {
    branches: Branches,
    rows: HashMap<u64, MessageRow>,
}

fn place(row: &MessageRow) -> Place {
    Place {
        id: row.id,
        rank: row.rank,
    }
}

impl SetAside {
    pub async fn load(pool: &MySqlPool, chat_id: &str) -> Result<SetAside, sqlx::Error> {
        let rows = chats::answer_versions(pool, chat_id).await?;
        if rows.is_empty() {
            return Ok(SetAside::default());
        }
        let current = chats::message_places(pool, chat_id).await?;
        let branches = Branches::new(
            current
                .into_iter()
                .map(|(id, rank, parent)| (Place { id, rank }, parent))
                .chain(rows.iter().map(|row| (place(row), row.parent_id))),
        );
        let rows = rows.into_iter().map(|row| (row.id, row)).collect();
        Ok(SetAside { branches, rows })
    }

    /// The set-aside messages under the conversation's message at `at`, in reading order.
    pub fn under(&self, at: Place) -> Vec<&MessageRow> {
        let mut found = Vec::new();
        if !self.rows.is_empty() {
            let mut seen = std::collections::HashSet::new();
            self.collect(at, &mut found, &mut seen);
        }
        found
    }

    fn collect<'a>(
        &'a self,
        at: Place,
        found: &mut Vec<&'a MessageRow>,
        seen: &mut std::collections::HashSet<u64>,
    ) {
        for id in self.branches.versions_of(at) {
            let Some(version) = self.rows.get(&id).filter(|_| seen.insert(id)) else {
                continue;
            };
            found.push(version);
            for next in self.branches.continuation(place(version)) {
                if let Some(row) = self.rows.get(&next.id).filter(|_| seen.insert(next.id)) {
                    found.push(row);
                    self.collect(next, found, seen);
                }
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Pdf(#[from] PdfError),
    #[error("could not write the archive: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("the export task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

fn iso(at: time::PrimitiveDateTime) -> String {
    at.assume_utc().format(&Rfc3339).unwrap_or_default()
}

fn who(message: &MessageRow, names: &ModelNames) -> String {
    let role = if message.role == Role::User {
        "User"
    } else {
        "Assistant"
    };
    match (&message.model, message.role.as_str()) {
        (Some(model), "assistant") => {
            format!("{role} ({}) · {}", names.of(model), iso(message.date))
        }
        _ => format!("{role} · {}", iso(message.date)),
    }
}

/// `Sources: [S1] p. 3 · [S2] p. 12`: the pages the answer's citations point to (none for an
/// answer that cites nothing).
pub fn sources_line(label: &str, message: &MessageRow) -> Option<String> {
    let pages: Vec<String> = message
        .sources()
        .iter()
        .filter(|s| message.content.contains(&format!("[S{}]", s.label)))
        .map(|s| format!("[S{}] p. {}", s.label, s.page))
        .collect();
    (!pages.is_empty()).then(|| format!("{label}: {}", pages.join(" · ")))
}

fn markdown_header(export: &ChatExport) -> String {
    format!(
        "# {}\n\n- User: {}\n- Model: {}\n- Started: {}\n- Last activity: {}\n\n",
        markdown_safe(&export.chat.title.replace('\n', " ")).trim_end(),
        export.username,
        markdown_safe(&export.names.of(&export.chat.model)).trim_end(),
        iso(export.chat.date),
        iso(export.chat.updated_at)
    )
}

fn markdown_message(message: &MessageRow, names: &ModelNames, heading: &str) -> String {
    let mut text = format!(
        "{heading} {}\n\n{}\n\n",
        who(message, names),
        markdown_safe(&message.content)
    );
    if let Some(sources) = sources_line("Sources", message) {
        text.push_str(&format!("_{}_\n\n", markdown_safe(&sources)));
    }
    if message.status != MessageStatus::Complete {
        text.push_str(&format!(
            "_({}{})_\n\n",
            message.status.as_str(),
            message
                .error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        ));
    }
    text
}

/// A message of the conversation, then the messages set aside at its place, marked as such.
fn markdown_with_set_aside(message: &MessageRow, names: &ModelNames, aside: &SetAside) -> String {
    let mut text = markdown_message(message, names, "###");
    for row in aside.under(place(message)) {
        text.push_str(&markdown_message(row, names, "#### Set aside ·"));
    }
    text
}

fn json_message(message: &MessageRow, names: &ModelNames) -> serde_json::Value {
    // The passages the answer was shown, with their pages (`[S1]` in the text is `S1`).
    let sources: Vec<serde_json::Value> = message
        .sources()
        .iter()
        .map(|s| json!({ "label": format!("S{}", s.label), "page": s.page }))
        .collect();
    json!({
        "id": message.id, "rank": message.rank, "role": message.role, "content": message.content,
        "date": iso(message.date), "status": message.status, "model": message.model,
        "model_name": message.model.as_deref().map(|m| names.of(m)),
        "prompt_tokens": message.prompt_tokens, "completion_tokens": message.completion_tokens,
        "latency_ms": message.latency_ms, "ttft_ms": message.ttft_ms, "error": message.error,
        "sources": sources,
    })
}

/// A message with the messages set aside at its place (each with its rank).
fn json_with_set_aside(
    message: &MessageRow,
    names: &ModelNames,
    aside: &SetAside,
) -> serde_json::Value {
    let mut value = json_message(message, names);
    let set_aside: Vec<serde_json::Value> = aside
        .under(place(message))
        .into_iter()
        .map(|row| json_message(row, names))
        .collect();
    if !set_aside.is_empty() {
        value["set_aside"] = set_aside.into();
    }
    value
}

fn json_chat_open(export: &ChatExport) -> String {
    let head = json!({
        "id": export.chat.id, "title": export.chat.title, "user": export.username, "model": export.chat.model,
        "model_name": export.names.of(&export.chat.model),
        "started": iso(export.chat.date), "updated": iso(export.chat.updated_at),
    });
    // The chat object without its closing brace, so messages can follow.
    let text = head.to_string();
    format!("{},\"messages\":[", &text[..text.len() - 1])
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TextFormat {
    Markdown,
    Json,
}

struct Cursor {
    pool: MySqlPool,
    chats: VecDeque<ChatExport>,
    current: Option<Current>,
    format: TextFormat,
    started: bool,
    first_chat: bool,
    done: bool,
}

/// The chat being written: where its next page starts, and its set-aside messages.
struct Current {
    export: ChatExport,
    after_rank: u32,
    first_message: bool,
    aside: SetAside,
}

/// One step of a text export: the next page of the current chat, or the next chat.
async fn next_chunk(cursor: &mut Cursor) -> Result<Option<String>, sqlx::Error> {
    let mut out = String::new();
    if !cursor.started {
        cursor.started = true;
        if cursor.format == TextFormat::Json {
            out.push_str("{\"chats\":[");
        }
    }
    let Some(current) = cursor.current.take() else {
        let Some(export) = cursor.chats.pop_front() else {
            if cursor.done {
                return Ok(None);
            }
            cursor.done = true;
            if cursor.format == TextFormat::Json {
                out.push_str("]}\n");
            }
            return Ok(Some(out));
        };
        match cursor.format {
            TextFormat::Markdown => out.push_str(&markdown_header(&export)),
            TextFormat::Json => {
                if !cursor.first_chat {
                    out.push(',');
                }
                out.push_str(&json_chat_open(&export));
            }
        }
        cursor.first_chat = false;
        let aside = SetAside::load(&cursor.pool, &export.chat.id).await?;
        cursor.current = Some(Current {
            export,
            after_rank: 0,
            first_message: true,
            aside,
        });
        return Ok(Some(out));
    };
    let Current {
        export,
        after_rank,
        first_message,
        aside,
    } = current;
    let rows = chats::messages_after(&cursor.pool, &export.chat.id, after_rank, PAGE).await?;
    let mut first = first_message;
    for row in &rows {
        match cursor.format {
            TextFormat::Markdown => {
                out.push_str(&markdown_with_set_aside(row, &export.names, &aside))
            }
            TextFormat::Json => {
                if !first {
                    out.push(',');
                }
                out.push_str(&json_with_set_aside(row, &export.names, &aside).to_string());
            }
        }
        first = false;
    }
    match rows.last() {
        Some(last) if rows.len() == PAGE as usize => {
            cursor.current = Some(Current {
                after_rank: last.rank,
                export,
                first_message: first,
                aside,
            })
        }
        _ => match cursor.format {
            TextFormat::Markdown => out.push_str("\n---\n\n"),
            TextFormat::Json => out.push_str("]}"),
        },
    }
    Ok(Some(out))
}

/// The chats as Markdown or JSON, produced while the response is being sent.
pub fn text_stream(
    pool: MySqlPool,
    chats: Vec<ChatExport>,
    format: TextFormat,
) -> impl Stream<Item = Result<Bytes, actix_web::Error>> {
    let cursor = Cursor {
        pool,
        chats: chats.into(),
        current: None,
        format,
        started: false,
        first_chat: true,
        done: false,
    };
    futures::stream::unfold(cursor, |mut cursor| async move {
        match next_chunk(&mut cursor).await {
            Ok(Some(text)) => Some((Ok(Bytes::from(text)), cursor)),
            Ok(None) => None,
            Err(error) => {
                tracing::error!(%error, "Export failed part way");
                cursor.done = true;
                cursor.chats.clear();
                Some((
                    Err(actix_web::error::ErrorInternalServerError("export failed")),
                    cursor,
                ))
            }
        }
    })
}

/// The chats as one PDF (each chat from a new page), laid out on the blocking pool.
pub async fn pdf(
    pool: &MySqlPool,
    chats: Vec<ChatExport>,
    options: PrintOptions,
) -> Result<Vec<u8>, ExportError> {
    let mut printed = Vec::with_capacity(chats.len());
    for export in chats {
        let mut messages = Vec::new();
        let mut after = 0;
        loop {
            let rows = chats::messages_after(pool, &export.chat.id, after, PAGE).await?;
            let full = rows.len() == PAGE as usize;
            after = rows.last().map_or(after, |r| r.rank);
            messages.extend(rows);
            if !full {
                break;
            }
        }
        printed.push(printed_chat(&export, &messages, options));
    }
    let created = time::OffsetDateTime::now_utc();
    let bytes =
        crate::telemetry::spawn_blocking_with_tracing(move || pdf::render(&printed, created))
            .await??;
    Ok(bytes)
}

/// A zip folder name for `username`: letters, digits, `-` and `_` kept, the rest `_`, and a
/// `-2`, `-3`… suffix when another user's name came out the same (a zip must not hold one
/// entry twice).
fn unique_folder(taken: &mut std::collections::HashSet<String>, username: &str) -> String {
    let safe: String = username
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut name = safe.clone();
    let mut n = 1;
    while !taken.insert(name.to_lowercase()) {
        n += 1;
        name = format!("{safe}-{n}");
    }
    name
}

/// When the entries were written, in UTC (zip keeps no zone); without it every entry says
/// 1980-01-01, zip's zero.
fn zip_time(at: time::OffsetDateTime) -> zip::DateTime {
    let at = at.to_offset(time::UtcOffset::UTC);
    u16::try_from(at.year())
        .ok()
        .and_then(|year| {
            zip::DateTime::from_date_and_time(
                year,
                u8::from(at.month()),
                at.day(),
                at.hour(),
                at.minute(),
                at.second(),
            )
            .ok()
        })
        .unwrap_or_default()
}

enum ZipPiece {
    File(String),
    Text(String),
}

/// Several users' chats (Markdown and JSON per user) in a zip written to a temporary file. The
/// database is read here; compressing and writing happen on the blocking pool.
pub async fn zip(
    pool: &MySqlPool,
    users: Vec<(String, Vec<ChatExport>)>,
    written: time::OffsetDateTime,
) -> Result<tempfile::NamedTempFile, ExportError> {
    let file = tempfile::NamedTempFile::new()?;
    let target = file.reopen()?;
    let (sender, mut pieces) = tokio::sync::mpsc::channel::<ZipPiece>(8);
    let writer =
        crate::telemetry::spawn_blocking_with_tracing(move || -> Result<(), ExportError> {
            let mut archive = zip::ZipWriter::new(target);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .last_modified_time(zip_time(written));
            while let Some(piece) = pieces.blocking_recv() {
                match piece {
                    ZipPiece::File(name) => archive.start_file(name, options)?,
                    ZipPiece::Text(text) => archive.write_all(text.as_bytes())?,
                }
            }
            archive.finish()?;
            Ok(())
        });
    let mut folders = std::collections::HashSet::new();
    'users: for (username, chats) in users {
        let folder = unique_folder(&mut folders, &username);
        for (format, extension) in [(TextFormat::Markdown, "md"), (TextFormat::Json, "json")] {
            if sender
                .send(ZipPiece::File(format!("{folder}/chats.{extension}")))
                .await
                .is_err()
            {
                break 'users;
            }
            let mut cursor = Cursor {
                pool: pool.clone(),
                chats: chats.clone().into(),
                current: None,
                format,
                started: false,
                first_chat: true,
                done: false,
            };
            while let Some(text) = next_chunk(&mut cursor).await? {
                if sender.send(ZipPiece::Text(text)).await.is_err() {
                    break 'users;
                }
            }
        }
    }
    drop(sender);
    writer.await??;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::unique_folder;

    #[test]
    fn names_that_sanitise_alike_get_their_own_folders() {
        let mut taken = std::collections::HashSet::new();
        let names: Vec<String> = ["a.b", "a_b", "a b", "A_B", "ali"]
            .iter()
            .map(|name| unique_folder(&mut taken, name))
            .collect();
        assert_eq!(names, ["a_b", "a_b-2", "a_b-3", "A_B-4", "ali"]);
    }
}

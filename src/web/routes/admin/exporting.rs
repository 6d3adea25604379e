//! Printing and exporting chats (one chat or all of a user's), shared by the user and chat pages.
use std::fmt::Write;

use actix_web::HttpResponse;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderName};
use serde_json::json;
use sqlx::MySqlPool;

use crate::admin::export::{self, ChatExport, TextFormat};
use crate::admin::printing::PrintOptions;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::store::chats;
use crate::web::page::Page;
use crate::web::routes::chat::MessageView;

/// A `Content-Disposition` header, ready for `insert_header`.
pub type Disposition = (HeaderName, String);

/// The download's name: the chat title or username as people wrote it (spaces, Uzbek and
/// Russian letters kept; path and control characters dropped), with an ASCII fallback for old
/// clients (RFC 6266: `filename` and `filename*`).
pub fn disposition(base: &str, extension: &str) -> Disposition {
    let kept: String = base
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '/' | '\\' | '"' | ':' | '*' | '?' | '<' | '>' | '|')
        })
        .take(80)
        .collect();
    let kept = kept.trim();
    let name = format!(
        "{}.{extension}",
        if kept.is_empty() { "chats" } else { kept }
    );
    named("attachment", &name)
}

/// `kind` (`attachment` or `inline`) with `name` twice (RFC 6266): a quoted ASCII `filename`
/// for old clients (other letters become `_`; `"`, `\` and `;` are dropped, as some clients
/// end the value at a `;` even inside quotes) and `filename*=UTF-8''…`, every byte outside
/// RFC 5987's attr-char percent-encoded.
pub fn named(kind: &str, name: &str) -> Disposition {
    let ascii: String = name
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\\' | ';'))
        .map(|c| if c.is_ascii() { c } else { '_' })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    (
        CONTENT_DISPOSITION,
        format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
    )
}

/// The reader's UTC offset for the times in a PDF, which the download link carries (`app.js`
/// adds it: the server cannot know the browser's time zone).
#[derive(Debug, serde::Deserialize)]
pub struct LocalTime {
    /// Minutes east of UTC.
    tz: Option<i32>,
}

pub async fn download(
    page: &Page,
    pool: &MySqlPool,
    exports: Vec<ChatExport>,
    format: &str,
    base: &str,
    local: &LocalTime,
) -> Result<HttpResponse, AppError> {
    let (content_type, extension) = match format {
        "md" => ("text/markdown; charset=utf-8", "md"),
        "json" => ("application/json", "json"),
        "pdf" => ("application/pdf", "pdf"),
        _ => return Err(AppError::NotFound),
    };
    let disposition = disposition(base, extension);
    let mut response = HttpResponse::Ok();
    response
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header(disposition);
    Ok(match format {
        "pdf" => response.body(
            export::pdf(pool, exports, PrintOptions::new(page.lang, local.tz))
                .await
                .map_err(AppError::unexpected)?,
        ),
        "json" => response.streaming(export::text_stream(pool.clone(), exports, TextFormat::Json)),
        _ => response.streaming(export::text_stream(
            pool.clone(),
            exports,
            TextFormat::Markdown,
        )),
    })
}

/// The print-friendly page: every chat with a header, messages rendered safely, a page break
/// between chats.
/// Several users' chats as one zip (`<user>/chats.md` and `.json`), streamed from a temporary
/// file whose name is gone before the download starts.
pub async fn zip_download(
    pool: &MySqlPool,
    users: Vec<(String, Vec<ChatExport>)>,
    name: &str,
    written: time::OffsetDateTime,
) -> Result<HttpResponse, AppError> {
    let file = export::zip(pool, users, written)
        .await
        .map_err(AppError::unexpected)?;
    stream_file(file, "application/zip", disposition(name, "zip")).await
}

/// Streams a finished temporary file as a download; its name is gone before the first byte
/// leaves (the open handle keeps the data until the download ends).
pub async fn stream_file(
    file: tempfile::NamedTempFile,
    content_type: &str,
    disposition: Disposition,
) -> Result<HttpResponse, AppError> {
    let reader = tokio::fs::File::open(file.path())
        .await
        .map_err(AppError::unexpected)?;
    drop(file);
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type.to_owned()))
        .insert_header(disposition)
        .streaming(tokio_util::io::ReaderStream::new(reader)))
}

pub async fn print(
    page: &Page,
    pool: &MySqlPool,
    exports: Vec<ChatExport>,
    title: String,
) -> Result<HttpResponse, AppError> {
    let mut items = Vec::new();
    for export in exports {
        let mut messages = Vec::new();
        let mut after = 0;
        loop {
            let rows = chats::messages_after(pool, &export.chat.id, after, 500).await?;
            let full = rows.len() == 500;
            after = rows.last().map_or(after, |r| r.rank);
            let catalog = export.names.catalog();
            let label = page.t(&Msg::new("pdf-sources"));
            messages.extend(rows.into_iter().map(|row| {
                // The pages the answer cites, as the PDF prints them.
                let sources = export::sources_line(&label, &row);
                let mut view = json!(MessageView::from(row).named(catalog));
                view["sources_line"] = json!(sources);
                view
            }));
            if !full {
                break;
            }
        }
        let model_name = export.names.of(&export.chat.model);
        items.push(json!({
            "chat": export.chat, "model_name": model_name, "username": export.username,
            "messages": messages,
        }));
    }
    page.render(
        "admin/print",
        json!({ "title": title, "chats": items, "label": page.t(&Msg::new("admin-print")) }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extended_name_encodes_everything_outside_attr_char_and_the_fallback_drops_separators() {
        let (header, value) = named("attachment", "a=b; c\"d\\e Жизнь@(1).md");
        assert_eq!(header, CONTENT_DISPOSITION);
        assert_eq!(
            value,
            "attachment; filename=\"a=b cde _____@(1).md\"; \
             filename*=UTF-8''a%3Db%3B%20c%22d%5Ce%20%D0%96%D0%B8%D0%B7%D0%BD%D1%8C%40%281%29.md"
        );
        let (_, value) = disposition("Reja=plan; v2", "md");
        assert!(
            value.ends_with("filename*=UTF-8''Reja%3Dplan%3B%20v2.md"),
            "{value}"
        );
        assert!(value.contains("filename=\"Reja=plan v2.md\""), "{value}");
        assert!(actix_web::http::header::HeaderValue::from_str(&value).is_ok());
    }
}

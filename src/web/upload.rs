//! Building blocks for file uploads (PDF models' and bots' PDFs).
//!
//! Upload routes get their own body limit instead of the global `MAX_BODY_KB`: mount them in
//! `upload::scope(path, limit)` (or give a resource `.app_data(limit)`) and take an [`Upload`]
//! in the handler. Nothing is buffered: [`Upload::save_file`] streams a file part to disk with a
//! byte cap, hashing it on the way. The form's first part must be its `csrf` field (see `csrf`).
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, ready};

use actix_multipart::{Field, Multipart};
use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use bytes::Bytes;
use futures::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::error::AppError;
use crate::i18n::Msg;

const MB: u64 = 1024 * 1024;
/// Room for the rest of an upload form (the CSRF token, a title) and the multipart framing.
const FORM_OVERHEAD: u64 = 64 * 1024;

/// The largest file an upload route accepts, in bytes; the whole body may be a little larger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadLimit(u64);

impl UploadLimit {
    pub fn new(max_file_bytes: u64) -> Self {
        UploadLimit(max_file_bytes)
    }

    pub fn file_bytes(self) -> u64 {
        self.0
    }

    pub fn body_bytes(self) -> u64 {
        self.0.saturating_add(FORM_OVERHEAD)
    }

    fn too_large(self) -> UploadError {
        UploadError::TooLarge { limit: self.0 }
    }
}

/// A scope whose routes accept bodies up to `limit` through [`Upload`]; the global limits of
/// `Form`, `Json` and `Bytes` stay as they are, here too.
pub fn scope(path: &str, limit: UploadLimit) -> actix_web::Scope {
    web::scope(path).app_data(limit)
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the upload is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the upload could not be read: {0}")]
    Malformed(String),
    #[error("could not write the upload to {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl From<UploadError> for AppError {
    fn from(error: UploadError) -> Self {
        match error {
            UploadError::TooLarge { limit } => {
                AppError::TooLarge(Msg::new("error-upload-too-large").arg("mb", limit.div_ceil(MB)))
            }
            UploadError::Malformed(_) => AppError::BadRequest(Msg::new("error-bad-form")),
            UploadError::Write { .. } => AppError::unexpected(error),
        }
    }
}

/// A file on disk, with what a later check (a duplicate, a changed file) needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedFile {
    pub size: u64,
    pub sha256: [u8; 32],
}

impl SavedFile {
    pub fn sha256_hex(&self) -> String {
        hex::encode(self.sha256)
    }
}

/// The parts of a `multipart/form-data` body, read as they arrive, within the route's limit.
pub struct Upload {
    parts: Multipart,
    limit: UploadLimit,
    over_limit: Rc<Cell<bool>>,
}

impl FromRequest for Upload {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        std::future::ready(Upload::start(req, payload))
    }
}

impl Upload {
    fn start(req: &HttpRequest, payload: &mut Payload) -> Result<Self, AppError> {
        let limit = req.app_data::<UploadLimit>().copied().ok_or_else(|| {
            AppError::unexpected(anyhow::anyhow!("Upload used outside an upload::scope"))
        })?;
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        // Refused before a byte is read when the client says up front that it is too large.
        if declared.is_some_and(|length| length > limit.body_bytes()) {
            return Err(limit.too_large().into());
        }
        let over_limit = Rc::new(Cell::new(false));
        let body = Capped {
            payload: Payload::take(payload),
            left: limit.body_bytes(),
            over_limit: Rc::clone(&over_limit),
        };
        Ok(Upload {
            parts: Multipart::new(req.headers(), body),
            limit,
            over_limit,
        })
    }

    pub fn limit(&self) -> UploadLimit {
        self.limit
    }

    /// The next part of the form; `None` after the last. An unread part is skipped.
    pub async fn next_field(&mut self) -> Result<Option<Field>, UploadError> {
        match self.parts.next().await.transpose() {
            Ok(field) => Ok(field),
            Err(error) => Err(self.explain(UploadError::Malformed(error.to_string()))),
        }
    }

    /// Streams a file part to `path` (at most `limit().file_bytes()` of it).
    pub async fn save_file(&self, field: Field, path: &Path) -> Result<SavedFile, UploadError> {
        save_file(field, path, self.limit.file_bytes())
            .await
            .map_err(|error| self.explain(error))
    }

    /// A read error after the body passed its limit is that limit, not a malformed form.
    fn explain(&self, error: UploadError) -> UploadError {
        match error {
            UploadError::Malformed(_) if self.over_limit.get() => self.limit.too_large(),
            error => error,
        }
    }
}

/// The request body, ending in an error once more than `left` bytes have come.
struct Capped {
    payload: Payload,
    left: u64,
    over_limit: Rc<Cell<bool>>,
}

impl Stream for Capped {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.over_limit.get() {
            return Poll::Ready(Some(Err(PayloadError::Overflow)));
        }
        let next = ready!(this.payload.poll_next_unpin(cx));
        if let Some(Ok(chunk)) = &next {
            match this.left.checked_sub(chunk.len() as u64) {
                Some(left) => this.left = left,
                None => {
                    this.over_limit.set(true);
                    return Poll::Ready(Some(Err(PayloadError::Overflow)));
                }
            }
        }
        Poll::Ready(next)
    }
}

/// Streams one multipart file part to `path`, refusing it past `max_bytes`. The file is written
/// next to `path` under a temporary name and renamed when complete, so `path` never holds half a
/// file; on any error (or a cancelled request) nothing is left behind.
pub async fn save_file(
    mut field: Field,
    path: &Path,
    max_bytes: u64,
) -> Result<SavedFile, UploadError> {
    let partial = PartialFile::next_to(path);
    let written = write_capped(&mut field, &partial.path, max_bytes).await;
    let renamed = match written {
        Ok(saved) => tokio::fs::rename(&partial.path, path)
            .await
            .map(|()| saved)
            .map_err(|source| UploadError::Write {
                path: path.to_owned(),
                source,
            }),
        Err(error) => Err(error),
    };
    match renamed {
        Ok(saved) => {
            partial.keep();
            Ok(saved)
        }
        Err(error) => {
            partial.remove().await;
            Err(error)
        }
    }
}

async fn write_capped(
    field: &mut Field,
    path: &Path,
    max_bytes: u64,
) -> Result<SavedFile, UploadError> {
    let write_error = |source| UploadError::Write {
        path: path.to_owned(),
        source,
    };
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .await
        .map_err(write_error)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|error| UploadError::Malformed(error.to_string()))?;
        size += chunk.len() as u64;
        if size > max_bytes {
            return Err(UploadError::TooLarge { limit: max_bytes });
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(write_error)?;
    }
    // Also waits for the writes still in flight on tokio's blocking pool.
    file.sync_all().await.map_err(write_error)?;
    Ok(SavedFile {
        size,
        sha256: hasher.finalize().into(),
    })
}

/// `<name>.<random>.part` next to the destination, removed unless kept.
struct PartialFile {
    path: PathBuf,
    armed: bool,
}

impl PartialFile {
    fn next_to(path: &Path) -> Self {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".{}.part", uuid::Uuid::new_v4().simple()));
        PartialFile {
            path: path.with_file_name(name),
            armed: true,
        }
    }

    fn keep(mut self) {
        self.armed = false;
    }

    async fn remove(mut self) {
        self.armed = false;
        if let Err(error) = tokio::fs::remove_file(&self.path).await
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(%error, path = %self.path.display(), "Could not remove a partial upload");
        }
    }
}

impl Drop for PartialFile {
    /// Only a cancelled request (the client went away mid-upload) gets here armed; a destructor
    /// cannot wait, so the removal runs as its own task.
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let path = std::mem::take(&mut self.path);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    let _ = tokio::fs::remove_file(path).await;
                });
            }
            Err(_) => {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{self, HeaderMap, HeaderValue};

    use super::*;

    /// The first part of a one-file form, as a multipart parser hands it out.
    async fn file_field(content: &[u8]) -> (Multipart, Field) {
        let mut body =
            b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n"
                .to_vec();
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n--B--\r\n");
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("multipart/form-data; boundary=B"),
        );
        let chunks: Vec<Result<Bytes, PayloadError>> = body
            .chunks(1000)
            .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
            .collect();
        let mut parts = Multipart::new(&headers, futures::stream::iter(chunks));
        let field = parts.next().await.expect("a part").expect("a valid part");
        (parts, field)
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("readable dir")
            .map(|entry| entry.expect("entry").file_name().to_string_lossy().into())
            .collect();
        names.sort();
        names
    }

    #[actix_web::test]
    async fn a_file_within_the_cap_is_saved_whole_with_its_digest() {
        let dir = tempfile::tempdir().expect("temp dir");
        let content: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let (_parts, field) = file_field(&content).await;
        let path = dir.path().join("model.pdf");
        let saved = save_file(field, &path, 10_000).await.expect("saved");
        assert_eq!(saved.size, 10_000);
        assert_eq!(saved.sha256, <[u8; 32]>::from(Sha256::digest(&content)));
        assert_eq!(std::fs::read(&path).expect("file"), content);
        assert_eq!(entries(dir.path()), ["model.pdf"]);
    }

    #[actix_web::test]
    async fn a_file_over_the_cap_is_refused_and_nothing_is_left() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (_parts, field) = file_field(&[7u8; 10_001]).await;
        let error = save_file(field, &dir.path().join("model.pdf"), 10_000)
            .await
            .expect_err("over the cap");
        assert!(
            matches!(error, UploadError::TooLarge { limit: 10_000 }),
            "{error:?}"
        );
        assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
    }

    #[test]
    fn too_large_is_a_413_that_names_the_limit() {
        let error = AppError::from(UploadError::TooLarge { limit: 50 * MB });
        assert_eq!(
            actix_web::ResponseError::status_code(&error),
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
        );
        assert_eq!(
            error.message(),
            Msg::new("error-upload-too-large").arg("mb", 50)
        );
    }
}

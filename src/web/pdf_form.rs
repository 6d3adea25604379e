//! A form with a PDF (the admin's new model, a user's bot): its multipart body read part by
//! part, the text fields handed to the caller, the PDF streamed to the model's folder (its head
//! sniffed for `%PDF-`), nothing left on a refusal.
use actix_multipart::Field;

use crate::domain::PdfModelId;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::pdf_models::events::SourceFile;
use crate::pdf_models::runtime::Knowledge;
use crate::pdf_models::service::INSTRUCTIONS_MAX_CHARS;
use crate::web::upload::{SavedFile, Upload, UploadError};

/// The largest text field of the form we read (the instructions' limit, in UTF-8, with room).
const TEXT_FIELD_MAX_BYTES: usize = 4 * INSTRUCTIONS_MAX_CHARS + 1024;

/// What the new-model form shows again after a problem.
#[derive(Default)]
pub struct Entered {
    pub name: String,
    pub description: String,
    pub instructions: String,
    pub base_model: String,
}

impl Entered {
    /// Takes the new-model form's text fields.
    fn take(&mut self, name: &str, text: String) {
        match name {
            "name" => self.name = text,
            "description" => self.description = text,
            "instructions" => self.instructions = text,
            "base_model" => self.base_model = text,
            _ => {}
        }
    }
}

/// Reads the new-model form's parts in order; the PDF is streamed to the model's folder.
pub async fn read_form(
    upload: &mut Upload,
    knowledge: &Knowledge,
    id: PdfModelId,
    entered: &mut Entered,
) -> Result<Option<SourceFile>, AppError> {
    read_pdf_form(upload, knowledge, id, |name, text| entered.take(name, text)).await
}

/// Reads a form's parts in order: a part named `pdf` is streamed to the model `id`'s folder,
/// every other part is read as text (within a limit) and handed to `text`.
pub async fn read_pdf_form(
    upload: &mut Upload,
    knowledge: &Knowledge,
    id: PdfModelId,
    mut text: impl FnMut(&str, String),
) -> Result<Option<SourceFile>, AppError> {
    let mut file = None;
    while let Some(field) = upload.next_field().await? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "pdf" => {
                let original_name = original_name(&field);
                if original_name.is_empty() && file.is_none() {
                    // An empty file input: the browser sends a part with no name and no bytes.
                    drain(field).await?;
                    continue;
                }
                let folder = knowledge.folder(id.as_uuid());
                tokio::fs::create_dir_all(&folder)
                    .await
                    .map_err(AppError::unexpected)?;
                let path = knowledge.source_path(id.as_uuid());
                let saved: SavedFile = upload.save_file(field, &path).await?;
                check_pdf_head(&path, saved.size).await?;
                file = Some(SourceFile {
                    path: Knowledge::relative_source_path(id.as_uuid()),
                    sha256: saved.sha256_hex(),
                    bytes: saved.size,
                    original_name,
                });
            }
            "csrf" => drain(field).await?,
            _ => {
                let value = read_text(field).await?;
                text(&name, value);
            }
        }
    }
    Ok(file)
}

/// The file's name as the browser sent it, reduced to its last component (for display only:
/// the file is stored as `source.pdf`).
fn original_name(field: &Field) -> String {
    let raw = field
        .content_disposition()
        .and_then(|cd| cd.get_filename())
        .unwrap_or_default();
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    last.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// A PDF starts with `%PDF-` (within its first kilobyte, as readers allow); an empty or other
/// file is refused at once, before a model exists.
async fn check_pdf_head(path: &std::path::Path, size: u64) -> Result<(), AppError> {
    use tokio::io::AsyncReadExt;
    let not_pdf = || AppError::Unprocessable(Msg::new("pdf-not-pdf"));
    if size == 0 {
        return Err(not_pdf());
    }
    let mut head = vec![0u8; 1024];
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(AppError::unexpected)?;
    let read = file.read(&mut head).await.map_err(AppError::unexpected)?;
    if head[..read].windows(5).any(|w| w == b"%PDF-") {
        Ok(())
    } else {
        Err(not_pdf())
    }
}

async fn read_text(mut field: Field) -> Result<String, AppError> {
    use futures::StreamExt;
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|e| UploadError::Malformed(e.to_string()))?;
        if bytes.len() + chunk.len() > TEXT_FIELD_MAX_BYTES {
            return Err(AppError::Unprocessable(
                Msg::new("admin-model-too-long")
                    .arg("field", field.name().unwrap_or_default())
                    .arg("max", INSTRUCTIONS_MAX_CHARS),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| AppError::BadRequest(Msg::new("error-bad-form")))
}

async fn drain(mut field: Field) -> Result<(), AppError> {
    use futures::StreamExt;
    while let Some(chunk) = field.next().await {
        chunk.map_err(|e| UploadError::Malformed(e.to_string()))?;
    }
    Ok(())
}

pub async fn remove_folder(knowledge: &Knowledge, id: PdfModelId) {
    match tokio::fs::remove_dir_all(knowledge.folder(id.as_uuid())).await {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            tracing::warn!(%id, %error, "Could not remove a refused upload");
        }
        _ => {}
    }
}

//! `/admin/models`: PDF models. The list (with live progress), the new-model form (a streamed
//! multipart upload), a model's page (edit, launch, unlaunch, read again, delete after a
//! confirmation) and its PDF. Every change goes through `PdfModels`.
use actix_multipart::Field;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::accounts::current::CurrentAdmin;
use crate::domain::PdfModelId;
use crate::error::AppError;
use crate::events::Metadata;
use crate::i18n::Msg;
use crate::pdf_models::PdfModels;
use crate::pdf_models::events::SourceFile;
use crate::pdf_models::runtime::Knowledge;
use crate::pdf_models::service::{
    DESCRIPTION_MAX_CHARS, INSTRUCTIONS_MAX_CHARS, ModelDetails, ModelSummary, NAME_MAX_CHARS,
};
use crate::web::page::{Page, see_other};
use crate::web::upload::{SavedFile, Upload, UploadError};

/// The largest text field of the form we read (the instructions' limit, in UTF-8, with room).
const TEXT_FIELD_MAX_BYTES: usize = 4 * INSTRUCTIONS_MAX_CHARS + 1024;

fn metadata(admin: &CurrentAdmin) -> Metadata {
    Metadata::admin(&admin.0.username)
}

/// Status words and the translated reason of a failure, for templates.
fn view(page: &Page, model: &ModelSummary) -> Value {
    let reason = model.failure_code.as_deref().map(|code| {
        let id = failure_message_id(code);
        page.t(&Msg::new(id))
    });
    let percent = model.progress.as_ref().map(|p| {
        if p.total == 0 {
            0
        } else {
            (u64::from(p.done) * 100 / u64::from(p.total)) as u32
        }
    });
    json!({
        "model": model,
        "status_label": page.t(&Msg::new(status_message_id(model.status))),
        "busy": matches!(model.status, "new" | "ingesting"),
        "ready": model.status == "ready",
        "failed": model.status == "failed",
        "reason": reason,
        "percent": percent,
        "elsewhere": model.progress.as_ref().is_some_and(|p| p.stage == "elsewhere"),
        "pdf_size": human_size(model.pdf_bytes),
    })
}

/// `36 KB`, `4.2 MB`.
fn human_size(bytes: u64) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    if (bytes as f64) < MB {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{:.1} MB", bytes as f64 / MB)
    }
}

fn status_message_id(status: &str) -> &'static str {
    match status {
        "new" | "ingesting" => "admin-model-status-ingesting",
        "ready" => "admin-model-status-ready",
        "failed" => "admin-model-status-failed",
        _ => "admin-model-status-deleted",
    }
}

/// `pdf-<code>` for the PDF's own problems; a general message for the rest.
fn failure_message_id(code: &str) -> &'static str {
    match code {
        "unreadable" => "pdf-unreadable-short",
        "too_large" => "pdf-too-large-short",
        "not_pdf" => "pdf-not-pdf",
        "malformed" => "pdf-malformed",
        "encrypted" => "pdf-encrypted",
        "no_pages" => "pdf-no-pages",
        "too_many_pages" => "pdf-too-many-pages-short",
        "no_text" => "pdf-no-text",
        "garbled" => "pdf-garbled",
        "timeout" => "pdf-timeout-short",
        "embedder" => "pdf-embedder",
        _ => "pdf-internal",
    }
}

pub async fn list(
    page: Page,
    admin: CurrentAdmin,
    models: web::Data<PdfModels>,
) -> Result<HttpResponse, AppError> {
    let rows: Vec<Value> = models.list().await.iter().map(|m| view(&page, m)).collect();
    let data = json!({ "models": rows, "any_busy": rows.iter().any(|r| r["busy"] == true) });
    super::render(
        &page,
        &admin.0,
        "models",
        "admin/models",
        Msg::new("admin-nav-pdf-models"),
        data,
    )
}

/// The state of every model, for the list's live progress bars.
pub async fn status(
    _admin: CurrentAdmin,
    models: web::Data<PdfModels>,
) -> Result<HttpResponse, AppError> {
    let rows: Vec<Value> = models
        .list()
        .await
        .into_iter()
        .map(|m| json!({ "id": m.id, "status": m.status, "launched": m.launched, "progress": m.progress }))
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({ "models": rows })))
}

/// What the new-model form shows again after a problem.
#[derive(Default)]
struct Entered {
    name: String,
    description: String,
    instructions: String,
    base_model: String,
}

fn render_form(
    page: &Page,
    admin: &CurrentAdmin,
    models: &PdfModels,
    entered: &Entered,
    error: Option<(StatusCode, Msg)>,
) -> Result<HttpResponse, AppError> {
    let knowledge = models.knowledge();
    let data = json!({
        "base_models": models
            .base_models()
            .into_iter()
            .map(|m| json!({ "id": m.id, "name": m.name }))
            .collect::<Vec<_>>(),
        "entered": {
            "name": entered.name,
            "description": entered.description,
            "instructions": entered.instructions,
            "base_model": entered.base_model,
        },
        "error": error.as_ref().map(|(_, msg)| page.t(msg)),
        "max_mb": knowledge.limits.max_bytes.div_ceil(1024 * 1024),
        "max_pages": knowledge.limits.max_pages,
        "name_max": NAME_MAX_CHARS,
        "description_max": DESCRIPTION_MAX_CHARS,
        "instructions_max": INSTRUCTIONS_MAX_CHARS,
    });
    let mut response = super::render(
        page,
        &admin.0,
        "models",
        "admin/model_new",
        Msg::new("admin-model-new"),
        data,
    )?;
    if let Some((status, _)) = error {
        *response.status_mut() = status;
    }
    Ok(response)
}

pub async fn new_form(
    page: Page,
    admin: CurrentAdmin,
    models: web::Data<PdfModels>,
) -> Result<HttpResponse, AppError> {
    render_form(&page, &admin, &models, &Entered::default(), None)
}

pub async fn create(
    page: Page,
    admin: CurrentAdmin,
    models: web::Data<PdfModels>,
    mut upload: Upload,
) -> Result<HttpResponse, AppError> {
    let id = PdfModelId::new();
    let knowledge = models.knowledge().clone();
    let mut entered = Entered::default();
    let created = async {
        let file = read_form(&mut upload, &knowledge, id, &mut entered).await?;
        let details =
            ModelDetails::parse(&entered.name, &entered.description, &entered.instructions)?;
        let base_model = models.check_base_model(&entered.base_model)?;
        let file =
            file.ok_or_else(|| AppError::Unprocessable(Msg::new("admin-model-pdf-required")))?;
        models
            .create(id, details, base_model, file, metadata(&admin))
            .await
    }
    .await;
    match created {
        Ok(()) => Ok(see_other(&format!("/admin/models/{id}"))),
        Err(error) => {
            remove_folder(&knowledge, id).await;
            let status = error.status_code();
            match error {
                AppError::Unprocessable(msg)
                | AppError::BadRequest(msg)
                | AppError::TooLarge(msg) => {
                    render_form(&page, &admin, &models, &entered, Some((status, msg)))
                }
                other => Err(other),
            }
        }
    }
}

/// Reads the form's parts in order; the PDF is streamed to the model's folder.
async fn read_form(
    upload: &mut Upload,
    knowledge: &Knowledge,
    id: PdfModelId,
    entered: &mut Entered,
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
            "name" => entered.name = read_text(field).await?,
            "description" => entered.description = read_text(field).await?,
            "instructions" => entered.instructions = read_text(field).await?,
            "base_model" => entered.base_model = read_text(field).await?,
            _ => drain(field).await?,
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

async fn remove_folder(knowledge: &Knowledge, id: PdfModelId) {
    match tokio::fs::remove_dir_all(knowledge.folder(id.as_uuid())).await {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            tracing::warn!(%id, %error, "Could not remove a refused upload");
        }
        _ => {}
    }
}

pub async fn show(
    page: Page,
    admin: CurrentAdmin,
    id: web::Path<PdfModelId>,
    models: web::Data<PdfModels>,
) -> Result<HttpResponse, AppError> {
    let model = models.get(id.into_inner()).await?;
    let data = json!({
        "item": view(&page, &model),
        "name_max": NAME_MAX_CHARS,
        "description_max": DESCRIPTION_MAX_CHARS,
        "instructions_max": INSTRUCTIONS_MAX_CHARS,
    });
    super::render(
        &page,
        &admin.0,
        "models",
        "admin/model",
        Msg::new("admin-nav-pdf-models"),
        data,
    )
}

#[derive(Deserialize)]
pub struct EditForm {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    instructions: String,
}

pub async fn edit(
    admin: CurrentAdmin,
    id: web::Path<PdfModelId>,
    form: web::Form<EditForm>,
    models: web::Data<PdfModels>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let details = ModelDetails::parse(&form.name, &form.description, &form.instructions)?;
    back_to(id, models.edit(id, details, metadata(&admin)).await)
}

pub async fn launch(
    admin: CurrentAdmin,
    id: web::Path<PdfModelId>,
    models: web::Data<PdfModels>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    back_to(id, models.launch(id, metadata(&admin)).await)
}

pub async fn unlaunch(
    admin: CurrentAdmin,
    id: web::Path<PdfModelId>,
    models: web::Data<PdfModels>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    back_to(id, models.unlaunch(id, metadata(&admin)).await)
}

pub async fn reingest(
    admin: CurrentAdmin,
    id: web::Path<PdfModelId>,
    models: web::Data<PdfModels>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    back_to(id, models.reingest(id, metadata(&admin)).await)
}

/// After a change: the model's page again (or the change's error).
fn back_to(id: PdfModelId, done: Result<(), AppError>) -> Result<HttpResponse, AppError> {
    done?;
    Ok(see_other(&format!("/admin/models/{id}")))
}

/// The confirmation page of a deletion.
pub async fn confirm_delete(
    page: Page,
    admin: CurrentAdmin,
    id: web::Path<PdfModelId>,
    models: web::Data<PdfModels>,
) -> Result<HttpResponse, AppError> {
    let model = models.get(id.into_inner()).await?;
    super::render(
        &page,
        &admin.0,
        "models",
        "admin/model_delete",
        Msg::new("admin-model-delete"),
        json!({ "item": view(&page, &model) }),
    )
}

pub async fn delete(
    admin: CurrentAdmin,
    id: web::Path<PdfModelId>,
    models: web::Data<PdfModels>,
) -> Result<HttpResponse, AppError> {
    models.delete(id.into_inner(), metadata(&admin)).await?;
    Ok(see_other("/admin/models"))
}

pub async fn source_pdf(
    _admin: CurrentAdmin,
    id: web::Path<PdfModelId>,
    models: web::Data<PdfModels>,
) -> Result<HttpResponse, AppError> {
    let (path, name) = models
        .source_pdf(id.into_inner(), true)
        .ok_or(AppError::NotFound)?;
    crate::web::routes::models::send_pdf(&path, &name).await
}

//! `/admin/models`: PDF models. The list (with live progress), the new-model form (a streamed
//! multipart upload), a model's page (edit, launch, unlaunch, read again, delete after a
//! confirmation) and its PDF. Every change goes through `PdfModels`.
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
use crate::pdf_models::aggregate::Status;
use crate::pdf_models::messages::{Progress, Stage};
use crate::pdf_models::service::{
    DESCRIPTION_MAX_CHARS, INSTRUCTIONS_MAX_CHARS, ModelDetails, ModelSummary, NAME_MAX_CHARS,
    Reader,
};
use crate::web::page::{Page, see_other};

use crate::web::pdf_form::{Entered, read_form, remove_folder};
use crate::web::upload::Upload;

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
        "busy": matches!(model.status, Status::New | Status::Ingesting),
        "ready": model.status == Status::Ready,
        "failed": model.status == Status::Failed,
        "reason": reason,
        "percent": percent,
        "progress_text": progress_text(page, model.progress.as_ref()),
        "phases": phases(page, model.progress.as_ref()),
        // While the PDF is read, what is known so far (the event has the final figures).
        "pages": model.pages.or(model.progress.as_ref().map(|p| p.pages).filter(|p| *p > 0)),
        "chunks": model.chunks.or(model.progress.as_ref().map(|p| p.total).filter(|t| *t > 0)),
        "pdf_size": human_size(model.pdf_bytes),
    })
}

/// Where a reading is, in words: read by another server, waiting for a free slot (and how many
/// readings are ahead), or its step (reading pages → embedding passages N of M, with the time
/// left → building the index).
pub fn progress_text(page: &Page, progress: Option<&Progress>) -> Option<String> {
    let progress = &progress?.clone().refreshed();
    Some(match progress.stage {
        Stage::Elsewhere => page.t(&Msg::new("admin-model-status-elsewhere")),
        Stage::Waiting => page.t(&Msg::new("pdf-reading-waiting").arg("ahead", progress.done)),
        Stage::Reading => page.t(&Msg::new("admin-model-progress-reading")),
        Stage::Embedding => {
            let step = Msg::new("admin-model-progress-embedding")
                .arg("done", progress.done)
                .arg("total", progress.total)
                .arg("pages", progress.pages);
            format!(
                "{} · {}",
                page.t(&step),
                page.t(&time_left(progress.seconds_left))
            )
        }
        Stage::Indexing => page.t(&Msg::new("admin-model-progress-indexing")
            .arg("total", progress.total)
            .arg("pages", progress.pages)),
        Stage::Starting => String::new(),
    })
}

/// "about 40 s left", "about 3 min left", or "estimating the time left" before the first batch.
fn time_left(seconds: Option<u32>) -> Msg {
    match seconds {
        None => Msg::new("admin-model-left-estimating"),
        Some(seconds) if seconds < 60 => {
            Msg::new("admin-model-left-seconds").arg("seconds", seconds.max(1))
        }
        Some(seconds) => Msg::new("admin-model-left-minutes").arg("minutes", seconds.div_ceil(60)),
    }
}

/// The three steps of a reading, each done, current or still to come.
fn phases(page: &Page, progress: Option<&Progress>) -> Vec<Value> {
    let current = match progress.map(|p| p.stage) {
        Some(Stage::Reading) => 0,
        Some(Stage::Embedding) => 1,
        Some(Stage::Indexing) => 2,
        _ => return Vec::new(),
    };
    [
        "admin-model-phase-reading",
        "admin-model-phase-embedding",
        "admin-model-phase-indexing",
    ]
    .iter()
    .enumerate()
    .map(|(i, id)| {
        let state = match i.cmp(&current) {
            std::cmp::Ordering::Less => "done",
            std::cmp::Ordering::Equal => "current",
            std::cmp::Ordering::Greater => "next",
        };
        json!({ "label": page.t(&Msg::new(id)), "state": state })
    })
    .collect()
}

/// `36 KB`, `4.2 MB`.
pub fn human_size(bytes: u64) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    if (bytes as f64) < MB {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{:.1} MB", bytes as f64 / MB)
    }
}

fn status_message_id(status: Status) -> &'static str {
    match status {
        Status::New | Status::Ingesting => "admin-model-status-ingesting",
        Status::Ready => "admin-model-status-ready",
        Status::Failed => "admin-model-status-failed",
        Status::Deleted => "admin-model-status-deleted",
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
        "too_much_content" => "pdf-too-much-content",
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
    page: Page,
    _admin: CurrentAdmin,
    models: web::Data<PdfModels>,
) -> Result<HttpResponse, AppError> {
    let rows: Vec<Value> = models
        .list()
        .await
        .into_iter()
        .map(|m| {
            let text = progress_text(&page, m.progress.as_ref());
            json!({ "id": m.id, "status": m.status, "launched": m.launched, "progress": m.progress, "progress_text": text, "stage": m.progress.as_ref().map(|p| p.stage) })
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({ "models": rows })))
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
            .create(id, None, details, base_model, file, metadata(&admin))
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

pub async fn show(
    page: Page,
    admin: CurrentAdmin,
    id: web::Path<PdfModelId>,
    models: web::Data<PdfModels>,
) -> Result<HttpResponse, AppError> {
    let model = models.get(models.site_model(id.into_inner())?).await?;
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
    let id = models.site_model(id.into_inner())?;
    let details = ModelDetails::parse(&form.name, &form.description, &form.instructions)?;
    back_to(id, models.edit(id, details, metadata(&admin)).await)
}

pub async fn launch(
    admin: CurrentAdmin,
    id: web::Path<PdfModelId>,
    models: web::Data<PdfModels>,
) -> Result<HttpResponse, AppError> {
    let id = models.site_model(id.into_inner())?;
    back_to(id, models.launch(id, metadata(&admin)).await)
}

pub async fn unlaunch(
    admin: CurrentAdmin,
    id: web::Path<PdfModelId>,
    models: web::Data<PdfModels>,
) -> Result<HttpResponse, AppError> {
    let id = models.site_model(id.into_inner())?;
    back_to(id, models.unlaunch(id, metadata(&admin)).await)
}

pub async fn reingest(
    admin: CurrentAdmin,
    id: web::Path<PdfModelId>,
    models: web::Data<PdfModels>,
) -> Result<HttpResponse, AppError> {
    let id = models.site_model(id.into_inner())?;
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
    let model = models.get(models.site_model(id.into_inner())?).await?;
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
    let id = models.site_model(id.into_inner())?;
    models.delete(id, metadata(&admin)).await?;
    Ok(see_other("/admin/models"))
}

pub async fn source_pdf(
    _admin: CurrentAdmin,
    id: web::Path<PdfModelId>,
    models: web::Data<PdfModels>,
) -> Result<HttpResponse, AppError> {
    let (path, name) = models
        .source_pdf(id.into_inner(), Reader::Admin)
        .ok_or(AppError::NotFound)?;
    crate::web::routes::models::send_pdf(&path, &name).await
}

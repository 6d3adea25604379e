//! `/models/{id}/source.pdf`: the PDF a launched model answers from, for logged-in users (the
//! citation links of its answers open it at a page). An unlaunched or deleted model's PDF is a
//! 404, and so is a bot's for anyone who may not use the bot.
use actix_web::{HttpResponse, web};

use crate::accounts::current::CurrentUser;
use crate::domain::PdfModelId;
use crate::error::AppError;
use crate::pdf_models::PdfModels;
use crate::pdf_models::service::Reader;

pub async fn source_pdf(
    user: CurrentUser,
    id: web::Path<PdfModelId>,
    models: web::Data<PdfModels>,
) -> Result<HttpResponse, AppError> {
    let (path, name) = models
        .source_pdf(id.into_inner(), Reader::User(user.0.uuid()))
        .ok_or(AppError::NotFound)?;
    send_pdf(&path, &name).await
}

/// Streams a PDF from disk, shown in the browser (`inline`) under its uploaded name.
pub async fn send_pdf(path: &std::path::Path, name: &str) -> Result<HttpResponse, AppError> {
    let file = match tokio::fs::File::open(path).await {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(AppError::NotFound);
        }
        Err(error) => return Err(AppError::unexpected(error)),
    };
    let length = file.metadata().await.map_err(AppError::unexpected)?.len();
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(super::admin::exporting::named("inline", name))
        .insert_header(("Cache-Control", "private, no-store"))
        .no_chunking(length)
        .streaming(tokio_util::io::ReaderStream::new(file)))
}

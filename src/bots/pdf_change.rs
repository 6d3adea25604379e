//! What the bot editor's form does to a bot's PDF, and the proof that its user may give one.
use crate::domain::PdfModelId;
use crate::pdf_models::events::SourceFile;

/// Proof that a user may give a bot a PDF now (verified when verification is on, under the
/// hourly upload limit, counted): only `Bots::pdf_upload` makes one, a new PDF model needs one.
#[derive(Debug)]
pub struct PdfUpload(pub(super) ());

/// A PDF the editor saved at `knowledge().source_path(model)`, for a model of the bot's own.
pub struct NewPdf {
    pub model: PdfModelId,
    pub file: SourceFile,
}

/// What the editor's form does to the bot's PDF.
pub enum PdfChange {
    Keep,
    Replace(NewPdf),
    Remove,
}

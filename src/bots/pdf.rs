//! A bot's PDF: who may give one, the PDF model of the bot's own that reads it, and letting such
//! a model go once the bot no longer holds it (the editor's change itself: `pdf_change.rs`).
use uuid::Uuid;

use super::aggregate::{Bot, BotDetails, Knowledge, let_go};
use super::events::BotEvent;
use super::pdf_change::{NewPdf, PdfUpload};
use super::service::Bots;
use crate::domain::{BotId, ModelRef, PdfModelId};
use crate::error::AppError;
use crate::events::Metadata;
use crate::i18n::Msg;
use crate::pdf_models::aggregate::Status;
use crate::pdf_models::events::SourceFile;
use crate::pdf_models::messages::Progress;
use crate::pdf_models::service::ModelDetails;
use crate::store::users::UserRow;

impl Bots {
    /// Whether `user` may give a bot a PDF now: a verified e-mail address when verification
    /// is on, and at most `BOT_PDF_UPLOADS_PER_HOUR` uploads an hour (this one counted).
    pub async fn pdf_upload(&self, user: &UserRow) -> Result<PdfUpload, AppError> {
        if self.settings.pdf_needs_verified_email && !user.verified {
            return Err(AppError::Forbidden(Msg::new("bot-pdf-verify-first")));
        }
        let limit = self.settings.pdf_uploads_per_hour;
        let bucket = format!("bot-pdf:{}", user.uuid());
        self.within_hour(bucket, limit, Msg::new("bot-pdf-uploads-too-many"))
            .await?;
        Ok(PdfUpload(()))
    }

    /// A copy of the bot's PDF for a new model (none, with a warning, if it cannot be made:
    /// the duplicate is made without it).
    pub(super) async fn copy_pdf(&self, id: BotId, knowledge: &Knowledge) -> Option<NewPdf> {
        let model = PdfModelId::new();
        let knowledge_dir = self.pdf.knowledge();
        let from = knowledge_dir.source_path(knowledge.model);
        let to = knowledge_dir.source_path(model.as_uuid());
        let copied = async {
            tokio::fs::create_dir_all(knowledge_dir.folder(model.as_uuid())).await?;
            let bytes = tokio::fs::copy(&from, &to).await?;
            let sha256 = sha256_of(to.clone()).await?;
            Ok::<_, std::io::Error>((bytes, sha256))
        }
        .await;
        match copied {
            Ok((bytes, sha256)) => Some(NewPdf {
                model,
                file: SourceFile {
                    path: crate::pdf_models::Knowledge::relative_source_path(model.as_uuid()),
                    sha256,
                    bytes,
                    original_name: knowledge.file_name.clone(),
                },
            }),
            Err(error) => {
                tracing::warn!(%id, %error, "A bot's PDF could not be copied for its duplicate");
                None
            }
        }
    }

    /// Makes the PDF model that reads `pdf` for the bot `id` (it starts reading at once);
    /// what the bot records of it.
    pub(super) async fn pdf_model(
        &self,
        _upload: PdfUpload,
        id: BotId,
        details: &BotDetails,
        pdf: NewPdf,
        metadata: &Metadata,
    ) -> Result<Knowledge, AppError> {
        let knowledge = Knowledge {
            model: pdf.model.as_uuid(),
            file_name: pdf.file.original_name.clone(),
            bytes: pdf.file.bytes,
        };
        let model_details = ModelDetails {
            name: details.name.clone(),
            description: String::new(),
            instructions: String::new(),
        };
        let base_model = details.base_model.clone();
        self.pdf
            .create(
                pdf.model,
                Some(id.as_uuid()),
                model_details,
                base_model,
                pdf.file,
                metadata.clone(),
            )
            .await?;
        Ok(knowledge)
    }

    /// After a failed change: lets `model` go unless the bot holds it after all (the change
    /// recorded, its answer lost), or the log cannot tell.
    pub(super) async fn drop_unless_held(&self, id: BotId, model: Uuid, metadata: &Metadata) {
        match self.repo.load(&id.to_string()).await {
            Ok(bot) if bot.knowledge.as_ref().is_some_and(|k| k.model == model) => {}
            Ok(_) => self.drop_pdf(model, metadata).await,
            Err(error) => {
                tracing::warn!(%id, %model, %error, "Keeping a PDF model whose bot is unsure");
            }
        }
    }

    /// How far the reading of the bot's PDF is (waiting for a slot, pages, chunks), while it is read.
    pub async fn pdf_progress(&self, bot: &Bot) -> Option<Progress> {
        let knowledge = bot.knowledge.as_ref()?;
        let model = self.pdf.get(knowledge.model.into()).await.ok()?;
        model.progress
    }

    /// Whether the bot's PDF is still being read, was read, or could not be read.
    pub fn pdf_status(&self, bot: &Bot) -> Option<Status> {
        let knowledge = bot.knowledge.as_ref()?;
        let model = self
            .catalog
            .pdf_model(&ModelRef::Pdf(knowledge.model.into()).to_string())?;
        Some(model.status)
    }

    /// The PDF model is deleted by its actor (table and folder); a failure is logged, and the
    /// actor's start-up settling removes what is left.
    pub(super) async fn drop_pdf(&self, model: Uuid, metadata: &Metadata) {
        if let Err(error) = self.pdf.delete(model.into(), metadata.clone()).await {
            tracing::warn!(%model, ?error, "A bot's old PDF could not be deleted yet");
        }
    }

    /// Drops the PDF models that `recorded` let go.
    pub(super) async fn drop_let_go(&self, recorded: &[BotEvent], metadata: &Metadata) {
        for model in let_go(recorded) {
            self.drop_pdf(model, metadata).await;
        }
    }
}

/// The hex SHA-256 of a file, read off the async runtime.
async fn sha256_of(path: std::path::PathBuf) -> std::io::Result<String> {
    tokio::task::spawn_blocking(move || {
        use sha2::{Digest, Sha256};
        let mut file = std::fs::File::open(path)?;
        let mut hasher = Sha256::new();
        std::io::copy(&mut file, &mut hasher)?;
        Ok(hex::encode(hasher.finalize()))
    })
    .await
    .map_err(std::io::Error::other)?
}

//! Answers that could not be saved yet, kept on disk (`FILES_DIR/answer-spool/`) until the
//! database takes them: the chat actor writes one file when its first save fails and keeps
//! retrying in memory; if the process ends first, the recovery loop of whichever instance starts
//! next (this one after a restart, or another on the same volume) saves it before it settles
//! anything as failed. A save is a `SaveAnswer` naming the answer, so a copy saved twice records
//! nothing the second time.
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::aggregate::{AnswerOutcome, ChatCommand};
use super::events::AnswerRecord;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Status {
    Complete,
    Stopped,
    Failed,
}

/// One answer waiting to be saved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpooledAnswer {
    pub chat_id: Uuid,
    /// The instance that wrote the answer (its own actor is still retrying while it lives).
    pub instance_id: Uuid,
    /// The chat's sequence at the answer's `AnswerStarted` (see `AnswerInProgress::started`).
    pub started: u64,
    status: Status,
    record: AnswerRecord,
}

impl SpooledAnswer {
    pub fn new(chat_id: Uuid, instance_id: Uuid, started: u64, outcome: &AnswerOutcome) -> Self {
        let (status, record) = match outcome {
            AnswerOutcome::Completed(r) => (Status::Complete, r),
            AnswerOutcome::Stopped(r) => (Status::Stopped, r),
            AnswerOutcome::Failed(r) => (Status::Failed, r),
        };
        SpooledAnswer {
            chat_id,
            instance_id,
            started,
            status,
            record: record.clone(),
        }
    }

    pub fn outcome(&self) -> AnswerOutcome {
        let record = self.record.clone();
        match self.status {
            Status::Complete => AnswerOutcome::Completed(record),
            Status::Stopped => AnswerOutcome::Stopped(record),
            Status::Failed => AnswerOutcome::Failed(record),
        }
    }

    /// The command that saves it (a no-op once saved).
    pub fn command(&self) -> ChatCommand {
        ChatCommand::SaveAnswer {
            started: self.started,
            outcome: self.outcome(),
        }
    }

    fn file_name(chat_id: Uuid, started: u64) -> String {
        format!("{chat_id}-{started}.json")
    }
}

/// The spool folder. Cheap to clone; every operation runs on the blocking pool.
#[derive(Clone, Debug)]
pub struct AnswerSpool {
    dir: PathBuf,
}

impl AnswerSpool {
    pub fn new(files_dir: &Path) -> Self {
        AnswerSpool {
            dir: files_dir.join("answer-spool"),
        }
    }

    /// Writes the answer durably (a temporary file, fsync, rename), replacing an older copy.
    pub async fn keep(&self, answer: &SpooledAnswer) -> std::io::Result<()> {
        let dir = self.dir.clone();
        let name = SpooledAnswer::file_name(answer.chat_id, answer.started);
        let bytes = serde_json::to_vec(answer).map_err(std::io::Error::other)?;
        blocking(move || {
            std::fs::create_dir_all(&dir)?;
            let temporary = dir.join(format!(".{name}.{}", Uuid::new_v4()));
            let mut file = std::fs::File::create(&temporary)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            std::fs::rename(&temporary, dir.join(&name))?;
            // The rename itself is durable once the folder is synced.
            std::fs::File::open(&dir)?.sync_all()
        })
        .await
    }

    /// Forgets an answer once it is saved (or can never be: its chat is gone).
    pub async fn forget(&self, chat_id: Uuid, started: u64) -> std::io::Result<()> {
        let path = self.dir.join(SpooledAnswer::file_name(chat_id, started));
        blocking(move || match std::fs::remove_file(path) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        })
        .await
    }

    /// The copy of one answer, if it waits here.
    pub async fn find(
        &self,
        chat_id: Uuid,
        started: u64,
    ) -> std::io::Result<Option<SpooledAnswer>> {
        let path = self.dir.join(SpooledAnswer::file_name(chat_id, started));
        blocking(move || match std::fs::read(path) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(std::io::Error::other),
        })
        .await
    }

    /// Every answer waiting, oldest first. A file that cannot be read is reported and left alone
    /// (an operator can look at it), never deleted.
    pub async fn waiting(&self) -> std::io::Result<Vec<SpooledAnswer>> {
        let dir = self.dir.clone();
        blocking(move || {
            let entries = match std::fs::read_dir(&dir) {
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
                other => other?,
            };
            let mut found = Vec::new();
            for entry in entries {
                let entry = entry?;
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if name.starts_with('.') || !name.ends_with(".json") {
                    continue;
                }
                let modified = entry.metadata().and_then(|m| m.modified()).ok();
                let parsed = std::fs::read(entry.path())
                    .map_err(|e| e.to_string())
                    .and_then(|b| {
                        serde_json::from_slice::<SpooledAnswer>(&b).map_err(|e| e.to_string())
                    });
                match parsed {
                    Ok(answer) => found.push((modified, answer)),
                    Err(error) => {
                        tracing::error!(file = %name, %error, "A spooled answer cannot be read")
                    }
                }
            }
            found.sort_by_key(|(modified, _)| *modified);
            Ok(found.into_iter().map(|(_, answer)| answer).collect())
        })
        .await
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(std::io::Error::other)?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::MessageStatus;

    #[tokio::test]
    async fn a_kept_answer_is_read_back_until_it_is_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let spool = AnswerSpool::new(dir.path());
        assert!(spool.waiting().await.unwrap().is_empty(), "no folder yet");
        let record = AnswerRecord {
            text: "Salom! Qanday yordam bera olaman?".into(),
            model: "gpt-4o-mini".into(),
            completion_tokens: 7,
            ..Default::default()
        };
        let answer = SpooledAnswer::new(
            Uuid::new_v4(),
            Uuid::new_v4(),
            3,
            &AnswerOutcome::Completed(record),
        );
        spool.keep(&answer).await.unwrap();
        spool.keep(&answer).await.unwrap();
        std::fs::write(dir.path().join("answer-spool/broken.json"), b"{").unwrap();
        assert_eq!(spool.waiting().await.unwrap(), vec![answer.clone()]);
        assert_eq!(
            spool.find(answer.chat_id, answer.started).await.unwrap(),
            Some(answer.clone())
        );
        assert_eq!(answer.outcome().status(), MessageStatus::Complete);

        spool.forget(answer.chat_id, answer.started).await.unwrap();
        spool.forget(answer.chat_id, answer.started).await.unwrap();
        assert!(spool.waiting().await.unwrap().is_empty());
        assert!(
            dir.path().join("answer-spool/broken.json").exists(),
            "an unreadable file is left for an operator"
        );
    }
}

//! `ModelActor`: one per PDF model, the single writer of its stream in this process and the
//! owner of its LanceDB table. On start it loads the model and settles what the log says is
//! unfinished: a model never ingested (or cut short by a crash) is ingested, a ready model whose
//! table is missing or short is ingested again from its PDF (the log and the file are the truth,
//! the table is derived), and a deleted model's leftovers are removed.
use std::sync::{Arc, Mutex};

use actix::prelude::*;
use sqlx::MySqlPool;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::aggregate::{ModelCommand, ModelRuleError, PdfModel, Status};
use super::ingest::{self, Failure, SharedProgress};
pub use super::messages::{
    Delete, Execute, GetProgress, Ingest, Progress, Search, Snapshot, Stage,
};
use super::runtime::Knowledge;
use crate::clock::SharedClock;
use crate::events::{Metadata, RecordedEvent, Repository, RepositoryError};
use crate::knowledge::retrieval::{self, RetrievalError, Retrieved};
use crate::knowledge::vectors::VectorError;
use crate::llm::LlmError;
use crate::registry::{Registered, Stopped};
use crate::store::instances;

/// How often a model read by another live instance looks again (it takes over if that one died).
const RECHECK: std::time::Duration = std::time::Duration::from_secs(30);

/// What every model actor shares. Not the catalog: it holds the actors (a cycle would keep
/// both, and the database pool, alive forever); the catalog follows the log instead, and
/// `PdfModels` folds the changes it asks for at once.
#[derive(Clone)]
pub struct ModelDeps {
    pub repository: Repository<PdfModel>,
    pub knowledge: Knowledge,
    /// This app process (it reads the PDFs it starts; another live instance's reading is left
    /// alone, a dead one's is taken over).
    pub instance_id: Uuid,
    pub pool: MySqlPool,
    pub clock: SharedClock,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Write(#[from] RepositoryError<ModelRuleError>),
    #[error("the model cannot answer now")]
    NotAnswerable,
    #[error(transparent)]
    Vectors(#[from] VectorError),
    #[error(transparent)]
    Embedder(#[from] LlmError),
    #[error(transparent)]
    Retrieval(#[from] RetrievalError),
    #[error("could not remove the model's files: {0}")]
    Files(#[from] std::io::Error),
    #[error("could not read the app instances: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the model's actor is gone: {0}")]
    Mailbox(#[from] MailboxError),
}

impl ModelError {
    pub fn rule(&self) -> Option<&ModelRuleError> {
        match self {
            ModelError::Write(error) => error.rule(),
            _ => None,
        }
    }
}

struct Running {
    cancel: CancellationToken,
    progress: SharedProgress,
}

pub struct ModelActor {
    id: Uuid,
    deps: ModelDeps,
    registry: Recipient<Stopped<ModelActor>>,
    model: Option<PdfModel>,
    ingestion: Option<Running>,
    /// Another live instance is reading this model's PDF.
    waiting_for: Option<Uuid>,
}

impl Actor for ModelActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.notify(Settle);
    }

    fn stopped(&mut self, ctx: &mut Self::Context) {
        if let Some(running) = &self.ingestion {
            running.cancel.cancel();
        }
        self.registry.do_send(Stopped {
            id: self.id,
            addr: ctx.address(),
        });
    }
}

impl Registered for ModelActor {
    type Id = Uuid;
    type Deps = ModelDeps;

    fn for_id(id: Uuid, deps: ModelDeps, registry: Recipient<Stopped<Self>>) -> Self {
        ModelActor {
            id,
            deps,
            registry,
            model: None,
            ingestion: None,
            waiting_for: None,
        }
    }
}

impl ModelActor {
    /// Keeps the newer of the cached state and one just loaded (a load that started before
    /// this actor's own write must not bring the older state back).
    fn adopt(&mut self, loaded: PdfModel) -> PdfModel {
        match &self.model {
            Some(cached) if cached.sequence >= loaded.sequence => cached.clone(),
            _ => {
                self.model = Some(loaded.clone());
                loaded
            }
        }
    }

    fn stream_id(&self) -> String {
        self.id.to_string()
    }

    /// Decides and appends through the repository with the cached state.
    fn execute(
        &mut self,
        command: ModelCommand,
        metadata: Metadata,
    ) -> impl ActorFuture<Self, Output = Result<Vec<RecordedEvent>, ModelError>> + use<> {
        let (repository, id, cached) = (
            self.deps.repository.clone(),
            self.stream_id(),
            self.model.take(),
        );
        async move { repository.execute_on(&id, cached, command, &metadata).await }
            .into_actor(self)
            .map(|(model, result), actor, _| {
                actor.model = model;
                result.map_err(ModelError::from)
            })
    }

    /// Starts the ingestion task (the `IngestionStarted` event is already recorded).
    fn spawn_ingestion(&mut self, ctx: &mut Context<Self>) {
        let running = Running {
            cancel: CancellationToken::new(),
            progress: Arc::new(Mutex::new(Progress::default())),
        };
        let work = ingest::run(
            self.deps.knowledge.clone(),
            self.id,
            running.progress.clone(),
            running.cancel.clone(),
        );
        self.ingestion = Some(running);
        let addr = ctx.address();
        actix::spawn(async move {
            let outcome = work.await;
            addr.do_send(IngestionEnded(outcome));
        });
    }
}

/// Looks at what the log says and finishes what a previous run left.
#[derive(Message)]
#[rtype(result = "()")]
struct Settle;

impl Handler<Settle> for ModelActor {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, _: Settle, _: &mut Self::Context) -> Self::Result {
        let (repository, knowledge, id) = (
            self.deps.repository.clone(),
            self.deps.knowledge.clone(),
            self.id,
        );
        let (pool, clock, me) = (
            self.deps.pool.clone(),
            self.deps.clock.clone(),
            self.deps.instance_id,
        );
        let work = async move {
            let model = repository.load(&id.to_string()).await?;
            // Who reads it now, and whether that instance still lives.
            let reader = match model.reader() {
                Some(other) if other != me => {
                    let cutoff = clock.now_utc() - instances::DEAD_AFTER;
                    let alive = instances::alive_since(&pool, &other.to_string(), cutoff).await?;
                    Some((other, alive))
                }
                _ => None,
            };
            let table_ok = match &model.index {
                Some(index) if model.status == Status::Ready => {
                    let rows = knowledge.vectors.row_count(&index.table).await?;
                    // A table built by another embedder cannot answer this one's queries.
                    rows == Some(index.chunks as usize) && index.embedder == knowledge.embedder_id()
                }
                _ => true,
            };
            Ok::<_, ModelError>((model, table_ok, reader))
        };
        AtomicResponse::new(Box::pin(work.into_actor(self).map(
            |loaded, actor, ctx| match loaded {
                Err(error) => tracing::error!(id = %actor.id, %error, "A PDF model could not be loaded"),
                // Not created yet: the actor was started by the creation itself.
                Ok((model, ..)) if model.sequence == 0 => {}
                // Another live instance reads it: look again later.
                Ok((model, _, Some((other, true)))) if actor.ingestion.is_none() => {
                    tracing::info!(id = %actor.id, %other, "Another instance is reading this PDF model");
                    actor.adopt(model);
                    actor.waiting_for = Some(other);
                    ctx.run_later(RECHECK, |_, ctx| ctx.notify(Settle));
                }
                Ok((model, table_ok, reader)) => {
                    actor.waiting_for = None;
                    let taking_over = reader.map(|(other, _)| other);
                    let needs_ingestion = actor.ingestion.is_none() && match model.status {
                        Status::New | Status::Ingesting => true,
                        Status::Ready => !table_ok,
                        Status::Failed | Status::Deleted => false,
                    };
                    let deleted = model.status == Status::Deleted;
                    actor.adopt(model);
                    if deleted {
                        ctx.notify(Cleanup);
                    } else if needs_ingestion {
                        tracing::warn!(id = %actor.id, "Reading a PDF model again: the log says it is unfinished, or its table is missing or short");
                        ctx.notify(Ingest {
                            metadata: Metadata::system(),
                            taking_over,
                        });
                    }
                }
            },
        )))
    }
}

impl Handler<Execute> for ModelActor {
    type Result = AtomicResponse<Self, Result<Vec<RecordedEvent>, ModelError>>;

    fn handle(&mut self, msg: Execute, _: &mut Self::Context) -> Self::Result {
        AtomicResponse::new(Box::pin(self.execute(msg.command, msg.metadata)))
    }
}

impl Handler<Ingest> for ModelActor {
    type Result = AtomicResponse<Self, Result<(), ModelError>>;

    fn handle(&mut self, msg: Ingest, _: &mut Self::Context) -> Self::Result {
        if self.ingestion.is_some() {
            return AtomicResponse::new(Box::pin(fut::ready(Ok(()))));
        }
        let work = self
            .execute(
                ModelCommand::StartIngestion {
                    instance: self.deps.instance_id,
                    taking_over: msg.taking_over,
                },
                msg.metadata,
            )
            .map(|started, actor, ctx| {
                started?;
                actor.spawn_ingestion(ctx);
                Ok(())
            });
        AtomicResponse::new(Box::pin(work))
    }
}

/// Sent by the ingestion task when it ends.
#[derive(Message)]
#[rtype(result = "()")]
struct IngestionEnded(Result<super::aggregate::Index, Failure>);

impl Handler<IngestionEnded> for ModelActor {
    type Result = AtomicResponse<Self, ()>;

    fn handle(
        &mut self,
        IngestionEnded(outcome): IngestionEnded,
        ctx: &mut Self::Context,
    ) -> Self::Result {
        self.ingestion = None;
        if self
            .model
            .as_ref()
            .is_some_and(|m| m.status == Status::Deleted)
        {
            // Deleted while reading: now nothing writes the table any more.
            ctx.notify(Cleanup);
            return AtomicResponse::new(Box::pin(fut::ready(())));
        }
        let command = match outcome {
            Ok(index) => ModelCommand::CompleteIngestion {
                instance: self.deps.instance_id,
                index,
            },
            // A deletion stopped it: the deletion records what happened.
            Err(failure) if failure.code == "cancelled" => {
                return AtomicResponse::new(Box::pin(fut::ready(())));
            }
            Err(Failure { code, detail }) => {
                tracing::warn!(id = %self.id, %code, %detail, "A PDF could not be ingested");
                ModelCommand::FailIngestion {
                    instance: self.deps.instance_id,
                    code,
                    detail,
                }
            }
        };
        let id = self.id;
        let work = self
            .execute(command, Metadata::system())
            .map(move |result, _, _| {
                if let Err(error) = result {
                    tracing::error!(%id, %error, "The end of an ingestion could not be recorded");
                }
            });
        AtomicResponse::new(Box::pin(work))
    }
}

impl Handler<Delete> for ModelActor {
    type Result = AtomicResponse<Self, Result<(), ModelError>>;

    fn handle(&mut self, msg: Delete, _: &mut Self::Context) -> Self::Result {
        // A running ingestion is told to stop; the clean-up waits for it to end (its table
        // write cannot be interrupted and would otherwise land after the drop).
        if let Some(running) = &self.ingestion {
            running.cancel.cancel();
        }
        let work = self
            .execute(ModelCommand::Delete, msg.metadata)
            .map(|result, actor, ctx| {
                result?;
                if actor.ingestion.is_none() {
                    ctx.notify(Cleanup);
                }
                Ok(())
            });
        AtomicResponse::new(Box::pin(work))
    }
}

/// Removes a deleted model's table and PDF folder (again after a crash), then stops.
#[derive(Message)]
#[rtype(result = "()")]
struct Cleanup;

impl Handler<Cleanup> for ModelActor {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, _: Cleanup, _: &mut Self::Context) -> Self::Result {
        let (knowledge, id) = (self.deps.knowledge.clone(), self.id);
        let work = async move {
            knowledge
                .vectors
                .drop_table(&Knowledge::table_name(id))
                .await?;
            match tokio::fs::remove_dir_all(knowledge.folder(id)).await {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error)?,
                _ => Ok::<(), ModelError>(()),
            }
        };
        AtomicResponse::new(Box::pin(work.into_actor(self).map(
            |result, actor, ctx| {
                match result {
                    Ok(()) => tracing::info!(id = %actor.id, "A deleted model's table and PDF are gone"),
                    Err(error) => tracing::error!(id = %actor.id, %error, "A deleted model's files could not be removed"),
                }
                ctx.stop();
            },
        )))
    }
}

impl Handler<Snapshot> for ModelActor {
    type Result = AtomicResponse<Self, Result<PdfModel, ModelError>>;

    fn handle(&mut self, _: Snapshot, _: &mut Self::Context) -> Self::Result {
        let (repository, id, cached) = (
            self.deps.repository.clone(),
            self.stream_id(),
            self.model.clone(),
        );
        let work = async move {
            match cached {
                Some(model) => Ok(model),
                None => Ok(repository.load(&id).await?),
            }
        };
        AtomicResponse::new(Box::pin(work.into_actor(self).map(
            |result, actor, _| match result {
                Ok(model) => Ok(actor.adopt(model)),
                Err(error) => Err(error),
            },
        )))
    }
}

impl Handler<GetProgress> for ModelActor {
    type Result = Option<Progress>;

    fn handle(&mut self, _: GetProgress, _: &mut Self::Context) -> Option<Progress> {
        if self.ingestion.is_none() && self.waiting_for.is_some() {
            return Some(Progress {
                stage: Stage::Elsewhere,
                ..Progress::default()
            });
        }
        let running = self.ingestion.as_ref()?;
        Some(
            running
                .progress
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        )
    }
}

impl Handler<Search> for ModelActor {
    type Result = ResponseFuture<Result<Retrieved, ModelError>>;

    fn handle(&mut self, msg: Search, _: &mut Self::Context) -> Self::Result {
        let cached = self.model.clone();
        let (repository, id) = (self.deps.repository.clone(), self.stream_id());
        let knowledge = self.deps.knowledge.clone();
        Box::pin(async move {
            // Not ready here yet: another instance (sharing FILES_DIR) may have finished reading
            // it a moment ago; the log says so before this actor's next look.
            let model = match cached {
                Some(model) if model.status == Status::Ready => model,
                other => repository.catch_up(&id, other.unwrap_or_default()).await?,
            };
            let table = Some(model)
                .filter(|m| m.status == Status::Ready)
                .and_then(|m| m.index)
                .map(|index| index.table)
                .ok_or(ModelError::NotAnswerable)?;
            let embedder = knowledge.embedder().await?;
            let mut found = retrieval::search(
                &knowledge.vectors,
                &table,
                embedder.as_ref(),
                Some(&knowledge.bridge),
                &msg.phrasings,
                msg.keep,
            )
            .await?;
            found.may_rewrite = knowledge.rewrite_questions;
            Ok(found)
        })
    }
}

/// Models that exist in the log (not deleted) get their actor at start-up.
pub fn is_live(model: &PdfModel) -> bool {
    model.exists()
}

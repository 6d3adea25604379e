//! A turn of the conversation inside `ChatActor`: prompts wait in a queue; one is accepted (its
//! `UserMessageAppended` + `AnswerStarted` appended, so the prompt is saved before any model is
//! asked); its answer is written by a separate task into a `Hub`; only when that answer is saved
//! does the next prompt start.
use std::time::{Duration, Instant};

use actix::prelude::*;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::actor::{ChatActor, ChatError, Live, Pending, execute};
use super::aggregate::{AnswerOutcome, Chat, ChatCommand, Role as ChatRole};
use super::answer::{self, Ending, Written};
use super::events::{AnswerRecord, TitleSource};
use super::live::{AnswerSummary, Hub, LiveEvent};
use super::messages::{Accepted, AnswerWritten, Execute, PromptKind, SubmitPrompt};
use super::title;
use crate::events::{Metadata, RecordedEvent, Repository};
use crate::llm::{ChatMessage, ChatRequest, Role};

impl Handler<SubmitPrompt> for ChatActor {
    type Result = ResponseFuture<Result<Accepted, ChatError>>;

    fn handle(&mut self, prompt: SubmitPrompt, ctx: &mut Self::Context) -> Self::Result {
        self.last_active = Instant::now();
        let (reply, accepted) = oneshot::channel();
        self.queue.push_back(Pending { prompt, reply });
        self.pump(ctx);
        Box::pin(async move {
            accepted
                .await
                .unwrap_or(Err(ChatError::Mailbox(MailboxError::Closed)))
        })
    }
}

impl ChatActor {
    /// Accepts the next waiting prompt when no answer is being written.
    fn pump(&mut self, ctx: &mut Context<Self>) {
        if self.live.is_some() || self.accepting {
            return;
        }
        let Some(Pending { prompt, reply }) = self.queue.pop_front() else {
            return;
        };
        if reply.is_closed() {
            // The browser left before its turn came: nothing was saved, nothing to do.
            return self.pump(ctx);
        }
        self.accepting = true;
        let command = match &prompt.kind {
            PromptKind::Start {
                owner,
                instructions,
            } => ChatCommand::Start {
                owner: *owner,
                prompt: prompt.text.clone(),
                model: prompt.model.clone(),
                instance_id: self.deps.instance_id,
                instructions: instructions.clone(),
            },
            PromptKind::Follow { default_limit } => ChatCommand::SendPrompt {
                prompt: prompt.text.clone(),
                model: prompt.model.clone(),
                default_limit: *default_limit,
                instance_id: self.deps.instance_id,
            },
            PromptKind::Edit {
                rank,
                default_limit,
            } => ChatCommand::EditPrompt {
                rank: *rank,
                prompt: prompt.text.clone(),
                model: prompt.model.clone(),
                default_limit: *default_limit,
                instance_id: self.deps.instance_id,
            },
            PromptKind::Regenerate => ChatCommand::Regenerate {
                model: prompt.model.clone(),
                instance_id: self.deps.instance_id,
            },
        };
        let work = execute(
            self.deps.repository.clone(),
            self.chat_id,
            self.chat.take(),
            command,
            prompt.metadata.clone(),
        );
        ctx.wait(
            work.into_actor(self)
                .map(move |(chat, result), actor, ctx| {
                    actor.chat = chat;
                    actor.accepting = false;
                    match (result, actor.chat.clone()) {
                        (Ok(recorded), Some(chat)) => {
                            let accepted = actor.start_answer(ctx, &recorded, chat, &prompt);
                            let _ = reply.send(Ok(accepted));
                        }
                        (Ok(_), None) => {
                            let _ = reply.send(Err(ChatError::TooMuchContention(0)));
                            actor.pump(ctx);
                        }
                        (Err(error), _) => {
                            let _ = reply.send(Err(error));
                            actor.pump(ctx);
                        }
                    }
                }),
        );
    }

    /// Starts the task that writes the answer; the whole conversation goes to the model.
    fn start_answer(
        &mut self,
        ctx: &mut Context<Self>,
        recorded: &[RecordedEvent],
        chat: Chat,
        prompt: &SubmitPrompt,
    ) -> Accepted {
        let position_of = |event_type: &str| {
            recorded
                .iter()
                .find(|e| e.event_type == event_type)
                .map(|e| e.position)
        };
        let answer_id = position_of("AnswerStarted").unwrap_or_default();
        let mut messages = vec![ChatMessage {
            role: Role::System,
            content: self.deps.system_prompt.clone(),
        }];
        if let Some(instructions) = &chat.instructions {
            messages.push(ChatMessage {
                role: Role::System,
                content: instructions.clone(),
            });
        }
        messages.extend(
            chat.messages
                .iter()
                .filter(|m| !m.text.is_empty())
                .map(|m| ChatMessage {
                    role: if m.role == ChatRole::User {
                        Role::User
                    } else {
                        Role::Assistant
                    },
                    content: m.text.clone(),
                }),
        );
        let request = ChatRequest {
            model: prompt.model.clone(),
            messages,
            // Regenerate asks for a different answer, not the same one again.
            variation: matches!(prompt.kind, PromptKind::Regenerate).then(rand::random::<u64>),
        };
        let hub = Hub::default();
        let cancel = CancellationToken::new();
        let subscription = hub.subscribe();
        let backend = self.deps.catalog.backend_for(&prompt.model);
        let (task_hub, task_cancel, model) = (hub.clone(), cancel.clone(), prompt.model.clone());
        let addr = ctx.address();
        actix::spawn(async move {
            let written = match backend {
                Ok(backend) => answer::write(backend, request, task_hub, task_cancel).await,
                Err(error) => Written {
                    record: AnswerRecord {
                        model,
                        error: Some(error.to_string()),
                        ..Default::default()
                    },
                    ending: Ending::Failed(error),
                },
            };
            addr.do_send(AnswerWritten(written));
        });
        self.live = Some(Live {
            cancel,
            hub,
            answer_id,
            lang: prompt.lang,
        });
        Accepted {
            user_message_id: position_of("UserMessageAppended")
                .or_else(|| position_of("PromptEdited")),
            answer_id,
            chat,
            subscription,
        }
    }
}

impl Handler<AnswerWritten> for ChatActor {
    type Result = ();

    fn handle(&mut self, AnswerWritten(written): AnswerWritten, ctx: &mut Self::Context) {
        let Some(live) = self.live.take() else { return };
        let Written { mut record, ending } = written;
        let (status, outcome) = match ending {
            Ending::Completed => ("complete", AnswerOutcome::Completed(record.clone())),
            Ending::Stopped => ("stopped", AnswerOutcome::Stopped(record.clone())),
            Ending::Failed(error) => {
                record.error = Some(error.message().translate(live.lang));
                ("failed", AnswerOutcome::Failed(record.clone()))
            }
        };
        let repository = self.deps.repository.clone();
        let (chat_id, chat) = (self.chat_id, self.chat.take());
        let command = ChatCommand::FinishAnswer(outcome);
        let work = save_answer(repository, chat_id, chat, command);
        ctx.wait(work.into_actor(self).map(move |(chat, saved), actor, ctx| {
            actor.chat = chat;
            actor.last_active = Instant::now();
            if let Err(error) = &saved {
                tracing::error!(%chat_id, %error, "An answer could not be saved");
            }
            if saved.is_ok() && status == "complete" {
                actor.improve_title(ctx, &record.model);
            }
            live.hub.announce(LiveEvent::Done(AnswerSummary {
                answer_id: live.answer_id,
                status: if saved.is_ok() { status } else { "failed" },
                model: record.model,
                prompt_tokens: record.prompt_tokens,
                completion_tokens: record.completion_tokens,
                finish_reason: record.finish_reason,
                error: record.error,
                text: record.text,
                sources: record.sources,
            }));
            actor.pump(ctx);
        }));
    }
}

impl ChatActor {
    /// After the first answer of a chat titled from its prompt, asks the upstream model for a
    /// better title in the background; it arrives as an ordinary rename (the user's own title
    /// always wins, see the aggregate).
    fn improve_title(&self, ctx: &mut Context<Self>, model: &str) {
        let Some(chat) = &self.chat else { return };
        let first_exchange = chat.messages.len() == 2 && chat.title_source == TitleSource::Prompt;
        if !self.deps.model_titles || !first_exchange {
            return;
        }
        // A PDF model's chat is titled by its base model (without the document).
        let model = match self.deps.catalog.pdf_model(model) {
            Some(pdf) => pdf.base_model,
            None => model.to_owned(),
        };
        let Some(backend) = self.deps.catalog.upstream_for(&model) else {
            return;
        };
        let (prompt, answer) = (chat.messages[0].text.clone(), chat.messages[1].text.clone());
        let (addr, chat_id) = (ctx.address(), self.chat_id);
        actix::spawn(async move {
            let Some(title) = title::suggest(backend.as_ref(), &model, &prompt, &answer).await
            else {
                tracing::info!(%chat_id, "The model wrote no usable title");
                return;
            };
            addr.do_send(Execute {
                command: ChatCommand::Rename {
                    title,
                    source: TitleSource::Model,
                },
                metadata: Metadata::system(),
            });
        });
    }
}

/// Saving an answer must survive a short database outage: retry a few times.
async fn save_answer(
    repository: Repository<Chat>,
    chat_id: Uuid,
    mut chat: Option<Chat>,
    command: ChatCommand,
) -> (Option<Chat>, Result<(), ChatError>) {
    // The database may be restarting: keep trying for about a minute (an answer the user saw
    // must not be lost, and a chat whose answer stays "streaming" cannot go on).
    let mut last = Ok(());
    for attempt in 0..20u64 {
        let (state, result) = execute(
            repository.clone(),
            chat_id,
            chat.take(),
            command.clone(),
            Metadata::system(),
        )
        .await;
        chat = state;
        match result {
            Ok(_) => return (chat, Ok(())),
            Err(ChatError::Rule(rule)) => return (chat, Err(rule.into())),
            Err(error) => last = Err(error),
        }
        tokio::time::sleep(Duration::from_millis((200 * (attempt + 1)).min(3_000))).await;
    }
    (chat, last)
}

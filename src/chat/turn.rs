//! A turn of the conversation inside `ChatActor`: prompts wait in a queue; one is accepted (its
//! `UserMessageAppended` + `AnswerStarted` appended, so the prompt is saved before any model is
//! asked); its answer is written by a separate task into a `Hub`; only when that answer is saved
//! does the next prompt start. An answer the database cannot take is kept (spooled to disk and
//! retried) until it can: it is never dropped.
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use actix::prelude::*;
use futures::FutureExt;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::actor::{ChatActor, ChatError, Live, Pending, execute};
use super::aggregate::{AnswerOutcome, Chat, ChatCommand, Role as ChatRole};
use super::answer::{self, Ending, Written};
use super::events::{AnswerRecord, ChatEvent, TitleSource};
use super::live::{AnswerSummary, Hub, LiveEvent};
use super::messages::{Accepted, AnswerWritten, Execute, PromptKind, SubmitPrompt};
use super::spool::SpooledAnswer;
use super::title;
use crate::domain::MessageStatus;
use crate::events::{Metadata, RecordedEvent};
use crate::llm::{ChatMessage, ChatRequest, LlmError, Role};

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
                api,
            } => ChatCommand::Start {
                owner: *owner,
                prompt: prompt.text.clone(),
                model: prompt.model.clone(),
                instance_id: self.deps.instance_id,
                instructions: instructions.clone(),
                api: api.clone(),
            },
            PromptKind::Follow {
                default_limit,
                branch,
            } => ChatCommand::SendPrompt {
                prompt: prompt.text.clone(),
                model: prompt.model.clone(),
                default_limit: *default_limit,
                instance_id: self.deps.instance_id,
                branch: *branch,
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
            PromptKind::Regenerate { default_limit } => ChatCommand::Regenerate {
                model: prompt.model.clone(),
                default_limit: *default_limit,
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
        // The events of this turn, matched by type (the payloads are a few small JSON objects).
        let position_of = |wanted: fn(&ChatEvent) -> bool| {
            recorded
                .iter()
                .find(|e| {
                    e.decode_for::<ChatEvent>()
                        .ok()
                        .flatten()
                        .as_ref()
                        .is_some_and(wanted)
                })
                .map(|e| e.position)
        };
        let answer_id =
            position_of(|e| matches!(e, ChatEvent::AnswerStarted { .. })).unwrap_or_default();
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
        // An API chat: what the client sent before its first prompt.
        messages.extend(chat.context.iter().cloned());
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
            variation: matches!(prompt.kind, PromptKind::Regenerate { .. })
                .then(rand::random::<u64>),
            options: prompt.options.clone(),
        };
        let hub = Hub::default();
        let cancel = CancellationToken::new();
        let subscription = hub.subscribe();
        let backend = self.deps.catalog.backend_for(&prompt.model);
        let (task_hub, task_cancel, model) = (hub.clone(), cancel.clone(), prompt.model.clone());
        let addr = ctx.address();
        actix::spawn(async move {
            let written = match backend {
                Ok(backend) => {
                    let writing = answer::write(backend, request, task_hub.clone(), task_cancel);
                    // Even a bug in a backend ends the turn (saved as failed with the text so
                    // far), so the chat cannot stay blocked behind it.
                    match AssertUnwindSafe(writing).catch_unwind().await {
                        Ok(written) => written,
                        Err(_) => {
                            let error = LlmError::Interrupted("the answer task panicked".into());
                            Written {
                                record: AnswerRecord {
                                    model,
                                    text: task_hub.text(),
                                    error: Some(error.to_string()),
                                    ..Default::default()
                                },
                                ending: Ending::Failed(error),
                            }
                        }
                    }
                }
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
            started: chat
                .answer_in_progress
                .as_ref()
                .map_or(chat.sequence, |a| a.started),
            lang: prompt.lang,
        });
        Accepted {
            user_message_id: position_of(|e| {
                matches!(
                    e,
                    ChatEvent::UserMessageAppended { .. } | ChatEvent::PromptEdited { .. }
                )
            }),
            answer_id,
            chat,
            subscription,
        }
    }
}

impl Handler<AnswerWritten> for ChatActor {
    type Result = ();

    fn handle(&mut self, AnswerWritten(written): AnswerWritten, ctx: &mut Self::Context) {
        let Some(live) = &self.live else { return };
        let Written { mut record, ending } = written;
        let outcome = match ending {
            Ending::Completed => AnswerOutcome::Completed(record),
            Ending::Stopped => AnswerOutcome::Stopped(record),
            Ending::Failed(error) => {
                record.error = Some(error.message().translate(live.lang));
                AnswerOutcome::Failed(record)
            }
        };
        let command = ChatCommand::SaveAnswer {
            started: live.started,
            outcome: outcome.clone(),
        };
        let work = execute(
            self.deps.repository.clone(),
            self.chat_id,
            self.chat.take(),
            command,
            Metadata::system(),
        );
        // The first attempt holds the mailbox (the usual case: a few milliseconds); if the
        // database cannot take the answer, it is kept until it can, with the mailbox free.
        ctx.wait(
            work.into_actor(self)
                .map(move |(chat, result), actor, ctx| {
                    actor.chat = chat;
                    match result {
                        Ok(_) => actor.answer_saved(ctx, &outcome, true),
                        Err(ChatError::Rule(rule)) => {
                            tracing::info!(chat_id = %actor.chat_id, %rule, "The answer has no place to go");
                            actor.answer_saved(ctx, &outcome, false)
                        }
                        Err(error) => actor.keep_until_saved(ctx, outcome, error),
                    }
                }),
        );
    }
}

impl ChatActor {
    /// The answer is saved (or can never be: its chat is gone): followers get `Done`, the next
    /// prompt may start.
    fn answer_saved(&mut self, ctx: &mut Context<Self>, outcome: &AnswerOutcome, saved: bool) {
        let Some(live) = self.live.take() else { return };
        self.last_active = Instant::now();
        let record = outcome.record();
        if saved && matches!(outcome, AnswerOutcome::Completed(_)) {
            self.improve_title(ctx, &record.model);
        }
        let status = if saved {
            outcome.status()
        } else {
            MessageStatus::Failed
        };
        live.hub
            .announce(LiveEvent::Done(summary(live.answer_id, status, record)));
        self.pump(ctx);
    }

    /// The database could not take the answer: it goes to the spool on disk (so a restart of
    /// this process cannot lose it either), followers see "saving…", and the save is retried
    /// with back-off for as long as it takes, without holding the actor's mailbox. The next
    /// prompt waits (`live` stays set), as it would behind an answer being written.
    fn keep_until_saved(
        &mut self,
        ctx: &mut Context<Self>,
        outcome: AnswerOutcome,
        error: ChatError,
    ) {
        let Some(live) = &self.live else { return };
        let chat_id = self.chat_id;
        tracing::warn!(%chat_id, %error, "The answer cannot be saved yet; keeping it until it can");
        let spooled = SpooledAnswer::new(chat_id, self.deps.instance_id, live.started, &outcome);
        let saving = summary(live.answer_id, outcome.status(), outcome.record());
        let (repository, spool, hub) = (
            self.deps.repository.clone(),
            self.deps.spool.clone(),
            live.hub.clone(),
        );
        let work = async move {
            if let Err(error) = spool.keep(&spooled).await {
                tracing::error!(%chat_id, %error, "Could not spool the answer; it is kept in memory only");
            }
            // Said once the copy is on disk: from now on nothing the user saw can be lost.
            hub.announce_saving(saving);
            let mut attempt = 0u32;
            let (state, saved) = loop {
                attempt += 1;
                tokio::time::sleep(retry_delay(attempt)).await;
                let (state, result) = execute(
                    repository.clone(),
                    chat_id,
                    None,
                    spooled.command(),
                    Metadata::system(),
                )
                .await;
                match result {
                    Ok(_) => break (state, true),
                    Err(ChatError::Rule(rule)) => {
                        tracing::info!(%chat_id, %rule, "The kept answer has no place to go");
                        break (state, false);
                    }
                    Err(error) if attempt.is_multiple_of(10) => {
                        tracing::warn!(%chat_id, attempt, %error, "The answer still cannot be saved");
                    }
                    Err(_) => {}
                }
            };
            if let Err(error) = spool.forget(chat_id, spooled.started).await {
                // Harmless: read again later, its save records nothing the second time.
                tracing::warn!(%chat_id, %error, "Could not remove a saved answer from the spool");
            }
            tracing::info!(%chat_id, attempt, saved, "The kept answer is settled");
            (state, saved)
        };
        ctx.spawn(
            work.into_actor(self)
                .map(move |(state, saved), actor, ctx| {
                    // Another command may have run meanwhile: keep the newer state.
                    if let Some(state) = state
                        && actor
                            .chat
                            .as_ref()
                            .is_none_or(|c| c.sequence <= state.sequence)
                    {
                        actor.chat = Some(state);
                    }
                    actor.answer_saved(ctx, &outcome, saved);
                }),
        );
    }
}

/// 0.2 s, 0.4 s, … then every 3 s (each attempt may also wait up to the pool's acquire timeout).
fn retry_delay(attempt: u32) -> Duration {
    Duration::from_millis((200 * u64::from(attempt)).min(3_000))
}

fn summary(answer_id: u64, status: MessageStatus, record: &AnswerRecord) -> AnswerSummary {
    AnswerSummary {
        answer_id,
        status,
        model: record.model.clone(),
        prompt_tokens: record.prompt_tokens,
        completion_tokens: record.completion_tokens,
        finish_reason: record.finish_reason.clone(),
        error: record.error.clone(),
        text: record.text.clone(),
        sources: record.sources.clone(),
    }
}

impl ChatActor {
    /// After the first answer of a chat titled from its prompt, asks the upstream model for a
    /// better title in the background; it arrives as an ordinary rename (the user's own title
    /// always wins, see the aggregate).
    fn improve_title(&self, ctx: &mut Context<Self>, model: &str) {
        let Some(chat) = &self.chat else { return };
        let first_exchange = chat.messages.len() == 2 && chat.title_source == TitleSource::Prompt;
        // An API call is charged for what its client asked, nothing more.
        if !self.deps.model_titles || !first_exchange || chat.api_key.is_some() {
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

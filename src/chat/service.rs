//! The chat use cases the web layer calls: every one checks that the chat belongs to the user
//! (someone else's chat is "not found"), then asks the chat's actor.
use sqlx::MySqlPool;
use uuid::Uuid;

use super::Chats;
use super::actor::{
    Accepted, ChatError, Execute, Follow, Ownership, PromptKind, Snapshot, Stop, SubmitPrompt,
    Whose,
};
use super::aggregate::{ApiStart, BranchChoice, ChatCommand, ChatRuleError};
use super::events::{Rating, TitleSource};
use super::forward::{Hop, Owner, Owners};
use super::instructions::custom_instructions;
use super::live::Subscription;
use crate::accounts::events::Refusal;
use crate::accounts::rate_limit::RateLimiter;
use crate::catalog::Catalog;
use crate::clock::SharedClock;
use crate::domain::{ChatId, ChatTitle};
use crate::error::AppError;
use crate::events::Metadata;
use crate::i18n::{Lang, Msg};
use crate::llm::{ChatMessage, RequestOptions};
use crate::store::chats::{self, ChatRow};
use crate::store::stats::PromptsOn;
use crate::store::users::UserRow;
use crate::usage::Refusals;

#[path = "rules.rs"]
mod rules;
pub use rules::UsageRules;

#[derive(Clone)]
pub struct ChatService {
    pool: MySqlPool,
    chats: Chats,
    catalog: Catalog,
    clock: SharedClock,
    rules: UsageRules,
    /// Counts prompts per user in one-minute windows.
    prompt_rate: RateLimiter,
    /// Which other instance writes an answer this one has no live copy of.
    owners: Owners,
    /// Refused prompts, recorded for the dashboard.
    refusals: Refusals,
}

/// Where a request about a chat's live answer is answered: here, or by the instance writing it.
pub enum Routed<T> {
    Here(T),
    Owner(Owner),
}

impl From<ChatError> for AppError {
    fn from(error: ChatError) -> Self {
        match error {
            ChatError::Rule(ChatRuleError::NotFound) => AppError::NotFound,
            ChatError::Rule(ChatRuleError::LimitReached { limit }) => {
                AppError::Conflict(Msg::new("chat-limit-reached").arg("limit", limit))
            }
            ChatError::Rule(ChatRuleError::Busy) => AppError::Conflict(Msg::new("chat-busy")),
            ChatError::Rule(ChatRuleError::NothingToRegenerate) => {
                AppError::Conflict(Msg::new("chat-nothing-to-regenerate"))
            }
            ChatError::Rule(
                ChatRuleError::NoSuchAnswer
                | ChatRuleError::NoSuchPrompt
                | ChatRuleError::NoSuchVersion,
            ) => AppError::NotFound,
            ChatError::Rule(ChatRuleError::AlreadyExists) => {
                AppError::Conflict(Msg::new("error-busy-retry"))
            }
            // The database is restarting or out of reach: nothing was recorded, retry later.
            ChatError::Load(error) => error.into(),
            ChatError::Store(error) if error.database_unreachable() => AppError::Busy {
                retry_after_secs: 5,
            },
            // Other writers (other nodes) kept winning: nothing was recorded, retry shortly.
            ChatError::TooMuchContention(_) => AppError::Busy {
                retry_after_secs: 1,
            },
            other => AppError::unexpected(other),
        }
    }
}

/// What an API call brings besides its prompt.
#[derive(Clone, Debug, Default)]
pub struct ApiCall {
    /// The key it came with.
    pub key: Uuid,
    /// The messages before the prompt (a new chat keeps them as its context).
    pub context: Vec<ChatMessage>,
    pub options: RequestOptions,
    /// An API chat of the user to follow up (`X-Chat-Id`).
    pub continue_chat: Option<ChatId>,
}

/// A prompt the user may send: parsed, on an enabled model, by a verified user.
pub struct PromptInput<'a> {
    pub text: &'a str,
    pub model: &'a str,
    pub lang: Lang,
    pub request_id: Option<String>,
    /// The user's prompts today, when the request already read them (with the session).
    pub prompts_today: Option<PromptsOn>,
}

impl ChatService {
    pub fn new(
        pool: MySqlPool,
        chats: Chats,
        catalog: Catalog,
        clock: SharedClock,
        rules: UsageRules,
        owners: Owners,
    ) -> Self {
        let prompt_rate = RateLimiter::new(pool.clone(), clock.clone(), 1);
        let store = chats.deps().repository.store().clone();
        let refusals = Refusals::new(store, pool.clone(), clock.clone());
        ChatService {
            pool,
            chats,
            catalog,
            clock,
            rules,
            prompt_rate,
            owners,
            refusals,
        }
    }

    pub fn chats(&self) -> &Chats {
        &self.chats
    }

    /// The chat, if it exists and belongs to `user`; otherwise 404 (never "forbidden").
    pub async fn owned(&self, user: &UserRow, chat_id: ChatId) -> Result<ChatRow, AppError> {
        let chat = chats::find(&self.pool, &chat_id.to_string())
            .await?
            .filter(|chat| chat.user_id == user.id);
        chat.ok_or(AppError::NotFound)
    }

    /// The chat's owner and model as its actor holds them, if it exists and belongs to `user`;
    /// otherwise 404. Before a prompt: the actor needs the chat's state for the prompt anyway, so
    /// this reads nothing more (the `chat` row is not read on the turn path).
    async fn owned_chat(&self, user: &UserRow, chat_id: ChatId) -> Result<Ownership, AppError> {
        let ownership = self
            .chats
            .send(chat_id.as_uuid(), Whose)
            .await
            .map_err(AppError::unexpected)??;
        ownership
            .filter(|chat| chat.owner == user.uuid())
            .ok_or(AppError::NotFound)
    }

    fn parse_id(chat_id: &str) -> Result<Uuid, AppError> {
        Uuid::parse_str(chat_id).map_err(|_| AppError::NotFound)
    }

    /// The site-wide prompts-per-chat limit, as the catalog knows it.
    pub async fn default_limit(&self) -> Result<u32, AppError> {
        Ok(self
            .catalog
            .default_limit()
            .unwrap_or(self.rules.fallback_limit))
    }

    fn metadata(user: &UserRow, request_id: Option<String>) -> Metadata {
        Metadata::user(&user.id).with_request_id(request_id)
    }

    async fn submit(
        &self,
        user: &UserRow,
        chat_id: Uuid,
        prompt: SubmitPrompt,
    ) -> Result<Accepted, AppError> {
        let model = prompt.model.clone();
        let accepted = self
            .chats
            .send(chat_id, prompt)
            .await
            .map_err(AppError::unexpected)?;
        if let Err(ChatError::Rule(ChatRuleError::LimitReached { .. })) = &accepted {
            let refusal = Refusal::ChatLimit;
            self.refusals.record(&user.id, refusal, &model).await;
        }
        Ok(accepted?)
    }

    /// The first prompt creates the chat.
    pub async fn start(
        &self,
        user: &UserRow,
        input: PromptInput<'_>,
    ) -> Result<(ChatId, Accepted), AppError> {
        let chat_id = ChatId::new();
        let kind = PromptKind::Start {
            owner: Self::parse_id(&user.id)?,
            instructions: custom_instructions(user),
            api: None,
        };
        let accepted = self.follow_up(user, chat_id, kind, input).await?;
        Ok((chat_id, accepted))
    }

    /// A follow-up prompt; with `branch`, it continues that version of a message (the branch
    /// the user is looking at) rather than the conversation as it is.
    pub async fn send(
        &self,
        user: &UserRow,
        chat_id: ChatId,
        branch: Option<BranchChoice>,
        input: PromptInput<'_>,
    ) -> Result<Accepted, AppError> {
        let chat = self.owned_chat(user, chat_id).await?;
        self.check_bot_kept(user, &chat.model)?;
        let default_limit = self.default_limit().await?;
        let kind = PromptKind::Follow {
            default_limit,
            branch,
        };
        self.follow_up(user, chat_id, kind, input).await
    }

    /// Rewrites the prompt `message_id` of the chat and has it answered: the conversation
    /// branches there (the earlier branch stays readable).
    pub async fn edit(
        &self,
        user: &UserRow,
        chat_id: ChatId,
        message_id: u64,
        input: PromptInput<'_>,
    ) -> Result<Accepted, AppError> {
        let chat = self.owned_chat(user, chat_id).await?;
        self.check_bot_kept(user, &chat.model)?;
        let rank = chats::prompt_rank(&self.pool, &chat_id.to_string(), message_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let default_limit = self.default_limit().await?;
        let kind = PromptKind::Edit {
            rank,
            default_limit,
        };
        self.follow_up(user, chat_id, kind, input).await
    }

    /// A prompt of the user's own chat (or a new one), after the usage rules.
    async fn follow_up(
        &self,
        user: &UserRow,
        chat_id: ChatId,
        kind: PromptKind,
        input: PromptInput<'_>,
    ) -> Result<Accepted, AppError> {
        self.submit_checked(user, chat_id, kind, input, RequestOptions::default())
            .await
    }

    /// Passes the usage rules, then hands the prompt to the chat's actor.
    async fn submit_checked(
        &self,
        user: &UserRow,
        chat_id: ChatId,
        kind: PromptKind,
        input: PromptInput<'_>,
        options: RequestOptions,
    ) -> Result<Accepted, AppError> {
        let prompt = self.check_prompt(user, &input).await?;
        let submit = SubmitPrompt {
            kind,
            text: prompt.into_inner(),
            model: input.model.to_owned(),
            lang: input.lang,
            metadata: Self::metadata(user, input.request_id),
            options,
        };
        self.submit(user, chat_id.as_uuid(), submit).await
    }

    /// Replaces the last answer (also "Retry" after a failure).
    pub async fn regenerate(
        &self,
        user: &UserRow,
        chat_id: ChatId,
        model: &str,
        lang: Lang,
    ) -> Result<Accepted, AppError> {
        let chat = self.owned_chat(user, chat_id).await?;
        self.check_bot_kept(user, &chat.model)?;
        let input = PromptInput {
            text: "regenerate",
            model,
            lang,
            request_id: None,
            prompts_today: None,
        };
        self.check_prompt(user, &input).await?;
        let default_limit = self.default_limit().await?;
        let submit = SubmitPrompt {
            kind: PromptKind::Regenerate { default_limit },
            text: String::new(),
            model: model.to_owned(),
            lang,
            metadata: Self::metadata(user, None),
            options: RequestOptions::default(),
        };
        self.submit(user, chat_id.as_uuid(), submit).await
    }

    /// An API call (`/v1/chat/completions`): its last user message is the prompt, the messages
    /// before it the context. Without `continue_chat` it starts an API chat (not in the
    /// sidebar); with it, the prompt follows up that API chat of the user (404 otherwise), whose
    /// own history is the conversation. The usage rules are the web's.
    pub async fn api_prompt(
        &self,
        user: &UserRow,
        call: ApiCall,
        input: PromptInput<'_>,
    ) -> Result<(ChatId, Accepted), AppError> {
        let (chat_id, kind) = match call.continue_chat {
            Some(chat_id) => {
                let chat = self.owned_chat(user, chat_id).await?;
                if !chat.api {
                    return Err(AppError::NotFound);
                }
                self.check_bot_kept(user, &chat.model)?;
                let default_limit = self.default_limit().await?;
                let kind = PromptKind::Follow {
                    default_limit,
                    branch: None,
                };
                (chat_id, kind)
            }
            None => {
                let start = PromptKind::Start {
                    owner: Self::parse_id(&user.id)?,
                    instructions: None,
                    api: Some(ApiStart {
                        key: call.key,
                        context: call.context,
                    }),
                };
                (ChatId::new(), start)
            }
        };
        let accepted = self
            .submit_checked(user, chat_id, kind, input, call.options)
            .await?;
        Ok((chat_id, accepted))
    }

    /// Stops the chat's answer: `true` if this instance was writing one. An answer another
    /// instance writes is stopped there (`Routed::Owner`: forward the request).
    pub async fn stop(
        &self,
        user: &UserRow,
        chat_id: ChatId,
        hop: Hop,
    ) -> Result<Routed<bool>, AppError> {
        self.owned(user, chat_id).await?;
        let stopped = self
            .chats
            .send(chat_id.as_uuid(), Stop)
            .await
            .map_err(AppError::unexpected)?;
        if stopped {
            return Ok(Routed::Here(true));
        }
        Ok(self
            .owner_unless_forwarded(chat_id, hop)
            .await?
            .unwrap_or(Routed::Here(false)))
    }

    /// The instance writing the chat's answer, when it is another live one and `hop` allows it.
    async fn owner_unless_forwarded<T>(
        &self,
        chat_id: ChatId,
        hop: Hop,
    ) -> Result<Option<Routed<T>>, AppError> {
        if hop == Hop::Forwarded {
            return Ok(None);
        }
        Ok(self.owners.of_answer(chat_id).await?.map(Routed::Owner))
    }

    /// Stops every answer this instance writes for a user (they were blocked); the other
    /// instances stop theirs on their own (`chat::blocked`).
    pub async fn stop_all_for(&self, user_id: &str) -> Result<(), AppError> {
        for chat_id in chats::streaming_for_user(&self.pool, user_id).await? {
            if let Ok(id) = Uuid::parse_str(&chat_id) {
                self.chats
                    .send(id, Stop)
                    .await
                    .map_err(AppError::unexpected)?;
            }
        }
        Ok(())
    }

    /// Follows the chat's answer being written: its id and subscription when this instance
    /// writes it, `None` when no answer is being written; an answer another instance writes is
    /// followed there (`Routed::Owner`: forward the request).
    pub async fn follow(
        &self,
        user: &UserRow,
        chat_id: ChatId,
        hop: Hop,
    ) -> Result<Routed<Option<(u64, Subscription)>>, AppError> {
        self.owned(user, chat_id).await?;
        let live = self
            .chats
            .send(chat_id.as_uuid(), Follow)
            .await
            .map_err(AppError::unexpected)?;
        if live.is_some() {
            return Ok(Routed::Here(live));
        }
        Ok(self
            .owner_unless_forwarded(chat_id, hop)
            .await?
            .unwrap_or(Routed::Here(None)))
    }

    async fn execute(
        &self,
        user: &UserRow,
        chat_id: ChatId,
        command: ChatCommand,
    ) -> Result<(), AppError> {
        self.owned(user, chat_id).await?;
        let execute = Execute {
            command,
            metadata: Self::metadata(user, None),
        };
        self.chats
            .send(chat_id.as_uuid(), execute)
            .await
            .map_err(AppError::unexpected)??;
        Ok(())
    }

    pub async fn rename(
        &self,
        user: &UserRow,
        chat_id: ChatId,
        title: &str,
    ) -> Result<(), AppError> {
        let title = ChatTitle::parse(title).map_err(AppError::Unprocessable)?;
        self.execute(
            user,
            chat_id,
            ChatCommand::Rename {
                title: title.into_inner(),
                source: TitleSource::User,
            },
        )
        .await
    }

    /// Takes a chat out of the sidebar (or puts it back).
    pub async fn archive(
        &self,
        user: &UserRow,
        chat_id: ChatId,
        archived: bool,
    ) -> Result<(), AppError> {
        self.execute(user, chat_id, ChatCommand::Archive { archived })
            .await
    }

    /// Thumbs up/down (or neither) on one of the user's finished answers.
    pub async fn rate(
        &self,
        user: &UserRow,
        chat_id: ChatId,
        message_id: u64,
        rating: Option<Rating>,
    ) -> Result<(), AppError> {
        let rank = chats::answer_rank(&self.pool, &chat_id.to_string(), message_id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.execute(user, chat_id, ChatCommand::RateAnswer { rank, rating })
            .await
    }

    pub async fn change_model(
        &self,
        user: &UserRow,
        chat_id: ChatId,
        model: &str,
    ) -> Result<(), AppError> {
        let chat = self.owned(user, chat_id).await?;
        self.check_bot_kept(user, &chat.model)?;
        self.check_model(user, model)?;
        self.execute(
            user,
            chat_id,
            ChatCommand::ChangeModel {
                model: model.to_owned(),
            },
        )
        .await
    }

    pub async fn delete(&self, user: &UserRow, chat_id: ChatId) -> Result<(), AppError> {
        self.execute(user, chat_id, ChatCommand::Delete).await
    }

    /// Deletes every chat of a user (account deletion).
    pub async fn delete_all_for(&self, user: &UserRow) -> Result<(), AppError> {
        for chat_id in chats::ids_for_user(&self.pool, &user.id).await? {
            if let Some(chat_id) = ChatId::parse(&chat_id) {
                self.execute(user, chat_id, ChatCommand::Delete).await?;
            }
        }
        Ok(())
    }

    /// The prompt count of a chat as its actor sees it.
    pub async fn prompts(&self, chat_id: Uuid) -> Result<u32, AppError> {
        let chat = self
            .chats
            .send(chat_id, Snapshot)
            .await
            .map_err(AppError::unexpected)??;
        Ok(chat.prompts)
    }
}

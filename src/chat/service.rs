//! The chat use cases the web layer calls: every one checks that the chat belongs to the user
//! (someone else's chat is "not found"), then asks the chat's actor.
use sqlx::MySqlPool;
use uuid::Uuid;

use super::Chats;
use super::actor::{
    Accepted, ChatError, Execute, Follow, PromptKind, Snapshot, Stop, SubmitPrompt,
};
use super::aggregate::{ChatCommand, ChatRuleError};
use super::events::{Rating, TitleSource};
use super::instructions::custom_instructions;
use super::live::Subscription;
use crate::accounts::rate_limit::RateLimiter;
use crate::catalog::Catalog;
use crate::clock::SharedClock;
use crate::domain::{ChatId, ChatTitle, Prompt};
use crate::error::AppError;
use crate::events::Metadata;
use crate::i18n::{Lang, Msg};
use crate::store::chats::{self, ChatRow};
use crate::store::stats;
use crate::store::users::UserRow;

#[derive(Clone)]
pub struct ChatService {
    pool: MySqlPool,
    chats: Chats,
    catalog: Catalog,
    clock: SharedClock,
    rules: UsageRules,
    /// Counts prompts per user in one-minute windows.
    prompt_rate: RateLimiter,
}

/// The usage rules every prompt (and regenerate) passes before it reaches a model.
#[derive(Clone, Debug)]
pub struct UsageRules {
    pub prompt_max_chars: usize,
    /// Prompts per chat before the admin sets the site's limit.
    pub fallback_limit: u32,
    /// Prompts per user per UTC day for users without their own quota (0 = none).
    pub default_daily_quota: u32,
    /// Prompts (and regenerates) per user per minute (0 = no limit).
    pub prompts_per_minute: u32,
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
            ChatError::Rule(ChatRuleError::NoSuchAnswer | ChatRuleError::NoSuchPrompt) => {
                AppError::NotFound
            }
            ChatError::Rule(ChatRuleError::AlreadyExists) => {
                AppError::Conflict(Msg::new("error-busy-retry"))
            }
            // The database is restarting or out of reach: nothing was recorded, retry later.
            ChatError::Load(error) => error.into(),
            ChatError::Store(error) if error.database_unreachable() => AppError::Busy {
                retry_after_secs: 5,
            },
            other => AppError::unexpected(other),
        }
    }
}

/// A prompt the user may send: parsed, on an enabled model, by a verified user.
pub struct PromptInput<'a> {
    pub text: &'a str,
    pub model: &'a str,
    pub lang: Lang,
    pub request_id: Option<String>,
}

impl ChatService {
    pub fn new(
        pool: MySqlPool,
        chats: Chats,
        catalog: Catalog,
        clock: SharedClock,
        rules: UsageRules,
    ) -> Self {
        let prompt_rate = RateLimiter::new(pool.clone(), clock.clone(), 1);
        ChatService {
            pool,
            chats,
            catalog,
            clock,
            rules,
            prompt_rate,
        }
    }

    /// A user's daily prompt quota: their own (set by the admin), else the site's default;
    /// 0 = none. Counted over all their chats, so opening new chats does not dodge it.
    pub fn daily_quota(&self, user: &UserRow) -> u32 {
        match user.daily_prompt_quota {
            0 => self.rules.default_daily_quota,
            own => own,
        }
    }

    /// The quota of users without their own (0 = none).
    pub fn default_daily_quota(&self) -> u32 {
        self.rules.default_daily_quota
    }

    /// The longest prompt accepted, in characters (Unicode scalar values).
    pub fn prompt_max_chars(&self) -> usize {
        self.rules.prompt_max_chars
    }

    /// Prompts per user per minute (0 = no limit).
    pub fn prompts_per_minute(&self) -> u32 {
        self.rules.prompts_per_minute
    }

    /// The daily quota; the day ends at midnight UTC.
    async fn check_quota(&self, user: &UserRow) -> Result<(), AppError> {
        let quota = self.daily_quota(user);
        if quota == 0 {
            return Ok(());
        }
        let now = self.clock.now_utc();
        if stats::user_prompts_on(&self.pool, &user.id, now.date()).await? < quota {
            return Ok(());
        }
        let reset = now.date().next_day().map_or(now, |day| day.midnight());
        let wait = reset - now;
        let msg = Msg::new("chat-daily-quota")
            .arg("limit", quota)
            .arg("hours", wait.whole_hours())
            .arg("minutes", wait.whole_minutes() % 60);
        Err(AppError::QuotaExceeded(msg))
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

    /// Refuses a model the picker does not offer (unknown or disabled).
    fn check_model(&self, model: &str) -> Result<(), AppError> {
        match self.catalog.enabled_model(model) {
            Some(_) => Ok(()),
            None => Err(AppError::BadRequest(
                Msg::new("llm-unknown-model").arg("model", model),
            )),
        }
    }

    async fn check_prompt(
        &self,
        user: &UserRow,
        input: &PromptInput<'_>,
    ) -> Result<Prompt, AppError> {
        if !user.verified {
            return Err(AppError::Forbidden(Msg::new("chat-verify-first")));
        }
        self.check_rate(user).await?;
        self.check_quota(user).await?;
        self.check_model(input.model)?;
        Prompt::parse(input.text, self.rules.prompt_max_chars).map_err(AppError::Unprocessable)
    }

    /// At most `prompts_per_minute` prompts and regenerates per user (a script sending
    /// prompts as fast as it can costs the site money).
    async fn check_rate(&self, user: &UserRow) -> Result<(), AppError> {
        let limit = self.rules.prompts_per_minute;
        if limit == 0 {
            return Ok(());
        }
        match self
            .prompt_rate
            .over(&format!("prompt:user:{}", user.id), limit)
            .await?
        {
            None => Ok(()),
            Some(seconds) => Err(AppError::QuotaExceeded(
                Msg::new("chat-too-fast").arg("seconds", seconds),
            )),
        }
    }

    fn metadata(user: &UserRow, request_id: Option<String>) -> Metadata {
        Metadata::user(&user.id).with_request_id(request_id)
    }

    async fn submit(&self, chat_id: Uuid, prompt: SubmitPrompt) -> Result<Accepted, AppError> {
        let accepted = self
            .chats
            .send(chat_id, prompt)
            .await
            .map_err(AppError::unexpected)??;
        Ok(accepted)
    }

    /// The first prompt creates the chat.
    pub async fn start(
        &self,
        user: &UserRow,
        input: PromptInput<'_>,
    ) -> Result<(ChatId, Accepted), AppError> {
        let prompt = self.check_prompt(user, &input).await?;
        let owner = Self::parse_id(&user.id)?;
        let chat_id = ChatId::new();
        let submit = SubmitPrompt {
            kind: PromptKind::Start {
                owner,
                instructions: custom_instructions(user),
            },
            text: prompt.into_inner(),
            model: input.model.to_owned(),
            lang: input.lang,
            metadata: Self::metadata(user, input.request_id),
        };
        Ok((chat_id, self.submit(chat_id.as_uuid(), submit).await?))
    }

    pub async fn send(
        &self,
        user: &UserRow,
        chat_id: ChatId,
        input: PromptInput<'_>,
    ) -> Result<Accepted, AppError> {
        self.owned(user, chat_id).await?;
        let prompt = self.check_prompt(user, &input).await?;
        let submit = SubmitPrompt {
            kind: PromptKind::Follow {
                default_limit: self.default_limit().await?,
            },
            text: prompt.into_inner(),
            model: input.model.to_owned(),
            lang: input.lang,
            metadata: Self::metadata(user, input.request_id),
        };
        self.submit(chat_id.as_uuid(), submit).await
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
        self.owned(user, chat_id).await?;
        let rank = chats::prompt_rank(&self.pool, &chat_id.to_string(), message_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let prompt = self.check_prompt(user, &input).await?;
        let submit = SubmitPrompt {
            kind: PromptKind::Edit {
                rank,
                default_limit: self.default_limit().await?,
            },
            text: prompt.into_inner(),
            model: input.model.to_owned(),
            lang: input.lang,
            metadata: Self::metadata(user, input.request_id),
        };
        self.submit(chat_id.as_uuid(), submit).await
    }

    /// Replaces the last answer (also "Retry" after a failure).
    pub async fn regenerate(
        &self,
        user: &UserRow,
        chat_id: ChatId,
        model: &str,
        lang: Lang,
    ) -> Result<Accepted, AppError> {
        self.owned(user, chat_id).await?;
        let input = PromptInput {
            text: "regenerate",
            model,
            lang,
            request_id: None,
        };
        self.check_prompt(user, &input).await?;
        let submit = SubmitPrompt {
            kind: PromptKind::Regenerate,
            text: String::new(),
            model: model.to_owned(),
            lang,
            metadata: Self::metadata(user, None),
        };
        self.submit(chat_id.as_uuid(), submit).await
    }

    pub async fn stop(&self, user: &UserRow, chat_id: ChatId) -> Result<bool, AppError> {
        self.owned(user, chat_id).await?;
        self.chats
            .send(chat_id.as_uuid(), Stop)
            .await
            .map_err(AppError::unexpected)
    }

    /// Stops every answer being written for a user (they were blocked).
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

    pub async fn follow(
        &self,
        user: &UserRow,
        chat_id: ChatId,
    ) -> Result<Option<(u64, Subscription)>, AppError> {
        self.owned(user, chat_id).await?;
        self.chats
            .send(chat_id.as_uuid(), Follow)
            .await
            .map_err(AppError::unexpected)
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
        self.check_model(model)?;
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

//! The usage rules every prompt (and regenerate, and edit) passes before it reaches a model:
//! a verified user, the per-minute rate, the daily quota, an offered model, a valid prompt.
use super::{ChatService, PromptInput};
use crate::accounts::events::Refusal;
use crate::domain::ModelRef;
use crate::domain::Prompt;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::store::stats::{self, PromptsOn};
use crate::store::users::UserRow;

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

impl ChatService {
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
    pub(super) async fn check_quota(
        &self,
        user: &UserRow,
        known: Option<PromptsOn>,
    ) -> Result<(), AppError> {
        let quota = self.daily_quota(user);
        if quota == 0 {
            return Ok(());
        }
        let now = self.clock.now_utc();
        let prompts = match known.filter(|known| known.day == now.date()) {
            Some(known) => known.prompts,
            None => stats::user_prompts_on(&self.pool, &user.id, now.date()).await?,
        };
        if prompts < quota {
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

    /// Refuses a model the user's picker does not offer (unknown, disabled, or a bot they may
    /// not use).
    pub(super) fn check_model(&self, user: &UserRow, model: &str) -> Result<(), AppError> {
        if self.catalog.offered_to(model, user.uuid()).is_some() {
            return Ok(());
        }
        // A site or PDF model the picker once offered (stopped, disabled, deleted) is named in
        // plain words with what to do; a bot's name is not told to whoever guesses its id.
        let known = match ModelRef::parse(model) {
            Some(ModelRef::Bot(_)) | None => None,
            Some(_) => self.catalog.name_of(model),
        };
        Err(AppError::BadRequest(match known {
            Some(name) => Msg::new("model-gone-notice").arg("name", name),
            None => Msg::new("llm-unknown-model").arg("model", model),
        }))
    }

    /// A chat with a bot the user may no longer use (unshared, disabled, deleted) is read-only:
    /// no prompt, no regenerate, no edit, no switch to another model.
    pub(super) fn check_bot_kept(&self, user: &UserRow, model: &str) -> Result<(), AppError> {
        let Some(ModelRef::Bot(id)) = ModelRef::parse(model) else {
            return Ok(());
        };
        if self.catalog.offered_to(model, user.uuid()).is_some() {
            return Ok(());
        }
        // The bot is there for this user; the model it answers with is what is missing.
        let base_missing = self
            .catalog
            .bot(id.as_uuid())
            .is_some_and(|bot| bot.usable_by(user.uuid()));
        let msg = if base_missing {
            "bot-base-gone"
        } else {
            "bot-gone"
        };
        Err(AppError::Conflict(Msg::new(msg)))
    }

    pub(super) async fn check_prompt(
        &self,
        user: &UserRow,
        input: &PromptInput<'_>,
    ) -> Result<Prompt, AppError> {
        if !user.verified {
            return Err(AppError::Forbidden(Msg::new("chat-verify-first")));
        }
        self.check_rate(user).await?;
        // Refusals of the quota and of the model are counted (the dashboard's "Refused").
        let refused = match self.check_quota(user, input.prompts_today).await {
            Err(error @ AppError::QuotaExceeded(_)) => Some((Refusal::DailyQuota, error)),
            other => {
                other?;
                self.check_model(user, input.model)
                    .err()
                    .map(|error| (Refusal::UnknownModel, error))
            }
        };
        if let Some((reason, error)) = refused {
            self.refusals.record(&user.id, reason, input.model).await;
            return Err(error);
        }
        Prompt::parse(input.text, self.rules.prompt_max_chars).map_err(AppError::Unprocessable)
    }

    /// At most `prompts_per_minute` prompts and regenerates per user (a script sending
    /// prompts as fast as it can costs the site money).
    pub(super) async fn check_rate(&self, user: &UserRow) -> Result<(), AppError> {
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
}

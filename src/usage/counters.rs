//! Usage aggregated per UTC day (`daily_stats`, `daily_user_activity`, `daily_model_stats`) and
//! per API key, so the dashboard reads a few rows per day instead of scanning messages. What a
//! transaction's events count is collected first (`Counts`), then written with one upsert per
//! table (`write.rs`): a group commit of many turns costs a few statements, not a few per event.
//! A rebuild adds the same `Counts` to its rows in memory (`fold.rs`).
use std::collections::HashMap;
use std::hash::Hash;

use time::{Date, PrimitiveDateTime};

/// Columns of `daily_stats` that events increment, in `DAILY_COLUMNS`' order.
#[derive(Clone, Copy, Debug)]
pub(super) enum Counter {
    NewUsers,
    ActiveUsers,
    Chats,
    Prompts,
    Answers,
    FailedAnswers,
    StoppedAnswers,
    ApiPrompts,
    RefusedPrompts,
}

pub(super) const DAILY_COLUMNS: [&str; 11] = [
    "new_users",
    "active_users",
    "chats",
    "prompts",
    "answers",
    "failed_answers",
    "stopped_answers",
    "api_prompts",
    "refused_prompts",
    "prompt_tokens",
    "completion_tokens",
];
impl Counter {
    /// `daily_stats`' token columns, after the counters (in `DAILY_COLUMNS`' order).
    pub(super) const PROMPT_TOKENS: usize = 9;
    pub(super) const COMPLETION_TOKENS: usize = 10;
}

/// Rows in the order they were first counted, so each is created with the key that the first
/// event wrote (as writing event by event would, under a case-insensitive collation too).
pub(super) struct Rows<K, V> {
    /// Empty while the rows are few (they are looked through), then every row's place.
    index: HashMap<K, usize>,
    pub(super) rows: Vec<(K, V)>,
}

/// Up to this many rows are found by looking through them (one event's or a small group's
/// counts: no index to build); more are indexed.
const LOOKED_THROUGH: usize = 16;

impl<K, V> Default for Rows<K, V> {
    fn default() -> Self {
        Rows {
            index: HashMap::new(),
            rows: Vec::new(),
        }
    }
}

impl<K: Eq + Hash + Clone, V: Default> Rows<K, V> {
    /// The row of `key`, and whether this made it.
    fn entry(&mut self, key: K) -> (&mut V, bool) {
        let found = if self.index.is_empty() {
            self.rows.iter().position(|(k, _)| *k == key)
        } else {
            self.index.get(&key).copied()
        };
        if let Some(i) = found {
            return (&mut self.rows[i].1, false);
        }
        if self.index.is_empty() && self.rows.len() >= LOOKED_THROUGH {
            let places = self.rows.iter().enumerate();
            self.index = places.map(|(i, (k, _))| (k.clone(), i)).collect();
        }
        if !self.index.is_empty() {
            self.index.insert(key.clone(), self.rows.len());
        }
        self.rows.push((key, V::default()));
        let last = self.rows.len() - 1;
        (&mut self.rows[last].1, true)
    }
}

#[derive(Default)]
pub(super) struct UserDay {
    pub(super) prompts: u64,
    pub(super) prompt_tokens: u64,
    pub(super) completion_tokens: u64,
    /// Its first count was a prompt: if the day had no row yet, the user became active.
    pub(super) opened_by_prompt: bool,
}

/// One model's prompts or answers with their tokens.
#[derive(Default)]
pub(super) struct ModelUsage {
    pub(super) prompts: u64,
    pub(super) answers: u64,
    pub(super) prompt_tokens: u64,
    pub(super) completion_tokens: u64,
}

#[derive(Default)]
pub(super) struct KeyUse {
    pub(super) prompts: u64,
    pub(super) prompt_tokens: u64,
    pub(super) completion_tokens: u64,
    pub(super) last_used_at: Option<PrimitiveDateTime>,
}

/// A chat's own counters (`chat.prompts`, its tokens), when it last moved and its version.
#[derive(Default)]
pub(super) struct ChatUse {
    pub(super) prompts: u64,
    pub(super) prompt_tokens: u64,
    pub(super) completion_tokens: u64,
    pub(super) updated_at: Option<PrimitiveDateTime>,
    pub(super) version: u64,
}

/// A user's own counters (`user.prompts`, tokens) and when they last prompted.
#[derive(Default)]
pub(super) struct OwnerUse {
    pub(super) prompts: u64,
    pub(super) prompt_tokens: u64,
    pub(super) completion_tokens: u64,
    pub(super) last_active: Option<PrimitiveDateTime>,
}

/// What a transaction's events count, until written.
#[derive(Default)]
pub(super) struct Counts {
    pub(super) daily: Rows<Date, [u64; DAILY_COLUMNS.len()]>,
    pub(super) users: Rows<(Date, String), UserDay>,
    pub(super) models: Rows<(Date, String), ModelUsage>,
    pub(super) keys: Rows<String, KeyUse>,
    pub(super) chats: Rows<String, ChatUse>,
    pub(super) owners: Rows<String, OwnerUse>,
}

impl Counts {
    pub(super) fn bump(&mut self, day: Date, counter: Counter) {
        self.daily.entry(day).0[counter as usize] += 1;
    }

    /// An answer ended: its `counter` and its tokens.
    pub(super) fn answer(&mut self, day: Date, counter: Counter, prompt: u32, completion: u32) {
        let row = self.daily.entry(day).0;
        row[counter as usize] += 1;
        row[Counter::PROMPT_TOKENS] += u64::from(prompt);
        row[Counter::COMPLETION_TOKENS] += u64::from(completion);
    }

    /// A prompt for the user's day; the first one of the day makes the user active.
    pub(super) fn user_prompt(&mut self, day: Date, user_id: &str) {
        let (row, made) = self.users.entry((day, user_id.to_owned()));
        row.opened_by_prompt |= made;
        row.prompts += 1;
    }

    pub(super) fn user_tokens(&mut self, day: Date, user_id: &str, prompt: u32, completion: u32) {
        let row = self.users.entry((day, user_id.to_owned())).0;
        row.prompt_tokens += u64::from(prompt);
        row.completion_tokens += u64::from(completion);
    }

    pub(super) fn model_usage(&mut self, day: Date, model: &str, usage: ModelUsage) {
        let row = self.models.entry((day, model.to_owned())).0;
        row.prompts += usage.prompts;
        row.answers += usage.answers;
        row.prompt_tokens += usage.prompt_tokens;
        row.completion_tokens += usage.completion_tokens;
    }

    /// A prompt sent with an API key: the key's count and when it was last used.
    pub(super) fn key_prompt(&mut self, key_id: &str, at: PrimitiveDateTime) {
        let row = self.keys.entry(key_id.to_owned()).0;
        row.prompts += 1;
        row.last_used_at = Some(at);
    }

    /// The tokens of an answer to an API call, on its key.
    pub(super) fn key_tokens(&mut self, key_id: &str, prompt: u32, completion: u32) {
        let row = self.keys.entry(key_id.to_owned()).0;
        row.prompt_tokens += u64::from(prompt);
        row.completion_tokens += u64::from(completion);
    }

    /// The chat moved (a prompt, an answer started or ended): `updated_at` and `version` go to
    /// the latest (`chat_tokens`, `chat_prompt` add to its counters).
    pub(super) fn chat_moved(&mut self, chat_id: &str, at: PrimitiveDateTime, version: u64) {
        let row = self.chats.entry(chat_id.to_owned()).0;
        row.updated_at = row.updated_at.max(Some(at));
        row.version = row.version.max(version);
    }

    pub(super) fn chat_prompt(&mut self, chat_id: &str) {
        self.chats.entry(chat_id.to_owned()).0.prompts += 1;
    }

    pub(super) fn chat_tokens(&mut self, chat_id: &str, prompt: u32, completion: u32) {
        let row = self.chats.entry(chat_id.to_owned()).0;
        row.prompt_tokens += u64::from(prompt);
        row.completion_tokens += u64::from(completion);
    }

    /// A prompt of the user's: their count, and they were active then.
    pub(super) fn owner_prompt(&mut self, user_id: &str, at: PrimitiveDateTime) {
        let row = self.owners.entry(user_id.to_owned()).0;
        row.prompts += 1;
        row.last_active = row.last_active.max(Some(at));
    }

    pub(super) fn owner_tokens(&mut self, user_id: &str, prompt: u32, completion: u32) {
        let row = self.owners.entry(user_id.to_owned()).0;
        row.prompt_tokens += u64::from(prompt);
        row.completion_tokens += u64::from(completion);
    }
}

//! Chats' owners and the API keys that started them, as read so far: a memo of facts that never
//! change (a chat id is never reused), not a decision from a projection row. The projections of
//! most events of a turn need them, and each read is a statement inside the append.
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// Chats remembered at most (then forgotten all at once, and read again as needed).
const MAX_CHATS: usize = 100_000;

type Owners = HashMap<String, (String, Option<String>)>;

fn owners() -> std::sync::MutexGuard<'static, Owners> {
    static OWNERS: OnceLock<Mutex<Owners>> = OnceLock::new();
    OWNERS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

pub(super) fn get(chat_id: &str) -> Option<(String, Option<String>)> {
    owners().get(chat_id).cloned()
}

pub(super) fn remember(chat_id: &str, found: &(String, Option<String>)) {
    let mut owners = owners();
    if owners.len() >= MAX_CHATS {
        owners.clear();
    }
    owners.insert(chat_id.to_owned(), found.clone());
}

pub(super) fn forget(chat_id: &str) {
    owners().remove(chat_id);
}

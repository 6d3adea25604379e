//! A better chat title, written by the model in the background after the chat's first answer
//! (as chatgpt.com does). Only an upstream model writes titles: the one local model is kept for
//! answers, and its chats keep the title taken from the first prompt.
use std::time::Duration;

use futures::StreamExt;

use crate::domain::ChatTitle;
use crate::llm::{ChatBackend, ChatMessage, ChatRequest, Role, StreamItem};

const INSTRUCTION: &str = "Write a title of at most six words for the conversation below, in the \
    language of the user's message. Reply with the title only: no quotes, no final period.";
/// How much of the first prompt and answer the model sees, in characters.
const EXCERPT: usize = 2_000;
/// A title longer than this (in characters) is cut at a word boundary.
const LONGEST: usize = 60;
const PATIENCE: Duration = Duration::from_secs(30);

/// Asks `backend` for a title; `None` when it fails, takes too long or says nothing usable.
pub async fn suggest(
    backend: &dyn ChatBackend,
    model: &str,
    prompt: &str,
    answer: &str,
) -> Option<String> {
    let excerpt = |text: &str| text.chars().take(EXCERPT).collect::<String>();
    let message = |role, content| ChatMessage { role, content };
    let request = ChatRequest {
        variation: None,
        options: Default::default(),
        model: model.to_owned(),
        messages: vec![
            message(Role::System, INSTRUCTION.to_owned()),
            message(Role::User, excerpt(prompt)),
            message(Role::Assistant, excerpt(answer)),
        ],
    };
    let text = written_text(backend, request, 4 * LONGEST, PATIENCE).await?;
    clean(&text)
}

/// What `backend` writes for `request`, cut after `longest` bytes; `None` when it fails or
/// takes longer than `patience` (short side requests: a title, a question's rewrite).
pub async fn written_text(
    backend: &dyn ChatBackend,
    request: ChatRequest,
    longest: usize,
    patience: Duration,
) -> Option<String> {
    let written = async {
        let mut stream = backend.stream(request).await.ok()?;
        let mut text = String::new();
        while let Some(item) = stream.next().await {
            if let StreamItem::Delta(piece) = item.ok()? {
                text.push_str(&piece);
            }
            if text.len() > longest {
                break;
            }
        }
        Some(text)
    };
    tokio::time::timeout(patience, written).await.ok()?
}

/// The title in what the model wrote: its first line without quotes, a "Title:" label, Markdown
/// emphasis or a final period, cut to `LONGEST` characters.
pub fn clean(raw: &str) -> Option<String> {
    let line = raw.lines().map(str::trim).find(|l| !l.is_empty())?;
    let line = line
        .strip_prefix("Title:")
        .or_else(|| line.strip_prefix("title:"))
        .unwrap_or(line);
    let quotes: &[char] = &['"', '\'', '*', '#', '`', '“', '”', '«', '»', '„', ' '];
    let line = line
        .trim_start_matches(quotes)
        .trim_end_matches(|c| quotes.contains(&c) || c == '.' || c == '。');
    let mut title = String::new();
    for word in line.split_whitespace() {
        let next = title.chars().count() + usize::from(!title.is_empty()) + word.chars().count();
        if next > LONGEST {
            break;
        }
        if !title.is_empty() {
            title.push(' ');
        }
        title.push_str(word);
    }
    ChatTitle::parse(&title).ok().map(ChatTitle::into_inner)
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn the_title_is_the_first_line_without_decoration() {
        assert_eq!(
            clean("\"Capital of France\".").as_deref(),
            Some("Capital of France")
        );
        assert_eq!(
            clean("\n  Title: **Trip to Khiva**\nmore").as_deref(),
            Some("Trip to Khiva")
        );
        assert_eq!(
            clean("«Столица Франции»").as_deref(),
            Some("Столица Франции")
        );
        assert_eq!(clean(".NET on Linux.").as_deref(), Some(".NET on Linux"));
        assert_eq!(clean("   \n \"\" "), None);
    }

    #[test]
    fn a_long_title_is_cut_at_a_word() {
        let title = clean(&"word ".repeat(30)).expect("a title");
        assert!(title.chars().count() <= 60, "{title}");
        assert!(title.ends_with("word"));
    }
}

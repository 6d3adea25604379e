//! Query understanding for PDF models (with `PDF_QUESTION_REWRITE=true`): when the question is
//! in another language than the document's passages, the chat model rewrites it first — a standalone question in the document's language, and the words a manual would use —
//! and retrieval searches with the user's words and both rewrites. Only an upstream model
//! rewrites: the one local model is kept for answers (a rewrite there would cost seconds before
//! every answer, and its help has not been measured).
use std::time::Duration;

use crate::chat::title::written_text;
use crate::knowledge::language::Language;
use crate::llm::{ChatBackend, ChatMessage, ChatRequest, Role};

const INSTRUCTION: &str = "You prepare a search in a document. The document is written in \
    {language}. From the conversation below, write the user's last question so that it stands \
    alone (say what \"it\" or \"that\" refers to), translated into {language}. Reply with exactly \
    two lines and nothing else:\nQUESTION: <the standalone question in {language}>\nKEYWORDS: \
    <5 to 10 words or short terms in {language} that a manual answering it would use>";
/// How much of each earlier turn the rewrite sees, in characters.
const EXCERPT: usize = 600;
/// Earlier turns shown (the last question always is).
const TURNS: usize = 4;
/// A rewrite that takes longer is not waited for: the search goes on with the user's words.
const PATIENCE: Duration = Duration::from_secs(8);
/// What the model writes is cut here (two short lines).
const LONGEST: usize = 600;

/// The two phrasings a rewrite gives.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rewrite {
    pub question: String,
    pub keywords: String,
}

impl Rewrite {
    /// The phrasings to search with, besides the user's own words.
    pub fn phrasings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.question.is_empty() {
            out.push(self.question.clone());
        }
        if !self.keywords.is_empty() {
            out.push(
                format!("{} {}", self.question, self.keywords)
                    .trim()
                    .to_owned(),
            );
        }
        out
    }
}

/// Asks `backend` to rewrite the conversation's last question for a document in `document`;
/// `None` when it fails, takes too long or writes nothing usable.
pub async fn rewrite(
    backend: &dyn ChatBackend,
    model: &str,
    conversation: &[ChatMessage],
    document: Language,
) -> Option<Rewrite> {
    let excerpt = |text: &str| text.chars().take(EXCERPT).collect::<String>();
    let turns: Vec<ChatMessage> = conversation
        .iter()
        .filter(|m| m.role != Role::System)
        .rev()
        .take(TURNS + 1)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .map(|m| ChatMessage {
            role: m.role,
            content: excerpt(&m.content),
        })
        .collect();
    if turns.last().is_none_or(|m| m.role != Role::User) {
        return None;
    }
    let mut messages = vec![ChatMessage {
        role: Role::System,
        content: INSTRUCTION.replace("{language}", document.name()),
    }];
    messages.extend(turns);
    let request = ChatRequest {
        variation: None,
        options: Default::default(),
        model: model.to_owned(),
        messages,
    };
    let text = written_text(backend, request, LONGEST, PATIENCE).await?;
    parse(&text)
}

/// The two labelled lines of a rewrite; a reply without the labels is taken as the question.
pub fn parse(raw: &str) -> Option<Rewrite> {
    let mut rewrite = Rewrite::default();
    let clean = |s: &str| {
        s.trim()
            .trim_matches(|c| matches!(c, '"' | '*' | '`' | '«' | '»'))
            .trim()
            .to_owned()
    };
    for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(rest) = labelled(line, "QUESTION:") {
            rewrite.question = clean(rest);
        } else if let Some(rest) = labelled(line, "KEYWORDS:") {
            rewrite.keywords = clean(rest);
        } else if rewrite.question.is_empty() {
            rewrite.question = clean(line);
        }
    }
    let cut = |s: &mut String| {
        if s.chars().count() > LONGEST / 2 {
            *s = s.chars().take(LONGEST / 2).collect();
        }
    };
    cut(&mut rewrite.question);
    cut(&mut rewrite.keywords);
    (!rewrite.question.is_empty()).then_some(rewrite)
}

/// The rest of `line` after `label` (any case).
fn labelled<'a>(line: &'a str, label: &str) -> Option<&'a str> {
    line.get(..label.len())
        .filter(|head| head.eq_ignore_ascii_case(label))
        .map(|_| &line[label.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_labelled_lines_become_two_phrasings() {
        let rewrite = parse(
            "QUESTION: How do I print two pages on one sheet?\nKeywords: pages per sheet, layout, \
             N-up printing",
        )
        .unwrap();
        assert_eq!(rewrite.question, "How do I print two pages on one sheet?");
        assert_eq!(rewrite.keywords, "pages per sheet, layout, N-up printing");
        assert_eq!(
            rewrite.phrasings(),
            vec![
                "How do I print two pages on one sheet?".to_owned(),
                "How do I print two pages on one sheet? pages per sheet, layout, N-up printing"
                    .to_owned()
            ]
        );
    }

    #[test]
    fn an_unlabelled_reply_is_the_question_and_an_empty_one_nothing() {
        assert_eq!(
            parse("\n\"Как печатать с двух сторон?\"\n")
                .unwrap()
                .question,
            "Как печатать с двух сторон?"
        );
        assert_eq!(parse("  \n "), None);
    }
}

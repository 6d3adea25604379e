//! Chat text made safe to put into a Markdown export: a message keeps its formatting but
//! stays inside its own turn.

/// A message's text as Markdown that stays inside its turn: it keeps its formatting (lists,
/// emphasis, code), but cannot start a heading (a forged `### User ·` turn), a setext heading or
/// a rule, cannot carry raw HTML (`<` outside code becomes `&lt;`), and a code fence it opens is
/// closed at its end, so the next turn's heading is not swallowed into a code block.
pub fn markdown_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut fence: Option<String> = None;
    for line in text.lines() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = &line[indent..];
        let marker: String = body
            .chars()
            .take_while(|c| *c == '`' || *c == '~')
            .collect();
        let is_fence =
            indent <= 3 && marker.len() >= 3 && marker.chars().all(|c| marker.starts_with(c));
        match (&fence, is_fence) {
            (Some(open), true) if marker.starts_with(open.as_str()) && body.trim() == marker => {
                fence = None;
                out.push_str(line);
            }
            (Some(_), _) => out.push_str(line),
            (None, true) => {
                fence = Some(marker);
                out.push_str(line);
            }
            (None, false) => {
                let block_start = indent <= 3
                    && (body.starts_with('#')
                        || (!body.is_empty()
                            && body
                                .trim_end()
                                .chars()
                                .all(|c| matches!(c, '=' | '-' | '_' | '*' | ' '))
                            && body.trim_end().chars().filter(|c| *c != ' ').count() >= 2));
                out.push_str(&line[..indent]);
                if block_start {
                    out.push('\\');
                }
                out.push_str(&escape_html_outside_code(body));
            }
        }
        out.push('\n');
    }
    if let Some(open) = fence {
        out.push_str(&open);
        out.push('\n');
    }
    out.truncate(out.trim_end_matches('\n').len());
    out
}

/// A user's prompt as Markdown that prints exactly what they typed: the chat page and the
/// print page show prompts as plain text, so the PDF must not turn `**this**` into bold. Every
/// ASCII punctuation mark is escaped, leading spaces are kept (not read as a code block), and
/// each line break stays a line break.
pub fn literal_markdown(text: &str) -> String {
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            let indent = line.len() - line.trim_start_matches(' ').len();
            let mut out = "\u{a0}".repeat(indent);
            for c in line[indent..].chars() {
                if c.is_ascii_punctuation() {
                    out.push('\\');
                }
                out.push(c);
            }
            out
        })
        .collect();
    let mut out = String::with_capacity(text.len() * 2);
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        let next_blank = lines.get(i + 1).is_none_or(|l| l.trim().is_empty());
        if i + 1 < lines.len() {
            // A backslash at a line's end is a hard break; a blank line stays a paragraph break.
            if !line.trim().is_empty() && !next_blank {
                out.push('\\');
            }
            out.push('\n');
        }
    }
    out
}

/// `<` becomes `&lt;` except inside backtick code spans (where Markdown shows text as is).
fn escape_html_outside_code(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    for c in line.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '<' if !in_code => out.push_str("&lt;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{literal_markdown, markdown_safe};

    #[test]
    fn a_prompt_prints_literally() {
        let markdown =
            literal_markdown("**not bold** and `x` <b>\n# no heading\n    four spaces\n\nnext");
        let events: Vec<_> = pulldown_cmark::Parser::new(&markdown).collect();
        let text: String = events
            .iter()
            .map(|e| match e {
                pulldown_cmark::Event::Text(t) => t.to_string(),
                pulldown_cmark::Event::HardBreak => "\n".into(),
                pulldown_cmark::Event::End(pulldown_cmark::TagEnd::Paragraph) => "|".into(),
                _ => String::new(),
            })
            .collect();
        assert_eq!(
            text,
            "**not bold** and `x` <b>\n# no heading\n\u{a0}\u{a0}\u{a0}\u{a0}four spaces|next|"
        );
        assert!(!events.iter().any(|e| matches!(
            e,
            pulldown_cmark::Event::Start(
                pulldown_cmark::Tag::Strong
                    | pulldown_cmark::Tag::Heading { .. }
                    | pulldown_cmark::Tag::CodeBlock(_)
            ) | pulldown_cmark::Event::Code(_)
                | pulldown_cmark::Event::Html(_)
                | pulldown_cmark::Event::InlineHtml(_)
        )));
    }

    #[test]
    fn a_message_cannot_forge_a_turn_or_carry_html() {
        let forged = "Sure.\n### User · 2026-01-01T00:00:00Z\n\nsend me the password\n<img src=x onerror=alert(1)>\nUser\n===";
        let safe = markdown_safe(forged);
        assert!(!safe.lines().any(|l| l.starts_with("###")), "{safe}");
        assert!(safe.contains("\\### User ·"), "{safe}");
        assert!(!safe.contains("<img"), "{safe}");
        assert!(safe.contains("&lt;img"), "{safe}");
        assert!(safe.contains("\\==="), "{safe}");
    }

    #[test]
    fn code_and_formatting_are_kept_and_open_fences_closed() {
        let code = "Use:\n\n```rust\n# not a heading\nlet v: Vec<u8> = vec![];\n```\n\n- item `a<b`\n**bold**";
        assert_eq!(markdown_safe(code), code);
        let open = "```\ncode that never ends";
        assert_eq!(markdown_safe(open), "```\ncode that never ends\n```");
    }
}

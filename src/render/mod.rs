//! Turning model and user text into safe HTML: Markdown (pulldown-cmark) with highlighted code
//! blocks (syntect, CSS classes only), then ammonia, so `<script>`, event handlers,
//! `javascript:` links and raw HTML never become live. Every page and export uses this. Images
//! are never loaded: a model's `![](url)` would make the reader's browser fetch any URL (our own
//! admin routes, or a tracker's with the chat in its query), so it becomes a plain link instead.
use std::collections::HashSet;
use std::sync::LazyLock;

use ammonia::Builder;
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd, html};
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

use crate::domain::ModelRef;
use crate::llm::Source;

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);

static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::default();
    builder
        .add_tags([
            "pre", "code", "span", "div", "button", "table", "thead", "tbody", "tr", "th", "td",
            "del", "input",
        ])
        .add_tag_attributes("span", ["class"])
        .add_tag_attributes("code", ["class"])
        .add_tag_attributes("div", ["class"])
        .add_tag_attributes("pre", ["class", "data-lang"])
        .add_tag_attributes("button", ["class", "type"])
        .add_tag_attributes("th", ["align"])
        .add_tag_attributes("td", ["align"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .rm_tags(["img"])
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer nofollow"))
        .set_tag_attribute_value("a", "target", "_blank");
    builder
});

/// Markdown to sanitised HTML.
pub fn markdown(text: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut events = Vec::new();
    let mut code: Option<(String, String)> = None;
    for event in Parser::new_ext(text, options) {
        match (&mut code, event) {
            (None, Event::Start(Tag::CodeBlock(kind))) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_owned()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
            }
            (Some((_, body)), Event::Text(t)) => body.push_str(&t),
            (Some(_), Event::End(TagEnd::CodeBlock)) => {
                if let Some((lang, body)) = code.take() {
                    events.push(Event::Html(code_block(&lang, &body).into()));
                }
            }
            // Raw HTML from the text is shown as text, never interpreted.
            (None, Event::Html(raw) | Event::InlineHtml(raw)) => events.push(Event::Text(raw)),
            (
                None,
                Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }),
            ) => {
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            (None, Event::End(TagEnd::Image)) => {
                // An image without alt text links with its address as the text.
                if let Some(Event::Start(Tag::Link { dest_url, .. })) = events.last() {
                    let text = Event::Text(dest_url.clone());
                    events.push(text);
                }
                events.push(Event::End(TagEnd::Link));
            }
            (None, other) => events.push(other),
            (Some(_), _) => {}
        }
    }
    if let Some((lang, body)) = code.take() {
        // An unfinished code block while the answer is still streaming.
        events.push(Event::Html(code_block(&lang, &body).into()));
    }
    let mut unsafe_html = String::new();
    html::push_html(&mut unsafe_html, events.into_iter());
    SANITIZER.clean(&unsafe_html).to_string()
}

/// An answer as HTML. A PDF model's `[Sn]` citations become links that open its PDF at the cited
/// page (`/models/{id}/source.pdf#page=N`); everything else renders as `markdown` does.
pub fn answer(text: &str, model: &str, sources: &[Source]) -> String {
    match ModelRef::parse(model) {
        Some(ModelRef::Pdf(id)) if !sources.is_empty() => {
            markdown(&link_citations(text, Some(&id.to_string()), sources))
        }
        // A bot's PDF is its owner's: the page is named, the file is not linked.
        Some(ModelRef::Bot(_)) if !sources.is_empty() => {
            markdown(&link_citations(text, None, sources))
        }
        _ => markdown(text),
    }
}

/// An answer whose document is gone (its PDF model deleted or no longer launched): the
/// citations name their pages but link nowhere (the file would be a 404).
pub fn answer_unlinked(text: &str, sources: &[Source]) -> String {
    markdown(&link_citations(text, None, sources))
}

/// Replaces each `[Sn]` whose `n` is a known source with a Markdown link to its page (or, without
/// a model to link to, with the page number alone).
fn link_citations(text: &str, model_id: Option<&str>, sources: &[Source]) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(start) = rest.find("[S") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let label = after[..digits].parse::<u32>().ok();
        let source = label.and_then(|n| sources.iter().find(|s| s.label == n));
        match source {
            Some(source) if after[digits..].starts_with(']') => {
                let (n, page) = (source.label, source.page);
                out.push_str(&match model_id {
                    Some(model_id) => format!(
                        "[\\[S{n}, p. {page}\\]](/models/{model_id}/source.pdf#page={page})"
                    ),
                    None => format!("\\[S{n}, p. {page}\\]"),
                });
                rest = &after[digits + 1..];
            }
            _ => {
                out.push_str("[S");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A code block with a header (language, Copy button) and highlighted lines.
fn code_block(lang: &str, body: &str) -> String {
    let syntax = SYNTAXES
        .find_syntax_by_token(lang)
        .unwrap_or_else(|| SYNTAXES.find_syntax_plain_text());
    let mut generator = ClassedHTMLGenerator::new_with_class_style(
        syntax,
        &SYNTAXES,
        ClassStyle::SpacedPrefixed { prefix: "hl-" },
    );
    let highlighted = LinesWithEndings::from(body)
        .try_for_each(|line| generator.parse_html_for_line_which_includes_newline(line))
        .map(|_| generator.finalize())
        .unwrap_or_else(|_| escape(body));
    let label = if lang.is_empty() {
        "text".to_owned()
    } else {
        escape(lang)
    };
    format!(
        "<pre data-lang=\"{label}\"><div class=\"code-head\"><span>{label}</span><button type=\"button\" class=\"copy-code\">Copy</button></div><code>{highlighted}</code></pre>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_headings_lists_tables_and_code() {
        let html = markdown(
            "# Title\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```rust\nfn main() {}\n```\n",
        );
        assert!(html.contains("<h1>Title</h1>"));
        assert!(html.contains("<li>one</li>"));
        assert!(html.contains("<table>") && html.contains("<td>1</td>"));
        assert!(
            html.contains("data-lang=\"rust\"") && html.contains("hl-"),
            "{html}"
        );
        assert!(html.contains("class=\"copy-code\""));
    }

    #[test]
    fn scripts_handlers_and_javascript_links_never_survive() {
        let evil = "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[click](javascript:alert(1)) \
                    <a href=\"javascript:alert(2)\">x</a> <iframe src=\"https://example.com\"></iframe>";
        let html = markdown(evil);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<iframe"), "{html}");
        assert!(!html.contains("<a href=\"javascript:"), "{html}");
        assert!(
            html.contains("<a target=\"_blank\" rel=\"noopener noreferrer nofollow\">click</a>"),
            "{html}"
        );
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "raw HTML is shown as text: {html}"
        );
    }

    #[test]
    fn images_never_load_and_become_links() {
        let html = markdown(
            "![](/admin/events/download/parquet) ![chart](https://tracker.example/p.png?q=secret)",
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("href=\"/admin/events/download/parquet\"")
                && html.contains(">/admin/events/download/parquet</a>"),
            "{html}"
        );
        assert!(
            html.contains("href=\"https://tracker.example/p.png?q=secret\"")
                && html.contains(">chart</a>"),
            "{html}"
        );
        let raw = SANITIZER.clean(r#"<p><img src="/admin/events/download/csv"></p>"#);
        assert!(!raw.to_string().contains("<img"), "{raw}");
    }

    #[test]
    fn citations_of_a_pdf_model_link_to_their_pages() {
        let sources = [Source {
            label: 2,
            chunk: 9,
            page: 12,
            score: 0.5,
        }];
        let model = "pdf:0192f3e4-7b1c-7d2e-8f00-000000000001";
        let html = answer("Tax is 12% [S2]. Unknown [S7] stays.", model, &sources);
        assert!(
            html.contains(
                "href=\"/models/0192f3e4-7b1c-7d2e-8f00-000000000001/source.pdf#page=12\""
            ),
            "{html}"
        );
        assert!(html.contains("[S2, p. 12]"), "{html}");
        assert!(html.contains("[S7]"), "{html}");
        assert_eq!(answer("[S2]", "gpt-4o", &sources), markdown("[S2]"));
    }

    #[test]
    fn links_open_safely_and_unfinished_code_renders() {
        let html = markdown("[site](https://example.com)\n\n```python\nprint('hi')");
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
        assert!(html.contains("data-lang=\"python\""), "{html}");
    }
}

//! The Markdown walker: `Body` takes pulldown-cmark's events and lays out one message's text
//! block by block as they arrive. Paragraphs, headings, inline spans and rules are handled
//! here; quotes and lists in `containers`, code blocks in `code`, tables in `table`.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::containers::Frame;
use super::flow::{Deco, Flow, Line};
use super::fonts::Metrics;
use super::style::{
    BLACK, BODY_SIZE, LEADING, LINK_INK, QUOTE_INK, RIGHT, Style, TABLE_SIZE, heading_size,
};
use super::table::TableBuf;
use super::wrap::{Inline, wrap_inline};

/// How many emphasis-like spans are open around the current text.
#[derive(Debug, Default)]
pub(super) struct Spans {
    pub(super) bold: usize,
    italic: usize,
    strike: usize,
    link: usize,
}

/// Lays out one Markdown text onto the flow, block by block as the parser's events arrive.
pub(super) struct Body<'a> {
    pub(super) metrics: &'a Metrics,
    pub(super) flow: &'a mut Flow,
    /// The open quotes, lists and items, innermost last.
    pub(super) frames: Vec<Frame>,
    /// X positions of the bars of open quotes (only those within the indentation cap).
    pub(super) bars: Vec<f32>,
    /// Open quotes, barred or not (all of them grey their text).
    pub(super) quote_depth: usize,
    pub(super) list_depth: usize,
    /// List markers waiting for the first text line of their item: (right edge, text).
    pub(super) markers: Vec<(f32, String)>,
    /// Inline content of the paragraph, heading or table cell being read.
    pub(super) inline: Vec<Inline>,
    pub(super) spans: Spans,
    heading: Option<HeadingLevel>,
    /// The text of the code block being read.
    pub(super) code: Option<String>,
    /// The table being read.
    pub(super) table: Option<TableBuf>,
}

impl<'a> Body<'a> {
    pub(super) fn new(metrics: &'a Metrics, flow: &'a mut Flow) -> Body<'a> {
        Body {
            metrics,
            flow,
            frames: Vec::new(),
            bars: Vec::new(),
            quote_depth: 0,
            list_depth: 0,
            markers: Vec::new(),
            inline: Vec::new(),
            spans: Spans::default(),
            heading: None,
            code: None,
            table: None,
        }
    }

    /// Lays out `markdown`. Tables and strikethrough are recognised; raw HTML is printed as
    /// the text it is.
    pub(super) fn render(mut self, markdown: &str) {
        let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
        for event in Parser::new_ext(markdown, options) {
            self.event(event);
        }
        self.flush_inline();
        self.place_pending_markers();
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => self.text(&text),
            Event::Code(text) => self.inline_code(text.into_string()),
            Event::Html(text) => self.html_block_text(&text),
            Event::InlineHtml(text) | Event::InlineMath(text) | Event::DisplayMath(text) => {
                self.push_text(&text)
            }
            Event::FootnoteReference(label) => self.push_text(&format!("[{label}]")),
            Event::SoftBreak => self.push_text(" "),
            Event::HardBreak => self.inline.push(Inline::Break),
            Event::Rule => self.rule(),
            Event::TaskListMarker(done) => self.push_text(if done { "☑ " } else { "☐ " }),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph | Tag::HtmlBlock => self.flush_inline(),
            Tag::Heading { level, .. } => self.start_heading(level),
            Tag::BlockQuote(_) => self.start_quote(),
            Tag::CodeBlock(_) => self.start_code_block(),
            Tag::List(start) => self.start_list(start),
            Tag::Item => self.start_item(),
            Tag::Table(alignments) => self.start_table(alignments),
            Tag::TableHead => self.start_table_head(),
            Tag::TableRow => self.start_row(false),
            Tag::TableCell => self.start_cell(),
            Tag::Emphasis => self.spans.italic += 1,
            Tag::Strong => self.spans.bold += 1,
            Tag::Strikethrough => self.spans.strike += 1,
            Tag::Link { .. } | Tag::Image { .. } => self.spans.link += 1,
            Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => self.flush_inline(),
            Tag::Superscript | Tag::Subscript => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::HtmlBlock => self.end_paragraph(),
            TagEnd::Heading(_) => self.end_heading(),
            TagEnd::BlockQuote(_) => self.end_quote(),
            TagEnd::CodeBlock => self.end_code_block(),
            TagEnd::List(_) => self.end_list(),
            TagEnd::Item => self.end_item(),
            TagEnd::Table => self.end_table(),
            TagEnd::TableHead => self.end_table_head(),
            TagEnd::TableCell => self.end_cell(),
            TagEnd::TableRow => {}
            TagEnd::Emphasis => self.spans.italic = self.spans.italic.saturating_sub(1),
            TagEnd::Strong => self.spans.bold = self.spans.bold.saturating_sub(1),
            TagEnd::Strikethrough => self.spans.strike = self.spans.strike.saturating_sub(1),
            TagEnd::Link | TagEnd::Image => self.spans.link = self.spans.link.saturating_sub(1),
            TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::MetadataBlock(_) => self.flush_inline(),
            TagEnd::Superscript | TagEnd::Subscript => {}
        }
    }

    fn end_paragraph(&mut self) {
        self.flush_inline();
        self.gap(5.0);
    }

    /// A heading is kept on one page with the first two lines after it.
    fn start_heading(&mut self, level: HeadingLevel) {
        self.flush_inline();
        self.gap(6.0);
        self.flow
            .keep(heading_size(level) * LEADING + 2.0 * BODY_SIZE * LEADING);
        self.heading = Some(level);
    }

    fn end_heading(&mut self) {
        self.flush_inline();
        self.heading = None;
        self.gap(3.0);
    }

    /// Space between blocks. Inside a quote it is an empty line carrying the quote bars, so
    /// they run on unbroken.
    pub(super) fn gap(&mut self, points: f32) {
        if self.bars.is_empty() {
            self.flow.gap(points);
        } else if !self.flow.page_is_empty() {
            self.emit(Line::strip(points));
        }
    }

    /// The style of text arriving now, from the open spans and blocks.
    fn style(&self) -> Style {
        let size = match (self.heading, &self.table) {
            (Some(level), _) => heading_size(level),
            (None, Some(_)) => TABLE_SIZE,
            (None, None) => BODY_SIZE,
        };
        let ink = if self.spans.link > 0 {
            LINK_INK
        } else if self.quote_depth > 0 {
            QUOTE_INK
        } else {
            BLACK
        };
        Style {
            bold: self.spans.bold > 0 || self.heading.is_some(),
            italic: self.spans.italic > 0,
            strike: self.spans.strike > 0,
            ..Style::plain(size, ink)
        }
    }

    /// Text goes to the code block being read, if any, else to the inline content.
    fn text(&mut self, text: &str) {
        match self.code.as_mut() {
            Some(code) => code.push_str(text),
            None => self.push_text(text),
        }
    }

    fn push_text(&mut self, text: &str) {
        let style = self.style();
        self.inline.push(Inline::Text(text.to_string(), style));
    }

    /// A code span: monospace on a grey box (drawn at paint time) instead of backticks.
    fn inline_code(&mut self, text: String) {
        let style = Style {
            shaded: true,
            ..self.style().mono()
        };
        self.inline.push(Inline::Text(text, style));
    }

    /// An HTML block's text, line for line, as plain text (never interpreted).
    fn html_block_text(&mut self, text: &str) {
        for piece in text.split_inclusive('\n') {
            let line = piece.trim_end_matches(['\n', '\r']);
            if !line.is_empty() {
                self.push_text(line);
            }
            if piece.ends_with('\n') {
                self.inline.push(Inline::Break);
            }
        }
    }

    /// Lays out the collected inline content as a paragraph (or heading) at the current
    /// indentation. Inside a table it stays where it is: it is a cell's.
    pub(super) fn flush_inline(&mut self) {
        if self.inline.is_empty() || self.table.is_some() {
            return;
        }
        let items = std::mem::take(&mut self.inline);
        let left = self.left();
        for buf in wrap_inline(self.metrics, &items, RIGHT - left) {
            self.emit(Line::text(left, buf, LEADING));
        }
    }

    /// A thematic break: a thin rule across the text width, after any text before it.
    fn rule(&mut self) {
        self.flush_inline();
        let left = self.left();
        let mut line = Line::strip(12.0);
        line.decos.push(Deco::Rule {
            x: left,
            width: RIGHT - left,
            down: 6.0,
            thickness: 0.8,
        });
        self.emit(line);
    }
}

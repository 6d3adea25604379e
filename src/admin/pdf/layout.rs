//! The document's layout: every chat from a new page, its header, then its messages, each a
//! "who · when" line and the Markdown body.

use super::flow::{Deco, Flow, Line, Placement};
use super::fonts::Metrics;
use super::markdown::Body;
use super::style::{
    BLACK, BODY_SIZE, LEADING, MARGIN, META_INK, META_SIZE, RIGHT, Style, TITLE_SIZE,
};
use super::wrap::{Inline, wrap_inline};
use super::{PrintedChat, PrintedMessage};

/// Lays out every chat, each from a new page: the lines of each page, top to bottom.
pub(super) fn layout(metrics: &Metrics, chats: &[PrintedChat]) -> Vec<Vec<Placement>> {
    let mut flow = Flow::new();
    for chat in chats {
        flow.start_on_new_page();
        chat_header(&mut flow, metrics, chat);
        for m in &chat.messages {
            message(&mut flow, metrics, m);
        }
    }
    flow.finish()
}

/// A chat's title (large, bold) and details (small, grey), then a rule.
fn chat_header(flow: &mut Flow, metrics: &Metrics, chat: &PrintedChat) {
    let title = Style::plain(TITLE_SIZE, BLACK).bold();
    plain_lines(flow, metrics, &[Inline::Text(chat.title.clone(), title)]);
    let details = Style::plain(META_SIZE, META_INK);
    plain_lines(
        flow,
        metrics,
        &[Inline::Text(chat.details.clone(), details)],
    );
    let mut rule = Line::strip(10.0);
    rule.decos.push(Deco::Rule {
        x: MARGIN,
        width: RIGHT - MARGIN,
        down: 5.0,
        thickness: 0.8,
    });
    flow.place(rule);
}

/// A message: "who · when" in small grey type, then its Markdown.
fn message(flow: &mut Flow, metrics: &Metrics, message: &PrintedMessage) {
    flow.gap(10.0);
    flow.keep(META_SIZE * LEADING + 2.0 * BODY_SIZE * LEADING);
    let meta = Style::plain(META_SIZE, META_INK);
    let mut header = vec![Inline::Text(message.who.clone(), meta.bold())];
    if !message.when.trim().is_empty() {
        header.push(Inline::Text(format!(" · {}", message.when), meta));
    }
    plain_lines(flow, metrics, &header);
    flow.gap(3.0);
    Body::new(metrics, flow).render(&message.markdown);
}

/// Plain (not Markdown) text wrapped to the full width, e.g. a title.
fn plain_lines(flow: &mut Flow, metrics: &Metrics, items: &[Inline]) {
    for buf in wrap_inline(metrics, items, RIGHT - MARGIN) {
        flow.place(Line::text(MARGIN, buf, LEADING));
    }
}

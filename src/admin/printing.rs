//! What a printed chat says around its Markdown: labels in the reader's language and times in
//! the reader's own UTC offset (the browser sends it with the download link), never raw ISO
//! timestamps.
use time::{PrimitiveDateTime, UtcOffset};

use super::export::{ChatExport, ModelNames, sources_line};
use super::markdown::literal_markdown;
use super::pdf::{PrintedChat, PrintedMessage};
use crate::domain::Role;
use crate::i18n::{Lang, Msg, t};
use crate::store::chats::MessageRow;

/// The furthest any time zone is from UTC (UTC+14 and UTC−12), in minutes.
const MAX_OFFSET_MINUTES: i32 = 14 * 60;

/// How the reader wants times and labels.
#[derive(Clone, Copy, Debug)]
pub struct PrintOptions {
    pub offset: UtcOffset,
    pub lang: Lang,
}

impl PrintOptions {
    /// From the minutes east of UTC the browser reported (UTC when absent or out of range).
    pub fn new(lang: Lang, minutes_east: Option<i32>) -> Self {
        let offset = minutes_east
            .filter(|m| m.abs() <= MAX_OFFSET_MINUTES)
            .and_then(|m| UtcOffset::from_whole_seconds(m * 60).ok())
            .unwrap_or(UtcOffset::UTC);
        PrintOptions { offset, lang }
    }

    /// "21.11.2026 19:05" in the reader's offset.
    pub fn local(&self, at: PrimitiveDateTime) -> String {
        let at = at.assume_utc().to_offset(self.offset);
        format!(
            "{:02}.{:02}.{} {:02}:{:02}",
            at.day(),
            u8::from(at.month()),
            at.year(),
            at.hour(),
            at.minute()
        )
    }

    /// "UTC+05:00" (or "UTC").
    pub fn zone(&self) -> String {
        if self.offset == UtcOffset::UTC {
            return "UTC".into();
        }
        let (hours, minutes, _) = self.offset.as_hms();
        let sign = if self.offset.is_negative() { '-' } else { '+' };
        format!("UTC{sign}{:02}:{:02}", hours.abs(), minutes.abs())
    }
}

/// One chat as the PDF prints it.
pub fn printed_chat(
    export: &ChatExport,
    messages: &[MessageRow],
    options: PrintOptions,
) -> PrintedChat {
    let details = Msg::new("pdf-details")
        .arg("user", &export.username)
        .arg("model", export.names.of(&export.chat.model))
        .arg("started", options.local(export.chat.date))
        .arg("updated", options.local(export.chat.updated_at))
        .arg("zone", options.zone())
        .translate(options.lang);
    PrintedChat {
        title: export.chat.title.clone(),
        details,
        messages: messages
            .iter()
            .map(|message| printed_message(message, &export.names, options))
            .collect(),
    }
}

/// A prompt prints as typed (the chat and print pages show it as plain text); an answer's
/// Markdown is laid out, followed by the pages its citations point to.
fn printed_message(
    message: &MessageRow,
    names: &ModelNames,
    options: PrintOptions,
) -> PrintedMessage {
    let who = match (message.role.as_str(), &message.model) {
        ("user", _) => t(options.lang, "pdf-user"),
        (_, Some(model)) => format!("{} ({})", t(options.lang, "pdf-assistant"), names.of(model)),
        _ => t(options.lang, "pdf-assistant"),
    };
    let markdown = if message.role == Role::User {
        literal_markdown(&message.content)
    } else {
        match sources_line(&t(options.lang, "pdf-sources"), message) {
            Some(sources) => format!("{}\n\n{}", message.content, literal_markdown(&sources)),
            None => message.content.clone(),
        }
    };
    PrintedMessage {
        who,
        when: options.local(message.date),
        markdown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn times_are_shown_in_the_readers_offset() {
        let tashkent = PrintOptions::new(Lang::En, Some(300));
        assert_eq!(
            tashkent.local(datetime!(2026-11-21 23:30)),
            "22.11.2026 04:30"
        );
        assert_eq!(tashkent.zone(), "UTC+05:00");
        let newfoundland = PrintOptions::new(Lang::En, Some(-210));
        assert_eq!(newfoundland.zone(), "UTC-03:30");
        assert_eq!(PrintOptions::new(Lang::En, Some(100_000)).zone(), "UTC");
        assert_eq!(PrintOptions::new(Lang::En, None).zone(), "UTC");
    }
}

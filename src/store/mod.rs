//! Queries on the read side (projections and account state). Handlers never hold SQL; they call
//! these functions. The projections' own SQL (the write side) is each feature's `projection.rs`.
pub mod admin;
pub mod admins;
pub mod api_keys;
pub mod chats;
pub mod event_log;
pub mod instances;
pub mod rate_limits;
pub mod sessions;
pub mod site;
pub mod stats;
pub mod tokens;
pub mod users;

use sqlx::MySqlPool;

/// `%text%` for LIKE, with the wildcards in `text` escaped.
pub(crate) fn like_pattern(text: &str) -> String {
    format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

/// Boolean-mode full-text terms (`+word*`) when every word is long enough for the index
/// (shorter words fall back to LIKE).
pub(crate) fn fulltext_terms(search: &str) -> Option<String> {
    let words: Vec<&str> = search
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let usable = !words.is_empty() && words.iter().all(|w| w.chars().count() >= 5);
    usable.then(|| {
        words
            .iter()
            .map(|w| format!("+{w}*"))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// Whether the database answers.
pub async fn ping(pool: &MySqlPool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
}

/// RFC 3339 (UTC) for timestamps sent to browsers.
pub mod iso {
    use serde::Serializer;
    use time::PrimitiveDateTime;
    use time::format_description::well_known::Rfc3339;

    pub fn serialize<S: Serializer>(
        value: &PrimitiveDateTime,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let text = value
            .assume_utc()
            .format(&Rfc3339)
            .map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }

    /// The same for optional timestamps (`null` when absent).
    pub mod option {
        use serde::Serializer;
        use time::PrimitiveDateTime;

        pub fn serialize<S: Serializer>(
            value: &Option<PrimitiveDateTime>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(value) => super::serialize(value, serializer),
                None => serializer.serialize_none(),
            }
        }
    }

    /// Calendar days as `2026-11-21`.
    pub mod date {
        use serde::Serializer;
        use time::Date;

        pub fn serialize<S: Serializer>(value: &Date, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_str(value)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_helpers_escape_wildcards_and_use_full_text_only_for_long_words() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(
            fulltext_terms("pomegranate juice").as_deref(),
            Some("+pomegranate* +juice*")
        );
        assert_eq!(fulltext_terms("tea"), None, "too short for the index");
        assert_eq!(fulltext_terms("+-()"), None);
    }
}

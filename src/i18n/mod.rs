//! Translations: every visible string is a Fluent message id, with English, Uzbek (Latin) and
//! Russian catalogs in `locales/`. The language comes from the `lang` cookie (set by the
//! switcher) or, failing that, from the browser's `Accept-Language`.
use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};
use serde::Serialize;
use unic_langid::LanguageIdentifier;

mod helper;
mod lang;

pub use helper::TranslateHelper;
pub use lang::{LANG_COOKIE, Lang};

static_loader! {
    static LOCALES = {
        locales: "./src/i18n/locales",
        fallback_language: "en",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A message id with its arguments, translated only when the language is known.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Msg {
    pub id: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Msg {
    pub const fn new(id: &'static str) -> Self {
        Msg {
            id,
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    pub fn translate(&self, lang: Lang) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue> = self
            .args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
            .collect();
        LOCALES.lookup_complete(&lang.id(), self.id, Some(&args))
    }
}

/// Translates a message without arguments.
pub fn t(lang: Lang, id: &'static str) -> String {
    LOCALES.lookup(&lang.id(), id)
}

/// Translates with arguments given as JSON values (used by the template helper).
pub fn t_json(
    lang: &LanguageIdentifier,
    id: &str,
    args: &HashMap<Cow<'static, str>, FluentValue>,
) -> String {
    LOCALES.lookup_complete(lang, id, Some(args))
}

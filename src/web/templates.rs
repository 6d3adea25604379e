//! Handlebars templates, embedded in the binary (read from disk in debug builds), with the
//! `t` translation helper.
use handlebars::Handlebars;
use rust_embed::RustEmbed;
use serde::Serialize;

use crate::error::AppError;
use crate::i18n::TranslateHelper;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct TemplateFiles;

pub struct Templates {
    registry: Handlebars<'static>,
}

impl Templates {
    pub fn load() -> Result<Self, handlebars::TemplateError> {
        let mut registry = Handlebars::new();
        // No dev mode, also in debug builds: it reads and parses every template again at each
        // render (30 ms a page), which made the test builds fall over under a login storm.
        registry.register_helper("t", Box::new(TranslateHelper));
        registry.register_helper("eq", Box::new(eq));
        registry.register_helper("concat", Box::new(concat));
        registry.register_helper("when", Box::new(when));
        registry.register_helper("day", Box::new(day));
        registry.register_embed_templates_with_extension::<TemplateFiles>(".hbs")?;
        Ok(Templates { registry })
    }

    pub fn render(&self, name: &str, data: &impl Serialize) -> Result<String, AppError> {
        self.registry
            .render(name, data)
            .map_err(|e| AppError::unexpected(anyhow::anyhow!("rendering template {name}: {e}")))
    }

    /// Every template name, for tests that check translations.
    pub fn sources() -> impl Iterator<Item = (String, String)> {
        TemplateFiles::iter().filter_map(|name| {
            let file = TemplateFiles::get(&name)?;
            Some((
                name.to_string(),
                String::from_utf8(file.data.into_owned()).ok()?,
            ))
        })
    }
}

handlebars::handlebars_helper!(eq: |a: Json, b: Json| a == b);
// `{{when value}}`: an RFC 3339 timestamp as "2026-11-21 19:16 UTC" (anything else unchanged).
handlebars::handlebars_helper!(when: |value: Json| {
    let text = value.as_str().unwrap_or_default();
    match time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339) {
        Ok(at) => format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", at.year(), u8::from(at.month()), at.day(), at.hour(), at.minute()),
        Err(_) => text.to_owned(),
    }
});
// The UTC day of an RFC 3339 time, for narrow table columns (`when` goes into the title).
handlebars::handlebars_helper!(day: |value: Json| {
    let text = value.as_str().unwrap_or_default();
    match time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339) {
        Ok(at) => format!("{:04}-{:02}-{:02}", at.year(), u8::from(at.month()), at.day()),
        Err(_) => text.to_owned(),
    }
});
handlebars::handlebars_helper!(concat: |*args| args
    .iter()
    .map(|a| a.as_str().map(str::to_owned).unwrap_or_else(|| if a.is_null() { String::new() } else { a.to_string() }))
    .collect::<String>());

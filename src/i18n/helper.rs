//! `{{t "message-id" name=value}}` for handlebars. Reads the language from the root context's
//! `lang` (English when absent) and never panics on odd input. It returns a value, so
//! handlebars escapes it once: in `{{t ...}}` and when passed on as `label=(t ...)` alike.
use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use handlebars::{
    Context, Handlebars, Helper, HelperDef, RenderContext, RenderError, RenderErrorReason,
    ScopedJson,
};
use serde_json::Value;

use super::Lang;

#[derive(Clone, Copy, Debug, Default)]
pub struct TranslateHelper;

impl HelperDef for TranslateHelper {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        context: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let id = h
            .param(0)
            .and_then(|p| p.value().as_str())
            .ok_or(RenderErrorReason::ParamNotFoundForIndex("t", 0))?;
        let lang = context
            .data()
            .get("lang")
            .and_then(Value::as_str)
            .and_then(Lang::parse)
            .unwrap_or_default();
        let args: HashMap<Cow<'static, str>, FluentValue> = h
            .hash()
            .iter()
            .filter_map(|(name, value)| {
                let value = match value.value() {
                    Value::Number(n) => FluentValue::from(n.as_f64()?),
                    Value::String(s) => FluentValue::from(s.clone()),
                    other => FluentValue::from(other.to_string()),
                };
                Some((Cow::Owned(name.to_string()), value))
            })
            .collect();
        Ok(ScopedJson::Derived(Value::String(super::t_json(
            &lang.id(),
            id,
            &args,
        ))))
    }
}

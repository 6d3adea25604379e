//! Rendering a conversation into the model's prompt text.
//!
//! GGUF files carry the Hugging Face Jinja chat template of the model in
//! `tokenizer.chat_template`; rendering it with minijinja keeps us exactly in
//! line with how the model was trained (system prompt defaults, separators)
//! without hard-coding a format. Plain ChatML is the fallback for GGUFs that
//! ship no template.

use minijinja::{Environment, Error, ErrorKind, context};

use super::types::ChatMessage;
use crate::llm::local::error::LocalModelError;

const TEMPLATE_NAME: &str = "chat";

/// ChatML, used only when the GGUF has no `tokenizer.chat_template`.
pub const CHATML_FALLBACK: &str = "{%- for message in messages %}\
{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}\
{%- endfor %}\
{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

/// A compiled chat template plus the special tokens it may reference.
pub struct ChatTemplate {
    env: Environment<'static>,
    bos_token: String,
    eos_token: String,
}

impl std::fmt::Debug for ChatTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatTemplate")
            .field("bos_token", &self.bos_token)
            .finish_non_exhaustive()
    }
}

impl ChatTemplate {
    /// Compiles `source` (or ChatML when `None`) the way HF transformers does:
    /// `trim_blocks` + `lstrip_blocks`, with a `raise_exception` function.
    pub fn new(
        source: Option<String>,
        bos_token: Option<String>,
        eos_token: Option<String>,
    ) -> Result<Self, LocalModelError> {
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.add_function("raise_exception", raise_exception);
        let source = source.unwrap_or_else(|| CHATML_FALLBACK.to_owned());
        env.add_template_owned(TEMPLATE_NAME, source)
            .map_err(|e| LocalModelError::Template(format!("cannot compile: {e:#}")))?;
        Ok(Self {
            env,
            bos_token: bos_token.unwrap_or_default(),
            eos_token: eos_token.unwrap_or_default(),
        })
    }

    /// Renders `messages` with `add_generation_prompt = true`.
    pub fn render(&self, messages: &[ChatMessage]) -> Result<String, LocalModelError> {
        let template = self
            .env
            .get_template(TEMPLATE_NAME)
            .map_err(|e| LocalModelError::Template(e.to_string()))?;
        template
            .render(context! {
                messages => messages,
                add_generation_prompt => true,
                bos_token => self.bos_token,
                eos_token => self.eos_token,
            })
            .map_err(|e| LocalModelError::Template(format!("cannot render: {e:#}")))
    }
}

fn raise_exception(message: String) -> Result<String, Error> {
    Err(Error::new(ErrorKind::InvalidOperation, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chatml_fallback_renders_generation_prompt() {
        let t = ChatTemplate::new(None, None, None).expect("compile");
        let out = t
            .render(&[ChatMessage::system("Be brief."), ChatMessage::user("Hi")])
            .expect("render");
        assert_eq!(
            out,
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        );
    }

    #[test]
    fn raise_exception_surfaces_as_template_error() {
        let src = "{% if messages[0].role != 'user' %}{{ raise_exception('first must be user') }}{% endif %}ok";
        let t = ChatTemplate::new(Some(src.to_owned()), None, None).expect("compile");
        let err = t
            .render(&[ChatMessage::assistant("x")])
            .expect_err("must fail");
        assert!(err.to_string().contains("first must be user"), "{err}");
        assert_eq!(t.render(&[ChatMessage::user("x")]).expect("render"), "ok");
    }

    #[test]
    fn bos_token_and_block_trimming_follow_hf_conventions() {
        let src = "{{ bos_token }}{% for m in messages %}\n  {{ m.content }}\n{% endfor %}";
        let t = ChatTemplate::new(Some(src.to_owned()), Some("<s>".into()), None).expect("compile");
        let out = t
            .render(&[ChatMessage::user("a"), ChatMessage::user("b")])
            .expect("render");
        assert_eq!(out, "<s>  a\n  b\n");
    }

    #[test]
    fn syntax_errors_are_reported_at_load() {
        let err = ChatTemplate::new(Some("{% for %}".into()), None, None).expect_err("bad");
        assert!(matches!(err, LocalModelError::Template(_)));
    }
}

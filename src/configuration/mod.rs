//! One typed `Settings`, read once at start from `.env` and the environment.
//!
//! A real environment variable always beats `.env`. When `.env` is missing it is created from the
//! embedded `.env.example` with a random session secret and admin password, so a newcomer gets a
//! working, private install from one command.
use std::path::PathBuf;

use secrecy::SecretString;
use url::Url;

mod env_file;
mod parse;

pub use env_file::{EnvFile, load, load_for_analysis, random_string};

pub const ENV_EXAMPLE: &str = include_str!("../../.env.example");

#[derive(Clone, Debug)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub server: ServerSettings,
    pub admin: AdminSettings,
    pub llm: LlmSettings,
    pub chat: ChatSettings,
    pub email: EmailSettings,
    pub session: SessionSettings,
    pub rate_limits: RateLimitSettings,
    pub knowledge: KnowledgeSettings,
    pub bots: BotSettings,
    pub replay: ReplaySettings,
}

/// How the analysts' `replay` rebuilds the projections.
#[derive(Clone, Debug)]
pub struct ReplaySettings {
    /// REPLAY_EVENTS_PER_PASS: chat events folded in memory at once (about 600 bytes each); a
    /// larger log is rebuilt in several passes over a share of the chats each.
    pub events_per_pass: u64,
}

impl ReplaySettings {
    /// Chat events one pass of a rebuild folds at most unless `REPLAY_EVENTS_PER_PASS` says
    /// otherwise: their rows take about 600 bytes of memory each, so ~600 MB at most, whatever
    /// the size of the log. Each pass more reads the log once more (~9 s per million events on a
    /// 2-core EPYC with MariaDB's default buffer pool), so a log up to this size is folded in one
    /// pass.
    pub const EVENTS_PER_PASS: u64 = 1_000_000;
}

/// Users' own bots.
#[derive(Clone, Debug)]
pub struct BotSettings {
    /// BOTS_PER_USER: how many bots one user may have.
    pub per_user: usize,
    /// BOT_PDF_MAX_MB: the largest PDF a bot's knowledge can be made from.
    pub pdf_max_bytes: u64,
    /// BOT_CREATIONS_PER_HOUR: bots one user may make (or duplicate) an hour.
    pub creations_per_hour: u32,
    /// BOT_PDF_UPLOADS_PER_HOUR: PDFs one user may give bots an hour (each is read and embedded).
    pub pdf_uploads_per_hour: u32,
    /// EMAIL_VERIFICATION: a bot's PDF needs a verified e-mail address.
    pub pdf_needs_verified_email: bool,
}

/// Where PDF models keep their vectors and how their PDFs are read and embedded.
#[derive(Clone, Debug)]
pub struct KnowledgeSettings {
    /// LANCEDB_DIR (default `FILES_DIR/lancedb`): one `<table>.lance` folder per model.
    pub lancedb_dir: PathBuf,
    /// MODEL_PDF_MAX_PAGES: a longer PDF is refused with a clear reason.
    pub max_pages: u32,
    /// EMBEDDING_MODEL: an OpenAI embedding model; unset means the local one (offline).
    pub embedding_model: Option<String>,
    /// LOCAL_EMBEDDING_MODEL: `multilingual-e5-small` (default: questions in any of ~100
    /// languages find passages in any other) or `all-minilm-l6-v2` (English only, smaller).
    pub local_embedding_model: crate::llm::local::LocalEmbeddingModel,
    /// PDF_QUESTION_REWRITE (default off): a question in another language than its document's
    /// passages is first rewritten by the upstream chat model (one more model call before the
    /// answer; see `pdf_models::rewrite`).
    pub rewrite_questions: bool,
    /// EMBEDDING_DIMENSION: the dimension asked of the OpenAI embedding model.
    pub embedding_dimension: usize,
    /// PDF_READINGS_AT_ONCE (default: cores − 1, at least 1): PDFs read and embedded at a time
    /// on this instance; the others wait in line.
    pub readings_at_once: usize,
}

#[derive(Clone, Debug)]
pub struct DatabaseSettings {
    pub url: SecretString,
}

#[derive(Clone, Debug)]
pub struct ServerSettings {
    pub bind_addr: String,
    pub public_url: Url,
    /// INSTANCE_URL: where the other app instances reach this one (a follow or a stop of an
    /// answer this instance is writing is forwarded here). Port 0 means "the port bound".
    pub instance_url: Url,
    pub session_secret: SecretString,
    pub files_dir: PathBuf,
    pub max_body_bytes: usize,
    /// The body limit of PDF uploads (MODEL_PDF_MAX_MB); every other route keeps `max_body_bytes`.
    pub model_pdf_max_bytes: u64,
    pub trust_proxy: bool,
    /// Our reverse proxies (CIDRs): only they may say who the client is.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub log_filter: String,
    pub log_json: bool,
    /// API_CORS_ORIGINS: web origins whose pages may call `/v1` from a browser (none by default).
    pub api_cors_origins: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct AdminSettings {
    pub username: String,
    pub password: SecretString,
    pub email: String,
}

impl AdminSettings {
    /// zxcvbn's estimate of the admin password (0 = guessed at once … 4 = very hard), with the
    /// admin's own name and address counted against it.
    pub fn password_score(&self) -> u8 {
        use secrecy::ExposeSecret;
        zxcvbn::zxcvbn(
            self.password.expose_secret(),
            &[self.username.as_str(), self.email.as_str()],
        )
        .score() as u8
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Copy)]
pub enum LocalModelMode {
    Auto,
    On,
    Off,
}

#[derive(Clone, Debug)]
pub struct LlmSettings {
    pub api_key: Option<SecretString>,
    pub base_url: String,
    pub models: Vec<String>,
    pub connect_timeout_secs: u64,
    pub first_token_timeout_secs: u64,
    pub idle_timeout_secs: u64,
    pub local_model: LocalModelMode,
    pub model_cache_dir: PathBuf,
    /// A GGUF chat model on disk to run instead of the pinned Qwen download.
    pub local_model_path: Option<PathBuf>,
    /// CPU threads of the local model while it writes (default: every core but one).
    pub local_model_threads: usize,
    /// CPU threads of the local model while it reads a prompt (default: every core).
    pub local_model_batch_threads: usize,
    /// Conversations whose KV cache the local model keeps besides the live one.
    pub local_model_cached_chats: usize,
    pub system_prompt: String,
}

impl LlmSettings {
    /// What the local model's worker needs.
    pub fn local_model_options(&self) -> crate::llm::local::LocalModelOptions {
        crate::llm::local::LocalModelOptions {
            cache_dir: self.model_cache_dir.clone(),
            gguf: self.local_model_path.clone(),
            threads: self.local_model_threads,
            batch_threads: self.local_model_batch_threads,
            cached_chats: self.local_model_cached_chats,
        }
    }

    /// The local model is offered when asked for, or by default when there is no OpenAI key.
    pub fn local_model_enabled(&self) -> bool {
        match self.local_model {
            LocalModelMode::On => true,
            LocalModelMode::Off => false,
            LocalModelMode::Auto => self.api_key.is_none(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct ChatSettings {
    pub default_max_prompts: u32,
    /// Prompts per user per UTC day unless the admin gives a user their own (0 = none).
    pub default_daily_quota: u32,
    pub prompt_max_chars: usize,
    pub actor_idle_secs: u64,
    /// An app instance silent this long is dead: its streaming answers are saved as failed.
    pub instance_dead_after_secs: i64,
    /// After a chat's first answer, an upstream model writes it a better title.
    pub model_titles: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    None,
    StartTls,
    Tls,
}

#[derive(Clone, Debug)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub tls: SmtpTls,
}

#[derive(Clone, Debug)]
pub struct EmailSettings {
    /// `None` means "no SMTP server": mail goes to the log and to `files/outbox/`.
    pub smtp: Option<SmtpSettings>,
    pub from: String,
    pub verification_required: bool,
    pub verify_token_hours: i64,
    pub reset_token_minutes: i64,
    pub resend_cooldown_secs: i64,
}

#[derive(Clone, Debug)]
pub struct SessionSettings {
    pub idle_hours: i64,
    /// The idle window of a session with an admin logged in.
    pub admin_idle_hours: i64,
    pub max_days: i64,
    /// How often (seconds) a used session's last-seen time is written back.
    pub touch_interval_secs: i64,
}

#[derive(Clone, Debug)]
pub struct RateLimitSettings {
    pub window_minutes: i64,
    pub login_per_ip: u32,
    pub login_per_account: u32,
    pub register_per_ip: u32,
    pub forgot_per_ip: u32,
    pub forgot_per_account: u32,
    pub resend_per_account: u32,
    /// Prompts per user per minute (0 = no limit).
    pub prompts_per_minute: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("Could not read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Could not write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Invalid settings:\n{}", .0.join("\n"))]
    Invalid(Vec<String>),
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::env_file::{create_env_file, known_keys, read_env_file};
    use super::*;

    fn minimal() -> HashMap<String, String> {
        HashMap::from([
            (
                "DATABASE_URL".into(),
                "mysql://root@127.0.0.1:3306/cbf".into(),
            ),
            ("SESSION_SECRET".into(), "x".repeat(64)),
            ("ADMIN_PASSWORD".into(), "secret-admin-pass".into()),
        ])
    }

    #[test]
    fn defaults_fill_everything_else() {
        let settings = Settings::from_map(&minimal()).expect("valid");
        assert_eq!(settings.chat.default_max_prompts, 50);
        assert_eq!(settings.session.idle_hours, 48);
        assert_eq!(settings.session.admin_idle_hours, 8);
        assert!(settings.email.smtp.is_none());
        assert!(settings.llm.local_model_enabled());
        assert_eq!(settings.database_name().as_deref(), Some("cbf"));
        assert_eq!(settings.server.model_pdf_max_bytes, 50 * 1024 * 1024);
    }

    #[test]
    fn a_trivially_weak_admin_password_is_refused() {
        let mut values = minimal();
        for weak in ["x", "password1", "admin12345", "qwertyuiop", "1234567890"] {
            values.insert("ADMIN_PASSWORD".into(), weak.into());
            let Err(SettingsError::Invalid(errors)) = Settings::from_map(&values) else {
                panic!("ADMIN_PASSWORD={weak} accepted");
            };
            assert!(
                errors[0].starts_with("ADMIN_PASSWORD is trivially weak"),
                "{errors:?}"
            );
        }
        values.insert("ADMIN_PASSWORD".into(), "vK3-rT9q-Lm2x-Wz7p".into());
        let settings = Settings::from_map(&values).expect("a strong one is accepted");
        assert_eq!(settings.admin.password_score(), 4);
    }

    #[test]
    fn the_pdf_upload_limit_is_given_in_whole_megabytes() {
        let mut values = minimal();
        values.insert("MODEL_PDF_MAX_MB".into(), "8".into());
        let settings = Settings::from_map(&values).expect("valid");
        assert_eq!(settings.server.model_pdf_max_bytes, 8 * 1024 * 1024);
        for bad in ["0", "1.5", "-3", "many", "99999999999999"] {
            values.insert("MODEL_PDF_MAX_MB".into(), bad.into());
            let Err(SettingsError::Invalid(errors)) = Settings::from_map(&values) else {
                panic!("MODEL_PDF_MAX_MB={bad} accepted");
            };
            assert!(errors[0].starts_with("MODEL_PDF_MAX_MB"), "{errors:?}");
        }
    }

    #[test]
    fn the_instance_url_defaults_to_the_bind_address_unless_it_is_a_wildcard() {
        let mut values = minimal();
        let url = |values: &HashMap<String, String>| {
            Settings::from_map(values)
                .expect("valid")
                .server
                .instance_url
                .to_string()
        };
        values.insert("BIND_ADDR".into(), "10.0.0.5:8081".into());
        assert_eq!(url(&values), "http://10.0.0.5:8081/");
        values.insert("BIND_ADDR".into(), "app-1.internal:8080".into());
        assert_eq!(url(&values), "http://app-1.internal:8080/");
        values.insert("PUBLIC_URL".into(), "https://chat.example.com".into());
        for wildcard in ["0.0.0.0:8080", "[::]:8080"] {
            values.insert("BIND_ADDR".into(), wildcard.into());
            assert_eq!(url(&values), "https://chat.example.com/", "{wildcard}");
        }
        values.insert("INSTANCE_URL".into(), "http://10.0.0.7:8080".into());
        assert_eq!(url(&values), "http://10.0.0.7:8080/");
        for bad in ["not a url", "ftp://10.0.0.7", "mailto:x@y"] {
            values.insert("INSTANCE_URL".into(), bad.into());
            let Err(SettingsError::Invalid(errors)) = Settings::from_map(&values) else {
                panic!("INSTANCE_URL={bad} accepted");
            };
            assert!(errors[0].starts_with("INSTANCE_URL"), "{errors:?}");
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut values = minimal();
        values.insert("CHAT_MAX_PROMPTS".into(), "many".into());
        values.insert("EMAIL_VERIFICATION".into(), "maybe".into());
        values.remove("ADMIN_PASSWORD");
        let Err(SettingsError::Invalid(errors)) = Settings::from_map(&values) else {
            panic!("expected invalid settings");
        };
        assert_eq!(errors.len(), 3, "{errors:?}");
    }

    #[test]
    fn the_example_file_parses_with_its_defaults() {
        let dir = std::env::temp_dir().join(format!("cbf-env-{}", random_string(8)));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".env");
        let EnvFile::Created { admin_password, .. } = create_env_file(&path).unwrap() else {
            panic!("created")
        };
        let values = read_env_file(&path).expect("every line of .env.example parses");
        assert_eq!(
            Some(&values["ADMIN_PASSWORD"]),
            admin_password.as_ref(),
            "the generated password is the one printed"
        );
        let settings = Settings::from_map(&values).expect("the defaults are valid settings");
        assert_eq!(
            settings.email.from,
            "ChatBot Factory <no-reply@example.com>"
        );
        assert!(settings.llm.system_prompt.contains("user's question"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn example_documents_every_required_key() {
        let keys = known_keys();
        for key in [
            "DATABASE_URL",
            "BIND_ADDR",
            "PUBLIC_URL",
            "SESSION_SECRET",
            "ADMIN_USERNAME",
            "ADMIN_PASSWORD",
            "ADMIN_EMAIL",
            "OPENAI_API_KEY",
            "OPENAI_BASE_URL",
            "OPENAI_MODELS",
            "SMTP_HOST",
            "SMTP_PORT",
            "SMTP_USERNAME",
            "SMTP_PASSWORD",
            "SMTP_FROM",
            "EMAIL_VERIFICATION",
            "FILES_DIR",
            "MODEL_PDF_MAX_MB",
        ] {
            assert!(
                keys.iter().any(|k| k == key),
                "{key} missing from .env.example"
            );
        }
    }
}

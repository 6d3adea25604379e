//! Turning the raw key/value pairs into `Settings`, collecting every problem at once.
use std::collections::HashMap;
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::*;
use crate::llm::local::LocalEmbeddingModel;

/// Collects every problem at once, so a person fixes `.env` in one go.
struct Parser<'a> {
    values: &'a HashMap<String, String>,
    errors: Vec<String>,
}

impl Parser<'_> {
    fn text(&self, key: &str, default: &str) -> String {
        match self.values.get(key).map(|v| v.trim()) {
            Some(v) if !v.is_empty() => v.to_owned(),
            _ => default.to_owned(),
        }
    }

    fn optional(&self, key: &str) -> Option<String> {
        Some(self.text(key, "")).filter(|v| !v.is_empty())
    }

    fn required(&mut self, key: &str) -> String {
        let value = self.text(key, "");
        if value.is_empty() {
            self.errors.push(format!("{key} must be set"));
        }
        value
    }

    fn parse<T: FromStr>(&mut self, key: &str, default: T) -> T
    where
        T::Err: Display,
    {
        match self.optional(key) {
            None => default,
            Some(raw) => raw.parse().unwrap_or_else(|e| {
                self.errors.push(format!("{key}={raw} is not valid: {e}"));
                default
            }),
        }
    }

    fn switch(&mut self, key: &str, default: bool) -> bool {
        match self.text(key, "").to_ascii_lowercase().as_str() {
            "" => default,
            "on" | "true" | "1" | "yes" => true,
            "off" | "false" | "0" | "no" => false,
            other => {
                self.errors.push(format!("{key}={other} must be on or off"));
                default
            }
        }
    }
}

impl Settings {
    pub fn from_map(values: &HashMap<String, String>) -> Result<Settings, SettingsError> {
        let mut p = Parser {
            values,
            errors: Vec::new(),
        };
        let database_url = p.required("DATABASE_URL");
        if !database_url.is_empty() && !database_url.starts_with("mysql://") {
            p.errors
                .push("DATABASE_URL must start with mysql://".into());
        }
        let server = server_settings(&mut p);
        let knowledge = knowledge_settings(&mut p, &server.files_dir);
        let email = email_settings(&mut p);
        let settings = Settings {
            database: DatabaseSettings {
                url: database_url.into(),
            },
            server,
            knowledge,
            bots: BotSettings {
                per_user: p.parse("BOTS_PER_USER", 20),
                pdf_max_bytes: megabytes(&mut p, "BOT_PDF_MAX_MB", 10),
                creations_per_hour: p.parse("BOT_CREATIONS_PER_HOUR", 20),
                pdf_uploads_per_hour: p.parse("BOT_PDF_UPLOADS_PER_HOUR", 10),
                pdf_needs_verified_email: email.verification_required,
            },
            replay: ReplaySettings {
                events_per_pass: p
                    .parse("REPLAY_EVENTS_PER_PASS", crate::rebuild::EVENTS_PER_PASS)
                    .max(1),
            },
            admin: admin_settings(&mut p),
            llm: llm_settings(&mut p),
            chat: ChatSettings {
                default_max_prompts: p.parse("CHAT_MAX_PROMPTS", 50),
                default_daily_quota: p.parse("DAILY_PROMPT_QUOTA", 200),
                prompt_max_chars: p.parse("PROMPT_MAX_CHARS", 32_000),
                actor_idle_secs: p.parse("CHAT_ACTOR_IDLE_SECS", 300),
                instance_dead_after_secs: p.parse::<i64>("INSTANCE_DEAD_AFTER_SECS", 60).max(2),
                model_titles: p.switch("CHAT_MODEL_TITLES", true),
            },
            email,
            session: SessionSettings {
                idle_hours: p.parse("SESSION_IDLE_HOURS", 48),
                admin_idle_hours: p.parse("ADMIN_SESSION_IDLE_HOURS", 8),
                max_days: p.parse("SESSION_MAX_DAYS", 30),
                touch_interval_secs: 60,
            },
            rate_limits: RateLimitSettings {
                window_minutes: p.parse("RATE_LIMIT_WINDOW_MINUTES", 15),
                login_per_ip: p.parse("RATE_LIMIT_LOGIN_PER_IP", 30),
                login_per_account: p.parse("RATE_LIMIT_LOGIN_PER_ACCOUNT", 10),
                register_per_ip: p.parse("RATE_LIMIT_REGISTER_PER_IP", 10),
                forgot_per_ip: p.parse("RATE_LIMIT_FORGOT_PER_IP", 10),
                forgot_per_account: p.parse("RATE_LIMIT_FORGOT_PER_ACCOUNT", 3),
                resend_per_account: p.parse("RATE_LIMIT_RESEND_PER_ACCOUNT", 5),
                prompts_per_minute: p.parse("RATE_LIMIT_PROMPTS_PER_MINUTE", 20),
            },
        };
        if settings.server.session_secret.expose_secret().len() < 32 {
            p.errors
                .push("SESSION_SECRET must be at least 32 characters".into());
        }
        if p.errors.is_empty() {
            Ok(settings)
        } else {
            Err(SettingsError::Invalid(p.errors))
        }
    }

    /// The database name from `DATABASE_URL` and the URL of the server without it.
    pub fn database_name(&self) -> Option<String> {
        let url = Url::parse(self.database.url.expose_secret()).ok()?;
        Some(url.path().trim_start_matches('/').to_owned()).filter(|name| !name.is_empty())
    }
}

fn server_settings(p: &mut Parser) -> ServerSettings {
    let public_url = p.text("PUBLIC_URL", "http://127.0.0.1:8080");
    let public_url = Url::parse(&public_url).unwrap_or_else(|e| {
        p.errors
            .push(format!("PUBLIC_URL={public_url} is not a URL: {e}"));
        Url::parse("http://127.0.0.1:8080").expect("a valid literal URL")
    });
    let bind_addr = p.text("BIND_ADDR", "127.0.0.1:8080");
    let instance_url = instance_url(p, &bind_addr, &public_url);
    ServerSettings {
        bind_addr,
        public_url,
        instance_url,
        session_secret: p.required("SESSION_SECRET").into(),
        files_dir: PathBuf::from(p.text("FILES_DIR", "files")),
        max_body_bytes: p.parse::<usize>("MAX_BODY_KB", 256) * 1024,
        model_pdf_max_bytes: megabytes(p, "MODEL_PDF_MAX_MB", 50),
        trust_proxy: p.switch("TRUST_PROXY", false),
        trusted_proxies: crate::net::parse_proxies(
            &p.text("TRUSTED_PROXIES", "127.0.0.1/32,::1/128"),
        )
        .unwrap_or_else(|e| {
            p.errors.push(format!("TRUSTED_PROXIES: {e}"));
            Vec::new()
        }),
        log_filter: p.text("RUST_LOG", "info,sqlx=warn,llama-cpp-2=warn"),
        log_json: p.text("LOG_FORMAT", "pretty").eq_ignore_ascii_case("json"),
        api_cors_origins: p
            .text("API_CORS_ORIGINS", "")
            .split(',')
            .map(|origin| origin.trim().trim_end_matches('/').to_owned())
            .filter(|origin| !origin.is_empty())
            .collect(),
    }
}

/// INSTANCE_URL: where the other instances reach this one. By default `http://BIND_ADDR` when
/// that names a host or address; a wildcard bind (`0.0.0.0`, `[::]`) says nothing other machines
/// can use, so PUBLIC_URL is taken instead (right for a single instance; several instances
/// behind a load balancer set INSTANCE_URL each).
fn instance_url(p: &mut Parser, bind_addr: &str, public_url: &Url) -> Url {
    let fallback = || match Url::parse(&format!("http://{bind_addr}")) {
        Ok(url) if url.host().is_some_and(|host| !is_wildcard(&host)) => url,
        _ => public_url.clone(),
    };
    let Some(raw) = p.optional("INSTANCE_URL") else {
        return fallback();
    };
    match Url::parse(&raw) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => url,
        Ok(_) => {
            p.errors.push(format!(
                "INSTANCE_URL={raw} must be an http:// or https:// address with a host"
            ));
            fallback()
        }
        Err(e) => {
            p.errors
                .push(format!("INSTANCE_URL={raw} is not a URL: {e}"));
            fallback()
        }
    }
}

fn is_wildcard(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Ipv4(ip) => ip.is_unspecified(),
        url::Host::Ipv6(ip) => ip.is_unspecified(),
        url::Host::Domain(_) => false,
    }
}

/// Whole megabytes, at least 1 and at most 1 TiB (which also keeps the byte count in range).
fn megabytes(p: &mut Parser, key: &str, default: u64) -> u64 {
    const MB: u64 = 1024 * 1024;
    let megabytes: u64 = p.parse(key, default);
    if !(1..=1024 * 1024).contains(&megabytes) {
        p.errors
            .push(format!("{key}={megabytes} must be between 1 and 1048576"));
        return default * MB;
    }
    megabytes * MB
}

fn knowledge_settings(p: &mut Parser, files_dir: &Path) -> KnowledgeSettings {
    let lancedb_dir = p
        .optional("LANCEDB_DIR")
        .map(|dir| expand_home(&dir))
        .unwrap_or_else(|| files_dir.join("lancedb"));
    let max_pages: u32 = p.parse("MODEL_PDF_MAX_PAGES", 2_000);
    if max_pages == 0 {
        p.errors
            .push("MODEL_PDF_MAX_PAGES must be at least 1".into());
    }
    KnowledgeSettings {
        lancedb_dir,
        max_pages: max_pages.max(1),
        embedding_model: p.optional("EMBEDDING_MODEL"),
        local_embedding_model: local_embedding_model(p),
        rewrite_questions: p.parse("PDF_QUESTION_REWRITE", false),
        embedding_dimension: p.parse("EMBEDDING_DIMENSION", 1536),
        readings_at_once: p
            .parse(
                "PDF_READINGS_AT_ONCE",
                crate::pdf_models::slots::default_at_once(),
            )
            .max(1),
    }
}

fn local_embedding_model(p: &mut Parser) -> LocalEmbeddingModel {
    let name = p.text(
        "LOCAL_EMBEDDING_MODEL",
        LocalEmbeddingModel::default().name(),
    );
    LocalEmbeddingModel::from_name(&name).unwrap_or_else(|| {
        p.errors.push(format!(
            "LOCAL_EMBEDDING_MODEL={name} must be multilingual-e5-small or all-minilm-l6-v2"
        ));
        LocalEmbeddingModel::default()
    })
}

fn llm_settings(p: &mut Parser) -> LlmSettings {
    let local_model = match p.text("LOCAL_MODEL", "auto").to_ascii_lowercase().as_str() {
        "on" => LocalModelMode::On,
        "off" => LocalModelMode::Off,
        "auto" => LocalModelMode::Auto,
        other => {
            p.errors
                .push(format!("LOCAL_MODEL={other} must be auto, on or off"));
            LocalModelMode::Auto
        }
    };
    let models = p
        .text("OPENAI_MODELS", "gpt-4o-mini")
        .split(',')
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty())
        .collect();
    LlmSettings {
        api_key: p.optional("OPENAI_API_KEY").map(SecretString::from),
        base_url: p.text("OPENAI_BASE_URL", "https://api.openai.com/v1"),
        models,
        connect_timeout_secs: p.parse("OPENAI_CONNECT_TIMEOUT_SECS", 10),
        first_token_timeout_secs: p.parse("OPENAI_FIRST_TOKEN_TIMEOUT_SECS", 60),
        idle_timeout_secs: p.parse("OPENAI_IDLE_TIMEOUT_SECS", 60),
        local_model,
        model_cache_dir: expand_home(&p.text("MODEL_CACHE_DIR", "~/.cache/chatbot-factory/models")),
        local_model_path: p
            .optional("LOCAL_MODEL_PATH")
            .map(|path| expand_home(&path)),
        local_model_threads: threads(
            p,
            "LOCAL_MODEL_THREADS",
            crate::llm::local::default_threads(),
        ),
        local_model_batch_threads: threads(
            p,
            "LOCAL_MODEL_BATCH_THREADS",
            crate::llm::local::default_batch_threads(),
        ),
        local_model_cached_chats: p.parse("LOCAL_MODEL_CACHED_CHATS", 4),
        system_prompt: p.text("SYSTEM_PROMPT", "You are a helpful assistant."),
    }
}

/// The local model's threads. Writing an answer uses every core but one unless told otherwise:
/// llama.cpp's threads wait for each other at every token, so one of them losing its core to the
/// database or the web server stalls them all (measured on 2 cores with MariaDB busy: 2 threads
/// 1.2 tokens/s, 1 thread 13.7; idle, 2 threads 25). Reading a prompt works in large batches and
/// uses every core (a 1,900-token prompt: 42 s on one thread, 23 s on two, on a 2-core EPYC).
/// See benches/local_model.rs.
fn threads(p: &mut Parser, key: &str, default: usize) -> usize {
    let threads: usize = p.parse(key, default);
    if !(1..=256).contains(&threads) {
        p.errors
            .push(format!("{key}={threads} must be between 1 and 256"));
        return default;
    }
    threads
}

fn email_settings(p: &mut Parser) -> EmailSettings {
    let tls = match p.text("SMTP_TLS", "starttls").to_ascii_lowercase().as_str() {
        "none" => SmtpTls::None,
        "starttls" => SmtpTls::StartTls,
        "tls" => SmtpTls::Tls,
        other => {
            p.errors
                .push(format!("SMTP_TLS={other} must be none, starttls or tls"));
            SmtpTls::StartTls
        }
    };
    let smtp = p.optional("SMTP_HOST").map(|host| SmtpSettings {
        host,
        port: p.parse("SMTP_PORT", 587),
        username: p.optional("SMTP_USERNAME"),
        password: p.optional("SMTP_PASSWORD").map(SecretString::from),
        tls,
    });
    EmailSettings {
        smtp,
        from: p.text("SMTP_FROM", "ChatBot Factory <no-reply@example.com>"),
        verification_required: p.switch("EMAIL_VERIFICATION", true),
        verify_token_hours: p.parse("VERIFY_TOKEN_HOURS", 24),
        reset_token_minutes: p.parse("RESET_TOKEN_MINUTES", 60),
        resend_cooldown_secs: p.parse("RESEND_COOLDOWN_SECS", 60),
    }
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

fn admin_settings(p: &mut Parser) -> AdminSettings {
    let admin = AdminSettings {
        username: p.text("ADMIN_USERNAME", "admin"),
        password: p.required("ADMIN_PASSWORD").into(),
        email: p.text("ADMIN_EMAIL", "admin@example.com"),
    };
    let length = admin.password.expose_secret().chars().count();
    if length > 0 && (length < 10 || admin.password_score() < 2) {
        p.errors.push(
            "ADMIN_PASSWORD is trivially weak (fewer than 10 characters or a common password): \
             choose a long random one, e.g. `openssl rand -base64 18`"
                .into(),
        );
    }
    admin
}

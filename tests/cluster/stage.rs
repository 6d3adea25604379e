//! Everything around the database: the upstream stand-in, a folder for the instances with the
//! shared `FILES_DIR`, and the settings every instance shares.
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::upstream::{self, TestUpstream};

pub struct Stage {
    pub upstream: TestUpstream,
    pub root: tempfile::TempDir,
}

impl Stage {
    pub fn new() -> Stage {
        // The clients' TLS needs a crypto provider (the app installs it in its own process).
        let _ = rustls::crypto::ring::default_provider().install_default();
        Stage {
            upstream: TestUpstream::start(),
            root: tempfile::tempdir().expect("a folder for the instances"),
        }
    }

    pub fn shared_files(&self) -> PathBuf {
        self.root.path().join("shared-files")
    }

    /// The settings of an instance on the database server `server` behind `public_url`.
    pub fn settings(&self, public_url: &str, server: &str) -> HashMap<String, String> {
        let mut values =
            shared_settings(&self.upstream.base_url(), &self.shared_files(), public_url);
        values.insert(
            "DATABASE_URL".into(),
            format!("{server}/{}", crate::DATABASE),
        );
        values
    }

    /// Answers kept in the shared spool (finished while their database was away).
    pub fn spooled(&self) -> usize {
        std::fs::read_dir(self.shared_files().join("answer-spool")).map_or(0, |entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
                .count()
        })
    }
}

/// The settings every instance shares (docs/SCALING.md's table); each adds its own
/// `BIND_ADDR`, `INSTANCE_URL` and `DATABASE_URL`.
fn shared_settings(upstream: &str, files: &Path, public_url: &str) -> HashMap<String, String> {
    let (secret, files) = ("s".repeat(64), files.display().to_string());
    [
        ("PUBLIC_URL", public_url),
        ("SESSION_SECRET", secret.as_str()),
        ("FILES_DIR", files.as_str()),
        ("TRUST_PROXY", "true"),
        ("TRUSTED_PROXIES", "127.0.0.1/32"),
        ("INSTANCE_DEAD_AFTER_SECS", crate::DEAD_AFTER_SECS),
        ("ADMIN_USERNAME", "admin"),
        ("ADMIN_PASSWORD", "admin-password-for-tests"),
        ("ADMIN_EMAIL", "admin@example.com"),
        ("OPENAI_API_KEY", upstream::API_KEY),
        ("OPENAI_BASE_URL", upstream),
        ("OPENAI_MODELS", "gpt-4o-mini,gpt-4o"),
        ("LOCAL_MODEL", "off"),
        ("EMAIL_VERIFICATION", "off"),
        ("CHAT_MODEL_TITLES", "off"),
        ("CHAT_MAX_PROMPTS", "1000"),
        ("DAILY_PROMPT_QUOTA", "0"),
        ("RATE_LIMIT_LOGIN_PER_IP", "100000"),
        ("RATE_LIMIT_LOGIN_PER_ACCOUNT", "100000"),
        ("RATE_LIMIT_REGISTER_PER_IP", "100000"),
        ("RATE_LIMIT_PROMPTS_PER_MINUTE", "0"),
        // Lost races and retried transactions are logged at info: counted in the summary.
        (
            "RUST_LOG",
            "warn,chatbot_factory::events::aggregate=info,chatbot_factory::database=info",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

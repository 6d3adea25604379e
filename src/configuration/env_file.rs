//! `.env`: created from the embedded example on first start, read, overlaid by the environment.
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rand::Rng;
use rand::distr::Alphanumeric;

use super::{ENV_EXAMPLE, Settings, SettingsError};

/// What happened to `.env` while loading: the caller prints the admin login once when created.
#[derive(Debug)]
pub enum EnvFile {
    Existing(PathBuf),
    Created {
        path: PathBuf,
        admin_username: String,
        /// `None` when ADMIN_PASSWORD comes from the environment (which wins over the file).
        admin_password: Option<String>,
    },
}

/// Loads `.env` from `dir` (creating it when missing), overlays the process environment, parses.
pub fn load(dir: &Path) -> Result<(Settings, EnvFile), SettingsError> {
    let path = dir.join(".env");
    let env_file = if path.exists() {
        EnvFile::Existing(path.clone())
    } else {
        create_env_file(&path)?
    };
    let mut values = read_env_file(&path)?;
    for key in known_keys() {
        if let Ok(value) = std::env::var(&key) {
            values.insert(key, value);
        }
    }
    Ok((Settings::from_map(&values)?, env_file))
}

/// For the analysts' commands (`replay`, `export-events`): reads `.env` if there is one (never
/// creates it), overlays the environment, and fills in the web app's secrets, which these
/// commands never use, so they run with only `DATABASE_URL` set.
pub fn load_for_analysis(dir: &Path) -> Result<Settings, SettingsError> {
    let path = dir.join(".env");
    let mut values = if path.exists() {
        read_env_file(&path)?
    } else {
        HashMap::new()
    };
    for key in known_keys() {
        if let Ok(value) = std::env::var(&key) {
            values.insert(key, value);
        }
    }
    for key in ["SESSION_SECRET", "ADMIN_PASSWORD"] {
        let missing = values.get(key).is_none_or(|v| v.trim().is_empty());
        if missing {
            values.insert(key.to_owned(), random_string(64));
        }
    }
    Settings::from_map(&values)
}

pub(super) fn read_env_file(path: &Path) -> Result<HashMap<String, String>, SettingsError> {
    let read_error = |e: dotenvy::Error| SettingsError::Read {
        path: path.to_owned(),
        source: std::io::Error::other(e.to_string()),
    };
    let mut values = HashMap::new();
    for item in dotenvy::from_path_iter(path).map_err(read_error)? {
        let (key, value) = item.map_err(read_error)?;
        values.insert(key, value);
    }
    Ok(values)
}

/// Every key documented in `.env.example`: only these are taken from the process environment.
pub(super) fn known_keys() -> Vec<String> {
    ENV_EXAMPLE
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| line.split_once('=').map(|(key, _)| key.trim().to_owned()))
        .filter(|key| !key.is_empty())
        .collect()
}

pub(super) fn create_env_file(path: &Path) -> Result<EnvFile, SettingsError> {
    let admin_password = random_string(20);
    let contents = ENV_EXAMPLE
        .replace(
            "\nSESSION_SECRET=\n",
            &format!("\nSESSION_SECRET={}\n", random_string(64)),
        )
        .replace(
            "\nADMIN_PASSWORD=\n",
            &format!("\nADMIN_PASSWORD={admin_password}\n"),
        );
    std::fs::write(path, contents).map_err(|source| SettingsError::Write {
        path: path.to_owned(),
        source,
    })?;
    let admin_username = std::env::var("ADMIN_USERNAME").unwrap_or_else(|_| "admin".into());
    // A password from the environment wins over the file: the generated one is not the login.
    let admin_password = match std::env::var("ADMIN_PASSWORD") {
        Ok(from_env) if !from_env.trim().is_empty() => None,
        _ => Some(admin_password),
    };
    Ok(EnvFile::Created {
        path: path.to_owned(),
        admin_username,
        admin_password,
    })
}

pub fn random_string(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

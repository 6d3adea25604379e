//! Integrity checks for cached weight files: size, sha256 and `.verified` stamps.
//!
//! Hashing the 0.5 GB GGUF on every start would slow the app down on slower
//! CPUs, so when a full hash takes longer than the spec's threshold we record
//! `{size, mtime, sha256}` next to the file and trust that stamp while the
//! file's size and mtime are unchanged. Any rewrite of the file (which bumps
//! its mtime) or a missing/foreign stamp forces a full re-hash.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::WeightsError;
use super::spec::Pin;

const HASH_BUF_BYTES: usize = 1 << 20;

/// Result of checking a cached file against its pin.
#[derive(Debug)]
pub enum CacheState {
    /// No file at the path.
    Missing,
    /// The file matches its pin.
    Valid { via_stamp: bool, elapsed: Duration },
    /// The file exists but is wrong (size or checksum mismatch).
    Invalid(WeightsError),
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Stamp {
    size: u64,
    mtime_secs: u64,
    mtime_nanos: u32,
    sha256: String,
}

/// A sha256 accumulator that can be fed while copying bytes elsewhere.
#[derive(Default)]
pub struct StreamHasher(Sha256);

impl StreamHasher {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub fn finish_hex(self) -> String {
        hex::encode(self.0.finalize())
    }
}

/// Lower-case hex sha256 of the file at `path`.
pub fn sha256_file(path: &Path) -> Result<String, WeightsError> {
    let mut file = File::open(path).map_err(|e| WeightsError::io("opening", path, e))?;
    let mut hasher = StreamHasher::default();
    let mut buf = vec![0u8; HASH_BUF_BYTES];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| WeightsError::io("reading", path, e))?;
        if n == 0 {
            return Ok(hasher.finish_hex());
        }
        hasher.update(&buf[..n]);
    }
}

/// Path of the stamp file that belongs to `path`.
pub fn stamp_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".verified");
    PathBuf::from(name)
}

/// Checks `path` against `pin`, using or writing a stamp as described above.
pub fn check_cached(
    path: &Path,
    pin: &Pin,
    threshold: Duration,
) -> Result<CacheState, WeightsError> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(CacheState::Missing),
        Err(e) => return Err(WeightsError::io("inspecting", path, e)),
    };
    if meta.len() != pin.size {
        return Ok(CacheState::Invalid(WeightsError::SizeMismatch {
            path: path.to_owned(),
            expected: pin.size,
            actual: meta.len(),
        }));
    }
    let started = Instant::now();
    let current = stamp_for(meta.len(), meta.modified().ok(), &pin.sha256);
    if current.is_some() && read_stamp(path) == current {
        return Ok(CacheState::Valid {
            via_stamp: true,
            elapsed: started.elapsed(),
        });
    }
    let actual = sha256_file(path)?;
    let elapsed = started.elapsed();
    tracing::debug!(path = %path.display(), ?elapsed, "hashed cached weights");
    if actual != pin.sha256 {
        remove_stamp(path);
        return Ok(CacheState::Invalid(WeightsError::ChecksumMismatch {
            expected: pin.sha256.clone(),
            actual,
        }));
    }
    if elapsed > threshold
        && let Some(stamp) = current
    {
        write_stamp(path, &stamp);
    }
    Ok(CacheState::Valid {
        via_stamp: false,
        elapsed,
    })
}

/// Deletes the stamp of `path`, ignoring a stamp that is already gone.
pub fn remove_stamp(path: &Path) {
    let stamp = stamp_path(path);
    if let Err(err) = std::fs::remove_file(&stamp)
        && err.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(path = %stamp.display(), %err, "could not remove stale stamp");
    }
}

fn stamp_for(size: u64, mtime: Option<SystemTime>, sha256: &str) -> Option<Stamp> {
    let since_epoch = mtime?.duration_since(UNIX_EPOCH).ok()?;
    Some(Stamp {
        size,
        mtime_secs: since_epoch.as_secs(),
        mtime_nanos: since_epoch.subsec_nanos(),
        sha256: sha256.to_owned(),
    })
}

fn read_stamp(path: &Path) -> Option<Stamp> {
    let text = std::fs::read_to_string(stamp_path(path)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Best effort: a stamp that fails to write only costs a re-hash next start.
fn write_stamp(path: &Path, stamp: &Stamp) {
    let target = stamp_path(path);
    let result = serde_json::to_vec(stamp)
        .map_err(std::io::Error::other)
        .and_then(|bytes| File::create(&target)?.write_all(&bytes));
    if let Err(err) = result {
        tracing::warn!(path = %target.display(), %err, "could not write verification stamp");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin_of(bytes: &[u8]) -> Pin {
        let mut h = StreamHasher::default();
        h.update(bytes);
        Pin {
            size: bytes.len() as u64,
            sha256: h.finish_hex(),
        }
    }

    #[test]
    fn missing_file_is_reported_as_missing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pin = pin_of(b"abc");
        let state = check_cached(&dir.path().join("nope"), &pin, Duration::ZERO).expect("check");
        assert!(matches!(state, CacheState::Missing));
    }

    #[test]
    fn stamp_is_trusted_only_while_size_and_mtime_match() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("w.bin");
        std::fs::write(&path, b"hello weights").expect("write");
        let pin = pin_of(b"hello weights");
        // Threshold zero: every full hash writes a stamp.
        let first = check_cached(&path, &pin, Duration::ZERO).expect("check");
        assert!(matches!(
            first,
            CacheState::Valid {
                via_stamp: false,
                ..
            }
        ));
        assert!(stamp_path(&path).exists());
        let second = check_cached(&path, &pin, Duration::ZERO).expect("check");
        assert!(matches!(
            second,
            CacheState::Valid {
                via_stamp: true,
                ..
            }
        ));

        // Corrupt one byte in place; the rewrite changes the mtime.
        std::fs::write(&path, b"hellO weights").expect("corrupt");
        let later = SystemTime::now() + Duration::from_secs(5);
        File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(later))
            .expect("mtime");
        let third = check_cached(&path, &pin, Duration::ZERO).expect("check");
        assert!(matches!(
            third,
            CacheState::Invalid(WeightsError::ChecksumMismatch { .. })
        ));
        assert!(!stamp_path(&path).exists(), "stale stamp must be removed");
    }

    #[test]
    fn no_stamp_is_written_when_hashing_is_fast() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("w.bin");
        std::fs::write(&path, b"tiny").expect("write");
        let state = check_cached(&path, &pin_of(b"tiny"), Duration::from_secs(60)).expect("check");
        assert!(matches!(
            state,
            CacheState::Valid {
                via_stamp: false,
                ..
            }
        ));
        assert!(!stamp_path(&path).exists());
    }

    #[test]
    fn stamp_for_another_hash_is_ignored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("w.bin");
        std::fs::write(&path, b"data!").expect("write");
        let meta = std::fs::metadata(&path).expect("meta");
        // A stamp claiming a different (e.g. older pinned) sha must not count.
        let forged = stamp_for(meta.len(), meta.modified().ok(), &"0".repeat(64)).expect("stamp");
        write_stamp(&path, &forged);
        let mut pin = pin_of(b"data!");
        pin.sha256 = "f".repeat(64);
        let state = check_cached(&path, &pin, Duration::ZERO).expect("check");
        assert!(matches!(
            state,
            CacheState::Invalid(WeightsError::ChecksumMismatch { .. })
        ));
    }
}

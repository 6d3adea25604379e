//! `docs/EVENTS.md` is the analysts' schema of the event log. These tests keep it true to the
//! code: every stream type and event type the code can append has its section, every section
//! names a real one, and every example payload is exactly what the store writes for that event.
//!
//! Nothing here is a hand-written list of event types. The names come from the enums
//! themselves: serde's derive knows every tag value of an internally tagged enum and lists them
//! when asked to decode an unknown one, and each documented example is decoded the way the store
//! reads events (`RecordedEvent::decode`) and named the way it writes them
//! (`DomainEvent::event_type`, `event_version`, `serde_json::to_value`). The only list is the
//! six event enums, and a test below checks it against every `impl DomainEvent for` in `src/`.
//! No database is needed.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chatbot_factory::accounts::events::UserEvent;
use chatbot_factory::bots::events::{BotEvent, BotOwnerEvent};
use chatbot_factory::chat::events::ChatEvent;
use chatbot_factory::events::{DomainEvent, RecordedEvent};
use chatbot_factory::pdf_models::events::ModelEvent;
use chatbot_factory::site::events::SiteEvent;
use serde_json::{Value, json};

/// One event enum, seen only through what the store itself uses.
struct CodeStream {
    enum_name: &'static str,
    stream_type: &'static str,
    event_types: fn() -> Vec<String>,
    store: fn(&str, u32, Value) -> Result<Stored, String>,
}

/// What `EventStore::append` would write for a decoded event.
struct Stored {
    event_type: String,
    event_version: u32,
    payload: Value,
}

fn code_stream<E: DomainEvent>(enum_name: &'static str) -> CodeStream {
    CodeStream {
        enum_name,
        stream_type: E::STREAM_TYPE,
        event_types: event_types_of::<E>,
        store: decode_and_store::<E>,
    }
}

/// Every event enum appended to the store (checked against `src/` below).
fn code_streams() -> Vec<CodeStream> {
    vec![
        code_stream::<UserEvent>("UserEvent"),
        code_stream::<ChatEvent>("ChatEvent"),
        code_stream::<SiteEvent>("SiteEvent"),
        code_stream::<ModelEvent>("ModelEvent"),
        code_stream::<BotEvent>("BotEvent"),
        code_stream::<BotOwnerEvent>("BotOwnerEvent"),
    ]
}

/// The event types of `E`: serde's derive refuses an unknown tag with "unknown variant `x`,
/// expected one of `A`, `B`, …", listing every variant's tag (= the stored `event_type`, which
/// the examples test proves for each documented name).
fn event_types_of<E: DomainEvent>() -> Vec<String> {
    let probe = json!({ "type": "\u{1}not an event type" });
    let error = match serde_json::from_value::<E>(probe) {
        Ok(_) => panic!(
            "{}: an unknown event type decoded; the enum has a catch-all variant this test \
             cannot enumerate",
            E::STREAM_TYPE
        ),
        Err(error) => error.to_string(),
    };
    let Some((_, expected)) = error
        .strip_prefix("unknown variant")
        .and_then(|rest| rest.split_once(", expected "))
    else {
        panic!(
            "{}: serde's error no longer lists the variants: {error}",
            E::STREAM_TYPE
        );
    };
    let names: Vec<String> = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    assert!(!names.is_empty(), "no event types found in: {error}");
    names
}

/// Decodes a stored payload exactly as the app reads the log, then encodes the event exactly as
/// `EventStore::append` writes it.
fn decode_and_store<E: DomainEvent>(
    event_type: &str,
    event_version: u32,
    payload: Value,
) -> Result<Stored, String> {
    let recorded = RecordedEvent {
        position: 1,
        stream_type: E::STREAM_TYPE.into(),
        stream_id: "example".into(),
        sequence: 1,
        event_type: event_type.into(),
        event_version,
        payload: sqlx::types::Json(payload),
        metadata: sqlx::types::Json(json!({ "actor": "system" })),
        recorded_at: time::macros::datetime!(2026-12-02 09:14:03.512384),
    };
    let event: E = recorded.decode().map_err(|e| e.to_string())?;
    Ok(Stored {
        event_type: event.event_type().to_owned(),
        event_version: event.event_version(),
        payload: serde_json::to_value(&event).map_err(|e| e.to_string())?,
    })
}

/// One `### `Name` (vN)` section of the document.
#[derive(Debug)]
struct DocEvent {
    name: String,
    version: u32,
    line: usize,
    /// The first ```json block of the section, if any.
    example: Option<(usize, String)>,
}

#[derive(Debug, Default)]
struct Doc {
    /// `## Stream `x`` → its events, in document order.
    streams: BTreeMap<String, Vec<DocEvent>>,
    problems: Vec<String>,
}

fn doc_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/EVENTS.md")
}

/// `## Stream `user`` → `user`.
fn stream_heading(line: &str) -> Option<&str> {
    line.strip_prefix("## Stream `")?.strip_suffix('`')
}

/// `### `UserRegistered` (v1)` → (`UserRegistered`, 1).
fn event_heading(line: &str) -> Option<(&str, u32)> {
    let rest = line.strip_prefix("### `")?;
    let (name, rest) = rest.split_once('`')?;
    let version = rest.strip_prefix(" (v")?.strip_suffix(')')?.parse().ok()?;
    let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then_some((name, version))
}

fn parse_doc(text: &str) -> Doc {
    let mut doc = Doc::default();
    let mut stream: Option<String> = None;
    // (language, first line, text) of the open fenced block.
    let mut fence: Option<(String, usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        if let Some((language, start, mut body)) = fence.take() {
            if line.trim_start().starts_with("```") {
                let event = stream
                    .as_ref()
                    .and_then(|s| doc.streams.get_mut(s))
                    .and_then(|events| events.last_mut());
                if let Some(event) = event
                    && language == "json"
                    && event.example.is_none()
                {
                    event.example = Some((start, body));
                }
            } else {
                body.push_str(line);
                body.push('\n');
                fence = Some((language, start, body));
            }
            continue;
        }
        if let Some(language) = line.trim_start().strip_prefix("```") {
            fence = Some((language.trim().to_owned(), number + 1, String::new()));
            continue;
        }
        if line.starts_with("## ") {
            stream = stream_heading(line).map(str::to_owned);
            if let Some(name) = &stream
                && doc.streams.insert(name.clone(), Vec::new()).is_some()
            {
                doc.problems.push(format!(
                    "line {number}: stream `{name}` has a second section"
                ));
            }
        } else if line.starts_with("### ") {
            match (&stream, event_heading(line)) {
                (Some(name), Some((event, version))) => {
                    let events = doc.streams.get_mut(name).expect("section exists");
                    if events.iter().any(|e| e.name == event) {
                        doc.problems.push(format!(
                            "line {number}: `{event}` is documented twice in stream `{name}`"
                        ));
                    }
                    events.push(DocEvent {
                        name: event.to_owned(),
                        version,
                        line: number,
                        example: None,
                    });
                }
                (Some(name), None) => doc.problems.push(format!(
                    "line {number}: in stream `{name}` every level-3 heading must be an event \
                     type like \"### `UserRegistered` (v1)\", found {line:?}"
                )),
                (None, _) if line.starts_with("### `") => doc.problems.push(format!(
                    "line {number}: event heading outside a \"## Stream `…`\" section: {line:?}"
                )),
                (None, _) => {}
            }
        }
    }
    if fence.is_some() {
        doc.problems
            .push("the document ends inside a ``` block".to_owned());
    }
    doc
}

fn read_doc() -> Doc {
    let path = doc_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    parse_doc(&text)
}

fn assert_no_problems(problems: &[String]) {
    assert!(
        problems.is_empty(),
        "docs/EVENTS.md and the code disagree:\n- {}",
        problems.join("\n- ")
    );
}

#[test]
fn every_stream_and_event_type_is_documented_and_every_documented_one_exists() {
    let doc = read_doc();
    let mut problems = doc.problems.clone();
    let streams = code_streams();
    let code_types: BTreeSet<&str> = streams.iter().map(|s| s.stream_type).collect();
    assert_eq!(
        code_types.len(),
        streams.len(),
        "two event enums share a stream type"
    );
    for stream in &streams {
        let Some(documented) = doc.streams.get(stream.stream_type) else {
            problems.push(format!(
                "stream type `{}` ({}) has no \"## Stream `{}`\" section",
                stream.stream_type, stream.enum_name, stream.stream_type
            ));
            continue;
        };
        let in_code: BTreeSet<String> = (stream.event_types)().into_iter().collect();
        let in_doc: BTreeSet<String> = documented.iter().map(|e| e.name.clone()).collect();
        for missing in in_code.difference(&in_doc) {
            problems.push(format!(
                "`{missing}` ({}) has no \"### `{missing}` (vN)\" section under stream `{}`",
                stream.enum_name, stream.stream_type
            ));
        }
        for event in documented.iter().filter(|e| !in_code.contains(&e.name)) {
            problems.push(format!(
                "line {}: `{}` is not an event type of stream `{}` ({} has {:?})",
                event.line, event.name, stream.stream_type, stream.enum_name, in_code
            ));
        }
    }
    for name in doc.streams.keys() {
        if !code_types.contains(name.as_str()) {
            problems.push(format!(
                "\"## Stream `{name}`\" is not a stream type of the code ({code_types:?})"
            ));
        }
    }
    assert_no_problems(&problems);
}

#[test]
fn every_example_payload_is_what_the_store_writes() {
    let doc = read_doc();
    let mut problems = Vec::new();
    for stream in code_streams() {
        let Some(documented) = doc.streams.get(stream.stream_type) else {
            continue; // reported by the test above
        };
        for event in documented {
            let name = &event.name;
            let Some((line, text)) = &event.example else {
                problems.push(format!(
                    "line {}: `{name}` has no ```json example payload",
                    event.line
                ));
                continue;
            };
            let example: Value = match serde_json::from_str(text) {
                Ok(value) => value,
                Err(error) => {
                    problems.push(format!(
                        "line {line}: `{name}`'s example is not JSON: {error}"
                    ));
                    continue;
                }
            };
            if example.get("type") != Some(&Value::String(name.clone())) {
                problems.push(format!(
                    "line {line}: `{name}`'s example must have \"type\": \"{name}\" (the stored \
                     payload carries its event type)"
                ));
                continue;
            }
            let stored = match (stream.store)(name, event.version, example.clone()) {
                Ok(stored) => stored,
                Err(error) => {
                    problems.push(format!(
                        "line {line}: `{name}`'s example does not decode as a {}: {error}",
                        stream.enum_name
                    ));
                    continue;
                }
            };
            if stored.event_type != *name {
                problems.push(format!(
                    "line {}: the store names this event `{}`, not `{name}`",
                    event.line, stored.event_type
                ));
            }
            if stored.event_version != event.version {
                problems.push(format!(
                    "line {}: `{name}` is written at version {}, the heading says v{}",
                    event.line, stored.event_version, event.version
                ));
            }
            if stored.payload != example {
                problems.push(format!(
                    "line {line}: `{name}`'s example is not what the store writes for it; the \
                     store writes {}",
                    stored.payload
                ));
            }
        }
    }
    assert_no_problems(&problems);
}

/// Every file under `dir` whose name ends in `.rs`.
fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn the_enum_list_above_is_every_event_enum_of_the_code() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut implemented = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source file");
        for line in text.lines().map(str::trim_start) {
            if !line.starts_with("impl") {
                continue;
            }
            if let Some((_, rest)) = line.split_once("DomainEvent for ") {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                implemented.insert(name);
            }
        }
    }
    let known: BTreeSet<String> = code_streams()
        .iter()
        .map(|s| s.enum_name.to_owned())
        .collect();
    assert_eq!(
        implemented, known,
        "`impl DomainEvent for …` in src/ (left) and the enums this test checks (right) differ: \
         add the new enum to `code_streams` in tests/api/events_doc.rs and document its stream"
    );
}

#[test]
fn the_document_parser_reads_headings_and_examples() {
    let doc = parse_doc(
        "# T\n## The table\n### Metadata\n```json\n{}\n```\n## Stream `user`\n\
         ### `UserLoggedIn` (v1)\ntext\n```sql\nSELECT 1\n```\n```json\n{\"type\": \"UserLoggedIn\"}\n```\n\
         ```json\n{\"ignored\": true}\n```\n### `UserDeleted` (v2)\n## Other\n### Free heading\n",
    );
    assert!(doc.problems.is_empty(), "{:?}", doc.problems);
    let user = &doc.streams["user"];
    assert_eq!(user.len(), 2);
    assert_eq!(
        (user[0].name.as_str(), user[0].version),
        ("UserLoggedIn", 1)
    );
    assert_eq!(
        user[0].example.as_ref().map(|(_, text)| text.as_str()),
        Some("{\"type\": \"UserLoggedIn\"}\n")
    );
    assert_eq!((user[1].name.as_str(), user[1].version), ("UserDeleted", 2));
    assert!(user[1].example.is_none());

    let bad =
        parse_doc("## Stream `chat`\n### ChatStarted (v1)\n## Notes\n### `ChatDeleted` (v1)\n");
    assert_eq!(bad.problems.len(), 2, "{:?}", bad.problems);
}

#[test]
fn serde_lists_every_variant() {
    // The enumeration trick above, checked against variants written out once here.
    let names = event_types_of::<SiteEvent>();
    for event in [
        SiteEvent::DefaultPromptLimitChanged { limit: 1 },
        SiteEvent::ModelDisabled { id: "x".into() },
    ] {
        assert!(names.iter().any(|n| n == event.event_type()), "{names:?}");
    }
    assert_eq!(
        names.len(),
        BTreeSet::from_iter(names.iter()).len(),
        "{names:?}"
    );
}

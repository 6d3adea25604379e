//! Writing one answer: stream from the backend into the hub until the end, a Stop, or an error,
//! and report what happened. Runs as its own task, so a closed browser tab changes nothing.
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::events::AnswerRecord;
use super::live::{Hub, LiveEvent};
use crate::llm::{ChatBackend, ChatRequest, LlmError, StreamItem};

#[derive(Debug)]
pub enum Ending {
    Completed,
    Stopped,
    Failed(LlmError),
}

#[derive(Debug)]
pub struct Written {
    pub record: AnswerRecord,
    pub ending: Ending,
}

/// Rough token count when the server sent no usage (a stopped or broken stream).
fn estimate_tokens(text: &str) -> u32 {
    (text.chars().count() as u32).div_ceil(4)
}

pub async fn write(
    backend: std::sync::Arc<dyn ChatBackend>,
    request: ChatRequest,
    hub: Hub,
    cancel: CancellationToken,
) -> Written {
    let started = Instant::now();
    let prompt_estimate = request
        .messages
        .iter()
        .map(|m| estimate_tokens(&m.content))
        .sum();
    let mut record = AnswerRecord {
        model: request.model.clone(),
        ..Default::default()
    };
    let mut usage = None;
    let ending = 'answer: {
        let mut stream = tokio::select! {
            _ = cancel.cancelled() => break 'answer Ending::Stopped,
            opened = backend.stream(request) => match opened {
                Ok(stream) => stream,
                Err(error) => break 'answer Ending::Failed(error),
            },
        };
        loop {
            let item = tokio::select! {
                _ = cancel.cancelled() => break 'answer Ending::Stopped,
                item = stream.next() => item,
            };
            match item {
                // Every proper answer ends with a finish reason; a bare end of stream is a cut.
                None if record.finish_reason.is_some() => break 'answer Ending::Completed,
                None => {
                    break 'answer Ending::Failed(LlmError::Interrupted(
                        "the stream ended without a finish reason".into(),
                    ));
                }
                Some(Ok(StreamItem::Queued(position))) => {
                    hub.announce(LiveEvent::Queued { position })
                }
                Some(Ok(StreamItem::Sources {
                    sources,
                    instructions_version,
                })) => {
                    record.instructions_version = Some(instructions_version);
                    hub.announce(LiveEvent::Sources {
                        model: record.model.clone(),
                        sources: sources.clone(),
                    });
                    record.sources = sources;
                }
                Some(Ok(StreamItem::Delta(text))) => {
                    record.ttft_ms.get_or_insert(millis(started.elapsed()));
                    record.text.push_str(&text);
                    hub.push_delta(&text);
                }
                Some(Ok(StreamItem::Usage {
                    prompt_tokens,
                    completion_tokens,
                })) => usage = Some((prompt_tokens, completion_tokens)),
                Some(Ok(StreamItem::Finish(reason))) => record.finish_reason = Some(reason),
                Some(Err(error)) => break 'answer Ending::Failed(error),
            }
        }
    };
    let (prompt, completion) = usage.unwrap_or((prompt_estimate, estimate_tokens(&record.text)));
    record.prompt_tokens = prompt;
    record.completion_tokens = completion;
    record.latency_ms = millis(started.elapsed());
    match &ending {
        Ending::Stopped => record.finish_reason = Some("stopped".into()),
        Ending::Failed(error) => record.error = Some(error.to_string()),
        Ending::Completed => {}
    }
    Written { record, ending }
}

fn millis(duration: Duration) -> u64 {
    duration.as_millis().try_into().unwrap_or(u64::MAX)
}

//! Logging: `tracing` everywhere, one span per request (with its request id) from
//! `tracing-actix-web`, so every line a request causes can be found by that id.
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// Installs the global subscriber once; later calls (tests) are ignored.
pub fn init(filter: &str, json: bool) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only for a person at a terminal: a log file or journal gets plain text.
    let builder = tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(filter)
        .with_span_events(FmtSpan::NONE)
        .with_target(false);
    let result = if json {
        builder.json().with_current_span(true).try_init()
    } else {
        builder.compact().try_init()
    };
    drop(result);
}

/// Runs blocking work (argon2, PDF parsing, embeddings) on the blocking pool, keeping the
/// caller's span so its log lines still carry the request id.
pub fn spawn_blocking_with_tracing<F, R>(f: F) -> tokio::task::JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f))
}

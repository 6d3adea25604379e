//! Logging: `tracing` everywhere, one span per request (with its request id) from
//! `tracing-actix-web`, so every line a request causes can be found by that id. The span's
//! target never carries a mailed link's token (`redacted_target`).
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Uri;
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder, TracingLogger};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// Installs the global subscriber once; later calls (tests) are ignored.
pub fn init(filter: &str, json: bool) {
    let filter = quiet_lance(filter);
    let filter = EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new("info"));
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

/// LanceDB's INFO lines are trace events for tracing tools, not for whoever reads the log: it
/// looks for its `__manifest` when it opens a folder, and for a table before creating it, and
/// says `status="error"` when they are not there (an empty folder at start). At INFO and more
/// they stay out, unless the filter names lance itself; their warnings and errors still show.
fn quiet_lance(filter: &str) -> String {
    let global = filter
        .split(',')
        .map(str::trim)
        .filter(|part| !part.contains('='))
        .find_map(|part| part.parse::<LevelFilter>().ok());
    let chatty = global.is_some_and(|level| level > LevelFilter::WARN);
    if chatty && !filter.contains("lance") {
        format!("{filter},lance=warn")
    } else {
        filter.to_owned()
    }
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

/// The middleware that opens each request's span.
pub fn request_logger() -> TracingLogger<RedactedSpans> {
    TracingLogger::new()
}

/// `tracing-actix-web`'s root span with the same fields, its target redacted: a reset or
/// verification link's token must not reach the logs (whoever reads them could use it).
pub struct RedactedSpans;

impl RootSpanBuilder for RedactedSpans {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let route = request.match_pattern().unwrap_or_else(|| "default".into());
        let user_agent = request
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        let connection = request.connection_info();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.host = %connection.host(),
            http.client_ip = %connection.realip_remote_addr().unwrap_or_default(),
            http.user_agent = %user_agent,
            http.target = %redacted_target(request.uri()),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// The path and query, every query value whose name says `token` replaced by `redacted`.
pub fn redacted_target(uri: &Uri) -> String {
    let path = uri.path();
    let Some(query) = uri.query() else {
        return path.to_owned();
    };
    let mut kept = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if key.to_ascii_lowercase().contains("token") {
            kept.append_pair(&key, "redacted");
        } else {
            kept.append_pair(&key, &value);
        }
    }
    format!("{path}?{}", kept.finish())
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use actix_web::{App, HttpResponse, test, web};

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut buffer) = self.0.lock() {
                buffer.extend_from_slice(bytes);
            }
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[actix_web::test]
    async fn a_mailed_links_token_never_reaches_the_request_logs() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_span_events(FmtSpan::NEW)
            .finish();
        let _default = tracing::subscriber::set_default(subscriber);
        let app = test::init_service(App::new().wrap(request_logger()).route(
            "/reset",
            web::get().to(|| async {
                tracing::warn!("Reset link checked");
                HttpResponse::Ok().finish()
            }),
        ))
        .await;
        let request = test::TestRequest::get()
            .uri("/reset?token=0f3c9a7be2d14c55a1&Token%5Fb=77aa91&lang=uz")
            .to_request();
        assert!(
            test::call_service(&app, request)
                .await
                .status()
                .is_success()
        );
        let logs = String::from_utf8(captured.0.lock().map(|b| b.clone()).unwrap_or_default())
            .unwrap_or_default();
        assert!(logs.contains("Reset link checked"), "{logs}");
        assert!(
            logs.contains("/reset?token=redacted&Token_b=redacted&lang=uz"),
            "{logs}"
        );
        assert!(
            !logs.contains("0f3c9a7be2d14c55a1") && !logs.contains("77aa91"),
            "{logs}"
        );
    }
}

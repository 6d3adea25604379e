//! Building the application: database, seeds, actors, and the HTTP server on its listener.
//! Tests call `Application::build_with` with port 0 and a controllable clock.
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use sqlx::MySqlPool;
use uuid::Uuid;

use crate::accounts::rate_limit::RateLimiter;
use crate::accounts::session_store::MySqlSessionStore;
use crate::accounts::{self, AccountRules, Accounts};
use crate::bots::Bots;
use crate::catalog::Catalog;
use crate::chat::Chats;
use crate::chat::actor::ChatDeps;
use crate::chat::forward::Owners;
use crate::chat::recovery::Instance;
use crate::chat::service::{ChatService, UsageRules};
use crate::chat::spool::AnswerSpool;
use crate::clock::{SharedClock, SystemClock};
use crate::configuration::Settings;
use crate::database::{self, DatabaseError};
use crate::error::AppError;
use crate::events::EventStore;
use crate::i18n::Msg;
use crate::knowledge::vectors::VectorStore;
use crate::llm::local::LocalBackend;
use crate::llm::openai::OpenAiBackend;
use crate::llm::{Backends, ChatBackend};
use crate::mail::{MailError, Mailer};
use crate::net::ProxyTrust;
use crate::pdf_models::{Knowledge, ModelDeps, PdfModels};
use crate::site;
use crate::web::csrf::{self, CsrfConfig};
use crate::web::forward::Forwarder;
use crate::web::routes::{
    admin, api_chats, auth, bots, chat, health, language, models, openai, password, profile,
    settings,
};
use crate::web::templates::Templates;
use crate::web::upload::UploadLimit;
use crate::web::{assets, errors, security};
use actix_session::SessionMiddleware;
use actix_session::config::{PersistentSession, TtlExtensionPolicy};
use actix_web::cookie::{Key, SameSite};
use secrecy::ExposeSecret;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error("Could not seed the admin account: {0}")]
    Admin(#[from] accounts::admin::SeedError),
    #[error("Could not seed the site settings: {0}")]
    Site(#[from] site::SiteError),
    #[error("Could not load the model catalog: {0}")]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error("Could not open the PDF models' vectors (LANCEDB_DIR): {0}")]
    Vectors(#[from] crate::knowledge::vectors::VectorError),
    #[error("Could not load the templates: {0}")]
    Templates(#[from] Box<handlebars::TemplateError>),
    #[error("The e-mail settings are not usable: {0}")]
    Mail(#[from] MailError),
    #[error("Could not set up an HTTP client (OpenAI, the other instances): {0}")]
    Http(#[from] reqwest::Error),
    #[error("Could not listen on {address}: {source}")]
    Bind {
        address: String,
        source: std::io::Error,
    },
}

/// The model backends: the OpenAI-compatible client when a key is set.
fn backends(settings: &Settings) -> Result<Backends, StartupError> {
    let upstream = match OpenAiBackend::from_settings(&settings.llm) {
        Some(backend) => Some(Arc::new(backend?) as Arc<dyn ChatBackend>),
        None => None,
    };
    let mut backends = Backends::new(upstream);
    if settings.llm.local_model_enabled() {
        let local = LocalBackend::shared(settings.llm.local_model_options());
        backends.register(site::LOCAL_MODEL_ID, Arc::new(local));
    }
    Ok(backends)
}

/// How soon a catalog change made on another instance reaches this one.
const CATALOG_FOLLOW_INTERVAL: Duration = Duration::from_millis(500);

pub struct Application {
    port: u16,
    server: Server,
    pool: MySqlPool,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        Self::build_with(settings, Arc::new(SystemClock)).await
    }

    pub async fn build_with(settings: Settings, clock: SharedClock) -> Result<Self, StartupError> {
        // Every TLS client (OpenAI, SMTP) uses ring; a second call (tests) is a harmless no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let pool = database::prepare(&settings.database).await?;
        accounts::admin::seed(&pool, &settings.admin, &clock).await?;
        let store = EventStore::new(pool.clone(), clock.clone(), crate::projections());
        site::seed(&store, &settings).await?;
        let templates = Templates::load().map_err(Box::new)?;
        let address = settings.server.bind_addr.clone();
        let bind_error = |source| StartupError::Bind {
            address: address.clone(),
            source,
        };
        let listener = TcpListener::bind(&settings.server.bind_addr).map_err(bind_error)?;
        let port = listener.local_addr().map_err(bind_error)?.port();
        let catalog = Catalog::load(store.clone(), backends(&settings)?).await?;
        catalog.log_default_fallback();
        catalog.follow(CATALOG_FOLLOW_INTERVAL);
        let instance_id = Uuid::now_v7();
        let vectors = VectorStore::open(&settings.knowledge.lancedb_dir).await?;
        let pdf_models = PdfModels::start(
            ModelDeps {
                repository: crate::events::Repository::new(store.clone()),
                knowledge: Knowledge::new(&settings, vectors),
                instance_id,
                pool: pool.clone(),
                clock: clock.clone(),
            },
            catalog.clone(),
        );
        let chats = Chats::start(ChatDeps {
            repository: crate::events::Repository::new(store.clone()),
            clock: clock.clone(),
            idle_timeout: Duration::from_secs(settings.chat.actor_idle_secs),
            instance_id,
            catalog: catalog.clone(),
            system_prompt: settings.llm.system_prompt.clone(),
            model_titles: settings.chat.model_titles,
            spool: AnswerSpool::new(&settings.server.files_dir),
        });
        let mailer = Mailer::new(&settings.email, &settings.server.files_dir)?;
        let accounts = Accounts::new(
            pool.clone(),
            store.clone(),
            clock.clone(),
            mailer,
            AccountRules::from_settings(&settings),
        );
        let limiter = RateLimiter::new(
            pool.clone(),
            clock.clone(),
            settings.rate_limits.window_minutes,
        );
        spawn_housekeeping(pool.clone(), clock.clone(), limiter.clone(), &settings);
        let dead_after = time::Duration::seconds(settings.chat.instance_dead_after_secs);
        let instance = Instance {
            id: instance_id,
            address: reachable_at(&settings.server.instance_url, port),
        };
        crate::chat::recovery::spawn(
            pool.clone(),
            chats.clone(),
            clock.clone(),
            instance,
            dead_after,
        );
        crate::chat::blocked::spawn(pool.clone(), chats.clone(), instance_id);
        let chat_service = ChatService::new(
            pool.clone(),
            chats.clone(),
            catalog.clone(),
            clock.clone(),
            UsageRules {
                prompt_max_chars: settings.chat.prompt_max_chars,
                fallback_limit: settings.chat.default_max_prompts,
                default_daily_quota: settings.chat.default_daily_quota,
                prompts_per_minute: settings.rate_limits.prompts_per_minute,
            },
            Owners::new(pool.clone(), clock.clone(), instance_id, dead_after),
        );
        let bots = Bots::new(
            store.clone(),
            catalog.clone(),
            pdf_models.clone(),
            settings.bots.clone(),
            RateLimiter::new(pool.clone(), clock.clone(), 60),
        );
        let parts = Parts {
            chat_service,
            bots,
            pdf_models,
            catalog,
            settings,
            pool: pool.clone(),
            store,
            chats,
            templates: web::Data::new(templates),
            clock,
            accounts,
            limiter,
            forwarder: Forwarder::new()?,
        };
        let server = run(listener, parts).map_err(bind_error)?;
        Ok(Application { port, server, pool })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pool(&self) -> &MySqlPool {
        &self.pool
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// The shared pieces each worker registers as small `Data<T>` values.
#[derive(Clone)]
struct Parts {
    settings: Settings,
    pool: MySqlPool,
    store: EventStore,
    chats: Chats,
    templates: web::Data<Templates>,
    clock: SharedClock,
    accounts: Accounts,
    limiter: RateLimiter,
    chat_service: ChatService,
    catalog: Catalog,
    pdf_models: PdfModels,
    bots: Bots,
    forwarder: Forwarder,
}

/// INSTANCE_URL with the port this instance bound when it asked for any (port 0).
fn reachable_at(instance_url: &url::Url, port: u16) -> url::Url {
    let mut url = instance_url.clone();
    if url.port() == Some(0) {
        // Only fails for URLs without a host, which the settings refuse.
        let _ = url.set_port(Some(port));
    }
    url
}

/// Hourly clean-up of expired sessions and old rate-limit windows.
fn spawn_housekeeping(
    pool: MySqlPool,
    clock: SharedClock,
    limiter: RateLimiter,
    settings: &Settings,
) {
    let idle = time::Duration::hours(settings.session.idle_hours);
    let max_age = time::Duration::days(settings.session.max_days);
    actix_web::rt::spawn(async move {
        let mut every_hour = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every_hour.tick().await;
            let now = clock.now_utc();
            if let Err(error) =
                crate::store::sessions::delete_expired(&pool, now - idle, now - max_age).await
            {
                tracing::warn!(%error, "Could not delete expired sessions");
            }
            if let Err(error) = limiter.prune().await {
                tracing::warn!(%error, "Could not prune rate limits");
            }
        }
    });
}

fn session_middleware(parts: &Parts) -> SessionMiddleware<MySqlSessionStore> {
    let settings = &parts.settings;
    let secure = settings.server.public_url.scheme() == "https";
    // Called on each worker's thread: its session reads use connections of its own.
    let store = MySqlSessionStore::new(
        crate::database::thread_pool(&parts.pool),
        parts.clock.clone(),
        &settings.session,
    );
    let key = Key::derive_from(settings.server.session_secret.expose_secret().as_bytes());
    let lifecycle = PersistentSession::default()
        .session_ttl(actix_web::cookie::time::Duration::hours(
            settings.session.idle_hours,
        ))
        .session_ttl_extension_policy(TtlExtensionPolicy::OnEveryRequest);
    SessionMiddleware::builder(store, key)
        .cookie_name(if secure { "__Host-session" } else { "session" }.into())
        .cookie_secure(secure)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_path("/".into())
        .cookie_domain(None)
        .session_lifecycle(lifecycle)
        .build()
}

fn csrf_config(settings: &Settings) -> CsrfConfig {
    let secure = settings.server.public_url.scheme() == "https";
    CsrfConfig {
        cookie_name: if secure { "__Host-csrf" } else { "csrf" },
        secure,
        public_origin: settings.server.public_url.origin().ascii_serialization(),
        max_body_bytes: settings.server.max_body_bytes,
    }
}

fn body_limits(max: usize) -> (web::PayloadConfig, web::FormConfig, web::JsonConfig) {
    let form = web::FormConfig::default()
        .limit(max)
        .error_handler(|_, _| AppError::BadRequest(Msg::new("error-bad-form")).into());
    let json = web::JsonConfig::default()
        .limit(max)
        .error_handler(|_, _| AppError::BadRequest(Msg::new("error-bad-json")).into());
    (web::PayloadConfig::new(max), form, json)
}

async fn not_found() -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound)
}

fn api_routes() -> actix_web::Scope {
    web::scope("/api")
        .route("/models", web::get().to(api_chats::models))
        .route("/chats", web::get().to(api_chats::list))
        .route("/chats", web::post().to(api_chats::create))
        .route("/chats/{id}", web::patch().to(api_chats::update))
        .route("/chats/{id}", web::delete().to(api_chats::delete))
        .route("/chats/{id}/messages", web::get().to(api_chats::messages))
        .route("/chats/{id}/messages", web::post().to(api_chats::send))
        .route(
            "/chats/{id}/messages/{message_id}/edit",
            web::post().to(api_chats::edit),
        )
        .route(
            "/chats/{id}/regenerate",
            web::post().to(api_chats::regenerate),
        )
        .route("/chats/{id}/stream", web::get().to(api_chats::follow))
        .route("/chats/{id}/stop", web::post().to(api_chats::stop))
        .route(
            "/chats/{id}/answers/{message}/rating",
            web::put().to(api_chats::rate),
        )
}

fn run(listener: TcpListener, parts: Parts) -> std::io::Result<Server> {
    let server = HttpServer::new(move || {
        crate::registry::host_actors_here();
        let (payload, form, json) = body_limits(parts.settings.server.max_body_bytes);
        App::new()
            .wrap(from_fn(csrf::protect))
            .wrap(from_fn(errors::render))
            .wrap(security::headers(
                parts.settings.server.public_url.scheme() == "https",
            ))
            .wrap(Compress::default())
            .wrap(crate::telemetry::request_logger())
            .app_data(payload)
            .app_data(form)
            .app_data(json)
            .app_data(web::Data::new(parts.pool.clone()))
            .app_data(web::Data::new(parts.store.clone()))
            .app_data(web::Data::new(parts.chats.clone()))
            .app_data(web::Data::new(parts.clock.clone()))
            .app_data(web::Data::new(csrf_config(&parts.settings)))
            .app_data(parts.templates.clone())
            .app_data(web::Data::new(parts.accounts.clone()))
            .app_data(web::Data::new(parts.limiter.clone()))
            .app_data(web::Data::new(parts.chat_service.clone()))
            .app_data(web::Data::new(parts.catalog.clone()))
            .app_data(web::Data::new(parts.pdf_models.clone()))
            .app_data(web::Data::new(parts.bots.clone()))
            .app_data(web::Data::new(parts.forwarder.clone()))
            .app_data(web::Data::new(parts.settings.rate_limits.clone()))
            .app_data(web::Data::new(ProxyTrust {
                enabled: parts.settings.server.trust_proxy,
                proxies: parts.settings.server.trusted_proxies.clone(),
            }))
            .route("/healthz", web::get().to(health::healthz))
            .route("/static/{path:.*}", web::get().to(assets::serve))
            .route("/lang", web::post().to(language::switch))
            .service(openai::scope(
                "/v1",
                parts.settings.server.api_cors_origins.clone(),
                parts.settings.server.max_body_bytes,
            ))
            .service(openai::scope(
                "/api/v1",
                parts.settings.server.api_cors_origins.clone(),
                parts.settings.server.max_body_bytes,
            ))
            .service(
                web::scope("")
                    .wrap(session_middleware(&parts))
                    .route("/", web::get().to(chat::home))
                    .route("/c/{id}", web::get().to(chat::show))
                    .service(api_routes())
                    .route("/register", web::get().to(auth::register_form))
                    .route("/register", web::post().to(auth::register))
                    .route("/login", web::get().to(auth::login_form))
                    .route("/login", web::post().to(auth::login))
                    .route("/logout", web::post().to(auth::logout))
                    .route("/verify", web::get().to(auth::verify))
                    .route("/verify/resend", web::post().to(auth::resend_verification))
                    .route("/verify/status", web::get().to(auth::verification_status))
                    .route("/forgot", web::get().to(password::forgot_form))
                    .route("/forgot", web::post().to(password::forgot))
                    .route("/reset", web::get().to(password::reset_form))
                    .route("/reset", web::post().to(password::reset))
                    .route("/profile", web::get().to(profile::show))
                    .route("/profile", web::post().to(profile::update))
                    .route(
                        "/profile/password",
                        web::post().to(profile::change_password),
                    )
                    .route("/profile/delete", web::post().to(profile::delete))
                    .route("/profile/export", web::get().to(profile::export))
                    .service(crate::web::routes::profile_keys::scope())
                    .route("/settings", web::get().to(settings::show))
                    .route(
                        "/settings/instructions",
                        web::post().to(settings::save_instructions),
                    )
                    .route(
                        "/settings/chats/{id}/unarchive",
                        web::post().to(settings::unarchive),
                    )
                    .route(
                        "/profile/chats/delete",
                        web::post().to(profile::delete_chats),
                    )
                    .route("/models/{id}/source.pdf", web::get().to(models::source_pdf))
                    .route("/b/{id}", web::get().to(bots::start_page))
                    .service(bots::scope(UploadLimit::new(
                        parts.settings.bots.pdf_max_bytes,
                    )))
                    .service(admin::scope(UploadLimit::new(
                        parts.settings.server.model_pdf_max_bytes,
                    )))
                    .default_service(web::to(not_found)),
            )
            .default_service(web::to(not_found))
    })
    // Answers stream in small pieces: send each at once instead of waiting for the previous
    // one's ACK (Nagle + delayed ACK cost ~20 ms per piece on kept-alive connections).
    .on_connect(|connection, _| {
        if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
            let _ = tcp.set_nodelay(true);
        }
    })
    .listen(listener)?
    .shutdown_timeout(10)
    .run();
    Ok(server)
}

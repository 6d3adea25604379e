//! `/admin/settings`: the site-wide prompts-per-chat limit and the models offered in the picker.
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use sqlx::MySqlPool;

use crate::accounts::current::CurrentAdmin;
use crate::catalog::Catalog;
use crate::chat::service::ChatService;
use crate::domain::ModelRef;
use crate::error::AppError;
use crate::events::{EventStore, Metadata};
use crate::i18n::Msg;
use crate::site::events::ModelKind;
use crate::site::{self, aggregate::SiteCommand};
use crate::store::site as site_store;
use crate::web::page::{Page, see_other};

#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

pub async fn show(
    page: Page,
    admin: CurrentAdmin,
    query: web::Query<DoneQuery>,
    pool: web::Data<MySqlPool>,
    service: web::Data<ChatService>,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, AppError> {
    let models: Vec<_> = site_store::models(&pool)
        .await?
        .into_iter()
        .filter(|m| m.kind != ModelKind::Pdf) // PDF models have their own page
        .map(|m| json!({ "model": m, "status": catalog.status(&m.id) }))
        .collect();
    let data = json!({
        "default_limit": service.default_limit().await?, "models": models,
        "daily_quota": service.default_daily_quota(), "prompts_per_minute": service.prompts_per_minute(),
        "done": query.done.is_some(), "default_fallback": default_fallback_notice(&page, &catalog),
    });
    super::render(
        &page,
        &admin.0,
        "settings",
        "admin/settings",
        Msg::new("admin-nav-settings"),
        data,
    )
}

/// What the admin reads while their default model cannot answer on this server (a site
/// restarted without its API key): why, and which model new chats start with instead.
pub fn default_fallback_notice(page: &Page, catalog: &Catalog) -> Option<String> {
    let fallback = catalog.default_fallback()?;
    let msg = match &fallback.instead_name {
        Some(instead) => Msg::new("admin-default-fallback").arg("instead", instead),
        None => Msg::new("admin-default-none"),
    };
    Some(
        page.t(&msg
            .arg("chosen", fallback.chosen_name)
            .arg("reason", fallback.reason)),
    )
}

#[derive(Deserialize)]
pub struct LimitForm {
    limit: String,
}

pub async fn default_limit(
    admin: CurrentAdmin,
    form: web::Form<LimitForm>,
    store: web::Data<EventStore>,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, AppError> {
    let limit: u32 = form
        .limit
        .trim()
        .parse()
        .map_err(|_| AppError::Unprocessable(Msg::new("admin-number-invalid")))?;
    let command = SiteCommand::SetDefaultLimit { limit };
    site::change(&store, command, Metadata::admin(&admin.0.username)).await?;
    refresh(&catalog).await;
    Ok(see_other("/admin/settings?done=1"))
}

#[derive(Deserialize)]
pub struct ModelForm {
    action: String,
}

/// Enables, disables or makes default one model (an id no model can have is a 404, as an
/// unknown one is).
pub async fn model(
    admin: CurrentAdmin,
    model: web::Path<ModelRef>,
    form: web::Form<ModelForm>,
    store: web::Data<EventStore>,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, AppError> {
    let id = model.to_string();
    let command = match form.action.as_str() {
        "enable" => SiteCommand::EnableModel { id },
        "disable" => SiteCommand::DisableModel { id },
        "default" => SiteCommand::ChooseDefaultModel { id },
        _ => return Err(AppError::BadRequest(Msg::new("error-bad-request"))),
    };
    site::change(&store, command, Metadata::admin(&admin.0.username)).await?;
    refresh(&catalog).await;
    Ok(see_other("/admin/settings?done=1"))
}

/// This instance sees its own change at once (the others within the follow interval).
async fn refresh(catalog: &Catalog) {
    if let Err(error) = catalog.catch_up().await {
        tracing::warn!(%error, "The catalog will pick the change up on its next round");
    }
}

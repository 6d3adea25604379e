//! `/admin/settings`: the site-wide prompts-per-chat limit and the models offered in the picker.
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use sqlx::MySqlPool;

use crate::accounts::current::CurrentAdmin;
use crate::chat::service::ChatService;
use crate::error::AppError;
use crate::events::{EventStore, Metadata};
use crate::i18n::Msg;
use crate::llm::Backends;
use crate::site::{self, events::SiteEvent};
use crate::store::site as site_store;
use crate::web::page::{Page, see_other};

pub async fn show(
    page: Page,
    admin: CurrentAdmin,
    pool: web::Data<MySqlPool>,
    service: web::Data<ChatService>,
    backends: web::Data<Backends>,
) -> Result<HttpResponse, AppError> {
    let models: Vec<_> = site_store::models(&pool)
        .await?
        .into_iter()
        .map(|m| json!({ "model": m, "status": backends.status(&m.id) }))
        .collect();
    let data = json!({ "default_limit": service.default_limit().await?, "models": models });
    super::render(
        &page,
        &admin.0,
        "settings",
        "admin/settings",
        Msg::new("admin-nav-settings"),
        data,
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
) -> Result<HttpResponse, AppError> {
    let limit: u32 = form
        .limit
        .trim()
        .parse()
        .ok()
        .filter(|l| *l > 0)
        .ok_or(AppError::Unprocessable(Msg::new("admin-number-invalid")))?;
    let event = SiteEvent::DefaultPromptLimitChanged { limit };
    site::change(&store, event, Metadata::admin(&admin.0.username))
        .await
        .map_err(AppError::unexpected)?;
    Ok(see_other("/admin/settings"))
}

#[derive(Deserialize)]
pub struct ModelForm {
    action: String,
}

pub async fn model(
    admin: CurrentAdmin,
    path: web::Path<String>,
    form: web::Form<ModelForm>,
    pool: web::Data<MySqlPool>,
    store: web::Data<EventStore>,
) -> Result<HttpResponse, AppError> {
    let models = site_store::models(&pool).await?;
    let model = models
        .iter()
        .find(|m| m.id == *path)
        .ok_or(AppError::NotFound)?;
    let id = model.id.clone();
    let event = match form.action.as_str() {
        "enable" => SiteEvent::ModelEnabled { id },
        "disable" if model.is_default => {
            return Err(AppError::Conflict(Msg::new("admin-model-default-disable")));
        }
        "disable" => SiteEvent::ModelDisabled { id },
        "default" if !model.enabled => {
            return Err(AppError::Conflict(Msg::new("admin-model-enable-first")));
        }
        "default" => SiteEvent::DefaultModelChosen { id },
        _ => return Err(AppError::BadRequest(Msg::new("error-bad-request"))),
    };
    site::change(&store, event, Metadata::admin(&admin.0.username))
        .await
        .map_err(AppError::unexpected)?;
    Ok(see_other("/admin/settings"))
}

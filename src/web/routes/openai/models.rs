//! `GET /v1/models`: exactly what the key's owner may pick — the site's enabled models that can
//! answer (upstream, local, launched PDF models), their own bots and the shared bots they chat
//! with — in OpenAI's shape, plus our `name` and `kind`.
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use sqlx::MySqlPool;

use super::auth::authenticate;
use super::error::ApiError;
use crate::catalog::Catalog;
use crate::llm::BackendStatus;
use crate::site::aggregate::CatalogModel;
use crate::site::events::ModelKind;
use crate::store::chats;

/// The models `user` may use through the API, in the picker's order.
pub async fn offered(
    catalog: &Catalog,
    pool: &MySqlPool,
    user: uuid::Uuid,
) -> Result<Vec<CatalogModel>, sqlx::Error> {
    let mut offered: Vec<CatalogModel> = catalog
        .models()
        .into_iter()
        .filter(|m| m.enabled)
        .chain(catalog.picker_bots(user))
        .collect();
    for bot in chats::bots_used_by(pool, &user.to_string()).await? {
        if !offered.iter().any(|m| m.id == bot)
            && let Some(shared) = catalog.offered_to(&bot, user)
        {
            offered.push(shared);
        }
    }
    offered.retain(|m| !matches!(catalog.status(&m.id), BackendStatus::Unavailable { .. }));
    Ok(offered)
}

fn model_object(catalog: &Catalog, model: &CatalogModel) -> Value {
    let created = match crate::domain::ModelRef::parse(&model.id) {
        Some(crate::domain::ModelRef::Pdf(id)) => catalog
            .pdf_dates(id.as_uuid())
            .map_or(0, |dates| dates.created.assume_utc().unix_timestamp()),
        _ => 0,
    };
    let owned_by = match model.kind {
        ModelKind::Upstream => "openai",
        ModelKind::Local => "local",
        ModelKind::Pdf => "chatbot-factory",
        ModelKind::Bot => "user",
    };
    json!({
        "id": model.id,
        "object": "model",
        "created": created,
        "owned_by": owned_by,
        "name": model.name,
        "kind": model.kind.as_str(),
        "description": model.description,
    })
}

/// The caller's models, or why not.
async fn callers_models(
    req: &HttpRequest,
    pool: &MySqlPool,
    catalog: &Catalog,
) -> Result<Vec<CatalogModel>, ApiError> {
    let caller = authenticate(req, pool).await?;
    offered(catalog, pool, caller.user.uuid())
        .await
        .map_err(|e| ApiError::from_app(e.into(), crate::i18n::Lang::En))
}

pub async fn list(
    req: HttpRequest,
    pool: web::Data<MySqlPool>,
    catalog: web::Data<Catalog>,
) -> HttpResponse {
    match callers_models(&req, &pool, &catalog).await {
        Ok(models) => {
            let data: Vec<Value> = models.iter().map(|m| model_object(&catalog, m)).collect();
            HttpResponse::Ok().json(json!({ "object": "list", "data": data }))
        }
        Err(error) => error.response(),
    }
}

pub async fn one(
    req: HttpRequest,
    path: web::Path<String>,
    pool: web::Data<MySqlPool>,
    catalog: web::Data<Catalog>,
) -> HttpResponse {
    let found = callers_models(&req, &pool, &catalog)
        .await
        .and_then(|models| {
            models
                .into_iter()
                .find(|m| m.id == *path)
                .ok_or_else(|| ApiError::unknown_model(&path))
        });
    match found {
        Ok(model) => HttpResponse::Ok().json(model_object(&catalog, &model)),
        Err(error) => error.response(),
    }
}

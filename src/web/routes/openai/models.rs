//! `GET /v1/models`: exactly what the key's owner may pick — the site's enabled models that can
//! answer (upstream, local, launched PDF models), their own bots and the shared bots they chat
//! with — in OpenAI's shape, plus our `name` and `kind`; `GET /v1/models/{id}` one of them.
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::MySqlPool;

use super::auth::authenticate;
use super::error::ApiError;
use crate::catalog::Catalog;
use crate::domain::ModelRef;
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
    let created = match ModelRef::parse(&model.id) {
        Some(ModelRef::Pdf(id)) => catalog
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

/// The `{id}` of `/v1/models/{id}`, read once: a model id written as `/v1/models` lists it, or
/// text that names no model. Reading it never fails, so the key is checked first and a
/// malformed id gets the same OpenAI-shaped 404 as an unknown one, quoting what was asked.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(from = "String")]
pub enum AskedModel {
    /// A model id in the one spelling the API lists (ids are compared as written).
    Model(ModelRef),
    /// Anything else, kept to be quoted back.
    NoSuchModel(String),
}

impl From<String> for AskedModel {
    fn from(raw: String) -> Self {
        match ModelRef::parse(&raw) {
            Some(model) if model.to_string() == raw => AskedModel::Model(model),
            _ => AskedModel::NoSuchModel(raw),
        }
    }
}

impl AskedModel {
    /// The one of `models` asked for, or the API's 404 for it.
    fn among(self, models: Vec<CatalogModel>) -> Result<CatalogModel, ApiError> {
        let id = match self {
            AskedModel::Model(model) => model.to_string(),
            AskedModel::NoSuchModel(raw) => return Err(ApiError::unknown_model(&raw)),
        };
        models
            .into_iter()
            .find(|m| m.id == id)
            .ok_or_else(|| ApiError::unknown_model(&id))
    }
}

pub async fn one(
    req: HttpRequest,
    asked: web::Path<AskedModel>,
    pool: web::Data<MySqlPool>,
    catalog: web::Data<Catalog>,
) -> HttpResponse {
    let found = callers_models(&req, &pool, &catalog)
        .await
        .and_then(|models| asked.into_inner().among(models));
    match found {
        Ok(model) => HttpResponse::Ok().json(model_object(&catalog, &model)),
        Err(error) => error.response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(raw: &str) -> AskedModel {
        AskedModel::from(raw.to_owned())
    }

    #[test]
    fn an_id_is_a_model_only_as_the_api_lists_it() {
        for id in [
            "gpt-4o-mini",
            "meta-llama/Llama-3.1-8B:free",
            "pdf:0192f3e4-7b1c-7d2e-8f00-000000000001",
        ] {
            assert_eq!(
                asked(id),
                AskedModel::Model(ModelRef::parse(id).unwrap()),
                "{id}"
            );
        }
        for raw in [
            "pdf:not-a-uuid",
            "",
            " gpt-4o-mini",
            "pdf:0192F3E4-7B1C-7D2E-8F00-000000000001",
        ] {
            assert_eq!(
                asked(raw),
                AskedModel::NoSuchModel(raw.to_owned()),
                "{raw:?}"
            );
        }
    }

    fn listed(id: &str) -> CatalogModel {
        CatalogModel {
            id: id.to_owned(),
            name: id.to_owned(),
            description: String::new(),
            kind: ModelKind::Upstream,
            enabled: true,
        }
    }

    #[test]
    fn a_listed_id_finds_its_model() {
        let models = vec![
            listed("gpt-4o-mini"),
            listed("meta-llama/Llama-3.1-8B:free"),
        ];
        let found = asked("meta-llama/Llama-3.1-8B:free").among(models);
        assert_eq!(found.unwrap().id, "meta-llama/Llama-3.1-8B:free");
    }

    #[test]
    fn a_malformed_id_is_answered_as_an_unknown_model_quoting_it() {
        for raw in ["pdf:not-a-uuid", "gpt-9"] {
            let refused = asked(raw).among(vec![listed("gpt-4o-mini")]).unwrap_err();
            let unknown = ApiError::unknown_model(raw);
            assert_eq!(
                (refused.status, refused.code, refused.message),
                (unknown.status, unknown.code, unknown.message)
            );
        }
    }
}

//! `/admin/bots`: every user's bot (owner, visibility, state, chats, answers, tokens); disable
//! one with a reason its owner sees, enable it again. Changes go through `Bots`.
use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::MySqlPool;

use crate::accounts::current::CurrentAdmin;
use crate::bots::Bots;
use crate::catalog::Catalog;
use crate::domain::{BotId, ModelRef};
use crate::error::AppError;
use crate::events::Metadata;
use crate::i18n::Msg;
use crate::store::admin as lists;
use crate::web::page::{Page, see_other};

pub async fn list(
    page: Page,
    admin: CurrentAdmin,
    catalog: web::Data<Catalog>,
    pool: web::Data<MySqlPool>,
) -> Result<HttpResponse, AppError> {
    let usage: HashMap<String, lists::BotUsageRow> = lists::bot_usage(&pool)
        .await?
        .into_iter()
        .map(|row| (row.model.clone(), row))
        .collect();
    let owners: HashMap<String, String> = lists::usernames(&pool).await?.into_iter().collect();
    let mut rows: Vec<Value> = catalog
        .all_bots()
        .into_iter()
        .map(|(id, bot, created)| {
            let model = ModelRef::Bot(id.into()).to_string();
            let used = usage.get(&model).cloned().unwrap_or_default();
            json!({
                "id": id,
                "name": bot.name,
                "emoji": bot.avatar.emoji,
                "color": bot.avatar.color,
                "owner": owners.get(&bot.owner.to_string()).cloned().unwrap_or_default(),
                "owner_id": bot.owner,
                "shared": bot.shared,
                "disabled": bot.disabled,
                "pdf": bot.knowledge.as_ref().map(|k| k.file_name.clone()),
                "base_model": catalog.name_of(&bot.base_model).unwrap_or_else(|| bot.base_model.clone()),
                "created": created.map(|c| c.assume_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()),
                "chats": used.chats,
                "answers": used.answers,
                "tokens": used.tokens,
            })
        })
        .collect();
    rows.reverse();
    super::render(
        &page,
        &admin.0,
        "bots",
        "admin/bots",
        Msg::new("admin-nav-bots"),
        json!({ "bots": rows }),
    )
}

#[derive(Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    reason: String,
}

pub async fn disable(
    admin: CurrentAdmin,
    id: web::Path<BotId>,
    form: web::Form<DisableForm>,
    bots: web::Data<Bots>,
) -> Result<HttpResponse, AppError> {
    let metadata = Metadata::admin(&admin.0.username);
    bots.disable(id.into_inner(), &form.reason, &metadata)
        .await?;
    Ok(see_other("/admin/bots?done=disabled"))
}

pub async fn enable(
    admin: CurrentAdmin,
    id: web::Path<BotId>,
    bots: web::Data<Bots>,
) -> Result<HttpResponse, AppError> {
    let metadata = Metadata::admin(&admin.0.username);
    bots.enable(id.into_inner(), &metadata).await?;
    Ok(see_other("/admin/bots?done=enabled"))
}

//! `/admin`: today's and all-time figures, and charts for a date range (7/30/90 days or custom).
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use sqlx::MySqlPool;

use crate::accounts::current::CurrentAdmin;
use crate::admin::{self, Range};
use crate::catalog::Catalog;
use crate::chat::Chats;
use crate::clock::SharedClock;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::web::page::Page;

#[derive(Deserialize)]
pub struct RangeQuery {
    #[serde(default)]
    range: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

pub async fn show(
    page: Page,
    admin: CurrentAdmin,
    query: web::Query<RangeQuery>,
    pool: web::Data<MySqlPool>,
    clock: web::Data<SharedClock>,
    chats: web::Data<Chats>,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, AppError> {
    let today = clock.now_utc().date();
    let range = Range::parse(
        query.range.as_deref(),
        query.from.as_deref(),
        query.to.as_deref(),
        today,
    );
    let dashboard = admin::dashboard(&pool, &clock, &range, |id| catalog.name_of(id)).await?;
    let charts: Vec<_> = dashboard
        .charts
        .iter()
        .map(|c| json!({ "title": page.t(&Msg::new(c.title_id)), "svg": c.svg }))
        .collect();
    let running = chats.running();
    super::render(
        &page,
        &admin.0,
        "dashboard",
        "admin/dashboard",
        Msg::new("admin-nav-dashboard"),
        json!({ "range": range, "dashboard": dashboard, "charts": charts, "running_chats": running, "today": today.to_string(),
                "default_fallback": super::settings::default_fallback_notice(&page, &catalog) }),
    )
}

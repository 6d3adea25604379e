//! `/admin/audit`: every admin action, newest first.
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use sqlx::MySqlPool;

use crate::accounts::current::CurrentAdmin;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::store::admin::{self, Page as ListPage};
use crate::web::page::Page;

const PAGE_SIZE: u32 = 50;

#[derive(Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    page: Option<u32>,
}

pub async fn list(
    page: Page,
    admin: CurrentAdmin,
    query: web::Query<AuditQuery>,
    pool: web::Data<MySqlPool>,
) -> Result<HttpResponse, AppError> {
    let number = query.page.unwrap_or(1).max(1);
    let (rows, total) = admin::audit(
        &pool,
        &ListPage {
            number,
            size: PAGE_SIZE,
        },
    )
    .await?;
    let data = json!({ "rows": rows, "pagination": super::pagination(number, PAGE_SIZE, total) });
    super::render(
        &page,
        &admin.0,
        "audit",
        "admin/audit",
        Msg::new("admin-nav-audit"),
        data,
    )
}

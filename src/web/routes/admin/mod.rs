//! `/admin`: the admin area. The router is built from `routes()`, one list that tests walk too:
//! every route but the login takes `CurrentAdmin`, so a user session gets 403 and no session gets
//! the admin login page.
pub mod api_keys;
pub mod audit;
pub mod bots;
pub mod chats;
pub mod dashboard;
pub mod events;
pub(crate) mod exporting;
pub mod login;
pub mod models;
pub mod settings;
pub mod users;

use actix_web::http::Method;
use actix_web::{HttpResponse, Route, Scope, web};
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::AppError;
use crate::i18n::Msg;
use crate::store::admins::AdminRow;
use crate::web::page::Page;
use crate::web::upload::UploadLimit;

pub struct AdminRoute {
    pub method: Method,
    /// Relative to `/admin`; `{id}` and `{format}` are path parameters.
    pub path: &'static str,
    /// Reachable without an admin session.
    pub public: bool,
    route: fn() -> Route,
}

const fn route(method: Method, path: &'static str, route: fn() -> Route) -> AdminRoute {
    AdminRoute {
        method,
        path,
        public: false,
        route,
    }
}

pub fn routes() -> Vec<AdminRoute> {
    vec![
        AdminRoute {
            method: Method::GET,
            path: "/login",
            public: true,
            route: || web::get().to(login::form),
        },
        AdminRoute {
            method: Method::POST,
            path: "/login",
            public: true,
            route: || web::post().to(login::login),
        },
        AdminRoute {
            method: Method::POST,
            path: "/logout",
            public: true,
            route: || web::post().to(login::logout),
        },
        route(Method::GET, "", || web::get().to(dashboard::show)),
        route(Method::GET, "/users", || web::get().to(users::list)),
        route(Method::GET, "/users/{id}", || web::get().to(users::show)),
        route(Method::POST, "/users/{id}/block", || {
            web::post().to(users::block)
        }),
        route(Method::POST, "/users/{id}/unblock", || {
            web::post().to(users::unblock)
        }),
        route(Method::POST, "/users/{id}/quota", || {
            web::post().to(users::quota)
        }),
        route(Method::POST, "/users/{id}/print", || {
            web::post().to(users::print)
        }),
        route(Method::POST, "/users/{id}/export/{format}", || {
            web::post().to(users::export)
        }),
        route(Method::POST, "/export", || {
            web::post().to(users::bulk_export)
        }),
        route(Method::GET, "/bots", || web::get().to(bots::list)),
        route(Method::POST, "/bots/{id}/disable", || {
            web::post().to(bots::disable)
        }),
        route(Method::POST, "/bots/{id}/enable", || {
            web::post().to(bots::enable)
        }),
        route(Method::GET, "/api-keys", || web::get().to(api_keys::list)),
        route(Method::POST, "/api-keys/{id}/revoke", || {
            web::post().to(api_keys::revoke)
        }),
        route(Method::GET, "/chats", || web::get().to(chats::list)),
        route(Method::GET, "/chats/{id}", || web::get().to(chats::show)),
        route(Method::POST, "/chats/{id}/limit", || {
            web::post().to(chats::limit)
        }),
        route(Method::POST, "/chats/{id}/print", || {
            web::post().to(chats::print)
        }),
        route(Method::POST, "/chats/{id}/export/{format}", || {
            web::post().to(chats::export)
        }),
        route(Method::GET, "/settings", || web::get().to(settings::show)),
        route(Method::POST, "/settings/limit", || {
            web::post().to(settings::default_limit)
        }),
        route(Method::POST, "/settings/models/{id}", || {
            web::post().to(settings::model)
        }),
        route(Method::GET, "/audit", || web::get().to(audit::list)),
        route(Method::GET, "/events", || web::get().to(events::list)),
        route(Method::GET, "/events/streams/{id}", || {
            web::get().to(events::stream)
        }),
        route(Method::POST, "/events/download/{format}", || {
            web::post().to(events::download)
        }),
        route(Method::GET, "/models", || web::get().to(models::list)),
        route(Method::POST, "/models", || web::post().to(models::create)),
        route(Method::GET, "/models/status", || {
            web::get().to(models::status)
        }),
        route(Method::GET, "/models/new", || {
            web::get().to(models::new_form)
        }),
        route(Method::GET, "/models/{id}", || web::get().to(models::show)),
        route(Method::POST, "/models/{id}", || {
            web::post().to(models::edit)
        }),
        route(Method::POST, "/models/{id}/launch", || {
            web::post().to(models::launch)
        }),
        route(Method::POST, "/models/{id}/unlaunch", || {
            web::post().to(models::unlaunch)
        }),
        route(Method::POST, "/models/{id}/reingest", || {
            web::post().to(models::reingest)
        }),
        route(Method::GET, "/models/{id}/delete", || {
            web::get().to(models::confirm_delete)
        }),
        route(Method::POST, "/models/{id}/delete", || {
            web::post().to(models::delete)
        }),
        route(Method::GET, "/models/{id}/source.pdf", || {
            web::get().to(models::source_pdf)
        }),
    ]
}

/// The admin area; `upload` is the limit of its one upload route (a PDF model's file).
pub fn scope(upload: UploadLimit) -> Scope {
    routes()
        .into_iter()
        .fold(web::scope("/admin").app_data(upload), |scope, r| {
            scope.route(r.path, (r.route)())
        })
}

#[derive(Serialize)]
struct NavItem {
    key: &'static str,
    href: &'static str,
    label: String,
}

/// Renders an admin page: the admin layout's navigation and who is logged in, plus `data`.
pub fn render(
    page: &Page,
    admin: &AdminRow,
    nav: &'static str,
    template: &str,
    title: Msg,
    data: Value,
) -> Result<HttpResponse, AppError> {
    let items = [
        ("users", "/admin/users", "admin-nav-users"),
        ("chats", "/admin/chats", "admin-nav-chats"),
        ("models", "/admin/models", "admin-nav-pdf-models"),
        ("bots", "/admin/bots", "admin-nav-bots"),
        ("api_keys", "/admin/api-keys", "admin-nav-api-keys"),
        ("settings", "/admin/settings", "admin-nav-settings"),
        ("audit", "/admin/audit", "admin-nav-audit"),
        ("events", "/admin/events", "admin-nav-events"),
    ];
    let nav_items: Vec<NavItem> = items
        .iter()
        .map(|(key, href, label)| NavItem {
            key,
            href,
            label: page.t(&Msg::new(label)),
        })
        .collect();
    let mut context = json!({
        "title": page.t(&title),
        "admin": { "username": admin.username, "email": admin.email },
        "nav": nav,
        "admin_nav": nav_items,
    });
    if let (Some(context), Value::Object(data)) = (context.as_object_mut(), data) {
        context.extend(data);
    }
    page.render(template, context)
}

/// Page numbers for a list of `total` rows shown `size` at a time.
pub fn pagination(page: u32, size: u32, total: u64) -> Value {
    let pages = total.div_ceil(u64::from(size)).max(1) as u32;
    let page = page.clamp(1, pages);
    json!({ "page": page, "pages": pages, "total": total, "prev": (page > 1).then(|| page - 1), "next": (page < pages).then(|| page + 1) })
}

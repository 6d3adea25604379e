//! `Page`: what every rendered page needs from the request (language, CSRF token, theme, path),
//! merged with the page's own data and rendered through the shared layout.
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde_json::{Value, json};

use super::csrf::CsrfToken;
use super::templates::Templates;
use crate::error::AppError;
use crate::i18n::{Lang, Msg};

#[derive(Clone)]
pub struct Page {
    pub lang: Lang,
    pub csrf: String,
    pub path: String,
    pub theme: &'static str,
    templates: web::Data<Templates>,
}

impl Page {
    pub fn from_request_parts(req: &HttpRequest) -> Result<Page, AppError> {
        let templates = req
            .app_data::<web::Data<Templates>>()
            .cloned()
            .ok_or_else(|| AppError::unexpected(anyhow::anyhow!("templates not registered")))?;
        let csrf = req
            .extensions()
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        let theme = match req.cookie("theme").as_ref().map(|c| c.value()) {
            Some("dark") => "dark",
            Some("light") => "light",
            _ => "system",
        };
        Ok(Page {
            lang: Lang::from_request(req),
            csrf,
            path: req.path().to_owned(),
            theme,
            templates,
        })
    }

    pub fn t(&self, msg: &Msg) -> String {
        msg.translate(self.lang)
    }

    /// The context every template can use, with the page's own `data` merged on top.
    pub fn context(&self, data: impl Serialize) -> Value {
        let languages: Vec<Value> = Lang::ALL
            .iter()
            .map(|l| json!({ "code": l.code(), "name": l.native_name(), "current": *l == self.lang }))
            .collect();
        let mut context = json!({
            "lang": self.lang.code(),
            "languages": languages,
            "csrf": self.csrf,
            "path": self.path,
            "theme": self.theme,
        });
        if let (Some(base), Ok(Value::Object(extra))) =
            (context.as_object_mut(), serde_json::to_value(data))
        {
            base.extend(extra);
        }
        context
    }

    pub fn render_string(&self, template: &str, data: impl Serialize) -> Result<String, AppError> {
        self.templates.render(template, &self.context(data))
    }

    pub fn render(&self, template: &str, data: impl Serialize) -> Result<HttpResponse, AppError> {
        self.render_with_status(actix_web::http::StatusCode::OK, template, data)
    }

    pub fn render_with_status(
        &self,
        status: actix_web::http::StatusCode,
        template: &str,
        data: impl Serialize,
    ) -> Result<HttpResponse, AppError> {
        let html = self.render_string(template, data)?;
        Ok(HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(html))
    }
}

impl FromRequest for Page {
    type Error = AppError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Page::from_request_parts(req))
    }
}

/// A 303 redirect (after a form post, or to the login page).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}

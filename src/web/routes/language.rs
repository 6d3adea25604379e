//! `POST /lang`: the language switcher. The choice is remembered in a cookie for a year.
use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::i18n::{LANG_COOKIE, Lang};

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    #[serde(default)]
    next: String,
}

/// Only paths on this site: a single `/` followed by anything but `/`, `\` or a control
/// character, and no control character anywhere (`/\t/evil.example` reads as `//evil.example`
/// to a browser, and a control character cannot go into a `Location` header). Anything else
/// is `/`.
pub fn local_path(next: &str) -> &str {
    let mut chars = next.chars();
    let first_ok = chars.next() == Some('/');
    let second_ok = match chars.next() {
        None => true,
        Some(c) => c != '/' && c != '\\' && !c.is_control() && !c.is_whitespace(),
    };
    if first_ok && second_ok && !next.chars().any(|c| c.is_control() || c == '\\') {
        next
    } else {
        "/"
    }
}

pub async fn switch(form: web::Form<LanguageForm>) -> HttpResponse {
    let lang = Lang::parse(&form.lang).unwrap_or_default();
    let cookie = Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(Duration::days(365))
        .finish();
    HttpResponse::SeeOther()
        .cookie(cookie)
        .insert_header((actix_web::http::header::LOCATION, local_path(&form.next)))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_paths_on_this_site_pass() {
        for ok in ["/", "/c/123", "/admin?range=7d", "/профиль"] {
            assert_eq!(local_path(ok), ok);
        }
        for bad in [
            "",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/ /evil.example",
            "https://evil.example",
            "evil",
            "/c/1\r\nSet-Cookie: x=1",
            "/\u{7f}x",
            "/c\\..\\x",
        ] {
            assert_eq!(local_path(bad), "/", "{bad:?}");
        }
    }
}

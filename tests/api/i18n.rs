//! Every visible string is a message id present in all three catalogs.
use std::collections::BTreeSet;

use chatbot_factory::web::templates::Templates;

use crate::helpers::spawn_app;

fn catalog_ids(lang: &str) -> BTreeSet<String> {
    let path = format!(
        "{}/src/i18n/locales/{lang}/main.ftl",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_owned()))
        .collect()
}

/// Ids used as `{{t "id"}}` / `(t "id")` in templates.
fn template_ids() -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for (_, source) in Templates::sources() {
        for part in source.split("t \"").skip(1) {
            if let Some(id) = part.split('"').next().filter(|id| {
                id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            }) {
                ids.insert(id.to_owned());
            }
        }
    }
    ids
}

/// Ids used in Rust code as `Msg::new("id")` or `t(lang, "id")`.
fn code_ids() -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = std::fs::read_to_string(&path).unwrap();
                for marker in ["Msg::new(\"", "msg(\""] {
                    for part in source.split(marker).skip(1) {
                        ids.insert(part.split('"').next().unwrap().to_owned());
                    }
                }
            }
        }
    }
    ids
}

#[test]
fn all_catalogs_have_the_same_message_ids() {
    let english = catalog_ids("en");
    assert!(english.len() > 10);
    for lang in ["uz", "ru"] {
        let other = catalog_ids(lang);
        let missing: Vec<_> = english.difference(&other).collect();
        let extra: Vec<_> = other.difference(&english).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{lang}: missing {missing:?}, extra {extra:?}"
        );
    }
}

#[test]
fn every_id_used_in_templates_and_code_exists_in_every_catalog() {
    let used: BTreeSet<String> = template_ids().union(&code_ids()).cloned().collect();
    assert!(used.len() > 10, "{used:?}");
    for lang in ["en", "uz", "ru"] {
        let catalog = catalog_ids(lang);
        let missing: Vec<_> = used.iter().filter(|id| !catalog.contains(*id)).collect();
        assert!(missing.is_empty(), "{lang} lacks {missing:?}");
    }
}

#[actix_web::test]
async fn the_language_follows_accept_language_then_the_switcher() {
    let app = spawn_app().await;
    let russian = app
        .api
        .get(app.url("/login"))
        .header("accept-language", "ru-RU,ru;q=0.9")
        .send()
        .await
        .unwrap();
    let html = russian.text().await.unwrap();
    assert!(html.contains(r#"<html lang="ru""#));

    let response = app
        .post_form("/lang", &[("lang", "uz"), ("next", "/")])
        .await;
    assert_eq!(response.status(), 303);
    // The cookie now wins over the browser's header.
    let uzbek = app
        .api
        .get(app.url("/login"))
        .header("accept-language", "ru")
        .send()
        .await
        .unwrap();
    assert!(uzbek.text().await.unwrap().contains(r#"<html lang="uz""#));
}

#[actix_web::test]
async fn the_switcher_never_redirects_off_site() {
    let app = spawn_app().await;
    let response = app
        .post_form("/lang", &[("lang", "en"), ("next", "//evil.example/")])
        .await;
    assert_eq!(crate::helpers::location(&response), "/");
}

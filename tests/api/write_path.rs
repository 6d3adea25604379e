//! The one write path under contention: every change is applied or reported, never dropped.
use chatbot_factory::events::{Metadata, RepositoryError};
use chatbot_factory::site::{self, aggregate::SiteCommand, aggregate::SiteRuleError};
use chatbot_factory::startup::Application;

use crate::helpers::{PASSWORD, eventually, spawn_app};

#[actix_web::test]
async fn concurrent_site_changes_are_each_applied_or_reported_never_dropped() {
    let app = spawn_app().await;
    let store = app.store();
    // Twenty admins (or instances) change the same stream at once: most of them lose races.
    let changes = (1..=20u32).map(|i| {
        let store = store.clone();
        async move {
            let command = SiteCommand::SetDefaultLimit { limit: 100 + i };
            (
                100 + i,
                site::change(&store, command, Metadata::admin("admin")).await,
            )
        }
    });
    let results = futures::future::join_all(changes).await;

    let site = site::load(&store).await.expect("the site stream loads");
    let logged: Vec<u32> = store
        .load("site", "global")
        .await
        .unwrap()
        .iter()
        .filter(|e| e.event_type == "DefaultPromptLimitChanged")
        .map(|e| e.payload.0["limit"].as_u64().unwrap() as u32)
        .collect();
    let mut applied = 0;
    for (limit, result) in &results {
        match result {
            Ok(recorded) => {
                applied += 1;
                assert_eq!(recorded.len(), 1, "limit {limit} was appended");
                assert!(logged.contains(limit), "limit {limit} is in the log");
            }
            Err(RepositoryError::Contention { attempts, .. }) => {
                assert!(*attempts > 1);
                assert!(!logged.contains(limit), "a reported failure left no event");
            }
            Err(other) => panic!("limit {limit}: unexpected error {other}"),
        }
    }
    assert!(applied > 0);
    assert_eq!(
        logged.len(),
        applied + 1,
        "the seed's limit plus every applied one"
    );
    assert_eq!(site.default_limit, logged.last().copied());
    let projected: String =
        sqlx::query_scalar("SELECT value FROM setting WHERE name = 'default_prompt_limit'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(projected, logged.last().unwrap().to_string());
}

#[actix_web::test]
async fn a_refused_site_change_is_a_typed_rule_error() {
    let app = spawn_app().await;
    let store = app.store();
    let zero = SiteCommand::SetDefaultLimit { limit: 0 };
    match site::change(&store, zero, Metadata::admin("admin")).await {
        Err(RepositoryError::Rule(SiteRuleError::LimitTooSmall)) => {}
        other => panic!("expected a rule error, got {other:?}"),
    }
}

#[actix_web::test]
async fn a_catalog_change_made_on_one_instance_reaches_the_other() {
    let app = spawn_app().await;
    app.verified_user("farrux", PASSWORD).await;
    // A second instance of the app on the same database (as behind a load balancer).
    let second = Application::build_with(app.settings.clone(), app.clock.clone())
        .await
        .expect("the second instance builds");
    let second_url = format!("http://127.0.0.1:{}", second.port());
    actix_web::rt::spawn(second.run_until_stopped());
    let offered_on_second = || async {
        let picker: serde_json::Value = app
            .api
            .get(format!("{second_url}/api/models"))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json");
        picker["models"]
            .as_array()
            .expect("models")
            .iter()
            .map(|m| m["id"].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    assert!(offered_on_second().await.contains(&"gpt-4o".to_owned()));

    // The admin disables a model on the first instance...
    let admin = app.admin_client().await;
    let disabled = app
        .post_form_with(
            &admin,
            "/admin/settings/models/gpt-4o",
            &[("action", "disable")],
        )
        .await;
    assert_eq!(disabled.status(), 303);
    assert!(!offered_on_second().await.is_empty());

    // ...and the second instance learns it from the log: gone from its picker, refused for prompts.
    eventually("the second instance to drop the model", || async {
        !offered_on_second().await.contains(&"gpt-4o".to_owned())
    })
    .await;
    let token = app.csrf_token().await;
    let refused = app
        .api
        .post(format!("{second_url}/api/chats"))
        .header("X-CSRF-Token", token)
        .json(&serde_json::json!({ "prompt": "hello", "model": "gpt-4o" }))
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 400);
}

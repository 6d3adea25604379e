//! Given/when/then tests of the site aggregate's rules.
use super::*;

fn given(events: &[SiteEvent]) -> Site {
    Site::from_events(events)
}

fn wanted(id: &str, kind: ModelKind) -> WantedModel {
    WantedModel {
        id: id.into(),
        name: id.to_uppercase(),
        kind,
    }
}

fn seeded() -> Vec<SiteEvent> {
    given(&[])
        .handle(SiteCommand::Seed {
            default_limit: 30,
            models: vec![
                wanted("local:qwen", ModelKind::Local),
                wanted("gpt-4o-mini", ModelKind::Upstream),
            ],
            prefer_upstream: true,
        })
        .expect("a fresh site is seeded")
}

#[test]
fn a_fresh_site_is_seeded_from_env_with_an_upstream_default_when_there_is_a_key() {
    let events = seeded();
    assert_eq!(
        events[0],
        SiteEvent::DefaultPromptLimitChanged { limit: 30 }
    );
    assert_eq!(events.len(), 4);
    assert_eq!(
        events.last(),
        Some(&SiteEvent::DefaultModelChosen {
            id: "gpt-4o-mini".into()
        })
    );
}

#[test]
fn seeding_again_adds_only_new_models_and_keeps_the_admins_choices() {
    let mut history = seeded();
    history.push(SiteEvent::DefaultPromptLimitChanged { limit: 5 });
    let events = given(&history)
        .handle(SiteCommand::Seed {
            default_limit: 30,
            models: vec![
                wanted("local:qwen", ModelKind::Local),
                wanted("gpt-4.1", ModelKind::Upstream),
            ],
            prefer_upstream: true,
        })
        .unwrap();
    assert_eq!(
        events,
        vec![SiteEvent::ModelAdded {
            id: "gpt-4.1".into(),
            name: "GPT-4.1".into(),
            kind: ModelKind::Upstream
        }]
    );
}

#[test]
fn the_limit_must_be_positive() {
    let site = given(&seeded());
    assert_eq!(
        site.handle(SiteCommand::SetDefaultLimit { limit: 0 }),
        Err(SiteRuleError::LimitTooSmall)
    );
    assert_eq!(
        site.handle(SiteCommand::SetDefaultLimit { limit: 7 }),
        Ok(vec![SiteEvent::DefaultPromptLimitChanged { limit: 7 }])
    );
}

#[test]
fn the_default_model_cannot_be_disabled_and_a_disabled_one_cannot_become_default() {
    let site = given(&seeded());
    assert_eq!(
        site.handle(SiteCommand::DisableModel {
            id: "gpt-4o-mini".into()
        }),
        Err(SiteRuleError::DisablingTheDefault)
    );
    let disable = site
        .handle(SiteCommand::DisableModel {
            id: "local:qwen".into(),
        })
        .unwrap();
    assert_eq!(
        disable,
        vec![SiteEvent::ModelDisabled {
            id: "local:qwen".into()
        }]
    );
    let mut history = seeded();
    history.extend(disable);
    let site = given(&history);
    assert_eq!(
        site.handle(SiteCommand::ChooseDefaultModel {
            id: "local:qwen".into()
        }),
        Err(SiteRuleError::DefaultMustBeEnabled)
    );
    assert_eq!(
        site.handle(SiteCommand::EnableModel {
            id: "local:qwen".into()
        }),
        Ok(vec![SiteEvent::ModelEnabled {
            id: "local:qwen".into()
        }])
    );
}

#[test]
fn unknown_models_are_refused() {
    let site = given(&seeded());
    for command in [
        SiteCommand::EnableModel { id: "nope".into() },
        SiteCommand::DisableModel { id: "nope".into() },
        SiteCommand::ChooseDefaultModel { id: "nope".into() },
    ] {
        assert_eq!(site.handle(command), Err(SiteRuleError::UnknownModel));
    }
}

#[test]
fn event_type_names_are_the_serde_tags() {
    for event in seeded() {
        let payload = serde_json::to_value(&event).unwrap();
        assert_eq!(
            payload["type"],
            crate::events::DomainEvent::event_type(&event)
        );
    }
}

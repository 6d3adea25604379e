//! Given/when/then tests of the user aggregate's rules.
use super::*;

fn given(events: &[UserEvent]) -> User {
    User::from_events(events)
}

fn registered() -> Vec<UserEvent> {
    vec![UserEvent::UserRegistered {
        username: "aziza".into(),
        email: "aziza@example.com".into(),
        password_hash: "hash-1".into(),
        verified: false,
    }]
}

fn with(mut events: Vec<UserEvent>, more: UserEvent) -> Vec<UserEvent> {
    events.push(more);
    events
}

#[test]
fn registering_twice_is_refused() {
    let register = UserCommand::Register {
        username: "aziza".into(),
        email: "aziza@example.com".into(),
        password_hash: "h".into(),
        verified: true,
    };
    assert_eq!(
        given(&[]).handle(register.clone()).expect("a new account"),
        vec![UserEvent::UserRegistered {
            username: "aziza".into(),
            email: "aziza@example.com".into(),
            password_hash: "h".into(),
            verified: true,
        }]
    );
    assert_eq!(
        given(&registered()).handle(register),
        Err(UserRuleError::AlreadyRegistered)
    );
}

#[test]
fn a_missing_or_deleted_account_refuses_every_change() {
    assert_eq!(
        given(&[]).handle(UserCommand::RecordLogin),
        Err(UserRuleError::NotFound)
    );
    let deleted = with(registered(), UserEvent::UserDeleted);
    assert_eq!(
        given(&deleted).handle(UserCommand::Unblock),
        Err(UserRuleError::NotFound)
    );
}

#[test]
fn verifying_needs_the_current_address_and_happens_once() {
    let user = given(&registered());
    let old_link = UserCommand::VerifyEmail {
        email: "old@example.com".into(),
    };
    assert_eq!(user.handle(old_link), Err(UserRuleError::AddressChanged));
    let link = UserCommand::VerifyEmail {
        email: "aziza@example.com".into(),
    };
    let events = user.handle(link.clone()).expect("verified");
    assert_eq!(
        events,
        vec![UserEvent::EmailVerified {
            email: "aziza@example.com".into()
        }]
    );
    let verified = with(registered(), events[0].clone());
    assert_eq!(given(&verified).handle(link), Ok(vec![]));
}

#[test]
fn a_blocked_user_cannot_log_in_and_learns_why() {
    let blocked = with(
        registered(),
        UserEvent::UserBlocked {
            reason: Some("spam".into()),
        },
    );
    assert_eq!(
        given(&blocked).handle(UserCommand::RecordLogin),
        Err(UserRuleError::Blocked {
            reason: Some("spam".into())
        })
    );
    let unblocked = with(blocked, UserEvent::UserUnblocked);
    assert_eq!(
        given(&unblocked).handle(UserCommand::RecordLogin),
        Ok(vec![UserEvent::UserLoggedIn])
    );
}

#[test]
fn blocking_trims_the_reason_and_is_idempotent() {
    let block = UserCommand::Block {
        reason: Some("   ".into()),
    };
    let events = given(&registered()).handle(block.clone()).unwrap();
    assert_eq!(events, vec![UserEvent::UserBlocked { reason: None }]);
    let long = UserCommand::Block {
        reason: Some(format!("  {}  ", "x".repeat(900))),
    };
    match &given(&registered()).handle(long).unwrap()[..] {
        [UserEvent::UserBlocked { reason: Some(r) }] => assert_eq!(r.chars().count(), 500),
        other => panic!("unexpected {other:?}"),
    }
    let blocked = with(registered(), events[0].clone());
    assert_eq!(given(&blocked).handle(block), Ok(vec![]));
    assert_eq!(
        given(&registered()).handle(UserCommand::Unblock),
        Ok(vec![])
    );
}

#[test]
fn a_new_address_must_be_verified_again_but_a_new_name_keeps_the_state() {
    let verified = with(
        registered(),
        UserEvent::EmailVerified {
            email: "aziza@example.com".into(),
        },
    );
    let user = given(&verified);
    let rename = UserCommand::UpdateProfile {
        username: "aziza_k".into(),
        email: "aziza@example.com".into(),
        verification_required: true,
    };
    assert_eq!(
        user.handle(rename).unwrap(),
        vec![UserEvent::ProfileUpdated {
            username: Some("aziza_k".into()),
            email: None,
            verified: true,
        }]
    );
    let move_address = UserCommand::UpdateProfile {
        username: "aziza".into(),
        email: "new@example.com".into(),
        verification_required: true,
    };
    assert_eq!(
        user.handle(move_address).unwrap(),
        vec![UserEvent::ProfileUpdated {
            username: None,
            email: Some("new@example.com".into()),
            verified: false,
        }]
    );
    let nothing = UserCommand::UpdateProfile {
        username: "aziza".into(),
        email: "aziza@example.com".into(),
        verification_required: true,
    };
    assert_eq!(user.handle(nothing), Ok(vec![]));
}

#[test]
fn the_quota_changes_only_when_it_differs() {
    let user = given(&registered());
    assert_eq!(
        user.handle(UserCommand::SetDailyQuota { prompts: 0 }),
        Ok(vec![])
    );
    let events = user
        .handle(UserCommand::SetDailyQuota { prompts: 50 })
        .unwrap();
    assert_eq!(events, vec![UserEvent::DailyQuotaChanged { prompts: 50 }]);
    assert_eq!(
        given(&with(registered(), events[0].clone())).daily_quota,
        50
    );
}

#[test]
fn event_type_names_are_the_serde_tags() {
    for event in with(registered(), UserEvent::UserBlocked { reason: None }) {
        let payload = serde_json::to_value(&event).unwrap();
        assert_eq!(
            payload["type"],
            crate::events::DomainEvent::event_type(&event)
        );
    }
}

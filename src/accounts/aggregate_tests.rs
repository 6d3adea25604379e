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

mod api_keys {
    use time::macros::datetime;
    use time::{Duration, OffsetDateTime};
    use uuid::Uuid;

    use super::*;
    use crate::accounts::events::KeyRevoker;

    const NOW: OffsetDateTime = datetime!(2026-12-06 10:00 UTC);

    fn key(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn create(n: u128, name: &str, expires_at: Option<OffsetDateTime>) -> UserCommand {
        UserCommand::CreateApiKey {
            key_id: key(n),
            name: name.into(),
            prefix: format!("cbf-{n:08}"),
            secret_hash: format!("{n:064x}"),
            expires_at,
            now: NOW,
        }
    }

    fn created(n: u128, expires_at: Option<OffsetDateTime>) -> UserEvent {
        UserEvent::ApiKeyCreated {
            key_id: key(n),
            name: format!("key {n}"),
            prefix: format!("cbf-{n:08}"),
            secret_hash: format!("{n:064x}"),
            expires_at,
        }
    }

    fn revoked(n: u128, by: KeyRevoker) -> UserEvent {
        UserEvent::ApiKeyRevoked { key_id: key(n), by }
    }

    #[test]
    fn a_key_is_created_with_its_name_trimmed_and_its_expiry() {
        let expiry = NOW + Duration::days(30);
        assert_eq!(
            given(&registered()).handle(create(1, "  laptop  ", Some(expiry))),
            Ok(vec![UserEvent::ApiKeyCreated {
                key_id: key(1),
                name: "laptop".into(),
                prefix: "cbf-00000001".into(),
                secret_hash: format!("{:064x}", 1),
                expires_at: Some(expiry),
            }])
        );
        let user = given(&with(registered(), created(1, Some(expiry))));
        assert_eq!(user.api_keys[&key(1)].name, "key 1");
        assert!(user.api_keys[&key(1)].live_at(NOW));
        assert!(!user.api_keys[&key(1)].live_at(expiry));
        assert_eq!(user.handle(create(1, "again", None)), Ok(vec![]), "retried");
    }

    #[test]
    fn a_key_needs_a_name_of_1_to_100_characters_and_a_future_expiry() {
        let user = given(&registered());
        let invalid = Err(UserRuleError::KeyNameInvalid { max: 100 });
        assert_eq!(user.handle(create(1, "   ", None)), invalid);
        assert_eq!(user.handle(create(1, &"ш".repeat(101), None)), invalid);
        assert!(user.handle(create(1, &"ш".repeat(100), None)).is_ok());
        for past in [NOW, NOW - Duration::seconds(1)] {
            assert_eq!(
                user.handle(create(1, "old", Some(past))),
                Err(UserRuleError::KeyExpiryPassed)
            );
        }
    }

    #[test]
    fn at_most_twenty_keys_are_live_and_revoked_or_expired_ones_do_not_count() {
        let mut events = registered();
        events.extend((1..=20).map(|n| created(n, None)));
        assert_eq!(
            given(&events).handle(create(21, "one more", None)),
            Err(UserRuleError::TooManyKeys { max: 20 })
        );
        let mut one_revoked = events.clone();
        one_revoked.push(revoked(3, KeyRevoker::User));
        assert!(
            given(&one_revoked)
                .handle(create(21, "one more", None))
                .is_ok()
        );
        let mut one_expired = registered();
        one_expired.extend((1..=19).map(|n| created(n, None)));
        one_expired.push(created(20, Some(NOW - Duration::hours(1))));
        assert!(
            given(&one_expired)
                .handle(create(21, "one more", None))
                .is_ok()
        );
    }

    #[test]
    fn a_blocked_account_cannot_create_a_key() {
        let blocked = with(registered(), UserEvent::UserBlocked { reason: None });
        assert_eq!(
            given(&blocked).handle(create(1, "laptop", None)),
            Err(UserRuleError::Blocked { reason: None })
        );
    }

    #[test]
    fn revoking_needs_a_key_of_the_account_and_happens_once() {
        let user = given(&with(registered(), created(1, None)));
        let revoke = |n, by| UserCommand::RevokeApiKey { key_id: key(n), by };
        assert_eq!(
            user.handle(revoke(2, KeyRevoker::User)),
            Err(UserRuleError::KeyNotFound)
        );
        assert_eq!(
            user.handle(revoke(1, KeyRevoker::Admin)),
            Ok(vec![revoked(1, KeyRevoker::Admin)])
        );
        let events = with(
            with(registered(), created(1, None)),
            revoked(1, KeyRevoker::Admin),
        );
        let user = given(&events);
        assert!(user.api_keys[&key(1)].revoked);
        assert_eq!(user.handle(revoke(1, KeyRevoker::User)), Ok(vec![]));
    }

    #[test]
    fn blocking_revokes_every_key_still_standing_and_unblocking_does_not_restore_them() {
        let mut events = registered();
        events.extend([
            created(1, None),
            created(2, Some(NOW - Duration::days(1))),
            created(3, None),
            revoked(3, KeyRevoker::User),
            created(4, None),
        ]);
        let decided = given(&events)
            .handle(UserCommand::Block {
                reason: Some("spam".into()),
            })
            .unwrap();
        assert_eq!(
            decided,
            vec![
                UserEvent::UserBlocked {
                    reason: Some("spam".into())
                },
                revoked(1, KeyRevoker::Blocked),
                revoked(2, KeyRevoker::Blocked),
                revoked(4, KeyRevoker::Blocked),
            ]
        );
        events.extend(decided);
        events.push(UserEvent::UserUnblocked);
        let user = given(&events);
        assert!(user.api_keys.values().all(|k| k.revoked));
        assert_eq!(
            user.handle(UserCommand::Delete),
            Ok(vec![UserEvent::UserDeleted])
        );
    }

    #[test]
    fn key_events_serialize_as_documented() {
        let expiry = datetime!(2027-03-06 09:14:03 UTC);
        let payload = serde_json::to_value(created(1, Some(expiry))).unwrap();
        assert_eq!(payload["expires_at"], "2027-03-06T09:14:03Z");
        let never = serde_json::to_value(created(1, None)).unwrap();
        assert!(never.get("expires_at").is_none());
        let payload = serde_json::to_value(revoked(1, KeyRevoker::Blocked)).unwrap();
        assert_eq!(payload["by"], "blocked");
        assert_eq!(payload["type"], "ApiKeyRevoked");
        assert_eq!(KeyRevoker::Admin.as_str(), "admin");
    }
}

//! Given/when/then tests of a user's bot slots.
use super::*;

const OLD: Uuid = Uuid::from_u128(1);
const OLDER: Uuid = Uuid::from_u128(2);
const NEW: Uuid = Uuid::from_u128(10);
const NEWER: Uuid = Uuid::from_u128(11);
const NEWEST: Uuid = Uuid::from_u128(12);

fn given(events: &[BotOwnerEvent]) -> BotOwnership {
    BotOwnership::from_events(events)
}

fn claim(bot: Uuid, cap: usize) -> OwnershipCommand {
    claim_with(bot, cap, &[], &[])
}

fn claim_with(bot: Uuid, cap: usize, alive: &[Uuid], deleted: &[Uuid]) -> OwnershipCommand {
    OwnershipCommand::Claim {
        bot,
        cap,
        alive: alive.to_vec(),
        deleted: deleted.to_vec(),
    }
}

fn counted(bots: &[Uuid]) -> BotOwnerEvent {
    BotOwnerEvent::BotsCounted {
        bots: bots.to_vec(),
    }
}

fn claimed(bot: Uuid) -> BotOwnerEvent {
    BotOwnerEvent::BotSlotClaimed { bot }
}

fn released(bot: Uuid) -> BotOwnerEvent {
    BotOwnerEvent::BotSlotReleased { bot }
}

/// Decides `command` and applies what it decided, as the repository does.
fn then(state: &mut BotOwnership, command: OwnershipCommand) -> Result<(), OwnershipError> {
    for event in state.handle(command)? {
        state.apply(&event);
    }
    Ok(())
}

#[test]
fn a_new_owners_first_claim_counts_no_earlier_bots_and_takes_a_slot() {
    assert_eq!(
        given(&[]).handle(claim(NEW, 3)),
        Ok(vec![counted(&[]), claimed(NEW)])
    );
    assert_eq!(
        given(&[counted(&[]), claimed(NEW)]).handle(claim(NEWER, 3)),
        Ok(vec![claimed(NEWER)])
    );
}

#[test]
fn claims_stop_at_the_cap_and_a_release_makes_room() {
    let full = [counted(&[]), claimed(NEW), claimed(NEWER)];
    assert_eq!(
        given(&full).handle(claim(NEWEST, 2)),
        Err(OwnershipError::TooMany { cap: 2 })
    );
    let mut state = given(&full);
    then(&mut state, OwnershipCommand::Release { bot: NEW }).unwrap();
    assert_eq!(state.handle(claim(NEWEST, 2)), Ok(vec![claimed(NEWEST)]));
    assert_eq!(
        given(&[]).handle(claim(NEW, 0)),
        Err(OwnershipError::TooMany { cap: 0 })
    );
}

#[test]
fn claims_decided_one_after_another_never_pass_the_cap() {
    // What racing requests come to: each is decided again on the state the winner left.
    let mut state = given(&[]);
    let outcomes: Vec<bool> = (0..8u128)
        .map(|n| then(&mut state, claim(Uuid::from_u128(100 + n), 3)).is_ok())
        .collect();
    assert_eq!(outcomes.iter().filter(|ok| **ok).count(), 3);
    assert_eq!(state.bots().count(), 3);
}

#[test]
fn claiming_the_same_bot_again_changes_nothing() {
    let state = given(&[counted(&[]), claimed(NEW)]);
    assert_eq!(state.handle(claim(NEW, 1)), Ok(vec![]));
}

#[test]
fn bots_made_before_the_stream_are_counted_once_by_the_first_claim() {
    let first = claim_with(NEW, 3, &[OLD, OLDER], &[]);
    assert_eq!(
        given(&[]).handle(first),
        Ok(vec![counted(&[OLD, OLDER]), claimed(NEW)])
    );
    assert_eq!(
        given(&[]).handle(claim_with(NEW, 2, &[OLD, OLDER], &[])),
        Err(OwnershipError::TooMany { cap: 2 })
    );
    // Once counted, what the caller believes is alive no longer matters.
    let state = given(&[counted(&[OLD, OLDER]), claimed(NEW)]);
    assert_eq!(
        state.handle(claim_with(NEWER, 4, &[OLD, OLDER, NEW, NEWEST], &[])),
        Ok(vec![claimed(NEWER)])
    );
    assert_eq!(
        state.handle(claim_with(NEWER, 3, &[], &[])),
        Err(OwnershipError::TooMany { cap: 3 })
    );
}

#[test]
fn an_earlier_bot_deleted_before_the_count_is_never_counted() {
    // Its deletion released it before any claim; the claim's view of the log may be older.
    let mut state = given(&[]);
    assert_eq!(
        state.handle(OwnershipCommand::Release { bot: OLD }),
        Ok(vec![released(OLD)])
    );
    then(&mut state, OwnershipCommand::Release { bot: OLD }).unwrap();
    assert_eq!(
        state.handle(OwnershipCommand::Release { bot: OLD }),
        Ok(vec![])
    );
    assert_eq!(
        state.handle(claim_with(NEW, 2, &[OLD, OLDER], &[])),
        Ok(vec![counted(&[OLDER]), claimed(NEW)])
    );
}

#[test]
fn a_deleted_bot_releases_its_slot_once() {
    let state = given(&[counted(&[OLD]), claimed(NEW)]);
    for bot in [OLD, NEW] {
        assert_eq!(
            state.handle(OwnershipCommand::Release { bot }),
            Ok(vec![released(bot)])
        );
    }
    let after = given(&[counted(&[OLD]), claimed(NEW), released(NEW)]);
    assert_eq!(
        after.handle(OwnershipCommand::Release { bot: NEW }),
        Ok(vec![])
    );
    // A bot that never held a slot after the count has nothing to release.
    assert_eq!(
        after.handle(OwnershipCommand::Release { bot: NEWEST }),
        Ok(vec![])
    );
}

#[test]
fn a_claim_gives_back_the_slots_of_deleted_bots_whose_release_was_lost() {
    let state = given(&[counted(&[OLD]), claimed(NEW)]);
    assert_eq!(
        state.handle(claim_with(NEWER, 2, &[], &[NEW, NEWEST])),
        Ok(vec![released(NEW), claimed(NEWER)])
    );
    assert_eq!(
        state.handle(claim_with(NEWER, 2, &[], &[])),
        Err(OwnershipError::TooMany { cap: 2 })
    );
}

#[test]
fn events_keep_their_stored_names() {
    use crate::events::DomainEvent;
    assert_eq!(BotOwnerEvent::STREAM_TYPE, "bot_owner");
    assert_eq!(counted(&[]).event_type(), "BotsCounted");
    assert_eq!(claimed(NEW).event_type(), "BotSlotClaimed");
    assert_eq!(released(NEW).event_type(), "BotSlotReleased");
    let json = serde_json::to_value(claimed(NEW)).unwrap();
    assert_eq!(json["type"], "BotSlotClaimed");
}

//! A user's bot slots (`bot_owner/<user id>`): `BOTS_PER_USER` is a rule of this aggregate, so
//! it holds however many requests race. Every creation claims a slot here first (appended at
//! the stream's sequence: of two racing claims one is decided again after the other), then
//! records `BotCreated`; a failed creation and a deletion release the slot.
//!
//! Users who made bots before this stream existed: their first claim counts the bots they have
//! (`BotsCounted`, from the bots the log shows alive) in the same append. A bot deleted before
//! that count is released anyway and left out of it, so a deletion racing the first claim is
//! never counted.
use std::collections::BTreeSet;

use uuid::Uuid;

use super::events::BotOwnerEvent;
use crate::events::Aggregate;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct BotOwnership {
    /// Whether the bots made before this stream are counted (`BotsCounted` applied).
    counted: bool,
    /// The bots that hold a slot.
    bots: BTreeSet<Uuid>,
    /// Bots released before the count: deleted, so never counted.
    released_before_count: BTreeSet<Uuid>,
    sequence: u64,
}

#[derive(Clone, Debug)]
pub enum OwnershipCommand {
    /// A slot for the new bot `bot`, if fewer than `cap` are taken. `alive`: the user's bots
    /// that the log shows alive now, counted only by the first claim; `deleted`: bots the log
    /// shows deleted, whose slot goes back if a release was never recorded.
    Claim {
        bot: Uuid,
        cap: usize,
        alive: Vec<Uuid>,
        deleted: Vec<Uuid>,
    },
    Release {
        bot: Uuid,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OwnershipError {
    #[error("the owner already has {cap} bots")]
    TooMany { cap: usize },
}

impl BotOwnership {
    /// The bots that hold a slot.
    pub fn bots(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.bots.iter().copied()
    }

    fn claim(
        &self,
        bot: Uuid,
        cap: usize,
        alive: Vec<Uuid>,
        deleted: Vec<Uuid>,
    ) -> Result<Vec<BotOwnerEvent>, OwnershipError> {
        if self.bots.contains(&bot) {
            return Ok(Vec::new());
        }
        let mut events = Vec::new();
        let mut held = self.bots.clone();
        if !self.counted {
            let earlier: BTreeSet<Uuid> = alive
                .into_iter()
                .filter(|b| *b != bot && !self.released_before_count.contains(b))
                .collect();
            held.extend(&earlier);
            events.push(BotOwnerEvent::BotsCounted {
                bots: earlier.into_iter().collect(),
            });
        }
        for gone in deleted.into_iter().collect::<BTreeSet<_>>() {
            if held.remove(&gone) {
                events.push(BotOwnerEvent::BotSlotReleased { bot: gone });
            }
        }
        if held.len() >= cap {
            return Err(OwnershipError::TooMany { cap });
        }
        events.push(BotOwnerEvent::BotSlotClaimed { bot });
        Ok(events)
    }

    fn release(&self, bot: Uuid) -> Vec<BotOwnerEvent> {
        let before_count = !self.counted && !self.released_before_count.contains(&bot);
        if self.bots.contains(&bot) || before_count {
            vec![BotOwnerEvent::BotSlotReleased { bot }]
        } else {
            Vec::new()
        }
    }
}

impl Aggregate for BotOwnership {
    type Event = BotOwnerEvent;
    type Command = OwnershipCommand;
    type Error = OwnershipError;

    fn apply(&mut self, event: &BotOwnerEvent) {
        self.sequence += 1;
        match event {
            BotOwnerEvent::BotsCounted { bots } => {
                self.counted = true;
                self.bots.extend(bots);
                self.released_before_count.clear();
            }
            BotOwnerEvent::BotSlotClaimed { bot } => {
                self.bots.insert(*bot);
            }
            BotOwnerEvent::BotSlotReleased { bot } => {
                if !self.bots.remove(bot) && !self.counted {
                    self.released_before_count.insert(*bot);
                }
            }
        }
    }

    fn sequence(&self) -> u64 {
        self.sequence
    }

    fn handle(&self, command: OwnershipCommand) -> Result<Vec<BotOwnerEvent>, OwnershipError> {
        match command {
            OwnershipCommand::Claim {
                bot,
                cap,
                alive,
                deleted,
            } => self.claim(bot, cap, alive, deleted),
            OwnershipCommand::Release { bot } => Ok(self.release(bot)),
        }
    }
}

#[cfg(test)]
#[path = "ownership_tests.rs"]
mod tests;

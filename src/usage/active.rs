//! The user-days this instance has seen in `daily_user_activity`: a prompt of a user whose row
//! for the day is known to be there cannot make them active again, so the usage sink does not
//! ask the table about it. A row, once there, stays (nothing deletes it; a rebuild writes it
//! again from the same events), so knowing it is never wrong; only the latest day is kept.
use std::collections::HashSet;
use std::sync::Mutex;

use time::Date;

#[derive(Default)]
pub(super) struct ActiveDays(Mutex<Option<(Date, HashSet<String>)>>);

impl ActiveDays {
    /// Whether `user_id`'s row for `day` is known to be in the table.
    pub(super) fn has(&self, day: Date, user_id: &str) -> bool {
        let known = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        known
            .as_ref()
            .is_some_and(|(known_day, users)| *known_day == day && users.contains(user_id))
    }

    /// Rows read from the table: remembered if of the latest day seen (a later day starts
    /// afresh).
    pub(super) fn remember<'a>(&self, rows: impl IntoIterator<Item = &'a (Date, String)>) {
        let mut known = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for (day, user_id) in rows {
            match known.as_mut() {
                Some((known_day, users)) if *known_day == *day => {
                    users.insert(user_id.clone());
                }
                Some((known_day, _)) if *known_day > *day => {}
                _ => *known = Some((*day, HashSet::from([user_id.clone()]))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn only_the_latest_day_is_kept() {
        let active = ActiveDays::default();
        assert!(!active.has(date!(2026 - 12 - 07), "a"));
        active.remember(&[(date!(2026 - 12 - 07), "a".to_owned())]);
        assert!(active.has(date!(2026 - 12 - 07), "a"));
        assert!(!active.has(date!(2026 - 12 - 07), "b"));
        // An earlier day is not kept; a later one replaces the day.
        active.remember(&[(date!(2026 - 12 - 06), "b".to_owned())]);
        assert!(!active.has(date!(2026 - 12 - 06), "b"));
        active.remember(&[(date!(2026 - 12 - 08), "b".to_owned())]);
        assert!(active.has(date!(2026 - 12 - 08), "b"));
        assert!(!active.has(date!(2026 - 12 - 07), "a"));
    }
}

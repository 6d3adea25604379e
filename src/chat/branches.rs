//! A chat's branches, from the rows alone: every message a chat ever showed keeps its id (the
//! position of the event that created it, so ids grow with time), its rank (its place in the
//! conversation) and its parent (`parent_id`: the message one rank up that was in the
//! conversation when it was created). The conversation's rows are in `chat_history`; the ones
//! Regenerate, an edited prompt or a restored branch set aside are in `answer_version`.
//!
//! Two messages at a rank that followed the same one are versions of each other (`‹ 1/2 ›`),
//! oldest first, and a version goes on with the newest message that followed it, and so on: the
//! branch as it was when it was left.
use std::collections::{BTreeMap, HashMap};

/// Where a message sits: its id and its rank (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    pub id: u64,
    pub rank: u32,
}

/// Every message of one chat (in the conversation or set aside), by rank.
#[derive(Debug, Default)]
pub struct Branches {
    /// The ids at each rank, ascending.
    ids: BTreeMap<u32, Vec<u64>>,
    /// The recorded parent of each message (`None` for a first prompt).
    parents: HashMap<u64, Option<u64>>,
}

impl Branches {
    /// Every message with its parent as recorded (`parent_id`).
    pub fn new(places: impl IntoIterator<Item = (Place, Option<u64>)>) -> Self {
        let mut ids: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
        let mut parents = HashMap::new();
        for (place, parent) in places {
            ids.entry(place.rank).or_default().push(place.id);
            parents.insert(place.id, parent);
        }
        for at_rank in ids.values_mut() {
            at_rank.sort_unstable();
            at_rank.dedup();
        }
        Branches { ids, parents }
    }

    /// The message `place` followed (none for the first prompt). A row without a recorded
    /// parent (written before parents were) followed the newest message one rank up that
    /// existed when it was created, which was then always the conversation's.
    pub fn parent(&self, place: Place) -> Option<u64> {
        if let Some(Some(parent)) = self.parents.get(&place.id) {
            return Some(*parent);
        }
        let above = self.ids.get(&place.rank.checked_sub(1)?)?;
        let before = above.partition_point(|&id| id < place.id);
        before.checked_sub(1).map(|i| above[i])
    }

    /// Every version of `place` (itself included): the messages at its rank that followed the
    /// same message, oldest first.
    pub fn all_versions(&self, place: Place) -> Vec<u64> {
        let parent = self.parent(place);
        self.ids
            .get(&place.rank)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&id| id == place.id || self.parent(Place { id, ..place }) == parent)
            .collect()
    }

    /// The other versions of `place`, oldest first.
    pub fn versions_of(&self, place: Place) -> Vec<u64> {
        let mut versions = self.all_versions(place);
        versions.retain(|&id| id != place.id);
        versions
    }

    /// How the conversation went on after `place` until it was set aside: at each rank the
    /// newest message that followed the one before.
    pub fn continuation(&self, place: Place) -> Vec<Place> {
        let mut chain = Vec::new();
        let mut last = place;
        loop {
            let rank = last.rank + 1;
            let next = self
                .ids
                .get(&rank)
                .into_iter()
                .flatten()
                .rev()
                .find(|&&id| self.parent(Place { id, rank }) == Some(last.id));
            match next {
                Some(&id) => {
                    last = Place { id, rank };
                    chain.push(last);
                }
                None => return chain,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(id: u64, rank: u32) -> Place {
        Place { id, rank }
    }

    /// Prompt 10 answered by 11, regenerated as 15; then the prompt edited (20) and answered
    /// (21) and followed up (22, 23). Rows written before parents were recorded have none.
    fn chat() -> Branches {
        Branches::new(
            [
                at(10, 1),
                at(11, 2),
                at(15, 2),
                at(20, 1),
                at(21, 2),
                at(22, 3),
                at(23, 4),
            ]
            .map(|place| (place, None)),
        )
    }

    #[test]
    fn a_message_follows_the_newest_older_one_a_rank_up() {
        let chat = chat();
        assert_eq!(chat.parent(at(10, 1)), None);
        assert_eq!(chat.parent(at(11, 2)), Some(10));
        assert_eq!(chat.parent(at(15, 2)), Some(10));
        assert_eq!(chat.parent(at(21, 2)), Some(20));
        assert_eq!(chat.parent(at(23, 4)), Some(22));
    }

    #[test]
    fn versions_share_a_parent_and_an_edited_prompt_keeps_its_answers_apart() {
        let chat = chat();
        assert_eq!(chat.versions_of(at(20, 1)), [10]);
        assert_eq!(chat.versions_of(at(15, 2)), [11]);
        assert_eq!(
            chat.versions_of(at(21, 2)),
            Vec::<u64>::new(),
            "the answers to the old prompt are not versions of the new one's"
        );
    }

    #[test]
    fn a_set_aside_prompt_goes_on_with_its_newest_answer() {
        let chat = chat();
        assert_eq!(chat.continuation(at(10, 1)), [at(15, 2)]);
        assert_eq!(
            chat.continuation(at(20, 1)),
            [at(21, 2), at(22, 3), at(23, 4)]
        );
        assert_eq!(chat.continuation(at(23, 4)), []);
    }

    #[test]
    fn a_restored_branch_goes_on_from_its_recorded_parent() {
        // 10 answered by 11; edited as 20 (answered 21); then 10's branch restored and
        // followed up (30, 31): 30 followed 11 although 21 is newer.
        let chat = Branches::new([
            (at(10, 1), None),
            (at(11, 2), Some(10)),
            (at(20, 1), None),
            (at(21, 2), Some(20)),
            (at(30, 3), Some(11)),
            (at(31, 4), Some(30)),
        ]);
        assert_eq!(chat.parent(at(30, 3)), Some(11));
        assert_eq!(chat.all_versions(at(10, 1)), [10, 20]);
        assert_eq!(
            chat.continuation(at(10, 1)),
            [at(11, 2), at(30, 3), at(31, 4)]
        );
        assert_eq!(chat.continuation(at(20, 1)), [at(21, 2)]);
    }
}

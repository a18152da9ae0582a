//! A topic's or a group's partitions' state while a refresh folds it: the states
//! held, sorted, and those of partitions seen for the first time, merged back in
//! order once the topic or group is folded. The engine keeps partition state in
//! these sorted vectors rather than in maps: no key and no table slack for each
//! of 40 000 partitions and 80 000 group partitions.

use std::cmp::Ordering;

/// The state of one partition of a topic or a group.
pub(super) trait PartitionKeyed {
    /// Its place among its topic's or group's partitions.
    fn order(&self, other: &Self) -> Ordering;
    /// The refresh that last saw it.
    fn seen(&self) -> u64;
}

pub(super) struct PartitionStates<T> {
    /// Sorted by [`PartitionKeyed::order`].
    held: Vec<T>,
    fresh: Vec<T>,
}

impl<T: PartitionKeyed> PartitionStates<T> {
    /// `held`: the states a topic or group held, sorted.
    pub(super) fn new(held: Vec<T>) -> Self {
        PartitionStates {
            held,
            fresh: Vec::new(),
        }
    }

    /// The state `probe` finds (it orders a held state against the one wanted),
    /// made by `new` when the partition is seen for the first time.
    pub(super) fn get_or_insert(
        &mut self,
        probe: impl Fn(&T) -> Ordering,
        new: impl FnOnce() -> T,
    ) -> &mut T {
        match self.held.binary_search_by(probe) {
            Ok(i) => &mut self.held[i],
            Err(_) => {
                self.fresh.push(new());
                let last = self.fresh.len() - 1;
                &mut self.fresh[last]
            }
        }
    }

    /// The states of the partitions refresh `generation` saw, sorted; the
    /// others (a topic recreated with fewer partitions, a group's deleted
    /// offsets) are forgotten.
    pub(super) fn kept(self, generation: u64) -> Vec<T> {
        let PartitionStates {
            mut held,
            mut fresh,
        } = self;
        held.retain(|s| s.seen() == generation);
        if !fresh.is_empty() {
            held.append(&mut fresh);
            held.sort_unstable_by(T::order);
        }
        held
    }
}

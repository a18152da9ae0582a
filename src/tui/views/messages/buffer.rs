//! A bounded list of records with the `/` text filter over it: the tail's
//! records, and a search's matches. The newest are kept; the oldest go first.

use std::collections::VecDeque;

use kaftop_core::kafka::record::RecordView;

#[derive(Debug, Clone)]
pub struct RecordBuffer {
    /// The `/` filter, lower-cased ("" shows every record).
    filter_lower: String,
    records: VecDeque<RecordView>,
    /// Sequence number of `records[0]`.
    first_seq: u64,
    /// Sequence numbers of the records that match the filter, oldest first.
    matches: VecDeque<u64>,
    capacity: usize,
}

impl RecordBuffer {
    pub fn new(capacity: usize) -> Self {
        RecordBuffer {
            filter_lower: String::new(),
            records: VecDeque::new(),
            first_seq: 0,
            matches: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn clear(&mut self) {
        self.first_seq += self.records.len() as u64;
        self.records.clear();
        self.matches.clear();
    }

    /// Appends `r`, evicting the oldest beyond the capacity; returns how many
    /// shown (filter-matching) rows were evicted.
    pub fn push(&mut self, r: RecordView) -> usize {
        let seq = self.first_seq + self.records.len() as u64;
        if self.filter_lower.is_empty() || r.matches(&self.filter_lower) {
            self.matches.push_back(seq);
        }
        self.records.push_back(r);
        let mut evicted = 0;
        while self.records.len() > self.capacity {
            self.records.pop_front();
            self.first_seq += 1;
            while self.matches.front().is_some_and(|s| *s < self.first_seq) {
                self.matches.pop_front();
                evicted += 1;
            }
        }
        evicted
    }

    /// Shows only the records whose key or value contains `filter` (any case).
    pub fn set_filter(&mut self, filter: &str) {
        self.filter_lower = filter.to_lowercase();
        let first = self.first_seq;
        let lower = &self.filter_lower;
        self.matches = self
            .records
            .iter()
            .enumerate()
            .filter(|(_, r)| lower.is_empty() || r.matches(lower))
            .map(|(i, _)| first + i as u64)
            .collect();
    }

    /// Records shown (matching the filter).
    pub fn len(&self) -> usize {
        self.matches.len()
    }

    pub fn is_empty(&self) -> bool {
        self.matches.is_empty()
    }

    /// Records held, filtered or not.
    pub fn buffered(&self) -> usize {
        self.records.len()
    }

    /// The `i`-th shown record.
    pub fn get(&self, i: usize) -> Option<&RecordView> {
        let seq = *self.matches.get(i)?;
        self.records.get((seq - self.first_seq) as usize)
    }
}

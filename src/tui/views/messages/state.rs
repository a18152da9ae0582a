//! The Messages view's state: a bounded buffer of the newest records of the
//! tailed topic, the filter over it, and where the tail started.

use std::collections::VecDeque;

use kaftop_core::kafka::record::RecordView;
use kaftop_core::kafka::sampler::{PartitionStart, StartAt};

use crate::tui::widgets::cursor::ListCursor;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TailStatus {
    /// No topic chosen yet.
    Idle,
    Starting,
    Running {
        partitions: usize,
    },
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct MessagesState {
    pub topic: Option<String>,
    pub start: StartAt,
    /// Incremented by every restart; records of older sessions are dropped.
    pub session: u64,
    pub status: TailStatus,
    /// The last non-fatal problem the tail reported.
    pub warning: Option<String>,
    pub paused: bool,
    pub detail: bool,
    /// The detail pane shows schema-decoded keys and values as their raw bytes.
    pub raw: bool,
    pub detail_scroll: u16,
    pub cursor: ListCursor,
    /// A record to select once it arrives (partition, offset): the record at a
    /// committed offset, opened from a group or the overview.
    pub focus: Option<(i32, i64)>,
    /// Records received this session (shown or evicted), and read but not sampled.
    pub received: u64,
    pub skipped: u64,
    filter: String,
    filter_lower: String,
    records: VecDeque<RecordView>,
    /// Sequence number of `records[0]`.
    first_seq: u64,
    /// Sequence numbers of the records that match the filter, oldest first.
    matches: VecDeque<u64>,
    capacity: usize,
}

impl MessagesState {
    pub fn new(capacity: usize, start: StartAt) -> Self {
        MessagesState {
            topic: None,
            start,
            session: 0,
            status: TailStatus::Idle,
            warning: None,
            paused: false,
            detail: true,
            raw: false,
            detail_scroll: 0,
            cursor: ListCursor::default(),
            focus: None,
            received: 0,
            skipped: 0,
            filter: String::new(),
            filter_lower: String::new(),
            records: VecDeque::new(),
            first_seq: 0,
            matches: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Forgets the records and starts a new session; returns its number.
    pub fn restart(&mut self, topic: String, start: StartAt) -> u64 {
        self.session += 1;
        self.topic = Some(topic);
        self.start = start;
        self.status = TailStatus::Starting;
        self.warning = None;
        self.paused = false;
        self.clear();
        self.session
    }

    pub fn clear(&mut self) {
        self.first_seq += self.records.len() as u64;
        self.records.clear();
        self.matches.clear();
        self.cursor = ListCursor::default();
        self.detail_scroll = 0;
        self.received = 0;
        self.skipped = 0;
    }

    pub fn started(&mut self, starts: &[PartitionStart]) {
        self.status = TailStatus::Running {
            partitions: starts.len(),
        };
    }

    /// Appends records, evicting the oldest beyond the capacity. A cursor on the
    /// newest row follows new records, as `tail -f` does.
    pub fn push(&mut self, batch: Vec<RecordView>, skipped: u64) {
        let following = self.cursor.is_at_bottom(self.matches.len());
        self.skipped += skipped;
        for r in batch {
            self.received += 1;
            let seq = self.first_seq + self.records.len() as u64;
            if self.matches_filter(&r) {
                self.matches.push_back(seq);
            }
            self.records.push_back(r);
        }
        while self.records.len() > self.capacity {
            self.records.pop_front();
            self.first_seq += 1;
            while self.matches.front().is_some_and(|s| *s < self.first_seq) {
                self.matches.pop_front();
                let sel = self.cursor.selected();
                self.cursor.select(sel.saturating_sub(1));
            }
        }
        if following {
            self.cursor.bottom(self.matches.len());
            self.detail_scroll = 0;
        }
        self.seek_focus();
    }

    /// Selects the focused record if it is here, with the detail pane open;
    /// the cursor then stays on it as newer records arrive.
    pub fn seek_focus(&mut self) {
        let Some((partition, offset)) = self.focus else {
            return;
        };
        let at = (0..self.matches.len()).find(|&i| {
            self.get(i)
                .is_some_and(|r| r.partition == partition && r.offset == offset)
        });
        if let Some(i) = at {
            self.cursor.select(i);
            self.focus = None;
            self.detail = true;
            self.detail_scroll = 0;
        }
    }

    fn matches_filter(&self, r: &RecordView) -> bool {
        self.filter_lower.is_empty() || r.matches(&self.filter_lower)
    }

    pub fn filter(&self) -> &str {
        &self.filter
    }

    pub fn set_filter(&mut self, filter: &str) {
        if filter == self.filter {
            return;
        }
        self.filter = filter.to_string();
        self.filter_lower = filter.to_lowercase();
        let first = self.first_seq;
        self.matches = self
            .records
            .iter()
            .enumerate()
            .filter(|(_, r)| self.filter_lower.is_empty() || r.matches(&self.filter_lower))
            .map(|(i, _)| first + i as u64)
            .collect();
        self.cursor.bottom(self.matches.len());
        self.detail_scroll = 0;
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

    pub fn selected(&self) -> Option<&RecordView> {
        self.get(self.cursor.selected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaftop_core::kafka::record::render;

    fn rec(offset: i64, value: &str) -> RecordView {
        RecordView {
            topic: "t".into(),
            partition: 0,
            offset,
            timestamp_ms: Some(0),
            key: render(Some(offset.to_string().as_bytes()), 100),
            headers: vec![],
            value: render(Some(value.as_bytes()), 100),
        }
    }

    #[test]
    fn bounded_filtered_and_following() {
        let mut m = MessagesState::new(3, StartAt::End);
        m.restart("t".into(), StartAt::End);
        m.push(
            (0..5)
                .map(|i| rec(i, if i % 2 == 0 { "even" } else { "odd" }))
                .collect(),
            2,
        );
        assert_eq!((m.buffered(), m.received, m.skipped), (3, 5, 2));
        assert_eq!(m.get(0).map(|r| r.offset), Some(2));
        // Following: the cursor is on the newest.
        assert_eq!(m.selected().map(|r| r.offset), Some(4));
        m.set_filter("ODD");
        assert_eq!(m.len(), 1);
        assert_eq!(m.get(0).map(|r| r.offset), Some(3));
        m.push(vec![rec(5, "odd"), rec(6, "even")], 0);
        // 3 was evicted; 5 matches.
        assert_eq!(m.len(), 1);
        assert_eq!(m.get(0).map(|r| r.offset), Some(5));
        m.set_filter("");
        assert_eq!(m.len(), 3);
        // Not following once moved up: new records do not move the cursor.
        m.cursor.top();
        m.push(vec![rec(7, "x")], 0);
        assert_eq!(m.cursor.selected(), 0);
    }

    #[test]
    fn a_focused_record_is_selected_when_it_arrives() {
        let mut m = MessagesState::new(10, StartAt::End);
        m.restart("t".into(), StartAt::Offset(3));
        m.detail = false;
        m.focus = Some((0, 3));
        m.push(vec![rec(3, "culprit"), rec(4, "next")], 0);
        assert_eq!(m.selected().map(|r| r.offset), Some(3));
        assert!(m.detail && m.focus.is_none());
        // It stays selected as newer records arrive.
        m.push(vec![rec(5, "newer")], 0);
        assert_eq!(m.selected().map(|r| r.offset), Some(3));
    }

    #[test]
    fn restart_forgets() {
        let mut m = MessagesState::new(10, StartAt::End);
        let s1 = m.restart("t".into(), StartAt::End);
        m.push(vec![rec(0, "a")], 0);
        let s2 = m.restart("u".into(), StartAt::Beginning);
        assert!(s2 > s1);
        assert!(m.is_empty());
        assert_eq!(m.status, TailStatus::Starting);
    }
}

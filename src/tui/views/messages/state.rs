//! The Messages view's state: a bounded buffer of the newest records of the
//! tailed topic, the filter over it, where the tail started, and the search
//! shown instead of the tail while one is active.

use kaftop_core::kafka::record::RecordView;
use kaftop_core::kafka::sampler::{PartitionStart, StartAt};

use super::buffer::RecordBuffer;
use super::search::{Query, Search, SearchPhase};
use crate::tui::command::Command;
use crate::tui::event::SearchEvent;
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
    /// The selection in the list shown (the tail's, or the search's matches).
    pub cursor: ListCursor,
    /// A record to select once it arrives (partition, offset): the record at a
    /// committed offset, opened from a group or the overview.
    pub focus: Option<(i32, i64)>,
    /// Records received this session (shown or evicted), and read but not sampled.
    pub received: u64,
    pub skipped: u64,
    filter: String,
    tail: RecordBuffer,
    /// The active search: its matches are shown instead of the tail.
    search: Option<Search>,
    /// Incremented by every search; reports of older ones are dropped.
    pub search_session: u64,
    /// Matches a search keeps (see `search::SEARCH_KEEP`).
    pub search_keep: usize,
    /// The last query, offered again by the prompt.
    pub last_query: Option<Query>,
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
            tail: RecordBuffer::new(capacity),
            search: None,
            search_session: 0,
            search_keep: super::search::SEARCH_KEEP,
            last_query: None,
        }
    }

    /// Forgets the records (and a search) and starts a new session; returns its number.
    pub fn restart(&mut self, topic: String, start: StartAt) -> u64 {
        self.session += 1;
        self.topic = Some(topic);
        self.start = start;
        self.status = TailStatus::Starting;
        self.warning = None;
        self.paused = false;
        self.search = None;
        self.clear();
        self.session
    }

    /// Clears the records shown (the tail's, or the search's matches).
    pub fn clear(&mut self) {
        match &mut self.search {
            Some(s) => s.results.clear(),
            None => {
                self.tail.clear();
                self.received = 0;
                self.skipped = 0;
            }
        }
        self.cursor = ListCursor::default();
        self.detail_scroll = 0;
    }

    pub fn started(&mut self, starts: &[PartitionStart]) {
        self.status = TailStatus::Running {
            partitions: starts.len(),
        };
    }

    /// Appends the tail's records, evicting the oldest beyond the capacity. A
    /// cursor on the newest row follows new records, as `tail -f` does.
    pub fn push(&mut self, batch: Vec<RecordView>, skipped: u64) {
        self.skipped += skipped;
        self.received += batch.len() as u64;
        let shown = self.search.is_none();
        let following = shown && self.cursor.is_at_bottom(self.len());
        let evicted: usize = batch.into_iter().map(|r| self.tail.push(r)).sum();
        if shown {
            self.moved(evicted, following);
            self.seek_focus();
        }
    }

    /// The shown list lost `evicted` rows at its top: the cursor stays on its
    /// record, or follows the newest.
    fn moved(&mut self, evicted: usize, following: bool) {
        let sel = self.cursor.selected();
        self.cursor.select(sel.saturating_sub(evicted));
        if following {
            self.cursor.bottom(self.len());
            self.detail_scroll = 0;
        }
    }

    /// Selects the focused record if it is here, with the detail pane open;
    /// the cursor then stays on it as newer records arrive.
    pub fn seek_focus(&mut self) {
        let Some((partition, offset)) = self.focus else {
            return;
        };
        let at = (0..self.len()).find(|&i| {
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

    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// The `/` filter, over the tail and a search's matches alike.
    pub fn set_filter(&mut self, filter: &str) {
        if filter == self.filter {
            return;
        }
        self.filter = filter.to_string();
        self.tail.set_filter(filter);
        if let Some(s) = &mut self.search {
            s.results.set_filter(filter);
        }
        self.cursor.bottom(self.len());
        self.detail_scroll = 0;
    }

    // ---- the search ----

    /// The active search, if any.
    pub fn current_search(&self) -> Option<&Search> {
        self.search.as_ref()
    }

    /// Starts `query` over the current topic in place of a running search: its
    /// matches replace the tail on screen.
    pub fn start_search(&mut self, query: Query) -> Vec<Command> {
        let Some(topic) = self.topic.clone() else {
            return Vec::new();
        };
        self.search_session += 1;
        self.last_query = Some(query.clone());
        let cmd = Command::StartSearch {
            search: self.search_session,
            topic,
            filter: query.filter.clone(),
            since_ms: Some(query.since_ms),
            keep: self.search_keep,
        };
        self.search = Some(Search::new(
            self.search_session,
            query,
            self.search_keep,
            &self.filter,
        ));
        self.cursor = ListCursor::default();
        self.detail_scroll = 0;
        vec![cmd]
    }

    /// Esc while a search scans: it stops, what it found stays. Returns false
    /// when no search was scanning.
    pub fn cancel_search(&mut self) -> bool {
        match &mut self.search {
            Some(s) if s.is_scanning() => {
                s.phase = SearchPhase::Cancelled;
                true
            }
            _ => false,
        }
    }

    /// Back to the tail; true when a search was shown.
    pub fn end_search(&mut self) -> bool {
        if self.search.take().is_none() {
            return false;
        }
        self.cursor = ListCursor::default();
        self.cursor.bottom(self.len());
        self.detail_scroll = 0;
        true
    }

    /// What search `session` reported (older searches are ignored).
    pub fn on_search(&mut self, session: u64, event: SearchEvent) {
        let following = self.cursor.is_at_bottom(self.len());
        let Some(s) = self.search.as_mut().filter(|s| s.session == session) else {
            return;
        };
        // A cancelled search may still report what it had in flight; it is kept.
        let stopped = matches!(s.phase, SearchPhase::Cancelled | SearchPhase::Failed(_));
        match event {
            SearchEvent::Started { partitions, total } => {
                s.partitions = partitions;
                s.total = total;
                if !stopped {
                    s.phase = SearchPhase::Scanning;
                }
            }
            SearchEvent::Progress {
                scanned,
                matched,
                per_sec,
            } => {
                s.scanned = scanned;
                s.matched = matched;
                if s.is_scanning() {
                    s.per_sec = per_sec;
                }
            }
            SearchEvent::Records { records, dropped } => {
                let evicted = s.push(records, dropped);
                self.moved(evicted, following);
            }
            SearchEvent::ScanDone { scanned, matched } => {
                s.scanned = scanned;
                s.matched = matched;
                s.scan_matched = Some(matched);
                if !stopped {
                    s.phase = SearchPhase::Following;
                }
            }
            SearchEvent::Warning(w) => s.warning = Some(w),
            SearchEvent::Failed(e) => s.phase = SearchPhase::Failed(e),
        }
    }

    // ---- the list shown ----

    fn shown(&self) -> &RecordBuffer {
        self.search.as_ref().map_or(&self.tail, |s| &s.results)
    }

    /// Records shown (matching the filter).
    pub fn len(&self) -> usize {
        self.shown().len()
    }

    pub fn is_empty(&self) -> bool {
        self.shown().is_empty()
    }

    /// Records held, filtered or not.
    pub fn buffered(&self) -> usize {
        self.shown().buffered()
    }

    /// The `i`-th shown record.
    pub fn get(&self, i: usize) -> Option<&RecordView> {
        self.shown().get(i)
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

    fn query(filter: &str) -> Query {
        Query {
            filter: filter.into(),
            since: "1h".into(),
            since_ms: 0,
        }
    }

    #[test]
    fn a_search_keeps_its_newest_matches_and_says_when_capped() {
        let mut m = MessagesState::new(10, StartAt::End);
        m.restart("t".into(), StartAt::End);
        m.push(vec![rec(0, "tail")], 0);
        m.search_keep = 3;
        let cmds = m.start_search(query("true"));
        assert!(
            matches!(&cmds[..], [Command::StartSearch { keep: 3, .. }]),
            "{cmds:?}"
        );
        let session = m.search_session;
        m.on_search(
            session,
            SearchEvent::Records {
                records: (1..=2).map(|i| rec(i, "hit")).collect(),
                dropped: 0,
            },
        );
        let s = m.current_search().unwrap();
        assert!(!s.capped());
        assert_eq!(m.len(), 2);
        // Two more, and the worker already dropped one it could not keep.
        m.on_search(
            session,
            SearchEvent::Records {
                records: (4..=5).map(|i| rec(i, "hit")).collect(),
                dropped: 1,
            },
        );
        let s = m.current_search().unwrap();
        assert!(s.capped());
        assert_eq!((s.kept(), s.received), (3, 5));
        assert_eq!(
            (0..m.len())
                .map(|i| m.get(i).unwrap().offset)
                .collect::<Vec<_>>(),
            vec![2, 4, 5]
        );
        // The `/` filter applies to the matches too, and stays for the tail.
        m.set_filter("5");
        assert_eq!(m.len(), 1);
        assert!(m.end_search());
        assert_eq!(m.filter(), "5");
        assert_eq!(m.len(), 0);
        m.set_filter("");
        assert_eq!(m.get(0).map(|r| r.offset), Some(0));
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

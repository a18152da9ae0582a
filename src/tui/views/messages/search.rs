//! The Messages view's search: what the `?` prompt takes (`[--since WHEN] FILTER`,
//! a jq filter over the record as `kaftop search` sees it) and the state of
//! one search — how far its scan got and the matches kept.

use kaftop_core::kafka::record::RecordView;
use kaftop_core::kafka::sampler::parse_since;

use super::buffer::RecordBuffer;
use crate::search::JqFilter;

/// Matches held in memory (the newest); the screen says when there were more.
pub const SEARCH_KEEP: usize = 10_000;
/// Where a search starts when the prompt names no time.
pub const DEFAULT_SINCE: &str = "1h";

/// A search as typed in the prompt, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub filter: String,
    /// The start as typed (`1h`, `2026-11-24T10:00:00Z`), or the default.
    pub since: String,
    /// The start in ms since the epoch.
    pub since_ms: i64,
}

impl Query {
    /// The prompt's text again, to edit it.
    pub fn text(&self) -> String {
        if self.since == DEFAULT_SINCE {
            self.filter.clone()
        } else {
            format!("--since {} {}", self.since, self.filter)
        }
    }
}

/// Reads the prompt: `None` for an empty line (the search is cleared), else the
/// query, or why it cannot run (a bad time, jaq's reason for a bad filter).
pub fn parse_query(text: &str, now_ms: i64) -> Result<Option<Query>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let (since, filter) = match text.strip_prefix("--since") {
        Some(rest) if rest.starts_with([' ', '=']) => {
            let rest = rest[1..].trim_start();
            let (when, filter) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            (when, filter.trim())
        }
        _ => (DEFAULT_SINCE, text),
    };
    let since_ms = parse_since(since, now_ms).ok_or_else(|| {
        format!("--since `{since}` is neither a duration (10m) nor a time (2026-11-24T10:15:30Z)")
    })?;
    if filter.is_empty() {
        return Err(format!(
            "no filter after --since {since}: type a jq filter, e.g. .value.id == 42"
        ));
    }
    // Compiled here only to refuse a bad one at once; the search compiles its own.
    JqFilter::new(filter).map_err(|e| e.to_string())?;
    Ok(Some(Query {
        filter: filter.to_string(),
        since: since.to_string(),
        since_ms,
    }))
}

#[derive(Debug, Clone, PartialEq)]
pub enum SearchPhase {
    /// Resolving where each partition starts and ends.
    Starting,
    /// Reading every partition to the end offsets taken at the start.
    Scanning,
    /// The scan is done; new records that match are appended.
    Following,
    /// Esc stopped it: what was found stays.
    Cancelled,
    Failed(String),
}

/// One search of the Messages view.
#[derive(Debug, Clone)]
pub struct Search {
    /// Its session: reports of older searches are ignored.
    pub session: u64,
    pub query: Query,
    pub phase: SearchPhase,
    pub partitions: usize,
    /// Records between the start and the end offsets the scan reads to.
    pub total: u64,
    pub scanned: u64,
    pub matched: u64,
    /// Records scanned per second during the scan.
    pub per_sec: Option<f64>,
    /// Matches at the end of the scan; those after it were appended live.
    pub scan_matched: Option<u64>,
    /// Matches received (kept or not): more than the kept means capped.
    pub received: u64,
    /// The last non-fatal problem reported.
    pub warning: Option<String>,
    pub(super) results: RecordBuffer,
}

impl Search {
    pub fn new(session: u64, query: Query, keep: usize, text_filter: &str) -> Self {
        let mut results = RecordBuffer::new(keep);
        results.set_filter(text_filter);
        Search {
            session,
            query,
            phase: SearchPhase::Starting,
            partitions: 0,
            total: 0,
            scanned: 0,
            matched: 0,
            per_sec: None,
            scan_matched: None,
            received: 0,
            warning: None,
            results,
        }
    }

    /// Still reading what was there when it started.
    pub fn is_scanning(&self) -> bool {
        matches!(self.phase, SearchPhase::Starting | SearchPhase::Scanning)
    }

    /// More matches arrived than are kept: only the newest are shown.
    pub fn capped(&self) -> bool {
        self.received > self.results.buffered() as u64
    }

    /// The matches kept.
    pub fn kept(&self) -> usize {
        self.results.buffered()
    }

    /// Matches appended live since the scan ended.
    pub fn live(&self) -> u64 {
        self.scan_matched
            .map_or(0, |at_end| self.matched.saturating_sub(at_end))
    }

    pub fn results(&self) -> &RecordBuffer {
        &self.results
    }

    /// Adds matching records; returns how many shown rows were evicted.
    pub(super) fn push(&mut self, records: Vec<RecordView>, dropped: u64) -> usize {
        self.received += records.len() as u64 + dropped;
        records.into_iter().map(|r| self.results.push(r)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    #[test]
    fn the_prompt_takes_a_filter_and_an_optional_start() {
        let q = parse_query(" .value.n > 3 ", NOW).unwrap().unwrap();
        assert_eq!(
            (q.filter.as_str(), q.since.as_str(), q.since_ms),
            (".value.n > 3", "1h", NOW - 3_600_000)
        );
        assert_eq!(q.text(), ".value.n > 3");
        let q = parse_query("--since 10m .key == \"a b\"", NOW)
            .unwrap()
            .unwrap();
        assert_eq!(
            (q.filter.as_str(), q.since.as_str(), q.since_ms),
            (".key == \"a b\"", "10m", NOW - 600_000)
        );
        assert_eq!(q.text(), "--since 10m .key == \"a b\"");
        let q = parse_query("--since=2020-01-01T00:00:00Z true", NOW)
            .unwrap()
            .unwrap();
        assert_eq!(q.since_ms, 1_577_836_800_000);
        assert_eq!(parse_query("   ", NOW), Ok(None));
    }

    #[test]
    fn the_prompt_refuses_with_the_reason() {
        let e = parse_query(".value ==", NOW).unwrap_err();
        assert!(e.starts_with("bad filter `.value ==`: expected"), "{e}");
        let e = parse_query("nosuch(1)", NOW).unwrap_err();
        assert!(e.contains("undefined filter `nosuch`"), "{e}");
        let e = parse_query("--since yesterday .a", NOW).unwrap_err();
        assert!(e.starts_with("--since `yesterday` is neither"), "{e}");
        let e = parse_query("--since 5m", NOW).unwrap_err();
        assert!(e.starts_with("no filter after --since 5m"), "{e}");
    }
}

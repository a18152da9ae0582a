//! What a DLQ's redrive group remembers, per DLQ partition: a cursor (every record
//! below it was redriven or can never be) and the offsets at or above it that were
//! redriven already (a filter or `--limit` can leave holes). The cursor is the
//! group's committed offset; the set travels in the commit's metadata string, so
//! both are committed in one step with the redriven records' transaction.

use std::collections::{BTreeMap, BTreeSet};

/// Prefix of the commit metadata this module writes (versioned).
const METADATA_PREFIX: &str = "kaftop-redrive/1:";

/// One DLQ partition's redrive state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartitionState {
    /// Records below this offset are done.
    pub cursor: i64,
    /// Offsets at or above the cursor already redriven.
    pub redriven: BTreeSet<i64>,
}

impl PartitionState {
    pub fn is_redriven(&self, offset: i64) -> bool {
        offset < self.cursor || self.redriven.contains(&offset)
    }

    /// The commit metadata: `kaftop-redrive/1:` and the redriven offsets as ranges
    /// (`5-7,9`).
    pub fn metadata(&self) -> String {
        let mut ranges: Vec<(i64, i64)> = Vec::new();
        for &o in &self.redriven {
            match ranges.last_mut() {
                Some((_, end)) if *end + 1 == o => *end = o,
                _ => ranges.push((o, o)),
            }
        }
        let text: Vec<String> = ranges
            .iter()
            .map(|&(a, b)| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}-{b}")
                }
            })
            .collect();
        format!("{METADATA_PREFIX}{}", text.join(","))
    }

    /// The state from a committed offset and its metadata. Empty metadata is an
    /// empty set; metadata another tool wrote is refused rather than guessed at.
    pub fn parse(cursor: i64, metadata: &str) -> Result<Self, String> {
        let mut state = PartitionState {
            cursor,
            redriven: BTreeSet::new(),
        };
        if metadata.is_empty() {
            return Ok(state);
        }
        let Some(list) = metadata.strip_prefix(METADATA_PREFIX) else {
            return Err(format!("unknown commit metadata `{metadata}`"));
        };
        for part in list.split(',').filter(|p| !p.is_empty()) {
            let (a, b) = part.split_once('-').unwrap_or((part, part));
            let bad = || format!("bad offset range `{part}` in commit metadata");
            let a: i64 = a.parse().map_err(|_| bad())?;
            let b: i64 = b.parse().map_err(|_| bad())?;
            if a > b {
                return Err(bad());
            }
            state.redriven.extend((a..=b).filter(|&o| o >= cursor));
        }
        Ok(state)
    }
}

/// Every DLQ partition's state, by partition.
pub type RedriveState = BTreeMap<i32, PartitionState>;

/// The state after a run: `scanned` lists every record read from the cursor to
/// `end` (the high watermark when reading) with whether it is now done (redriven
/// before, redriven now, or never redrivable). The cursor moves over the done
/// records up to the first that is not; the set keeps the rest.
pub(crate) fn advance(
    before: &PartitionState,
    scanned: &[(i64, bool)],
    sent: &BTreeSet<i64>,
    end: i64,
) -> PartitionState {
    let mut cursor = before.cursor;
    let mut blocked = false;
    for &(offset, done) in scanned {
        if offset < cursor {
            continue;
        }
        if done {
            cursor = offset + 1;
        } else {
            blocked = true;
            break;
        }
    }
    if !blocked {
        cursor = cursor.max(end);
    }
    let redriven = before
        .redriven
        .iter()
        .chain(sent)
        .copied()
        .filter(|&o| o >= cursor)
        .collect();
    PartitionState { cursor, redriven }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_round_trips_as_ranges() {
        let s = PartitionState {
            cursor: 3,
            redriven: [5, 6, 7, 9, 12, 13].into_iter().collect(),
        };
        assert_eq!(s.metadata(), "kaftop-redrive/1:5-7,9,12-13");
        assert_eq!(PartitionState::parse(3, &s.metadata()), Ok(s));
        assert_eq!(
            PartitionState::parse(4, ""),
            Ok(PartitionState {
                cursor: 4,
                redriven: BTreeSet::new()
            })
        );
        assert!(PartitionState::parse(0, "something else").is_err());
        assert!(PartitionState::parse(0, "kaftop-redrive/1:7-5").is_err());
    }

    #[test]
    fn the_cursor_stops_at_the_first_record_left_behind() {
        let before = PartitionState {
            cursor: 10,
            redriven: [12].into_iter().collect(),
        };
        let sent = [10, 14].into_iter().collect();
        // 11 is not redrivable (done), 13 left out by a filter.
        let scanned = [(10, true), (11, true), (12, true), (13, false), (14, true)];
        let after = advance(&before, &scanned, &sent, 15);
        assert_eq!(after.cursor, 13);
        assert_eq!(after.redriven, [14].into_iter().collect());
        // Everything done: the cursor goes to the end (over gaps in the offsets).
        let scanned = [(13, true), (14, true)];
        let after = advance(&after, &scanned, &[13].into_iter().collect(), 16);
        assert_eq!((after.cursor, after.redriven.len()), (16, 0));
    }
}

//! What is on screen, read first: the [`Focus`] the dashboard sends, what the
//! last full refresh found of it (coordinators, leaders), and the focused
//! read's message.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use crate::kafka::admin::types::GroupType;
use crate::kafka::poller::FocusRead;
use crate::kafka::snapshot::{BrokerInfo, ClusterSnapshot, CommittedRecord, TopicInfo};
use crate::metrics::FocusMetrics;

/// What is on screen: the groups and topics a split refresh reads first. Empty:
/// no preference.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Focus {
    pub groups: BTreeSet<String>,
    pub topics: BTreeSet<String>,
    /// Their partition rows are drawn (a group's or a topic's own view), not
    /// only their totals (a list): a dashboard of a large cluster keeps the
    /// rows of such a focus only ([`super::keep_rows_shown`]).
    pub draws_rows: bool,
}

impl Focus {
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.topics.is_empty()
    }
}

/// A focused read, folded: sent ahead of the full refresh that follows it.
#[derive(Debug, Clone)]
pub struct FocusRefresh {
    /// The focused groups and topics that were read without error (a group or
    /// topic left out is not gone: the full refresh says).
    pub metrics: FocusMetrics,
    /// The read (the fold aside).
    pub took: Duration,
    /// Kafka requests of the read, apart from the full refresh's.
    pub requests: u64,
}

/// What the last full refresh found of the focus at the time: where each
/// focused classic or consumer group's coordinator is, the brokers, and the
/// topics the focused groups and topics cover (a few: the rows on screen). A focus set after that refresh is read
/// first from the refresh after it.
#[derive(Debug, Default)]
pub(super) struct Layout {
    groups: HashMap<String, (i32, GroupType)>,
    brokers: Vec<BrokerInfo>,
    topics: Vec<TopicInfo>,
    /// The topics each focused group had committed offsets on.
    group_topics: HashMap<String, BTreeSet<String>>,
    /// The records read at committed offsets on those topics: a group still
    /// there keeps its exact time lag in the focused read.
    records: Vec<CommittedRecord>,
}

impl Layout {
    /// Nothing kept when there is no focus (`serve`, one-shot commands).
    pub(super) fn of(snap: &ClusterSnapshot, focus: &Focus) -> Layout {
        if focus.is_empty() || !snap.connected {
            return Layout::default();
        }
        let groups: HashMap<String, (i32, GroupType)> = snap
            .groups
            .iter()
            .filter(|g| focus.groups.contains(&g.group_id))
            .filter_map(|g| {
                let t = g.group_type.unwrap_or(GroupType::Unknown);
                let wire_read = matches!(
                    t,
                    GroupType::Classic | GroupType::Consumer | GroupType::Unknown
                );
                let c = g.coordinator.filter(|_| wire_read && g.error.is_none())?;
                Some((g.group_id.clone(), (c, t)))
            })
            .collect();
        let group_topics: HashMap<String, BTreeSet<String>> = snap
            .groups
            .iter()
            .filter(|g| focus.groups.contains(&g.group_id))
            .map(|g| {
                let topics = g.offsets.iter().map(|o| o.topic.clone()).collect();
                (g.group_id.clone(), topics)
            })
            .collect();
        let topics = snap
            .topics
            .iter()
            .filter(|t| {
                focus.topics.contains(&t.name)
                    || group_topics.values().any(|ts| ts.contains(&t.name))
            })
            .cloned()
            .collect::<Vec<TopicInfo>>();
        let records = snap
            .committed_records
            .iter()
            .filter(|r| topics.iter().any(|t| t.name == r.topic))
            .cloned()
            .collect();
        Layout {
            groups,
            brokers: snap.brokers.clone(),
            topics,
            group_topics,
            records,
        }
    }

    /// The read of `focus`: its groups with a known coordinator whose topics
    /// were kept (focused at the last full refresh), and the topics kept for
    /// it. `None` when that is nothing.
    pub(super) fn read_of(&self, focus: &Focus) -> Option<FocusRead> {
        let mut want = FocusRead {
            brokers: self.brokers.clone(),
            ..Default::default()
        };
        for g in focus
            .groups
            .iter()
            .filter(|g| self.group_topics.contains_key(*g))
        {
            if let Some(&(c, t)) = self.groups.get(g) {
                want.groups.push((g.clone(), t));
                want.coordinators.insert(g.clone(), Ok(c));
            }
        }
        // The focus may have changed since: only the topics it still covers.
        let covered = |t: &TopicInfo| {
            focus.topics.contains(&t.name)
                || focus
                    .groups
                    .iter()
                    .filter_map(|g| self.group_topics.get(g))
                    .any(|ts| ts.contains(&t.name))
        };
        want.topics = self.topics.iter().filter(|t| covered(t)).cloned().collect();
        want.records = self.records.clone();
        (!want.groups.is_empty() || !want.topics.is_empty()).then_some(want)
    }
}

/// Leaves out what the focused read could not read (a coordinator that moved,
/// a leader that changed): stale or empty, it would hide good data until the
/// full refresh.
pub(super) fn keep_what_was_read(part: &mut ClusterSnapshot) {
    part.topics.retain(|t| {
        t.partitions
            .iter()
            .all(|p| p.error.is_none() && p.high.is_some())
    });
    let read: BTreeSet<&str> = part.topics.iter().map(|t| t.name.as_str()).collect();
    part.groups.retain(|g| {
        g.error.is_none()
            && g.state.is_some()
            && g.offsets.iter().all(|o| read.contains(o.topic.as_str()))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::admin::types::GroupState;
    use crate::kafka::snapshot::{GroupInfo, GroupOffset, PartitionInfo};

    fn topic(name: &str) -> TopicInfo {
        TopicInfo {
            name: name.into(),
            partitions: vec![PartitionInfo {
                id: 0,
                leader: 1,
                high: Some(5),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn group(id: &str, t: GroupType, topic: &str) -> GroupInfo {
        GroupInfo {
            group_id: id.into(),
            state: Some(GroupState::Stable),
            group_type: Some(t),
            protocol_type: None,
            members: Some(Vec::new()),
            offsets: vec![GroupOffset {
                topic: topic.into(),
                partition: 0,
                committed: Some(1),
                share_lag: None,
            }],
            coordinator: Some(1),
            error: None,
            detail: None,
        }
    }

    fn snap() -> ClusterSnapshot {
        ClusterSnapshot {
            connected: true,
            topics: vec![topic("a"), topic("b"), topic("c")],
            groups: vec![
                group("g", GroupType::Classic, "a"),
                group("h", GroupType::Consumer, "b"),
                group("s", GroupType::Share, "c"),
            ],
            ..Default::default()
        }
    }

    fn focus(groups: &[&str], topics: &[&str]) -> Focus {
        Focus {
            groups: groups.iter().map(|g| g.to_string()).collect(),
            topics: topics.iter().map(|t| t.to_string()).collect(),
            draws_rows: true,
        }
    }

    fn names(t: &[TopicInfo]) -> Vec<&str> {
        t.iter().map(|t| t.name.as_str()).collect()
    }

    #[test]
    fn a_read_covers_the_focus_as_the_last_refresh_found_it() {
        assert!(Layout::of(&snap(), &Focus::default())
            .read_of(&focus(&["g"], &[]))
            .is_none());
        let layout = Layout::of(&snap(), &focus(&["g", "s"], &["c"]));
        let want = layout.read_of(&focus(&["g", "s"], &["c"])).unwrap();
        // A share group is not read on this path; its topic is, as focused.
        let groups: Vec<_> = want.groups.iter().map(|(g, _)| g.as_str()).collect();
        assert_eq!(groups, ["g"]);
        assert_eq!(want.coordinators.get("g"), Some(&Ok(1)));
        assert_eq!(names(&want.topics), ["a", "c"]);
        // The focus moved since: g's topic is no longer read; h was not in
        // focus at the last refresh, so its topic was not kept: h waits for it.
        let want = layout.read_of(&focus(&["g"], &[])).unwrap();
        assert_eq!(names(&want.topics), ["a"]);
        assert!(layout.read_of(&focus(&["h"], &[])).is_none());
    }

    #[test]
    fn what_could_not_be_read_is_left_out() {
        let mut part = snap();
        part.topics[1].partitions[0].error = Some("NOT_LEADER_OR_FOLLOWER".into());
        part.groups[0].error = Some("NOT_COORDINATOR".into());
        keep_what_was_read(&mut part);
        assert_eq!(names(&part.topics), ["a", "c"]);
        // g failed; h's topic was not read.
        let groups: Vec<_> = part.groups.iter().map(|g| g.group_id.as_str()).collect();
        assert_eq!(groups, ["s"]);
    }
}

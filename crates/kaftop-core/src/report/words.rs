//! The words for time lag, catch-up, stuck partitions and data loss, the same
//! on the dashboard, in `kaftop lag` and in the incident snapshot. Their numbers
//! are [`present`]'s.

use crate::metrics::lag::Eta;
use crate::metrics::{DataLoss, GroupMetrics, GroupPartitionRow, History, LagStatus};
use crate::metrics::{StatusReason, Stuck, TimeLag};
use crate::present;

/// Exact: `3m05s`; estimated from rates: `~3m05s`. `fallback` is the older
/// estimate, used when no [`TimeLag`] was computed.
pub fn time_lag(t: Option<&TimeLag>, fallback: Option<f64>) -> String {
    match (t, fallback) {
        (Some(t), _) => present::time_lag(t.secs, t.exact),
        (None, Some(s)) if s.is_finite() => present::time_lag(s, false),
        (None, _) => "-".into(),
    }
}

/// What a verdict could not see: `no history: one read`, or a history shorter
/// than the status window; `None` when the window is full (or no engine counted).
pub fn history(h: &History) -> Option<String> {
    if h.reads == 0 {
        None
    } else if h.reads == 1 {
        Some("no history: one read".into())
    } else if h.short() {
        Some(format!(
            "short history: {} reads in {} of {}",
            h.reads,
            present::secs(h.span_ms as f64 / 1000.0),
            present::secs(h.window_ms as f64 / 1000.0)
        ))
    } else {
        None
    }
}

/// A status with its reason: `STOP (no members, lag behind the log end)`.
pub fn status(s: LagStatus, why: Option<StatusReason>) -> String {
    match why {
        Some(why) => format!("{s} ({})", why.words()),
        None => s.to_string(),
    }
}

/// A group's status, its reason and what its history could not show:
/// `OK (no history: one read)`, `STOP (no members, lag behind the log end)`.
pub fn verdict(g: &GroupMetrics) -> String {
    verdict_of(g.status, g.status_reason, &g.history)
}

/// [`verdict`] from its parts.
pub fn verdict_of(s: LagStatus, why: Option<StatusReason>, h: &History) -> String {
    let mut notes: Vec<String> = why.map(|r| r.words().to_string()).into_iter().collect();
    notes.extend(history(h));
    if notes.is_empty() {
        s.to_string()
    } else {
        format!("{s} ({})", notes.join("; "))
    }
}

/// When the group catches up: `caught up`, `3m05s`, `falling behind`.
pub fn eta(e: Eta) -> String {
    match e {
        Eta::CaughtUp => "caught up".into(),
        Eta::In(s) => present::secs(s),
        Eta::Steady => "steady".into(),
        Eta::NotConsuming => "not consuming".into(),
        Eta::FallingBehind => "falling behind".into(),
        Eta::Unknown => "-".into(),
    }
}

/// `stuck 2m13s at offset 42`.
pub fn stuck(s: &Stuck) -> String {
    format!("stuck {} at offset {}", present::secs(s.for_secs), s.offset)
}

/// `data loss in ~12 min`, `340 records lost`.
pub fn loss(l: &DataLoss) -> String {
    match l {
        DataLoss::Forecast { in_secs } => {
            format!("data loss in ~{}", present::minutes(*in_secs))
        }
        DataLoss::Lost { records } => format!("{} records lost", present::count_u(*records)),
    }
}

/// What stands out about a partition: stuck, data loss, records never committed.
pub fn row_note(r: &GroupPartitionRow) -> String {
    let mut parts = Vec::new();
    if let Some(s) = &r.stuck {
        parts.push(stuck(s));
    }
    if let Some(l) = &r.data_loss {
        parts.push(loss(l));
    }
    if let Some(n) = r.uncommitted_waiting {
        parts.push(format!("no commit, {} waiting", present::count_u(n)));
    }
    parts.join("; ")
}

/// What stands out about a group: its longest-stuck partition, data loss,
/// partitions never committed.
pub fn group_note(g: &GroupMetrics) -> String {
    let mut parts = Vec::new();
    let worst = g
        .rows
        .iter()
        .filter_map(|r| r.stuck.as_ref().map(|s| (r, s)))
        .max_by(|a, b| a.1.for_secs.total_cmp(&b.1.for_secs));
    if let Some((r, s)) = worst {
        let more = if g.stuck > 1 {
            format!(" (+{})", g.stuck - 1)
        } else {
            String::new()
        };
        parts.push(format!("{}-{} {}{more}", r.topic, r.partition, stuck(s)));
    }
    if let Some(l) = &g.data_loss {
        parts.push(loss(l));
    }
    if g.uncommitted > 0 {
        let waiting: u64 = g.rows.iter().filter_map(|r| r.uncommitted_waiting).sum();
        parts.push(format!(
            "{} uncommitted, {} waiting",
            g.uncommitted,
            present::count_u(waiting)
        ));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording() {
        let exact = TimeLag {
            secs: 65.0,
            exact: true,
            note: None,
        };
        let estimate = TimeLag {
            exact: false,
            ..exact.clone()
        };
        assert_eq!(time_lag(Some(&exact), None), "1m05s");
        assert_eq!(time_lag(Some(&estimate), None), "~1m05s");
        assert_eq!(time_lag(None, Some(3.0)), "~3s");
        assert_eq!(time_lag(None, None), "-");
        let s = Stuck {
            offset: 42,
            since_ms: 0,
            for_secs: 133.0,
        };
        assert_eq!(stuck(&s), "stuck 2m13s at offset 42");
        assert_eq!(
            loss(&DataLoss::Forecast { in_secs: 700.0 }),
            "data loss in ~12 min"
        );
        assert_eq!(loss(&DataLoss::Lost { records: 340 }), "340 records lost");
        assert_eq!(eta(Eta::In(42.0)), "42s");
        let one = History {
            reads: 1,
            span_ms: 0,
            window_ms: 50_000,
        };
        assert_eq!(history(&one).as_deref(), Some("no history: one read"));
        let two = History {
            reads: 2,
            span_ms: 5_000,
            ..one
        };
        assert_eq!(
            history(&two).as_deref(),
            Some("short history: 2 reads in 5s of 50s")
        );
        let full = History {
            reads: 11,
            span_ms: 50_000,
            ..one
        };
        assert_eq!(history(&full), None);
        assert_eq!(history(&History::default()), None);
        assert_eq!(
            status(LagStatus::Stop, Some(StatusReason::NoMembers)),
            "STOP (no members, lag behind the log end)"
        );
    }
}

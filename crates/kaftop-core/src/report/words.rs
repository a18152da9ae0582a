//! The words for time lag, stuck partitions and data loss, the same on the
//! dashboard and in the incident snapshot.

use crate::metrics::{DataLoss, GroupMetrics, GroupPartitionRow, Stuck, TimeLag};

/// Seconds as `42s`, `3m05s`, `2h03m`, `3d02h`.
pub fn secs(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        return "-".into();
    }
    let s = s.round() as u64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

/// A forecast in whole minutes, at least 1: `12 min`.
pub fn minutes(s: f64) -> String {
    format!("{} min", (s / 60.0).ceil().max(1.0) as u64)
}

/// Exact: `3m05s`; estimated from rates: `~3m05s`. `fallback` is the older
/// estimate, used when no [`TimeLag`] was computed.
pub fn time_lag(t: Option<&TimeLag>, fallback: Option<f64>) -> String {
    match (t, fallback) {
        (Some(t), _) if t.exact => secs(t.secs),
        (Some(t), _) => format!("~{}", secs(t.secs)),
        (None, Some(s)) if s.is_finite() => format!("~{}", secs(s)),
        (None, _) => "-".into(),
    }
}

/// `stuck 2m13s at offset 42`.
pub fn stuck(s: &Stuck) -> String {
    format!("stuck {} at offset {}", secs(s.for_secs), s.offset)
}

/// `data loss in ~12 min`, `340 records lost`.
pub fn loss(l: &DataLoss) -> String {
    match l {
        DataLoss::Forecast { in_secs } => format!("data loss in ~{}", minutes(*in_secs)),
        DataLoss::Lost { records } => format!("{records} records lost"),
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
        parts.push(format!("no commit, {n} waiting"));
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
        parts.push(format!("{} uncommitted, {waiting} waiting", g.uncommitted));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording() {
        assert_eq!(secs(133.0), "2m13s");
        assert_eq!(minutes(30.0), "1 min");
        assert_eq!(minutes(601.0), "11 min");
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
    }
}

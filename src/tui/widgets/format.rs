//! Numbers, rates, durations and clocks as the tables show them.

use kaftop_core::metrics::lag::Eta;

/// `1234567` → `1,234,567`.
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn count_u(n: u64) -> String {
    count(i64::try_from(n).unwrap_or(i64::MAX))
}

pub fn opt_count(n: Option<i64>) -> String {
    n.map_or_else(|| "-".into(), count)
}

/// A per-second rate in 4–6 characters: `0`, `3.25`, `812.4`, `12.3k`, `1.20M`.
pub fn rate(r: Option<f64>) -> String {
    match r {
        None => "-".into(),
        Some(r) if !r.is_finite() => "-".into(),
        Some(r) if r.abs() < 0.005 => "0".into(),
        Some(r) if r < 10.0 => format!("{r:.2}"),
        Some(r) if r < 1000.0 => format!("{r:.1}"),
        Some(r) if r < 1_000_000.0 => format!("{:.1}k", r / 1000.0),
        Some(r) => format!("{:.2}M", r / 1_000_000.0),
    }
}

/// Seconds as `0s`, `42s`, `3m05s`, `2h03m`, `3d02h`.
pub fn secs(s: Option<f64>) -> String {
    let Some(s) = s.filter(|s| s.is_finite() && *s >= 0.0) else {
        return "-".into();
    };
    let s = s.round() as u64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

pub fn eta(e: Eta) -> String {
    match e {
        Eta::CaughtUp => "caught up".into(),
        Eta::In(s) => secs(Some(s)),
        Eta::Steady => "steady".into(),
        Eta::NotConsuming => "not consuming".into(),
        Eta::FallingBehind => "falling behind".into(),
        Eta::Unknown => "-".into(),
    }
}

fn local(ms: i64, utc_offset_secs: i32) -> Option<chrono::NaiveDateTime> {
    let t = chrono::DateTime::from_timestamp_millis(ms)?;
    t.naive_utc()
        .checked_add_signed(chrono::Duration::seconds(utc_offset_secs as i64))
}

/// `10:15:30` in local time.
pub fn clock(ms: i64, utc_offset_secs: i32) -> String {
    local(ms, utc_offset_secs).map_or_else(|| "-".into(), |t| t.format("%H:%M:%S").to_string())
}

/// `2026-11-24 10:15:30.123` in local time.
pub fn timestamp(ms: Option<i64>, utc_offset_secs: i32) -> String {
    ms.and_then(|ms| local(ms, utc_offset_secs)).map_or_else(
        || "-".into(),
        |t| t.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(-1234567), "-1,234,567");
        assert_eq!(rate(None), "-");
        assert_eq!(rate(Some(0.001)), "0");
        assert_eq!(rate(Some(3.254)), "3.25");
        assert_eq!(rate(Some(812.44)), "812.4");
        assert_eq!(rate(Some(12_345.0)), "12.3k");
        assert_eq!(rate(Some(1_200_000.0)), "1.20M");
    }

    #[test]
    fn durations_and_times() {
        assert_eq!(secs(Some(0.2)), "0s");
        assert_eq!(secs(Some(185.0)), "3m05s");
        assert_eq!(secs(Some(7380.0)), "2h03m");
        assert_eq!(secs(Some(3.0 * 86_400.0 + 7200.0)), "3d02h");
        assert_eq!(secs(Some(f64::INFINITY)), "-");
        assert_eq!(eta(Eta::In(42.0)), "42s");
        assert_eq!(clock(1_000, 0), "00:00:01");
        assert_eq!(clock(1_000, 9 * 3600), "09:00:01");
        assert_eq!(timestamp(Some(1_234), 0), "1970-01-01 00:00:01.234");
        assert_eq!(timestamp(None, 0), "-");
    }
}

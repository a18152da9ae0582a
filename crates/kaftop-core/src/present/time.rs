//! Moments: a time of day and a full timestamp, local (the dashboard, with the
//! configured offset) or UTC (the incident snapshot, read in other time zones).

fn local(ms: i64, utc_offset_secs: i32) -> Option<chrono::NaiveDateTime> {
    let t = chrono::DateTime::from_timestamp_millis(ms)?;
    t.naive_utc()
        .checked_add_signed(chrono::Duration::seconds(i64::from(utc_offset_secs)))
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

/// `2026-11-24 10:15:30 UTC`; the milliseconds when out of range.
pub fn utc(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

/// `10:15:30` in UTC; the milliseconds when out of range.
pub fn utc_clock(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map_or_else(|| ms.to_string(), |t| t.format("%H:%M:%S").to_string())
}

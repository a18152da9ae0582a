//! Moments: a time of day and a full timestamp, local (the dashboard, with the
//! configured offset), UTC (the incident snapshot, read in other time zones) or
//! RFC 3339 (lines and JSON that scripts and log tools read).

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

/// RFC 3339 in UTC, to the second (`2026-11-24T10:15:30Z`) or the millisecond
/// (`2026-11-24T10:15:30.123Z`); `-` when unknown.
pub fn rfc3339(ms: Option<i64>, millis: bool) -> String {
    let digits = if millis {
        chrono::SecondsFormat::Millis
    } else {
        chrono::SecondsFormat::Secs
    };
    ms.and_then(chrono::DateTime::from_timestamp_millis)
        .map_or_else(|| "-".into(), |t| t.to_rfc3339_opts(digits, true))
}

//! The times `--to-datetime` and `--by-duration` accept, as the tool reads them.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

/// `2026-11-24T10:00:00[.sss][zone]` in ms since the epoch. The zone is `Z`,
/// `±hh`, `±hhmm` or `±hh:mm`; without one the time is UTC (as the tool reads it).
pub fn parse_datetime(s: &str) -> Result<i64, String> {
    let bad = || {
        format!("`{s}` is not a time such as 2026-11-24T10:00:00, 2026-11-24T10:00:00.000Z or 2026-11-24T10:00:00+01:00")
    };
    let (date, time) = s.split_once('T').ok_or_else(bad)?;
    let zone_at = time.find(['Z', '+', '-']).unwrap_or(time.len());
    let (clock, zone) = time.split_at(zone_at);
    let offset = parse_zone(zone).ok_or_else(bad)?;
    let format = if clock.contains('.') {
        // Exactly three digits: the tool's `.sss`.
        if clock.split_once('.').map(|(_, f)| f.len()) != Some(3) {
            return Err(bad());
        }
        "%Y-%m-%dT%H:%M:%S%.3f"
    } else {
        "%Y-%m-%dT%H:%M:%S"
    };
    let naive =
        NaiveDateTime::parse_from_str(&format!("{date}T{clock}"), format).map_err(|_| bad())?;
    let local: DateTime<FixedOffset> = offset
        .from_local_datetime(&naive)
        .single()
        .ok_or_else(bad)?;
    Ok(local.with_timezone(&Utc).timestamp_millis())
}

fn parse_zone(zone: &str) -> Option<FixedOffset> {
    if zone.is_empty() || zone == "Z" {
        return FixedOffset::east_opt(0);
    }
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
    if !(digits.len() == 2 || digits.len() == 4) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = if digits.len() == 4 {
        digits[2..].parse().ok()?
    } else {
        0
    };
    if hours > 18 || minutes > 59 || (zone.contains(':') && zone.len() != 6) {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

/// `--by-duration`: an ISO-8601 duration as the tool takes it (`PT10M`, `P1DT2H`,
/// `PT0.5S`) or a short one (`10m`, `1h30m`), as milliseconds back from now.
pub fn parse_duration_back(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let ms = if t.starts_with(['P', 'p']) {
        iso_duration_ms(t)
    } else {
        humantime::parse_duration(t)
            .ok()
            .and_then(|d| i64::try_from(d.as_millis()).ok())
    };
    ms.ok_or_else(|| format!("`{s}` is not a duration such as PT10M, P1DT2H or 10m"))
}

/// `PnDTnHnMn.nS` (Java's `Duration.parse`, without negative parts) in ms.
fn iso_duration_ms(s: &str) -> Option<i64> {
    let rest = &s[1..];
    let (days, time) = match rest.split_once(['T', 't']) {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    let mut ms: f64 = 0.0;
    let mut parts = 0;
    if !days.is_empty() {
        let n = days.strip_suffix(['D', 'd'])?;
        ms += n.parse::<u32>().ok()? as f64 * 86_400_000.0;
        parts += 1;
    }
    if let Some(mut t) = time {
        if t.is_empty() {
            return None;
        }
        for (unit, scale) in [('H', 3_600_000.0), ('M', 60_000.0), ('S', 1_000.0)] {
            let at = t.find([unit, unit.to_ascii_lowercase()]);
            if let Some(at) = at {
                let n = &t[..at];
                let v: f64 = if unit == 'S' {
                    n.parse().ok()?
                } else {
                    n.parse::<u32>().ok()? as f64
                };
                if !(v.is_finite() && v >= 0.0) || n.starts_with(['+', '-']) {
                    return None;
                }
                ms += v * scale;
                t = &t[at + 1..];
                parts += 1;
            }
        }
        if !t.is_empty() {
            return None;
        }
    }
    (parts > 0).then_some(ms.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_read_as_the_tool_reads_them() {
        let base = 1_795_514_400_000; // 2026-11-24T10:00:00Z
        assert_eq!(parse_datetime("2026-11-24T10:00:00"), Ok(base));
        assert_eq!(parse_datetime("2026-11-24T10:00:00.250"), Ok(base + 250));
        assert_eq!(parse_datetime("2026-11-24T10:00:00.000Z"), Ok(base));
        assert_eq!(parse_datetime("2026-11-24T11:00:00+01:00"), Ok(base));
        assert_eq!(parse_datetime("2026-11-24T11:30:00.000+0130"), Ok(base));
        assert_eq!(parse_datetime("2026-11-24T08:00:00-02"), Ok(base));
        for bad in [
            "2026-11-24",
            "2026-11-24 10:00:00",
            "2026-11-24T10:00",
            "2026-11-24T10:00:00.5",
            "2026-11-24T10:00:00+1",
            "2026-11-24T10:00:00+01:0",
            "2026-13-24T10:00:00",
            "2026-11-24T10:00:00X",
        ] {
            assert!(parse_datetime(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_are_iso_or_short() {
        assert_eq!(parse_duration_back("PT10M"), Ok(600_000));
        assert_eq!(parse_duration_back("P1DT2H"), Ok(93_600_000));
        assert_eq!(parse_duration_back("P2D"), Ok(172_800_000));
        assert_eq!(parse_duration_back("PT1H30M0.5S"), Ok(5_400_500));
        assert_eq!(parse_duration_back("10m"), Ok(600_000));
        assert_eq!(parse_duration_back("1h 30m"), Ok(5_400_000));
        for bad in ["P", "PT", "PT10", "PT-5M", "P1H", "ten minutes", "PT1M2H"] {
            assert!(parse_duration_back(bad).is_err(), "{bad}");
        }
    }
}

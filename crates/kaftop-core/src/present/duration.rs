//! Durations: ages, waits, forecasts.

/// Seconds as `0s`, `42s`, `3m05s`, `2h03m`, `3d02h`; `-` when not a duration.
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

/// A duration measured to a tenth of a second under a minute (`0.8s`, `14.3s`,
/// `5s` when whole), else as [`secs`].
pub fn tenths(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        return "-".into();
    }
    let t = (s * 10.0).round() / 10.0;
    if t >= 60.0 {
        return secs(s);
    }
    if t.fract() == 0.0 {
        format!("{}s", t as u64)
    } else {
        format!("{t:.1}s")
    }
}

/// A wait such as a refresh interval: `250ms` under a second, else as [`secs`].
pub fn wait(d: std::time::Duration) -> String {
    if d < std::time::Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else {
        secs(d.as_secs_f64())
    }
}

/// A forecast in whole minutes, at least 1: `12 min`. Rounded up: a forecast
/// never promises more time than it has.
pub fn minutes(s: f64) -> String {
    format!("{} min", (s / 60.0).ceil().max(1.0) as u64)
}

/// A time lag: `3m05s` when read from the record, `~3m05s` when estimated.
pub fn time_lag(s: f64, exact: bool) -> String {
    if exact {
        secs(s)
    } else {
        format!("~{}", secs(s))
    }
}

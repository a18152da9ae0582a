//! Counts, offsets, rates and sizes.

/// An amount: `1234567` → `1,234,567`.
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

/// A change of an amount, signed: `+1,500`, `-20`, `0`.
pub fn change(n: i64) -> String {
    if n > 0 {
        format!("+{}", count(n))
    } else {
        count(n)
    }
}

pub fn count_u(n: u64) -> String {
    count(i64::try_from(n).unwrap_or(i64::MAX))
}

pub fn opt_count(n: Option<i64>) -> String {
    n.map_or_else(|| "-".into(), count)
}

/// A position in a partition, `-` when unknown: plain digits, so it can be
/// compared with Kafka's tools and pasted into `--to-offset`.
pub fn offset(o: Option<i64>) -> String {
    o.map_or_else(|| "-".into(), |o| o.to_string())
}

/// A partition's lag, `1,800`; a negative raw value (offsets read at different
/// moments overtook each other) is kept visible: `0 (-50)`.
pub fn lag(lag: Option<u64>, raw: Option<i64>) -> String {
    match (lag, raw) {
        (Some(l), Some(r)) if r < 0 => format!("{} ({})", count_u(l), count(r)),
        (Some(l), _) => count_u(l),
        _ => "-".into(),
    }
}

/// [`lag`] in plain digits, as `kafka-consumer-groups --describe` prints it
/// (the one table that copies that tool's columns).
pub fn lag_digits(lag: Option<u64>, raw: Option<i64>) -> String {
    match (lag, raw) {
        (Some(l), Some(r)) if r < 0 => format!("{l} ({r})"),
        (Some(l), _) => l.to_string(),
        _ => "-".into(),
    }
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

/// A record's size, exact: `10014 bytes`.
pub fn bytes(n: usize) -> String {
    format!("{n} bytes")
}

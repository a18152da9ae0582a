//! Values typed by users that both the command line and the dashboard's forms
//! accept, parsed one way for both.

/// Slowest rate accepted: one event every 1000 s.
pub const MIN_RATE: f64 = 0.001;

/// `500`, `500/s` or `2.5/s`: a finite number of events per second, at least
/// [`MIN_RATE`].
pub fn parse_rate(s: &str) -> Result<f64, String> {
    let n = s.trim().strip_suffix("/s").unwrap_or(s.trim());
    match n.parse::<f64>() {
        Ok(r) if r.is_finite() && r >= MIN_RATE => Ok(r),
        _ => Err(format!(
            "`{s}` is not a rate such as 500 or 500/s (at least {MIN_RATE}/s)"
        )),
    }
}

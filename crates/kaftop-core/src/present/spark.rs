//! Text sparklines and bars: one character per sample (or per eighth of a
//! bar), so they fit a table cell, scroll with its rows and paste into Markdown.

const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The newest `values` (oldest first) as a `width`-character sparkline, scaled
/// to their maximum. Older samples are folded into buckets (their maximum, so
/// a short burst stays visible); fewer samples than columns are right-aligned.
pub fn sparkline(values: &[f64], width: usize) -> String {
    if width == 0 {
        return String::new();
    }
    let buckets: Vec<f64> = if values.len() <= width {
        values.to_vec()
    } else {
        (0..width)
            .map(|i| {
                let a = i * values.len() / width;
                let b = ((i + 1) * values.len() / width).max(a + 1);
                values[a..b].iter().copied().fold(f64::MIN, f64::max)
            })
            .collect()
    };
    let max = buckets.iter().copied().fold(0.0_f64, f64::max);
    let mut out = " ".repeat(width - buckets.len());
    for v in buckets {
        let level = if max > 0.0 && v.is_finite() && v > 0.0 {
            ((v / max) * 7.0).round().clamp(0.0, 7.0) as usize
        } else {
            0
        };
        out.push(LEVELS[level]);
    }
    out
}

/// [`sparkline`] of counts.
pub fn sparkline_u(values: &[u64], width: usize) -> String {
    let v: Vec<f64> = values.iter().map(|&x| x as f64).collect();
    sparkline(&v, width)
}

const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/// A horizontal bar `value / max` of `width` characters, in eighths.
pub fn bar(value: f64, max: f64, width: usize) -> String {
    if width == 0 {
        return String::new();
    }
    let frac = if max > 0.0 && value.is_finite() {
        (value / max).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let eighths = (frac * width as f64 * 8.0).round() as usize;
    let mut out = "█".repeat(eighths / 8);
    if eighths % 8 > 0 {
        out.push(EIGHTHS[eighths % 8]);
    }
    let used = out.chars().count();
    out.push_str(&" ".repeat(width.saturating_sub(used)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines() {
        assert_eq!(sparkline(&[0.0, 1.0, 2.0, 4.0], 4), "▁▃▅█");
        assert_eq!(sparkline(&[1.0, 1.0], 4), "  ██");
        assert_eq!(sparkline(&[0.0; 3], 3), "▁▁▁");
        // Eight samples into four columns: the max of each pair.
        assert_eq!(
            sparkline(&[0.0, 8.0, 0.0, 0.0, 4.0, 0.0, 0.0, 0.0], 4),
            "█▁▅▁"
        );
        assert_eq!(sparkline(&[], 2), "  ");
        assert_eq!(sparkline(&[1.0], 0), "");
        assert_eq!(sparkline_u(&[0, 10], 2), "▁█");
    }

    #[test]
    fn bars() {
        assert_eq!(bar(10.0, 10.0, 4), "████");
        assert_eq!(bar(5.0, 10.0, 4), "██  ");
        assert_eq!(bar(1.0, 16.0, 2), "▏ ");
        assert_eq!(bar(0.0, 0.0, 3), "   ");
        assert_eq!(bar(50.0, 10.0, 2), "██");
    }
}

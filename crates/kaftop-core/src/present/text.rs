//! Text measured in terminal columns, not chars: a Hangul syllable or a CJK
//! ideograph takes two columns, a combining mark none. Every table (the
//! dashboard's and the subcommands') cuts and pads with these, so a wide
//! character never pushes a column out of line.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The columns `s` takes on a terminal.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// `s` cut to at most `max` columns, ending in `…` when something was cut. A
/// wide character that would straddle the limit is left out whole.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = char_width(c);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `s` followed by spaces up to `min` columns (never cut).
pub fn pad(s: &str, min: usize) -> String {
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', min.saturating_sub(width(s))));
    out
}

/// Whitespace runs (newlines included) collapsed to one space, leading
/// whitespace dropped, cut to `max` columns (no ellipsis).
pub fn one_line(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max * 4));
    let mut used = 0;
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = used > 0;
            continue;
        }
        let w = char_width(c);
        let sep = usize::from(space);
        if used + sep + w > max {
            if space && used < max {
                out.push(' ');
            }
            break;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
        used += sep + w;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_counts_columns() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("안녕"), 4);
        assert_eq!(width("안녕 Kafka"), 10);
        assert_eq!(width(""), 0);
    }

    #[test]
    fn truncate_ascii() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(truncate("abcd", 4), "abcd");
        assert_eq!(truncate("abc", 0), "");
        assert_eq!(truncate("abc", 1), "…");
    }

    #[test]
    fn truncate_hangul_by_columns() {
        // 새 메시지 도착: 6 syllables and 2 spaces = 14 columns.
        assert_eq!(width("새 메시지 도착"), 14);
        assert_eq!(truncate("새 메시지 도착", 14), "새 메시지 도착");
        assert_eq!(truncate("새 메시지 도착", 13), "새 메시지 도…");
        assert_eq!(truncate("새 메시지 도착", 8), "새 메시…");
        assert_eq!(width(&truncate("새 메시지 도착", 8)), 8);
        // A syllable that would straddle the limit is left out: 7 columns hold
        // 새·space·메 (5) and the ellipsis (1), one column short of the next.
        assert_eq!(truncate("새 메시지 도착", 7), "새 메…");
        assert_eq!(width(&truncate("새 메시지 도착", 7)), 6);
        assert_eq!(truncate("안녕", 2), "…");
        assert_eq!(truncate("안녕", 3), "안…");
    }

    #[test]
    fn truncate_mixed_text() {
        assert_eq!(truncate("안녕 Kafka", 10), "안녕 Kafka");
        assert_eq!(truncate("안녕 Kafka", 9), "안녕 Kaf…");
        assert_eq!(truncate("Kafka 안녕", 8), "Kafka …");
        assert_eq!(truncate("orders-주문-topic", 12), "orders-주문…");
    }

    #[test]
    fn pad_by_columns() {
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("안녕", 6), "안녕  ");
        assert_eq!(pad("안녕 Kafka", 12), "안녕 Kafka  ");
        assert_eq!(pad("abcdef", 3), "abcdef");
    }

    #[test]
    fn one_line_collapses_and_cuts_by_columns() {
        assert_eq!(
            one_line("{\n  \"a\": 1,\n  \"b\": 2\n}", 100),
            "{ \"a\": 1, \"b\": 2 }"
        );
        assert_eq!(one_line("  lead", 3), "lea");
        assert_eq!(one_line("ab  cd", 3), "ab ");
        assert_eq!(one_line("안녕\n하세요", 7), "안녕 하");
        assert_eq!(one_line("안녕\n하세요", 6), "안녕 ");
        assert_eq!(one_line("안녕하세요", 5), "안녕");
    }
}

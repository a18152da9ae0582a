//! Text measured in terminal columns, not chars: a Hangul syllable or a CJK
//! ideograph takes two columns, a combining mark none. Every table (the
//! dashboard's and the subcommands') cuts and pads with these, so a wide
//! character never pushes a column out of line.
//!
//! Text that comes from the cluster (topic and group names, client ids, member
//! hosts, record keys, values and headers) is shown through [`visible`]: a
//! name can neither drive the terminal nor hide or reorder what is shown.

use std::borrow::Cow;
use std::fmt::Write as _;

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Whether `c` acts on the terminal or cannot be seen: control characters
/// (C0, DEL, C1), format characters (bidirectional embeddings, overrides and
/// isolates U+202A–202E and U+2066–2069, zero-width space and joiners, the
/// byte order mark, the soft hyphen) and the line and paragraph separators.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c.general_category(),
            GeneralCategory::Format
                | GeneralCategory::LineSeparator
                | GeneralCategory::ParagraphSeparator
        )
}

/// `s` with every [`is_hidden`] character written out: `\n`, `\r`, `\t` by
/// name, the others as `\u{202e}`. Borrowed when there is nothing to show.
pub fn visible(s: &str) -> Cow<'_, str> {
    escape_hidden(s, false)
}

/// [`visible`] for a record's text, shown on several lines: line feeds and tabs
/// are kept, and a backslash is doubled, so that text which spells an escape
/// (`\u{1b}`) is never taken for the character itself and what is shown reads
/// back to the text exactly.
pub fn visible_lines(s: &str) -> Cow<'_, str> {
    escape_hidden(s, true)
}

fn escape_hidden(s: &str, lines: bool) -> Cow<'_, str> {
    let keep = |c: char| !is_hidden(c) || (lines && matches!(c, '\n' | '\t'));
    if s.chars().all(|c| keep(c) && !(lines && c == '\\')) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' if lines => out.push_str("\\\\"),
            c if keep(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

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

/// `s` cut to at most `max` columns by taking out its middle (`…` in its
/// place): names that share a beginning (`orders`, `orders.dlq`,
/// `orders-retry-5`) stay told apart by their end.
pub fn cut_middle(s: &str, max: usize) -> String {
    // The end is what differs most often: it gets the larger half.
    cut_inside(s, max, max.saturating_sub(1) / 2)
}

/// `s` cut to at most `max` columns keeping a third from its beginning and
/// the rest from its end: a notice keeps what it is about and a path its
/// file's name.
pub fn cut_keeping_end(s: &str, max: usize) -> String {
    cut_inside(s, max, max.saturating_sub(1) / 3)
}

/// `s` cut to `max` columns: up to `head_w` of its beginning, `…`, and as much
/// of its end as fits.
fn cut_inside(s: &str, max: usize, head_w: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max < 3 {
        return truncate(s, max);
    }
    let budget = max - 1;
    let mut head = String::new();
    let mut used = 0;
    for c in s.chars() {
        if used + char_width(c) > head_w {
            break;
        }
        used += char_width(c);
        head.push(c);
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used_tail = 0;
    for c in s.chars().rev() {
        if used_tail + char_width(c) > budget - used {
            break;
        }
        used_tail += char_width(c);
        tail.push(c);
    }
    head.push('…');
    head.extend(tail.iter().rev());
    head
}

/// Names of one column cut to `max` columns so they stay told apart: cut at
/// the end when that keeps them distinct (`archive-service-…`,
/// `read-receipt-se…`), else from the middle (`messag…reated`,
/// `messag…ed.dlq`), else from the left.
pub fn cut_apart<S: AsRef<str>>(names: &[S], max: usize) -> Vec<String> {
    let distinct = |v: &[String]| {
        let mut seen = std::collections::HashSet::new();
        let mut wanted = std::collections::HashSet::new();
        for (cut, name) in v.iter().zip(names) {
            seen.insert(cut.as_str());
            wanted.insert(name.as_ref());
        }
        seen.len() == wanted.len()
    };
    let cuts: [fn(&str, usize) -> String; 3] = [truncate, cut_middle, cut_left];
    let mut out = Vec::new();
    for cut in cuts {
        out = names.iter().map(|n| cut(n.as_ref(), max)).collect();
        if distinct(&out) {
            break;
        }
    }
    out
}

/// `s` cut to at most `max` columns from the left (`…` first): a path keeps
/// its file name.
pub fn cut_left(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        if used + char_width(c) > max - 1 {
            break;
        }
        used += char_width(c);
        tail.push(c);
    }
    let mut out = String::from('…');
    out.extend(tail.iter().rev());
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
    fn visible_writes_out_each_hidden_class() {
        // C0, DEL, C1: what drives a terminal.
        assert_eq!(visible("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(visible("\x07\x7f\u{9b}"), "\\u{7}\\u{7f}\\u{9b}");
        assert_eq!(visible("a\nb\r\tc"), "a\\nb\\r\\tc");
        // Bidirectional embeddings, overrides and isolates: all of them.
        for c in ('\u{202a}'..='\u{202e}').chain('\u{2066}'..='\u{2069}') {
            let shown = visible(&format!("x{c}y")).into_owned();
            assert_eq!(shown, format!("x\\u{{{:x}}}y", c as u32));
        }
        // Zero-width and other invisible format characters, separators.
        for c in [
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{200e}',
            '\u{2060}',
            '\u{feff}',
            '\u{ad}',
            '\u{2028}',
            '\u{2029}',
            '\u{e0041}',
        ] {
            assert!(is_hidden(c), "{:x}", c as u32);
            assert!(!visible(&c.to_string()).contains(c));
        }
        // What is seen stays as it is, borrowed.
        for s in ["orders.dlq", "새 메시지 도착", "café ✓ 🚀", "a\\u{1b}"] {
            assert!(matches!(visible(s), Cow::Borrowed(t) if t == s));
        }
    }

    #[test]
    fn visible_lines_keeps_line_feeds_and_tabs() {
        assert_eq!(visible_lines("{\n\t\"a\": 1\r\n}"), "{\n\t\"a\": 1\\r\n}");
        assert_eq!(visible_lines("x\u{202e}y\x1b"), "x\\u{202e}y\\u{1b}");
    }

    #[test]
    fn cut_middle_keeps_what_tells_names_apart() {
        assert_eq!(cut_middle("message.created", 13), "messag…reated");
        assert_eq!(cut_middle("message.created.dlq", 13), "messag…ed.dlq");
        assert_eq!(cut_middle("archive-service-group", 16), "archive…ce-group");
        assert_eq!(cut_middle("orders", 16), "orders");
        assert_eq!(cut_middle("새 메시지 도착", 9), "새 … 도착");
        assert!(width(&cut_middle("새 메시지 도착", 9)) <= 9);
        assert_eq!(cut_middle("abcdef", 2), "a…");
        for max in 0..20 {
            assert!(width(&cut_middle("read-receipt-service-group", max)) <= max);
        }
    }

    #[test]
    fn cut_apart_picks_the_cut_that_keeps_names_distinct() {
        let groups = [
            "archive-service-group",
            "read-receipt-service-group",
            "orders-audit",
        ];
        assert_eq!(
            cut_apart(&groups, 16),
            ["archive-service…", "read-receipt-se…", "orders-audit"]
        );
        let topics = ["message.created", "message.created.dlq", "orders"];
        assert_eq!(
            cut_apart(&topics, 13),
            ["messag…reated", "messag…ed.dlq", "orders"]
        );
        let retries = [
            "orders-retry-1-of-a-long-chain",
            "orders-retry-2-of-a-long-chain",
        ];
        assert_eq!(
            cut_apart(&retries, 10),
            ["…ong-chain", "…ong-chain"],
            "nothing keeps them apart in 10 columns: the last cut is taken"
        );
        let empty: [&str; 0] = [];
        assert!(cut_apart(&empty, 5).is_empty());
    }

    #[test]
    fn cut_keeping_end_keeps_a_third_of_the_beginning() {
        let notice = "incident snapshot written to /home/oncall/.local/share/kaftop/incidents/incident-20261124T101552Z.md";
        let cut = cut_keeping_end(notice, 60);
        assert_eq!(width(&cut), 60);
        assert_eq!(
            cut,
            "incident snapshot w…p/incidents/incident-20261124T101552Z.md"
        );
    }

    #[test]
    fn cut_left_keeps_the_end() {
        assert_eq!(
            cut_left("/home/oncall/.local/share/kaftop/incident-20261124.md", 24),
            "…op/incident-20261124.md"
        );
        assert_eq!(cut_left("short", 24), "short");
        assert_eq!(cut_left("abc", 0), "");
        assert_eq!(cut_left("안녕하세요", 5), "…세요");
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

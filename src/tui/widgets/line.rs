//! A one-line text editor: the command line, filters, prompts and form fields.
//! Its keys are fixed (readline-like), not part of the keymap.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use unicode_width::UnicodeWidthChar;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    text: String,
    /// Cursor position in characters.
    cursor: usize,
}

/// What a one-line field does with the line breaks of a paste (one at the end,
/// copied with a line, is always dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breaks {
    /// Refuse the paste: the lines would run together into another value.
    Refuse,
    /// Fold each break (and tab) into a space: where whitespace is only
    /// a separator (JSON).
    Fold,
}

/// What a key did to the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Changed,
    Moved,
    /// Not an editing key: the caller decides (Enter, Esc, Tab, ...).
    Ignored,
}

impl LineInput {
    pub fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        let cursor = text.chars().count();
        LineInput { text, cursor }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn set(&mut self, text: impl Into<String>) {
        *self = LineInput::new(text);
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_idx)
            .map_or(self.text.len(), |(i, _)| i)
    }

    pub fn insert(&mut self, c: char) {
        let at = self.byte_at(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }

    /// Inserts a paste at the cursor, whole, or nothing with the reason: a
    /// paste is text, never keys, and a one-line field holds no control
    /// characters.
    pub fn paste(&mut self, text: &str, breaks: Breaks) -> Result<(), String> {
        let text = text.replace("\r\n", "\n");
        let text = text.trim_end_matches(['\n', '\r']);
        let mut clean = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '\n' | '\r' | '\t' if breaks == Breaks::Fold => clean.push(' '),
                '\n' | '\r' => {
                    let lines = text.split(['\n', '\r']).count();
                    return Err(format!(
                        "a one-line field: the paste has {lines} lines, nothing pasted"
                    ));
                }
                c if c.is_control() => {
                    return Err(format!(
                        "the paste holds a control character (U+{:04X}), nothing pasted",
                        c as u32
                    ));
                }
                c => clean.push(c),
            }
        }
        let at = self.byte_at(self.cursor);
        self.text.insert_str(at, &clean);
        self.cursor += clean.chars().count();
        Ok(())
    }

    pub fn handle(&mut self, key: &KeyEvent) -> Edit {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let len = self.text.chars().count();
        match key.code {
            KeyCode::Char(c) if !ctrl && !alt => {
                self.insert(c);
                Edit::Changed
            }
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
                Edit::Changed
            }
            KeyCode::Delete if self.cursor < len => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
                Edit::Changed
            }
            KeyCode::Char('d') if ctrl && self.cursor < len => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
                Edit::Changed
            }
            KeyCode::Char('u') if ctrl => {
                let at = self.byte_at(self.cursor);
                self.text.replace_range(..at, "");
                self.cursor = 0;
                Edit::Changed
            }
            KeyCode::Char('k') if ctrl => {
                let at = self.byte_at(self.cursor);
                self.text.truncate(at);
                Edit::Changed
            }
            KeyCode::Char('w') if ctrl => {
                let chars: Vec<char> = self.text.chars().collect();
                let mut start = self.cursor;
                while start > 0 && chars[start - 1] == ' ' {
                    start -= 1;
                }
                while start > 0 && chars[start - 1] != ' ' {
                    start -= 1;
                }
                let (a, b) = (self.byte_at(start), self.byte_at(self.cursor));
                self.text.replace_range(a..b, "");
                self.cursor = start;
                Edit::Changed
            }
            KeyCode::Left if self.cursor > 0 => {
                self.cursor -= 1;
                Edit::Moved
            }
            KeyCode::Right if self.cursor < len => {
                self.cursor += 1;
                Edit::Moved
            }
            KeyCode::Home => {
                self.cursor = 0;
                Edit::Moved
            }
            KeyCode::Char('a') if ctrl => {
                self.cursor = 0;
                Edit::Moved
            }
            KeyCode::End => {
                self.cursor = len;
                Edit::Moved
            }
            KeyCode::Char('e') if ctrl => {
                self.cursor = len;
                Edit::Moved
            }
            KeyCode::Backspace | KeyCode::Delete | KeyCode::Left | KeyCode::Right => Edit::Moved,
            _ => Edit::Ignored,
        }
    }

    /// The part of the text to show in `width` terminal columns, and the cursor's
    /// column in it: scrolls horizontally so the cursor stays visible. Columns,
    /// not characters: a Hangul syllable takes two.
    pub fn visible(&self, width: usize) -> (String, usize) {
        if width == 0 {
            return (String::new(), 0);
        }
        let chars: Vec<(char, usize)> = self
            .text
            .chars()
            .map(|c| (c, c.width().unwrap_or(0)))
            .collect();
        let cols =
            |range: std::ops::Range<usize>| -> usize { chars[range].iter().map(|c| c.1).sum() };
        // The first character shown: as early as lets the cursor's cell fit.
        let mut start = 0;
        while start < self.cursor && cols(start..self.cursor) + 1 > width {
            start += 1;
        }
        let mut used = 0;
        let shown: String = chars[start..]
            .iter()
            .take_while(|(_, w)| {
                used += w;
                used <= width
            })
            .map(|(c, _)| *c)
            .collect();
        (shown, cols(start..self.cursor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    #[test]
    fn edits_multibyte_text() {
        let mut l = LineInput::new("새 메시지");
        l.handle(&k(KeyCode::Backspace));
        assert_eq!(l.text(), "새 메시");
        l.handle(&k(KeyCode::Home));
        l.handle(&k(KeyCode::Char('a')));
        assert_eq!((l.text(), l.cursor()), ("a새 메시", 1));
        l.handle(&k(KeyCode::Delete));
        assert_eq!(l.text(), "a 메시");
        l.handle(&ctrl('e'));
        l.handle(&ctrl('w'));
        assert_eq!(l.text(), "a ");
        l.handle(&ctrl('u'));
        assert_eq!((l.text(), l.cursor()), ("", 0));
        assert_eq!(l.handle(&k(KeyCode::Enter)), Edit::Ignored);
    }

    #[test]
    fn a_paste_goes_in_whole_or_not_at_all() {
        let mut l = LineInput::new("ab");
        l.handle(&k(KeyCode::Left));
        assert_eq!(l.paste("새 x\n", Breaks::Refuse), Ok(()));
        assert_eq!((l.text(), l.cursor()), ("a새 xb", 4));
        assert_eq!(
            l.paste("first line\nsecond line", Breaks::Refuse),
            Err("a one-line field: the paste has 2 lines, nothing pasted".into())
        );
        assert_eq!(
            l.paste("x\u{1b}[2J", Breaks::Fold),
            Err("the paste holds a control character (U+001B), nothing pasted".into())
        );
        assert_eq!(l.text(), "a새 xb");
        let mut j = LineInput::default();
        assert_eq!(j.paste("{\r\n\t\"a\": 1\n}\r\n", Breaks::Fold), Ok(()));
        assert_eq!(j.text(), "{  \"a\": 1 }");
    }

    #[test]
    fn visible_part_follows_the_cursor() {
        let l = LineInput::new("0123456789");
        assert_eq!(l.visible(4), ("789".to_string(), 3));
        let mut l = LineInput::new("0123456789");
        l.handle(&k(KeyCode::Home));
        assert_eq!(l.visible(4), ("0123".to_string(), 0));
        assert_eq!(l.visible(0), (String::new(), 0));
    }

    #[test]
    fn visible_part_counts_display_columns() {
        // 새 메시지: 2 + 1 + 2 + 2 + 2 columns.
        let mut l = LineInput::new("새 메시지");
        assert_eq!(l.visible(6), ("시지".to_string(), 4));
        l.handle(&k(KeyCode::Home));
        assert_eq!(l.visible(6), ("새 메".to_string(), 0));
        l.handle(&k(KeyCode::Right));
        assert_eq!(l.visible(6), ("새 메".to_string(), 2));
    }
}

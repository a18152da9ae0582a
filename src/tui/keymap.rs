//! Keys → actions, per scope, with the descriptions the `?` help shows.
//!
//! A view looks a key up in its own scope, then in the shared list scope (for the
//! views that are lists), then in the global scope. An action may be bound in
//! several scopes (`tail-topic` in topics and topic detail, `up` in lists and the
//! publisher); overriding it in `[keys]` of config.toml replaces its keys in all
//! of them. A key bound to two actions along one lookup chain is an error, so an
//! override can never silently shadow another binding.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use crate::config::{ConfigError, Resolved};

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Global,
    List,
    Topics,
    TopicDetail,
    Groups,
    GroupDetail,
    Messages,
    Publish,
    Services,
}

impl Scope {
    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Everywhere",
            Scope::List => "Lists",
            Scope::Topics => "Topics",
            Scope::TopicDetail => "Topic detail",
            Scope::Groups => "Consumer groups",
            Scope::GroupDetail => "Group detail",
            Scope::Messages => "Messages",
            Scope::Publish => "Publisher",
            Scope::Services => "Services",
        }
    }

    /// The scopes a key is looked up in, most specific first.
    pub fn chain(self) -> &'static [Scope] {
        match self {
            Scope::Global => &[Scope::Global],
            Scope::List => &[Scope::List, Scope::Global],
            Scope::Topics => &[Scope::Topics, Scope::List, Scope::Global],
            Scope::TopicDetail => &[Scope::TopicDetail, Scope::List, Scope::Global],
            Scope::Groups => &[Scope::Groups, Scope::List, Scope::Global],
            Scope::GroupDetail => &[Scope::GroupDetail, Scope::List, Scope::Global],
            Scope::Messages => &[Scope::Messages, Scope::List, Scope::Global],
            Scope::Publish => &[Scope::Publish, Scope::Global],
            Scope::Services => &[Scope::Services, Scope::List, Scope::Global],
        }
    }

    const VIEWS: [Scope; 7] = [
        Scope::Topics,
        Scope::TopicDetail,
        Scope::Groups,
        Scope::GroupDetail,
        Scope::Messages,
        Scope::Publish,
        Scope::Services,
    ];
}

/// One key with its modifiers. Letters carry their case (`G` is shift-g).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyCombo {
    pub code: KeyCode,
    /// Only CONTROL and ALT; SHIFT is folded into the code.
    pub mods: KeyModifiers,
}

impl KeyCombo {
    pub const fn plain(code: KeyCode) -> Self {
        KeyCombo {
            code,
            mods: KeyModifiers::NONE,
        }
    }

    pub const fn ctrl(c: char) -> Self {
        KeyCombo {
            code: KeyCode::Char(c),
            mods: KeyModifiers::CONTROL,
        }
    }

    const fn ch(c: char) -> Self {
        KeyCombo::plain(KeyCode::Char(c))
    }

    /// The combo a terminal key event stands for.
    pub fn from_event(ev: &KeyEvent) -> Self {
        let mut mods = ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match ev.code {
            // Terminals report ctrl-letters in either case; bindings use lowercase.
            KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            KeyCode::Tab if ev.modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            other => other,
        };
        if code == KeyCode::BackTab {
            mods.remove(KeyModifiers::SHIFT);
        }
        KeyCombo { code, mods }
    }

    /// Parses `q`, `G`, `?`, `ctrl-c`, `alt-x`, `shift-tab`, `f5`, `space`, `pgdn`...
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "`{s}` is not a key (examples: q, G, ?, ctrl-c, alt-x, shift-tab, f5, space, enter, esc, pgdn)"
            )
        };
        if s.is_empty() {
            return Err(bad());
        }
        let mut mods = KeyModifiers::NONE;
        let mut shift = false;
        let mut rest = s;
        // `-` alone (or `ctrl--`) is the minus key, not a separator.
        loop {
            let lower = rest.to_ascii_lowercase();
            let prefix = [
                "ctrl-", "ctrl+", "c-", "alt-", "alt+", "a-", "shift-", "shift+",
            ]
            .into_iter()
            .find(|p| lower.starts_with(p) && rest.len() > p.len());
            let Some(p) = prefix else { break };
            match p.chars().next() {
                Some('c') => mods |= KeyModifiers::CONTROL,
                Some('a') => mods |= KeyModifiers::ALT,
                _ => shift = true,
            }
            rest = &rest[p.len()..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => {
                let c = if mods.contains(KeyModifiers::CONTROL) {
                    c.to_ascii_lowercase()
                } else if shift {
                    c.to_ascii_uppercase()
                } else {
                    c
                };
                KeyCode::Char(c)
            }
            _ => match rest.to_ascii_lowercase().as_str() {
                "esc" | "escape" => KeyCode::Esc,
                "enter" | "return" | "cr" => KeyCode::Enter,
                "tab" if shift => KeyCode::BackTab,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "space" => KeyCode::Char(' '),
                "backspace" | "bs" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdn" | "pgdown" | "pagedown" => KeyCode::PageDown,
                f if f.starts_with('f') => match f[1..].parse::<u8>() {
                    Ok(n @ 1..=12) => KeyCode::F(n),
                    _ => return Err(bad()),
                },
                _ => return Err(bad()),
            },
        };
        if shift && !matches!(code, KeyCode::Char(_) | KeyCode::BackTab) {
            return Err(format!(
                "`{s}`: shift is only supported with letters and tab"
            ));
        }
        Ok(KeyCombo { code, mods })
    }
}

impl fmt::Display for KeyCombo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("del"),
            KeyCode::Insert => f.write_str("ins"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Some keys bound to one action in one scope.
#[derive(Debug, Clone)]
pub struct Binding {
    pub scope: Scope,
    pub action: Action,
    pub keys: Vec<KeyCombo>,
}

/// A problem with the `[keys]` table: `action` is the key inside the table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct KeymapError {
    pub action: String,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::defaults()
    }
}

impl Keymap {
    /// k9s / vim conventions.
    pub fn defaults() -> Self {
        use Action as A;
        use KeyCode as K;
        use Scope as S;
        let p = KeyCombo::plain;
        let c = KeyCombo::ch;
        let table: Vec<(Scope, Action, Vec<KeyCombo>)> = vec![
            (S::Global, A::Quit, vec![c('q')]),
            (S::Global, A::Back, vec![p(K::Esc)]),
            (S::Global, A::Help, vec![c('?')]),
            (S::Global, A::CommandLine, vec![c(':')]),
            (S::Global, A::NextView, vec![p(K::Tab)]),
            (S::Global, A::PrevView, vec![p(K::BackTab)]),
            (S::Global, A::ShowTopics, vec![c('1')]),
            (S::Global, A::ShowGroups, vec![c('2')]),
            (S::Global, A::ShowMessages, vec![c('3')]),
            (S::Global, A::ShowPublish, vec![c('4')]),
            (S::Global, A::ShowServices, vec![c('5')]),
            (S::Global, A::Refresh, vec![KeyCombo::ctrl('r')]),
            (S::List, A::Up, vec![c('k'), p(K::Up)]),
            (S::List, A::Down, vec![c('j'), p(K::Down)]),
            (
                S::List,
                A::PageUp,
                vec![p(K::PageUp), KeyCombo::ctrl('b'), KeyCombo::ctrl('u')],
            ),
            (
                S::List,
                A::PageDown,
                vec![p(K::PageDown), KeyCombo::ctrl('f'), KeyCombo::ctrl('d')],
            ),
            (S::List, A::Top, vec![c('g'), p(K::Home)]),
            (S::List, A::Bottom, vec![c('G'), p(K::End)]),
            (S::List, A::Open, vec![p(K::Enter)]),
            (S::List, A::Filter, vec![c('/')]),
            (S::Topics, A::TailTopic, vec![c('m')]),
            (S::TopicDetail, A::TailTopic, vec![c('m')]),
            (S::Messages, A::Pause, vec![c('p'), c(' ')]),
            (S::Messages, A::FromBeginning, vec![c('b')]),
            (S::Messages, A::FromEnd, vec![c('e')]),
            (S::Messages, A::FromOffset, vec![c('o')]),
            (S::Messages, A::FromTime, vec![c('t')]),
            (S::Messages, A::ToggleDetail, vec![c('d')]),
            (S::Messages, A::DetailDown, vec![c('J')]),
            (S::Messages, A::DetailUp, vec![c('K')]),
            (S::Messages, A::Clear, vec![c('c')]),
            (S::Publish, A::Up, vec![c('k'), p(K::Up)]),
            (S::Publish, A::Down, vec![c('j'), p(K::Down)]),
            (S::Publish, A::Top, vec![c('g'), p(K::Home)]),
            (S::Publish, A::Bottom, vec![c('G'), p(K::End)]),
            (S::Publish, A::Edit, vec![p(K::Enter), c('i')]),
            (S::Publish, A::Send, vec![c('s'), KeyCombo::ctrl('s')]),
            (S::Publish, A::NextForm, vec![c(']'), c('l'), p(K::Right)]),
            (S::Publish, A::PrevForm, vec![c('['), c('h'), p(K::Left)]),
            (S::Publish, A::ResetForm, vec![c('r')]),
            (S::Publish, A::CancelBulk, vec![c('x')]),
            (S::Services, A::ToggleServices, vec![c('S')]),
        ];
        Keymap {
            bindings: table
                .into_iter()
                .map(|(scope, action, keys)| Binding {
                    scope,
                    action,
                    keys,
                })
                .collect(),
        }
    }

    /// The defaults with `[keys]` overrides applied: `action name → keys`.
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> Result<Self, KeymapError> {
        let mut map = Keymap::defaults();
        for (name, keys) in overrides {
            let err = |reason: String| KeymapError {
                action: name.clone(),
                reason,
            };
            let action = Action::from_name(name).ok_or_else(|| {
                let mut known: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
                known.sort_unstable();
                err(format!(
                    "unknown action `{name}` (known: {})",
                    known.join(", ")
                ))
            })?;
            if keys.is_empty() {
                return Err(err("needs at least one key".into()));
            }
            let combos = keys
                .iter()
                .map(|k| KeyCombo::parse(k))
                .collect::<Result<Vec<_>, _>>()
                .map_err(err)?;
            for b in map.bindings.iter_mut().filter(|b| b.action == action) {
                b.keys = combos.clone();
            }
        }
        // Ctrl-C always quits (hard-wired): nothing may take it.
        let ctrl_c = KeyCombo::ctrl('c');
        if let Some(b) = map.bindings.iter().find(|b| b.keys.contains(&ctrl_c)) {
            return Err(KeymapError {
                action: b.action.name().into(),
                reason: "ctrl-c always quits and cannot be bound".into(),
            });
        }
        map.check_conflicts(overrides)?;
        Ok(map)
    }

    /// A key bound to two actions on one lookup chain would shadow one of them.
    fn check_conflicts(
        &self,
        overrides: &BTreeMap<String, Vec<String>>,
    ) -> Result<(), KeymapError> {
        for view in Scope::VIEWS {
            let mut seen: BTreeMap<String, Action> = BTreeMap::new();
            for scope in view.chain() {
                for b in self.bindings.iter().filter(|b| b.scope == *scope) {
                    for k in &b.keys {
                        match seen.get(&k.to_string()) {
                            Some(&other) if other != b.action => {
                                // Name the action the user changed.
                                let (changed, kept) = if overrides.contains_key(b.action.name()) {
                                    (b.action, other)
                                } else {
                                    (other, b.action)
                                };
                                return Err(KeymapError {
                                    action: changed.name().into(),
                                    reason: format!(
                                        "key `{k}` is also bound to `{}` (in {})",
                                        kept.name(),
                                        view.title()
                                    ),
                                });
                            }
                            _ => {
                                seen.insert(k.to_string(), b.action);
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The action `ev` means in a view with this scope.
    pub fn action(&self, scope: Scope, ev: &KeyEvent) -> Option<Action> {
        let combo = KeyCombo::from_event(ev);
        scope.chain().iter().find_map(|s| {
            self.bindings
                .iter()
                .find(|b| b.scope == *s && b.keys.contains(&combo))
                .map(|b| b.action)
        })
    }

    /// The keys of `action` in `scope`'s chain, as the status bar hints show them.
    pub fn keys_for(&self, scope: Scope, action: Action) -> Option<String> {
        scope.chain().iter().find_map(|s| {
            self.bindings
                .iter()
                .find(|b| b.scope == *s && b.action == action)
                .map(|b| join_keys(&b.keys))
        })
    }

    /// Help sections for a view: each scope of its chain with `(keys, description)`.
    pub fn help(&self, scope: Scope) -> Vec<(Scope, Vec<(String, &'static str)>)> {
        scope
            .chain()
            .iter()
            .map(|s| {
                let rows = self
                    .bindings
                    .iter()
                    .filter(|b| b.scope == *s)
                    .map(|b| (join_keys(&b.keys), b.action.description()))
                    .collect();
                (*s, rows)
            })
            .collect()
    }
}

fn join_keys(keys: &[KeyCombo]) -> String {
    keys.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The keymap of a resolved config: the defaults with its `[keys]` applied. A bad
/// entry is a config error naming the key (`keys.quit`), as the core's own checks.
pub fn from_config(cfg: &Resolved) -> Result<Keymap, ConfigError> {
    Keymap::with_overrides(&cfg.keys).map_err(|e| ConfigError::Invalid {
        file: cfg
            .source
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "(built-in defaults)".to_string()),
        key: format!("keys.{}", e.action),
        reason: e.reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_config_str(text: &str) -> Result<Keymap, ConfigError> {
        let f = crate::config::parse_str(text, "test.toml")?;
        let cfg = crate::config::resolve(
            Some(&f),
            Some(std::path::Path::new("test.toml")),
            &crate::config::Overrides::default(),
        )?;
        from_config(&cfg)
    }

    fn err_string(r: Result<Keymap, ConfigError>) -> String {
        r.expect_err("expected an error").to_string()
    }

    #[test]
    fn key_overrides_are_validated() {
        let f = crate::config::parse_str(
            "[keys]\nquit = [\"q\", \"ctrl-q\"]\npause = \"space\"\n",
            "test.toml",
        )
        .unwrap();
        let r =
            crate::config::resolve(Some(&f), None, &crate::config::Overrides::default()).unwrap();
        assert_eq!(r.keys["quit"], vec!["q".to_string(), "ctrl-q".to_string()]);
        assert_eq!(r.keys["pause"], vec!["space".to_string()]);
        assert!(from_config(&r).is_ok());
        let e = err_string(from_config_str("[keys]\npauze = \"p\"\n"));
        assert!(
            e.contains("key `keys.pauze`") && e.contains("unknown action"),
            "{e}"
        );
        let e = err_string(from_config_str("[keys]\nhelp = \"hyper-h\"\n"));
        assert!(
            e.contains("key `keys.help`") && e.contains("`hyper-h` is not a key"),
            "{e}"
        );
        let e = err_string(from_config_str("[keys]\nhelp = 3\n"));
        assert!(e.contains("keys.help"), "{e}");
    }

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    fn over(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(a, ks)| (a.to_string(), ks.iter().map(|k| k.to_string()).collect()))
            .collect()
    }

    #[test]
    fn defaults_have_no_conflicts() {
        Keymap::with_overrides(&BTreeMap::new()).unwrap();
    }

    #[test]
    fn parse_and_display() {
        for (text, shown) in [
            ("q", "q"),
            ("G", "G"),
            ("shift-g", "G"),
            ("ctrl-c", "ctrl-c"),
            ("Ctrl+R", "ctrl-r"),
            ("alt-x", "alt-x"),
            ("shift-tab", "shift-tab"),
            ("f5", "f5"),
            ("space", "space"),
            ("pgdn", "pgdn"),
            ("-", "-"),
            ("ctrl--", "ctrl--"),
            ("?", "?"),
        ] {
            assert_eq!(KeyCombo::parse(text).unwrap().to_string(), shown, "{text}");
        }
        for bad in ["", "ctrl-", "f13", "hyper-x", "shift-enter", "qq"] {
            assert!(KeyCombo::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn events_match_bindings() {
        let m = Keymap::defaults();
        let shift_g = key(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(m.action(Scope::Topics, &shift_g), Some(Action::Bottom));
        let back_tab = key(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(m.action(Scope::Topics, &back_tab), Some(Action::PrevView));
        let ctrl_r = key(KeyCode::Char('R'), KeyModifiers::CONTROL);
        assert_eq!(m.action(Scope::Groups, &ctrl_r), Some(Action::Refresh));
        // View scope first: Enter edits in the publisher, opens in lists.
        let enter = key(KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(m.action(Scope::Publish, &enter), Some(Action::Edit));
        assert_eq!(m.action(Scope::Groups, &enter), Some(Action::Open));
        // `m` only means something where there is a topic.
        let m_key = key(KeyCode::Char('m'), KeyModifiers::NONE);
        assert_eq!(m.action(Scope::Groups, &m_key), None);
    }

    #[test]
    fn overrides_replace_keys_everywhere() {
        let m = Keymap::with_overrides(&over(&[("up", &["w"]), ("quit", &["ctrl-q"])])).unwrap();
        let w = key(KeyCode::Char('w'), KeyModifiers::NONE);
        assert_eq!(m.action(Scope::Topics, &w), Some(Action::Up));
        assert_eq!(m.action(Scope::Publish, &w), Some(Action::Up));
        let k = key(KeyCode::Char('k'), KeyModifiers::NONE);
        assert_eq!(m.action(Scope::Topics, &k), None);
        let q = key(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(m.action(Scope::Topics, &q), None);
        assert_eq!(
            m.keys_for(Scope::Topics, Action::Quit).as_deref(),
            Some("ctrl-q")
        );
    }

    #[test]
    fn bad_overrides_name_the_action() {
        let e = Keymap::with_overrides(&over(&[("pauze", &["p"])])).unwrap_err();
        assert_eq!(e.action, "pauze");
        assert!(e.reason.contains("unknown action `pauze`"), "{e}");
        let e = Keymap::with_overrides(&over(&[("pause", &["ctrl-"])])).unwrap_err();
        assert!(e.reason.contains("`ctrl-` is not a key"), "{e}");
        let e = Keymap::with_overrides(&over(&[("quit", &["j"])])).unwrap_err();
        assert_eq!(e.action, "quit");
        assert!(e.reason.contains("`j` is also bound to `down`"), "{e}");
        let e = Keymap::with_overrides(&over(&[("help", &["ctrl-c"])])).unwrap_err();
        assert!(e.reason.contains("ctrl-c always quits"), "{e}");
        let e = Keymap::with_overrides(&over(&[("help", &[])])).unwrap_err();
        assert!(e.reason.contains("at least one key"), "{e}");
    }

    #[test]
    fn help_lists_every_scope_of_the_chain() {
        let m = Keymap::defaults();
        let h = m.help(Scope::Messages);
        let scopes: Vec<Scope> = h.iter().map(|(s, _)| *s).collect();
        assert_eq!(scopes, vec![Scope::Messages, Scope::List, Scope::Global]);
        assert!(h[0]
            .1
            .iter()
            .any(|(k, d)| k == "p space" && d.starts_with("pause")));
    }
}

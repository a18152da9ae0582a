//! Keys → actions, per scope, built from the action table
//! ([`action::TABLE`](super::action::TABLE)) and the `[keys]` overrides.
//!
//! A view looks a key up in its own scope, then in the shared list scope (for the
//! views that are lists), then in the global scope; a modal mode in its own
//! scope (the help overlay, text input). An action may be bound in several
//! scopes (`tail-topic` in topics and topic detail, `up` in lists, the publisher
//! and the help); overriding it in `[keys]` of config.toml replaces its keys in
//! all of them. A key bound to two actions along one lookup chain is an error, so
//! an override can never silently shadow another binding.

mod combo;

use std::collections::BTreeMap;

use crossterm::event::KeyEvent;

use super::action::{Action, Scope, TABLE};
pub use combo::KeyCombo;
use kaftop_core::config::{ConfigError, Resolved};

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
    /// The defaults of the action table (k9s / vim conventions).
    pub fn defaults() -> Self {
        let bindings = TABLE
            .iter()
            .flat_map(|e| {
                e.keys.iter().map(|(scope, keys)| Binding {
                    scope: *scope,
                    action: e.action,
                    // The table's keys are checked by a test.
                    keys: keys
                        .iter()
                        .filter_map(|k| KeyCombo::parse(k).ok())
                        .collect(),
                })
            })
            .collect();
        Keymap { bindings }
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
                let mut known: Vec<&str> = Action::all().map(|a| a.name()).collect();
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
        map.check_typed(overrides)?;
        map.check_conflicts(overrides)?;
        Ok(map)
    }

    /// A plain character bound where text is typed could never be typed.
    fn check_typed(&self, overrides: &BTreeMap<String, Vec<String>>) -> Result<(), KeymapError> {
        for b in self.bindings.iter().filter(|b| b.scope.is_text()) {
            if let Some(k) = b.keys.iter().find(|k| k.is_typed()) {
                if overrides.contains_key(b.action.name()) {
                    return Err(KeymapError {
                        action: b.action.name().into(),
                        reason: format!(
                            "key `{k}` would be typed as text (in {}): use ctrl-, alt- or a named key",
                            b.scope.title()
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// A key bound to two actions on one lookup chain would shadow one of them.
    fn check_conflicts(
        &self,
        overrides: &BTreeMap<String, Vec<String>>,
    ) -> Result<(), KeymapError> {
        for view in Scope::LEAVES {
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

    /// The first key of `action` in `scope`'s chain (the status bar, titles).
    pub fn first_key(&self, scope: Scope, action: Action) -> Option<String> {
        scope.chain().iter().find_map(|s| {
            self.bindings
                .iter()
                .find(|b| b.scope == *s && b.action == action)
                .and_then(|b| b.keys.first().map(ToString::to_string))
        })
    }

    /// Help sections for a view: each scope of its chain with `(keys, description)`.
    pub fn help(&self, scope: Scope) -> Vec<(Scope, Vec<(String, Action)>)> {
        scope.chain().iter().map(|s| (*s, self.rows(*s))).collect()
    }

    /// The bindings of one scope (not its chain) as `(keys, action)`.
    pub fn rows(&self, scope: Scope) -> Vec<(String, Action)> {
        self.bindings
            .iter()
            .filter(|b| b.scope == scope)
            .map(|b| (join_keys(&b.keys), b.action))
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
    use crossterm::event::{KeyCode, KeyModifiers};

    fn from_config_str(text: &str) -> Result<Keymap, ConfigError> {
        let f = kaftop_core::config::parse_str(text, "test.toml")?;
        let cfg = kaftop_core::config::resolve(
            Some(&f),
            Some(std::path::Path::new("test.toml")),
            &kaftop_core::config::Overrides::default(),
        )?;
        from_config(&cfg)
    }

    fn err_string(r: Result<Keymap, ConfigError>) -> String {
        r.expect_err("expected an error").to_string()
    }

    #[test]
    fn key_overrides_are_validated() {
        let f = kaftop_core::config::parse_str(
            "[keys]\nquit = [\"q\", \"ctrl-q\"]\npause = \"space\"\n",
            "test.toml",
        )
        .unwrap();
        let r = kaftop_core::config::resolve(
            Some(&f),
            None,
            &kaftop_core::config::Overrides::default(),
        )
        .unwrap();
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
    fn every_default_key_parses() {
        for e in TABLE {
            for (scope, keys) in e.keys {
                for k in *keys {
                    assert!(KeyCombo::parse(k).is_ok(), "{} in {scope:?}: {k}", e.name);
                }
            }
        }
    }

    #[test]
    fn remapping_down_reaches_the_help_but_not_the_typed_text() {
        let m = Keymap::with_overrides(&over(&[("down", &["n"])])).unwrap();
        let n = key(KeyCode::Char('n'), KeyModifiers::NONE);
        let j = key(KeyCode::Char('j'), KeyModifiers::NONE);
        assert_eq!(m.action(Scope::Help, &n), Some(Action::Down));
        assert_eq!(m.action(Scope::Help, &j), None);
        assert_eq!(m.action(Scope::Publish, &n), Some(Action::Down));
        // In a form field `n` is typed; the arrows still move between fields.
        assert_eq!(m.action(Scope::Form, &n), None);
        let down = key(KeyCode::Down, KeyModifiers::NONE);
        assert_eq!(m.action(Scope::Form, &down), Some(Action::NextField));
    }

    #[test]
    fn modal_keys_come_from_the_table_and_can_be_remapped() {
        let m = Keymap::defaults();
        let esc = key(KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(m.action(Scope::Help, &esc), Some(Action::CloseHelp));
        assert_eq!(m.action(Scope::Input, &esc), Some(Action::Cancel));
        assert_eq!(m.action(Scope::Form, &esc), Some(Action::Cancel));
        let tab = key(KeyCode::Tab, KeyModifiers::NONE);
        assert_eq!(m.action(Scope::CommandLine, &tab), Some(Action::Complete));
        assert_eq!(m.action(Scope::Form, &tab), Some(Action::NextField));
        let ctrl_s = key(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert_eq!(m.action(Scope::Form, &ctrl_s), Some(Action::SendFromField));
        assert_eq!(
            m.first_key(Scope::Help, Action::CloseHelp).as_deref(),
            Some("esc")
        );

        let m = Keymap::with_overrides(&over(&[("accept", &["ctrl-j"])])).unwrap();
        let ctrl_j = key(KeyCode::Char('j'), KeyModifiers::CONTROL);
        assert_eq!(m.action(Scope::CommandLine, &ctrl_j), Some(Action::Accept));
        let e = Keymap::with_overrides(&over(&[("accept", &["y"])])).unwrap_err();
        assert_eq!(e.action, "accept");
        assert!(e.reason.contains("`y` would be typed as text"), "{e}");
        let e = Keymap::with_overrides(&over(&[("close-help", &["j"])])).unwrap_err();
        assert!(
            e.reason.contains("`j` is also bound to `down` (in Help)"),
            "{e}"
        );
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
            .any(|(k, a)| k == "p space" && a.description().starts_with("pause")));
    }
}

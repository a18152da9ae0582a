//! Colours in one place: a palette of roles (header, warn, danger, ...), the
//! dark one by default (the plain 16-colour palette, so any terminal shows it),
//! a light one, the user's colours from `[theme]`, and none at all when
//! `NO_COLOR` is set (then bold and reverse video still mark what colour did).
//!
//! The palette is per thread: the dashboard sets it once on the thread that
//! draws, and each test renders with the palette it sets.

use std::cell::Cell;

use ratatui::style::{Color, Modifier, Style};

use kaftop_core::config::{ConfigError, Resolved};
use kaftop_core::metrics::LagStatus;

/// The colour of each role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    /// `false` under `NO_COLOR`: no colour at all.
    pub color: bool,
    pub header: Color,
    pub dim: Color,
    pub ok: Color,
    pub warn: Color,
    pub danger: Color,
    pub accent: Color,
    pub stall: Color,
    /// The active tab's and the logo's text and background.
    pub tab_fg: Color,
    pub tab_bg: Color,
}

/// The roles `[theme]` may set, as written there.
pub const ROLES: [&str; 9] = [
    "header", "dim", "ok", "warn", "danger", "accent", "stall", "tab_fg", "tab_bg",
];

impl Palette {
    pub const DARK: Palette = Palette {
        color: true,
        header: Color::Yellow,
        dim: Color::DarkGray,
        ok: Color::Green,
        warn: Color::Yellow,
        danger: Color::Red,
        accent: Color::Cyan,
        stall: Color::Magenta,
        tab_fg: Color::Black,
        tab_bg: Color::Cyan,
    };

    /// For a light background: no yellow or cyan text, which white washes out.
    pub const LIGHT: Palette = Palette {
        color: true,
        header: Color::Blue,
        dim: Color::DarkGray,
        ok: Color::Green,
        warn: Color::Magenta,
        danger: Color::Red,
        accent: Color::Blue,
        stall: Color::Magenta,
        tab_fg: Color::White,
        tab_bg: Color::Blue,
    };

    /// `NO_COLOR`: every role in the terminal's own colours.
    pub const NONE: Palette = Palette {
        color: false,
        ..Palette::DARK
    };

    fn role_mut(&mut self, role: &str) -> Option<&mut Color> {
        Some(match role {
            "header" => &mut self.header,
            "dim" => &mut self.dim,
            "ok" => &mut self.ok,
            "warn" => &mut self.warn,
            "danger" => &mut self.danger,
            "accent" => &mut self.accent,
            "stall" => &mut self.stall,
            "tab_fg" => &mut self.tab_fg,
            "tab_bg" => &mut self.tab_bg,
            _ => return None,
        })
    }
}

/// The palette `[theme]` of `cfg` asks for (`name = "dark"` or `"light"`, then a
/// colour per role: a name such as `"blue"` or `"light-red"`, `"#rrggbb"` or a
/// 256-colour index), or [`Palette::NONE`] when `no_color`. Each error names its key.
pub fn from_config(cfg: &Resolved, no_color: bool) -> Result<Palette, ConfigError> {
    let mut palette = match cfg.theme.get("name").map(String::as_str) {
        None | Some("dark") => Palette::DARK,
        Some("light") => Palette::LIGHT,
        Some(other) => {
            return Err(cfg.invalid(
                "theme.name",
                format!("`{other}` is not a theme: \"dark\" or \"light\""),
            ))
        }
    };
    for (role, value) in cfg.theme.iter().filter(|(k, _)| *k != "name") {
        let key = format!("theme.{role}");
        let Some(slot) = palette.role_mut(role) else {
            let known = ROLES.join(", ");
            return Err(cfg.invalid(&key, format!("not a role of the theme: name, {known}")));
        };
        *slot = value.parse().map_err(|_| {
            cfg.invalid(
                &key,
                format!("`{value}` is not a colour: a name (\"blue\", \"light-red\"), \"#rrggbb\" or 0-255"),
            )
        })?;
    }
    Ok(if no_color { Palette::NONE } else { palette })
}

/// `NO_COLOR` set and not empty (no-color.org).
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

thread_local! {
    static PALETTE: Cell<Palette> = const { Cell::new(Palette::DARK) };
}

/// Draws with `palette` on this thread from now on.
pub fn set(palette: Palette) {
    PALETTE.with(|p| p.set(palette));
}

fn palette() -> Palette {
    PALETTE.with(Cell::get)
}

fn fg(pick: impl Fn(&Palette) -> Color) -> Style {
    let p = palette();
    if p.color {
        Style::new().fg(pick(&p))
    } else {
        Style::new()
    }
}

/// Text on a coloured background; reverse video without colour.
fn on(fg: Color, bg: Color) -> Style {
    if palette().color {
        Style::new().fg(fg).bg(bg)
    } else {
        Style::new().add_modifier(Modifier::REVERSED)
    }
}

pub fn title() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

pub fn header_row() -> Style {
    fg(|p| p.header).add_modifier(Modifier::BOLD)
}

pub fn selected() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}

pub fn dim() -> Style {
    fg(|p| p.dim)
}

pub fn ok() -> Style {
    fg(|p| p.ok)
}

pub fn warn() -> Style {
    fg(|p| p.warn)
}

pub fn danger() -> Style {
    fg(|p| p.danger)
}

pub fn accent() -> Style {
    fg(|p| p.accent)
}

pub fn tab_active() -> Style {
    let p = palette();
    on(p.tab_fg, p.tab_bg).add_modifier(Modifier::BOLD)
}

pub fn status(s: LagStatus) -> Style {
    match s {
        LagStatus::Ok => ok(),
        LagStatus::Warn => warn(),
        LagStatus::Stall => fg(|p| p.stall).add_modifier(Modifier::BOLD),
        LagStatus::Stop => danger().add_modifier(Modifier::BOLD),
        LagStatus::Rewind => accent().add_modifier(Modifier::BOLD),
    }
}

pub fn error() -> Style {
    on(Color::White, Color::Red)
}

pub fn info() -> Style {
    on(Color::Black, Color::Green)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaftop_core::config::{parse_str, resolve, Overrides};

    fn cfg(theme: &str) -> Resolved {
        let text = format!("[theme]\n{theme}\n");
        let file = parse_str(&text, "t.toml").unwrap();
        resolve(
            Some(&file),
            Some(std::path::Path::new("t.toml")),
            &Overrides::default(),
        )
        .unwrap()
    }

    #[test]
    fn the_theme_table_picks_a_palette_and_colours() {
        assert_eq!(from_config(&cfg(""), false).unwrap(), Palette::DARK);
        let p = from_config(
            &cfg("name = \"light\"\nwarn = \"#ff8800\"\nok = \"28\""),
            false,
        )
        .unwrap();
        assert_eq!(p.header, Palette::LIGHT.header);
        assert_eq!(p.warn, Color::Rgb(0xff, 0x88, 0x00));
        assert_eq!(p.ok, Color::Indexed(28));
        assert_eq!(
            from_config(&cfg("warn = \"red\""), true).unwrap(),
            Palette::NONE
        );
    }

    #[test]
    fn a_bad_theme_names_its_key() {
        let err = |t: &str| from_config(&cfg(t), false).unwrap_err().to_string();
        assert!(
            err("name = \"solarized\"").contains("key `theme.name`"),
            "{}",
            err("name = \"solarized\"")
        );
        let e = err("warn = \"orangeish\"");
        assert!(
            e.contains("key `theme.warn`") && e.contains("`orangeish` is not a colour"),
            "{e}"
        );
        assert!(err("border = \"red\"").contains("key `theme.border`"));
    }

    #[test]
    fn without_colour_styles_carry_none() {
        set(Palette::NONE);
        for s in [
            header_row(),
            dim(),
            warn(),
            danger(),
            tab_active(),
            error(),
            status(LagStatus::Stall),
        ] {
            assert_eq!((s.fg, s.bg), (None, None), "{s:?}");
        }
        assert!(tab_active().add_modifier.contains(Modifier::REVERSED));
        set(Palette::DARK);
        assert_eq!(warn().fg, Some(Color::Yellow));
    }
}

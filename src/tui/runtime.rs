//! The terminal and the event loop. Input comes from a reader thread that
//! blocks on the terminal, Kafka from the I/O side's threads, time from a
//! one-second tick; all arrive on one channel. The screen is redrawn only when
//! `App::update` reports a change, at most [`FRAME`] apart, so an idle
//! dashboard sleeps in `recv_timeout`.

use std::io::IsTerminal;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use crossterm::event::{self as term, KeyEventKind};
use ratatui::DefaultTerminal;

use super::app::{self, App, AppConfig, Clusters, Exit};
use super::event::Event;
use super::io::{Io, IoOptions};
use super::keymap::Keymap;
use kaftop_core::config::Resolved;
use kaftop_core::worker::Job;

/// Shortest time between two frames (~30 fps).
pub const FRAME: Duration = Duration::from_millis(33);
/// Period of `Event::Tick`.
pub const TICK: Duration = Duration::from_secs(1);

/// Runs the dashboard until the user quits or asks for the clusters screen
/// (`:clusters`). `rt` runs the async Kafka calls.
pub fn run(cfg: Resolved, keymap: Keymap, rt: tokio::runtime::Handle) -> Result<Exit> {
    let opts = IoOptions::for_config(&cfg);
    // A first run, without any config file: say how to get one.
    let notice = match &cfg.source {
        Some(_) => None,
        None => kaftop_core::config::platform_config_file().map(|p| {
            // The command last: a narrow status bar keeps a notice's end.
            format!(
                "no config file at {}: write a commented starter with `kaftop config init`",
                p.display()
            )
        }),
    };
    let mut screen = Screen::open(&rt)?;
    let dash = Dashboard {
        notice,
        clusters: Clusters::Available,
    };
    dashboard(&mut screen, cfg, keymap, opts, dash, rt)
}

/// [`run`] with the I/O side's options given (the demo's known groups and
/// services); the clusters screen is not offered.
pub fn run_with(
    cfg: Resolved,
    keymap: Keymap,
    opts: IoOptions,
    rt: tokio::runtime::Handle,
) -> Result<()> {
    let mut screen = Screen::open(&rt)?;
    let dash = Dashboard {
        notice: None,
        clusters: Clusters::Off,
    };
    dashboard(&mut screen, cfg, keymap, opts, dash, rt).map(|_| ())
}

/// The dashboard opened from the clusters screen, on its terminal: it ends with
/// [`Exit::Back`] on `Esc` at the top level.
pub fn run_from_clusters(
    screen: &mut Screen,
    cfg: Resolved,
    keymap: Keymap,
    rt: tokio::runtime::Handle,
) -> Result<Exit> {
    let opts = IoOptions::for_config(&cfg);
    let dash = Dashboard {
        notice: None,
        clusters: Clusters::Behind,
    };
    dashboard(screen, cfg, keymap, opts, dash, rt)
}

/// The terminal set up for full-screen drawing, with one reader of its input and
/// of the quitting signals for the process; what they read goes where
/// [`Screen::route`] last said. Dropping it restores the terminal.
pub struct Screen {
    terminal: Option<DefaultTerminal>,
    route: Route,
}

/// Where the terminal's input goes: false when nobody listens any more.
type Route = Arc<Mutex<Box<dyn Fn(Event) -> bool + Send>>>;

impl Screen {
    pub fn open(rt: &tokio::runtime::Handle) -> Result<Screen> {
        if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
            bail!("the dashboard needs a terminal; for scripts use a subcommand (see `kaftop --help`)");
        }
        let route: Route = Arc::new(Mutex::new(Box::new(|_| false)));
        let mut screen = Screen {
            terminal: None,
            route: route.clone(),
        };
        screen.terminal()?;
        spawn_input(route.clone());
        spawn_signals(rt, route);
        Ok(screen)
    }

    /// Sends the terminal's input (and the signals, as `Event::Quit`) to `to`.
    pub fn route(&self, to: impl Fn(Event) -> bool + Send + 'static) {
        if let Ok(mut r) = self.route.lock() {
            *r = Box::new(to);
        }
    }

    /// The terminal, set up again if [`Screen::restore`] gave it back.
    pub fn terminal(&mut self) -> Result<&mut DefaultTerminal> {
        if self.terminal.is_none() {
            // Installs a panic hook that restores the terminal before the message prints.
            let terminal = ratatui::try_init().context("cannot set up the terminal")?;
            if let Err(e) = bracketed_paste(true) {
                ratatui::restore();
                return Err(e).context("cannot turn bracketed paste on");
            }
            self.terminal = Some(terminal);
        }
        self.terminal.as_mut().context("the terminal is not set up")
    }

    /// Gives the terminal back to the shell (to print on it).
    pub fn restore(&mut self) {
        if self.terminal.take().is_some() {
            let _ = bracketed_paste(false);
            ratatui::restore();
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        self.restore();
    }
}

/// How a dashboard starts.
struct Dashboard {
    /// Shown in the status bar first.
    notice: Option<String>,
    clusters: Clusters,
}

/// Runs one profile's dashboard on `screen` until it ends.
fn dashboard(
    screen: &mut Screen,
    cfg: Resolved,
    keymap: Keymap,
    opts: IoOptions,
    dash: Dashboard,
    rt: tokio::runtime::Handle,
) -> Result<Exit> {
    let now = chrono::Local::now();
    let mut app_cfg = AppConfig::new(
        &cfg,
        keymap,
        now.timestamp_millis(),
        now.offset().local_minus_utc(),
    );
    app_cfg.groups_reported_by = opts.monitor.read.described_by.as_ref().map(|r| r.label());
    let mut app = App::new(app_cfg);
    app.set_clusters(dash.clusters);
    // This thread draws every frame; the config was checked when it was loaded.
    super::widgets::theme::set(super::widgets::theme::from_config(
        &cfg,
        super::widgets::theme::no_color_env(),
    )?);

    let (tx, rx) = mpsc::channel();
    let input = tx.clone();
    screen.route(move |ev| input.send(ev).is_ok());
    if let Some(after) = opts.quit_after {
        let tx = tx.clone();
        Job::spawn("kaftop-quit-timer", move || {
            std::thread::sleep(after);
            let _ = tx.send(Event::Quit);
        });
    }
    let terminal = screen.terminal()?;
    let mut io = Io::start(cfg, opts, tx, rt);
    let size = terminal.size().unwrap_or_default();
    app.update(Event::Resize(size.width, size.height));
    if let Some(text) = dash.notice {
        app.shared.info(text);
    }

    let result = event_loop(terminal, &mut app, &rx, &mut io);
    if io.services_running() {
        screen.restore();
        eprintln!("kaftop: stopping the embedded services (finishing their batches) …");
    }
    io.shutdown();
    result.map(|()| app.exit())
}

/// Bracketed paste: a paste arrives as one `Event::Paste`, never as keys (a
/// pasted newline would otherwise be Enter, a pasted `s` a send). Mouse
/// capture: clicks and the wheel arrive as events (shift-drag still selects
/// text in most terminals). Both are turned off again on exit and by the panic
/// hook, before ratatui's hook restores the rest.
fn bracketed_paste(on: bool) -> std::io::Result<()> {
    use crossterm::event::{
        DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    };
    let mut out = std::io::stdout();
    if !on {
        return crossterm::execute!(out, DisableMouseCapture, DisableBracketedPaste);
    }
    crossterm::execute!(out, EnableBracketedPaste, EnableMouseCapture)?;
    let restore = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(
            std::io::stdout(),
            DisableMouseCapture,
            DisableBracketedPaste
        );
        restore(info);
    }));
    Ok(())
}

fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    rx: &Receiver<Event>,
    io: &mut Io,
) -> Result<()> {
    let mut last_draw: Option<Instant> = None;
    let mut next_tick = Instant::now() + TICK;
    let mut pending = true;
    loop {
        let now = Instant::now();
        let next_frame = last_draw.map_or(now, |t| t + FRAME);
        let deadline = if pending {
            next_frame.min(next_tick)
        } else {
            next_tick
        };
        match rx.recv_timeout(deadline.saturating_duration_since(now)) {
            Ok(ev) => {
                handle(app, io, ev);
                // Take everything queued before drawing once.
                while let Ok(ev) = rx.try_recv() {
                    handle(app, io, ev);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        }
        if Instant::now() >= next_tick {
            let now_ms = chrono::Utc::now().timestamp_millis();
            handle(app, io, Event::Tick { now_ms });
            next_tick = Instant::now() + TICK;
        }
        if app.should_quit() {
            return Ok(());
        }
        pending |= app.take_dirty();
        let now = Instant::now();
        if pending && last_draw.is_none_or(|t| now >= t + FRAME) {
            terminal
                .draw(|f| app::draw(f, app))
                .context("drawing the screen")?;
            last_draw = Some(now);
            pending = false;
        }
    }
}

fn handle(app: &mut App, io: &mut Io, ev: Event) {
    for cmd in app.update(ev) {
        tracing::debug!(?cmd, "command");
        io.execute(cmd);
    }
}

/// Clicks and wheel turns; moves and drags would only wake the loop.
fn wanted(m: &term::MouseEvent) -> bool {
    use term::{MouseButton, MouseEventKind as K};
    matches!(
        m.kind,
        K::Down(MouseButton::Left) | K::ScrollDown | K::ScrollUp
    )
}

/// Blocks on the terminal (no polling, so no wake-ups while idle).
fn spawn_input(route: Route) {
    Job::spawn("kaftop-input", move || loop {
        let ev = match term::read() {
            Ok(term::Event::Key(k)) if k.kind != KeyEventKind::Release => Event::Key(k),
            Ok(term::Event::Resize(w, h)) => Event::Resize(w, h),
            Ok(term::Event::Paste(text)) => Event::Paste(text),
            Ok(term::Event::Mouse(m)) if wanted(&m) => Event::Mouse(m),
            Ok(_) => continue,
            Err(e) => Event::IoError(format!("reading the terminal: {e}")),
        };
        let fatal = matches!(ev, Event::IoError(_));
        // Nobody listening: a screen is between two owners, or the process ends.
        let _ = route.lock().map(|send| send(ev));
        if fatal {
            return;
        }
    });
}

/// SIGTERM and SIGHUP quit like `q`, so the terminal is restored.
#[cfg(unix)]
fn spawn_signals(rt: &tokio::runtime::Handle, route: Route) {
    use tokio::signal::unix::{signal, SignalKind};
    rt.spawn(async move {
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        let _ = route.lock().map(|send| send(Event::Quit));
    });
}

#[cfg(not(unix))]
fn spawn_signals(_rt: &tokio::runtime::Handle, _route: Route) {}

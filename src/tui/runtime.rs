//! The terminal and the event loop. Input comes from a reader thread that
//! blocks on the terminal, Kafka from the I/O side's threads, time from a
//! one-second tick; all arrive on one channel. The screen is redrawn only when
//! `App::update` reports a change, at most [`FRAME`] apart, so an idle
//! dashboard sleeps in `recv_timeout`.

use std::io::IsTerminal;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use crossterm::event::{self as term, KeyEventKind};
use ratatui::DefaultTerminal;

use super::app::{self, App, AppConfig};
use super::event::Event;
use super::io::{Io, IoOptions};
use super::keymap::Keymap;
use kaftop_core::config::Resolved;
use kaftop_core::worker::Job;

/// Shortest time between two frames (~30 fps).
pub const FRAME: Duration = Duration::from_millis(33);
/// Period of `Event::Tick`.
pub const TICK: Duration = Duration::from_secs(1);

/// Runs the dashboard until the user quits. `rt` runs the async Kafka calls.
pub fn run(cfg: Resolved, keymap: Keymap, rt: tokio::runtime::Handle) -> Result<()> {
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
    run_inner(cfg, keymap, opts, notice, rt)
}

/// [`run`] with the I/O side's options given (the demo's known groups and services).
pub fn run_with(
    cfg: Resolved,
    keymap: Keymap,
    opts: IoOptions,
    rt: tokio::runtime::Handle,
) -> Result<()> {
    run_inner(cfg, keymap, opts, None, rt)
}

/// [`run_with`], showing `notice` in the status bar first.
fn run_inner(
    cfg: Resolved,
    keymap: Keymap,
    opts: IoOptions,
    notice: Option<String>,
    rt: tokio::runtime::Handle,
) -> Result<()> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!("the dashboard needs a terminal; for scripts use a subcommand (see `kaftop --help`)");
    }
    let now = chrono::Local::now();
    let mut app_cfg = AppConfig::new(
        &cfg,
        keymap,
        now.timestamp_millis(),
        now.offset().local_minus_utc(),
    );
    app_cfg.groups_reported_by = opts.monitor.read.described_by.as_ref().map(|r| r.label());
    let mut app = App::new(app_cfg);
    // This thread draws every frame; the config was checked when it was loaded.
    super::widgets::theme::set(super::widgets::theme::from_config(
        &cfg,
        super::widgets::theme::no_color_env(),
    )?);

    let (tx, rx) = mpsc::channel();
    // Installs a panic hook that restores the terminal before the message prints.
    let mut terminal = ratatui::try_init().context("cannot set up the terminal")?;
    if let Err(e) = bracketed_paste(true) {
        ratatui::restore();
        return Err(e).context("cannot turn bracketed paste on");
    }
    spawn_input(tx.clone());
    spawn_signals(&rt, tx.clone());
    if let Some(after) = opts.quit_after {
        let tx = tx.clone();
        Job::spawn("kaftop-quit-timer", move || {
            std::thread::sleep(after);
            let _ = tx.send(Event::Quit);
        });
    }
    let mut io = Io::start(cfg, opts, tx, rt);
    let size = terminal.size().unwrap_or_default();
    app.update(Event::Resize(size.width, size.height));
    if let Some(text) = notice {
        app.shared.info(text);
    }

    let result = event_loop(&mut terminal, &mut app, &rx, &mut io);
    let _ = bracketed_paste(false);
    ratatui::restore();
    if io.services_running() {
        eprintln!("kaftop: stopping the embedded services (finishing their batches) …");
    }
    io.shutdown();
    result
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
fn spawn_input(tx: Sender<Event>) {
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
        if tx.send(ev).is_err() || fatal {
            return;
        }
    });
}

/// SIGTERM and SIGHUP quit like `q`, so the terminal is restored.
#[cfg(unix)]
fn spawn_signals(rt: &tokio::runtime::Handle, tx: Sender<Event>) {
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
        let _ = tx.send(Event::Quit);
    });
}

#[cfg(not(unix))]
fn spawn_signals(_rt: &tokio::runtime::Handle, _tx: Sender<Event>) {}

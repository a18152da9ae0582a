//! The interactive dashboard (`kaftop` with no subcommand).
//!
//! Architecture (see ARCHITECTURE.md):
//! - [`event::Event`] is everything that happens: keys, resizes, ticks, and what
//!   the I/O side reports (cluster metrics, tail records, deliveries).
//! - [`action::Action`] is what a key means, looked up in the [`keymap`].
//! - [`command::Command`] is what the app asks the I/O side to do.
//! - [`app::App::update`] folds events into state and returns commands. It is
//!   pure, so tests drive it with synthetic events. The app holds what is
//!   shared; each view ([`views`]) and each modal mode ([`modes`]) holds its
//!   own state, keys and drawing.
//! - [`io::Io`] carries out commands on its own threads, all of them
//!   [`kaftop_core::worker`] `Worker`s or `Job`s (poller, tail, bulk test, services
//!   runner), and on the tokio runtime (publishes); it reports back over the
//!   event channel and never touches the app's state.
//! - [`app::draw`] renders the state; [`runtime`] redraws only after a change,
//!   at most ~30 times a second, so an idle dashboard uses no CPU.
//!
//! The modules are a stack: each imports only from the layers below it, and
//! modules of one layer do not import each other (`tests/layers.rs` keeps it).
//! Top first:
//!
//! 0. [`clusters`]: the clusters screen (every profile), which runs a
//!    profile's dashboard through the runtime.
//! 1. [`runtime`]: the event loop.
//! 2. [`app`] (folds events, holds the view registry and the mode, draws the
//!    screen) and [`io`] (carries out commands; its `ops` runs the dialogs'
//!    operations): they never meet but through the runtime.
//! 3. [`modes`]: modal key handling and overlays. A mode reaches the app only
//!    through [`modes::Host`], which `App` implements, so no mode names `App`.
//! 4. [`views`]: each view's state, keys and drawing, and the chrome around
//!    them. A view asks for a mode with a [`views::Modal`] and never names one.
//! 5. [`shared`]: what the views share (`Shared`: config, cluster, clock,
//!    notices; `AppConfig`).
//! 6. [`command`] and [`event`]: the requests to and reports from the I/O side.
//! 7. [`ops`] (the operations a dialog plans and carries out, and the form a
//!    view opens for one) and [`keymap`].
//! 8. [`action`]: the action table (actions, scopes, default keys).
//! 9. [`widgets`]: line input, list cursor, tables, theme.

pub mod action;
pub mod app;
pub mod clusters;
pub mod command;
pub mod event;
pub mod io;
pub mod keymap;
pub mod modes;
pub mod ops;
pub mod runtime;
pub mod shared;
pub mod views;
pub mod widgets;

pub use app::{App, AppConfig, Exit};
pub use runtime::run;

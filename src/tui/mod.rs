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
//! - [`views::draw`] renders the state; [`runtime`] redraws only after a change,
//!   at most ~30 times a second, so an idle dashboard uses no CPU.

pub mod action;
pub mod app;
pub mod command;
pub mod event;
pub mod io;
pub mod keymap;
pub mod modes;
mod ops_io;
pub mod runtime;
pub mod views;
pub mod widgets;

pub use app::{App, AppConfig};
pub use runtime::run;

//! How every surface says a number: the CLI's tables, the dashboard's cells, the
//! incident snapshot. One function per kind, so the same value prints the same
//! way everywhere:
//!
//! - counts (lag, messages, records): `1,234`; a change of one: `+1,500`;
//! - offsets (positions, not amounts): plain digits, as Kafka's tools print them
//!   and as `--to-offset` takes them: `1234`. `kaftop lag`'s partition table
//!   copies `kafka-consumer-groups --describe`, so its lag is plain too
//!   ([`lag_digits`]);
//! - rates per second: `3.25`, `812.4`, `12.3k`, `1.20M`;
//! - sizes: `10014 bytes`, exact, as the input rules state their limits;
//! - durations: `42s`, `3m05s`, `2h03m`, `3d02h`; measured ones to a tenth
//!   (`14.3s`); a forecast in whole minutes, `12 min`; an estimate marked `~`;
//! - times of day and timestamps, sparklines and bars ([`spark`]), text cut and
//!   padded by terminal columns ([`text`]), assignments (`t:0,2;u:1`).
//!
//! The bottom layer: it imports nothing else of the project.

mod assignment;
mod duration;
mod number;
pub mod spark;
pub mod text;
mod time;

pub use assignment::assignment;
pub use duration::{minutes, secs, tenths, time_lag, wait};
pub use number::{bytes, change, count, count_u, lag, lag_digits, offset, opt_count, rate};
pub use time::{clock, rfc3339, timestamp, utc, utc_clock};

#[cfg(test)]
mod tests;

//! Where the subcommands write. `print!` panics when stdout is a closed pipe
//! (`kaftop lag | head -1`); these return the error instead, marked as the
//! reader's leaving so that [`reader_left`] can end the command quietly.

use std::fmt::Display;
use std::io::{self, Write};

/// Writing to stdout failed: the command stops, and when the reader left (a closed
/// pipe) it exits as `cat` does, quietly.
#[derive(Debug, thiserror::Error)]
#[error("writing to stdout: {0}")]
pub(crate) struct StdoutError(#[from] pub(crate) io::Error);

/// Writes `text` to stdout and flushes it, so a closed pipe is found at once.
pub(super) fn out(text: impl Display) -> Result<(), StdoutError> {
    let mut stdout = io::stdout().lock();
    write!(stdout, "{text}")?;
    stdout.flush()?;
    Ok(())
}

/// [`out`] with a newline.
pub(super) fn outln(text: impl Display) -> Result<(), StdoutError> {
    out(format_args!("{text}\n"))
}

/// A line on stderr. A closed stderr leaves nowhere to say anything, so its
/// error is dropped rather than panicking as `eprintln!` does.
pub(crate) fn note(text: impl Display) {
    let _ = writeln!(io::stderr().lock(), "{text}");
}

/// Each distinct warning once, in the order first seen: a read that fails the
/// same way for several partitions or leaders (`NotLeaderForPartition` right
/// after a topic is created) is one warning.
pub(crate) fn warnings(errors: &[String]) {
    for e in distinct(errors) {
        note(format_args!("kaftop: warning: {e}"));
    }
}

fn distinct(errors: &[String]) -> Vec<&str> {
    let mut seen = std::collections::HashSet::new();
    errors
        .iter()
        .map(String::as_str)
        .filter(|e| seen.insert(*e))
        .collect()
}

/// Whether the command ended because stdout's reader went away.
pub(crate) fn reader_left(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<StdoutError>()
            .is_some_and(|e| e.0.kind() == io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warning_is_said_once() {
        let e = |s: &str| s.to_string();
        let errors = [
            e("watermarks: NotLeaderForPartition"),
            e("b"),
            e("watermarks: NotLeaderForPartition"),
        ];
        assert_eq!(
            distinct(&errors),
            ["watermarks: NotLeaderForPartition", "b"]
        );
    }

    #[test]
    fn only_a_closed_stdout_is_the_reader_leaving() {
        let pipe = io::Error::from(io::ErrorKind::BrokenPipe);
        let left = anyhow::Error::from(StdoutError(pipe)).context("lag");
        assert!(reader_left(&left));
        let full = anyhow::Error::from(StdoutError(io::Error::from(io::ErrorKind::StorageFull)));
        assert!(!reader_left(&full));
        // A broken socket elsewhere is an error to report.
        let socket = anyhow::Error::from(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(!reader_left(&socket));
    }
}

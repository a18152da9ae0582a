//! An error and its causes on one line: what the command line prints, `serve`
//! answers and logs.

use std::error::Error;

/// The error and its causes, outermost first, each once: a cause whose text the
/// line already holds is left out (rdkafka's and thiserror's messages often embed
/// their source, and contexts repeat the error they wrap), and a cause that
/// repeats the whole line so far replaces it.
pub(crate) fn chain_line<'a>(chain: impl IntoIterator<Item = &'a (dyn Error + 'static)>) -> String {
    let mut line = String::new();
    for cause in chain {
        let text = cause.to_string();
        let text = text.trim();
        if text.is_empty() || line.contains(text) {
            continue;
        }
        if text.contains(line.as_str()) {
            line = text.to_string();
        } else {
            line.push_str(": ");
            line.push_str(text);
        }
    }
    line
}

/// [`chain_line`] of `e` and its sources.
pub(crate) fn error_line(e: &(dyn Error + 'static)) -> String {
    chain_line(std::iter::successors(Some(e), |e| (*e).source()))
}

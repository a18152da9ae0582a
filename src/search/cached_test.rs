//! jq's `test(re)` and `test(re; flags)` with each compiled regex kept for the
//! thread's next record. jaq's own `test` compiles its regex on every call: ~11 µs
//! a record, a third of a search's filter time when the predicate tests a header
//! (BENCHMARKS.md, "Search"). The flags are jaq's, with the meaning jaq gives them.

use std::cell::RefCell;
use std::collections::HashMap;

use jaq_core::native::{bome, run, v, Fun};
use jaq_core::{data, Error, ValR};
use jaq_json::Val;
use regex::{Regex, RegexBuilder};

/// Regexes kept per thread; past this many the cache starts over (a filter names
/// a few; one built from the data could name a new one per record).
const KEEP: usize = 256;

/// Definitions that route `test` to the native function below; loaded after the
/// standard library's, so they are the ones a filter calls.
const DEFS: &str = r#"
def test(re): _kaftop_test(re; "");
def test(re; flags): _kaftop_test(re; flags);
"#;

pub(super) fn defs() -> impl Iterator<Item = jaq_core::load::parse::Def<&'static str>> {
    jaq_core::load::parse(DEFS, |p| p.defs())
        .unwrap_or_default()
        .into_iter()
}

pub(super) fn funs() -> impl Iterator<Item = Fun<data::JustLut<Val>>> {
    let test: Fun<data::JustLut<Val>> = run(("_kaftop_test", v(2), |mut cv| {
        let flags = cv.0.pop_var();
        let re = cv.0.pop_var();
        bome(test(&cv.1, &re, &flags))
    }));
    [test].into_iter()
}

/// What a flag asks of the match; `None`: not a flag jaq knows.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
struct Flags {
    case_insensitive: bool,
    multi_line: bool,
    dot_all: bool,
    extended: bool,
    /// `n`: empty matches do not count.
    ignore_empty: bool,
}

impl Flags {
    fn parse(flags: &str) -> Result<Flags, char> {
        let mut f = Flags::default();
        for c in flags.chars() {
            match c {
                'i' => f.case_insensitive = true,
                'm' => f.multi_line = true,
                's' => f.dot_all = true,
                'p' => (f.multi_line, f.dot_all) = (true, true),
                'x' => f.extended = true,
                'n' => f.ignore_empty = true,
                // Global and longest change which matches are listed, not whether one is.
                'g' | 'l' => {}
                other => return Err(other),
            }
        }
        Ok(f)
    }

    fn compile(self, re: &str) -> Result<Regex, regex::Error> {
        RegexBuilder::new(re)
            .case_insensitive(self.case_insensitive)
            .multi_line(self.multi_line)
            .dot_matches_new_line(self.dot_all)
            .ignore_whitespace(self.extended)
            .build()
    }
}

/// Compiled regexes by flags and pattern (looked up without building a key).
type Compiled = HashMap<Flags, HashMap<String, Result<Regex, String>>>;

thread_local! {
    static COMPILED: RefCell<Compiled> = RefCell::new(HashMap::new());
}

fn text(v: &Val) -> Option<&str> {
    match v {
        Val::TStr(b) => std::str::from_utf8(b).ok(),
        _ => None,
    }
}

fn test(input: &Val, re: &Val, flags: &Val) -> ValR<Val> {
    let not_text = |what: &str, v: &Val| Error::str(format!("cannot use {v} as {what}"));
    let input = text(input).ok_or_else(|| not_text("the input of test", input))?;
    let re = text(re).ok_or_else(|| not_text("a regex", re))?;
    let flags = text(flags).ok_or_else(|| not_text("regex flags", flags))?;
    let flags = Flags::parse(flags).map_err(|c| Error::str(format!("invalid regex flag: {c}")))?;
    COMPILED.with(|cache| {
        let mut cache = cache.borrow_mut();
        let known = cache.get(&flags).and_then(|by_re| by_re.get(re)).is_some();
        if !known {
            if cache.values().map(HashMap::len).sum::<usize>() >= KEEP {
                cache.clear();
            }
            let compiled = flags.compile(re).map_err(|e| e.to_string());
            cache
                .entry(flags)
                .or_default()
                .insert(re.to_string(), compiled);
        }
        let compiled = cache.get(&flags).and_then(|by_re| by_re.get(re));
        let regex = match compiled {
            Some(Ok(regex)) => regex,
            Some(Err(e)) => return Err(Error::str(format!("invalid regex: {e}"))),
            None => return Err(Error::str("regex cache lost its entry")),
        };
        let found = if flags.ignore_empty {
            regex.find_iter(input).any(|m| !m.is_empty())
        } else {
            regex.is_match(input)
        };
        Ok(Val::Bool(found))
    })
}

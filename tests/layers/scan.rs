//! Reads one Rust source file and finds every path that names a module: `crate::…`,
//! `super::…`, `self::…` and the workspace's crates (`kaftop_core::…`), in `use`
//! lines and anywhere in code, with grouped trees (`use a::{b, c::d}`) expanded.
//! Comments and literals are skipped, so a path in a doc comment or a string does
//! not count.

/// A path that names something in a crate, resolved to an absolute path.
#[derive(Debug, Clone)]
pub(crate) struct Ref {
    pub(crate) line: usize,
    /// The crate's path name (`kaftop_core`); the file's own crate for `crate::`,
    /// `super::` and `self::`.
    pub(crate) krate: String,
    /// Segments after the crate, e.g. `["kafka", "poller"]`.
    pub(crate) path: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    PathSep,
    Punct(char),
}

/// The path roots the scan follows; other paths start at an imported name, whose
/// `use` line is already counted.
const CRATES: &[&str] = &["kaftop", "kaftop_core", "kaftop_services"];

/// Scans `src`, a file of crate `krate` whose module path is `module`
/// (`["tui", "views"]` for `src/tui/views/mod.rs`).
pub(crate) fn scan(src: &str, krate: &str, module: &[String]) -> Vec<Ref> {
    let toks = lex(src);
    let mut out = Vec::new();
    // Inline modules (`mod tests { … }`), by brace depth.
    let mut mods: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < toks.len() {
        let (tok, line) = &toks[i];
        match tok {
            Tok::Punct('{') => {
                depth += 1;
                if let (Some((Tok::Ident(m), _)), Some((Tok::Ident(name), _))) = (
                    i.checked_sub(2).map(|j| &toks[j]),
                    i.checked_sub(1).map(|j| &toks[j]),
                ) {
                    if m == "mod" {
                        mods.push((name.clone(), depth));
                    }
                }
            }
            Tok::Punct('}') => {
                if mods.last().is_some_and(|(_, d)| *d == depth) {
                    mods.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Tok::Ident(root) if starts_path(&toks, i, root) => {
                let mut here: Vec<String> = module.to_vec();
                here.extend(mods.iter().map(|(m, _)| m.clone()));
                let (leaves, next) = tree(&toks, i, Vec::new());
                for leaf in leaves {
                    if let Some((k, path)) = resolve(&leaf, krate, &here) {
                        out.push(Ref {
                            line: *line,
                            krate: k,
                            path,
                        });
                    }
                }
                i = next;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// A path root followed by `::`, not itself the tail of a longer path or `$crate`.
fn starts_path(toks: &[(Tok, usize)], i: usize, root: &str) -> bool {
    let rooted = matches!(root, "crate" | "super" | "self") || CRATES.contains(&root);
    let followed = matches!(toks.get(i + 1), Some((Tok::PathSep, _)));
    let prev = i.checked_sub(1).map(|j| &toks[j].0);
    let tail = matches!(prev, Some(Tok::PathSep) | Some(Tok::Punct('$')));
    rooted && followed && !tail
}

/// Parses a path tree from `toks[i]`: segments joined by `::`, ending in a
/// segment, `*` or a `{…}` group of trees. Returns every leaf path, prefixed by
/// `prefix`, and the index after the tree.
fn tree(toks: &[(Tok, usize)], mut i: usize, mut prefix: Vec<String>) -> (Vec<Vec<String>>, usize) {
    loop {
        match toks.get(i) {
            Some((Tok::Ident(seg), _)) => {
                prefix.push(seg.clone());
                i += 1;
            }
            Some((Tok::Punct('*'), _)) => return (vec![prefix], i + 1),
            Some((Tok::Punct('{'), _)) => {
                let mut leaves = Vec::new();
                i += 1;
                while let Some((t, _)) = toks.get(i) {
                    match t {
                        Tok::Punct('}') => return (leaves, i + 1),
                        Tok::Punct(',') => i += 1,
                        _ => {
                            let (l, next) = tree(toks, i, prefix.clone());
                            leaves.extend(l);
                            // `x as y`: the alias is not a path.
                            i = skip_alias(toks, next.max(i + 1));
                        }
                    }
                }
                return (leaves, i);
            }
            _ => return (vec![prefix], i),
        }
        if matches!(toks.get(i), Some((Tok::PathSep, _))) {
            i += 1;
        } else {
            return (vec![prefix], i);
        }
    }
}

fn skip_alias(toks: &[(Tok, usize)], i: usize) -> usize {
    match toks.get(i) {
        Some((Tok::Ident(a), _)) if a == "as" => i + 2,
        _ => i,
    }
}

/// The crate and absolute path a leaf names, seen from module `here`.
fn resolve(leaf: &[String], krate: &str, here: &[String]) -> Option<(String, Vec<String>)> {
    let (first, rest) = leaf.split_first()?;
    let (k, mut abs, rest) = match first.as_str() {
        "crate" => (krate.to_string(), Vec::new(), rest),
        "self" => (krate.to_string(), here.to_vec(), rest),
        "super" => {
            let mut abs = here.to_vec();
            abs.pop()?;
            let mut rest = rest;
            while rest.first().is_some_and(|s| s == "super") {
                abs.pop()?;
                rest = &rest[1..];
            }
            (krate.to_string(), abs, rest)
        }
        other => (other.to_string(), Vec::new(), rest),
    };
    abs.extend(rest.iter().filter(|s| *s != "self").cloned());
    Some((k, abs))
}

/// Identifiers, `::` and single punctuation, each with its line; comments,
/// strings, characters, lifetimes and numbers dropped.
fn lex(src: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut line = 1usize;
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            i = block_comment(&c, i, &mut line);
        } else if let Some(end) = raw_string(&c, i, &mut line) {
            i = end;
        } else if ch == '"' || (ch == 'b' && next == Some('"')) {
            i = string(&c, if ch == 'b' { i + 1 } else { i }, &mut line);
        } else if ch == '\'' || (ch == 'b' && next == Some('\'')) {
            i = char_or_lifetime(&c, if ch == 'b' { i + 1 } else { i });
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            // `r#type`: a raw identifier.
            if word == "r" && c.get(i) == Some(&'#') {
                i += 1;
                continue;
            }
            out.push((Tok::Ident(word), line));
        } else if ch.is_ascii_digit() {
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
        } else if ch == ':' && next == Some(':') {
            out.push((Tok::PathSep, line));
            i += 2;
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    out
}

fn block_comment(c: &[char], mut i: usize, line: &mut usize) -> usize {
    let mut nest = 0usize;
    while i < c.len() {
        if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            nest += 1;
            i += 2;
        } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
            nest -= 1;
            i += 2;
            if nest == 0 {
                return i;
            }
        } else {
            if c[i] == '\n' {
                *line += 1;
            }
            i += 1;
        }
    }
    i
}

/// `r"…"`, `r#"…"#`, `br"…"`: the index after it, when one starts at `i`.
fn raw_string(c: &[char], i: usize, line: &mut usize) -> Option<usize> {
    // Not the tail of an identifier (`bar"` is not a raw string).
    if i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_') {
        return None;
    }
    let mut j = i;
    if c.get(j) == Some(&'b') {
        j += 1;
    }
    if c.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = c[j..].iter().take_while(|&&h| h == '#').count();
    j += hashes;
    if c.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < c.len() {
        if c[j] == '"'
            && c[j + 1..]
                .iter()
                .take(hashes)
                .filter(|&&h| h == '#')
                .count()
                == hashes
        {
            return Some(j + 1 + hashes);
        }
        if c[j] == '\n' {
            *line += 1;
        }
        j += 1;
    }
    Some(j)
}

/// A `"…"` string starting at `i`: the index after its closing quote.
fn string(c: &[char], mut i: usize, line: &mut usize) -> usize {
    i += 1;
    while i < c.len() {
        match c[i] {
            '\\' => {
                if c.get(i + 1) == Some(&'\n') {
                    *line += 1;
                }
                i += 2;
            }
            '"' => return i + 1,
            '\n' => {
                *line += 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    i
}

/// `'a'`, `'\n'`, `'\u{1F600}'` (skipped whole) or a lifetime `'a` (the quote
/// only, so the name lexes as an identifier that starts no path).
fn char_or_lifetime(c: &[char], i: usize) -> usize {
    match c.get(i + 1) {
        Some('\\') => {
            let mut j = i + 2;
            while j < c.len() && c[j] != '\'' {
                j += 1;
            }
            j + 1
        }
        Some(_) if c.get(i + 2) == Some(&'\'') => i + 3,
        _ => i + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(src: &str, module: &[&str]) -> Vec<(usize, String)> {
        let module: Vec<String> = module.iter().map(|s| s.to_string()).collect();
        scan(src, "kaftop_core", &module)
            .into_iter()
            .map(|r| (r.line, format!("{}::{}", r.krate, r.path.join("::"))))
            .collect()
    }

    #[test]
    fn finds_grouped_relative_and_inline_paths() {
        let src = r##"
use crate::{kafka::{self, poller::Poller}, metrics as m};
// use crate::report; (a comment)
/* crate::report /* nested */ crate::report */
fn f<'a>(x: &'a str) -> char { let _ = "crate::report"; let _ = r#"crate::x"#; '{' }
fn g() { super::health::write(kaftop_core::config::load()); }
#[cfg(test)]
mod tests {
    use super::*;
}
"##;
        let got = paths(src, &["metrics", "engine"]);
        let want = [
            (2, "kaftop_core::kafka"),
            (2, "kaftop_core::kafka::poller::Poller"),
            (2, "kaftop_core::metrics"),
            (6, "kaftop_core::metrics::health::write"),
            (6, "kaftop_core::config::load"),
            (9, "kaftop_core::metrics::engine"),
        ];
        let want: Vec<_> = want.iter().map(|(l, p)| (*l, p.to_string())).collect();
        assert_eq!(got, want);
    }
}

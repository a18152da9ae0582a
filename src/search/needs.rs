//! Which parts of the record a jq filter can look at, read from the filter's
//! syntax before a search starts, so that each record is built with only those
//! (`.value.customerId == 4711` needs one field of the value, not the key, not the
//! rest of the value). Anything this analysis does not follow exactly — a call
//! given the record, a definition, `..`, an index computed at run time — makes it
//! want that part whole, so a filter answers on the selection as it would on the
//! whole record.
//!
//! The analysis follows where each term's input comes from: a "place" is a path
//! of field names into the record (`[]` is the record itself), or nowhere when
//! the input is a value the filter made. A term can hand its input on unchanged
//! (`.`, `.a.b`, `select(…)`, `x // y`), look only at whether it is `null` or
//! `false` (`and`, `if`), or use it as a value (`==`, `+`, a call): the last wants
//! the place whole.

use jaq_core::load::lex::StrPart;
use jaq_core::load::parse::{BinaryOp, Term};
use jaq_core::path::Part;
use kaftop_core::schema::Select;

/// A path of field names from the record's top.
type Place<'s> = Vec<&'s str>;

/// The selection `code` needs, or everything when it does not parse (the
/// compiler then says why).
pub(crate) fn needs(code: &str) -> Select {
    let Some(term) = jaq_core::load::parse(code, |p| p.term()) else {
        return Select::All;
    };
    let mut n = Needs {
        select: Select::present(),
    };
    // The filter's outputs are only tested for truth: each must be present.
    for out in n.term(&term, Some(&Vec::new())) {
        n.select.add(&out, false);
    }
    n.select
}

struct Needs {
    select: Select,
}

impl Needs {
    fn whole(&mut self, place: &[&str]) {
        self.select.add(place, true);
    }

    fn present(&mut self, place: &[&str]) {
        self.select.add(place, false);
    }

    fn whole_all(&mut self, places: Vec<Place<'_>>) {
        for p in places {
            self.whole(&p);
        }
    }

    /// `term` run on the input at `input` (`None`: not from the record): records
    /// what it needs and returns the places its outputs may be, unchanged.
    fn term<'s>(&mut self, term: &Term<&'s str>, input: Option<&Place<'s>>) -> Vec<Place<'s>> {
        match term {
            Term::Id => input.into_iter().cloned().collect(),
            Term::Num(_) | Term::Var(_) | Term::Break(_) => Vec::new(),
            Term::Str(format, parts) => {
                if format.is_some() {
                    // `@base64 "…"` formats the interpolated values; alone it
                    // formats its input.
                    self.whole_opt(input);
                }
                for part in parts {
                    if let StrPart::Term(t) = part {
                        let outs = self.term(t, input);
                        self.whole_all(outs);
                    }
                }
                Vec::new()
            }
            Term::Arr(inner) => {
                if let Some(t) = inner {
                    let outs = self.term(t, input);
                    self.whole_all(outs);
                }
                Vec::new()
            }
            Term::Obj(entries) => {
                for (key, value) in entries {
                    match value {
                        Some(v) => {
                            let outs = self.term(key, input);
                            self.whole_all(outs);
                            let outs = self.term(v, input);
                            self.whole_all(outs);
                        }
                        // `{a}` is `{a: .a}`; `{$x}` and `{"a\(…)"}` are left whole.
                        None => match (literal(key), input) {
                            (Some(name), Some(place)) => {
                                let mut p = place.clone();
                                p.push(name);
                                self.whole(&p);
                            }
                            _ => self.whole_opt(input),
                        },
                    }
                }
                Vec::new()
            }
            Term::Neg(t) => {
                let outs = self.term(t, input);
                self.whole_all(outs);
                Vec::new()
            }
            Term::BinOp(l, op, r) => self.binop(l, op, r, input),
            Term::Label(_, t) => self.term(t, input),
            Term::TryCatch(t, catch) => {
                let outs = self.term(t, input);
                if let Some(c) = catch {
                    // The catch's input is the error, which may hold a value of
                    // the record's: conservatively, the try's input whole.
                    self.whole_opt(input);
                    self.term(c, None);
                }
                outs
            }
            Term::IfThenElse(branches, otherwise) => {
                let mut outs = Vec::new();
                for (cond, then) in branches {
                    for p in self.term(cond, input) {
                        self.present(&p);
                    }
                    outs.extend(self.term(then, input));
                }
                match otherwise {
                    Some(e) => outs.extend(self.term(e, input)),
                    None => outs.extend(input.cloned()),
                }
                outs
            }
            Term::Call(name, args) => self.call(name, args, input),
            Term::Path(head, path) => {
                let mut places = self.term(head, input);
                for (part, _optional) in &path.0 {
                    match part {
                        Part::Index(i) => match literal(i) {
                            Some(name) => places.iter_mut().for_each(|p| p.push(name)),
                            None => {
                                // An index computed from the path's input.
                                let outs = self.term(i, input);
                                self.whole_all(outs);
                                self.whole_all(std::mem::take(&mut places));
                            }
                        },
                        Part::Range(from, upto) => {
                            for bound in [from, upto].into_iter().flatten() {
                                let outs = self.term(bound, input);
                                self.whole_all(outs);
                            }
                            self.whole_all(std::mem::take(&mut places));
                        }
                    }
                }
                places
            }
            // `..`, assignments, folds, local definitions: what they reach is not
            // followed here.
            // Their sub-terms reach the record only through this input (whole
            // now) or through variables (bound to whole values).
            Term::Recurse | Term::Fold(..) | Term::Def(..) => {
                self.whole_opt(input);
                Vec::new()
            }
        }
    }

    fn whole_opt(&mut self, input: Option<&Place<'_>>) {
        if let Some(p) = input {
            self.whole(p);
        }
    }

    fn binop<'s>(
        &mut self,
        l: &Term<&'s str>,
        op: &BinaryOp<&'s str>,
        r: &Term<&'s str>,
        input: Option<&Place<'s>>,
    ) -> Vec<Place<'s>> {
        match op {
            BinaryOp::Pipe(None) => {
                let mut outs = Vec::new();
                for place in self.term(l, input) {
                    outs.extend(self.term(r, Some(&place)));
                }
                // Where `l` makes values of its own, `r` runs on those too, which
                // reach the record only through variables (bound whole).
                outs
            }
            BinaryOp::Pipe(Some(_)) => {
                // `l as $x | r`: `$x` may be used in any way; `r` runs on the input.
                let outs = self.term(l, input);
                self.whole_all(outs);
                self.term(r, input)
            }
            BinaryOp::Comma | BinaryOp::Alt => {
                let mut outs = self.term(l, input);
                if matches!(op, BinaryOp::Alt) {
                    outs.iter().for_each(|p| self.present(p));
                }
                outs.extend(self.term(r, input));
                outs
            }
            BinaryOp::And | BinaryOp::Or => {
                for side in [l, r] {
                    for p in self.term(side, input) {
                        self.present(&p);
                    }
                }
                Vec::new()
            }
            BinaryOp::Math(_) | BinaryOp::Cmp(_) => {
                for side in [l, r] {
                    let outs = self.term(side, input);
                    self.whole_all(outs);
                }
                Vec::new()
            }
            // Assignments and updates make a changed copy of their input.
            _ => {
                self.whole_opt(input);
                for side in [l, r] {
                    let outs = self.term(side, input);
                    self.whole_all(outs);
                }
                Vec::new()
            }
        }
    }

    fn call<'s>(
        &mut self,
        name: &str,
        args: &[Term<&'s str>],
        input: Option<&Place<'s>>,
    ) -> Vec<Place<'s>> {
        match (name, args) {
            // Constants of the standard library: their input is not read.
            ("true" | "false" | "null" | "empty", []) => Vec::new(),
            ("not", []) => {
                if let Some(p) = input {
                    self.present(p);
                }
                Vec::new()
            }
            // `if f then . else empty end`
            ("select", [f]) => {
                for p in self.term(f, input) {
                    self.present(&p);
                }
                input.into_iter().cloned().collect()
            }
            // Any other call may use its input in any way, and run its arguments
            // on the input or on values made from it.
            _ => {
                self.whole_opt(input);
                for a in args {
                    let outs = self.term(a, input);
                    self.whole_all(outs);
                }
                Vec::new()
            }
        }
    }
}

/// A string written out in the filter (`.a`, `."a b"`, `.["a"]`), without
/// interpolation or a format.
fn literal<'s>(term: &Term<&'s str>) -> Option<&'s str> {
    match term {
        Term::Str(None, parts) => match parts.as_slice() {
            [StrPart::Str(s)] => Some(s),
            [] => Some(""),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn select(paths: &[(&[&str], bool)]) -> Select {
        let mut s = Select::present();
        for (p, whole) in paths {
            s.add(p, *whole);
        }
        s
    }

    #[test]
    fn paths_the_filter_reads_are_selected() {
        assert_eq!(
            needs(
                r#".value.customerId == 4711 and (.headers["__TypeId__"] // "" | test("Created"))"#
            ),
            select(&[
                (&["value", "customerId"], true),
                (&["headers", "__TypeId__"], true)
            ])
        );
        // Followed through pipes, `select`, `//` and `if`; a truth test needs only
        // the part to be there.
        assert_eq!(
            needs(r#"select(.value.a) | .value | (.b.c // .d) | . > 1"#),
            select(&[
                (&["value", "a"], false),
                (&["value", "b", "c"], true),
                (&["value", "d"], true)
            ])
        );
        assert_eq!(
            needs("if .key then .offset else .partition end"),
            select(&[
                (&["key"], false),
                (&["offset"], false),
                (&["partition"], false)
            ])
        );
        // The record itself, tested for truth: nothing of it.
        assert_eq!(needs("."), Select::present());
    }

    #[test]
    fn what_is_not_followed_is_wanted_whole() {
        assert_eq!(needs(".value | keys"), select(&[(&["value"], true)]));
        assert_eq!(needs(".value[0] == 1"), select(&[(&["value"], true)]));
        assert_eq!(
            needs(r#".value[.key] == 1"#),
            select(&[(&["value"], true), (&["key"], true)])
        );
        assert_eq!(needs(".value as $v | $v.x"), select(&[(&["value"], true)]));
        for code in [
            "..",
            "keys",
            "def f: .; f",
            ".x = 1",
            "reduce .[] as $x (0; .)",
            "@json",
            "{a: .} | .a.key",
        ] {
            assert_eq!(needs(code), Select::All, "{code}");
        }
        // What does not parse is left to the compiler to refuse.
        assert_eq!(needs(".value =="), Select::All);
    }
}

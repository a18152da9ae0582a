//! A jq filter (jaq) over a record, and the record as the filter sees it.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{data, unwrap_valr, Compiler, Ctx, Vars};
use jaq_json::Val;
use kaftop_core::schema::Select;

/// A compiled filter: a record matches when the filter's first output is truthy.
pub(crate) struct JqFilter {
    filter: jaq_core::Filter<data::JustLut<Val>>,
    /// The parts of a record it can look at.
    needs: Select,
}

/// The filter did not parse or compile; the text is jaq's diagnosis.
#[derive(Debug, thiserror::Error)]
#[error("bad filter `{filter}`: {reason}")]
pub(crate) struct FilterError {
    filter: String,
    reason: String,
}

impl JqFilter {
    pub(crate) fn new(code: &str) -> Result<JqFilter, FilterError> {
        let fail = |reason: String| FilterError {
            filter: code.to_string(),
            reason,
        };
        // kaftop's `test` last: it replaces the standard library's (see cached_test).
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs())
            .chain(super::cached_test::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs())
            .chain(super::cached_test::funs());
        let arena = Arena::default();
        let modules = Loader::new(defs)
            .load(&arena, File { code, path: () })
            .map_err(|errs| fail(load_reasons(code, errs)))?;
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|errs| {
                let reasons: Vec<String> = errs
                    .into_iter()
                    .flat_map(|(_, es)| es)
                    .map(|(name, undefined)| format!("undefined {} `{name}`", undefined.as_str()))
                    .collect();
                fail(reasons.join("; "))
            })?;
        Ok(JqFilter {
            filter,
            needs: super::needs(code),
        })
    }

    /// The parts of a record the filter can look at: build the record it is
    /// given with these ([`super::scope_val`]).
    pub(crate) fn needs(&self) -> &Select {
        &self.needs
    }

    /// Whether `record` passes: the first output is neither `false` nor `null`.
    /// A run-time error (`.value.x` on a string) is no match, as jq's `select` with `?`.
    #[cfg(test)]
    pub(crate) fn matches(&self, record: &serde_json::Value) -> bool {
        use serde::Deserialize as _;
        Val::deserialize(record).is_ok_and(|input| self.matches_val(input))
    }

    /// As [`JqFilter::matches`], on the filter's own value (see `scope_val`).
    pub(crate) fn matches_val(&self, input: Val) -> bool {
        let ctx = Ctx::<data::JustLut<Val>>::new(&self.filter.lut, Vars::new([]));
        let mut outputs = self.filter.id.run((ctx, input)).map(unwrap_valr);
        matches!(outputs.next(), Some(Ok(v)) if !matches!(v, Val::Null | Val::Bool(false)))
    }
}

/// jaq's lex and parse errors with where in the filter they are.
fn load_reasons(code: &str, errs: jaq_core::load::Errors<&str, ()>) -> String {
    use jaq_core::load::Error;
    let at = |part: &str| jaq_core::load::span(code, part).start;
    let mut reasons = Vec::new();
    for (_, e) in errs {
        match e {
            Error::Io(es) => reasons.extend(es.into_iter().map(|(p, r)| format!("{p}: {r}"))),
            Error::Lex(es) => reasons.extend(es.into_iter().map(|(expect, part)| {
                format!("expected {} at character {}", expect.as_str(), at(part))
            })),
            Error::Parse(es) => reasons.extend(es.into_iter().map(|(expect, part)| {
                if part.is_empty() {
                    format!("expected {} at the end", expect.as_str())
                } else {
                    format!("expected {} at `{part}`", expect.as_str())
                }
            })),
        }
    }
    reasons.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record() -> serde_json::Value {
        json!({
            "key": "k1",
            "value": {"customerId": 4711, "items": [1, 2]},
            "headers": {"__TypeId__": "OrderCreated"},
            "partition": 2,
            "offset": 10,
            "timestamp": 1_700_000_000_000_i64,
        })
    }

    #[test]
    fn predicates_over_value_and_headers() {
        let f = JqFilter::new(
            r#".value.customerId == 4711 and (.headers["__TypeId__"] // "" | test("Created"))"#,
        )
        .unwrap();
        assert!(f.matches(&record()));
        let f = JqFilter::new(".value.customerId == 1").unwrap();
        assert!(!f.matches(&record()));
        assert!(JqFilter::new(".partition").unwrap().matches(&record()));
        assert!(!JqFilter::new(".missing").unwrap().matches(&record()));
        // A run-time error is no match rather than a failed search.
        assert!(!JqFilter::new(".key.x").unwrap().matches(&record()));
    }

    /// The first output of `code` on `input`: a value, or that it failed.
    fn first(code: &str, input: &serde_json::Value) -> Result<Val, ()> {
        first_or_error(code, input).map_err(|_| ())
    }

    fn first_or_error(code: &str, input: &serde_json::Value) -> Result<Val, String> {
        use serde::Deserialize as _;
        let f = JqFilter::new(code).unwrap();
        let ctx = Ctx::<data::JustLut<Val>>::new(&f.filter.lut, Vars::new([]));
        let input = Val::deserialize(input).unwrap();
        let mut outputs = f.filter.id.run((ctx, input)).map(unwrap_valr);
        outputs.next().unwrap().map_err(|e| e.to_string())
    }

    /// kaftop's `test` (with its regexes kept) answers as the standard library's
    /// definition, `matches(re; flags) | any`, does.
    #[test]
    fn test_answers_as_the_standard_librarys() {
        let inputs = [
            "OrderCreated",
            "ordercreated",
            "a\nb",
            "",
            "x  y",
            "ba",
            "한글",
        ];
        let regexes = [
            "Created", "^order", "created$", "a.b", "^b", "x y", "", "a*", "C(r)e", "[", "글$",
        ];
        let flags = ["", "i", "x", "s", "m", "p", "g", "n", "gin", "l", "z"];
        for input in inputs {
            for re in regexes {
                for f in flags {
                    let args = format!("{}; {}", json!(re), json!(f));
                    let ours = first(&format!("test({args})"), &json!(input));
                    let std = first(&format!("matches({args}) | any"), &json!(input));
                    assert_eq!(ours, std, "{input:?} test({args})");
                }
            }
            let ours = first(r#"test("Created")"#, &json!(input));
            let std = first(r#"matches("Created"; "") | any"#, &json!(input));
            assert_eq!(ours, std, "{input:?}");
        }
        // Not a string: an error, as before, in kaftop's words (so it is kaftop's
        // `test` that ran).
        let e = first_or_error(r#"test("a")"#, &json!(1)).unwrap_err();
        assert!(e.contains("cannot use 1 as the input of test"), "{e}");
    }

    #[test]
    fn bad_filters_say_why() {
        let e = JqFilter::new(".value ==").err().unwrap().to_string();
        assert!(
            e.contains("bad filter `.value ==`") && e.contains("expected"),
            "{e}"
        );
        let e = JqFilter::new("nosuchfn(1)").err().unwrap().to_string();
        assert!(e.contains("undefined filter `nosuchfn`"), "{e}");
    }
}

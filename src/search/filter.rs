//! A jq filter (jaq) over a record, and the record as the filter sees it.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{data, unwrap_valr, Compiler, Ctx, Vars};
use jaq_json::Val;
#[cfg(test)]
use serde::Deserialize as _;

/// A compiled filter: a record matches when the filter's first output is truthy.
pub(crate) struct JqFilter {
    filter: jaq_core::Filter<data::JustLut<Val>>,
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
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs());
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
        Ok(JqFilter { filter })
    }

    /// Whether `record` passes: the first output is neither `false` nor `null`.
    /// A run-time error (`.value.x` on a string) is no match, as jq's `select` with `?`.
    #[cfg(test)]
    pub(crate) fn matches(&self, record: &serde_json::Value) -> bool {
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

//! Finding records: a jq filter (jaq) over each record as decoded once, and the
//! parallel scan that runs it over a topic. `kaftop search` and the dashboard's
//! Messages search share them.

mod cached_test;
mod filter;
mod needs;
mod record;
pub(crate) mod scan;
mod value;

pub(crate) use filter::JqFilter;
pub(crate) use needs::needs;
pub(crate) use record::{scope, DecodedRecord};
pub(crate) use value::{scope_val, scope_val_noting};

//! Which parts of a decoded value a caller will look at, so that a reader builds
//! only those: `kaftop search` knows from its filter that it reads, say,
//! `.value.customerId` and nothing else of the value.

use std::collections::BTreeMap;

/// A selection of a value's parts. Readers that cannot select build it whole;
/// a selection never changes what a selected part holds, only which are built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Select {
    /// The whole value.
    All,
    /// Of a record (an object with fields a schema names), only these fields, each
    /// with its own selection; with none, an empty object in the record's place.
    /// Any other kind of value is built whole.
    Fields(BTreeMap<String, Select>),
}

impl Select {
    /// Nothing under the value itself: it only has to be there, with its kind.
    pub fn present() -> Select {
        Select::Fields(BTreeMap::new())
    }

    /// Whether the value is wanted whole.
    pub fn is_all(&self) -> bool {
        matches!(self, Select::All)
    }

    /// The selection of `field`, if the field is wanted at all.
    pub fn field(&self, field: &str) -> Option<&Select> {
        match self {
            Select::All => Some(&Select::All),
            Select::Fields(fields) => fields.get(field),
        }
    }

    /// Adds the part at `path` (field names from here), wanted whole when
    /// `whole`, else only present.
    pub fn add(&mut self, path: &[&str], whole: bool) {
        let Select::Fields(fields) = self else {
            return; // already whole
        };
        match path.split_first() {
            None if whole => *self = Select::All,
            None => {}
            Some((first, rest)) => fields
                .entry((*first).to_string())
                .or_insert_with(Select::present)
                .add(rest, whole),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_merge_and_whole_wins() {
        let mut s = Select::present();
        s.add(&["value", "customerId"], true);
        s.add(&["headers", "__TypeId__"], true);
        s.add(&["value"], false);
        assert_eq!(s.field("key"), None);
        let value = s.field("value").unwrap();
        assert_eq!(value.field("customerId"), Some(&Select::All));
        assert_eq!(value.field("items"), None);
        s.add(&["value"], true);
        assert!(s.field("value").unwrap().is_all());
        // Below a whole part, everything is selected.
        assert_eq!(s.field("value").unwrap().field("items"), Some(&Select::All));
        s.add(&[], true);
        assert!(s.is_all());
    }
}

//! Topic and group names, each held once. The engine's state is keyed by name:
//! at 40 000 partitions and 80 000 group partitions, a `String` per key would
//! hold the same few thousand names over 200 000 times.

use std::collections::HashSet;
use std::sync::Arc;

#[derive(Default)]
pub(super) struct Names(HashSet<Arc<str>>);

impl Names {
    /// The one copy of `name`, made on first use.
    pub(super) fn get(&mut self, name: &str) -> Arc<str> {
        if let Some(n) = self.0.get(name) {
            return Arc::clone(n);
        }
        let n: Arc<str> = Arc::from(name);
        self.0.insert(Arc::clone(&n));
        n
    }

    /// The copy of `name` if some state holds it.
    pub(super) fn find(&self, name: &str) -> Option<Arc<str>> {
        self.0.get(name).cloned()
    }

    /// Drops the names nothing holds any more (after state was forgotten): no
    /// state, and no output row of a refresh still kept by its reader.
    pub(super) fn forget_unused(&mut self) {
        self.0.retain(|n| Arc::strong_count(n) > 1);
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_copy_per_name_until_unused() {
        let mut names = Names::default();
        let a = names.get("orders");
        let b = names.get("orders");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(names.find("payments").is_none());
        let c = names.get("payments");
        assert_eq!(names.len(), 2);
        drop((a, b));
        names.forget_unused();
        assert_eq!(names.len(), 1);
        assert!(names.find("orders").is_none());
        assert!(names.find("payments").is_some_and(|p| Arc::ptr_eq(&p, &c)));
    }
}

//! Bounded history for sparklines: a ring buffer whose capacity follows from the
//! configured span and the poll interval, so memory never grows with uptime.

use std::collections::VecDeque;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Ring<T> {
    items: VecDeque<T>,
    capacity: usize,
}

impl<T> Ring<T> {
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Ring {
            items: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    /// Enough slots to cover `span` at one sample per `interval`.
    pub fn for_span(span: Duration, interval: Duration) -> Self {
        let n = span.as_millis() / interval.as_millis().max(1);
        Ring::new(n.clamp(1, 100_000) as usize)
    }

    pub fn push(&mut self, v: T) {
        if self.items.len() == self.capacity {
            self.items.pop_front();
        }
        self.items.push_back(v);
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.items.iter()
    }

    pub fn last(&self) -> Option<&T> {
        self.items.back()
    }
}

impl<T: Copy> Ring<T> {
    pub fn to_vec(&self) -> Vec<T> {
        self.items.iter().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_newest() {
        let mut r = Ring::new(3);
        for i in 0..10 {
            r.push(i);
        }
        assert_eq!(r.to_vec(), vec![7, 8, 9]);
        assert_eq!(r.len(), 3);
        assert_eq!(r.last(), Some(&9));
    }

    #[test]
    fn capacity_from_span() {
        let r: Ring<u64> = Ring::for_span(Duration::from_secs(600), Duration::from_secs(2));
        assert_eq!(r.capacity(), 300);
        let tiny: Ring<u64> = Ring::for_span(Duration::from_secs(1), Duration::from_secs(5));
        assert_eq!(tiny.capacity(), 1);
    }
}

//! A group partition's points of the status window, kept small: one is held for
//! every group partition (80 000 at issue 20's largest preset). A point is 24
//! bytes (offset, lag and which of them is known) and only the newest point's
//! time is kept, which is all the status rules read; a `Ring<LagPoint>` with a
//! time per point took 40 bytes a point.

use crate::metrics::status::LagPoint;

#[derive(Debug, Clone, Copy, Default)]
struct Packed {
    committed: i64,
    lag: u64,
    /// Bit 0: `committed` is known; bit 1: `lag` is.
    known: u8,
}

const COMMITTED: u8 = 1;
const LAG: u8 = 2;

impl Packed {
    fn pack(p: LagPoint) -> Packed {
        Packed {
            committed: p.committed.unwrap_or(0),
            lag: p.lag.unwrap_or(0),
            known: (if p.committed.is_some() { COMMITTED } else { 0 })
                | (if p.lag.is_some() { LAG } else { 0 }),
        }
    }

    fn unpack(self) -> LagPoint {
        LagPoint {
            committed: (self.known & COMMITTED != 0).then_some(self.committed),
            lag: (self.known & LAG != 0).then_some(self.lag),
        }
    }
}

/// The last `capacity` points, oldest dropped first.
#[derive(Debug, Clone)]
pub(super) struct LagWindow {
    /// A ring: the oldest point at `head` once full.
    slots: Box<[Packed]>,
    head: u32,
    len: u32,
    /// When the newest point was read (monotonic ms); 0 while empty.
    last_at_ms: u64,
}

impl LagWindow {
    pub(super) fn new(capacity: usize) -> Self {
        LagWindow {
            slots: vec![Packed::default(); capacity.clamp(1, u32::MAX as usize)].into_boxed_slice(),
            head: 0,
            len: 0,
            last_at_ms: 0,
        }
    }

    /// When the newest point was read; `None` while empty.
    pub(super) fn last_at_ms(&self) -> Option<u64> {
        (self.len > 0).then_some(self.last_at_ms)
    }

    pub(super) fn push(&mut self, at_ms: u64, p: LagPoint) {
        let cap = self.slots.len();
        let (head, len) = (self.head as usize, self.len as usize);
        if len == cap {
            self.slots[head] = Packed::pack(p);
            self.head = ((head + 1) % cap) as u32;
        } else {
            self.slots[(head + len) % cap] = Packed::pack(p);
            self.len += 1;
        }
        self.last_at_ms = at_ms;
    }

    /// Replaces `out` with the points, oldest first.
    pub(super) fn read_into(&self, out: &mut Vec<LagPoint>) {
        out.clear();
        let cap = self.slots.len();
        let head = self.head as usize;
        out.extend((0..self.len as usize).map(|i| self.slots[(head + i) % cap].unpack()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(committed: Option<i64>, lag: Option<u64>) -> LagPoint {
        LagPoint { committed, lag }
    }

    #[test]
    fn keeps_the_newest_points_in_order_with_unknowns() {
        let mut w = LagWindow::new(3);
        let mut out = Vec::new();
        w.read_into(&mut out);
        assert!(out.is_empty() && w.last_at_ms().is_none());
        let points = [
            point(Some(1), Some(9)),
            point(None, Some(8)),
            point(Some(-1), None),
            point(None, None),
            point(Some(i64::MAX), Some(u64::MAX)),
        ];
        for (i, &p) in points.iter().enumerate() {
            w.push(1000 * i as u64, p);
        }
        w.read_into(&mut out);
        assert_eq!(out, points[2..]);
        assert_eq!(w.last_at_ms(), Some(4000));
    }

    #[test]
    fn a_point_is_24_bytes() {
        assert_eq!(std::mem::size_of::<Packed>(), 24);
    }
}

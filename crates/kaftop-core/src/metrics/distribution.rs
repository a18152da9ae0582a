//! How messages and traffic spread over a topic's partitions and brokers, as
//! Kafka UI's partition view shows it.

use std::collections::BTreeMap;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Distribution {
    pub mean_messages: f64,
    /// Largest partition over the mean (1.0 = perfectly even).
    pub skew: f64,
    /// The partition holding the most messages, when it stands out (skew ≥ 1.5).
    pub hot_partition: Option<i32>,
    pub mean_rate: f64,
    /// Leaders per broker id.
    pub leaders_per_broker: BTreeMap<i32, usize>,
}

/// A partition's counts: (id, messages, rate, leader).
pub type PartitionLoad = (i32, i64, Option<f64>, i32);

/// Skew at or above which the biggest partition is called hot.
pub const HOT_SKEW: f64 = 1.5;

pub fn distribution(parts: &[PartitionLoad]) -> Distribution {
    let n = parts.len().max(1) as f64;
    let total: i64 = parts.iter().map(|p| p.1.max(0)).sum();
    let mean = total as f64 / n;
    let biggest = parts.iter().max_by_key(|p| (p.1, std::cmp::Reverse(p.0)));
    let skew = match biggest {
        Some(b) if mean > 0.0 => b.1 as f64 / mean,
        _ => 1.0,
    };
    let mut leaders = BTreeMap::new();
    for p in parts {
        if p.3 >= 0 {
            *leaders.entry(p.3).or_insert(0) += 1;
        }
    }
    Distribution {
        mean_messages: mean,
        skew,
        hot_partition: biggest
            .filter(|_| skew >= HOT_SKEW && parts.len() > 1)
            .map(|b| b.0),
        mean_rate: parts.iter().filter_map(|p| p.2).sum::<f64>() / n,
        leaders_per_broker: leaders,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_spread() {
        let d = distribution(&[
            (0, 100, Some(1.0), 1),
            (1, 100, Some(3.0), 2),
            (2, 100, None, 1),
        ]);
        assert_eq!(d.mean_messages, 100.0);
        assert_eq!(d.skew, 1.0);
        assert_eq!(d.hot_partition, None);
        assert_eq!(d.mean_rate, 4.0 / 3.0);
        assert_eq!(d.leaders_per_broker, BTreeMap::from([(1, 2), (2, 1)]));
    }

    #[test]
    fn hot_partition_found() {
        let d = distribution(&[(0, 10, None, 1), (1, 280, None, 1), (2, 10, None, 1)]);
        assert_eq!(d.skew, 2.8);
        assert_eq!(d.hot_partition, Some(1));
    }

    #[test]
    fn empty_and_leaderless() {
        let d = distribution(&[]);
        assert_eq!((d.skew, d.hot_partition), (1.0, None));
        let d = distribution(&[(0, 0, None, -1), (1, 0, None, -1)]);
        assert_eq!(d.skew, 1.0);
        assert!(d.leaders_per_broker.is_empty());
    }
}

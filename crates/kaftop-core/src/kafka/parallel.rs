//! Work spread over a few long-lived threads, results kept in order: a refresh's
//! requests to each broker, and its per-group reads that have no batched request.
//!
//! The threads are made once and kept. A refresh fans out several times, and
//! threads made for each read (about 800 in two minutes at 40 000 partitions)
//! leave their partly used pages to the allocator as "abandoned" when they exit,
//! where their free space waits to be reclaimed (mimalloc counted 391 of 521
//! live pages abandoned).

use std::sync::OnceLock;

use rayon::prelude::*;

/// Concurrent committed-offset fetches per refresh.
pub(crate) const OFFSET_FETCH_WORKERS: usize = 8;

/// Threads the reads run on, so requests in flight at once: a cluster of more
/// brokers has its per-broker requests wait their turn.
const READ_THREADS: usize = 16;

/// The read threads; `None` when they could not be made (the reads then run
/// one after another on the caller's thread).
fn readers() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(READ_THREADS)
            .thread_name(|i| format!("kaftop-read-{i}"))
            .build()
            .map_err(|e| tracing::warn!("reading in parallel: {e}; reading one at a time"))
            .ok()
    })
    .as_ref()
}

/// `f` for each item, each on a read thread of its own while there are enough;
/// results in input order.
pub(crate) fn in_parallel<T: Send, R: Send>(
    items: Vec<T>,
    f: impl Fn(T) -> R + Sync + Send,
) -> Vec<R> {
    match readers() {
        // One item per task: each may block on the network.
        Some(pool) if items.len() > 1 => {
            pool.install(|| items.into_par_iter().with_max_len(1).map(f).collect())
        }
        _ => items.into_iter().map(f).collect(),
    }
}

/// `f` over `items` in up to `workers` chunks read in parallel; results in input
/// order.
pub(crate) fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    workers: usize,
    f: impl Fn(&T) -> R + Sync + Send,
) -> Vec<R> {
    if items.len() <= 1 || workers <= 1 {
        return items.iter().map(&f).collect();
    }
    let per_worker = items.len().div_ceil(workers);
    let chunks: Vec<&[T]> = items.chunks(per_worker).collect();
    in_parallel(chunks, |chunk| chunk.iter().map(&f).collect::<Vec<R>>())
        .into_iter()
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::{Barrier, Mutex};

    #[test]
    fn parallel_map_keeps_order() {
        let items: Vec<u32> = (0..37).collect();
        let out = parallel_map(&items, 8, |x| x * 2);
        assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert_eq!(parallel_map(&[5u32], 8, |x| x + 1), vec![6]);
        assert!(parallel_map(&[] as &[u32], 8, |x| *x).is_empty());
    }

    #[test]
    fn items_run_at_once_on_threads_that_are_kept() {
        // Four items that each wait for the other three: they finish only if
        // all four run at the same time.
        let names = Mutex::new(HashSet::new());
        let run = || {
            let all = Barrier::new(4);
            in_parallel(vec![1, 2, 3, 4], |i| {
                all.wait();
                let name = std::thread::current().name().map(str::to_string);
                names.lock().unwrap().insert(name);
                i * 10
            })
        };
        assert_eq!(run(), [10, 20, 30, 40]);
        assert_eq!(run(), [10, 20, 30, 40]);
        // The same threads both times: at most READ_THREADS names over eight
        // items, each a read thread's.
        let names = names.into_inner().unwrap();
        assert!(names.len() <= READ_THREADS, "{names:?}");
        assert!(names
            .iter()
            .all(|n| n.as_deref().is_some_and(|n| n.starts_with("kaftop-read-"))));
    }
}

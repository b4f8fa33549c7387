//! Running independent pieces of work on a few threads.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Runs `work` on each item with at most `workers` threads, items taken in order.
///
/// Once an item's result satisfies `stops`, no further item is started (the ones running
/// finish); those never started are `None`. Results come back in the items' order.
pub fn run_ordered<I, R>(
    items: &[I],
    workers: usize,
    stops: impl Fn(&R) -> bool + Sync,
    work: impl Fn(&I) -> R + Sync,
) -> Vec<Option<R>>
where
    I: Sync,
    R: Send,
{
    let results: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let stopped = AtomicBool::new(false);
    let workers = workers.clamp(1, items.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while !stopped.load(Ordering::SeqCst) {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some(item) = items.get(index) else {
                        break;
                    };
                    let result = work(item);
                    if stops(&result) {
                        stopped.store(true, Ordering::SeqCst);
                    }
                    if let Ok(mut slot) = results[index].lock() {
                        *slot = Some(result);
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .map(|slot| slot.into_inner().ok().flatten())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_from_several_threads() {
        let items: Vec<u32> = (0..20).collect();
        let results = run_ordered(&items, 3, |_| false, |n| n * 2);
        let doubled: Vec<Option<u32>> = (0..20).map(|n| Some(n * 2)).collect();
        assert_eq!(results, doubled);
    }

    #[test]
    fn nothing_starts_after_a_stopping_result() {
        let items: Vec<u32> = (0..10).collect();
        let results = run_ordered(&items, 1, |r: &u32| *r == 3, |n| *n);
        assert_eq!(
            results,
            vec![
                Some(0),
                Some(1),
                Some(2),
                Some(3),
                None,
                None,
                None,
                None,
                None,
                None
            ]
        );
    }

    #[test]
    fn no_items_no_threads() {
        let items: Vec<u32> = Vec::new();
        assert!(run_ordered(&items, 4, |_| false, |n| *n).is_empty());
    }
}

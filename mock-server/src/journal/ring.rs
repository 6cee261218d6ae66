//! [`Ring`]: the latest N items of a stream, numbered from 1 in arrival order, in memory.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;

/// An item with its number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Numbered<T> {
    /// Increasing from 1 (again after [`Ring::clear`]); pass the last one seen as `after` to read only
    /// newer items.
    pub id: u64,
    /// The item.
    #[serde(flatten)]
    pub entry: T,
}

/// The latest `capacity` items pushed, each numbered: once full, a push forgets the oldest item, and the
/// numbers go on, so a reader paging with `after` sees a gap, never a number reused.
#[derive(Debug)]
pub(crate) struct Ring<T> {
    capacity: usize,
    inner: Mutex<Inner<T>>,
}

#[derive(Debug)]
struct Inner<T> {
    /// Oldest first; the last one has number `next_id - 1`.
    items: VecDeque<T>,
    next_id: u64,
}

impl<T> Inner<T> {
    fn first_id(&self) -> u64 {
        self.next_id - self.items.len() as u64
    }
}

impl<T> Ring<T> {
    /// An empty ring keeping the latest `capacity` items (at least one).
    pub(crate) fn new(capacity: usize) -> Ring<T> {
        let capacity = capacity.max(1);
        Ring {
            capacity,
            inner: Mutex::new(Inner {
                items: VecDeque::new(),
                next_id: 1,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        // Every change is one push, pop or clear with the counter beside it: a poisoned ring is consistent.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends `item`, forgetting the oldest if the ring is full; the item's number.
    pub(crate) fn push(&self, item: T) -> u64 {
        let mut inner = self.lock();
        if inner.items.len() == self.capacity {
            inner.items.pop_front();
        }
        inner.items.push_back(item);
        let id = inner.next_id;
        inner.next_id += 1;
        id
    }

    /// Forgets every item; numbering starts again from 1.
    pub(crate) fn clear(&self) {
        let mut inner = self.lock();
        inner.items.clear();
        inner.next_id = 1;
    }
}

impl<T> Ring<T> {
    /// Calls `read` with every item kept and its number, oldest first, under the ring's lock (no copy).
    pub(crate) fn scan<R>(
        &self,
        read: impl FnOnce(&mut dyn Iterator<Item = Numbered<&T>>) -> R,
    ) -> R {
        let inner = self.lock();
        let first = inner.first_id();
        read(
            &mut inner
                .items
                .iter()
                .zip(first..)
                .map(|(entry, id)| Numbered { id, entry }),
        )
    }
}

impl<T: Clone> Ring<T> {
    /// The items numbered above `after` that are still kept, oldest first, at most `limit`.
    pub(crate) fn after(&self, after: u64, limit: usize) -> Vec<Numbered<T>> {
        self.after_where(after, limit, |_| true)
    }

    /// Like [`Ring::after`], counting only the items `keep` accepts towards `limit`.
    pub(crate) fn after_where(
        &self,
        after: u64,
        limit: usize,
        keep: impl Fn(&T) -> bool,
    ) -> Vec<Numbered<T>> {
        let inner = self.lock();
        let first = inner.first_id();
        let skip =
            usize::try_from(after.saturating_add(1).saturating_sub(first)).unwrap_or(usize::MAX);
        inner
            .items
            .iter()
            .zip(first..)
            .skip(skip)
            .filter(|(entry, _)| keep(entry))
            .take(limit)
            .map(|(entry, id)| Numbered {
                id,
                entry: entry.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(items: &[Numbered<u32>]) -> Vec<u64> {
        items.iter().map(|n| n.id).collect()
    }

    #[test]
    fn a_filtered_read_counts_only_the_items_kept_towards_its_limit() {
        let ring = Ring::new(10);
        for i in 0..10u32 {
            ring.push(i);
        }
        let odd = ring.after_where(2, 3, |i| i % 2 == 1);
        assert_eq!(ids(&odd), [4, 6, 8]);
        assert_eq!(ring.scan(|items| items.map(|n| *n.entry).sum::<u32>()), 45);
        assert_eq!(ring.scan(|items| items.last().map(|n| n.id)), Some(10));
    }

    #[test]
    fn items_are_numbered_from_one_in_arrival_order() {
        let ring = Ring::new(10);
        assert_eq!((ring.push(7), ring.push(8)), (1, 2));
        let all = ring.after(0, usize::MAX);
        assert_eq!(
            all,
            [Numbered { id: 1, entry: 7 }, Numbered { id: 2, entry: 8 }]
        );
    }

    #[test]
    fn a_full_ring_keeps_only_the_latest_items() {
        let ring = Ring::new(3);
        for i in 0..10 {
            ring.push(i);
        }
        let kept = ring.after(0, usize::MAX);
        assert_eq!(ids(&kept), [8, 9, 10]);
        assert_eq!(kept.iter().map(|n| n.entry).collect::<Vec<_>>(), [7, 8, 9]);
    }

    #[test]
    fn numbers_go_on_after_overflow_so_paging_with_after_still_works() {
        let ring = Ring::new(4);
        for i in 0..6 {
            ring.push(i);
        }
        assert_eq!(
            ids(&ring.after(0, 2)),
            [3, 4],
            "the forgotten 1 and 2 are a gap"
        );
        assert_eq!(ids(&ring.after(4, 10)), [5, 6]);
        assert!(ring.after(6, 10).is_empty());
        assert_eq!(ring.push(6), 7);
        assert_eq!(ids(&ring.after(6, 10)), [7]);
        assert!(ring.after(u64::MAX, 10).is_empty());
    }

    #[test]
    fn clear_forgets_everything_and_numbers_from_one_again() {
        let ring = Ring::new(4);
        for i in 0..6 {
            ring.push(i);
        }
        ring.clear();
        assert!(ring.after(0, usize::MAX).is_empty());
        assert_eq!(ring.push(0), 1);
        assert_eq!(ids(&ring.after(0, usize::MAX)), [1]);
    }

    #[test]
    fn concurrent_pushes_get_distinct_consecutive_numbers() {
        let ring = std::sync::Arc::new(Ring::new(1_000));
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let ring = ring.clone();
                std::thread::spawn(move || {
                    (0..500)
                        .map(|i| ring.push(t * 1_000 + i))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut given: Vec<u64> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        given.sort_unstable();
        assert_eq!(given, (1..=4_000).collect::<Vec<_>>());
        let kept = ring.after(0, usize::MAX);
        assert_eq!(ids(&kept), (3_001..=4_000).collect::<Vec<_>>());
        for thread in 0..8 {
            let mine: Vec<_> = kept
                .iter()
                .map(|n| n.entry)
                .filter(|e| e / 1_000 == thread)
                .collect();
            assert!(
                mine.windows(2).all(|w| w[0] < w[1]),
                "each thread's items keep their order"
            );
        }
    }
}

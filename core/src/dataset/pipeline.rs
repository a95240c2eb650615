//! Processing pieces of a file on a small pool of threads, merging the results in file order.
//!
//! The calling thread reads (and decompresses) the input and merges; `threads` workers check
//! the pieces. At most a few pieces are in flight, so memory stays bounded; results are
//! merged strictly in order, so line numbers, "first N findings" and duplicate detection are
//! the same as on one thread.

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread;

use super::reader::Piece;

/// Pieces in flight per worker: enough to keep the workers busy while the reader waits.
const IN_FLIGHT_PER_WORKER: usize = 3;

/// The number of workers to use when the caller says 0 (all cores).
pub(crate) fn default_threads() -> usize {
    thread::available_parallelism().map_or(1, usize::from)
}

/// Runs `process` on every piece (first those of `head`, then the rest from `next`) and
/// `merge` on the results in order. Stops at the first read error, after the pieces already
/// read are merged.
pub(crate) fn run<T: Send>(
    mut head: VecDeque<Piece>,
    next: &mut dyn FnMut() -> io::Result<Option<Piece>>,
    threads: usize,
    process: &(dyn Fn(Piece) -> T + Sync),
    merge: &mut dyn FnMut(T),
) -> io::Result<()> {
    let mut pieces = move || match head.pop_front() {
        Some(piece) => Ok(Some(piece)),
        None => next(),
    };
    if threads <= 1 {
        while let Some(piece) = pieces()? {
            merge(process(piece));
        }
        return Ok(());
    }
    thread::scope(|scope| {
        let (job_tx, job_rx) = mpsc::sync_channel::<(u64, Piece)>(threads);
        // Held by the workers only: if they all stopped, sending a job fails instead of blocking.
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (done_tx, done_rx) = mpsc::channel::<(u64, T)>();
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let job_rx = Arc::clone(&job_rx);
            scope.spawn(move || {
                loop {
                    let job = job_rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    let Ok((seq, piece)) = job else { break };
                    if done_tx.send((seq, process(piece))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        drop(job_rx);

        let mut ordered = InOrder { pending: BTreeMap::new(), next: 0 };
        let mut sent = 0_u64;
        let result = (|| {
            while let Some(piece) = pieces()? {
                while sent - ordered.next >= (threads * IN_FLIGHT_PER_WORKER) as u64 {
                    let done = done_rx.recv().map_err(|_| workers_stopped())?;
                    ordered.accept(done, merge);
                }
                job_tx.send((sent, piece)).map_err(|_| workers_stopped())?;
                sent += 1;
                while let Ok(done) = done_rx.try_recv() {
                    ordered.accept(done, merge);
                }
            }
            Ok(())
        })();
        drop(job_tx);
        for done in done_rx {
            ordered.accept(done, merge);
        }
        result
    })
}

/// The workers can only stop early by panicking; the scope then propagates the panic.
fn workers_stopped() -> io::Error {
    io::Error::other("the worker threads stopped")
}

/// Results waiting for the ones before them.
struct InOrder<T> {
    pending: BTreeMap<u64, T>,
    next: u64,
}

impl<T> InOrder<T> {
    fn accept(&mut self, (seq, result): (u64, T), merge: &mut dyn FnMut(T)) {
        self.pending.insert(seq, result);
        while let Some(result) = self.pending.remove(&self.next) {
            merge(result);
            self.next += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_merge_in_order_on_any_number_of_threads() {
        for threads in [1, 2, 5] {
            let mut n = 0_u64;
            let mut next = || {
                n += 1;
                Ok((n <= 100).then_some(Piece::TooLong { offset: n, bytes: 0 }))
            };
            let head = VecDeque::from([Piece::TooLong { offset: 0, bytes: 0 }]);
            let process = |piece: Piece| match piece {
                Piece::TooLong { offset, .. } => {
                    // Later pieces finish first.
                    std::thread::sleep(std::time::Duration::from_micros(100 - offset.min(100)));
                    offset
                }
                Piece::Lines { .. } => u64::MAX,
            };
            let mut seen = Vec::new();
            run(head, &mut next, threads, &process, &mut |offset| seen.push(offset)).unwrap();
            assert_eq!(seen, (0..=100).collect::<Vec<_>>(), "{threads} threads");
        }
    }

    #[test]
    fn a_read_error_stops_after_merging_what_was_read() {
        let mut n = 0_u64;
        let mut next = || {
            n += 1;
            if n == 4 { Err(io::Error::other("disk")) } else { Ok(Some(Piece::TooLong { offset: n, bytes: 0 })) }
        };
        let mut seen = Vec::new();
        let process = |piece: Piece| matches!(piece, Piece::TooLong { .. });
        let err = run(VecDeque::new(), &mut next, 2, &process, &mut |ok| seen.push(ok)).unwrap_err();
        assert_eq!(err.to_string(), "disk");
        assert_eq!(seen.len(), 3);
    }
}

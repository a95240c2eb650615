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

use super::reader::{LineChunker, Piece};

/// Pieces in flight per worker: enough to keep the workers busy while the reader waits.
const IN_FLIGHT_PER_WORKER: usize = 2;

/// The number of workers to use when the caller says 0 (all cores).
pub(crate) fn default_threads() -> usize {
    thread::available_parallelism().map_or(1, usize::from)
}

/// Where the pieces come from, and where checked pieces go back to be reused.
pub(crate) trait PieceSource {
    /// The next piece, `None` at the end.
    fn next_piece(&mut self) -> io::Result<Option<Piece>>;

    /// A piece that was checked.
    fn recycle(&mut self, piece: Piece);
}

impl<R: io::Read> PieceSource for LineChunker<R> {
    fn next_piece(&mut self) -> io::Result<Option<Piece>> {
        LineChunker::next_piece(self)
    }

    fn recycle(&mut self, piece: Piece) {
        LineChunker::recycle(self, piece);
    }
}

/// Runs `process` on every piece (first those of `head`, then the rest from `source`) and
/// `merge` on the results in order. Stops at the first read error, after the pieces already
/// read are merged.
pub(crate) fn run<T: Send>(
    mut head: VecDeque<Piece>,
    source: &mut dyn PieceSource,
    threads: usize,
    process: &(dyn Fn(&Piece) -> T + Sync),
    merge: &mut dyn FnMut(T),
) -> io::Result<()> {
    let mut next = |source: &mut dyn PieceSource| match head.pop_front() {
        Some(piece) => Ok(Some(piece)),
        None => source.next_piece(),
    };
    if threads <= 1 {
        while let Some(piece) = next(source)? {
            let result = process(&piece);
            source.recycle(piece);
            merge(result);
        }
        return Ok(());
    }
    thread::scope(|scope| {
        let (job_tx, job_rx) = mpsc::sync_channel::<(u64, Piece)>(threads);
        // Held by the workers only: if they all stopped, sending a job fails instead of blocking.
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (done_tx, done_rx) = mpsc::channel::<Done<T>>();
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let job_rx = Arc::clone(&job_rx);
            scope.spawn(move || {
                loop {
                    let job = job_rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    let Ok((seq, piece)) = job else { break };
                    let result = process(&piece);
                    if done_tx.send(Done { seq, result, piece }).is_err() {
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
            while let Some(piece) = next(source)? {
                while sent - ordered.next >= (threads * IN_FLIGHT_PER_WORKER) as u64 {
                    let done = done_rx.recv().map_err(|_| workers_stopped())?;
                    ordered.accept(done, source, merge);
                }
                job_tx.send((sent, piece)).map_err(|_| workers_stopped())?;
                sent += 1;
                while let Ok(done) = done_rx.try_recv() {
                    ordered.accept(done, source, merge);
                }
            }
            Ok(())
        })();
        drop(job_tx);
        for done in done_rx {
            ordered.accept(done, source, merge);
        }
        result
    })
}

/// A checked piece: its place in the file, its result, and its buffer to reuse.
struct Done<T> {
    seq: u64,
    result: T,
    piece: Piece,
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
    fn accept(&mut self, done: Done<T>, source: &mut dyn PieceSource, merge: &mut dyn FnMut(T)) {
        source.recycle(done.piece);
        self.pending.insert(done.seq, done.result);
        while let Some(result) = self.pending.remove(&self.next) {
            merge(result);
            self.next += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pieces numbered 1 to `count` (their offset), failing at `fail_at`; counts recycling.
    struct Numbers {
        n: u64,
        count: u64,
        fail_at: Option<u64>,
        recycled: usize,
    }

    impl PieceSource for Numbers {
        fn next_piece(&mut self) -> io::Result<Option<Piece>> {
            self.n += 1;
            if Some(self.n) == self.fail_at {
                return Err(io::Error::other("disk"));
            }
            Ok((self.n <= self.count).then_some(Piece::TooLong { offset: self.n, bytes: 0 }))
        }

        fn recycle(&mut self, _piece: Piece) {
            self.recycled += 1;
        }
    }

    fn offset(piece: &Piece) -> u64 {
        match piece {
            Piece::TooLong { offset, .. } | Piece::Lines { offset, .. } => *offset,
            Piece::Rejected { .. } | Piece::Rows(_) => unreachable!("the test source makes no rows"),
        }
    }

    #[test]
    fn results_merge_in_order_on_any_number_of_threads() {
        for threads in [1, 2, 5] {
            let mut source = Numbers { n: 0, count: 100, fail_at: None, recycled: 0 };
            let head = VecDeque::from([Piece::TooLong { offset: 0, bytes: 0 }]);
            let process = |piece: &Piece| {
                // Later pieces finish first.
                std::thread::sleep(std::time::Duration::from_micros(100 - offset(piece).min(100)));
                offset(piece)
            };
            let mut seen = Vec::new();
            run(head, &mut source, threads, &process, &mut |offset| seen.push(offset)).unwrap();
            assert_eq!(seen, (0..=100).collect::<Vec<_>>(), "{threads} threads");
            assert_eq!(source.recycled, 101, "every piece is handed back");
        }
    }

    #[test]
    fn a_read_error_stops_after_merging_what_was_read() {
        let mut source = Numbers { n: 0, count: 100, fail_at: Some(4), recycled: 0 };
        let mut seen = Vec::new();
        let err = run(VecDeque::new(), &mut source, 2, &offset, &mut |n| seen.push(n)).unwrap_err();
        assert_eq!(err.to_string(), "disk");
        assert_eq!(seen, [1, 2, 3]);
    }
}

//! Work shared out between two threads: loading a ledger into memory (each
//! thread reads, decodes and folds half of the ids) and building a large
//! table (each builds every other block of rows). Two, because parkdb's
//! users run it on laptops and small servers, and the two halves of the
//! work are independent.

use crate::error::{Error, Result};

/// Runs `here` on this thread and `there` on a second one, and returns
/// both results once both are done. A panic on the second thread becomes
/// [`Error::Internal`] naming `what`; an error from either is returned
/// (this thread's first).
pub(crate) fn both<A, B: Send>(
    what: &str,
    here: impl FnOnce() -> Result<A>,
    there: impl FnOnce() -> Result<B> + Send,
) -> Result<(A, B)> {
    let (mine, theirs) = std::thread::scope(|s| {
        let theirs = s.spawn(there);
        (here(), theirs.join())
    });
    let theirs = theirs.map_err(|_| Error::Internal(format!("a thread {what} failed")))?;
    Ok((mine?, theirs?))
}

/// Builds blocks `0..blocks` on two threads (one the even blocks, one the
/// odd) and hands each to `take` on this thread, in order, as it is ready:
/// a table built and written at once (a province's events into Parquet),
/// with at most two blocks waiting. An error from `build` or `take` stops
/// the work and is returned; a panic while building becomes
/// [`Error::Internal`] naming `what`.
pub(crate) fn in_order<T: Send>(
    what: &str,
    blocks: usize,
    build: impl Fn(usize) -> Result<T> + Sync,
    mut take: impl FnMut(T) -> Result<()>,
) -> Result<()> {
    if blocks < 2 {
        return (0..blocks).try_for_each(|i| take(build(i)?));
    }
    std::thread::scope(|s| {
        let build = &build;
        let mut workers = Vec::new();
        let mut receivers = Vec::new();
        for parity in 0..2 {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Result<T>>(1);
            receivers.push(rx);
            workers.push(s.spawn(move || {
                for i in (parity..blocks).step_by(2) {
                    let built = build(i);
                    let failed = built.is_err();
                    // A closed channel: this thread's reader stopped.
                    if tx.send(built).is_err() || failed {
                        break;
                    }
                }
            }));
        }
        let mut taken = Ok(());
        for i in 0..blocks {
            let next = receivers[i % 2].recv();
            taken = match next {
                Ok(block) => block.and_then(&mut take),
                // The worker ended without sending: it panicked.
                Err(_) => Err(Error::Internal(format!("a thread {what} failed"))),
            };
            if taken.is_err() {
                break;
            }
        }
        drop(receivers);
        let mut panicked = false;
        for worker in workers {
            panicked |= worker.join().is_err();
        }
        match taken {
            Ok(()) if panicked => Err(Error::Internal(format!("a thread {what} failed"))),
            other => other,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_results_or_the_first_error_or_the_panic() {
        assert_eq!(both("adding", || Ok(1), || Ok(2)).unwrap(), (1, 2));
        let e = both::<(), ()>("adding", || Err(Error::Corrupt("here".into())), || Ok(()));
        assert!(matches!(e, Err(Error::Corrupt(m)) if m == "here"));
        let panicked = both::<(), ()>("adding", || Ok(()), || panic!("there"));
        assert!(matches!(panicked, Err(Error::Internal(m)) if m.contains("adding")));
    }

    #[test]
    fn blocks_come_in_order_and_an_error_or_a_panic_stops_them() {
        let mut seen = Vec::new();
        in_order(
            "counting",
            9,
            |i| Ok(i * 10),
            |b| {
                seen.push(b);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(seen, (0..9).map(|i| i * 10).collect::<Vec<_>>());
        let mut seen = Vec::new();
        let e = in_order(
            "counting",
            9,
            |i| {
                if i == 4 {
                    Err(Error::Corrupt("four".into()))
                } else {
                    Ok(i)
                }
            },
            |b| {
                seen.push(b);
                Ok(())
            },
        );
        assert!(matches!(e, Err(Error::Corrupt(m)) if m == "four"));
        assert_eq!(seen, vec![0, 1, 2, 3]);
        let e = in_order("counting", 9, Ok, |b| {
            if b == 2 {
                Err(Error::Corrupt("taken".into()))
            } else {
                Ok(())
            }
        });
        assert!(matches!(e, Err(Error::Corrupt(m)) if m == "taken"));
        let e = in_order(
            "counting",
            9,
            |i| if i == 5 { panic!("five") } else { Ok(i) },
            |_| Ok(()),
        );
        assert!(matches!(e, Err(Error::Internal(m)) if m.contains("counting")));
    }
}

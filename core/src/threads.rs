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
}

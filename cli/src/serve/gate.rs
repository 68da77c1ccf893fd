//! How many builds run at once, and what they may hold: every table,
//! evaluation, summary or map a request computes passes the gate. A build
//! reserves its estimated size in the memory budget before it starts (the
//! tables kept make room for it), at most `builds` run at once, the others
//! wait in a queue of at most `queue`, and beyond that a request is
//! answered `503 Service Unavailable` with `Retry-After` at once. Fifty
//! image links that differ only in `as_of` thus hold at most the budget,
//! never fifty tables.

use std::cell::Cell;
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

thread_local! {
    /// Permits this thread holds: a build inside a build (an evaluation a
    /// map is coloured by) runs under the outer one's admission, so a
    /// thread never waits for a slot it holds itself.
    static HOLDING: Cell<usize> = const { Cell::new(0) };
}

/// The gate's bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Builds that run at once.
    pub builds: usize,
    /// Requests that wait for a build to finish; beyond them, `503`.
    pub queue: usize,
    /// Bytes of tables kept and built together.
    pub budget: usize,
    /// How long a request waits in the queue before it is answered `503`.
    pub wait: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            // One at a time: a build folds on both cores itself, and two
            // at once held 1 GB more at a burst's peak (benches/serve/burst.sh).
            builds: 1,
            queue: 32,
            budget: 2 << 30,
            wait: Duration::from_secs(30),
        }
    }
}

/// A request the gate did not admit: the queue was full, or it waited its
/// limit. Answered `503` with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    /// Seconds after which a retry may succeed.
    pub retry_after: u64,
}

#[derive(Debug, Default)]
struct Held {
    running: usize,
    waiting: usize,
    /// Bytes reserved by the builds running.
    reserved: usize,
    /// The most builds that ran at once (for tests and the benchmark).
    most_running: usize,
    /// Builds started so far.
    started: u64,
}

/// The gate of one server.
pub struct Gate {
    limits: Limits,
    held: Mutex<Held>,
    freed: Condvar,
}

/// A build's admission: its reservation is released when it is dropped.
pub struct Permit<'a> {
    /// `None` for a build inside one this thread runs already.
    gate: Option<&'a Gate>,
    reserved: usize,
}

impl Gate {
    /// A gate admitting builds within `limits`.
    pub fn new(limits: Limits) -> Gate {
        Gate {
            limits,
            held: Mutex::new(Held::default()),
            freed: Condvar::new(),
        }
    }

    /// The limits it admits builds within.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Admits a build that may hold `estimate` bytes: at once when a build
    /// slot is free and the budget has room for it beside the builds
    /// running (a build larger than the budget runs alone), after a wait
    /// otherwise.
    ///
    /// # Errors
    /// [`Busy`] when the queue is full or the wait runs out.
    pub fn enter(&self, estimate: usize) -> Result<Permit<'_>, Busy> {
        if HOLDING.get() > 0 {
            HOLDING.set(HOLDING.get() + 1);
            return Ok(Permit {
                gate: None,
                reserved: 0,
            });
        }
        let busy = Busy {
            retry_after: self.limits.wait.as_secs().clamp(1, 5),
        };
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let fits = |h: &Held| {
            h.running < self.limits.builds
                && (h.running == 0 || h.reserved.saturating_add(estimate) <= self.limits.budget)
        };
        if !fits(&held) {
            if held.waiting >= self.limits.queue {
                return Err(busy);
            }
            held.waiting += 1;
            let (after, timeout) = self
                .freed
                .wait_timeout_while(held, self.limits.wait, |h| !fits(h))
                .unwrap_or_else(PoisonError::into_inner);
            held = after;
            held.waiting -= 1;
            if timeout.timed_out() && !fits(&held) {
                return Err(busy);
            }
        }
        held.running += 1;
        held.started += 1;
        held.most_running = held.most_running.max(held.running);
        held.reserved = held.reserved.saturating_add(estimate);
        HOLDING.set(1);
        Ok(Permit {
            gate: Some(self),
            reserved: estimate,
        })
    }

    /// Bytes the builds running have reserved.
    pub fn reserved(&self) -> usize {
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .reserved
    }

    /// Measures what `build` holds at its peak, in bytes, beyond the
    /// resident size it started from: the process's peak resident size is
    /// reset before it and read after (Linux), when no other build ran
    /// meanwhile; `None` otherwise. A table's build holds far more than the
    /// table it leaves (the records as of its date, folded), and this is
    /// what its kind reserves next time.
    pub fn measure<T>(&self, build: impl FnOnce() -> T) -> (T, Option<usize>) {
        let alone = |h: &Held| h.running == 1;
        let at_start = {
            let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
            (alone(&held) && reset_peak()).then_some(held.started)
        };
        let before = at_start.and_then(|_| resident());
        let out = build();
        let after = resident();
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let peak = match (at_start, before, after) {
            (Some(started), Some((rss, _)), Some((_, hwm)))
                if held.started == started && alone(&held) =>
            {
                Some(hwm.saturating_sub(rss))
            }
            _ => None,
        };
        (out, peak)
    }

    /// The most builds that ran at once so far.
    pub fn most_running(&self) -> usize {
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .most_running
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        HOLDING.set(HOLDING.get().saturating_sub(1));
        let Some(gate) = self.gate else {
            return;
        };
        let idle = {
            let mut held = gate.held.lock().unwrap_or_else(PoisonError::into_inner);
            held.running -= 1;
            held.reserved = held.reserved.saturating_sub(self.reserved);
            held.running == 0 && held.waiting == 0
        };
        gate.freed.notify_all();
        if idle {
            give_back_memory();
        }
    }
}

/// Keeps the allocator from spreading a server's builds over many arenas:
/// glibc gives each thread that allocates at once an arena of its own
/// (up to eight per core), and the memory a build freed in one is not
/// reused by the next build on another thread. Two arenas serve a few
/// builds at a time. Call once, before serving.
pub fn few_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt sets a tunable of the allocator; M_ARENA_MAX takes
    // effect for arenas made from now on and touches no live block.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Resets the process's peak resident size (`VmHWM`); false where it
/// cannot.
fn reset_peak() -> bool {
    cfg!(target_os = "linux") && std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The process's resident size now and at its peak, in bytes.
fn resident() -> Option<(usize, usize)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
            .map(|kb| kb * 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// After a build, hands the memory it freed back to the system: glibc's
/// allocator keeps freed pages of its arenas for reuse, so a server's
/// resident size would stay at its peak.
fn give_back_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory of the allocator's
    // arenas to the system; it takes no pointer and touches no live block.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::{Busy, Gate, Limits};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Barrier;
    use std::time::Duration;

    /// Whether another thread is refused by `gate` now.
    fn refused_elsewhere(gate: &Gate) -> bool {
        std::thread::scope(|s| s.spawn(|| gate.enter(1).is_err()).join().unwrap())
    }

    fn gate(builds: usize, queue: usize, budget: usize) -> Gate {
        Gate::new(Limits {
            builds,
            queue,
            budget,
            wait: Duration::from_secs(10),
        })
    }

    #[test]
    fn no_more_builds_run_than_the_cap_and_the_queue_beyond_is_refused() {
        let gate = gate(2, 3, usize::MAX);
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let refused = AtomicUsize::new(0);
        let start = Barrier::new(10);
        std::thread::scope(|s| {
            for _ in 0..10 {
                s.spawn(|| {
                    start.wait();
                    match gate.enter(1) {
                        Ok(_permit) => {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            // Long enough that all ten have asked meanwhile.
                            std::thread::sleep(Duration::from_secs(1));
                            running.fetch_sub(1, Ordering::SeqCst);
                        }
                        Err(Busy { retry_after }) => {
                            assert!(retry_after >= 1);
                            refused.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                });
            }
        });
        assert_eq!(most.load(Ordering::SeqCst), 2);
        assert_eq!(gate.most_running(), 2);
        // Two ran, three waited their turn, five found the queue full.
        assert_eq!(refused.load(Ordering::SeqCst), 5);
        assert_eq!(gate.reserved(), 0);
    }

    #[test]
    fn a_build_reserves_its_estimate_before_it_runs_and_waits_for_room() {
        let gate = gate(4, 8, 100);
        let first = gate.enter(60).unwrap();
        assert_eq!(gate.reserved(), 60, "reserved before the build runs");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::scope(|s| {
            s.spawn(|| {
                let second = gate.enter(60).unwrap();
                tx.send(gate.reserved()).unwrap();
                drop(second);
            });
            // The second does not fit beside the first: it waits.
            assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
            drop(first);
            assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), 60);
        });
        // One larger than the whole budget runs alone.
        let huge = gate.enter(1000).unwrap();
        assert_eq!(gate.reserved(), 1000);
        drop(huge);
        assert_eq!(gate.reserved(), 0);
    }

    #[test]
    fn a_build_inside_a_build_runs_under_the_outer_admission() {
        let gate = gate(1, 0, usize::MAX);
        let outer = gate.enter(10).unwrap();
        let inner = gate.enter(10).expect("the thread holds the only slot");
        assert_eq!(gate.reserved(), 10);
        drop(inner);
        drop(outer);
        assert_eq!(gate.reserved(), 0);
        // Another thread is refused while one holds the only slot.
        let _held = gate.enter(1).unwrap();
        assert!(refused_elsewhere(&gate));
    }

    #[test]
    fn a_wait_that_runs_out_is_refused() {
        let gate = Gate::new(Limits {
            builds: 1,
            queue: 4,
            budget: usize::MAX,
            wait: Duration::from_millis(50),
        });
        let _held = gate.enter(1).unwrap();
        assert!(refused_elsewhere(&gate));
    }
}

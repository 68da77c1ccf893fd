//! What a unit of work has written and not yet committed, with savepoints.
//!
//! Every write method of [`super::Writer`] runs as a statement: it takes a
//! savepoint first and, if it fails, rolls back to it, so a refused write
//! leaves the unit exactly as it was (statement atomicity, as in `SQLite`). The
//! savepoints nest: a write method may call another, and an import's step
//! ([`super::Writer::attempt`]) wraps them. Each change made while a
//! savepoint is open is remembered in an undo log, which is dropped when
//! the outermost savepoint is released.

use std::collections::HashMap;
use std::sync::Arc;

use crate::changes::{Changed, Lookup, PendingRun};
use crate::engine::Policy;
use crate::record::{PerLedger, Record};
use crate::storage::{Batch, Tree};

/// The pending state of one unit of work.
#[derive(Default)]
pub(crate) struct Pending {
    /// Values stored at commit besides the events (the clock, policies,
    /// programme totals); the counters, runs and index are added by
    /// [`super::Writer::finish`].
    pub(crate) batch: Batch,
    /// The policies in force in this unit.
    pub(crate) policy: Policy,
    /// The last event id of the last run, while the next event may extend it.
    pub(crate) run: Option<u64>,
    /// Every run of events this unit wrote, in order.
    pub(crate) runs: Vec<PendingRun>,
    /// The events the runs hold, counted as they are appended (an import
    /// asks after every row: a sum over the runs would make it quadratic).
    pub(crate) events: u64,
    /// The new states of the records this unit changed (only their events
    /// are stored): read back by the unit and handed to the in-memory view
    /// at commit.
    pub(crate) records: PerLedger<Changed>,
    /// The id counters this unit moved: key and next id. A handful (the
    /// event counter and one per kind), so a list: moving one again, once
    /// per event, allocates nothing.
    pub(crate) counters: Vec<(Vec<u8>, u64)>,
    /// The unique codes this unit took: (lookup family, code) → entity.
    pub(crate) codes: HashMap<(u8, Vec<u8>), u64>,
    /// Lookups this unit's events added for good.
    pub(crate) history: Vec<Lookup>,
    /// The unique codes records this unit changed held before (as they
    /// were committed, or as an earlier change in this unit left them):
    /// what the codes kept beside a kind not loaded let go at commit
    /// (`cache::CodesAlone`).
    pub(crate) released: Vec<Lookup>,
    /// Where the unit's rows begin: (first event id, place + 1, row), see
    /// [`crate::provenance::UnitSource::marks`].
    pub(crate) marks: Vec<(u64, u32, u64)>,
    /// Each entity's runs, for the few reads of an entity's pending events
    /// (history entered late, a void): built when first asked for and kept
    /// up after, so that such a read costs the entity's runs, not the
    /// unit's (an import entering a million rows late would otherwise be
    /// quadratic).
    by_entity: RunIndex,
    undo: Vec<Undo>,
    open: usize,
}

/// Each entity's runs in a unit: its last, and for each run indexed the
/// same entity's run before it.
#[derive(Default)]
struct RunIndex {
    last: HashMap<(u8, u64), usize>,
    /// One per run indexed (the first `prev.len()` runs).
    prev: Vec<Option<usize>>,
}

/// A change, and what to put back to undo it.
enum Undo {
    Put {
        key: (Tree, Vec<u8>),
        /// The key's pending entry before (`None`: it had none; an entry
        /// is itself `None` for a removal).
        #[allow(clippy::option_option)]
        before: Option<Option<Vec<u8>>>,
    },
    /// Puts a record's state back as it was.
    Record(Restore),
    /// The counter at this index of the list moved from `before`.
    Counter {
        index: usize,
        before: u64,
    },
    /// A counter was added at the end of the list.
    CounterAdded,
    Code {
        key: (u8, Vec<u8>),
        before: Option<u64>,
    },
    Policy(Policy),
}

/// Puts one record's state in a unit's changed records back as it was.
type Restore = Box<dyn FnOnce(&mut PerLedger<Changed>) + Send>;

/// The address of each changed record's state, by (kind, id): a rollback
/// puts back the very value that was there.
fn addresses<R: Record>(all: &PerLedger<Changed>) -> Vec<((u8, u64), usize)> {
    R::mine(all)
        .iter()
        .map(|(id, v)| ((R::KIND, *id), Arc::as_ptr(v).cast::<()>() as usize))
        .collect()
}

/// Where a unit stood when a savepoint was taken.
#[must_use = "a savepoint is released or rolled back"]
pub(crate) struct Savepoint {
    undo: usize,
    runs: usize,
    last_run_len: Option<(usize, u64)>,
    history: usize,
    released: usize,
    marks: usize,
    run: Option<u64>,
    events: u64,
}

impl Pending {
    pub(crate) fn new(policy: Policy) -> Pending {
        Pending {
            policy,
            ..Pending::default()
        }
    }

    fn remember(&mut self, undo: impl FnOnce() -> Undo) {
        if self.open > 0 {
            self.undo.push(undo());
        }
    }

    /// Stores `value` under `key` at commit.
    pub(crate) fn put(&mut self, tree: Tree, key: Vec<u8>, value: Vec<u8>) {
        let key = (tree, key);
        if self.open > 0 {
            let before = self.batch.ops.get(&key).cloned();
            self.undo.push(Undo::Put {
                key: key.clone(),
                before,
            });
        }
        self.batch.ops.insert(key, Some(value));
    }

    /// The value this unit will store under `key`, if it wrote one.
    pub(crate) fn get(&self, tree: Tree, key: &[u8]) -> Option<&Option<Vec<u8>>> {
        self.batch.ops.get(&(tree, key.to_vec()))
    }

    /// Keeps a record's new state.
    pub(crate) fn put_record<R: Record>(&mut self, id: u64, value: Arc<R>) {
        let before = R::mine_mut(&mut self.records).insert(id, value);
        self.remember(|| {
            Undo::Record(Box::new(move |records| {
                let records = R::mine_mut(records);
                match before {
                    Some(v) => records.insert(id, v),
                    None => records.remove(&id),
                };
            }))
        });
    }

    /// The next id of a counter this unit moved.
    pub(crate) fn counter(&self, key: &[u8]) -> Option<u64> {
        self.counters
            .iter()
            .find(|(k, _)| k.as_slice() == key)
            .map(|(_, next)| *next)
    }

    /// Moves a counter to `next`.
    pub(crate) fn set_counter(&mut self, key: &[u8], next: u64) {
        match self.counters.iter().position(|(k, _)| k.as_slice() == key) {
            Some(index) => {
                let before = std::mem::replace(&mut self.counters[index].1, next);
                self.remember(|| Undo::Counter { index, before });
            }
            None => {
                self.counters.push((key.to_vec(), next));
                self.remember(|| Undo::CounterAdded);
            }
        }
    }

    /// Takes a unique code for an entity.
    pub(crate) fn take_code(&mut self, family: u8, code: &[u8], entity: u64) {
        let key = (family, code.to_vec());
        let before = self.codes.insert(key.clone(), entity);
        self.remember(|| Undo::Code { key, before });
    }

    pub(crate) fn set_policy(&mut self, policy: Policy) {
        let before = std::mem::replace(&mut self.policy, policy);
        self.remember(|| Undo::Policy(before));
    }

    /// Starts a statement: its changes can be rolled back until it is
    /// released.
    pub(crate) fn savepoint(&mut self) -> Savepoint {
        self.open += 1;
        Savepoint {
            undo: self.undo.len(),
            runs: self.runs.len(),
            last_run_len: self.runs.last().map(|r| (r.bytes.len(), r.count)),
            history: self.history.len(),
            released: self.released.len(),
            marks: self.marks.len(),
            run: self.run,
            events: self.events,
        }
    }

    /// How many savepoints are open.
    pub(crate) fn depth(&self) -> usize {
        self.open
    }

    /// Keeps the statement's changes.
    pub(crate) fn release(&mut self, _point: Savepoint) {
        self.open -= 1;
        if self.open == 0 {
            self.undo.clear();
        }
    }

    /// Undoes every change since the savepoint.
    pub(crate) fn rollback(&mut self, point: Savepoint) {
        for undo in self.undo.drain(point.undo..).rev() {
            match undo {
                Undo::Put { key, before } => match before {
                    Some(entry) => {
                        self.batch.ops.insert(key, entry);
                    }
                    None => {
                        self.batch.ops.remove(&key);
                    }
                },
                Undo::Record(restore) => restore(&mut self.records),
                Undo::Counter { index, before } => self.counters[index].1 = before,
                Undo::CounterAdded => {
                    self.counters.pop();
                }
                Undo::Code { key, before } => match before {
                    Some(v) => {
                        self.codes.insert(key, v);
                    }
                    None => {
                        self.codes.remove(&key);
                    }
                },
                Undo::Policy(p) => self.policy = p,
            }
        }
        // The index forgets the runs rolled back, last first.
        while self.by_entity.prev.len() > point.runs {
            let at = self.by_entity.prev.len() - 1;
            let run = &self.runs[at];
            match self.by_entity.prev.pop().flatten() {
                Some(before) => self.by_entity.last.insert((run.kind, run.entity), before),
                None => self.by_entity.last.remove(&(run.kind, run.entity)),
            };
        }
        self.runs.truncate(point.runs);
        self.events = point.events;
        if let (Some(last), Some((len, count))) = (self.runs.last_mut(), point.last_run_len) {
            last.bytes.truncate(len);
            last.count = count;
        }
        self.history.truncate(point.history);
        self.released.truncate(point.released);
        self.marks.truncate(point.marks);
        self.run = point.run;
        self.open -= 1;
        if self.open == 0 {
            self.undo.clear();
        }
    }

    /// The runs of one entity this unit wrote, in order.
    pub(crate) fn runs_of(&mut self, kind: u8, entity: u64) -> Vec<&PendingRun> {
        let index = &mut self.by_entity;
        super::work::visited(self.runs.len() - index.prev.len());
        for (at, run) in self.runs.iter().enumerate().skip(index.prev.len()) {
            index
                .prev
                .push(index.last.insert((run.kind, run.entity), at));
        }
        let mut at = index.last.get(&(kind, entity)).copied();
        let mut out = Vec::new();
        while let Some(i) = at {
            out.push(&self.runs[i]);
            at = index.prev[i];
        }
        out.reverse();
        super::work::visited(out.len());
        out
    }

    /// Every part of the pending state, in a stable order, for tests that
    /// compare it before and after a refused write. A record's state is
    /// named by the address of its shared value: a rollback puts back the
    /// very value that was there.
    pub(crate) fn digest(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(out, "batch {:?}", self.batch.ops);
        let _ = writeln!(out, "policy {:?}", self.policy);
        let _ = writeln!(out, "run {:?}", self.run);
        for r in &self.runs {
            let _ = writeln!(
                out,
                "run kind {} entity {} first {} count {} {:?}",
                r.kind, r.entity, r.first, r.count, r.bytes
            );
        }
        let records: Vec<_> = [
            addresses::<crate::land::Parcel>(&self.records),
            addresses::<crate::enterprise::Enterprise>(&self.records),
            addresses::<crate::fund::Programme>(&self.records),
            addresses::<crate::fund::Application>(&self.records),
            addresses::<crate::indicators::Indicator>(&self.records),
        ]
        .concat();
        let _ = writeln!(out, "records {records:?}");
        let _ = writeln!(out, "counters {:?}", self.counters);
        let mut codes: Vec<_> = self.codes.iter().collect();
        codes.sort_unstable();
        let _ = writeln!(out, "codes {codes:?}");
        let _ = writeln!(out, "history {:?}", self.history);
        let _ = writeln!(out, "released {:?}", self.released);
        let _ = writeln!(out, "marks {:?}", self.marks);
        let _ = writeln!(out, "open {}", self.open);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::{Pending, PendingRun};
    use crate::engine::Policy;

    fn run(first: u64, entity: u64) -> PendingRun {
        PendingRun {
            first,
            kind: 1,
            entity,
            count: 1,
            bytes: Vec::new(),
        }
    }

    fn firsts(p: &mut Pending, entity: u64) -> Vec<u64> {
        p.runs_of(1, entity).iter().map(|r| r.first).collect()
    }

    #[test]
    fn an_entitys_runs_are_found_in_order_and_forgotten_when_rolled_back() {
        let mut p = Pending::new(Policy::default());
        p.runs.extend([run(1, 7), run(2, 8), run(3, 7)]);
        assert_eq!(firsts(&mut p, 7), [1, 3]);
        let point = p.savepoint();
        p.runs.extend([run(4, 8), run(5, 7)]);
        assert_eq!(firsts(&mut p, 7), [1, 3, 5]);
        assert_eq!(firsts(&mut p, 8), [2, 4]);
        p.rollback(point);
        assert_eq!(firsts(&mut p, 7), [1, 3]);
        assert_eq!(firsts(&mut p, 8), [2]);
        // Runs added after the rollback are indexed when next asked for.
        p.runs.extend([run(6, 9), run(7, 8)]);
        assert_eq!(firsts(&mut p, 8), [2, 7]);
        assert_eq!(firsts(&mut p, 9), [6]);
        // Rolled back before they were indexed: nothing to forget.
        let point = p.savepoint();
        p.runs.push(run(8, 9));
        p.rollback(point);
        assert_eq!(firsts(&mut p, 9), [6]);
        assert!(firsts(&mut p, 10).is_empty());
    }
}

//! What the server holds: a read-only snapshot of the database, and what
//! requests computed from it (tables, the rows a selection keeps,
//! evaluations), kept until the next refresh.

use std::fmt::Write as _;
use std::hash::Hash;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};

use chrono::{DateTime, NaiveDate, Utc};

use super::gate::{Busy, Gate};
use super::grid::{Grid, Selection};
use super::Problem;
use parkdb::land::LandSummary;
use parkdb::report::AnnualReport;
use parkdb::scheme::Scores;
use parkdb::tables::Named;
use parkdb::{Db, View};

/// The horizon a request reads under: a date (default today) and, if
/// given, a moment of what was known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reading {
    pub as_of: NaiveDate,
    pub known_at: Option<DateTime<Utc>>,
}

impl Reading {
    pub fn view<'a>(&self, db: &'a Db) -> View<'a> {
        known(db, self.known_at).as_of(self.as_of)
    }
}

/// What `db` knew at `known_at`, or knows now.
fn known(db: &Db, known_at: Option<DateTime<Utc>>) -> View<'_> {
    match known_at {
        Some(t) => db.as_known_at(t),
        None => db.now(),
    }
}

/// A few recent results, the least recently used dropped first: at most
/// `capacity` of them, weighing at most `budget` together (a table of a
/// province's events weighs gigabytes; one over the budget is kept alone).
struct Recent<K, V> {
    entries: Vec<(K, V, usize)>,
    capacity: usize,
    budget: usize,
}

impl<K: PartialEq, V: Clone> Recent<K, V> {
    fn new(capacity: usize, budget: usize) -> Self {
        Recent {
            entries: Vec::new(),
            capacity,
            budget,
        }
    }

    fn get(&mut self, key: &K) -> Option<V> {
        let i = self.entries.iter().position(|(k, _, _)| k == key)?;
        let entry = self.entries.remove(i);
        let value = entry.1.clone();
        self.entries.insert(0, entry);
        Some(value)
    }

    fn put(&mut self, key: K, value: V, weight: usize) {
        self.entries.retain(|(k, _, _)| k != &key);
        self.entries.insert(0, (key, value, weight));
        self.entries.truncate(self.capacity);
        self.keep_within_budget();
    }

    /// Sets what the entry of `key` weighs, once it is known.
    fn weigh(&mut self, key: &K, weight: usize) {
        if let Some(entry) = self.entries.iter_mut().find(|(k, _, _)| k == key) {
            entry.2 = weight;
        }
        self.keep_within_budget();
    }

    /// How many of the most recently used entries weigh at most `limit`
    /// together (`None`: all of them).
    fn within(&self, limit: usize) -> Option<usize> {
        let mut total = 0usize;
        self.entries.iter().position(|(_, _, w)| {
            total = total.saturating_add(*w);
            total > limit
        })
    }

    /// Drops the least recently used entries until those kept weigh at
    /// most `limit` (all of them, if need be): room for builds running.
    fn shrink_to(&mut self, limit: usize) {
        if let Some(keep) = self.within(limit) {
            self.entries.truncate(keep);
        }
    }

    fn keep_within_budget(&mut self) {
        if let Some(keep) = self.within(self.budget) {
            // One over the budget is kept alone.
            self.entries.truncate(keep.max(1));
        }
    }
}

/// What a kept value weighs, in bytes.
trait Weight {
    fn weight(&self) -> usize;
}

impl Weight for Arc<Grid> {
    fn weight(&self) -> usize {
        self.batch.get_array_memory_size()
    }
}

impl Weight for Arc<Vec<u32>> {
    fn weight(&self) -> usize {
        self.len() * std::mem::size_of::<u32>()
    }
}

macro_rules! light {
    ($($t:ty),*) => { $(impl Weight for $t { fn weight(&self) -> usize { 0 } })* };
}

// Evaluations, summaries and reports are small beside the tables they
// are read from; their count bounds them.
light!(Arc<Scores>, Arc<LandSummary>, Arc<AnnualReport>);

/// Computes a value once for its key, keeping the most recent ones.
/// Requests that ask for a key being computed wait for that computation
/// (fifty clients opening a cold table read it once, not fifty times); a
/// computation that fails leaves the key to the next request.
struct Memo<K, V>(Mutex<Recent<K, Slot<V>>>);

/// A key's value, or nothing yet while the first request computes it.
type Slot<V> = Arc<Mutex<Option<V>>>;

impl<K: PartialEq + Clone, V: Clone + Weight> Memo<K, V> {
    fn new(capacity: usize, budget: usize) -> Self {
        Memo(Mutex::new(Recent::new(capacity, budget)))
    }

    /// The value of `key`, computed by `make` through the gate when no
    /// request has computed it: `estimate` bytes reserved in the budget
    /// first, the values kept shrunk to make room beside the builds
    /// running.
    fn get_or<E: From<Busy>>(
        &self,
        gate: Option<&Gate>,
        estimate: usize,
        key: &K,
        make: impl FnOnce() -> std::result::Result<V, E>,
    ) -> std::result::Result<V, E> {
        let slot = {
            let mut recent = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            recent.get(key).unwrap_or_else(|| {
                let slot = Slot::default();
                recent.put(key.clone(), slot.clone(), 0);
                slot
            })
        };
        let mut held = slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(v) = &*held {
            return Ok(v.clone());
        }
        let permit = gate.map(|g| g.enter(estimate)).transpose()?;
        if let Some(gate) = gate.filter(|_| estimate > 0) {
            let room = gate.limits().budget.saturating_sub(gate.reserved());
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .shrink_to(room);
        }
        let v = make()?;
        *held = Some(v.clone());
        drop(held);
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .weigh(key, v.weight());
        drop(permit);
        Ok(v)
    }
}

/// Bytes of tables a snapshot keeps (beyond them, the least recently used
/// are read again when asked for).
const TABLE_BUDGET: usize = 2 << 30;
/// Bytes of selections (row numbers) a snapshot keeps.
const SELECTION_BUDGET: usize = 512 << 20;

/// A table's identity: which table, under which horizon, for which year.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TableKey {
    Named(Named, Reading, Option<i32>),
    Evaluation(String, i32, Option<DateTime<Utc>>),
}

impl TableKey {
    /// The table's kind, whatever its horizon: tables of one kind weigh
    /// alike.
    fn kind(&self) -> String {
        match self {
            TableKey::Named(named, _, _) => format!("{named:?}"),
            TableKey::Evaluation(scheme, ..) => format!("evaluation {scheme}"),
        }
    }
}

/// An evaluation's identity: the scheme, the year, what was known when.
type EvaluationKey = (String, i32, Option<DateTime<Utc>>);

/// What a request's read returns: the value, or the problem to answer
/// (a bad request, a storage error, the server too busy).
pub type Read<T> = std::result::Result<T, Problem>;

/// One read-only snapshot of the database and what was read from it.
pub struct Snapshot {
    pub db: Db,
    pub taken_at: DateTime<Utc>,
    /// The server's gate, shared by every snapshot it takes.
    gate: Arc<Gate>,
    /// The most a table of each kind weighed so far: the estimate a build
    /// of it reserves.
    weighed: Mutex<std::collections::HashMap<String, usize>>,
    grids: Memo<TableKey, Arc<Grid>>,
    selections: Memo<(TableKey, Selection), Arc<Vec<u32>>>,
    evaluations: Memo<EvaluationKey, Arc<Scores>>,
    summaries: Memo<Reading, Arc<LandSummary>>,
    reports: Memo<(i32, Option<DateTime<Utc>>), Arc<AnnualReport>>,
    latest: OnceLock<Option<i32>>,
}

impl Snapshot {
    fn new(db: Db, gate: Arc<Gate>) -> Snapshot {
        Snapshot {
            db,
            taken_at: Utc::now(),
            gate,
            weighed: Mutex::default(),
            grids: Memo::new(12, TABLE_BUDGET),
            selections: Memo::new(32, SELECTION_BUDGET),
            evaluations: Memo::new(16, usize::MAX),
            summaries: Memo::new(32, usize::MAX),
            reports: Memo::new(16, usize::MAX),
            latest: OnceLock::new(),
        }
    }

    /// A table, read once per key, through the gate: it reserves what a
    /// table of its kind weighed before (a share of the budget, for the
    /// first).
    ///
    /// # Errors
    /// Storage errors; the server too busy.
    pub fn grid(&self, key: &TableKey) -> Read<Arc<Grid>> {
        // An evaluation's table is made from the evaluation, computed
        // (through the gate) before the table's own build.
        let evaluation = match key {
            TableKey::Evaluation(scheme, year, known_at) => {
                Some(self.evaluation(scheme, *year, *known_at)?)
            }
            TableKey::Named(..) => None,
        };
        let kind = key.kind();
        let estimate = self
            .weighed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&kind)
            .copied()
            .unwrap_or_else(|| {
                let limits = self.gate.limits();
                limits.budget / limits.builds.max(1)
            });
        let measured = std::cell::Cell::new(None);
        let grid = self.grids.get_or(Some(&self.gate), estimate, key, || {
            let (batch, peak) = self.gate.measure(|| self.table(key, evaluation.as_deref()));
            measured.set(peak);
            Ok::<_, Problem>(Arc::new(Grid::new(batch?)))
        })?;
        // What a table of its kind holds next time: its peak while built,
        // where that was measured, and never less than the table itself.
        let peak = measured.get().unwrap_or(0);
        let weight = grid.weight().max(peak);
        let mut weighed = self.weighed.lock().unwrap_or_else(PoisonError::into_inner);
        let most = weighed.entry(kind).or_default();
        *most = (*most).max(weight);
        Ok(grid)
    }

    /// A table's batch, as its key names it.
    fn table(&self, key: &TableKey, evaluation: Option<&Scores>) -> Read<arrow_array::RecordBatch> {
        Ok(match (key, evaluation) {
            (TableKey::Named(named, reading, year), _) => {
                named.read(&reading.view(&self.db), *year)?
            }
            (TableKey::Evaluation(scheme, ..), Some(eval)) => {
                let s = parkdb::scheme::preset(scheme)?;
                let metrics: Vec<_> = s.items.iter().map(|i| i.metric).collect();
                parkdb::tables::evaluation_batch(eval, &metrics)?
            }
            (TableKey::Evaluation(..), None) => unreachable!("evaluated above"),
        })
    }

    /// Runs a build no request keeps (a map) through the gate.
    ///
    /// # Errors
    /// Whatever `make` returns; the server too busy.
    pub fn build<T>(&self, make: impl FnOnce() -> Read<T>) -> Read<T> {
        let _permit = self.gate.enter(0)?;
        make()
    }

    /// The rows of a table a selection keeps, in its order.
    ///
    /// # Errors
    /// A message for a bad column; storage errors as [`Snapshot::grid`].
    pub fn selection(
        &self,
        key: &TableKey,
        selection: &Selection,
    ) -> std::result::Result<(Arc<Grid>, Arc<Vec<u32>>), super::Problem> {
        let grid = self.grid(key)?;
        let rows = self
            .selections
            // Not through the gate: the table is built, and a request that
            // queued here would hold it while others are built.
            .get_or(None, 0, &(key.clone(), selection.clone()), || {
                grid.select(selection)
                    .map(Arc::new)
                    .map_err(super::Problem::bad_request)
            })?;
        Ok((grid, rows))
    }

    /// An evaluation by a preset scheme, computed once.
    ///
    /// # Errors
    /// [`parkdb::Error::Validation`] for an unknown scheme or year; storage errors.
    pub fn evaluation(
        &self,
        scheme: &str,
        year: i32,
        known_at: Option<DateTime<Utc>>,
    ) -> Read<Arc<Scores>> {
        self.evaluations.get_or(
            Some(&self.gate),
            0,
            &(scheme.to_owned(), year, known_at),
            || {
                let s = parkdb::scheme::preset(scheme)?;
                Ok(known(&self.db, known_at).scores(&s, year).map(Arc::new)?)
            },
        )
    }

    /// The land figures under a reading, computed once.
    ///
    /// # Errors
    /// Storage errors.
    pub fn land_summary(&self, reading: &Reading) -> Read<Arc<LandSummary>> {
        self.summaries.get_or(Some(&self.gate), 0, reading, || {
            Ok(reading.view(&self.db).land_summary().map(Arc::new)?)
        })
    }

    /// The annual report of a year as known at a moment (or now), computed once.
    ///
    /// # Errors
    /// Storage errors; [`parkdb::Error::Validation`] for a year out of range.
    pub fn annual_report(
        &self,
        year: i32,
        known_at: Option<DateTime<Utc>>,
    ) -> Read<Arc<AnnualReport>> {
        self.reports
            .get_or(Some(&self.gate), 0, &(year, known_at), || {
                Ok(known(&self.db, known_at)
                    .annual_report(year)
                    .map(Arc::new)?)
            })
    }

    /// The latest year the ledgers have figures for (capped at this
    /// year): the year the overview opens on.
    pub fn latest_year(&self) -> Option<i32> {
        *self
            .latest
            .get_or_init(|| self.db.now().latest_year_with_data().ok().flatten())
    }
}

/// How long a session lasts (the cookie's `Max-Age` too): a working day.
pub const SESSION_SECONDS: u64 = 12 * 3600;
/// The most sessions held at once; a login beyond ends the oldest.
pub const MAX_SESSIONS: usize = 64;
/// The least time between two refreshes.
pub const REFRESH_SECONDS: u64 = 2;

/// The server's state, shared by every request.
pub struct State {
    pub path: PathBuf,
    current: RwLock<Arc<Snapshot>>,
    /// What every build of every snapshot passes (see [`Gate`]).
    pub gate: Arc<Gate>,
    /// The token every request must carry, when one was set.
    pub token: Option<String>,
    /// Sessions opened by a login link (cookie values) and when each
    /// opened: at most [`MAX_SESSIONS`], each for [`SESSION_SECONDS`].
    sessions: Mutex<Vec<(String, std::time::Instant)>>,
    /// When the last refresh was taken (refreshes are rate-limited).
    last_refresh: Mutex<Option<std::time::Instant>>,
    /// The one-time login code printed at start, until it is used.
    login_code: Mutex<Option<String>>,
    pub templates: minijinja::Environment<'static>,
}

impl State {
    pub fn new(
        path: PathBuf,
        db: Db,
        token: Option<String>,
        templates: minijinja::Environment<'static>,
        limits: super::gate::Limits,
    ) -> parkdb::Result<State> {
        let code = match &token {
            Some(_) => Some(random_hex()?),
            None => None,
        };
        let gate = Arc::new(Gate::new(limits));
        Ok(State {
            path,
            current: RwLock::new(Arc::new(Snapshot::new(db, gate.clone()))),
            gate,
            token,
            sessions: Mutex::new(Vec::new()),
            last_refresh: Mutex::new(None),
            login_code: Mutex::new(code),
            templates,
        })
    }

    /// The snapshot requests read now.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Takes a new snapshot with what writers added since the last one.
    ///
    /// # Errors
    /// As [`Db::refreshed`].
    pub fn refresh(&self) -> parkdb::Result<()> {
        let db = self.snapshot().db.refreshed()?;
        *self
            .last_refresh
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(std::time::Instant::now());
        *self.current.write().unwrap_or_else(PoisonError::into_inner) =
            Arc::new(Snapshot::new(db, self.gate.clone()));
        Ok(())
    }

    /// Seconds to wait before the next refresh may be taken, if one was
    /// taken less than [`REFRESH_SECONDS`] ago: a refresh of a database
    /// a writer has changed copies it and drops the caches (one that has
    /// not changed keeps the snapshot, see [`parkdb::Db::open_read_only`]).
    pub fn refresh_wait(&self) -> Option<u64> {
        let last = (*self
            .last_refresh
            .lock()
            .unwrap_or_else(PoisonError::into_inner))?;
        let since = last.elapsed().as_secs();
        (since < REFRESH_SECONDS).then(|| REFRESH_SECONDS - since)
    }

    /// The one-time login code, while it is unused.
    pub fn login_code(&self) -> Option<String> {
        self.login_code
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Opens a session for a login with the token or the one-time code;
    /// `None` if neither matches.
    pub fn log_in(&self, token: Option<&str>, code: Option<&str>) -> Option<String> {
        let by_token = matches!((&self.token, token), (Some(t), Some(given)) if same(t, given));
        let by_code = {
            let mut held = self
                .login_code
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let ok = matches!((&*held, code), (Some(c), Some(given)) if same(c, given));
            if ok {
                *held = None;
            }
            ok
        };
        if !(by_token || by_code) {
            return None;
        }
        let session = random_hex().ok()?;
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        sessions.retain(|(_, opened)| opened.elapsed().as_secs() < SESSION_SECONDS);
        // The oldest goes when the cap is reached.
        if sessions.len() >= MAX_SESSIONS {
            sessions.remove(0);
        }
        sessions.push((session.clone(), std::time::Instant::now()));
        Some(session)
    }

    /// Whether a request may read: no token set, or it carries the token
    /// as a bearer header, or a session cookie from a login.
    pub fn allows(&self, bearer: Option<&str>, session: Option<&str>) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        bearer.is_some_and(|b| same(token, b))
            || session.is_some_and(|s| {
                self.sessions
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .iter()
                    .any(|(held, opened)| {
                        same(held, s) && opened.elapsed().as_secs() < SESSION_SECONDS
                    })
            })
    }
}

/// Equal texts, compared in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 128 random bits from the operating system, as hex.
fn random_hex() -> parkdb::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| parkdb::Error::Storage(format!("no randomness from the system: {e}")))?;
    Ok(bytes.iter().fold(String::with_capacity(32), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    }))
}

#[cfg(test)]
mod tests {
    use super::{same, Arc, Gate, LandSummary, Memo, Recent};

    #[test]
    fn recent_keeps_the_last_used() {
        let mut r = Recent::new(2, usize::MAX);
        r.put(1, "a", 0);
        r.put(2, "b", 0);
        assert_eq!(r.get(&1), Some("a"));
        r.put(3, "c", 0);
        assert_eq!(r.get(&2), None, "2 was the least recently used");
        assert_eq!(r.get(&1), Some("a"));
        assert_eq!(r.get(&3), Some("c"));
    }

    #[test]
    fn recent_keeps_within_its_budget() {
        let mut r = Recent::new(10, 100);
        r.put(1, "a", 40);
        r.put(2, "b", 40);
        assert_eq!(r.get(&1), Some("a"));
        r.put(3, "c", 40);
        assert_eq!(r.get(&3), Some("c"));
        assert_eq!(r.get(&1), Some("a"), "1 was used after 2");
        assert_eq!(r.get(&2), None, "2 went over the budget");
        r.put(4, "huge", 1000);
        assert_eq!(r.get(&4), Some("huge"), "one over the budget is kept alone");
        assert_eq!(r.get(&1), None);
    }

    #[derive(Debug, PartialEq)]
    struct Refusal(&'static str);

    impl From<super::Busy> for Refusal {
        fn from(_: super::Busy) -> Refusal {
            Refusal("busy")
        }
    }

    #[test]
    fn a_key_asked_for_while_it_is_computed_is_computed_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let memo: Memo<u32, Arc<LandSummary>> = Memo::new(4, usize::MAX);
        let gate = Gate::new(super::super::gate::Limits::default());
        let calls = AtomicUsize::new(0);
        let (started, wait) = std::sync::mpsc::channel();
        std::thread::scope(|scope| {
            let first = scope.spawn(|| {
                memo.get_or(Some(&gate), 0, &1, || {
                    calls.fetch_add(1, Ordering::SeqCst);
                    started.send(()).unwrap();
                    std::thread::sleep(std::time::Duration::from_millis(200));
                    Ok::<_, Refusal>(Arc::new(LandSummary::default()))
                })
            });
            wait.recv().unwrap();
            let second = memo.get_or(Some(&gate), 0, &1, || {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok::<_, Refusal>(Arc::new(LandSummary::default()))
            });
            let first = first.join().unwrap();
            assert!(Arc::ptr_eq(&first.unwrap(), &second.unwrap()));
        });
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // A failed computation leaves the key to the next request.
        assert_eq!(
            memo.get_or(Some(&gate), 0, &2, || Err::<Arc<LandSummary>, _>(Refusal(
                "no"
            ))),
            Err(Refusal("no"))
        );
        assert!(memo
            .get_or(Some(&gate), 0, &2, || Ok::<_, Refusal>(Arc::new(
                LandSummary::default()
            )))
            .is_ok());
    }

    /// A request whose table is built selects its rows without a build
    /// slot: queued behind other builds, it would hold its table meanwhile
    /// (at a burst, every queued request held one).
    #[test]
    fn a_built_tables_rows_are_selected_without_waiting_for_a_slot() {
        use super::{Reading, Snapshot, TableKey};
        use parkdb::tables::Named;
        let db = parkdb::Db::temporary().unwrap();
        parkdb::example::build_seed(&db).unwrap();
        let gate = Arc::new(Gate::new(super::super::gate::Limits {
            builds: 1,
            queue: 0,
            ..super::super::gate::Limits::default()
        }));
        let snap = Snapshot::new(db, gate.clone());
        let reading = Reading {
            as_of: chrono::NaiveDate::from_ymd_opt(2005, 12, 31).unwrap(),
            known_at: None,
        };
        let key = TableKey::Named(Named::Parcels, reading, None);
        let built = snap.grid(&key).unwrap();
        let other = TableKey::Named(Named::Enterprises, reading, None);
        // Another build holds the only slot, and no request may queue.
        let _held = gate.enter(1).unwrap();
        std::thread::scope(|s| {
            let selected = s
                .spawn(|| {
                    snap.selection(&key, &super::Selection::default())
                        .map(|(_, rows)| rows.len())
                })
                .join()
                .unwrap();
            assert_eq!(selected.ok(), Some(built.batch.num_rows()));
            // A table not built yet is refused until the slot is free.
            assert!(s.spawn(|| snap.grid(&other).is_err()).join().unwrap());
        });
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}

//! The integrity check: every entity's stored events fold under the rules
//! (and agree with the in-memory view, if loaded, and with each ledger's
//! checkpoint, if one matches the store), codes are unique, every stored
//! index entry points at what it should, and back.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::counts;
use crate::engine::Engine;
use crate::enterprise::Enterprise;
use crate::error::Result;
use crate::event::Horizon;
use crate::fund::{Application, Programme};
use crate::indicators::Indicator;
use crate::land::Parcel;
use crate::record::{self, Record};
use crate::storage::{codec, keys, Tree};

/// What [`crate::Db::check`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Records checked.
    pub records: u64,
    /// Events checked.
    pub events: u64,
    /// Index entries checked.
    pub index_entries: u64,
    /// Each problem, said plainly; empty when the database is sound.
    pub problems: Vec<String>,
    /// What the ledgers say that a person should look at, though nothing
    /// is damaged: parcels whose surveyed area differs from the registered
    /// one beyond the tolerance, parcels whose boundaries overlap, an
    /// agreed start before the supply.
    pub findings: Vec<Finding>,
}

/// A finding of [`CheckReport::findings`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// `area_mismatch`, `overlap`, `start_before_supply` or
    /// `plot_ratio_swapped`.
    pub kind: &'static str,
    /// The parcels concerned.
    pub parcels: Vec<crate::land::ParcelId>,
    /// The finding, said plainly.
    pub message: String,
}

impl CheckReport {
    /// True when no problem was found.
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

#[derive(Default)]
struct Expected {
    entities: BTreeSet<(u8, u64)>,
    /// Unique codes seen so far, and the record holding each.
    codes: BTreeMap<(u8, Vec<u8>), u64>,
    /// Awards committed per programme, in fen, summed over the applications.
    committed: BTreeMap<u64, i64>,
}

/// Checks the whole database under `engine` (see [`crate::Db::check`]).
pub(crate) fn check(engine: &Engine) -> Result<CheckReport> {
    engine.ready()?;
    let _read = engine.read_guard();
    let store = engine.store.as_ref();
    let mut report = CheckReport::default();
    let mut expected = Expected::default();
    check_kind::<Parcel>(engine, &mut report, &mut expected)?;
    check_kind::<Enterprise>(engine, &mut report, &mut expected)?;
    check_kind::<Programme>(engine, &mut report, &mut expected)?;
    check_kind::<Application>(engine, &mut report, &mut expected)?;
    check_kind::<Indicator>(engine, &mut report, &mut expected)?;

    // Only events, their index and counters are stored: a stored
    // state (format 2 kept them) is stray.
    store.for_each_prefix(Tree::Records, &[], &mut |k, _| {
        report
            .problems
            .push(format!("stored record {k:?}: parkdb stores only events"));
        Ok(true)
    })?;

    // Every event belongs to a record; every block value holds runs of
    // its own block's entities, the first named in its key, in order;
    // every run (the events one unit of work recorded in a row for one
    // entity) is indexed by its first id.
    let mut runs: BTreeMap<u64, (u8, u64)> = BTreeMap::new();
    let mut per_kind: BTreeMap<u8, u64> = BTreeMap::new();
    let mut max_event = 0;
    store.for_each_prefix(Tree::Events, &[], &mut |k, v| {
        let (kind, block, first) = match keys::decode_event(k) {
            Ok(key) => key,
            Err(e) => {
                report.problems.push(format!("event key {k:?}: {e}"));
                return Ok(true);
            }
        };
        let block_runs = match codec::decode_block(v) {
            Ok(r) => r,
            Err(e) => {
                report.problems.push(format!("events at {k:?}: {e}"));
                return Ok(true);
            }
        };
        if block_runs[0].first != first || block_runs.windows(2).any(|w| w[0].first >= w[1].first) {
            report.problems.push(format!(
                "the runs stored under event #{first} do not start with it in order"
            ));
        }
        for r in block_runs {
            if keys::block_of(r.entity) != block || !expected.entities.contains(&(kind, r.entity)) {
                report.problems.push(format!(
                    "event #{} belongs to kind {kind} id {}, stored out of place",
                    r.first, r.entity
                ));
            }
            let ids = record::run_ids(kind, r.first, r.run).unwrap_or_default();
            if ids.first() != Some(&r.first) || ids.windows(2).any(|w| w[0] >= w[1]) {
                report.problems.push(format!(
                    "the events of the run at event #{} do not start with it in order",
                    r.first
                ));
            }
            report.events += ids.len().max(1) as u64;
            *per_kind.entry(kind).or_default() += ids.len() as u64;
            runs.insert(r.first, (kind, r.entity));
            max_event = max_event.max(ids.last().copied().unwrap_or(r.first));
        }
        Ok(true)
    })?;
    let stored = counts::Stored::read(store)?;
    let next_event = stored.next_event;
    if max_event >= next_event {
        report.problems.push(format!(
            "event #{max_event} is not below the event counter {next_event}"
        ));
    }
    // The counts of events per kind, the event counter and the seal
    // agree with the events actually stored: a copy cut short, or a
    // log that lost values, shows here.
    let mut counted = stored.uncounted;
    for &(kind, want) in &stored.per_kind {
        let found = per_kind.get(&kind).copied().unwrap_or(0);
        counted += found;
        if want != found {
            report.problems.push(format!(
                "the {} ledger counts {want} events and {found} are stored",
                counts::ledger_name(kind)
            ));
        }
    }
    if counted != next_event - 1 {
        report.problems.push(format!(
            "the event counter says {} events were stored and {counted} are",
            next_event - 1
        ));
    }
    if let Some(sealed) = engine.path.as_deref().and_then(crate::seal::sealed_in) {
        if sealed > next_event {
            report.problems.push(format!(
                "the seal says {} events were flushed and the counter says {}",
                sealed - 1,
                next_event - 1
            ));
        }
    }

    // Running totals of awards per programme agree with the applications.
    let mut want = std::mem::take(&mut expected.committed);
    store.for_each_prefix(Tree::Meta, keys::meta::COMMITTED_PREFIX, &mut |k, v| {
        let programme = keys::u64_at(k, k.len() - 8)?;
        let stored = <[u8; 8]>::try_from(v).map_or(i64::MIN, i64::from_be_bytes);
        if want.remove(&programme).unwrap_or(0) != stored {
            report.problems.push(format!(
                "the committed total of programme G{programme} disagrees with its applications"
            ));
        }
        Ok(true)
    })?;
    for (programme, amount) in want {
        if amount != 0 {
            report
                .problems
                .push(format!("programme G{programme} has no committed total"));
        }
    }

    let mut indexed_runs = 0u64;
    store.for_each_prefix(Tree::Index, &[], &mut |k, v| {
        report.index_entries += 1;
        let family = k.first().copied().unwrap_or(0);
        match family {
            keys::index::EVENT => match keys::decode_runs(keys::u64_at(k, 1)?, v) {
                Ok(listed) => {
                    for (first, kind, entity) in listed {
                        indexed_runs += 1;
                        if runs.get(&first) != Some(&(kind, entity)) {
                            report.problems.push(format!(
                                "the event index lists a run at event #{first} that is not stored"
                            ));
                        }
                    }
                }
                Err(e) => report
                    .problems
                    .push(format!("event index entry {k:?}: {e}")),
            },
            // Every other lookup lives in memory: a stored one is stray.
            _ => report
                .problems
                .push(format!("index entry {k:?} is not one parkdb stores")),
        }
        Ok(true)
    })?;
    if indexed_runs != runs.len() as u64 {
        report.problems.push(format!(
            "{} runs of events but {indexed_runs} listed in the event index",
            runs.len()
        ));
    }
    // The findings read the ledgers as they fold: only a sound database.
    if report.problems.is_empty() {
        match boundary_findings(engine).and_then(|mut found| {
            found.extend(supply_findings(engine)?);
            Ok(found)
        }) {
            Ok(findings) => report.findings = findings,
            Err(e) => report
                .problems
                .push(format!("the parcels' boundaries cannot be compared: {e}")),
        }
    }
    Ok(report)
}

/// The parcels not retired for which `keep` holds, as they stand.
fn current_parcels(engine: &Engine, keep: impl Fn(&Parcel) -> bool) -> Result<Vec<Arc<Parcel>>> {
    engine.cache.with::<Parcel, _>(engine.store.as_ref(), |k| {
        k.records
            .values()
            .filter(|p| p.retired.is_none() && keep(p))
            .cloned()
            .collect()
    })
}

/// What a land officer queries in a parcel's agreed terms: an agreed start
/// before the supply (the contract). Kept as given (public records hold
/// such rows), found here; an agreed completion before the agreed start is
/// refused when written.
fn supply_findings(engine: &Engine) -> Result<Vec<Finding>> {
    let parcels = current_parcels(engine, |p| p.supply.is_some())?;
    let mut findings = Vec::new();
    for p in &parcels {
        let Some(s) = &p.supply else { continue };
        if let Some(start) = s.start_by.filter(|start| *start < s.date) {
            findings.push(Finding {
                kind: "start_before_supply",
                parcels: vec![p.id],
                message: format!(
                    "parcel {}: agreed start {start} before its supply on {}",
                    p.code, s.date
                ),
            });
        }
        if let Some(c) = s.contract.as_ref().filter(|c| c.plot_ratio_swapped()) {
            findings.push(Finding {
                kind: "plot_ratio_swapped",
                parcels: vec![p.id],
                message: format!(
                    "parcel {}: agreed plot ratio at most {} but at least {}: the bounds look swapped",
                    p.code,
                    c.plot_ratio_max.map(|q| q.to_string()).unwrap_or_default(),
                    c.plot_ratio_min.map(|q| q.to_string()).unwrap_or_default()
                ),
            });
        }
    }
    Ok(findings)
}

/// Area mismatches and overlaps among the current parcels' boundaries.
fn boundary_findings(engine: &Engine) -> Result<Vec<Finding>> {
    let store = engine.store.as_ref();
    let tolerance = engine.cache.policy(store)?.tolerance_ppm();
    let parcels = current_parcels(engine, |p| p.boundary.is_some())?;
    let by_id: BTreeMap<u64, &Arc<Parcel>> = parcels.iter().map(|p| (p.id.0, p)).collect();
    let index = engine.cache.spatial(store)?;
    let mut findings = Vec::new();
    for p in &parcels {
        let Some(b) = &p.boundary else { continue };
        if b.area_mismatch(p.area, tolerance) {
            findings.push(Finding {
                kind: "area_mismatch",
                parcels: vec![p.id],
                message: format!(
                    "parcel {}: surveyed {} against {} registered, beyond the tolerance of {}%",
                    p.code,
                    b.area(),
                    p.area,
                    f64::from(tolerance) / 10_000.0
                ),
            });
        }
        for other in index.near(b)? {
            let Some(q) = by_id.get(&other).filter(|q| q.id.0 > p.id.0) else {
                continue;
            };
            let Some(c) = &q.boundary else { continue };
            let overlap = b.overlap_m2(c)?;
            if overlap > crate::geometry::sliver_m2(b.area_m2().min(c.area_m2())) {
                findings.push(Finding {
                    kind: "overlap",
                    parcels: vec![p.id, q.id],
                    message: format!(
                        "parcels {} and {} overlap by {overlap:.1} m²",
                        p.code, q.code
                    ),
                });
            }
        }
    }
    Ok(findings)
}

fn check_kind<R: Record>(
    engine: &Engine,
    report: &mut CheckReport,
    expected: &mut Expected,
) -> Result<()> {
    let store = engine.store.as_ref();
    let counter = record::Ids::next::<R>(store)?;
    // The in-memory view, if loaded, must hold exactly the folds.
    let mut in_memory: Option<BTreeMap<u64, Arc<R>>> =
        engine.cache.if_loaded::<R, _>(|m| m.records.clone());
    // A checkpoint a new process would load must hold exactly the folds
    // of the events it covers, and the lookups they added.
    let mut saved = match engine.cache.place() {
        Some(place) => Checkpointed::<R>::read(place, store, report),
        None => None,
    };
    record::for_each_stored::<R>(store, &mut |id, events| {
        report.records += 1;
        let name = R::display_id(id);
        if id >= counter {
            report.problems.push(format!(
                "{} {name} is not below its id counter {counter}",
                R::ENTITY
            ));
        }
        expected.entities.insert((R::KIND, id));
        let events = match events {
            Ok(events) => events,
            Err(e) => {
                report.problems.push(format!("{} {name}: {e}", R::ENTITY));
                return Ok(true);
            }
        };
        let folded = match record::fold::<R, _>(id, &events, &Horizon::NOW) {
            Ok(Some(folded)) => folded,
            Ok(None) => {
                report
                    .problems
                    .push(format!("{} {name} has no events in force", R::ENTITY));
                return Ok(true);
            }
            Err(e) => {
                report
                    .problems
                    .push(format!("{} {name}: its events do not fold: {e}", R::ENTITY));
                return Ok(true);
            }
        };
        if let Some((family, code)) = folded.code() {
            if let Some(other) = expected.codes.insert((family, code.to_vec()), id) {
                report.problems.push(format!(
                    "{} {name} and {} share the code {}",
                    R::ENTITY,
                    R::display_id(other),
                    String::from_utf8_lossy(code)
                ));
            }
        }
        // The entity's steps by their definition, made once for both
        // comparisons.
        let mut made = None;
        if let Some(memory) = &mut in_memory {
            let agrees = match memory.remove(&id) {
                Some(held) => {
                    serialize_eq(&folded, &held)?
                        && (!R::STEPS || {
                            let made = made_steps::<R>(&mut made, id, &events)?;
                            engine
                                .cache
                                .if_loaded::<R, _>(|m| steps_agree(m.steps.of(id), made))
                                .unwrap_or(true)
                        })
                }
                None => false,
            };
            if !agrees {
                report.problems.push(format!(
                    "{} {name}: the in-memory view differs from the fold of its events",
                    R::ENTITY
                ));
            }
        }
        if let Some((programme, amount)) = folded.committed() {
            *expected.committed.entry(programme).or_default() += amount.fen();
        }
        if let Some(saved) = &mut saved {
            saved.compare(id, &events, made.as_ref())?;
        }
        Ok(true)
    })?;
    if let Some(saved) = saved {
        saved.finish(report);
    }
    for id in in_memory.unwrap_or_default().keys() {
        report.problems.push(format!(
            "{} {}: in the in-memory view but has no stored events",
            R::ENTITY,
            R::display_id(*id)
        ));
    }
    Ok(())
}

/// An entity's steps by their definition ([`record::steps_by_definition`]),
/// made on first use.
fn made_steps<'a, R: Record>(
    made: &'a mut Option<record::MadeSteps>,
    id: u64,
    events: &[crate::event::Event<R::Event>],
) -> Result<&'a record::MadeSteps> {
    let steps = match made.take() {
        Some(steps) => steps,
        None => record::steps_by_definition::<R, _>(id, events)?,
    };
    Ok(made.insert(steps))
}

/// Whether steps held (if known) are those the events make.
fn steps_agree(held: Option<&[crate::land::Step]>, made: &record::MadeSteps) -> bool {
    held.is_none_or(|held| made.as_deref() == Some(held))
}

/// Whether two states are the same, the fields their events set that a
/// stored state skips included.
fn serialize_eq<R: Record>(a: &R, b: &R) -> Result<bool> {
    Ok(codec::encode(&(a, a.extras()))? == codec::encode(&(b, b.extras()))?)
}

/// A ledger's checkpoint, read for comparison with the folds.
struct Checkpointed<R> {
    next_event: u64,
    records: BTreeMap<u64, R>,
    history: BTreeMap<(u8, Vec<u8>), BTreeSet<u64>>,
    steps: crate::steps::Steps,
    /// The lookups the events it covers added, as the check finds them.
    found: BTreeMap<(u8, Vec<u8>), BTreeSet<u64>>,
    differs: Vec<String>,
    /// What of its digest ([`Record::write_digest`]) is not what its
    /// records make (they are compared with the folds one by one): its
    /// codes, the register's figures by year.
    digest_differs: Vec<&'static str>,
    /// Whether its record index does not place each of its records where
    /// a read of one alone finds it.
    index_differs: bool,
}

/// What of a checkpoint's digest differs from the one its records make:
/// its codes, the register's figures by year (each in sections of their
/// own); both when it does not read back whole.
fn digest_differs(made: &[u8], kept: &[u8]) -> Vec<&'static str> {
    if made == kept {
        return Vec::new();
    }
    let name = |key: i32| {
        if key == crate::record::CODES {
            "codes"
        } else {
            "figures by year"
        }
    };
    let mut what: Vec<&'static str> = match crate::sections::differing(made, kept) {
        Some(keys) if !keys.is_empty() => keys.into_iter().map(name).collect(),
        _ => vec!["codes", "figures by year"],
    };
    what.sort_unstable();
    what.dedup();
    what
}

/// Whether a checkpoint's record index places each of its records, and
/// no other, where a read of one record alone finds it whole.
fn index_places<R: Record>(opened: &crate::checkpoint::Opened, records: &BTreeMap<u64, R>) -> bool {
    let Ok(index) = crate::checkpoint::RecordIndex::new(opened.index().to_vec()) else {
        return false;
    };
    index.len() == records.len()
        && records.iter().enumerate().all(|(i, (id, record))| {
            let placed = index.entry(i);
            let at = usize::try_from(placed.at).unwrap_or(usize::MAX);
            let bytes = opened
                .records()
                .get(at..at.saturating_add(placed.len as usize));
            placed.id == *id
                && bytes
                    .and_then(|b| crate::checkpoint::record_at::<R>(b, placed).ok())
                    .is_some_and(|read| serialize_eq(&read, record).unwrap_or(false))
        })
}

impl<R: Record> Checkpointed<R> {
    /// The checkpoint, if one matches the store; one that cannot be
    /// decoded is a problem (it matched, so a new process would try it).
    fn read(
        place: &crate::checkpoint::Place,
        store: &dyn crate::storage::Store,
        report: &mut CheckReport,
    ) -> Option<Checkpointed<R>> {
        let opened = crate::checkpoint::open(place, store, R::KIND).ok()?;
        let mut records = BTreeMap::new();
        let decoded = opened
            .halves()
            .into_iter()
            .try_for_each(|part| {
                crate::checkpoint::decode_records::<R>(part, &mut |r| {
                    records.insert(r.id(), r);
                })
            })
            .and_then(|()| crate::checkpoint::decode_history(opened.history()))
            .and_then(|history| Ok((history, crate::steps::Steps::decode(opened.steps())?)));
        let decoded = decoded.and_then(|(history, steps)| {
            let mut digest = Vec::new();
            R::write_digest(&records.values().collect::<Vec<_>>(), &mut digest)?;
            let differs = digest_differs(&digest, opened.digest());
            Ok((
                history,
                steps,
                differs,
                !index_places::<R>(&opened, &records),
            ))
        });
        match decoded {
            Ok((history, steps, digest_differs, index_differs)) => Some(Checkpointed {
                digest_differs,
                index_differs,
                next_event: opened.next_event,
                records,
                steps,
                history: history
                    .into_iter()
                    .map(|(family, value, ids)| ((family, value), ids.into_iter().collect()))
                    .collect(),
                found: BTreeMap::new(),
                differs: Vec::new(),
            }),
            Err(e) => {
                report.problems.push(format!(
                    "the {} ledger's checkpoint cannot be read: {e}",
                    counts::ledger_name(R::KIND)
                ));
                None
            }
        }
    }

    /// Compares the checkpoint's record `id` with the fold of the events
    /// it covers.
    /// `made`: the entity's steps by their definition from all its
    /// events, if made already.
    fn compare(
        &mut self,
        id: u64,
        events: &[crate::event::Event<R::Event>],
        made: Option<&record::MadeSteps>,
    ) -> Result<()> {
        let covered: Vec<_> = events.iter().filter(|e| e.id.0 < self.next_event).collect();
        for key in covered
            .iter()
            .filter_map(|e| record::history_of::<R>(&e.body))
        {
            self.found.entry(key).or_default().insert(id);
        }
        let folded = record::fold::<R, _>(id, &covered, &Horizon::NOW)
            .ok()
            .flatten();
        let agrees = match (folded, self.records.remove(&id)) {
            (Some(folded), Some(saved)) => {
                serialize_eq(&folded, &saved)?
                    && (!R::STEPS
                        || match made {
                            Some(made) if covered.len() == events.len() => {
                                steps_agree(self.steps.of(id), made)
                            }
                            _ => steps_agree(
                                self.steps.of(id),
                                &record::steps_by_definition::<R, _>(id, &covered)
                                    .ok()
                                    .flatten(),
                            ),
                        })
            }
            (None, None) => true,
            _ => false,
        };
        if !agrees {
            self.differs.push(R::display_id(id));
        }
        Ok(())
    }

    fn finish(mut self, report: &mut CheckReport) {
        self.differs
            .extend(self.records.keys().map(|id| R::display_id(*id)));
        let ledger = counts::ledger_name(R::KIND);
        if !self.differs.is_empty() {
            let shown: Vec<_> = self.differs.iter().take(5).cloned().collect();
            report.problems.push(format!(
                "the {ledger} ledger's checkpoint differs from the fold of its events for {} \
                 record(s) ({}): write it again from the events with Db::checkpoint \
                 (parkdb checkpoint), or delete it",
                self.differs.len(),
                shown.join(", ")
            ));
        }
        if !self.digest_differs.is_empty() {
            report.problems.push(format!(
                "the {ledger} ledger's checkpoint keeps other {} than its records: write it \
                 again from the events with Db::checkpoint (parkdb checkpoint), or delete it",
                self.digest_differs.join(" and ")
            ));
        }
        if self.index_differs {
            report.problems.push(format!(
                "the {ledger} ledger's checkpoint's record index does not place its records: \
                 write it again from the events with Db::checkpoint (parkdb checkpoint), or \
                 delete it"
            ));
        }
        if self.history != self.found {
            report.problems.push(format!(
                "the {ledger} ledger's checkpoint holds other lookups than its events added: \
                 write it again from the events with Db::checkpoint (parkdb checkpoint), or \
                 delete it"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checkpoint;
    use crate::land::Parcel;
    use crate::record::Record;

    #[test]
    fn check_finds_a_checkpoint_that_differs_from_the_events() {
        // A checkpoint whose checksums hold and that matches the store,
        // but whose records are not the folds of the events (what a fold
        // changed without its layout would leave): check() says so, and
        // Db::checkpoint writes it again from the events.
        let dir = tempfile::tempdir().unwrap();
        let db = crate::Db::open(dir.path().join("zone.parkdb")).unwrap();
        crate::example::build_seed(&db).unwrap();
        db.checkpoint().unwrap();
        assert!(db.check().unwrap().is_clean());
        {
            let engine = &db.engine;
            let _read = engine.read_guard();
            let store = engine.store.as_ref();
            let mut parcels: Vec<Parcel> = engine
                .cache
                .with::<Parcel, _>(store, |k| {
                    k.records.values().map(|r| (**r).clone()).collect()
                })
                .unwrap();
            parcels[3].note = Some("not in the events".into());
            // And parcel 6's steps: its last one a day late.
            let mut steps = engine
                .cache
                .with::<Parcel, _>(store, |k| {
                    let [lower, upper] = k.steps.encode().unwrap();
                    crate::steps::Steps::decode([&lower, &upper]).unwrap()
                })
                .unwrap();
            let mut late = steps.of(6).unwrap().to_vec();
            let last = late.last_mut().unwrap();
            *last = last.with_from(last.begins().succ_opt().unwrap());
            steps.set(6, Some(late));
            let parcels: Vec<&Parcel> = parcels.iter().collect();
            checkpoint::Partial::begin(engine.cache.place().unwrap(), Parcel::KIND)
                .unwrap()
                .finish(store, &parcels, &Vec::new(), &steps)
                .unwrap();
        }
        let problems = db.check().unwrap().problems;
        let (note, steps) = (Parcel::display_id(4), Parcel::display_id(6));
        assert!(
            problems
                .iter()
                .any(|p| p.contains("parcel ledger's checkpoint differs")
                    && p.contains(&format!("2 record(s) ({note}, {steps})"))),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("holds other lookups")),
            "{problems:?}"
        );
        db.checkpoint().unwrap();
        assert!(db.check().unwrap().is_clean());
    }
}

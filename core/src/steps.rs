//! Each parcel's past in brief: the in-memory view keeps, per parcel, its
//! part in the land figures in each of its states ([`Step`]), oldest
//! first, consecutive states that count alike kept once. The land figures
//! of a past date are then a pass over these arrays (a binary search per
//! parcel), not a fold of its events.
//!
//! Steps are derived like the rest of the view: made by the fold that
//! loads a ledger ([`crate::record::stored_fold_with_steps`]), kept in its
//! checkpoint, and forgotten for an entity a unit of work changes (a read
//! of the past folds such an entity's events, as before; the next
//! checkpoint makes its steps again). `check()` compares them with the
//! fold of the events as of each date.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use crate::error::{Error, Result};
use crate::ids::EnterpriseId;
use crate::land::{Step, STEP_BYTES};

/// The steps of a kind's entities (empty for a kind that keeps none).
#[derive(Debug, Default)]
pub(crate) struct Steps {
    /// The id of the first entity `starts` places.
    first: u64,
    /// Where each entity's steps begin in `steps`, from `first` on, and
    /// one more: the end of the last one's.
    starts: Vec<usize>,
    all: Vec<Step>,
    /// Steps made again after the arrays were (a touched entity folded on
    /// top of a checkpoint, or made again before one is written).
    again: HashMap<u64, Box<[Step]>>,
    /// Entities whose steps are not known: units of work changed them.
    unknown: BTreeSet<u64>,
    /// The known entities by the holder of their last step, as (holder,
    /// id) in order: made by the first read that asks by holder, and
    /// forgotten by any change to the steps.
    by_holder: OnceLock<Vec<(u64, u64)>>,
}

/// The step of `steps` whose span holds `day` (a day number): `None`
/// before the first.
fn step_on(steps: &[Step], day: i32) -> Option<&Step> {
    let after = steps.partition_point(|s| s.begins_day() <= day);
    after.checked_sub(1).and_then(|i| steps.get(i))
}

impl Steps {
    /// No steps yet; the first entity pushed will be `first` or above.
    pub(crate) fn from(first: u64) -> Steps {
        Steps {
            first,
            starts: vec![0],
            ..Steps::default()
        }
    }

    /// The id one past the last entity the arrays place.
    fn end(&self) -> u64 {
        self.first + self.starts.len().saturating_sub(1) as u64
    }

    /// Adds the steps of `id`, above every id pushed before (as a load
    /// folds them); `None`: not known.
    pub(crate) fn push(&mut self, id: u64, steps: Option<&[Step]>) {
        self.by_holder.take();
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        if id < self.end() {
            self.set(id, steps.map(<[Step]>::to_vec));
            return;
        }
        while self.end() <= id {
            self.starts.push(self.all.len());
        }
        match steps {
            Some(steps) => {
                self.all.extend_from_slice(steps);
                if let Some(last) = self.starts.last_mut() {
                    *last = self.all.len();
                }
            }
            None => {
                self.unknown.insert(id);
            }
        }
    }

    /// Replaces the steps of `id`; `None`: not known.
    pub(crate) fn set(&mut self, id: u64, steps: Option<Vec<Step>>) {
        self.by_holder.take();
        match steps {
            Some(steps) => {
                self.unknown.remove(&id);
                self.again.insert(id, steps.into_boxed_slice());
            }
            None => self.forget(id),
        }
    }

    /// Replaces the steps of many entities at once. When they are many
    /// against those the arrays place (a checkpoint after an import makes
    /// every parcel's steps again), the arrays are made again with them in
    /// their places: an entry of the map of steps made again costs more
    /// than the steps it holds.
    pub(crate) fn set_many(&mut self, mut made: Vec<(u64, Option<Vec<Step>>)>) {
        if made.len() < 1024 || made.len() < self.placed() / 8 {
            for (id, steps) in made {
                self.set(id, steps);
            }
            return;
        }
        made.sort_unstable_by_key(|m| m.0);
        let lowest = made.first().map_or(self.first, |m| m.0);
        let start = self
            .again
            .keys()
            .copied()
            .fold(self.first.min(lowest), u64::min);
        let highest = made.last().map_or(0, |m| m.0 + 1);
        let last = self
            .again
            .keys()
            .map(|id| id + 1)
            .fold(self.end().max(highest), u64::max);
        // Sized up front: a growing array would hold twice the steps.
        let mut total = 0;
        let mut counted = made.iter().peekable();
        for id in start..last {
            total += match counted.next_if(|m| m.0 == id) {
                Some((_, steps)) => steps.as_ref().map_or(0, Vec::len),
                None => self.of(id).map_or(0, <[Step]>::len),
            };
        }
        let mut fresh = Steps::from(start);
        fresh.all.reserve_exact(total);
        fresh
            .starts
            .reserve_exact(usize::try_from(last - start).unwrap_or(0));
        let mut made = made.into_iter().peekable();
        for id in start..last {
            match made.next_if(|m| m.0 == id) {
                Some((_, steps)) => fresh.push(id, steps.as_deref()),
                None => fresh.push(id, self.of(id)),
            }
        }
        fresh.unknown.extend(
            self.unknown
                .iter()
                .copied()
                .filter(|id| !(start..last).contains(id)),
        );
        *self = fresh;
    }

    /// Forgets the steps of `id` (a unit of work changed it).
    pub(crate) fn forget(&mut self, id: u64) {
        self.by_holder.take();
        self.again.remove(&id);
        self.unknown.insert(id);
    }

    /// The known entities whose last step `holder` holds, in order of
    /// id: a binary search in an index made by the first such question
    /// (one pass over the last steps), where each question would be a
    /// pass over them all.
    pub(crate) fn held_by(&self, holder: EnterpriseId) -> impl Iterator<Item = u64> + '_ {
        let index = self.by_holder.get_or_init(|| {
            let mut index = Vec::new();
            // Infallible: the closure never fails.
            let _ = self.each_last(&mut |id, step| {
                if let Some(h) = step.holder() {
                    index.push((h.0, id));
                }
                Ok(())
            });
            index.sort_unstable();
            index
        });
        let from = index.partition_point(|e| e.0 < holder.0);
        let to = index.partition_point(|e| e.0 <= holder.0);
        index.get(from..to).unwrap_or_default().iter().map(|e| e.1)
    }

    /// The entities whose steps are not known.
    pub(crate) fn unknown(&self) -> &BTreeSet<u64> {
        &self.unknown
    }

    /// How many entities the arrays place.
    pub(crate) fn placed(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// The latest date a known step begins on (`None`: no step is known):
    /// until then, the step of every later date is each entity's last.
    pub(crate) fn latest(&self) -> Option<chrono::NaiveDate> {
        self.all
            .iter()
            .chain(self.again.values().flat_map(|s| s.iter()))
            .map(Step::begins_day)
            .max()
            .and_then(crate::days::from_day_number)
    }

    /// The steps of `id`, oldest first, if known (an entity the arrays do
    /// not place is not).
    pub(crate) fn of(&self, id: u64) -> Option<&[Step]> {
        if self.unknown.contains(&id) {
            return None;
        }
        if let Some(steps) = self.again.get(&id) {
            return Some(steps);
        }
        let at = usize::try_from(id.checked_sub(self.first)?).ok()?;
        let (&start, &end) = (self.starts.get(at)?, self.starts.get(at + 1)?);
        self.all.get(start..end)
    }

    /// Calls `f` with the step of `date` of every entity whose steps are
    /// known and that existed then: a pass over the arrays, which touches
    /// no record.
    pub(crate) fn each_at(
        &self,
        date: chrono::NaiveDate,
        f: &mut dyn FnMut(&Step) -> Result<()>,
    ) -> Result<()> {
        let day = crate::days::to_days(date);
        self.each_known(&mut |_, steps| match step_on(steps, day) {
            Some(step) => f(step),
            None => Ok(()),
        })
    }

    /// Calls `f` with the id and the last step of every entity whose
    /// steps are known and that has one: its state after every event, in
    /// brief.
    pub(crate) fn each_last(&self, f: &mut dyn FnMut(u64, &Step) -> Result<()>) -> Result<()> {
        self.each_known(&mut |id, steps| match steps.last() {
            Some(step) => f(id, step),
            None => Ok(()),
        })
    }

    /// Calls `f` with the id and the steps of every entity whose steps
    /// are known: those the arrays hold, then those made again.
    fn each_known(&self, f: &mut dyn FnMut(u64, &[Step]) -> Result<()>) -> Result<()> {
        // The ids the arrays place that are not theirs to answer, in
        // order: passed over with a cursor, not looked up per id.
        let mut skip: Vec<u64> = self
            .unknown
            .iter()
            .chain(self.again.keys())
            .copied()
            .collect();
        skip.sort_unstable();
        let mut skip = skip.into_iter().peekable();
        for (i, range) in self.starts.windows(2).enumerate() {
            let id = self.first + i as u64;
            while skip.next_if(|s| *s < id).is_some() {}
            if skip.next_if_eq(&id).is_some() {
                continue;
            }
            f(id, self.all.get(range[0]..range[1]).unwrap_or_default())?;
        }
        for (id, steps) in &self.again {
            if !self.unknown.contains(id) {
                f(*id, steps)?;
            }
        }
        Ok(())
    }

    /// Takes in the steps of `other`, all of whose ids are above this
    /// one's (the two halves of a load).
    pub(crate) fn join(&mut self, other: Steps) {
        self.by_holder.take();
        if other.starts.len() <= 1 {
            self.again.extend(other.again);
            self.unknown.extend(other.unknown);
            return;
        }
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        while self.end() < other.first {
            self.starts.push(self.all.len());
        }
        let shift = self.all.len();
        self.starts.pop();
        self.starts.extend(other.starts.iter().map(|s| s + shift));
        self.all.extend(other.all);
        self.again.extend(other.again);
        self.unknown.extend(other.unknown);
    }

    /// The steps as a checkpoint keeps them: two parts, the lower half of
    /// the ids and the upper (read back on two threads), each in fixed
    /// places so that it is read back as arrays: four little-endian
    /// `u64`s (the first id, how many ids follow, how many steps, how many
    /// unknown ids), each id's count of steps (`u32`), the steps
    /// ([`Step`]'s bytes) and the ids whose steps are not known (`u64`; the
    /// upper half also holds those beyond both). Each part is written
    /// straight from the arrays (a checkpoint streams it to its file), not
    /// copied into memory first.
    pub(crate) fn halves(&self) -> [Half<'_>; 2] {
        // Steps made again go in their places; an id the arrays do not
        // place, nor made again, is not known.
        let start = self.again.keys().copied().fold(self.first, u64::min);
        let last = self
            .again
            .keys()
            .map(|id| id + 1)
            .fold(self.end(), u64::max);
        let mid = start + (last - start) / 2;
        let beyond = self
            .unknown
            .iter()
            .copied()
            .filter(|id| !(start..last).contains(id))
            .collect();
        [
            Half {
                steps: self,
                ids: start..mid,
                beyond: Vec::new(),
            },
            Half {
                steps: self,
                ids: mid..last,
                beyond,
            },
        ]
    }

    /// The two parts of [`Steps::halves`], in memory.
    #[cfg(test)]
    pub(crate) fn encode(&self) -> Result<[Vec<u8>; 2]> {
        let [lower, upper] = self.halves();
        let mut parts = [Vec::new(), Vec::new()];
        lower.write_to(&mut parts[0])?;
        upper.write_to(&mut parts[1])?;
        Ok(parts)
    }

    /// Steps from the two parts [`Steps::halves`] made, in memory.
    pub(crate) fn decode(parts: [&[u8]; 2]) -> Result<Steps> {
        Ok(Steps::read([&parts[0], &parts[1]])?.0)
    }

    /// Reads the two parts [`Steps::halves`] made, each on a thread of its
    /// own, straight into one array of steps, which are checked, not
    /// decoded; returns the steps and the CRC-32 of each part's bytes.
    pub(crate) fn read(parts: [&dyn Source; 2]) -> Result<(Steps, [u32; 2])> {
        let heads = [Head::read(parts[0])?, Head::read(parts[1])?];
        if Some(heads[1].first) != heads[0].first.checked_add(heads[0].ids) {
            return Err(corrupt("has halves that do not meet"));
        }
        // Each count fits its part's length (`Head::read`).
        let lower = usize::try_from(heads[0].steps).map_err(|_| corrupt("is too long"))?;
        let upper = usize::try_from(heads[1].steps).map_err(|_| corrupt("is too long"))?;
        let mut all: Vec<Step> = bytemuck::zeroed_vec(lower.saturating_add(upper));
        let (low, high) = all.split_at_mut(lower);
        let (low, high) = crate::threads::both(
            "reading a checkpoint's steps",
            || read_part(parts[0], &heads[0], low),
            || read_part(parts[1], &heads[1], high),
        )?;
        let mut starts = Vec::with_capacity(low.counts.len() + high.counts.len() + 1);
        let mut at = 0usize;
        starts.push(0);
        for count in low.counts.iter().chain(&high.counts) {
            at += *count as usize;
            starts.push(at);
        }
        let steps = Steps {
            first: heads[0].first,
            starts,
            all,
            again: HashMap::new(),
            unknown: low.unknown.into_iter().chain(high.unknown).collect(),
            by_holder: OnceLock::new(),
        };
        Ok((steps, [low.crc, high.crc]))
    }
}

fn corrupt(what: &str) -> Error {
    Error::Corrupt(format!("a checkpoint's steps part {what}"))
}

/// Where a part of a checkpoint's steps is read from: its bytes in
/// memory, or a file.
pub(crate) trait Source: Sync {
    /// How long the part is.
    fn size(&self) -> u64;
    /// Fills `into` with the part's bytes from `at` on.
    fn read_at(&self, at: u64, into: &mut [u8]) -> Result<()>;
}

impl Source for &[u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }

    fn read_at(&self, at: u64, into: &mut [u8]) -> Result<()> {
        let bytes = usize::try_from(at)
            .ok()
            .and_then(|at| self.get(at..at.checked_add(into.len())?))
            .ok_or_else(|| corrupt("is truncated"))?;
        into.copy_from_slice(bytes);
        Ok(())
    }
}

/// The head of a part: four little-endian `u64`s.
struct Head {
    bytes: [u8; 32],
    first: u64,
    ids: u64,
    steps: u64,
    unknown: u64,
}

impl Head {
    /// The head of `part`, whose counts must add up to its length.
    fn read(part: &dyn Source) -> Result<Head> {
        let mut bytes = [0; 32];
        if part.size() < 32 {
            return Err(corrupt("is truncated"));
        }
        part.read_at(0, &mut bytes)?;
        let [first, ids, steps, unknown] = std::array::from_fn(|i| {
            let mut w = [0; 8];
            w.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
            u64::from_le_bytes(w)
        });
        let size = [(ids, 4), (steps, STEP_BYTES as u64), (unknown, 8)]
            .into_iter()
            .try_fold(32u64, |sum, (n, width)| {
                sum.checked_add(n.checked_mul(width)?)
            });
        if size != Some(part.size()) {
            return Err(corrupt("is not as long as its counts say"));
        }
        if first.checked_add(ids).is_none() {
            return Err(corrupt("places ids out of range"));
        }
        Ok(Head {
            bytes,
            first,
            ids,
            steps,
            unknown,
        })
    }
}

/// What [`read_part`] read besides the steps.
struct Part {
    counts: Vec<u32>,
    unknown: Vec<u64>,
    crc: u32,
}

/// Reads the part `head` heads into `steps` (room for exactly its steps)
/// and checks each step.
fn read_part(part: &dyn Source, head: &Head, steps: &mut [Step]) -> Result<Part> {
    let mut crc = crc32fast::Hasher::new();
    crc.update(&head.bytes);
    // Lengths `Head::read` found to fit the part.
    let len = |n: u64, width: usize| {
        usize::try_from(n)
            .ok()
            .and_then(|n| n.checked_mul(width))
            .ok_or_else(|| corrupt("is too long"))
    };
    let mut counts = vec![0; len(head.ids, 4)?];
    part.read_at(32, &mut counts)?;
    crc.update(&counts);
    let bytes: &mut [u8] = bytemuck::cast_slice_mut(steps);
    part.read_at(32 + counts.len() as u64, bytes)?;
    crc.update(bytes);
    let mut unknown = vec![0; len(head.unknown, 8)?];
    part.read_at(32 + (counts.len() + bytes.len()) as u64, &mut unknown)?;
    crc.update(&unknown);
    for step in steps.iter() {
        step.check()?;
    }
    let counts: Vec<u32> = counts
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    if counts.iter().map(|&c| u64::from(c)).sum::<u64>() != steps.len() as u64 {
        return Err(corrupt("does not add up to its counts"));
    }
    Ok(Part {
        counts,
        unknown: unknown
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect(),
        crc: crc.finalize(),
    })
}

/// One part of a checkpoint's steps ([`Steps::halves`]): the steps of
/// `ids`, and `beyond` among the unknown.
pub(crate) struct Half<'a> {
    steps: &'a Steps,
    ids: std::ops::Range<u64>,
    beyond: Vec<u64>,
}

impl Half<'_> {
    /// Writes the part to `out`.
    pub(crate) fn write_to(&self, out: &mut dyn std::io::Write) -> Result<()> {
        let io = |e: std::io::Error| Error::io("cannot write a checkpoint's steps", e);
        // Each id's count, gathered in the pass that finds the unknown
        // (four bytes an id), so that the steps are looked up once more
        // only, to be written.
        let mut counts =
            Vec::with_capacity(usize::try_from(self.ids.end - self.ids.start).unwrap_or(0));
        let mut unknown = Vec::new();
        for id in self.ids.clone() {
            let of = self.steps.of(id);
            if of.is_none() {
                unknown.push(id);
            }
            counts.push(
                u32::try_from(of.unwrap_or_default().len())
                    .map_err(|_| Error::Internal("an entity with more than 2³² steps".into()))?,
            );
        }
        unknown.extend_from_slice(&self.beyond);
        let steps: u64 = counts.iter().map(|&n| u64::from(n)).sum();
        for n in [
            self.ids.start,
            self.ids.end - self.ids.start,
            steps,
            unknown.len() as u64,
        ] {
            out.write_all(&n.to_le_bytes()).map_err(io)?;
        }
        for count in counts {
            out.write_all(&count.to_le_bytes()).map_err(io)?;
        }
        for id in self.ids.clone() {
            let of = self.steps.of(id).unwrap_or_default();
            out.write_all(bytemuck::cast_slice(of)).map_err(io)?;
        }
        for id in unknown {
            out.write_all(&id.to_le_bytes()).map_err(io)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::land::Parcel;
    use std::collections::BTreeMap;

    fn step_of(steps: &[Step], date: chrono::NaiveDate) -> Option<&Step> {
        step_on(steps, crate::days::to_days(date))
    }

    /// The example zone's steps, by id.
    fn example() -> Vec<(u64, Vec<Step>)> {
        let db = crate::Db::temporary().unwrap();
        crate::example::build_seed(&db).unwrap();
        let store = db.engine.store.as_ref();
        let mut all = Vec::new();
        crate::record::for_each_stored::<Parcel>(store, &mut |id, events| {
            let steps = crate::record::stored_fold_with_steps::<Parcel, _>(id, &events?)?.1;
            all.push((id, steps.unwrap()));
            Ok(true)
        })
        .unwrap();
        all
    }

    fn same(a: &Steps, b: &Steps, ids: std::ops::Range<u64>) {
        for id in ids {
            assert_eq!(a.of(id), b.of(id), "the steps of {id}");
        }
    }

    #[test]
    fn many_steps_made_again_go_back_into_the_arrays() {
        let all = example();
        let n = 3000_u64;
        let of = |id: u64| all[usize::try_from(id).unwrap() % all.len()].1.clone();
        // Every id but each seventh forgotten, as a large unit of work
        // leaves them; one beyond the arrays made again.
        let build = || {
            let mut s = Steps::from(1);
            for id in 1..=n {
                s.push(id, Some(&of(id)));
            }
            for id in (1..=n).filter(|id| id % 7 != 0) {
                s.forget(id);
            }
            s.set(n + 50, Some(of(2)));
            s
        };
        let made: Vec<(u64, Option<Vec<Step>>)> = (1..=n)
            .filter(|id| id % 7 != 0)
            .map(|id| (id, (id % 11 != 0).then(|| of(id + 1))))
            .collect();
        let mut one_by_one = build();
        for (id, steps) in made.clone() {
            one_by_one.set(id, steps);
        }
        let mut at_once = build();
        at_once.set_many(made);
        same(&one_by_one, &at_once, 0..n + 60);
        assert!(at_once.again.is_empty(), "all in the arrays again");
        assert_eq!(at_once.of(11), None, "made unknown, still unknown");
        assert_eq!(at_once.of(14), Some(&of(14)[..]), "kept as they were");
        assert_eq!(at_once.of(n + 50), Some(&of(2)[..]));
        assert_eq!(
            at_once.of(n + 49),
            None,
            "an id nothing placed is not known"
        );
        // And through a checkpoint.
        let [lower, upper] = at_once.encode().unwrap();
        same(
            &one_by_one,
            &Steps::decode([&lower, &upper]).unwrap(),
            0..n + 60,
        );
        // A few made again stay beside the arrays.
        let mut few = build();
        few.set_many(vec![(3, Some(of(9)))]);
        assert_eq!(few.again.len(), 2);
        assert_eq!(few.of(3), Some(&of(9)[..]));
    }

    /// Each holder's entities as a pass over every last step finds them.
    fn held_by_pass(steps: &Steps) -> BTreeMap<u64, Vec<u64>> {
        let mut held: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
        steps
            .each_last(&mut |id, s| {
                if let Some(h) = s.holder() {
                    held.entry(h.0).or_default().push(id);
                }
                Ok(())
            })
            .unwrap();
        for ids in held.values_mut() {
            ids.sort_unstable();
        }
        held
    }

    fn agree_by_holder(steps: &Steps, why: &str) {
        let want = held_by_pass(steps);
        assert!(!want.is_empty(), "{why}: some entities are held");
        for holder in 0..=want.keys().max().unwrap() + 1 {
            let found: Vec<u64> = steps.held_by(EnterpriseId(holder)).collect();
            assert_eq!(
                found,
                want.get(&holder).cloned().unwrap_or_default(),
                "{why}: the entities held by {holder}"
            );
        }
    }

    #[test]
    fn the_index_by_holder_follows_every_change_to_the_steps() {
        let all = example();
        let mut steps = Steps::from(1);
        for (id, s) in &all {
            steps.push(*id, Some(s));
        }
        agree_by_holder(&steps, "pushed");
        // A held entity forgotten, another given a held one's steps, one
        // beyond the arrays made, and many at once: each answered anew.
        let held: Vec<u64> = all
            .iter()
            .filter(|(_, s)| s.last().is_some_and(|l| l.holder().is_some()))
            .map(|(id, _)| *id)
            .collect();
        assert!(held.len() > 3);
        steps.forget(held[0]);
        agree_by_holder(&steps, "forgotten");
        assert!(steps.held_by(EnterpriseId(0)).next().is_none());
        let donor = all.iter().find(|(id, _)| *id == held[1]).unwrap().1.clone();
        let unheld = all
            .iter()
            .find(|(_, s)| s.last().is_some_and(|l| l.holder().is_none()))
            .unwrap()
            .0;
        steps.set(unheld, Some(donor.clone()));
        agree_by_holder(&steps, "set");
        let end = all.last().unwrap().0;
        steps.push(end + 3, Some(&donor));
        agree_by_holder(&steps, "pushed beyond");
        let mut upper = Steps::from(end + 10);
        upper.push(end + 10, Some(&donor));
        steps.join(upper);
        agree_by_holder(&steps, "joined");
        let h = donor.last().unwrap().holder().unwrap();
        assert!(steps.held_by(h).any(|id| id == end + 10));
        steps.set_many((1..=end).map(|id| (id, Some(donor.clone()))).collect());
        agree_by_holder(&steps, "made again at once");
        assert!(steps.held_by(h).count() >= usize::try_from(end).unwrap());
    }

    #[test]
    fn halves_join_and_checkpoints_keep_every_entitys_steps() {
        let all = example();
        assert!(all.iter().any(|(_, s)| s.len() > 2));
        let end = all.last().unwrap().0 + 3;
        // One pass, with a gap.
        let mut whole = Steps::from(1);
        for (id, steps) in all.iter().filter(|(id, _)| *id != 5) {
            whole.push(*id, Some(steps));
        }
        assert_eq!(whole.of(5), Some(&[][..]), "an id without events has none");
        // Two halves, the upper from 20 on, joined.
        let (mut lower, mut upper) = (Steps::from(1), Steps::from(20));
        for (id, steps) in all.iter().filter(|(id, _)| *id != 5) {
            let half = if *id < 20 { &mut lower } else { &mut upper };
            half.push(*id, Some(steps));
        }
        lower.join(upper);
        same(&whole, &lower, 0..end);
        // Changed, forgotten, beyond the arrays: through a checkpoint.
        let changed = all[2].1[..1].to_vec();
        whole.set(3, Some(changed.clone()));
        whole.forget(4);
        whole.set(end + 5, Some(changed.clone()));
        let [lower, upper] = whole.encode().unwrap();
        let read = Steps::decode([&lower, &upper]).unwrap();
        same(&whole, &read, 0..end + 10);
        assert_eq!(read.of(3), Some(&changed[..]));
        assert_eq!(read.of(4), None);
        assert_eq!(read.of(end + 5), Some(&changed[..]));
        assert_eq!(read.of(end + 4), None, "an id nothing placed is not known");
        // The step of a date: none before the first.
        let (id, steps) = &all[0];
        let held = read.of(*id).unwrap();
        let first = steps[0].begins();
        assert_eq!(step_of(held, first.pred_opt().unwrap()), None);
        assert_eq!(step_of(held, first), Some(&steps[0]));
        let last = steps.last().unwrap();
        assert_eq!(
            step_of(held, last.begins() + chrono::Days::new(9999)),
            Some(last)
        );
        // A pass over every entity's step of a date skips the unknown
        // and takes those made again once.
        let date = steps[1].begins();
        let mut passed = Vec::new();
        read.each_at(date, &mut |s| {
            passed.push(*s);
            Ok(())
        })
        .unwrap();
        let mut want: Vec<Step> = (0..end + 10)
            .filter_map(|id| read.of(id).and_then(|s| step_of(s, date)).copied())
            .collect();
        passed.sort_by_key(|s| format!("{s:?}"));
        want.sort_by_key(|s| format!("{s:?}"));
        assert_eq!(passed, want);
        assert!(passed.len() > 10);
        // Each entity's last step: the unknown passed over, those made
        // again taken once.
        let mut last = Vec::new();
        read.each_last(&mut |id, s| {
            last.push((id, *s));
            Ok(())
        })
        .unwrap();
        last.sort_by_key(|(id, _)| *id);
        let want: Vec<(u64, Step)> = (0..end + 10)
            .filter_map(|id| Some((id, *read.of(id)?.last()?)))
            .collect();
        assert_eq!(last, want);
        assert!(last.iter().any(|(id, _)| *id == end + 5));
        assert!(!last.iter().any(|(id, _)| *id == 4));
    }

    #[test]
    fn a_damaged_steps_part_is_a_typed_error_never_a_panic() {
        let mut steps = Steps::from(1);
        for (id, made) in example() {
            steps.push(id, Some(&made));
        }
        steps.forget(3);
        let parts = steps.encode().unwrap();
        let read = Steps::decode([&parts[0], &parts[1]]).unwrap();
        same(&steps, &read, 0..200);
        let with = |half: usize, bad: &[u8]| {
            let mut both = [&parts[0][..], &parts[1][..]];
            both[half] = bad;
            Steps::decode(both)
        };
        // Every cut is refused; every byte changed is refused or read as
        // some other steps, never a panic.
        for (half, part) in parts.iter().enumerate() {
            for len in 0..part.len() {
                assert!(
                    matches!(with(half, &part[..len]), Err(Error::Corrupt(_))),
                    "half {half} cut at {len}"
                );
            }
            for at in 0..part.len() {
                for flip in [0x01, 0x80, 0xFF] {
                    let mut bad = part.clone();
                    bad[at] ^= flip;
                    if let Err(e) = with(half, &bad) {
                        assert!(matches!(e, Error::Corrupt(_)), "half {half} byte {at}: {e}");
                    }
                }
            }
            // Counts that promise more than the part holds, or overflow,
            // and halves that do not meet.
            for (at, value) in [
                (8, u64::MAX),
                (16, u64::MAX / 2),
                (24, 1 << 60),
                (0, u64::MAX),
                (0, 0),
            ] {
                let mut bad = part.clone();
                bad[at..at + 8].copy_from_slice(&value.to_le_bytes());
                assert!(
                    matches!(with(half, &bad), Err(Error::Corrupt(_))),
                    "{half} {at}"
                );
            }
        }
        // One step's bytes: unknown flags, a land use or status that is
        // none, a holder without its flag, a day out of range.
        let step = *read.all.first().unwrap();
        let one: [u8; STEP_BYTES] = bytemuck::bytes_of(&step).try_into().unwrap();
        let of = |b: [u8; STEP_BYTES]| bytemuck::from_bytes::<Step>(&b).check();
        assert!(of(one).is_ok());
        for (i, value) in [(38, 0x20), (39, 1), (36, 0xEE), (37, 0xEE)] {
            let mut bad = one;
            bad[i] = value;
            assert!(matches!(of(bad), Err(Error::Corrupt(_))), "{i}");
        }
        let mut bad = one;
        bad[38] &= !4;
        bad[24] = 7;
        assert!(matches!(of(bad), Err(Error::Corrupt(_))));
        let mut bad = one;
        bad[0..4].copy_from_slice(&i32::MAX.to_le_bytes());
        assert!(matches!(of(bad), Err(Error::Corrupt(_))));
        // The places the checkpoint's layout names.
        assert_eq!(
            i32::from_le_bytes(one[0..4].try_into().unwrap()),
            step.begins_day()
        );
        assert_eq!(one[39], 0);
    }
}

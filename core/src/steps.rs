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

use crate::error::{Error, Result};
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
}

/// The step of `steps` whose span holds `date`: `None` before the first.
fn step_of(steps: &[Step], date: chrono::NaiveDate) -> Option<&Step> {
    let after = steps.partition_point(|s| s.from <= date);
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
        match steps {
            Some(steps) => {
                self.unknown.remove(&id);
                self.again.insert(id, steps.into_boxed_slice());
            }
            None => self.forget(id),
        }
    }

    /// Forgets the steps of `id` (a unit of work changed it).
    pub(crate) fn forget(&mut self, id: u64) {
        self.again.remove(&id);
        self.unknown.insert(id);
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
            .map(|s| s.from)
            .max()
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
            if let Some(step) = step_of(self.all.get(range[0]..range[1]).unwrap_or_default(), date)
            {
                f(step)?;
            }
        }
        for (id, steps) in &self.again {
            if !self.unknown.contains(id) {
                if let Some(step) = step_of(steps, date) {
                    f(step)?;
                }
            }
        }
        Ok(())
    }

    /// Takes in the steps of `other`, all of whose ids are above this
    /// one's (the two halves of a load).
    pub(crate) fn join(&mut self, other: Steps) {
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
    /// ([`Step::put`]) and the ids whose steps are not known (`u64`; the
    /// upper half also holds those beyond both).
    pub(crate) fn encode(&self) -> Result<[Vec<u8>; 2]> {
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
            .filter(|id| !(start..last).contains(id));
        Ok([
            self.encode_ids(start..mid, std::iter::empty())?,
            self.encode_ids(mid..last, beyond)?,
        ])
    }

    /// One part of [`Steps::encode`]: the steps of `ids`, and `beyond`
    /// among the unknown.
    fn encode_ids(
        &self,
        ids: std::ops::Range<u64>,
        beyond: impl Iterator<Item = u64>,
    ) -> Result<Vec<u8>> {
        let mut counts = Vec::new();
        let mut steps = Vec::new();
        let mut unknown = Vec::new();
        for id in ids.clone() {
            let of = self.of(id);
            if of.is_none() {
                unknown.push(id);
            }
            let of = of.unwrap_or_default();
            let count = u32::try_from(of.len())
                .map_err(|_| Error::Internal("an entity with more than 2³² steps".into()))?;
            counts.extend_from_slice(&count.to_le_bytes());
            for step in of {
                step.put(&mut steps);
            }
        }
        unknown.extend(beyond);
        let mut out = Vec::with_capacity(32 + counts.len() + steps.len() + unknown.len() * 8);
        for n in [
            ids.start,
            ids.end - ids.start,
            (steps.len() / STEP_BYTES) as u64,
            unknown.len() as u64,
        ] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        out.extend_from_slice(&counts);
        out.extend_from_slice(&steps);
        for id in unknown {
            out.extend_from_slice(&id.to_le_bytes());
        }
        Ok(out)
    }

    /// Steps from the two parts [`Steps::encode`] made, each decoded on a
    /// thread of its own.
    pub(crate) fn decode(parts: [&[u8]; 2]) -> Result<Steps> {
        // The count is checked when its part is read; until then, it must
        // fit the part.
        let room = Steps::count_in(parts[1]).min(parts[1].len() / STEP_BYTES);
        let (mut lower, upper) = crate::threads::both(
            "reading a checkpoint's steps",
            || Steps::decode_part(parts[0], room),
            || Steps::decode_part(parts[1], 0),
        )?;
        Steps::join_parts(&mut lower, upper)?;
        Ok(lower)
    }

    /// How many steps a part of [`Steps::encode`] says it holds, from its
    /// first bytes (0 if it cannot tell: its decoding then fails).
    pub(crate) fn count_in(part: &[u8]) -> usize {
        part.get(16..24)
            .and_then(|b| b.try_into().ok())
            .and_then(|b| usize::try_from(u64::from_le_bytes(b)).ok())
            .unwrap_or(0)
    }

    /// Joins the upper part of a checkpoint's steps to the lower: the
    /// upper must begin where the lower ends.
    pub(crate) fn join_parts(lower: &mut Steps, upper: Steps) -> Result<()> {
        if upper.first != lower.end() {
            return Err(Error::Corrupt(
                "a checkpoint's halves of steps do not meet".into(),
            ));
        }
        lower.join(upper);
        Ok(())
    }

    /// Steps from one part of [`Steps::encode`], with room for `room`
    /// more (those of the part to be joined to it).
    pub(crate) fn decode_part(part: &[u8], room: usize) -> Result<Steps> {
        let bad = |what: &str| Error::Corrupt(format!("a checkpoint's steps part {what}"));
        let (head, rest) = part.split_first_chunk::<32>().ok_or_else(|| bad("is truncated"))?;
        let [first, ids, steps, unknown] = std::array::from_fn(|i| {
            let mut w = [0; 8];
            w.copy_from_slice(&head[i * 8..i * 8 + 8]);
            u64::from_le_bytes(w)
        });
        // The lengths must add up before anything is allocated for them.
        let size = |n: u64, width: usize| usize::try_from(n).ok()?.checked_mul(width);
        let (Some(ids_len), Some(steps_len), Some(unknown_len)) =
            (size(ids, 4), size(steps, STEP_BYTES), size(unknown, 8))
        else {
            return Err(bad("is of an impossible size"));
        };
        if Some(rest.len()) != ids_len.checked_add(steps_len).and_then(|n| n.checked_add(unknown_len)) {
            return Err(bad("is not as long as its counts say"));
        }
        if first.checked_add(ids).is_none() {
            return Err(bad("places ids out of range"));
        }
        let (counts, rest) = rest.split_at(ids_len);
        let (all, unknown) = rest.split_at(steps_len);
        let mut starts = Vec::with_capacity(counts.len() / 4 + 1);
        let mut at = 0usize;
        starts.push(0);
        for count in counts.chunks_exact(4) {
            let mut w = [0; 4];
            w.copy_from_slice(count);
            at = at.saturating_add(u32::from_le_bytes(w) as usize);
            starts.push(at);
        }
        if at.checked_mul(STEP_BYTES) != Some(all.len()) {
            return Err(bad("does not add up to its counts"));
        }
        // Filled in place: a collect through `Result` cannot know the
        // length, and would grow (and copy) a province's steps many times.
        let mut steps = Vec::with_capacity(at.saturating_add(room));
        for b in all.chunks_exact(STEP_BYTES) {
            steps.push(Step::take(
                b.try_into().map_err(|_| bad("holds a step cut short"))?,
            )?);
        }
        let unknown = unknown
            .chunks_exact(8)
            .map(|b| {
                let mut w = [0; 8];
                w.copy_from_slice(b);
                u64::from_le_bytes(w)
            })
            .collect();
        Ok(Steps {
            first,
            starts,
            all: steps,
            again: HashMap::new(),
            unknown,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::land::Parcel;

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
        let first = steps[0].from;
        assert_eq!(step_of(held, first.pred_opt().unwrap()), None);
        assert_eq!(step_of(held, first), Some(&steps[0]));
        let last = steps.last().unwrap();
        assert_eq!(
            step_of(held, last.from + chrono::Days::new(9999)),
            Some(last)
        );
        // A pass over every entity's step of a date skips the unknown
        // and takes those made again once.
        let date = steps[1].from;
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
            for (at, value) in [(8, u64::MAX), (16, u64::MAX / 2), (24, 1 << 60), (0, u64::MAX), (0, 0)] {
                let mut bad = part.clone();
                bad[at..at + 8].copy_from_slice(&value.to_le_bytes());
                assert!(matches!(with(half, &bad), Err(Error::Corrupt(_))), "{half} {at}");
            }
        }
        // One step's bytes: unknown flags, a land use or status that is
        // none, a holder without its flag, a day out of range.
        let mut one = Vec::new();
        let step = *read.all.first().unwrap();
        step.put(&mut one);
        assert_eq!(one.len(), STEP_BYTES);
        let at = |b: &[u8]| -> [u8; STEP_BYTES] { b.try_into().unwrap() };
        assert_eq!(Step::take(&at(&one)).unwrap(), step);
        for (i, value) in [(38, 0x10), (39, 1), (36, 0xEE), (37, 0xEE)] {
            let mut bad = one.clone();
            bad[i] = value;
            assert!(matches!(Step::take(&at(&bad)), Err(Error::Corrupt(_))), "{i}");
        }
        let mut bad = one.clone();
        bad[38] &= !4;
        bad[24] = 7;
        assert!(matches!(Step::take(&at(&bad)), Err(Error::Corrupt(_))));
        let mut bad = one.clone();
        bad[0..4].copy_from_slice(&i32::MAX.to_le_bytes());
        assert!(matches!(Step::take(&at(&bad)), Err(Error::Corrupt(_))));
    }
}

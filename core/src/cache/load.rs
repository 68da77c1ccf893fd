//! Loading a kind: from its checkpoint when one matches the store (the
//! entities units of work touched since folded on top), else by folding
//! every entity's events on two threads.

use std::sync::Arc;

use crate::checkpoint;
use crate::error::Result;
use crate::event::Event;
use crate::record::{self, Record};
use crate::storage::Store;

use super::kind::{add, Kind};

/// Whether reading `some` of a kind's `all` entities' events is quicker in
/// one pass over the kind than one entity at a time: folding many entities
/// one by one reads their blocks many times over, and past a quarter of
/// the kind a pass over it all is quicker.
pub(super) fn worth_one_pass(some: usize, all: usize) -> bool {
    some > 10_000 && some * 4 > all
}

/// Loads the records of a kind from a checkpoint that matches the store,
/// folding on top the entities units of work stored after it touched.
/// Returns the kind and how many events it holds beyond the checkpoint.
pub(super) fn load_checkpoint<R: Record + Send + Sync + 'static>(
    store: &dyn Store,
    opened: checkpoint::Opened,
) -> Result<(Kind<R>, u64)> {
    let [lower, upper] = opened.halves();
    let decode = |part: &[u8]| {
        let mut kind = Kind::new();
        checkpoint::decode_records::<R>(part, &mut |r| {
            let id = r.id();
            kind.insert(id, Arc::new(r));
        })?;
        Ok::<_, crate::Error>(kind)
    };
    let (mut kind, upper) =
        crate::threads::both("reading a checkpoint", || decode(lower), || decode(upper))?;
    kind.join(upper);
    kind.steps = crate::steps::Steps::decode(opened.steps())?;
    for (family, value, ids) in checkpoint::decode_history(opened.history())? {
        let key = (family, value.into_boxed_slice());
        for id in ids {
            add(&mut kind.history, key.clone(), id);
        }
    }
    let beyond = fold_touched::<R>(
        store,
        opened.next_event,
        kind.records.len(),
        &mut |id, events, folded, steps| {
            for key in events
                .iter()
                .filter_map(|e| record::history_of::<R>(&e.body))
            {
                kind.add_history(key, id);
            }
            match folded {
                Some(r) => kind.insert(id, Arc::new(r)),
                None => kind.remove(id),
            }
            if R::STEPS {
                kind.steps.set(id, steps);
            }
        },
    )?;
    crate::counts::verify_loaded(store, R::KIND, opened.events + beyond)?;
    Ok((kind, beyond))
}

/// What [`fold_touched`] hands over of each entity: its id, its stored
/// events, its record and its steps.
pub(super) type Touched<'a, R> =
    dyn FnMut(u64, &[Event<<R as Record>::Event>], Option<R>, record::MadeSteps) + 'a;

/// Folds each entity of kind `R` that units of work stored from event
/// `next_event` on (after a checkpoint) touched, out of `all`: `f` takes
/// its id, its stored events, its record and its steps. Returns how many
/// events they hold beyond the checkpoint; refuses when so many changed
/// that the checkpoint saves nothing.
pub(super) fn fold_touched<R: Record>(
    store: &dyn Store,
    next_event: u64,
    all: usize,
    f: &mut Touched<'_, R>,
) -> Result<u64> {
    let touched = checkpoint::touched_since::<R>(store, next_event)?;
    if worth_one_pass(touched.len(), all) {
        return Err(crate::Error::Internal(
            "too many entities changed since the checkpoint".into(),
        ));
    }
    let mut beyond = 0u64;
    for &id in &touched {
        let events = record::stored_events::<R>(store, id)?;
        beyond += events.iter().filter(|e| e.id.0 >= next_event).count() as u64;
        let (folded, steps) = record::stored_fold_with_steps::<R, _>(id, &events)?;
        f(id, &events, folded, steps);
    }
    Ok(beyond)
}

/// Loads every record of a kind by folding each entity's stored events:
/// two threads each read, decode, fold and index a half of the ids, and
/// the halves are joined. (Handing folded records to a third thread to
/// index was slower: on two cores it waited on the readers and they on it.)
pub(super) fn fold_all<R: Record + Send + Sync + 'static>(store: &dyn Store) -> Result<Kind<R>> {
    let ([mut lower, upper], count) = record::fold_halves::<R, _>(
        "reading stored events",
        store,
        |ids| {
            let mut part = Kind::new();
            if R::STEPS {
                part.steps = crate::steps::Steps::from(ids.from);
            }
            part
        },
        |part, (id, events, folded, steps)| {
            for key in record::history_in::<R>(events) {
                part.add_history(key, id);
            }
            if let Some(r) = folded {
                part.insert(id, Arc::new(r));
            }
            if R::STEPS {
                part.steps.push(id, steps.as_deref());
            }
            Ok(())
        },
    )?;
    crate::counts::verify_loaded(store, R::KIND, count)?;
    lower.join(upper);
    Ok(lower)
}

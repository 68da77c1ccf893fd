//! Writing a checkpoint: its parts streamed to a temporary file as they
//! are encoded (from the loaded records, or folded from the events a half
//! at a time), the header last, then synced and renamed into place.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::record::Record;
use crate::storage::codec::FORMAT_VERSION;
use crate::storage::Store;

use super::format::*;
use super::index::*;
use super::read::History;

/// Writes records (in id order) as a part: their count, then each, the
/// record and the fields its own events set ([`Record::extras`]); says
/// where each record went: (id, length, CRC-32), in order.
pub(super) fn write_records<R: Record>(records: &[&R], out: &mut dyn Write) -> Result<Placements> {
    let io = |e| Error::io("cannot write a checkpoint", e);
    out.write_all(&count_prefix(records.len() as u64)?)
        .map_err(io)?;
    let mut placed = Vec::with_capacity(records.len());
    let mut one = Vec::new();
    for r in records {
        one.clear();
        encode(&(r, r.extras()), &mut one)?;
        out.write_all(&one).map_err(io)?;
        placed.push(placement(r.id(), &one)?);
    }
    Ok(placed)
}

/// The part [`write_records`] writes, in memory.
#[cfg(test)]
pub(crate) fn encode_records<R: Record>(records: &[&R]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write_records(records, &mut out)?;
    Ok(out)
}

/// The room a checkpoint's file keeps for its header, after the magic
/// and the header's length: the parts are written after it as they are
/// encoded, and the header (a few dozen bytes; what the parts' lengths
/// and checksums are is known only then) last, into this room, the rest
/// of which stays zero.
pub(super) const HEAD_ROOM: usize = 1024;

/// A checkpoint being written: its temporary file, made before its parts
/// are encoded. Dropped unfinished, it removes the file; a crash leaves
/// it, and the next write replaces it.
pub(crate) struct Partial {
    pub(super) file: std::fs::File,
    pub(super) temporary: PathBuf,
    pub(super) target: PathBuf,
    pub(super) dir: PathBuf,
    pub(super) done: bool,
}

/// A writer that counts the bytes through it and their CRC-32.
pub(super) struct Counted<W> {
    pub(super) inner: W,
    pub(super) len: u64,
    pub(super) crc: crc32fast::Hasher,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        let written = buf.get(..n).unwrap_or_default();
        self.crc.update(written);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Partial {
    /// Starts the checkpoint of `kind`.
    pub(crate) fn begin(place: &Place, kind: u8) -> Result<Partial> {
        if !place.writable {
            return Err(Error::ReadOnly(
                "a read-only snapshot writes no checkpoint".into(),
            ));
        }
        crate::files::create_private_dir(&place.dir)?;
        let target = place.file(kind);
        let temporary = target.with_extension("ckpt.partial");
        // It holds every record of the ledger: private, as the database's
        // own files are.
        let mut file = std::os::unix::fs::OpenOptionsExt::mode(
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true),
            0o600,
        )
        .open(&temporary)
        .map_err(|e| Error::io(format!("cannot create {}", temporary.display()), e))?;
        (|| {
            file.write_all(MAGIC)?;
            file.write_all(&u32::try_from(HEAD_ROOM).unwrap_or(u32::MAX).to_be_bytes())?;
            file.write_all(&[0; HEAD_ROOM])
        })()
        .map_err(|e| Error::io(format!("cannot write {}", temporary.display()), e))?;
        Ok(Partial {
            file,
            temporary,
            target,
            dir: place.dir.clone(),
            done: false,
        })
    }

    /// Writes one part after those before it, through a buffer straight
    /// to the file: its length and CRC-32.
    pub(super) fn part(
        &mut self,
        write: impl FnOnce(&mut dyn Write) -> Result<()>,
    ) -> Result<(u64, u32)> {
        let mut out = std::io::BufWriter::with_capacity(
            1 << 20,
            Counted {
                inner: &mut self.file,
                len: 0,
                crc: crc32fast::Hasher::new(),
            },
        );
        write(&mut out)?;
        let counted = out
            .into_inner()
            .map_err(|e| Error::io("cannot write a checkpoint", e.into_error()))?;
        Ok((counted.len, counted.crc.finalize()))
    }

    /// Writes the checkpoint of kind `R` (see [`Opened`]): `records` in
    /// id order, the lookups events added for good and the records'
    /// steps, streamed to the file as they are encoded (only the upper
    /// half of the records is held in memory, encoded meanwhile on a
    /// thread of its own), covering the store as it is now: call with
    /// the commit lock held, so no unit of work lands meanwhile. Replaces
    /// the old checkpoint only once the new one is whole on disk.
    pub(crate) fn finish<R: Record>(
        mut self,
        store: &dyn Store,
        records: &[&R],
        history: &History,
        steps: &crate::steps::Steps,
    ) -> Result<()> {
        let (lower, upper) = records.split_at(records.len() / 2);
        let [low, high] = steps.halves();
        // The lower half streamed to the file while another thread encodes
        // the upper, which follows it: encoding is most of the work.
        let mut placed_low = Vec::new();
        let (first, (second, placed_high)) = crate::threads::both(
            "writing a checkpoint",
            || {
                self.part(|out| {
                    placed_low = write_records(lower, out)?;
                    Ok(())
                })
            },
            || {
                let mut part = Vec::new();
                write_records(upper, &mut part).map(|placed| (part, placed))
            },
        )?;
        let after = self.part(|out| {
            out.write_all(&second)
                .map_err(|e| Error::io("cannot write a checkpoint", e))
        })?;
        drop(second);
        let parts = vec![
            first,
            after,
            self.part(|out| encode(history, out))?,
            self.part(|out| low.write_to(out))?,
            self.part(|out| high.write_to(out))?,
            self.part(|out| write_index([(first.0, &placed_low), (after.0, &placed_high)], out))?,
            self.part(|out| R::write_digest(records, out))?,
        ];
        self.seal::<R>(store, records.len() as u64, parts)
    }

    /// Writes the checkpoint of kind `R` (see [`Opened`]) from its stored
    /// events, the kind not loaded: the records folded and encoded a half
    /// of the ids per thread (each half's encoded records, codes, lookups
    /// and steps held until written, not the records themselves), so a
    /// handle closing after an import that did not load the kind writes
    /// its checkpoint without holding a million records. For a kind whose
    /// digest is its codes alone ([`Record::DIGEST_IS_CODES`]); the file
    /// reads back as [`Partial::finish`]'s does. Call with the commit lock
    /// held, as that.
    pub(crate) fn finish_folding<R: Record>(mut self, store: &dyn Store) -> Result<()> {
        if !R::DIGEST_IS_CODES {
            return Err(Error::Internal(format!(
                "the checkpoint of the {} ledger is written from its records",
                R::ENTITY
            )));
        }
        let ([mut lower, upper], events) = crate::record::fold_halves::<R, _>(
            "writing a checkpoint",
            store,
            Folded::<R>::new,
            Folded::<R>::take,
        )?;
        crate::counts::verify_loaded(store, R::KIND, events)?;
        let records = lower.count + upper.count;
        let mut parts = Vec::with_capacity(PARTS);
        for half in [&lower, &upper] {
            // As `write_records` writes them: the count, then each record.
            let count = count_prefix(half.count)?;
            parts.push(self.part(|out| {
                out.write_all(&count)
                    .and_then(|()| out.write_all(&half.records))
                    .map_err(|e| Error::io("cannot write a checkpoint", e))
            })?);
        }
        // What is written is let go: the steps and codes are what is left.
        lower.records = Vec::new();
        drop(upper.records);
        lower.steps.join(upper.steps);
        // Every id of the upper half is above the lower's: each key's ids
        // stay in order.
        for (key, ids) in upper.history {
            lower.history.entry(key).or_default().extend(ids);
        }
        let history: History = std::mem::take(&mut lower.history)
            .into_iter()
            .map(|((family, value), ids)| (family, value, ids))
            .collect();
        parts.push(self.part(|out| encode(&history, out))?);
        drop(history);
        let [low_steps, high_steps] = lower.steps.halves();
        parts.push(self.part(|out| low_steps.write_to(out))?);
        parts.push(self.part(|out| high_steps.write_to(out))?);
        let halves = [(parts[0].0, &lower.placed), (parts[1].0, &upper.placed)];
        parts.push(self.part(|out| write_index(halves, out))?);
        let mut codes = lower.codes;
        codes.extend(upper.codes);
        parts.push(self.part(|out| {
            let mut part = crate::sections::Writer::new(out);
            if let Some(family) = R::CODE {
                crate::record::write_code_section(family, codes, &mut part)?;
            }
            part.finish()
        })?);
        self.seal::<R>(store, records, parts)
    }

    /// Writes the header of a checkpoint whose parts are written, covering
    /// the store as it is now, and puts the file in its place.
    pub(super) fn seal<R: Record>(
        mut self,
        store: &dyn Store,
        records: u64,
        parts: Vec<(u64, u32)>,
    ) -> Result<()> {
        let next_event = crate::counts::next_event(store)?;
        let header = Header {
            layout: LAYOUT,
            version: env!("CARGO_PKG_VERSION").to_string(),
            format: FORMAT_VERSION,
            kind: R::KIND,
            next_event,
            events: crate::counts::of_kind(store, R::KIND)?,
            anchor: anchor(store, next_event)?,
            records,
            parts,
        };
        let mut head = Vec::new();
        encode(&header, &mut head)?;
        if head.len() > HEAD_ROOM {
            return Err(Error::Internal(format!(
                "a checkpoint's header takes {} bytes, more than its room",
                head.len()
            )));
        }
        let io = |what: &str, e: std::io::Error| {
            Error::io(format!("cannot {what} {}", self.temporary.display()), e)
        };
        std::os::unix::fs::FileExt::write_all_at(&self.file, &head, (MAGIC.len() + 4) as u64)
            .and_then(|()| self.file.sync_all())
            .map_err(|e| io("write", e))?;
        std::fs::rename(&self.temporary, &self.target).map_err(|e| io("rename", e))?;
        self.done = true;
        // The rename is durable once the directory is; if that sync fails,
        // a crash leaves the old checkpoint or the new, both whole.
        let _ = crate::files::sync_dir(&self.dir);
        Ok(())
    }
}

/// A half of a kind's ids folded from their stored events, for
/// [`Partial::finish_folding`].
pub(super) struct Folded<R: Record> {
    /// The records, each as [`write_records`] encodes it.
    pub(super) records: Vec<u8>,
    pub(super) count: u64,
    /// Where each is in `records` ([`RecordIndex`]).
    pub(super) placed: Placements,
    /// (code, id) of the records that have one ([`Record::CODE`]).
    pub(super) codes: Vec<(Box<[u8]>, u64)>,
    /// The lookups events added for good: (family, value) → ids, in order.
    pub(super) history: BTreeMap<(u8, Vec<u8>), Vec<u64>>,
    pub(super) steps: crate::steps::Steps,
    pub(super) kind: std::marker::PhantomData<R>,
}

impl<R: Record> Folded<R> {
    /// Nothing folded yet of the half `ids`.
    pub(super) fn new(ids: crate::record::Ids) -> Folded<R> {
        Folded {
            records: Vec::new(),
            count: 0,
            placed: Vec::new(),
            codes: Vec::new(),
            history: BTreeMap::new(),
            steps: if R::STEPS {
                crate::steps::Steps::from(ids.from)
            } else {
                crate::steps::Steps::default()
            },
            kind: std::marker::PhantomData,
        }
    }

    /// Takes in one entity, as a load does (`cache::fold_all`).
    pub(super) fn take(
        &mut self,
        (id, events, folded, steps): crate::record::FoldedEntity<'_, R>,
    ) -> Result<()> {
        for key in crate::record::history_in::<R>(events) {
            let ids = self.history.entry(key).or_default();
            if ids.last() != Some(&id) {
                ids.push(id);
            }
        }
        if let Some(r) = folded {
            let start = self.records.len();
            encode(&(&r, r.extras()), &mut self.records)?;
            let one = self.records.get(start..).unwrap_or_default();
            self.placed.push(placement(id, one)?);
            self.count += 1;
            if let Some((family, code)) = r.code() {
                if Some(family) == R::CODE {
                    self.codes.push((code.into(), id));
                }
            }
        }
        if R::STEPS {
            self.steps.push(id, steps.as_deref());
        }
        Ok(())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

use super::format::*;
use super::index::*;
use super::read::*;
use super::write::*;
use crate::enterprise::Enterprise;
use crate::error::Error;
use crate::fund::{Application, Programme};
use crate::indicators::Indicator;
use crate::land::Parcel;
use crate::record::Record;

/// The CRC-32 of the example zone's records of kind `R` as a
/// checkpoint encodes them (boundaries left out: their areas are
/// measured in floating point).
fn layout_of<R: Record>(db: &crate::Db, strip: fn(&mut R)) -> u32 {
    let engine = &db.engine;
    let records: Vec<R> = engine
        .cache
        .with::<R, _>(engine.store.as_ref(), |k| {
            k.records.values().map(|r| (**r).clone()).collect()
        })
        .unwrap();
    let mut records = records;
    records.iter_mut().for_each(strip);
    crc32fast::hash(&encode_records(&records.iter().collect::<Vec<_>>()).unwrap())
}

fn digest_of<R: Record>(db: &crate::Db) -> u32 {
    let records: Vec<R> = db
        .engine
        .cache
        .with::<R, _>(db.engine.store.as_ref(), |k| {
            k.records.values().map(|r| (**r).clone()).collect()
        })
        .unwrap();
    let mut digest = Vec::new();
    R::write_digest(&records.iter().collect::<Vec<_>>(), &mut digest).unwrap();
    crc32fast::hash(&digest)
}

fn steps_of(db: &crate::Db) -> crate::steps::Steps {
    let mut steps = crate::steps::Steps::from(1);
    crate::record::for_each_stored::<Parcel>(db.engine.store.as_ref(), &mut |id, events| {
        let made = crate::record::stored_fold_with_steps::<Parcel, _>(id, &events?)?.1;
        assert!(made.is_some());
        steps.push(id, made.as_deref());
        Ok(true)
    })
    .unwrap();
    steps
}

/// The example zone in a database closed once (which wrote its
/// checkpoints) and opened again.
fn example_zone_closed_and_opened() -> (tempfile::TempDir, crate::Db) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    {
        let db = crate::Db::open(&path).unwrap();
        crate::example::build_seed(&db).unwrap();
    }
    let db = crate::Db::open(&path).unwrap();
    (dir, db)
}

/// Writes kind `R`'s checkpoint again with part `i` as `edit` makes it
/// from the part and the records, under checksums that hold. The
/// problems `check()` finds.
fn check_with_part_of<R: Record>(
    db: &crate::Db,
    i: usize,
    edit: impl FnOnce(&[u8], &mut Vec<R>) -> Vec<u8>,
) -> Vec<String> {
    let place = db.engine.cache.place().unwrap().clone();
    let store = db.engine.store.as_ref();
    let file = place.file(R::KIND);
    let bytes = std::fs::read(&file).unwrap();
    let (mut header, start) = header_of(&bytes).unwrap();
    let opened = open(&place, store, R::KIND).unwrap();
    let mut records = Vec::new();
    for half in opened.halves() {
        decode_records::<R>(half, &mut |r| records.push(r)).unwrap();
    }
    assert!(db.check().unwrap().is_clean());
    let size = |parts: &[(u64, u32)]| usize::try_from(parts.iter().map(|p| p.0).sum::<u64>());
    let before = start + size(&header.parts[..i]).unwrap();
    let after = start + size(&header.parts[..=i]).unwrap();
    let part = edit(&bytes[before..after], &mut records);
    header.parts[i] = (part.len() as u64, crc32fast::hash(&part));
    let mut head = Vec::new();
    encode(&header, &mut head).unwrap();
    head.resize(HEAD_ROOM, 0);
    let mut out = bytes[..MAGIC.len() + 4].to_vec();
    out.extend(head);
    out.extend(&bytes[start..before]);
    out.extend(part);
    out.extend(&bytes[after..]);
    std::fs::write(&file, out).unwrap();
    assert!(open(&place, store, R::KIND).is_ok());
    db.check().unwrap().problems
}

/// [`check_with_part_of`] the digest of the records as `edit` changes
/// them: the records still match the folds, the digest not.
fn check_with_digest_of<R: Record>(db: &crate::Db, edit: impl FnOnce(&mut Vec<R>)) -> Vec<String> {
    check_with_part_of::<R>(db, 6, |_, records| {
        edit(records);
        let mut digest = Vec::new();
        R::write_digest(&records.iter().collect::<Vec<_>>(), &mut digest).unwrap();
        digest
    })
}

#[test]
fn check_finds_a_record_index_that_does_not_place_the_records() {
    let (_dir, db) = example_zone_closed_and_opened();
    // The places of the first two records swapped: each read alone
    // would take the other's bytes.
    let problems = check_with_part_of::<Parcel>(&db, 5, |index, _| {
        let mut index = index.to_vec();
        let (first, second) = (8 + 8..8 + 16, 8 + PLACED + 8..8 + PLACED + 16);
        let at = index[first.clone()].to_vec();
        assert_ne!(at, index[second.clone()]);
        index.copy_within(second.clone(), first.start);
        index[second].copy_from_slice(&at);
        index
    });
    assert!(
        problems
            .iter()
            .any(|p| p.contains("record index does not place")),
        "{problems:?}"
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    // Read alone, those records' bytes do not check: point reads fold
    // the events instead, and find what the loaded records hold.
    let parcels = db.now().all_parcels().unwrap();
    db.engine.cache.reset();
    for p in &parcels {
        assert_eq!(
            format!("{:?}", db.now().parcel(p.id).unwrap()),
            format!("{p:?}")
        );
    }
    assert!(db.engine.cache.if_loaded::<Parcel, _>(|_| ()).is_none());
}

/// What kind `R`'s checkpoint on disk holds: its records re-encoded
/// in one part (the halves may split elsewhere), its lookups, steps
/// and digest as written, and its record index but for the places
/// (which move with the split).
fn held_by_checkpoint<R: Record>(db: &crate::Db) -> [Vec<u8>; 6] {
    let place = db.engine.cache.place().unwrap().clone();
    let opened = open(&place, db.engine.store.as_ref(), R::KIND).unwrap();
    let mut records = Vec::new();
    for half in opened.halves() {
        decode_records::<R>(half, &mut |r| records.push(r)).unwrap();
    }
    let [low, high] = opened.steps();
    [
        encode_records(&records.iter().collect::<Vec<_>>()).unwrap(),
        opened.history().to_vec(),
        low.to_vec(),
        high.to_vec(),
        opened.digest().to_vec(),
        {
            let index = RecordIndex::new(opened.index().to_vec()).unwrap();
            assert_eq!(index.len(), records.len());
            (0..index.len())
                .flat_map(|i| {
                    let e = index.entry(i);
                    [e.id, u64::from(e.len), u64::from(e.crc)]
                })
                .flat_map(u64::to_le_bytes)
                .collect()
        },
    ]
}

/// Kind `R`'s checkpoint written from its loaded records and then
/// from its stored events, the kind not loaded: the same file but for
/// where the records' halves split. The kind stays unloaded.
fn written_both_ways<R: Record>(db: &crate::Db) {
    let engine = &db.engine;
    let store = engine.store.as_ref();
    engine.cache.with::<R, _>(store, |_| ()).unwrap();
    engine.cache.save::<R>(store).unwrap();
    let from_records = held_by_checkpoint::<R>(db);
    engine.cache.reset();
    engine.cache.save::<R>(store).unwrap();
    assert!(
        engine.cache.if_loaded::<R, _>(|_| ()).is_none(),
        "{}",
        R::ENTITY
    );
    let folded = held_by_checkpoint::<R>(db);
    for (i, what) in ["records", "lookups", "steps", "steps", "digest", "index"]
        .iter()
        .enumerate()
    {
        assert!(from_records[i] == folded[i], "{} {what}", R::ENTITY);
    }
    // And it loads, as a new process would.
    engine.cache.reset();
    engine.cache.with::<R, _>(store, |_| ()).unwrap();
    assert_eq!(engine.cache.loaded_from_checkpoint(R::KIND), Some(true));
    assert!(db.check().unwrap().is_clean());
}

#[test]
fn a_checkpoint_folded_from_the_events_is_the_one_written_from_the_records() {
    use crate::land::SupplyMethod;
    use crate::units::{Mu, Yuan};
    use crate::writer::{Allocation, NewParcel};
    let (_dir, db) = example_zone_closed_and_opened();
    let firms = db.now().enterprises().unwrap();
    let day =
        |d: u32| chrono::NaiveDate::from_ymd_opt(2015, 1, 1).unwrap() + chrono::Days::new(d.into());
    // Enough parcels for both halves of the ids, with holders (ever
    // held: lookups kept for good), transfers and reclamations.
    db.write(|tx| {
        for i in 0..400u32 {
            let id = tx.add_parcel(NewParcel::new(
                format!("T-{i:04}"),
                Mu::from_millionths(1_000 + i64::from(i)),
                crate::land::LandUse::Industrial,
                day(i),
            ))?;
            if i % 3 == 0 {
                continue;
            }
            let holder = firms[i as usize % firms.len()].id;
            let held = |date, fen| Allocation {
                holder,
                date,
                method: SupplyMethod::Listing,
                price: Yuan::from_fen(fen),
                start_by: None,
                complete_by: None,
            };
            tx.allocate(id, held(day(i + 10), i64::from(i) * 100))?;
            if i % 7 == 0 {
                tx.reclaim(id, day(i + 400), "闲置")?;
            }
            if i % 14 == 0 {
                // Held again by the same firm: one id in its lookup.
                tx.allocate(id, held(day(i + 500), 100))?;
            }
        }
        Ok(())
    })
    .unwrap();
    written_both_ways::<Parcel>(&db);
    written_both_ways::<Programme>(&db);
    written_both_ways::<Application>(&db);
    written_both_ways::<Indicator>(&db);
}

#[test]
fn each_record_is_read_alone_where_the_index_places_it() {
    // Both ways of writing a checkpoint: from the loaded records (the
    // register, the parcels of a closing handle that read them) and
    // from the events (the parcels of one that only wrote them).
    let (_dir, db) = example_zone_closed_and_opened();
    let engine = &db.engine;
    let store = engine.store.as_ref();
    let place = engine.cache.place().unwrap().clone();
    let alone_then_loaded = |from_events: bool| {
        if from_events {
            let _read = engine.read_guard();
            Partial::begin(&place, Parcel::KIND)
                .unwrap()
                .finish_folding::<Parcel>(store)
                .unwrap();
        }
        let _read = engine.read_guard();
        let opened = open(&place, store, Parcel::KIND).unwrap();
        let mut ids = Vec::new();
        for half in opened.halves() {
            decode_records::<Parcel>(half, &mut |r| ids.push(r.id.0)).unwrap();
        }
        let alone: Vec<String> = ids
            .iter()
            .map(|id| match engine.cache.record_alone::<Parcel>(store, *id) {
                Some(crate::cache::Alone::Held(p)) => format!("{p:?}"),
                other => panic!("parcel {id} not read alone: {other:?}"),
            })
            .collect();
        // An id the checkpoint does not hold, no unit of work touched:
        // no such parcel.
        assert!(matches!(
            engine.cache.record_alone::<Parcel>(store, 1 << 40),
            Some(crate::cache::Alone::NoneSuch)
        ));
        (ids, alone)
    };
    for from_events in [false, true] {
        let (ids, alone) = alone_then_loaded(from_events);
        assert!(ids.len() > 10);
        let _read = engine.read_guard();
        let loaded: Vec<String> = engine
            .cache
            .with::<Parcel, _>(store, |k| {
                ids.iter()
                    .map(|id| format!("{:?}", k.records[id]))
                    .collect()
            })
            .unwrap();
        assert_eq!(alone, loaded, "written from the events: {from_events}");
        // Loaded, the records answer, not the checkpoint.
        assert!(engine.cache.record_alone::<Parcel>(store, ids[0]).is_none());
        engine.cache.reset();
    }
    assert!(db.check().unwrap().is_clean());
}

#[test]
fn the_register_is_not_written_from_its_events() {
    let (_dir, db) = example_zone_closed_and_opened();
    let place = db.engine.cache.place().unwrap().clone();
    let partial = Partial::begin(&place, Enterprise::KIND).unwrap();
    assert!(matches!(
        partial.finish_folding::<Enterprise>(db.engine.store.as_ref()),
        Err(Error::Internal(_))
    ));
    // And saving it loads it instead.
    db.engine
        .cache
        .save::<Enterprise>(db.engine.store.as_ref())
        .unwrap();
    assert!(db.engine.cache.if_loaded::<Enterprise, _>(|_| ()).is_some());
}

#[test]
fn check_finds_codes_other_than_the_records() {
    let (_dir, db) = example_zone_closed_and_opened();
    let problems = check_with_digest_of::<Parcel>(&db, |parcels| {
        parcels[0].code.push_str("-X");
    });
    assert!(
        problems
            .iter()
            .any(|p| p.contains("parcel ledger's checkpoint keeps other codes than")),
        "{problems:?}"
    );
    assert!(
        !problems.iter().any(|p| p.contains("figures by year")),
        "{problems:?}"
    );
}

#[test]
fn check_finds_figures_by_year_other_than_the_records() {
    let (_dir, db) = example_zone_closed_and_opened();
    // One firm renamed: its name is in the firms' section, not a code.
    let problems = check_with_digest_of::<Enterprise>(&db, |firms| {
        firms[0].name.push_str(" (renamed)");
    });
    assert!(
        problems
            .iter()
            .any(|p| p.contains("enterprise ledger's checkpoint keeps other figures by year than")),
        "{problems:?}"
    );
    // And an evaluation read from it shows what it holds: the check
    // is what finds such a file.
    let scheme = crate::scheme::huangyan_2022();
    let scores = db.now().scores(&scheme, 2005).unwrap();
    assert!((0..scores.len()).any(|i| scores.name(i).is_some_and(|n| n.ends_with(" (renamed)"))));
}

#[test]
fn steps_read_alone_from_a_damaged_file_are_refused_never_a_panic() {
    let (_dir, db) = example_zone_closed_and_opened();
    let place = db.engine.cache.place().unwrap().clone();
    let store = db.engine.store.as_ref();
    let file = place.file(Parcel::KIND);
    let good = std::fs::read(&file).unwrap();
    let whole = open_alone(&place, store, Parcel::KIND)
        .unwrap()
        .steps()
        .unwrap();
    let opened = open(&place, store, Parcel::KIND).unwrap();
    assert_eq!(
        format!("{:?}", crate::steps::Steps::decode(opened.steps()).unwrap()),
        format!("{whole:?}"),
        "read alone or with the records, the same steps"
    );
    let steps = |bytes: &[u8]| {
        std::fs::write(&file, bytes).unwrap();
        open_alone(&place, store, Parcel::KIND).map(|on_disk| on_disk.steps())
    };
    // Cut anywhere: refused.
    for len in (0..good.len())
        .step_by(good.len() / 97 + 1)
        .chain([8, 12, 13])
    {
        assert!(!matches!(steps(&good[..len]), Ok(Ok(_))), "cut at {len}");
    }
    // A byte changed in the header or the steps: refused, or (in the
    // header's other fields) read as they are; never a panic.
    let header = good.len().min(200);
    let tail = good.len() - 64;
    for at in (0..header).chain(tail..good.len()) {
        let mut bad = good.clone();
        bad[at] ^= 0x5A;
        match steps(&bad) {
            Err(Unused::Damaged(_) | Unused::Other(_) | Unused::Mismatch(_))
            | Ok(Err(Error::Corrupt(_))) => {}
            Ok(Ok(read)) => assert_eq!(format!("{read:?}"), format!("{whole:?}"), "byte {at}"),
            other => panic!("byte {at}: {:?}", other.map(|r| r.map(|_| ()))),
        }
    }
    // A header that claims to be longer than any header is.
    let mut bad = good.clone();
    bad[MAGIC.len()..MAGIC.len() + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(matches!(steps(&bad), Err(Unused::Damaged(_))));
    std::fs::remove_file(&file).unwrap();
    assert!(matches!(
        open_alone(&place, store, Parcel::KIND),
        Err(Unused::Absent)
    ));
}

#[test]
fn the_header_waits_in_its_room_and_a_file_without_the_room_still_reads() {
    let (_dir, db) = example_zone_closed_and_opened();
    let place = db.engine.cache.place().unwrap().clone();
    let store = db.engine.store.as_ref();
    let file = place.file(Parcel::KIND);
    let good = std::fs::read(&file).unwrap();
    // The parts, streamed, begin after the room; the header, written
    // last, fills its start and the rest stays zero.
    let (header, start) = header_of(&good).unwrap();
    assert_eq!(start, MAGIC.len() + 4 + HEAD_ROOM);
    let mut head = Vec::new();
    encode(&header, &mut head).unwrap();
    assert!(head.len() < HEAD_ROOM / 4);
    assert_eq!(&good[MAGIC.len() + 4..][..head.len()], head.as_slice());
    assert!(good[MAGIC.len() + 4 + head.len()..start]
        .iter()
        .all(|b| *b == 0));
    let parcels = db
        .engine
        .cache
        .with::<Parcel, _>(store, |k| k.records.len() as u64)
        .unwrap();
    assert_eq!(header.records, parcels);
    // A checkpoint whose header takes exactly its length (as parkdb
    // wrote them before streaming its parts) reads the same.
    let whole = open(&place, store, Parcel::KIND).unwrap();
    let mut compact = MAGIC.to_vec();
    compact.extend_from_slice(&u32::try_from(head.len()).unwrap().to_be_bytes());
    compact.extend_from_slice(&head);
    compact.extend_from_slice(&good[start..]);
    std::fs::write(&file, &compact).unwrap();
    let read = open(&place, store, Parcel::KIND).unwrap();
    for (a, b) in read.halves().iter().zip(whole.halves()) {
        assert_eq!(*a, b);
    }
    assert_eq!(read.steps(), whole.steps());
    assert!(open_alone(&place, store, Parcel::KIND).is_ok());
    // A byte of the room beyond the header that is not zero: damage.
    let mut bad = good.clone();
    bad[start - 1] = 1;
    std::fs::write(&file, &bad).unwrap();
    assert!(matches!(
        open(&place, store, Parcel::KIND),
        Err(Unused::Damaged(_))
    ));
}

#[test]
fn the_layout_is_pinned() {
    // A change to the fields of a record (or of anything it holds)
    // changes these. Then raise LAYOUT, so checkpoints written before
    // are ignored rather than misread, and pin the new values here.
    let db = crate::Db::temporary().unwrap();
    crate::example::build_seed(&db).unwrap();
    let found = [
        layout_of::<Parcel>(&db, |p| p.boundary = None),
        layout_of::<Enterprise>(&db, |_| ()),
        layout_of::<Programme>(&db, |_| ()),
        layout_of::<Application>(&db, |_| ()),
        layout_of::<Indicator>(&db, |_| ()),
        // The parcels' steps, made from their events.
        crc32fast::hash(&steps_of(&db).encode().unwrap().concat()),
        // What is read alone: the register's codes and figures by
        // year, the parcels' codes.
        digest_of::<Enterprise>(&db),
        digest_of::<Parcel>(&db),
    ];
    assert_eq!(
        (LAYOUT, found),
        (
            11,
            [
                0xF588_1E2F,
                0xB689_8B3A,
                0xA34D_E366,
                0x5E94_BBC3,
                0xD202_EF8D,
                0xFF71_B70F,
                0x1123_42B3,
                0x8D78_6C7B
            ]
        ),
        "the records' layout changed: raise checkpoint::LAYOUT and pin the new values"
    );
}

use super::*;

/// What a unit of work hands over that changed `records` and let go
/// of `released` codes: (code, id).
fn changes_of(records: &[crate::land::Parcel], released: &[(&str, u64)]) -> Changes {
    let mut changes = Changes {
        batch: crate::storage::Batch::default(),
        runs: Vec::new(),
        records: PerLedger::default(),
        lookups: Vec::new(),
        released: released
            .iter()
            .map(|(code, id)| crate::changes::Lookup {
                kind: crate::land::Parcel::KIND,
                family: crate::storage::keys::index::PARCEL_CODE,
                value: code.as_bytes().to_vec(),
                entity: *id,
            })
            .collect(),
        source: None,
    };
    for r in records {
        crate::land::Parcel::mine_mut(&mut changes.records).insert(r.id.0, Arc::new(r.clone()));
    }
    changes
}

fn codes_unique(codes: &CodesAlone, code: &str) -> Option<u64> {
    codes.unique(code.as_bytes())
}

#[test]
fn a_kind_is_worth_loading_after_an_eighth_of_its_records_folded_one_by_one() {
    let db = crate::Db::temporary().unwrap();
    crate::example::build_seed(&db).unwrap();
    let (cache, store) = (&db.engine.cache, db.engine.store.as_ref());
    cache.reset();
    let first = (1..=100_000u64)
        .find(|_| cache.worth_loading::<crate::land::Parcel>(store))
        .unwrap();
    // A small ledger: at the least, not at an eighth of it.
    assert_eq!(first, LOAD_AFTER);
    // Loading it starts the count again.
    assert!(cache.if_loaded::<crate::land::Parcel, _>(|_| ()).is_none());
    cache.with::<crate::land::Parcel, _>(store, |_| ()).unwrap();
    let again = (1..=100_000u64)
        .find(|_| cache.worth_loading::<crate::land::Parcel>(store))
        .unwrap();
    assert_eq!(again, LOAD_AFTER);
    // Counted per kind.
    assert!(!cache.worth_loading::<crate::enterprise::Enterprise>(store));
}

#[test]
fn codes_kept_beside_a_kind_not_loaded_follow_each_commit() {
    let db = crate::Db::temporary().unwrap();
    crate::example::build_seed(&db).unwrap();
    let parcels = db.now().all_parcels().unwrap();
    let (a, b) = (parcels[0].clone(), parcels[1].clone());
    let mut codes = CodesAlone::empty(crate::storage::keys::index::PARCEL_CODE);
    codes.apply::<crate::land::Parcel>(&changes_of(&[a.clone(), b.clone()], &[]));
    assert_eq!(codes_unique(&codes, &a.code), Some(a.id.0));
    assert_eq!(codes_unique(&codes, &b.code), Some(b.id.0));
    assert_eq!(codes_unique(&codes, "nowhere"), None);
    // A changed code: the old one let go, the new one taken.
    let mut renamed = a.clone();
    renamed.code = "RENAMED".into();
    codes.apply::<crate::land::Parcel>(&changes_of(
        std::slice::from_ref(&renamed),
        &[(&a.code, a.id.0)],
    ));
    assert_eq!(codes_unique(&codes, &a.code), None);
    assert_eq!(codes_unique(&codes, "RENAMED"), Some(a.id.0));
    // Let go and taken back in one unit: held.
    codes.apply::<crate::land::Parcel>(&changes_of(
        std::slice::from_ref(&a),
        &[("RENAMED", a.id.0), (&a.code, a.id.0)],
    ));
    assert_eq!(codes_unique(&codes, &a.code), Some(a.id.0));
    assert_eq!(codes_unique(&codes, "RENAMED"), None);
    // A code two records share (as a view's lookups allow): the lowest
    // id answers, and the other once the lowest lets it go.
    let mut twin = b.clone();
    twin.code = a.code.clone();
    codes.apply::<crate::land::Parcel>(&changes_of(&[twin], &[(&b.code, b.id.0)]));
    let (low, high) = (a.id.0.min(b.id.0), a.id.0.max(b.id.0));
    assert_eq!(codes_unique(&codes, &a.code), Some(low));
    let mut gone = if low == a.id.0 { a.clone() } else { b.clone() };
    gone.code = "ELSEWHERE".into();
    codes.apply::<crate::land::Parcel>(&changes_of(&[gone], &[(&a.code, low)]));
    assert_eq!(codes_unique(&codes, &a.code), Some(high));
    assert_eq!(codes_unique(&codes, "ELSEWHERE"), Some(low));
}

#[test]
fn which_kinds_are_checkpointed() {
    let dir = tempfile::tempdir().unwrap();
    let mut cache = Cache::default();
    let saved = |covered, since, loaded_from_it| Saved {
        covered,
        since,
        loaded_from_it,
    };
    cache.saved_mut().extend([
        // Folded without a checkpoint, then a few events.
        (1, saved(0, 10, Some(false))),
        // Loaded from one, a few events since: folded on top next time.
        (2, saved(1_000_000, 10, Some(true))),
        // Loaded from one, a tenth more since.
        (3, saved(1_000_000, 100_000, Some(true))),
        // Not loaded, an import's worth added.
        (4, saved(0, 150_000, None)),
        // Not loaded, a few added.
        (5, saved(0, 10, None)),
        // Loaded, nothing since.
        (6, saved(0, 0, Some(false))),
    ]);
    // Without a place (a temporary database): none.
    assert!(cache.unsaved(false).is_empty());
    cache.set_place(checkpoint::Place::of(dir.path(), true));
    assert_eq!(cache.unsaved(false), [1, 3, 4]);
    // After a unit of work: loaded kinds that doubled, by 100,000 at least.
    cache
        .saved_mut()
        .insert(7, saved(150_000, 150_000, Some(true)));
    assert_eq!(cache.unsaved(true), [7]);
    // A read-only snapshot writes none.
    cache.set_place(checkpoint::Place::of(dir.path(), false));
    assert!(cache.unsaved(false).is_empty());
}

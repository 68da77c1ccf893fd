//! Model-based test: random operation sequences run against parkdb and
//! against a small in-memory model of the land rules; after every step the
//! outcome, each parcel's state, the summaries and `check()` must agree.

// The model mirrors the rules in the plainest form: flags for each step of
// a parcel, short names for the dates of a scenario, a small signed step.
#![allow(
    clippy::many_single_char_names,
    clippy::struct_excessive_bools,
    clippy::option_option,
    clippy::cast_sign_loss
)]

mod common;

use std::collections::HashSet;

use chrono::{Days, Months, NaiveDate};
use parkdb::{
    Allocation, Db, EnterpriseId, EventId, LandUse, Mu, NewEnterprise, NewParcel, ParcelId,
    ParcelStatus, SupplyMethod, Yuan,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Add(i64),
    Develop(usize),
    Certify(usize),
    Allocate(usize, usize, Option<u16>),
    Start(usize),
    Complete(usize),
    Declare(usize),
    Reclaim(usize),
    Transfer(usize, usize),
    Split(usize, u8),
    Void(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (1i64..2_000_000).prop_map(Op::Add),
        2 => any::<usize>().prop_map(Op::Develop),
        2 => any::<usize>().prop_map(Op::Certify),
        3 => (any::<usize>(), 0usize..3, proptest::option::of(0u16..900)).prop_map(|(p, e, s)| Op::Allocate(p, e, s)),
        2 => any::<usize>().prop_map(Op::Start),
        1 => any::<usize>().prop_map(Op::Complete),
        1 => any::<usize>().prop_map(Op::Declare),
        2 => any::<usize>().prop_map(Op::Reclaim),
        1 => (any::<usize>(), 0usize..3).prop_map(|(p, e)| Op::Transfer(p, e)),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(p, f)| Op::Split(p, f)),
        1 => any::<usize>().prop_map(Op::Void),
    ]
}

/// The model's own statement of a parcel's state.
#[derive(Debug, Clone, PartialEq)]
struct M {
    area: i64,
    developed: bool,
    certified: bool,
    holder: Option<usize>,
    started: bool,
    completed: bool,
    declared: Option<NaiveDate>,
    start_by: Option<NaiveDate>,
    retired: bool,
    reclaimed: Vec<NaiveDate>,
    last: NaiveDate,
}

/// Model events: the operation and what the model needs to replay it.
#[derive(Debug, Clone)]
enum MEvent {
    Created(M),
    Develop,
    Certify,
    Allocate(usize, Option<NaiveDate>),
    Start,
    Complete,
    Declare,
    Reclaim,
    Transfer(usize),
    Split,
}

fn step(s: Option<&M>, date: NaiveDate, e: &MEvent) -> Option<M> {
    if let MEvent::Created(m) = e {
        return if s.is_none() { Some(m.clone()) } else { None };
    }
    let mut m = s?.clone();
    // A retired parcel takes no event; a split is never entered late.
    if m.retired || (matches!(e, MEvent::Split) && date < m.last) {
        return None;
    }
    match e {
        MEvent::Created(_) => unreachable!(),
        MEvent::Develop if !m.developed => m.developed = true,
        MEvent::Certify if !m.certified => m.certified = true,
        MEvent::Allocate(h, start_by) if m.holder.is_none() => {
            m.holder = Some(*h);
            m.start_by = *start_by;
        }
        MEvent::Start if m.holder.is_some() && !m.started => m.started = true,
        MEvent::Complete if m.started && !m.completed => m.completed = true,
        MEvent::Declare if m.holder.is_some() && !m.started && m.declared.is_none() => {
            m.declared = Some(date);
        }
        MEvent::Reclaim if m.holder.is_some() => {
            m.reclaimed.push(date);
            m.holder = None;
            m.start_by = None;
            m.started = false;
            m.completed = false;
            m.declared = None;
        }
        MEvent::Transfer(to) if m.holder.is_some() && m.holder != Some(*to) => {
            m.holder = Some(*to);
            m.declared = None;
        }
        MEvent::Split => m.retired = true,
        _ => return None,
    }
    m.last = m.last.max(date);
    Some(m)
}

struct MParcel {
    id: ParcelId,
    events: Vec<(EventId, NaiveDate, MEvent)>,
    voided: HashSet<EventId>,
}

impl MParcel {
    /// The fold in valid-date order (one date's events as recorded):
    /// history entered late takes its place.
    fn fold(&self, as_of: Option<NaiveDate>, without: Option<EventId>) -> Option<Option<M>> {
        let mut events: Vec<_> = self
            .events
            .iter()
            .filter(|(id, date, _)| {
                !self.voided.contains(id)
                    && Some(*id) != without
                    && as_of.is_none_or(|d| *date <= d)
            })
            .collect();
        events.sort_by_key(|(_, date, _)| *date);
        let mut s: Option<M> = None;
        for (_, date, e) in events {
            s = Some(step(s.as_ref(), *date, e)?);
        }
        Some(s)
    }

    /// The state with `e` added on `date`, if its history stays legal; a
    /// split parent takes nothing more.
    fn with(&self, date: NaiveDate, e: &MEvent) -> Option<M> {
        if self.now().retired {
            return None;
        }
        let mut events = self.events.clone();
        events.push((EventId(u64::MAX), date, e.clone()));
        let with = MParcel {
            id: self.id,
            events,
            voided: self.voided.clone(),
        };
        with.fold(None, None)?
    }

    fn now(&self) -> M {
        self.fold(None, None).unwrap().unwrap()
    }
}

fn idle(m: &M, at: NaiveDate) -> bool {
    m.holder.is_some()
        && !m.started
        && !m.retired
        && (m.declared.is_some_and(|d| d <= at)
            || m.start_by.is_some_and(|s| at > s + Months::new(12)))
}

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()
}

fn compare(db: &Db, model: &[MParcel], at: NaiveDate) {
    let mut want = [0i64; 9];
    let mut count = 0u64;
    for mp in model {
        let Some(m) = mp.fold(Some(at), None).unwrap() else {
            continue;
        };
        for r in &m.reclaimed {
            if *r <= at {
                want[8] += m.area;
            }
        }
        if m.retired {
            continue;
        }
        count += 1;
        let flags = [
            true,
            m.developed,
            m.certified,
            m.holder.is_some(),
            m.holder.is_none(),
            m.started && !m.completed,
            m.completed,
            idle(&m, at),
        ];
        for (i, f) in flags.iter().enumerate() {
            if *f {
                want[i] += m.area;
            }
        }
    }
    let s = db.land_summary(at).unwrap().total;
    let got = [
        s.requisitioned_mu,
        s.developed_mu,
        s.certified_mu,
        s.supplied_mu,
        s.reserve_mu,
        s.under_construction_mu,
        s.completed_mu,
        s.idle_mu,
        s.reclaimed_mu,
    ]
    .map(Mu::millionths);
    assert_eq!(got, want, "summary as of {at}");
    assert_eq!(s.parcel_count, count, "parcel count as of {at}");
}

fn run(ops: Vec<(Op, i16)>) {
    let db = Db::temporary().unwrap();
    let firms: Vec<EnterpriseId> = (0..3)
        .map(|i| {
            db.add_enterprise(NewEnterprise::named(format!("F{i}")))
                .unwrap()
        })
        .collect();
    let mut model: Vec<MParcel> = Vec::new();
    let mut all_events: Vec<(usize, EventId)> = Vec::new();
    let mut clock = base();
    let mut codes = 0;
    for (op, delta) in ops {
        clock = if delta >= 0 {
            clock + Days::new(delta as u64)
        } else {
            clock - Days::new(u64::from(delta.unsigned_abs()))
        };
        let n = model.len();
        let pick = |p: usize| if n == 0 { None } else { Some(p % n) };
        // (parcel index, model event) for one-event operations.
        let single = match &op {
            Op::Develop(p) => pick(*p).map(|i| (i, MEvent::Develop)),
            Op::Certify(p) => pick(*p).map(|i| (i, MEvent::Certify)),
            Op::Allocate(p, e, s) => pick(*p).map(|i| {
                (
                    i,
                    MEvent::Allocate(*e, s.map(|s| clock + Days::new(u64::from(s)))),
                )
            }),
            Op::Start(p) => pick(*p).map(|i| (i, MEvent::Start)),
            Op::Complete(p) => pick(*p).map(|i| (i, MEvent::Complete)),
            Op::Declare(p) => pick(*p).map(|i| (i, MEvent::Declare)),
            Op::Reclaim(p) => pick(*p).map(|i| (i, MEvent::Reclaim)),
            Op::Transfer(p, e) => pick(*p).map(|i| (i, MEvent::Transfer(*e))),
            _ => None,
        };
        if let Some((i, ev)) = single {
            let id = model[i].id;
            let result = match &ev {
                MEvent::Develop => db.develop(id, clock),
                MEvent::Certify => db.certify(id, clock, "证"),
                MEvent::Allocate(e, s) => db.allocate(
                    id,
                    Allocation {
                        holder: firms[*e],
                        date: clock,
                        method: SupplyMethod::Listing,
                        price: Yuan::from_fen(1000),
                        start_by: *s,
                        complete_by: None,
                    },
                ),
                MEvent::Start => db.start_construction(id, clock),
                MEvent::Complete => db.complete_construction(id, clock),
                MEvent::Declare => db.declare_idle(id, clock, None),
                MEvent::Reclaim => db.reclaim(id, clock, "r"),
                MEvent::Transfer(e) => db.transfer(id, firms[*e], clock, Yuan::ZERO),
                _ => unreachable!(),
            };
            let expected = model[i].with(clock, &ev);
            assert_eq!(
                result.is_ok(),
                expected.is_some(),
                "{op:?} on {:?} at {clock}: {result:?}",
                model[i].now()
            );
            if let Ok(eid) = result {
                model[i].events.push((eid, clock, ev));
                all_events.push((i, eid));
            }
        }
        match op {
            Op::Add(units) => {
                codes += 1;
                let m = M {
                    area: units,
                    developed: false,
                    certified: false,
                    holder: None,
                    started: false,
                    completed: false,
                    declared: None,
                    start_by: None,
                    retired: false,
                    reclaimed: vec![],
                    last: clock,
                };
                let id = db
                    .add_parcel(NewParcel::new(
                        format!("M-{codes}"),
                        Mu::from_millionths(units),
                        LandUse::Industrial,
                        clock,
                    ))
                    .unwrap();
                let eid = db.history(id).unwrap()[0].event.id;
                model.push(MParcel {
                    id,
                    events: vec![(eid, clock, MEvent::Created(m))],
                    voided: HashSet::new(),
                });
            }
            Op::Split(p, frac) => {
                let Some(i) = pick(p) else { continue };
                let parent = model[i].now();
                let first = parent.area * i64::from(frac) / 256;
                let parts = vec![
                    (format!("M-{}", codes + 1), Mu::from_millionths(first)),
                    (
                        format!("M-{}", codes + 2),
                        Mu::from_millionths(parent.area - first),
                    ),
                ];
                let result = db.split(model[i].id, clock, &parts);
                let ok = first > 0
                    && first < parent.area
                    && step(Some(&parent), clock, &MEvent::Split).is_some();
                assert_eq!(result.is_ok(), ok, "{op:?} on {parent:?}: {result:?}");
                if let Ok(kids) = result {
                    codes += 2;
                    let h = db.history(model[i].id).unwrap();
                    model[i]
                        .events
                        .push((h.last().unwrap().event.id, clock, MEvent::Split));
                    for (kid, area) in kids.into_iter().zip([first, parent.area - first]) {
                        let m = M {
                            area,
                            reclaimed: vec![],
                            last: clock,
                            retired: false,
                            ..parent.clone()
                        };
                        let eid = db.history(kid).unwrap()[0].event.id;
                        model.push(MParcel {
                            id: kid,
                            events: vec![(eid, clock, MEvent::Created(m))],
                            voided: HashSet::new(),
                        });
                    }
                }
            }
            Op::Void(k) => {
                if all_events.is_empty() {
                    continue;
                }
                let (i, eid) = all_events[all_events.len() - 1 - k % all_events.len()];
                let ok = !model[i].voided.contains(&eid)
                    && model[i].fold(None, Some(eid)).is_some_and(|s| s.is_some());
                let result = db.void(eid, "model");
                assert_eq!(result.is_ok(), ok, "void {eid} of parcel {i}: {result:?}");
                if ok {
                    model[i].voided.insert(eid);
                }
            }
            _ => {}
        }
        for mp in &model {
            let m = mp.now();
            let p = db.parcel(mp.id).unwrap();
            assert_eq!(p.area.millionths(), m.area);
            assert_eq!(p.developed.is_some(), m.developed, "{p:?} vs {m:?}");
            assert_eq!(p.certificate.is_some(), m.certified);
            assert_eq!(p.holder, m.holder.map(|h| firms[h]));
            assert_eq!(p.status() == ParcelStatus::Retired, m.retired);
            assert_eq!(p.construction_started.is_some(), m.started);
            assert_eq!(p.completed.is_some(), m.completed);
        }
        // Filters of the present (served by the in-memory lookups) agree
        // with the model, parcel by parcel.
        for (f, firm) in firms.iter().enumerate() {
            let got: Vec<_> = db
                .parcels(&parkdb::ParcelFilter {
                    holder: Some(*firm),
                    ..Default::default()
                })
                .unwrap()
                .iter()
                .map(|p| p.id)
                .collect();
            let want: Vec<_> = model
                .iter()
                .filter(|mp| mp.now().holder == Some(f))
                .map(|mp| mp.id)
                .collect();
            assert_eq!(got, want, "parcels held by firm {f}");
        }
        for status in [
            ParcelStatus::Retired,
            ParcelStatus::Reserve,
            ParcelStatus::Completed,
        ] {
            let got = db
                .parcels(&parkdb::ParcelFilter {
                    status: Some(status),
                    ..Default::default()
                })
                .unwrap();
            let want = model
                .iter()
                .filter(|mp| db.parcel(mp.id).unwrap().status() == status)
                .count();
            assert_eq!(got.len(), want, "parcels of status {status:?}");
            assert!(got.iter().all(|p| p.status() == status));
        }
        compare(&db, &model, clock);
        compare(&db, &model, clock - Days::new(200));
        let report = db.check().unwrap();
        assert!(report.is_clean(), "{:?}", report.problems);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn parkdb_agrees_with_the_model(ops in proptest::collection::vec((op(), -60i16..240), 1..60)) {
        run(ops);
    }
}

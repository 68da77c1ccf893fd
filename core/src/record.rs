//! What every ledger entity shares: a kind, a fold of events, lookups; and
//! reading an entity's stored events back.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::enterprise::{self, Enterprise, EnterpriseEvent, EnterpriseId};
use crate::error::{Entity, Error, Result};
use crate::event::{self, Event, Horizon};
use crate::fund::{
    self, Application, ApplicationEvent, ApplicationId, Programme, ProgrammeEvent, ProgrammeId,
};
use crate::indicators::{self, Indicator, IndicatorEvent, IndicatorId};
use crate::land::{self, Parcel, ParcelEvent, ParcelId};
use crate::storage::keys::{self, index, kind};
use crate::storage::{codec, Store, Tree};

/// An entity whose state is the fold of its events.
pub(crate) trait Record:
    Serialize + DeserializeOwned + Clone + Send + Sync + 'static
{
    const KIND: u8;
    const ENTITY: Entity;
    type Event: Serialize + DeserializeOwned + Clone + PartialEq + Send + Sync + 'static;
    /// What a checkpoint keeps beside the record's serde form (which
    /// events carry, as a split's state): the fields events set that a
    /// stored state skips.
    type Extras: Serialize + DeserializeOwned;

    fn extras(&self) -> Self::Extras;
    fn with_extras(self, extras: Self::Extras) -> Self;

    fn id(&self) -> u64;
    fn display_id(id: u64) -> String;
    /// How a refusal names this record (`GP-001 (P1)`, `科华电子 (E2)`).
    fn subject(&self) -> String {
        Self::display_id(self.id())
    }
    /// The hard rules: one event applied to a state.
    fn apply(state: Option<Self>, id: u64, date: NaiveDate, event: &Self::Event) -> Result<Self>;
    /// Lookups the in-memory view keeps for this record: (family, value).
    /// They are derived at load and kept up to date at commit, never stored.
    fn lookups(&self) -> Vec<(u8, Vec<u8>)> {
        Vec::new()
    }
    /// Whether `other` has the same lookups (cheaper than comparing them).
    fn same_lookups(&self, other: &Self) -> bool {
        self.lookups() == other.lookups()
    }
    /// The family of the unique codes that name this kind's records, if
    /// they have codes ([`Record::code`]).
    const CODE: Option<u8> = None;
    /// The unique code that names this record, if it has one: (family, code).
    fn code(&self) -> Option<(u8, &[u8])> {
        None
    }
    /// A lookup an event adds for good, voided or not (the in-memory view
    /// keeps them: which parcels an enterprise ever held, say, to answer
    /// reads of the past and as known at a past moment).
    fn history(event: &Self::Event) -> Option<(u8, Vec<u8>)> {
        let _ = event;
        None
    }
    fn voidable(event: &Self::Event) -> bool;
    /// Whether the in-memory view keeps this kind's past in brief
    /// ([`crate::steps`]): parcels do, for the land figures of past dates.
    const STEPS: bool = false;
    /// The step of this state from `from` (the date of its latest event in
    /// force), for a kind that keeps steps; `None`: its part cannot be
    /// kept in brief (a read of the past then folds its events).
    fn step(&self, from: NaiveDate) -> Option<land::Step> {
        let _ = from;
        None
    }
    /// Whether the event takes its place in history by its valid date (the
    /// lifecycle). The others (yearly figures, leases, observations) do not
    /// depend on it: they apply after it, in the order they were recorded.
    fn dated(event: &Self::Event) -> bool {
        let _ = event;
        true
    }
    /// The valid date of the latest dated event in force: a dated event
    /// before it is history entered late ([`in_order`]).
    fn latest(&self) -> NaiveDate;
    /// Why history on `date` can no longer be entered late, if it cannot.
    fn closed_on(&self, date: NaiveDate) -> Option<String> {
        let _ = date;
        None
    }
    /// A running total this record adds to: (programme, amount committed).
    fn committed(&self) -> Option<(u64, crate::units::Yuan)> {
        None
    }
    fn event_name(event: &Self::Event) -> &'static str;
    /// Writes what a checkpoint keeps of these records beside them to be
    /// read alone, in sections ([`crate::sections`]): their codes
    /// ([`write_codes`]) and, for the register, its figures by year
    /// ([`enterprise::digest`]).
    ///
    /// # Errors
    /// [`crate::Error::Io`] when `out` refuses a write.
    fn write_digest(records: &[&Self], out: &mut dyn std::io::Write) -> Result<()> {
        let mut part = crate::sections::Writer::new(out);
        write_codes(records, &mut part)?;
        part.finish()
    }
    /// Whether [`Record::write_digest`] writes the codes alone (the
    /// default): the checkpoint of such a kind is written from its stored
    /// events without loading it ([`crate::checkpoint::Partial::finish_folding`]),
    /// the codes collected on the way.
    const DIGEST_IS_CODES: bool = true;
    /// This record type's place in a [`PerLedger`].
    fn mine<M: PerRecord>(all: &PerLedger<M>) -> &M::Of<Self>;
    /// This record type's place in a [`PerLedger`], to change.
    fn mine_mut<M: PerRecord>(all: &mut PerLedger<M>) -> &mut M::Of<Self>;
}

/// The key of the codes' section in a checkpoint's digest.
pub(crate) const CODES: i32 = i32::MIN + 1;

/// Writes the codes of `records` ([`Record::code`]) as a section of
/// `part`, none if the kind has none: their family (`u8`), then per record
/// in the order of (code, id) the code's length (`u16`), the code and the
/// id (`u64`). A lookup by code then reads this section alone while the
/// records are not loaded ([`crate::cache::CodesAlone`]).
///
/// # Errors
/// [`crate::Error::Io`] when the part refuses a write.
pub(crate) fn write_codes<R: Record>(
    records: &[&R],
    part: &mut crate::sections::Writer<'_>,
) -> Result<()> {
    let Some(family) = R::CODE else {
        return Ok(());
    };
    let codes: Vec<(&[u8], u64)> = records
        .iter()
        .filter_map(|r| {
            r.code()
                .filter(|c| c.0 == family)
                .map(|(_, code)| (code, r.id()))
        })
        .collect();
    write_code_section(family, codes, part)
}

/// The section [`write_codes`] writes, from the codes of `family` and
/// their ids in any order.
///
/// # Errors
/// [`crate::Error::Io`] when the part refuses a write.
pub(crate) fn write_code_section<C: AsRef<[u8]> + Ord>(
    family: u8,
    mut codes: Vec<(C, u64)>,
    part: &mut crate::sections::Writer<'_>,
) -> Result<()> {
    codes.sort_unstable();
    part.section(CODES, |s| {
        s.put(&[family])?;
        for (code, id) in &codes {
            let code = code.as_ref();
            let len = u16::try_from(code.len())
                .map_err(|_| crate::Error::Internal("a code too long for a checkpoint".into()))?;
            s.put(&len.to_le_bytes())?;
            s.put(code)?;
            s.put(&id.to_le_bytes())?;
        }
        Ok(())
    })
}

/// A family of types, one per record type (`Option<Kind<R>>`, say).
pub(crate) trait PerRecord {
    type Of<R: Record>;
}

/// One value per kind of record, each of its own type: what the in-memory
/// view and a unit of work keep per ledger, without type erasure.
pub(crate) struct PerLedger<M: PerRecord> {
    parcel: M::Of<Parcel>,
    enterprise: M::Of<Enterprise>,
    programme: M::Of<Programme>,
    application: M::Of<Application>,
    indicator: M::Of<Indicator>,
}

impl<M: PerRecord> Default for PerLedger<M>
where
    M::Of<Parcel>: Default,
    M::Of<Enterprise>: Default,
    M::Of<Programme>: Default,
    M::Of<Application>: Default,
    M::Of<Indicator>: Default,
{
    fn default() -> Self {
        PerLedger {
            parcel: Default::default(),
            enterprise: Default::default(),
            programme: Default::default(),
            application: Default::default(),
            indicator: Default::default(),
        }
    }
}

/// `mine` and `mine_mut` of a record type: its field of [`PerLedger`].
macro_rules! place_in_per_ledger {
    ($field:ident) => {
        fn mine<M: PerRecord>(all: &PerLedger<M>) -> &M::Of<Self> {
            &all.$field
        }
        fn mine_mut<M: PerRecord>(all: &mut PerLedger<M>) -> &mut M::Of<Self> {
            &mut all.$field
        }
    };
}

/// Something to do with the record type of a kind byte ([`for_kind`]).
pub(crate) trait ForKind {
    type Out;
    fn run<R: Record>(self) -> Self::Out;
}

/// Every kind of record, by its kind byte.
pub(crate) const KINDS: [u8; 5] = [
    kind::PARCEL,
    kind::ENTERPRISE,
    kind::PROGRAMME,
    kind::APPLICATION,
    kind::INDICATOR,
];

/// Runs `f` with the record type of `kind`: the one place a stored kind
/// byte becomes a type. `None` for a byte that names no kind.
pub(crate) fn for_kind<F: ForKind>(kind: u8, f: F) -> Option<F::Out> {
    Some(match kind {
        kind::PARCEL => f.run::<Parcel>(),
        kind::ENTERPRISE => f.run::<Enterprise>(),
        kind::PROGRAMME => f.run::<Programme>(),
        kind::APPLICATION => f.run::<Application>(),
        kind::INDICATOR => f.run::<Indicator>(),
        _ => return None,
    })
}

/// The lookup an event adds for good ([`Record::history`]); a void adds none.
pub(crate) fn history_of<R: Record>(body: &crate::event::Body<R::Event>) -> Option<(u8, Vec<u8>)> {
    match body {
        crate::event::Body::Domain(event) => R::history(event),
        crate::event::Body::Void { .. } => None,
    }
}

/// The domain events in force under a horizon in the order they fold: the
/// dated ones by valid date (events of one date as recorded), so history
/// entered late takes its place; then the undated ones as recorded.
pub(crate) fn in_order<'a, R: Record, E: std::borrow::Borrow<Event<R::Event>>>(
    events: &'a [E],
    horizon: &Horizon,
) -> Vec<(&'a Event<R::Event>, &'a R::Event)> {
    let mut active: Vec<_> = event::active(events, horizon).collect();
    let place = |(e, body): &(&Event<R::Event>, &R::Event)| {
        if R::dated(body) {
            (false, e.valid, e.id)
        } else {
            (true, NaiveDate::MIN, e.id)
        }
    };
    active.sort_by_key(place);
    active
}

/// Folds an entity's events under a horizon; `None` if it did not exist then.
pub(crate) fn fold<R: Record, E: std::borrow::Borrow<Event<R::Event>>>(
    id: u64,
    events: &[E],
    horizon: &Horizon,
) -> Result<Option<R>> {
    let mut state = None;
    // Nearly always the dated events were recorded in date order (history
    // is mostly entered as it happens): then the events fold as recorded,
    // without a copy. The undated ones depend on no dated one, so where
    // they fall among them changes nothing.
    let recorded_in_order = event::active(events, horizon)
        .filter(|(_, body)| R::dated(body))
        .map(|(e, _)| (e.valid, e.id))
        .is_sorted();
    if recorded_in_order {
        for (e, body) in event::active(events, horizon) {
            state = Some(R::apply(state, id, e.valid, body)?);
        }
    } else {
        for (e, body) in in_order::<R, E>(events, horizon) {
            state = Some(R::apply(state, id, e.valid, body)?);
        }
    }
    Ok(state)
}

impl Record for Parcel {
    place_in_per_ledger!(parcel);
    const KIND: u8 = kind::PARCEL;
    const ENTITY: Entity = Entity::Parcel;
    type Event = ParcelEvent;
    type Extras = land::Extras;

    fn extras(&self) -> land::Extras {
        land::Extras::of(self)
    }

    fn with_extras(self, extras: land::Extras) -> Self {
        extras.into(self)
    }

    fn id(&self) -> u64 {
        self.id.0
    }

    fn display_id(id: u64) -> String {
        ParcelId(id).to_string()
    }

    fn subject(&self) -> String {
        format!("{} ({})", self.code, self.id)
    }

    fn apply(state: Option<Self>, id: u64, date: NaiveDate, event: &ParcelEvent) -> Result<Self> {
        land::apply(state, ParcelId(id), date, event)
    }

    fn lookups(&self) -> Vec<(u8, Vec<u8>)> {
        let mut out = vec![
            (index::PARCEL_CODE, self.code.as_bytes().to_vec()),
            (index::PARCEL_STATUS, vec![self.status().byte()]),
            (index::PARCEL_USE, vec![self.land_use.byte()]),
        ];
        if let Some(h) = self.holder {
            out.push((index::PARCEL_HOLDER, h.0.to_be_bytes().to_vec()));
        }
        for b in &self.register {
            out.push((index::BUILDING_CODE, b.spec.code.as_bytes().to_vec()));
        }
        for v in self.vouchers() {
            out.push((index::PARCEL_VOUCHER, v.as_bytes().to_vec()));
        }
        out
    }

    fn same_lookups(&self, other: &Self) -> bool {
        self.code == other.code
            && self.holder == other.holder
            && self.land_use == other.land_use
            && self.status() == other.status()
            && self.register.len() == other.register.len()
            && self
                .register
                .iter()
                .zip(&other.register)
                .all(|(a, b)| a.spec.code == b.spec.code)
            && self.vouchers().eq(other.vouchers())
    }

    const CODE: Option<u8> = Some(index::PARCEL_CODE);

    fn code(&self) -> Option<(u8, &[u8])> {
        Some((index::PARCEL_CODE, self.code.as_bytes()))
    }

    fn history(event: &ParcelEvent) -> Option<(u8, Vec<u8>)> {
        let holder = match event {
            ParcelEvent::Allocated { holder, .. } => *holder,
            ParcelEvent::Transferred { to, .. } | ParcelEvent::Conveyed { to, .. } => *to,
            ParcelEvent::Registered { holder, .. } => (*holder)?,
            ParcelEvent::SplitFrom { state, .. } => state.holder?,
            _ => return None,
        };
        Some((index::PARCEL_EVER_HELD, holder.0.to_be_bytes().to_vec()))
    }

    fn voidable(event: &ParcelEvent) -> bool {
        !event.creates() && !matches!(event, ParcelEvent::Split { .. })
    }

    fn dated(event: &ParcelEvent) -> bool {
        !event.is_money() && !event.is_register()
    }

    fn latest(&self) -> NaiveDate {
        self.last_event
    }

    /// A split closes the parent's history: its parts began from its state
    /// on the day, so what came before the split is theirs no more to change.
    fn closed_on(&self, date: NaiveDate) -> Option<String> {
        let split = self.retired?;
        Some(format!(
            "the parcel was split on {split}; its history up to the split cannot gain \
             an event on {date} (its parts began from its state that day)"
        ))
    }

    fn event_name(event: &ParcelEvent) -> &'static str {
        event.name()
    }

    const STEPS: bool = true;

    fn step(&self, from: NaiveDate) -> Option<land::Step> {
        land::Step::kept(self, from)
    }
}

impl Record for Enterprise {
    place_in_per_ledger!(enterprise);
    const KIND: u8 = kind::ENTERPRISE;
    const ENTITY: Entity = Entity::Enterprise;
    type Event = EnterpriseEvent;
    type Extras = enterprise::Extras;

    fn extras(&self) -> enterprise::Extras {
        enterprise::Extras::of(self)
    }

    fn with_extras(self, extras: enterprise::Extras) -> Self {
        extras.into(self)
    }

    fn id(&self) -> u64 {
        self.id.0
    }

    fn display_id(id: u64) -> String {
        EnterpriseId(id).to_string()
    }

    fn subject(&self) -> String {
        format!("{} ({})", self.name, self.id)
    }

    fn apply(
        state: Option<Self>,
        id: u64,
        date: NaiveDate,
        event: &EnterpriseEvent,
    ) -> Result<Self> {
        enterprise::apply(state, EnterpriseId(id), date, event)
    }

    fn lookups(&self) -> Vec<(u8, Vec<u8>)> {
        let mut out = vec![(index::ENTERPRISE_STATUS, vec![self.status.byte()])];
        if let Some(c) = &self.credit_code {
            out.push((index::ENTERPRISE_CODE, c.as_bytes().to_vec()));
        }
        if let Some(i) = &self.industry {
            out.push((index::ENTERPRISE_INDUSTRY, i.as_bytes().to_vec()));
        }
        let mut buildings: Vec<&str> = self.leases.iter().map(|l| l.building.as_str()).collect();
        buildings.sort_unstable();
        buildings.dedup();
        for b in buildings {
            out.push((index::ENTERPRISE_BUILDING, b.as_bytes().to_vec()));
        }
        for (_, id) in &self.other_ids {
            out.push((index::ENTERPRISE_OTHER_ID, id.as_bytes().to_vec()));
        }
        for v in self.vouchers() {
            out.push((index::ENTERPRISE_VOUCHER, v.as_bytes().to_vec()));
        }
        out
    }

    fn same_lookups(&self, other: &Self) -> bool {
        self.status == other.status
            && self.credit_code == other.credit_code
            && self.industry == other.industry
            && self.leases.len() == other.leases.len()
            && self.other_ids == other.other_ids
            && self.vouchers().eq(other.vouchers())
    }

    const CODE: Option<u8> = Some(index::ENTERPRISE_CODE);

    fn code(&self) -> Option<(u8, &[u8])> {
        self.credit_code
            .as_deref()
            .map(|c| (index::ENTERPRISE_CODE, c.as_bytes()))
    }

    fn voidable(event: &EnterpriseEvent) -> bool {
        !matches!(event, EnterpriseEvent::Registered { .. })
    }

    fn dated(event: &EnterpriseEvent) -> bool {
        event.is_lifecycle()
    }

    fn latest(&self) -> NaiveDate {
        self.last_lifecycle
    }

    fn event_name(event: &EnterpriseEvent) -> &'static str {
        event.name()
    }

    // The figures by year are written from the records.
    const DIGEST_IS_CODES: bool = false;

    fn write_digest(records: &[&Self], out: &mut dyn std::io::Write) -> Result<()> {
        let mut part = crate::sections::Writer::new(out);
        write_codes(records, &mut part)?;
        enterprise::digest::write(records, &mut part)?;
        part.finish()
    }
}

impl Record for Programme {
    place_in_per_ledger!(programme);
    const KIND: u8 = kind::PROGRAMME;
    const ENTITY: Entity = Entity::Programme;
    type Event = ProgrammeEvent;
    type Extras = ();

    fn extras(&self) {}

    fn with_extras(self, (): ()) -> Self {
        self
    }

    fn id(&self) -> u64 {
        self.id.0
    }

    fn display_id(id: u64) -> String {
        ProgrammeId(id).to_string()
    }

    fn apply(
        state: Option<Self>,
        id: u64,
        date: NaiveDate,
        event: &ProgrammeEvent,
    ) -> Result<Self> {
        fund::apply_programme(state, ProgrammeId(id), date, event)
    }

    fn voidable(event: &ProgrammeEvent) -> bool {
        !matches!(event, ProgrammeEvent::Created { .. })
    }

    fn latest(&self) -> NaiveDate {
        self.last_event
    }

    fn event_name(event: &ProgrammeEvent) -> &'static str {
        event.name()
    }
}

impl Record for Application {
    place_in_per_ledger!(application);
    const KIND: u8 = kind::APPLICATION;
    const ENTITY: Entity = Entity::Application;
    type Event = ApplicationEvent;
    type Extras = ();

    fn extras(&self) {}

    fn with_extras(self, (): ()) -> Self {
        self
    }

    fn id(&self) -> u64 {
        self.id.0
    }

    fn display_id(id: u64) -> String {
        ApplicationId(id).to_string()
    }

    fn subject(&self) -> String {
        format!("{} ({})", self.title, self.id)
    }

    fn apply(
        state: Option<Self>,
        id: u64,
        date: NaiveDate,
        event: &ApplicationEvent,
    ) -> Result<Self> {
        fund::apply_application(state, ApplicationId(id), date, event)
    }

    fn lookups(&self) -> Vec<(u8, Vec<u8>)> {
        vec![
            (
                index::APPLICATION_PROGRAMME,
                self.programme.0.to_be_bytes().to_vec(),
            ),
            (
                index::APPLICATION_APPLICANT,
                self.applicant.0.to_be_bytes().to_vec(),
            ),
            (index::APPLICATION_STATUS, vec![self.status.byte()]),
        ]
    }

    fn same_lookups(&self, other: &Self) -> bool {
        self.programme == other.programme
            && self.applicant == other.applicant
            && self.status == other.status
    }

    fn voidable(event: &ApplicationEvent) -> bool {
        !matches!(event, ApplicationEvent::Received { .. })
    }

    fn latest(&self) -> NaiveDate {
        self.last_event
    }

    fn committed(&self) -> Option<(u64, crate::units::Yuan)> {
        let total = self
            .approval
            .as_ref()
            .map_or(Ok(crate::units::Yuan::ZERO), |a| a.awarded.total())
            .ok()?;
        Some((self.programme.0, total))
    }

    fn event_name(event: &ApplicationEvent) -> &'static str {
        event.name()
    }
}

impl Record for Indicator {
    place_in_per_ledger!(indicator);
    const KIND: u8 = kind::INDICATOR;
    const ENTITY: Entity = Entity::Indicator;
    type Event = IndicatorEvent;
    type Extras = ();

    fn extras(&self) {}

    fn with_extras(self, (): ()) -> Self {
        self
    }

    fn id(&self) -> u64 {
        self.id.0
    }

    fn display_id(id: u64) -> String {
        IndicatorId(id).to_string()
    }

    fn apply(
        state: Option<Self>,
        id: u64,
        date: NaiveDate,
        event: &IndicatorEvent,
    ) -> Result<Self> {
        indicators::apply(state, IndicatorId(id), date, event)
    }

    fn lookups(&self) -> Vec<(u8, Vec<u8>)> {
        vec![(index::INDICATOR_CODE, self.code.as_bytes().to_vec())]
    }

    const CODE: Option<u8> = Some(index::INDICATOR_CODE);

    fn code(&self) -> Option<(u8, &[u8])> {
        Some((index::INDICATOR_CODE, self.code.as_bytes()))
    }

    fn voidable(event: &IndicatorEvent) -> bool {
        !matches!(event, IndicatorEvent::Defined { .. })
    }

    /// Observations are revisions of a value: they apply as recorded.
    fn dated(event: &IndicatorEvent) -> bool {
        matches!(event, IndicatorEvent::Defined { .. })
    }

    fn latest(&self) -> NaiveDate {
        self.last_event
    }

    fn event_name(event: &IndicatorEvent) -> &'static str {
        event.name()
    }
}

/// Turns a rule failure found while folding *stored* events into corruption:
/// stored history was legal when written, so this means damage.
pub(crate) fn stored_fold<R: Record, E: std::borrow::Borrow<Event<R::Event>>>(
    id: u64,
    events: &[E],
    horizon: &Horizon,
) -> Result<Option<R>> {
    fold::<R, E>(id, events, horizon).map_err(|e| not_folding::<R>(id, e))
}

/// A refusal met folding stored events: the store is damaged.
fn not_folding<R: Record>(id: u64, e: Error) -> Error {
    match e {
        Error::Lifecycle { .. } | Error::Validation { .. } => Error::Corrupt(format!(
            "the stored events of {} {} do not fold: {e}",
            R::ENTITY,
            R::display_id(id)
        )),
        other => other,
    }
}

/// An entity's steps ([`crate::steps`]), if they can be kept.
pub(crate) type MadeSteps = Option<Vec<land::Step>>;

/// Folds an entity's stored events as of now, as [`stored_fold`] does,
/// and for a kind that keeps steps makes its steps: the step of its state
/// as of each date one of its events in force is valid on, consecutive
/// ones that count alike kept once.
///
/// Events nearly always stand in recording order by valid date: then the
/// state as of any date is the fold of a prefix of them (the one
/// [`stored_fold`] makes), and one pass gives every step. Otherwise
/// (history entered late) each date's state is folded on its own
/// ([`steps_by_definition`]).
pub(crate) fn stored_fold_with_steps<R: Record, E: std::borrow::Borrow<Event<R::Event>>>(
    id: u64,
    events: &[E],
) -> Result<(Option<R>, MadeSteps)> {
    if !R::STEPS {
        return Ok((stored_fold::<R, E>(id, events, &Horizon::NOW)?, None));
    }
    let active: Vec<_> = event::active(events, &Horizon::NOW).collect();
    if !active.is_sorted_by_key(|(e, _)| e.valid) {
        return Ok((
            stored_fold::<R, E>(id, events, &Horizon::NOW)?,
            steps_by_definition::<R, E>(id, events)?,
        ));
    }
    let mut state: Option<R> = None;
    let mut steps = Some(Vec::new());
    for (i, (e, body)) in active.iter().enumerate() {
        let folded =
            R::apply(state.take(), id, e.valid, body).map_err(|e| not_folding::<R>(id, e))?;
        let last_of_its_date = active
            .get(i + 1)
            .is_none_or(|(next, _)| next.valid != e.valid);
        if last_of_its_date {
            push_step(&mut steps, folded.step(e.valid));
        }
        state = Some(folded);
    }
    Ok((state, steps))
}

/// An entity's steps as their definition gives them: its state folded
/// as of each date one of its events in force is valid on. What
/// [`stored_fold_with_steps`] makes, by a longer way (`check()` compares
/// the two).
pub(crate) fn steps_by_definition<R: Record, E: std::borrow::Borrow<Event<R::Event>>>(
    id: u64,
    events: &[E],
) -> Result<MadeSteps> {
    let dates: std::collections::BTreeSet<NaiveDate> = event::active(events, &Horizon::NOW)
        .map(|(e, _)| e.valid)
        .collect();
    let mut steps = Some(Vec::new());
    for date in dates {
        let horizon = Horizon {
            as_of: Some(date),
            known_at: None,
        };
        match stored_fold::<R, E>(id, events, &horizon)? {
            Some(state) => push_step(&mut steps, state.step(date)),
            // Gone again after it began: not a life steps can tell.
            None => steps = None,
        }
    }
    Ok(steps)
}

/// Adds a step unless it counts as the one before does; a state that
/// cannot be kept in brief leaves the entity without steps.
fn push_step(steps: &mut MadeSteps, step: Option<land::Step>) {
    match (steps.as_mut(), step) {
        (Some(list), Some(step)) => {
            if !list.last().is_some_and(|last| last.same_part(&step)) {
                list.push(step);
            }
        }
        _ => *steps = None,
    }
}

/// The stored events of one entity, in order: its runs (in its block's
/// values), decoded.
pub(crate) fn stored_events<R: Record>(store: &dyn Store, id: u64) -> Result<Vec<Event<R::Event>>> {
    let mut events = Vec::new();
    let prefix = keys::block_prefix(R::KIND, keys::block_of(id));
    store.for_each_prefix(Tree::Events, &prefix, &mut |_, block| {
        for r in codec::decode_block(block)? {
            if r.entity == id {
                codec::decode_events_into::<R::Event>(r.run, r.first, &mut events)?;
            }
        }
        Ok(true)
    })?;
    Ok(events)
}

/// An entity's current state: the fold of its stored events (only events
/// are stored; `None` if it has none).
pub(crate) fn stored<R: Record>(store: &dyn Store, id: u64) -> Result<Option<R>> {
    stored_fold::<R, _>(id, &stored_events::<R>(store, id)?, &Horizon::NOW)
}

/// An entity's stored events, in order, or the error decoding them gave.
pub(crate) type StoredEvents<R> = Result<Vec<Event<<R as Record>::Event>>>;

/// A visitor of entities and their stored events; returns whether to go on.
pub(crate) type VisitStored<'a, R> = &'a mut dyn FnMut(u64, StoredEvents<R>) -> Result<bool>;

/// Visits every entity of kind `R` that has stored events, in id order,
/// with its events (its runs decoded, in order) or the error decoding one
/// of them gave. Stops when `f` returns `false`.
pub(crate) fn for_each_stored<R: Record>(store: &dyn Store, f: VisitStored<'_, R>) -> Result<()> {
    for_each_stored_in::<R>(store, Ids::ALL, f)
}

/// The lookups `events` added for good ([`Record::history`]), in order.
pub(crate) fn history_in<R: Record>(
    events: &[Event<R::Event>],
) -> impl Iterator<Item = (u8, Vec<u8>)> + '_ {
    events.iter().filter_map(|e| history_of::<R>(&e.body))
}

/// One stored entity as a fold of every entity hands it on: its id, its
/// events, its state and its steps.
pub(crate) type FoldedEntity<'a, R> =
    (u64, &'a [Event<<R as Record>::Event>], Option<R>, MadeSteps);

/// Folds every stored entity of kind `R`, on two threads, a half of the
/// ids each ([`Ids::halves`]): in each half, each entity in id order goes
/// to `visit` into what `start` made for the half. A load folds so, and
/// so does a checkpoint written from the events: the two see the same.
/// Returns the halves, the lower first, and how many events they read
/// (for the caller to check against the kind's count).
///
/// # Errors
/// What reading, decoding or folding gave, or `visit`.
pub(crate) fn fold_halves<R: Record, H: Send>(
    what: &str,
    store: &dyn Store,
    start: impl Fn(Ids) -> H + Sync,
    visit: impl Fn(&mut H, FoldedEntity<'_, R>) -> Result<()> + Sync,
) -> Result<([H; 2], u64)> {
    let half = |ids: Ids| {
        let mut part = start(ids);
        let mut count = 0u64;
        for_each_stored_in::<R>(store, ids, &mut |id, events| {
            let events = events?;
            count += events.len() as u64;
            let (folded, steps) = stored_fold_with_steps::<R, _>(id, &events)?;
            visit(&mut part, (id, &events, folded, steps))?;
            Ok(true)
        })?;
        Ok((part, count))
    };
    let [low, high] = Ids::halves(Ids::next::<R>(store)?);
    let ((lower, low_count), (upper, high_count)) =
        crate::threads::both(what, || half(low), || half(high))?;
    Ok(([lower, upper], low_count + high_count))
}

/// A range of entity ids, whole blocks of them: `from` on, up to `until`
/// (exclusive) if given.
#[derive(Clone, Copy)]
pub(crate) struct Ids {
    pub(crate) from: u64,
    pub(crate) until: Option<u64>,
}

impl Ids {
    pub(crate) const ALL: Ids = Ids {
        from: 0,
        until: None,
    };

    /// The id kind `R` hands out next: every stored one is below it.
    pub(crate) fn next<R: Record>(store: &dyn Store) -> Result<u64> {
        Ok(store
            .get(Tree::Meta, &keys::meta::next_id(R::KIND))?
            .map(|v| keys::u64_at(&v, 0))
            .transpose()?
            .unwrap_or(1))
    }

    /// Every id below `next`, in two halves split at a block boundary (an
    /// id at or above `next`, which only damage makes, falls in the second).
    pub(crate) fn halves(next: u64) -> [Ids; 2] {
        let mid = keys::block_start(keys::block_of(next / 2));
        [
            Ids {
                from: 0,
                until: Some(mid),
            },
            Ids {
                from: mid,
                until: None,
            },
        ]
    }

    /// The event keys of kind `kind` these ids span: [start, end).
    pub(crate) fn event_keys(self, kind: u8) -> (Vec<u8>, Vec<u8>) {
        let start = keys::block_prefix(kind, keys::block_of(self.from));
        let end = match self.until {
            Some(until) => keys::block_prefix(kind, keys::block_of(until)),
            None => vec![kind.saturating_add(1)],
        };
        (start, end)
    }
}

/// [`for_each_stored`] over the entities with ids in `ids`: a block at a
/// time (its values in the order written), each entity's runs decoded into
/// its list.
pub(crate) fn for_each_stored_in<R: Record>(
    store: &dyn Store,
    ids: Ids,
    f: VisitStored<'_, R>,
) -> Result<()> {
    let mut block: Option<u64> = None;
    let mut entities: BTreeMap<u64, StoredEvents<R>> = BTreeMap::new();
    let mut go_on = true;
    let mut hand_on = |entities: &mut BTreeMap<u64, StoredEvents<R>>| -> Result<bool> {
        for (id, events) in std::mem::take(entities) {
            if !f(id, events)? {
                return Ok(false);
            }
        }
        Ok(true)
    };
    let (start, end) = ids.event_keys(R::KIND);
    store.for_each_between(Tree::Events, &start, &end, &mut |k, value| {
        let (_, this, _) = keys::decode_event(k)?;
        if block.is_some_and(|b| b != this) {
            go_on = hand_on(&mut entities)?;
            if !go_on {
                return Ok(false);
            }
        }
        block = Some(this);
        let runs = match codec::decode_block(value) {
            Ok(runs) => runs,
            Err(e) => {
                // The damage is the block's; its first id carries it.
                entities.insert(keys::block_start(this), Err(e));
                return Ok(true);
            }
        };
        for r in runs {
            let events = entities
                .entry(r.entity)
                .or_insert_with(|| Ok(Vec::with_capacity(8)));
            let Ok(list) = events else {
                continue;
            };
            let decoded = if keys::block_of(r.entity) == this {
                codec::decode_events_into::<R::Event>(r.run, r.first, list)
            } else {
                Err(Error::Corrupt(format!(
                    "the events of {} {} are stored in another block",
                    R::ENTITY,
                    R::display_id(r.entity)
                )))
            };
            if let Err(e) = decoded {
                *events = Err(e);
            }
        }
        Ok(true)
    })?;
    if go_on {
        hand_on(&mut entities)?;
    }
    Ok(())
}

/// The ids of the events in a run of an entity of `kind`.
pub(crate) fn run_ids(kind: u8, first: u64, run: &[u8]) -> Result<Vec<u64>> {
    struct Ids<'a>(u64, &'a [u8]);
    impl ForKind for Ids<'_> {
        type Out = Result<Vec<u64>>;
        fn run<R: Record>(self) -> Self::Out {
            Ok(codec::decode_events::<R::Event>(self.1, self.0)?
                .iter()
                .map(|e| e.id.0)
                .collect())
        }
    }
    for_kind(kind, Ids(first, run))
        .unwrap_or_else(|| Err(Error::Corrupt(format!("events of unknown kind {kind}"))))
}

/// The entity of a kind byte, if it is one.
pub(crate) fn entity_of(kind: u8) -> Option<Entity> {
    struct Of;
    impl ForKind for Of {
        type Out = Entity;
        fn run<R: Record>(self) -> Entity {
            R::ENTITY
        }
    }
    for_kind(kind, Of)
}

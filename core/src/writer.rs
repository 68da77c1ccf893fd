//! A unit of work: reads through its own pending writes, and commits them
//! all at once (see [`crate::Db::write`]).

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::db::{Db, Policy};
use crate::enterprise::{
    self, check_credit_code, Enterprise, EnterpriseEvent, EnterpriseId, NewEnterprise,
};
use crate::error::{Entity, Error, Result};
use crate::event::{Body, Event, EventId, Recorded};
use crate::land::{self, LandUse, Parcel, ParcelEvent, ParcelId, SupplyMethod};
use crate::record::{self, Record};
use crate::storage::{codec, keys, Batch, Pairs, Store, Tree};
use crate::units::{Mu, Yuan};

/// Upper bound of one parcel's area: 10⁸ 亩, more than any province's land.
pub(crate) const MAX_PARCEL_AREA: Mu = Mu::from_units(100_000_000 * Mu::SCALE);

/// A new parcel, entering the reserve by requisition (征地).
#[derive(Debug, Clone)]
pub struct NewParcel {
    pub code: String,
    pub area: Mu,
    pub land_use: LandUse,
    pub requisitioned: NaiveDate,
    pub location: Option<String>,
}

impl NewParcel {
    /// A parcel with code, area, use and requisition date.
    #[must_use]
    pub fn new(
        code: impl Into<String>,
        area: Mu,
        land_use: LandUse,
        requisitioned: NaiveDate,
    ) -> NewParcel {
        NewParcel {
            code: code.into(),
            area,
            land_use,
            requisitioned,
            location: None,
        }
    }
}

/// The terms of an allocation (出让/划拨) for [`Writer::allocate`].
#[derive(Debug, Clone)]
pub struct Allocation {
    pub holder: EnterpriseId,
    pub date: NaiveDate,
    pub method: SupplyMethod,
    pub price: Yuan,
    /// The agreed construction start (约定动工日期); idle status runs from it.
    pub start_by: Option<NaiveDate>,
    pub complete_by: Option<NaiveDate>,
}

/// One unit of work: its writes are seen by its own reads and stored
/// together at commit. Obtained from [`crate::Db::write`] or [`crate::Db::begin`].
pub struct Writer {
    db: Db,
    batch: Batch,
    recorded: Recorded,
    policy: Policy,
}

impl Writer {
    pub(crate) fn begin(db: Db) -> Result<Writer> {
        let store = db.inner.store.as_ref();
        let last = store
            .get(Tree::Meta, keys::meta::LAST_RECORDED)?
            .map(|v| codec::decode::<Recorded>(&v, "last recorded time"))
            .transpose()?;
        let now = Recorded::from_datetime(Utc::now());
        let recorded = match last {
            Some(last) if last >= now => Recorded(last.0 + 1),
            _ => now,
        };
        let policy = match store.get(Tree::Meta, keys::meta::POLICY)? {
            Some(v) => codec::decode(&v, "policy")?,
            None => Policy::default(),
        };
        let mut w = Writer {
            db,
            batch: Batch::default(),
            recorded,
            policy,
        };
        w.batch.put(
            Tree::Meta,
            keys::meta::LAST_RECORDED.to_vec(),
            codec::encode(&recorded)?,
        );
        Ok(w)
    }

    pub(crate) fn batch(&self) -> &Batch {
        &self.batch
    }

    fn engine(&self) -> &dyn Store {
        self.db.inner.store.as_ref()
    }

    // ---- reads through pending writes ----

    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match self.batch.ops.get(&(tree, key.to_vec())) {
            Some(v) => Ok(v.clone()),
            None => self.engine().get(tree, key),
        }
    }

    fn scan(&self, tree: Tree, prefix: &[u8]) -> Result<Pairs> {
        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = self
            .engine()
            .scan_prefix(tree, prefix)?
            .into_iter()
            .collect();
        let start = (tree, prefix.to_vec());
        for ((t, k), v) in self.batch.ops.range(start..) {
            if *t != tree || !k.starts_with(prefix) {
                break;
            }
            match v {
                Some(v) => merged.insert(k.clone(), v.clone()),
                None => merged.remove(k),
            };
        }
        Ok(merged.into_iter().collect())
    }

    fn next_id(&mut self, counter: &[u8]) -> Result<u64> {
        let next = match self.get(Tree::Meta, counter)? {
            Some(v) => keys::u64_at(&v, 0)?,
            None => 1,
        };
        self.batch.put(
            Tree::Meta,
            counter.to_vec(),
            (next + 1).to_be_bytes().to_vec(),
        );
        Ok(next)
    }

    /// The database this unit of work writes to.
    #[must_use]
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The recorded time every event of this unit of work gets.
    #[must_use]
    pub fn recorded(&self) -> Recorded {
        self.recorded
    }

    /// The policies in force in this unit of work.
    #[must_use]
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// Sets the database's dated policies.
    ///
    /// # Errors
    /// [`Error::Storage`] if it cannot be encoded.
    pub fn set_policy(&mut self, policy: Policy) -> Result<()> {
        self.batch.put(
            Tree::Meta,
            keys::meta::POLICY.to_vec(),
            codec::encode(&policy)?,
        );
        self.policy = policy;
        Ok(())
    }

    // ---- generic records and events ----

    pub(crate) fn load<R: Record>(&self, id: u64) -> Result<Option<R>> {
        self.get(Tree::Records, &keys::record(R::KIND, id))?
            .map(|v| codec::decode(&v, R::ENTITY_NAME))
            .transpose()
    }

    fn require<R: Record>(&self, id: u64) -> Result<R> {
        self.load(id)?
            .ok_or_else(|| Error::not_found(R::ENTITY, R::display_id(id)))
    }

    fn events_of<B: DeserializeOwned>(&self, kind: u8, id: u64) -> Result<Vec<Event<B>>> {
        self.scan(Tree::Events, &keys::entity_prefix(kind, id))?
            .iter()
            .map(|(_, v)| codec::decode(v, "event"))
            .collect()
    }

    fn append<B: Serialize>(
        &mut self,
        kind: u8,
        entity: u64,
        valid: NaiveDate,
        body: Body<B>,
    ) -> Result<EventId> {
        let id = EventId(self.next_id(keys::meta::NEXT_EVENT)?);
        let event = Event {
            id,
            valid,
            recorded: self.recorded,
            body,
        };
        self.batch.put(
            Tree::Events,
            keys::event(kind, entity, id.0),
            codec::encode(&event)?,
        );
        let mut target = vec![kind];
        target.extend_from_slice(&entity.to_be_bytes());
        self.batch.put(
            Tree::Index,
            keys::index_key(keys::index::EVENT, &[&id.0.to_be_bytes()]),
            target,
        );
        Ok(id)
    }

    /// Stores a record's new state and moves its index entries.
    fn store<R: Record>(&mut self, old: Option<&R>, new: &R) -> Result<()> {
        let old_entries = old.map(Record::index_entries).unwrap_or_default();
        let new_entries = new.index_entries();
        for (k, _) in &old_entries {
            if !new_entries.iter().any(|(nk, _)| nk == k) {
                self.batch.remove(Tree::Index, k.clone());
            }
        }
        for (k, v) in new_entries {
            self.batch.put(Tree::Index, k, v);
        }
        for k in new.extra_index_keys() {
            self.batch.put(Tree::Index, k, Vec::new());
        }
        self.batch.put(
            Tree::Records,
            keys::record(R::KIND, new.id()),
            codec::encode(new)?,
        );
        Ok(())
    }

    /// Applies a domain event to an existing record: rule check, event, state.
    fn record_event<R: Record>(
        &mut self,
        id: u64,
        date: NaiveDate,
        event: R::Event,
    ) -> Result<EventId> {
        let old: R = self.require(id)?;
        let new = R::apply(Some(old.clone()), id, date, &event)?;
        let event_id = self.append(R::KIND, id, date, Body::Domain(event))?;
        self.store(Some(&old), &new)?;
        Ok(event_id)
    }

    /// Supersedes an event: it stays in history, but no longer counts.
    /// The entity's state is refolded without it; if what remains breaks a
    /// rule (voiding an allocation under a started construction, say) the
    /// void is refused.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown event; [`Error::Lifecycle`] for an
    /// event that is already void, a void, one that created its entity,
    /// a split, or one whose removal leaves an illegal history.
    pub fn void(&mut self, event: EventId, reason: &str) -> Result<EventId> {
        if reason.trim().is_empty() {
            return Err(Error::validation("reason", "a void needs a reason"));
        }
        let target = self
            .get(
                Tree::Index,
                &keys::index_key(keys::index::EVENT, &[&event.0.to_be_bytes()]),
            )?
            .ok_or_else(|| Error::not_found(Entity::Event, event))?;
        let (kind, entity) = (target[0], keys::u64_at(&target, 1)?);
        match kind {
            keys::kind::PARCEL => self.void_in::<Parcel>(entity, event, reason),
            keys::kind::ENTERPRISE => self.void_in::<Enterprise>(entity, event, reason),
            other => Err(Error::Corrupt(format!(
                "event {event} points at kind {other}"
            ))),
        }
    }

    fn void_in<R: Record>(&mut self, id: u64, target: EventId, reason: &str) -> Result<EventId> {
        let events: Vec<Event<R::Event>> = self.events_of(R::KIND, id)?;
        let subject = R::display_id(id);
        let refuse = |rule: String| Error::lifecycle(R::ENTITY, subject.clone(), rule);
        let found = events
            .iter()
            .find(|e| e.id == target)
            .ok_or_else(|| Error::not_found(Entity::Event, target))?;
        match &found.body {
            Body::Void { .. } => return Err(refuse(format!("event {target} is itself a void"))),
            Body::Domain(b) if !R::voidable(b) => {
                return Err(refuse(format!(
                    "event {target} ({}) cannot be voided: it creates or splits the {}",
                    R::event_name(b),
                    R::ENTITY
                )))
            }
            Body::Domain(_) => {}
        }
        if events
            .iter()
            .any(|e| matches!(&e.body, Body::Void { target: t, .. } if *t == target))
        {
            return Err(refuse(format!("event {target} is already void")));
        }
        let old: R = self.require(id)?;
        let today = self.recorded.to_datetime().date_naive();
        let void_id = self.append::<R::Event>(
            R::KIND,
            id,
            today,
            Body::Void {
                target,
                reason: reason.to_owned(),
            },
        )?;
        let mut all = events;
        all.push(Event {
            id: void_id,
            valid: today,
            recorded: self.recorded,
            body: Body::Void {
                target,
                reason: reason.to_owned(),
            },
        });
        let new = record::fold::<R>(id, &all, &crate::event::Horizon::NOW)
            .map_err(|e| {
                refuse(format!(
                    "voiding event {target} would leave an illegal history: {e}"
                ))
            })?
            .ok_or_else(|| refuse(format!("voiding event {target} leaves nothing")))?;
        self.store(Some(&old), &new)?;
        Ok(void_id)
    }

    // ---- enterprises ----

    /// Registers an enterprise. A credit code must pass its check character
    /// unless `allow_invalid_code`, and must be unique.
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty name or a bad code;
    /// [`Error::Conflict`] for a code already registered.
    pub fn add_enterprise(&mut self, new: NewEnterprise) -> Result<EnterpriseId> {
        let name = new.name.trim().to_owned();
        if name.is_empty() {
            return Err(Error::validation("name", "an enterprise needs a name"));
        }
        let code = new
            .credit_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_uppercase);
        if let Some(code) = &code {
            if let Err(e) = check_credit_code(code) {
                let well_formed = code.len() == 18;
                if !(new.allow_invalid_code && well_formed) {
                    return Err(e);
                }
            }
            let key = keys::index_key(keys::index::ENTERPRISE_CODE, &[code.as_bytes()]);
            if let Some(v) = self.get(Tree::Index, &key)? {
                return Err(Error::conflict(
                    Entity::Enterprise,
                    code.clone(),
                    format!(
                        "credit code already registered to E{}",
                        keys::u64_at(&v, 0)?
                    ),
                ));
            }
        }
        let id = self.next_id(&keys::meta::next_id(keys::kind::ENTERPRISE))?;
        let date = new
            .registered
            .unwrap_or_else(|| self.recorded.to_datetime().date_naive());
        let event = EnterpriseEvent::Registered {
            name,
            credit_code: code,
            industry: new
                .industry
                .map(|i| i.trim().to_uppercase())
                .filter(|i| !i.is_empty()),
            founded: new.founded,
            high_tech: new.high_tech,
        };
        let state = enterprise::apply(None, EnterpriseId(id), date, &event)?;
        self.append(keys::kind::ENTERPRISE, id, date, Body::Domain(event))?;
        self.store::<Enterprise>(None, &state)?;
        Ok(EnterpriseId(id))
    }

    // ---- land ----

    /// A parcel as this unit of work sees it (its own writes included).
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown id.
    pub fn parcel(&self, id: ParcelId) -> Result<Parcel> {
        self.require(id.0)
    }

    /// A parcel by code, as this unit of work sees it.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown code.
    pub fn parcel_by_code(&self, code: &str) -> Result<Parcel> {
        let id = self
            .code_taken(code)?
            .ok_or_else(|| Error::not_found(Entity::Parcel, code))?;
        self.require(id)
    }

    fn code_taken(&self, code: &str) -> Result<Option<u64>> {
        self.get(
            Tree::Index,
            &keys::index_key(keys::index::PARCEL_CODE, &[code.as_bytes()]),
        )?
        .map(|v| keys::u64_at(&v, 0))
        .transpose()
    }

    fn check_new_parcel(&self, code: &str, area: Mu) -> Result<()> {
        if code.trim().is_empty() {
            return Err(Error::validation(
                "code",
                "a parcel needs a code (地块编号)",
            ));
        }
        if code.trim() != code {
            return Err(Error::validation(
                "code",
                format!("{code:?} has surrounding spaces"),
            ));
        }
        if !area.is_positive() {
            return Err(Error::validation(
                "area",
                format!("parcel {code}: area must be positive, got {area}"),
            ));
        }
        if area > MAX_PARCEL_AREA {
            return Err(Error::validation(
                "area",
                format!("parcel {code}: area {area} exceeds {MAX_PARCEL_AREA}"),
            ));
        }
        if let Some(other) = self.code_taken(code)? {
            return Err(Error::conflict(
                Entity::Parcel,
                code,
                format!("code already used by parcel P{other}"),
            ));
        }
        Ok(())
    }

    /// 征地: adds a parcel to the zone's reserve.
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty code or a non-positive area;
    /// [`Error::Conflict`] for a code already in use.
    pub fn add_parcel(&mut self, new: NewParcel) -> Result<ParcelId> {
        self.check_new_parcel(&new.code, new.area)?;
        let id = ParcelId(self.next_id(&keys::meta::next_id(keys::kind::PARCEL))?);
        let event = ParcelEvent::Requisitioned {
            code: new.code,
            area: new.area,
            land_use: new.land_use,
            location: new.location.filter(|l| !l.trim().is_empty()),
        };
        let state = land::apply(None, id, new.requisitioned, &event)?;
        self.append(
            keys::kind::PARCEL,
            id.0,
            new.requisitioned,
            Body::Domain(event),
        )?;
        self.store::<Parcel>(None, &state)?;
        Ok(id)
    }

    /// 前期开发 (三通一平, 填土). Refused for uncertified land from the
    /// effective date of [`Policy::no_development_without_certificate_from`].
    ///
    /// # Errors
    /// [`Error::NotFound`], or [`Error::Lifecycle`] naming the rule.
    pub fn develop(&mut self, parcel: ParcelId, date: NaiveDate) -> Result<EventId> {
        if let Some(from) = self.policy.no_development_without_certificate_from {
            let p: Parcel = self.require(parcel.0)?;
            if date >= from && p.certificate.is_none() {
                return Err(Error::lifecycle(
                    Entity::Parcel,
                    format!("{} ({})", p.code, p.id),
                    format!(
                        "policy from {from}: land without a certificate may not be developed \
                         (已征土地,还没有办证的坚决一律不填土)"
                    ),
                ));
            }
        }
        self.record_event::<Parcel>(parcel.0, date, ParcelEvent::Developed)
    }

    /// 办证: records the land-use certificate.
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty number; [`Error::NotFound`]; [`Error::Lifecycle`].
    pub fn certify(&mut self, parcel: ParcelId, date: NaiveDate, number: &str) -> Result<EventId> {
        let number = number.trim();
        if number.is_empty() {
            return Err(Error::validation(
                "certificate",
                "a certificate needs its number",
            ));
        }
        self.record_event::<Parcel>(
            parcel.0,
            date,
            ParcelEvent::Certified {
                number: number.to_owned(),
            },
        )
    }

    /// 出让/划拨: supplies a parcel in the reserve to an enterprise.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown parcel or enterprise; [`Error::Validation`]
    /// for a negative price or agreed dates out of order; [`Error::Lifecycle`]
    /// for a parcel that has a holder.
    pub fn allocate(&mut self, parcel: ParcelId, terms: Allocation) -> Result<EventId> {
        self.require::<Enterprise>(terms.holder.0)?;
        if terms.price < Yuan::ZERO {
            return Err(Error::validation(
                "price",
                format!("price must not be negative, got {}", terms.price),
            ));
        }
        if let (Some(s), Some(c)) = (terms.start_by, terms.complete_by) {
            if c < s {
                return Err(Error::validation(
                    "complete_by",
                    format!("agreed completion {c} is before agreed start {s}"),
                ));
            }
        }
        let id = self.record_event::<Parcel>(
            parcel.0,
            terms.date,
            ParcelEvent::Allocated {
                holder: terms.holder,
                method: terms.method,
                price: terms.price,
                start_by: terms.start_by,
                complete_by: terms.complete_by,
            },
        )?;
        Ok(id)
    }

    /// 动工.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Lifecycle`] without a holder or when already started.
    pub fn start_construction(&mut self, parcel: ParcelId, date: NaiveDate) -> Result<EventId> {
        self.record_event::<Parcel>(parcel.0, date, ParcelEvent::ConstructionStarted)
    }

    /// 竣工.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Lifecycle`] before construction started.
    pub fn complete_construction(&mut self, parcel: ParcelId, date: NaiveDate) -> Result<EventId> {
        self.record_event::<Parcel>(parcel.0, date, ParcelEvent::Completed)
    }

    /// 认定闲置: declares a held parcel idle. The fee defaults to 20% of
    /// the supply price.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Validation`] for a negative fee;
    /// [`Error::Lifecycle`] for land in the reserve or under construction.
    pub fn declare_idle(
        &mut self,
        parcel: ParcelId,
        date: NaiveDate,
        fee: Option<Yuan>,
    ) -> Result<EventId> {
        let p: Parcel = self.require(parcel.0)?;
        let fee = match fee {
            Some(f) if f < Yuan::ZERO => {
                return Err(Error::validation(
                    "fee",
                    format!("fee must not be negative, got {f}"),
                ))
            }
            Some(f) => f,
            None => p
                .supply
                .as_ref()
                .map_or(Ok(Yuan::ZERO), |s| s.price.ratio(20, 100))?,
        };
        self.record_event::<Parcel>(parcel.0, date, ParcelEvent::IdleDeclared { fee })
    }

    /// 收回: takes a held parcel back into the reserve.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Lifecycle`] for land in the reserve.
    pub fn reclaim(&mut self, parcel: ParcelId, date: NaiveDate, reason: &str) -> Result<EventId> {
        self.record_event::<Parcel>(
            parcel.0,
            date,
            ParcelEvent::Reclaimed {
                reason: reason.trim().to_owned(),
            },
        )
    }

    /// 转让: the holder passes the parcel to another enterprise.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown parcel or enterprise; [`Error::Validation`]
    /// for a negative price; [`Error::Lifecycle`] for land in the reserve or a
    /// transfer to the holder itself.
    pub fn transfer(
        &mut self,
        parcel: ParcelId,
        to: EnterpriseId,
        date: NaiveDate,
        price: Yuan,
    ) -> Result<EventId> {
        self.require::<Enterprise>(to.0)?;
        if price < Yuan::ZERO {
            return Err(Error::validation(
                "price",
                format!("price must not be negative, got {price}"),
            ));
        }
        self.record_event::<Parcel>(parcel.0, date, ParcelEvent::Transferred { to, price })
    }

    /// 分宗: splits a parcel into parts with new codes whose areas sum
    /// exactly to the parcel's. The parent retires; the children inherit its
    /// state (holder, terms, certificate, development).
    ///
    /// # Errors
    /// [`Error::Validation`] or [`Error::Conflict`] for a bad or taken child code
    /// or area; [`Error::Lifecycle`] when the areas do not sum to the parent's.
    pub fn split(
        &mut self,
        parcel: ParcelId,
        date: NaiveDate,
        parts: &[(String, Mu)],
    ) -> Result<Vec<ParcelId>> {
        let parent: Parcel = self.require(parcel.0)?;
        let mut children = Vec::with_capacity(parts.len());
        for (i, (code, area)) in parts.iter().enumerate() {
            self.check_new_parcel(code, *area)?;
            if parts[..i].iter().any(|(c, _)| c == code) {
                return Err(Error::validation(
                    "code",
                    format!("split part code {code} appears twice"),
                ));
            }
            let id = ParcelId(self.next_id(&keys::meta::next_id(keys::kind::PARCEL))?);
            children.push((id, code.clone(), *area));
        }
        let retired = land::apply(
            Some(parent.clone()),
            parcel,
            date,
            &ParcelEvent::Split {
                children: children.clone(),
            },
        )?;
        for (id, code, area) in &children {
            let state = land::child_state(&parent, *id, code, *area, date);
            self.append(
                keys::kind::PARCEL,
                id.0,
                date,
                Body::Domain(ParcelEvent::SplitFrom {
                    parent: parcel,
                    state: Box::new(state.clone()),
                }),
            )?;
            self.store::<Parcel>(None, &state)?;
        }
        self.append(
            keys::kind::PARCEL,
            parcel.0,
            date,
            Body::Domain(ParcelEvent::Split {
                children: children.clone(),
            }),
        )?;
        self.store(Some(&parent), &retired)?;
        Ok(children.into_iter().map(|c| c.0).collect())
    }
}

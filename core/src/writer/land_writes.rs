//! Writes to the land ledger.

use super::*;
use crate::land::IdlePeriods;
use crate::units::Quantity;

/// How a parcel enters the ledger.
#[derive(Clone, Copy)]
enum Entry {
    /// 征地.
    Requisitioned,
    /// 登记 without its requisition, held by the firm if any.
    Registered(Option<EnterpriseId>),
}

impl Writer {
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
        self.code_owner::<Parcel>(keys::index::PARCEL_CODE, code)
    }

    /// Cleans a new parcel's code (see [`crate::text`]) and checks it and
    /// the area; returns the code as stored.
    fn check_new_parcel(&self, code: &str, area: Mu) -> Result<String> {
        if code.trim().is_empty() {
            return Err(Error::validation(
                "code",
                "a parcel needs a code (地块编号)",
            ));
        }
        let code = crate::text::code("code", code)?;
        let code = code.as_str();
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
        Ok(code.to_owned())
    }

    /// 征地: adds a parcel to the zone's reserve.
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty code or a non-positive area;
    /// [`Error::Conflict`] for a code already in use.
    pub fn add_parcel(&mut self, new: NewParcel) -> Result<ParcelId> {
        self.create_parcel(new, Entry::Requisitioned)
    }

    /// 登记: enters a parcel whose requisition is not known (one of
    /// published supply, transfer or mortgage results) on the day it
    /// enters the ledger, `new.requisitioned`, in the reserve or already
    /// held by `holder`. No requisition date is invented: the parcel is
    /// marked [`Parcel::requisition_unknown`], the parcels table leaves its
    /// `requisitioned` empty, and the land summary counts it from the day
    /// it entered.
    ///
    /// # Errors
    /// As [`Writer::add_parcel`]; [`Error::NotFound`] for an unknown holder.
    pub fn register_parcel(
        &mut self,
        new: NewParcel,
        holder: Option<EnterpriseId>,
    ) -> Result<ParcelId> {
        self.create_parcel(new, Entry::Registered(holder))
    }

    /// A new parcel: requisitioned, or entered without its requisition.
    fn create_parcel(&mut self, new: NewParcel, entry: Entry) -> Result<ParcelId> {
        self.attempt(|w| {
            let code = w.check_new_parcel(&new.code, new.area)?;
            let location = match &new.location {
                Some(l) => crate::text::note("location", l)?,
                None => None,
            };
            if let Entry::Registered(Some(holder)) = entry {
                w.require::<Enterprise>(holder.0)?;
            }
            let id = ParcelId(w.next_id(&keys::meta::next_id(keys::kind::PARCEL))?);
            let event = match entry {
                Entry::Requisitioned => ParcelEvent::Requisitioned {
                    code,
                    area: new.area,
                    land_use: new.land_use,
                    location,
                },
                Entry::Registered(holder) => ParcelEvent::Registered {
                    code,
                    area: new.area,
                    land_use: new.land_use,
                    location,
                    holder,
                },
            };
            let boundary = new
                .boundary
                .as_ref()
                .map(|b| w.checked_boundary(b))
                .transpose()?;
            let state = land::apply(None, id, new.requisitioned, &event)?;
            w.append::<Parcel>(id.0, new.requisitioned, Body::Domain(event))?;
            w.store::<Parcel>(None, state)?;
            if let Some(b) = boundary {
                w.record_event::<Parcel>(
                    id.0,
                    new.requisitioned,
                    ParcelEvent::BoundarySet {
                        boundary: Some(b.stored()),
                    },
                )?;
            }
            Ok(id)
        })
    }

    /// 前期开发 (三通一平, 填土). Refused for uncertified land from the
    /// effective date of [`Policy::no_development_without_certificate_from`].
    ///
    /// # Errors
    /// [`Error::NotFound`], or [`Error::Lifecycle`] naming the rule.
    pub fn develop(&mut self, parcel: ParcelId, date: NaiveDate) -> Result<EventId> {
        self.attempt(|w| {
            if let Some(from) = w.pending.policy.no_development_without_certificate_from {
                let p: Parcel = w.require(parcel.0)?;
                if date >= from && p.certificate.is_none() {
                    return Err(Error::lifecycle(
                        Entity::Parcel,
                        format!("{} ({})", p.code, p.id),
                        Rule::Policy,
                        format!(
                            "policy from {from}: land without a certificate may not be developed \
                             (已征土地,还没有办证的坚决一律不填土)"
                        ),
                    ));
                }
            }
            w.record_event::<Parcel>(parcel.0, date, ParcelEvent::Developed)
        })
    }

    /// 办证: records the land-use certificate.
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty number; [`Error::NotFound`]; [`Error::Lifecycle`].
    pub fn certify(&mut self, parcel: ParcelId, date: NaiveDate, number: &str) -> Result<EventId> {
        self.attempt(|w| {
            if number.trim().is_empty() {
                return Err(Error::validation(
                    "certificate",
                    "a certificate needs its number",
                ));
            }
            let number = crate::text::code("certificate", number)?;
            w.record_event::<Parcel>(parcel.0, date, ParcelEvent::Certified { number })
        })
    }

    /// 出让/划拨: supplies a parcel in the reserve to an enterprise.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown parcel or enterprise; [`Error::Validation`]
    /// for a negative price or agreed dates out of order; [`Error::Lifecycle`]
    /// for a parcel that has a holder.
    pub fn allocate(&mut self, parcel: ParcelId, terms: Allocation) -> Result<EventId> {
        self.attempt(|w| {
            w.require::<Enterprise>(terms.holder.0)?;
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
            // The idle periods of the policy in force on the agreed start;
            // none kept when they are the default's, so the event is the one
            // earlier versions wrote (and an import merges it).
            let periods = w.pending.policy.idle_periods_for(terms.start_by);
            let periods = (!periods.same_months(&IdlePeriods::DEFAULT)).then_some(periods);
            let id = w.record_event::<Parcel>(
                parcel.0,
                terms.date,
                ParcelEvent::Allocated {
                    holder: terms.holder,
                    method: terms.method,
                    price: terms.price,
                    start_by: terms.start_by,
                    complete_by: terms.complete_by,
                    idle_periods: periods,
                },
            )?;
            Ok(id)
        })
    }

    /// Records the supply contract's other agreed terms (约定交地时间,
    /// 土地使用年限, 约定容积率, 分期支付…) on the day of the supply in force.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Validation`] for instalments that do
    /// not sum to the price or a term of no years; [`Error::Lifecycle`] for
    /// a parcel without a supply on `date`, or with its terms recorded.
    pub fn agree_contract(
        &mut self,
        parcel: ParcelId,
        date: NaiveDate,
        contract: Contract,
    ) -> Result<EventId> {
        self.attempt(|w| {
            let p: Parcel = w.require(parcel.0)?;
            if !contract.instalments.is_empty() {
                let sum = Yuan::sum(contract.instalments.iter().copied())?;
                let price = p.supply.as_ref().map(|s| s.price);
                if Some(sum) != price {
                    return Err(Error::validation(
                        "instalments",
                        format!(
                            "the instalments sum to {sum}, not the price {}",
                            price.map_or_else(|| "(no supply)".to_owned(), |p| p.to_string())
                        ),
                    ));
                }
            }
            if let Some(t) = contract.terms.iter().find(|t| t.years == 0) {
                return Err(Error::validation(
                    "terms",
                    format!(
                        "a term of use of 0 years{}",
                        t.use_
                            .as_ref()
                            .map(|u| format!(" for {u}"))
                            .unwrap_or_default()
                    ),
                ));
            }
            let mut contract = contract;
            for text in [
                &mut contract.industry,
                &mut contract.grade,
                &mut contract.approved_by,
                &mut contract.project,
                &mut contract.notice,
            ] {
                if let Some(t) = text.take() {
                    *text = crate::text::note("contract", &t)?;
                }
            }
            w.record_event::<Parcel>(
                parcel.0,
                date,
                ParcelEvent::ContractAgreed(Box::new(contract)),
            )
        })
    }

    /// 二级市场转让: the holder passes the parcel to `to` (`how`: 买卖,
    /// 赠与, 继承…). Unlike [`Writer::transfer`], the park's own transfer,
    /// the price passes between the holders and nothing is owed to the park.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Validation`] for a negative price;
    /// [`Error::Lifecycle`] for a parcel in the reserve or held by `to`.
    pub fn convey(
        &mut self,
        parcel: ParcelId,
        to: EnterpriseId,
        date: NaiveDate,
        price: Option<Yuan>,
        how: Option<&str>,
    ) -> Result<EventId> {
        self.attempt(|w| {
            w.passing_to(to, price)?;
            let how = crate::text::optional_note("how", how)?;
            w.record_event::<Parcel>(parcel.0, date, ParcelEvent::Conveyed { to, price, how })
        })
    }

    /// Checks what a transfer or a conveyance passes a parcel to: a firm
    /// the register holds, at a price (if any) not negative.
    fn passing_to(&self, to: EnterpriseId, price: Option<Yuan>) -> Result<()> {
        self.require::<Enterprise>(to.0)?;
        match price {
            Some(p) if p < Yuan::ZERO => Err(Error::validation(
                "price",
                format!("price must not be negative, got {p}"),
            )),
            _ => Ok(()),
        }
    }

    /// 土地抵押: registers a mortgage on a held parcel from `mortgage.from`.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Validation`] for an amount that is not
    /// positive, an end not after the start, or an empty lender;
    /// [`Error::Lifecycle`] for a parcel in the reserve.
    pub fn mortgage(&mut self, parcel: ParcelId, mortgage: Mortgage) -> Result<EventId> {
        self.attempt(|w| {
            if !mortgage.amount.is_positive() {
                return Err(Error::validation(
                    "amount",
                    format!(
                        "a mortgage's amount must be positive, got {}",
                        mortgage.amount
                    ),
                ));
            }
            if mortgage.until.is_some_and(|u| u <= mortgage.from) {
                return Err(Error::validation(
                    "until",
                    format!(
                        "a mortgage ends after it begins ({}); it ends {}",
                        mortgage.from,
                        mortgage.until.unwrap_or(mortgage.from)
                    ),
                ));
            }
            let mut m = mortgage;
            m.mortgagee = crate::text::name("mortgagee", &m.mortgagee)?;
            for c in [&mut m.right_certificate, &mut m.use_certificate] {
                if let Some(t) = c.take() {
                    *c = Some(crate::text::code("certificate", &t)?);
                }
            }
            if let Some(t) = m.notice.take() {
                m.notice = crate::text::note("notice", &t)?;
            }
            let from = m.from;
            w.record_event::<Parcel>(parcel.0, from, ParcelEvent::Mortgaged(Box::new(m)))
        })
    }

    /// 动工.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Lifecycle`] without a holder or when already started.
    pub fn start_construction(&mut self, parcel: ParcelId, date: NaiveDate) -> Result<EventId> {
        self.attempt(|w| w.record_event::<Parcel>(parcel.0, date, ParcelEvent::ConstructionStarted))
    }

    /// 竣工.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Lifecycle`] before construction started.
    pub fn complete_construction(&mut self, parcel: ParcelId, date: NaiveDate) -> Result<EventId> {
        self.attempt(|w| w.record_event::<Parcel>(parcel.0, date, ParcelEvent::Completed))
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
        self.attempt(|w| {
            let p: Parcel = w.require(parcel.0)?;
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
            w.record_event::<Parcel>(parcel.0, date, ParcelEvent::IdleDeclared { fee })
        })
    }

    /// 收回: takes a held parcel back into the reserve.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Lifecycle`] for land in the reserve.
    pub fn reclaim(&mut self, parcel: ParcelId, date: NaiveDate, reason: &str) -> Result<EventId> {
        self.attempt(|w| {
            w.record_event::<Parcel>(
                parcel.0,
                date,
                ParcelEvent::Reclaimed {
                    reason: crate::text::note("reason", reason)?.unwrap_or_default(),
                },
            )
        })
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
        self.attempt(|w| {
            w.passing_to(to, Some(price))?;
            w.record_event::<Parcel>(parcel.0, date, ParcelEvent::Transferred { to, price })
        })
    }

    /// Sets (or, with `None` or empty text, removes) a parcel's note (备注)
    /// from `date`: a dated event, so reads as of earlier dates show the
    /// note then.
    ///
    /// # Errors
    /// [`Error::Validation`] for a note with control characters or over
    /// 4,000 characters; [`Error::NotFound`]; [`Error::Lifecycle`] for a
    /// retired parcel or a date before its requisition.
    pub fn set_parcel_note(
        &mut self,
        parcel: ParcelId,
        date: NaiveDate,
        note: Option<&str>,
    ) -> Result<EventId> {
        self.attempt(|w| {
            let note = crate::text::optional_note("note", note)?;
            w.record_event::<Parcel>(parcel.0, date, ParcelEvent::Noted { note })
        })
    }

    /// Reports the buildings on a parcel as of `date`: their floor area
    /// (总建筑面积) and footprint (建筑基底面积) in m², from which the plot
    /// ratio (容积率) and building coverage (建筑系数) follow. A later report
    /// replaces an earlier one; reads as of earlier dates show the figures
    /// then.
    ///
    /// # Errors
    /// [`Error::Validation`] for a negative figure; [`Error::NotFound`];
    /// [`Error::Lifecycle`] before construction started, for a footprint
    /// larger than the floor area or than the parcel, a retired parcel or
    /// a date before the parcel's requisition.
    pub fn report_buildings(
        &mut self,
        parcel: ParcelId,
        date: NaiveDate,
        floor_area_m2: Quantity,
        footprint_m2: Quantity,
    ) -> Result<EventId> {
        self.attempt(|w| {
            for (field, v) in [
                ("floor_area_m2", floor_area_m2),
                ("footprint_m2", footprint_m2),
            ] {
                if v < Quantity::ZERO {
                    return Err(Error::validation(field, format!("{v} m² is negative")));
                }
            }
            w.record_event::<Parcel>(
                parcel.0,
                date,
                ParcelEvent::BuildingsReported {
                    floor_area_m2,
                    footprint_m2,
                },
            )
        })
    }

    /// An outline checked and measured: in its own CRS or the database's
    /// default; in longitude and latitude, measured in the zone it names
    /// ([`Outline::measured_in`]), else in the default CRS when that is a
    /// Gauss-Krüger zone within reach of the shape (the park's own zone),
    /// else in the zone the shape falls in.
    pub(crate) fn checked_boundary(&self, outline: &Outline) -> Result<Boundary> {
        let default = self.pending.policy.default_crs;
        let crs = outline.crs().or(default);
        let park_zone = default.filter(|d| d.zone().is_some());
        match park_zone {
            Some(zone) if outline.plane().is_none() && crs.is_some_and(Crs::is_geographic) => {
                match Boundary::new(&outline.clone().measured_in(zone), crs) {
                    // Beyond the park's zone's reach: not the park's land
                    // as it registers it; measured where it lies.
                    Err(Error::Validation { field, .. }) if field == "zone" => {
                        Boundary::new(outline, crs)
                    }
                    other => other,
                }
            }
            _ => Boundary::new(outline, crs),
        }
    }

    /// Sets (or, with `None`, removes) a parcel's boundary from `date`: a
    /// dated event, so reads as of earlier dates show the boundary then.
    ///
    /// # Errors
    /// [`Error::Validation`] for a shape that is not a valid boundary or
    /// names no coordinate system; [`Error::NotFound`]; [`Error::Lifecycle`]
    /// for a retired parcel or a date before its latest event.
    pub fn set_boundary(
        &mut self,
        parcel: ParcelId,
        date: NaiveDate,
        boundary: Option<&Outline>,
    ) -> Result<EventId> {
        self.attempt(|w| {
            let boundary = boundary.map(|b| w.checked_boundary(b)).transpose()?;
            w.record_event::<Parcel>(
                parcel.0,
                date,
                ParcelEvent::BoundarySet {
                    boundary: boundary.map(|b| b.stored()),
                },
            )
        })
    }

    /// Sets the coordinate system of boundaries given without one.
    ///
    /// # Errors
    /// [`Error::Storage`] if it cannot be encoded.
    pub fn set_default_crs(&mut self, crs: Option<Crs>) -> Result<()> {
        let policy = Policy {
            default_crs: crs,
            ..self.policy()
        };
        self.set_policy(policy)
    }

    /// Sets how far (parts per million) a surveyed area may differ from the
    /// registered one before it is flagged; `None` restores 1%.
    ///
    /// # Errors
    /// [`Error::Validation`] for a tolerance over 100%.
    pub fn set_area_tolerance_ppm(&mut self, ppm: Option<u32>) -> Result<()> {
        if ppm.is_some_and(|p| p > 1_000_000) {
            return Err(Error::validation(
                "area_tolerance",
                "the area tolerance is a share of the registered area, at most 100%",
            ));
        }
        let policy = Policy {
            area_tolerance_ppm: ppm,
            ..self.policy()
        };
        self.set_policy(policy)
    }

    /// 分宗: splits a parcel into parts with new codes whose areas sum
    /// exactly to the parcel's. The parent retires; the children inherit its
    /// state (holder, terms, certificate, development). The codes are any
    /// text: `&[("GP-1-1", a), ("GP-1-2", b)]` or `String`s.
    ///
    /// # Errors
    /// [`Error::Validation`] or [`Error::Conflict`] for a bad or taken child code
    /// or area; [`Error::Lifecycle`] when the areas do not sum to the parent's.
    pub fn split(
        &mut self,
        parcel: ParcelId,
        date: NaiveDate,
        parts: &[(impl AsRef<str>, Mu)],
    ) -> Result<Vec<ParcelId>> {
        let parts: Vec<SplitPart> = parts
            .iter()
            .map(|(code, area)| SplitPart::new(code.as_ref(), *area))
            .collect();
        self.split_parts(parcel, date, &parts)
    }

    /// 分宗 with the parts' boundaries: [`Writer::split`], and each part's
    /// boundary set on the day. Where the parent has a boundary, the parts'
    /// shapes must lie within it and cover it within the area tolerance;
    /// shapes of parts must not overlap each other.
    ///
    /// # Errors
    /// As [`Writer::split`]; [`Error::Validation`] for a part's invalid
    /// boundary, a part outside the parent, parts that overlap or leave
    /// part of the parent uncovered.
    pub fn split_parts(
        &mut self,
        parcel: ParcelId,
        date: NaiveDate,
        parts: &[SplitPart],
    ) -> Result<Vec<ParcelId>> {
        self.attempt(|w| {
            let parent: Parcel = w.require(parcel.0)?;
            let mut shapes = Vec::with_capacity(parts.len());
            for part in parts {
                shapes.push(
                    part.boundary
                        .as_ref()
                        .map(|b| w.checked_boundary(b))
                        .transpose()?,
                );
            }
            let tolerance = w.pending.policy.tolerance_ppm();
            check_split_shapes(&parent, parts, &shapes, tolerance)?;
            let mut children = Vec::with_capacity(parts.len());
            for SplitPart { code, area, .. } in parts {
                let code = w.check_new_parcel(code, *area)?;
                if children.iter().any(|(_, c, _)| *c == code) {
                    return Err(Error::validation(
                        "code",
                        format!("split part code {code} appears twice"),
                    ));
                }
                let id = ParcelId(w.next_id(&keys::meta::next_id(keys::kind::PARCEL))?);
                children.push((id, code, *area));
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
                w.append::<Parcel>(
                    id.0,
                    date,
                    Body::Domain(ParcelEvent::SplitFrom {
                        parent: parcel,
                        state: Box::new(state.clone()),
                    }),
                )?;
                w.store::<Parcel>(None, state)?;
            }
            w.append::<Parcel>(
                parcel.0,
                date,
                Body::Domain(ParcelEvent::Split {
                    children: children.clone(),
                }),
            )?;
            w.store(Some(&parent), retired)?;
            for ((id, _, _), shape) in children.iter().zip(shapes) {
                if let Some(b) = shape {
                    w.record_event::<Parcel>(
                        id.0,
                        date,
                        ParcelEvent::BoundarySet {
                            boundary: Some(b.stored()),
                        },
                    )?;
                }
            }
            Ok(children.into_iter().map(|c| c.0).collect())
        })
    }
}

use crate::geometry::sliver_m2;

/// The rules of a split's shapes: parts within the parent, not
/// overlapping each other, covering the parent within the area tolerance.
fn check_split_shapes(
    parent: &Parcel,
    parts: &[SplitPart],
    shapes: &[Option<Boundary>],
    tolerance_ppm: u32,
) -> Result<()> {
    let named: Vec<(&str, &Boundary)> = parts
        .iter()
        .zip(shapes)
        .filter_map(|(p, s)| s.as_ref().map(|s| (p.code.as_str(), s)))
        .collect();
    for (i, (code, a)) in named.iter().enumerate() {
        for (other, b) in &named[i + 1..] {
            let overlap = a.overlap_m2(b)?;
            if overlap > sliver_m2(a.area_m2().min(b.area_m2())) {
                return Err(Error::validation(
                    "boundary",
                    format!("split parts {code} and {other} overlap by {overlap:.1} m²"),
                ));
            }
        }
    }
    let Some(outer) = parent.boundary.as_deref() else {
        return Ok(());
    };
    let mut covered = 0.0;
    for (code, shape) in &named {
        let outside = shape.outside_m2(outer)?;
        if outside > sliver_m2(shape.area_m2()) {
            return Err(Error::validation(
                "boundary",
                format!(
                    "split part {code} reaches {outside:.1} m² outside parcel {}",
                    parent.code
                ),
            ));
        }
        covered += shape.area_m2() - outside;
    }
    if named.len() == parts.len() {
        let whole = outer.area_m2();
        let gap = whole - covered;
        if gap * 1_000_000.0 > whole * f64::from(tolerance_ppm) {
            return Err(Error::validation(
                "boundary",
                format!(
                    "the parts' shapes leave {gap:.1} m² of parcel {} ({:.2}% of it) uncovered",
                    parent.code,
                    gap / whole * 100.0
                ),
            ));
        }
    }
    Ok(())
}

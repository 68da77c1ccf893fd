//! The land ledger's reads: parcels, their history, holdings, the summary.

use super::*;

/// Which parcels to list; every field left `None` matches all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParcelFilter {
    pub status: Option<ParcelStatus>,
    pub holder: Option<EnterpriseId>,
    pub land_use: Option<LandUse>,
}

impl View<'_> {
    /// A parcel as it stood under this horizon.
    ///
    /// # Errors
    /// [`Error::NotFound`] if it did not exist then.
    pub fn parcel(&self, id: ParcelId) -> Result<Parcel> {
        let _read = self.engine.read_guard();
        self.one::<Parcel>(id.0)?
            .ok_or_else(|| Error::not_found(crate::Entity::Parcel, id))
    }

    /// A parcel by its code (地块编号).
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown code or a parcel that did not exist then.
    pub fn parcel_by_code(&self, code: &str) -> Result<Parcel> {
        let id = {
            let _read = self.engine.read_guard();
            self.unique_id::<Parcel>(keys::index::PARCEL_CODE, code)?
        };
        let id = id.ok_or_else(|| Error::not_found(crate::Entity::Parcel, code))?;
        self.parcel(ParcelId(id))
    }

    /// The parcels an enterprise ever held, by any event, voided or not:
    /// candidates for who held what as of a date or as known at a moment.
    fn ever_held(&self, holder: EnterpriseId) -> Result<BTreeSet<u64>> {
        self.engine.cache.with::<Parcel, _>(self.store(), |m| {
            m.history_ids(keys::index::PARCEL_EVER_HELD, &holder.0.to_be_bytes())
        })
    }

    /// Parcels under this horizon that match `filter`, by id. Filters go
    /// through indexes; a read as of a date folds only the candidates.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn parcels(&self, filter: &ParcelFilter) -> Result<Vec<Parcel>> {
        Ok(self
            .parcels_shared(filter)?
            .into_iter()
            .map(Arc::unwrap_or_clone)
            .collect())
    }

    /// [`View::parcels`], shared with the in-memory view (no copies).
    pub(crate) fn parcels_shared(&self, filter: &ParcelFilter) -> Result<Vec<Arc<Parcel>>> {
        let _read = self.engine.read_guard();
        let now = self.horizon == Horizon::NOW;
        let mut candidates = Candidates::default();
        if let Some(h) = filter.holder {
            candidates.narrow(if now {
                self.lookup::<Parcel>(keys::index::PARCEL_HOLDER, &h.0.to_be_bytes())?
            } else {
                self.ever_held(h)?
            });
        }
        if let Some(u) = filter.land_use {
            candidates.narrow(self.lookup::<Parcel>(keys::index::PARCEL_USE, &[u.byte()])?);
        }
        if let (Some(s), true) = (filter.status, now) {
            candidates.narrow(self.lookup::<Parcel>(keys::index::PARCEL_STATUS, &[s.byte()])?);
        }
        let parcels = candidates.load::<Parcel>(self)?;
        Ok(parcels
            .into_iter()
            .filter(|p| filter.status.is_none_or(|s| p.status() == s))
            .filter(|p| filter.holder.is_none_or(|h| p.holder == Some(h)))
            .filter(|p| filter.land_use.is_none_or(|u| p.land_use == u))
            .collect())
    }

    /// Every parcel under this horizon, retired parents included.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn all_parcels(&self) -> Result<Vec<Parcel>> {
        let _read = self.engine.read_guard();
        self.all::<Parcel>()
    }

    /// The land ledger's figures as of [`View::date`].
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn land_summary(&self) -> Result<LandSummary> {
        let mut summary = LandSummary::new(self.date());
        self.visit::<Parcel>(&mut |p| summary.add(p))?;
        Ok(summary)
    }

    /// Every event of a parcel, voids included, in recording order.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown parcel.
    pub fn parcel_history(&self, id: ParcelId) -> Result<Vec<HistoryEntry<ParcelEvent>>> {
        let _read = self.engine.read_guard();
        self.history_of::<Parcel>(id.0)
    }

    /// The parcels an enterprise holds under this horizon (as of its date).
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn holdings(&self, enterprise: EnterpriseId) -> Result<Vec<Parcel>> {
        self.parcels(&ParcelFilter {
            holder: Some(enterprise),
            ..ParcelFilter::default()
        })
    }
}

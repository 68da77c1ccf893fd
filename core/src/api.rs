//! The write methods of [`Db`]: each is one unit of work around the
//! [`Writer`] method of the same name, so the rules live in one place.

use chrono::NaiveDate;

use crate::db::{Db, Policy};
use crate::enterprise::{Enterprise, EnterpriseId, NewEnterprise};
use crate::error::Result;
use crate::event::EventId;
use crate::land::{LandSummary, Parcel, ParcelEvent, ParcelId};
use crate::units::{Mu, Yuan};
use crate::view::{HistoryEntry, ParcelFilter};
use crate::writer::{Allocation, NewParcel, Writer};

macro_rules! single_writes {
    ($( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty; )*) => {
        impl Db {
            $(
                $(#[$doc])*
                ///
                /// One unit of work; see the [`Writer`] method of the same name.
                ///
                /// # Errors
                /// As the [`Writer`] method; on error nothing is written.
                pub fn $name(&self, $($arg: $ty),*) -> Result<$ret> {
                    self.write(|w: &mut Writer| w.$name($($arg),*))
                }
            )*
        }
    };
}

single_writes! {
    /// Registers an enterprise.
    fn add_enterprise(new: NewEnterprise) -> EnterpriseId;
    /// 征地: adds a parcel to the reserve.
    fn add_parcel(new: NewParcel) -> ParcelId;
    /// 前期开发.
    fn develop(parcel: ParcelId, date: NaiveDate) -> EventId;
    /// 办证.
    fn certify(parcel: ParcelId, date: NaiveDate, number: &str) -> EventId;
    /// 出让/划拨.
    fn allocate(parcel: ParcelId, terms: Allocation) -> EventId;
    /// 动工.
    fn start_construction(parcel: ParcelId, date: NaiveDate) -> EventId;
    /// 竣工.
    fn complete_construction(parcel: ParcelId, date: NaiveDate) -> EventId;
    /// 认定闲置.
    fn declare_idle(parcel: ParcelId, date: NaiveDate, fee: Option<Yuan>) -> EventId;
    /// 收回.
    fn reclaim(parcel: ParcelId, date: NaiveDate, reason: &str) -> EventId;
    /// 转让.
    fn transfer(parcel: ParcelId, to: EnterpriseId, date: NaiveDate, price: Yuan) -> EventId;
    /// 分宗.
    fn split(parcel: ParcelId, date: NaiveDate, parts: &[(String, Mu)]) -> Vec<ParcelId>;
    /// Supersedes an event, keeping it in history.
    fn void(event: EventId, reason: &str) -> EventId;
    /// Sets the dated policies.
    fn set_policy(policy: Policy) -> ();
}

impl Db {
    /// A parcel now.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] for an unknown id.
    pub fn parcel(&self, id: ParcelId) -> Result<Parcel> {
        self.now().parcel(id)
    }

    /// A parcel as of the end of `date`.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] if it did not exist then.
    pub fn parcel_as_of(&self, id: ParcelId, date: NaiveDate) -> Result<Parcel> {
        self.as_of(date).parcel(id)
    }

    /// A parcel by code, now.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] for an unknown code.
    pub fn parcel_by_code(&self, code: &str) -> Result<Parcel> {
        self.now().parcel_by_code(code)
    }

    /// Parcels now, filtered through the indexes.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn parcels(&self, filter: &ParcelFilter) -> Result<Vec<Parcel>> {
        self.now().parcels(filter)
    }

    /// The land ledger's figures as of the end of `date`.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn land_summary(&self, as_of: NaiveDate) -> Result<LandSummary> {
        self.as_of(as_of).land_summary()
    }

    /// Every event of a parcel, voids included.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] for an unknown parcel.
    pub fn history(&self, parcel: ParcelId) -> Result<Vec<HistoryEntry<ParcelEvent>>> {
        self.now().parcel_history(parcel)
    }

    /// An enterprise now.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] for an unknown id.
    pub fn enterprise(&self, id: EnterpriseId) -> Result<Enterprise> {
        self.now().enterprise(id)
    }
}

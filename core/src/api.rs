//! The write methods of [`Db`]: each is one unit of work around the
//! [`Writer`] method of the same name, so the rules live in one place.

use chrono::NaiveDate;

use crate::compliance::{
    Complaint, Honour, Incident, Inspection, Qualification, QualificationKind,
};
use crate::db::{Db, Policy};
use crate::enterprise::{Enterprise, EnterpriseId, IdKind, NewEnterprise, YearlyFigures};
use crate::error::Result;
use crate::event::EventId;
use crate::fund::{Application, ApplicationId, AwardKind, Overdue, ProgrammeId, RecoveryVia};
use crate::geometry::{Crs, Outline};
use crate::land::{
    BuildingSpec, BuildingStage, Contract, LandSummary, Mortgage, Parcel, ParcelEvent, ParcelId,
};
use crate::money::{Charge, Collection, Compensation, FeeRate, Instalment, Payment, Refund};
use crate::units::Quantity;
use crate::units::{Mu, Yuan};
use crate::view::{HistoryEntry, ParcelFilter};
use crate::writer::Award;
use crate::writer::{Account, Allocation, NewParcel, SplitPart, Writer};

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
    /// Records a firm's id other than its credit code.
    fn record_enterprise_id(firm: EnterpriseId, kind: IdKind, value: &str) -> EventId;
    /// 征地: adds a parcel to the reserve.
    fn add_parcel(new: NewParcel) -> ParcelId;
    /// 登记: enters a parcel whose requisition is not known.
    fn register_parcel(new: NewParcel, holder: Option<EnterpriseId>) -> ParcelId;
    /// The supply contract's other agreed terms.
    fn agree_contract(parcel: ParcelId, date: NaiveDate, contract: Contract) -> EventId;
    /// 二级市场转让 between holders.
    fn convey(parcel: ParcelId, to: EnterpriseId, date: NaiveDate, price: Option<Yuan>, how: Option<&str>) -> EventId;
    /// 土地抵押.
    fn mortgage(parcel: ParcelId, mortgage: Mortgage) -> EventId;
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
    fn split(parcel: ParcelId, date: NaiveDate, parts: &[(impl AsRef<str>, Mu)]) -> Vec<ParcelId>;
    /// 分宗 with the parts' boundaries.
    fn split_parts(parcel: ParcelId, date: NaiveDate, parts: &[SplitPart]) -> Vec<ParcelId>;
    /// Sets or removes a parcel's boundary from a date.
    fn set_boundary(parcel: ParcelId, date: NaiveDate, boundary: Option<&Outline>) -> EventId;
    fn set_parcel_note(parcel: ParcelId, date: NaiveDate, note: Option<&str>) -> EventId;
    /// The buildings on a parcel (floor area, footprint in m²) as of a date.
    fn report_buildings(parcel: ParcelId, date: NaiveDate, floor_area_m2: Quantity, footprint_m2: Quantity) -> EventId;
    /// The coordinate system of boundaries given without one.
    fn set_default_crs(crs: Option<Crs>) -> ();
    /// The area tolerance, in parts per million.
    fn set_area_tolerance_ppm(ppm: Option<u32>) -> ();
    /// Supersedes an event, keeping it in history.
    fn void(event: EventId, reason: &str) -> EventId;
    /// Sets the dated policies.
    fn set_policy(policy: Policy) -> ();
    /// 签约.
    fn enterprise_signed(e: EnterpriseId, date: NaiveDate, investment: Yuan, land: Mu) -> EventId;
    /// 在建.
    fn enterprise_construction_started(e: EnterpriseId, date: NaiveDate) -> EventId;
    /// 投产.
    fn enterprise_in_production(e: EnterpriseId, date: NaiveDate) -> EventId;
    /// 增资.
    fn capital_increased(e: EnterpriseId, date: NaiveDate, investment: Yuan, land: Mu) -> EventId;
    /// 停产.
    fn enterprise_suspended(e: EnterpriseId, date: NaiveDate, reason: &str) -> EventId;
    /// Back from a suspension.
    fn enterprise_resumed(e: EnterpriseId, date: NaiveDate) -> EventId;
    /// 关闭.
    fn enterprise_closed(e: EnterpriseId, date: NaiveDate, reason: &str) -> EventId;
    /// A year's figures (a second report for the year revises the first).
    fn report_year(e: EnterpriseId, year: i32, figures: YearlyFigures) -> EventId;
    /// A tenancy in the incubator.
    fn lease(e: EnterpriseId, building: &str, unit: Option<&str>, area_m2: Quantity, start: NaiveDate, end: Option<NaiveDate>) -> EventId;
    /// Ends a tenancy.
    fn end_lease(e: EnterpriseId, index: u32, date: NaiveDate) -> EventId;
    fn set_enterprise_note(e: EnterpriseId, date: NaiveDate, note: Option<&str>) -> EventId;
    /// A programme of the fund.
    fn add_programme(name: &str, year: i32, budget: Yuan, created: NaiveDate) -> ProgrammeId;
    /// A programme's budget changes.
    fn set_budget(programme: ProgrammeId, date: NaiveDate, budget: Yuan) -> EventId;
    /// 受理.
    fn apply(programme: ProgrammeId, applicant: EnterpriseId, title: &str, received: NaiveDate, requested: Yuan, field: Option<&str>) -> ApplicationId;
    /// 评审.
    fn review(application: ApplicationId, date: NaiveDate, scores: &[u32]) -> EventId;
    /// 立项.
    fn approve(application: ApplicationId, date: NaiveDate, award: Award) -> EventId;
    /// 不予立项.
    fn reject(application: ApplicationId, date: NaiveDate, reason: &str) -> EventId;
    /// 拨付.
    fn disburse(application: ApplicationId, date: NaiveDate, amount: Yuan, kind: AwardKind) -> EventId;
    /// 还款.
    fn repay(application: ApplicationId, date: NaiveDate, amount: Yuan) -> EventId;
    /// 追讨.
    fn recover(application: ApplicationId, date: NaiveDate, amount: Yuan, via: RecoveryVia) -> EventId;
    /// 核销.
    fn write_off(application: ApplicationId, date: NaiveDate, reason: &str) -> EventId;
    /// 结项.
    fn close_application(application: ApplicationId, date: NaiveDate) -> EventId;
    /// 管理费标准 from a date.
    fn set_fee_rate(rate: FeeRate) -> ();
    /// 分期付款.
    fn schedule_land_payments(parcel: ParcelId, date: NaiveDate, instalments: &[Instalment]) -> EventId;
    /// 收款.
    fn receive_payment(on: Account, date: NaiveDate, payment: Payment) -> EventId;
    /// 退款.
    fn refund_payment(on: Account, date: NaiveDate, refund: Refund) -> EventId;
    /// 核销 / 减免.
    fn write_off_debt(on: Account, date: NaiveDate, charge: Charge, amount: Option<Yuan>, reason: &str, debtor: Option<EnterpriseId>) -> EventId;
    /// 追缴.
    fn record_collection(on: Account, date: NaiveDate, collection: Collection) -> EventId;
    /// 征地补偿, 调地, 办证费.
    fn pay_compensation(parcel: ParcelId, date: NaiveDate, compensation: Compensation) -> EventId;
    /// 认定: a qualification.
    fn qualify(e: EnterpriseId, date: NaiveDate, qualification: Qualification) -> EventId;
    /// 撤销 a qualification.
    fn revoke_qualification(e: EnterpriseId, date: NaiveDate, kind: QualificationKind, number: Option<&str>, reason: &str) -> EventId;
    /// An honour (科学技术奖).
    fn honour(e: EnterpriseId, date: NaiveDate, honour: Honour) -> EventId;
    /// An inspection (环保, 安全).
    fn record_inspection(e: EnterpriseId, date: NaiveDate, inspection: Inspection) -> EventId;
    /// 整改完成.
    fn rectify(e: EnterpriseId, date: NaiveDate, inspection: u32, note: Option<&str>) -> EventId;
    /// An incident (事故).
    fn record_incident(e: EnterpriseId, date: NaiveDate, incident: Incident) -> EventId;
    /// A complaint (投诉).
    fn record_complaint(e: EnterpriseId, date: NaiveDate, complaint: Complaint) -> EventId;
    /// A building registered on a parcel (物业).
    fn register_building(parcel: ParcelId, date: NaiveDate, spec: BuildingSpec) -> EventId;
    /// A building reached a stage.
    fn reach_building_stage(code: &str, date: NaiveDate, stage: BuildingStage) -> EventId;
    /// A building's stage planned.
    fn plan_building_stage(code: &str, date: NaiveDate, stage: BuildingStage, by: NaiveDate) -> EventId;
    /// A complaint resolved.
    fn resolve_complaint(e: EnterpriseId, date: NaiveDate, complaint: u32, resolution: &str) -> EventId;
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

    /// An application now.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] for an unknown id.
    pub fn application(&self, id: ApplicationId) -> Result<Application> {
        self.now().application(id)
    }

    /// Loans overdue as of the end of `date`.
    ///
    /// # Errors
    /// Storage errors.
    pub fn overdue(&self, as_of: NaiveDate) -> Result<Vec<Overdue>> {
        self.as_of(as_of).overdue()
    }

    /// An enterprise now.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] for an unknown id.
    pub fn enterprise(&self, id: EnterpriseId) -> Result<Enterprise> {
        self.now().enterprise(id)
    }
}

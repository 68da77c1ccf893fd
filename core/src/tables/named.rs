//! The tables a reader asks for by name: the command line's `export` and
//! the dashboard's pages and `/api` read them through one list.

use arrow_array::RecordBatch;

use crate::error::Result;
use crate::view::{ApplicationFilter, EnterpriseFilter, ParcelFilter, View};

use super::EventFilter;

/// A table of the ledgers, read under a view's horizon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Named {
    /// `parcels`: the land ledger.
    Parcels,
    /// `enterprises`: the register.
    Enterprises,
    /// `yearly`: firms' yearly figures.
    Yearly,
    /// `leases`: tenancies in the incubator.
    Leases,
    /// `grants`: applications to the fund.
    Grants,
    /// `disbursements`: the fund's payments.
    Disbursements,
    /// `programmes`: the fund's programmes and budgets.
    Programmes,
    /// `overdue`: loans overdue.
    Overdue,
    /// `observations`: indicators observed.
    Observations,
    /// `receivables`: what is owed to the zone.
    Receivables,
    /// `payments`: money received, refunded and paid out.
    Payments,
    /// `buildings`: the buildings register.
    Buildings,
    /// `qualifications`: qualifications awarded.
    Qualifications,
    /// `honours`: honours given.
    Honours,
    /// `compliance`: inspections, incidents and complaints.
    Compliance,
    /// `events`: every event of every ledger.
    Events,
}

impl Named {
    /// Every named table, in the order pages list them.
    pub const ALL: [Named; 16] = [
        Named::Parcels,
        Named::Enterprises,
        Named::Yearly,
        Named::Leases,
        Named::Grants,
        Named::Disbursements,
        Named::Programmes,
        Named::Overdue,
        Named::Observations,
        Named::Receivables,
        Named::Payments,
        Named::Buildings,
        Named::Qualifications,
        Named::Honours,
        Named::Compliance,
        Named::Events,
    ];

    /// Its name: the Python method's and the file's.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Named::Parcels => "parcels",
            Named::Enterprises => "enterprises",
            Named::Yearly => "yearly",
            Named::Leases => "leases",
            Named::Grants => "grants",
            Named::Disbursements => "disbursements",
            Named::Programmes => "programmes",
            Named::Overdue => "overdue",
            Named::Observations => "observations",
            Named::Receivables => "receivables",
            Named::Payments => "payments",
            Named::Buildings => "buildings",
            Named::Qualifications => "qualifications",
            Named::Honours => "honours",
            Named::Compliance => "compliance",
            Named::Events => "events",
        }
    }

    /// Its name in Chinese, as the park's staff call it.
    #[must_use]
    pub fn chinese(self) -> &'static str {
        match self {
            Named::Parcels => "地块台账",
            Named::Enterprises => "企业名录",
            Named::Yearly => "年度经济指标",
            Named::Leases => "孵化器租赁",
            Named::Grants => "项目申报",
            Named::Disbursements => "资金拨付",
            Named::Programmes => "科技计划",
            Named::Overdue => "逾期借款",
            Named::Observations => "指标观测",
            Named::Receivables => "应收台账",
            Named::Payments => "收付款",
            Named::Buildings => "楼宇台账",
            Named::Qualifications => "资质台账",
            Named::Honours => "荣誉",
            Named::Compliance => "环保安全台账",
            Named::Events => "事件",
        }
    }

    /// Its name in English, for the dashboard's English labels.
    #[must_use]
    pub fn english(self) -> &'static str {
        match self {
            Named::Parcels => "Parcels",
            Named::Enterprises => "Enterprises",
            Named::Yearly => "Yearly figures",
            Named::Leases => "Incubator leases",
            Named::Grants => "Applications and grants",
            Named::Disbursements => "Disbursements",
            Named::Programmes => "Programmes",
            Named::Overdue => "Overdue loans",
            Named::Observations => "Indicator observations",
            Named::Receivables => "Receivables",
            Named::Payments => "Payments",
            Named::Buildings => "Buildings",
            Named::Qualifications => "Qualifications",
            Named::Honours => "Honours",
            Named::Compliance => "Compliance",
            Named::Events => "Events",
        }
    }

    /// What it holds, in a line (the command line's help).
    #[must_use]
    pub fn help(self) -> &'static str {
        match self {
            Named::Parcels => {
                "The parcels (地块台账) as of the date, with status, holder, idleness and fees"
            }
            Named::Enterprises => "The enterprises (企业名录) as of the date",
            Named::Yearly => "Enterprises' yearly figures (--year narrows)",
            Named::Leases => "Incubator tenancies as of the date",
            Named::Grants => "Applications to the fund with awards, money moved and overdue",
            Named::Disbursements => {
                "The fund's disbursements, repayments and recoveries (--year narrows)"
            }
            Named::Programmes => "Programmes with budget, committed, disbursed and remaining",
            Named::Overdue => "Loans overdue as of the date",
            Named::Observations => "Indicator observations",
            Named::Receivables => "What is owed to the zone as of the date (地款, 闲置费, 管理费)",
            Named::Payments => "Money received, refunded and paid out for land (--year narrows)",
            Named::Buildings => "The buildings register (物业): stages, leased and vacant area",
            Named::Qualifications => "Firms' qualifications (资质), whether each holds on the date",
            Named::Honours => "Firms' honours (科学技术奖…)",
            Named::Compliance => "Inspections, incidents and complaints, open or not on the date",
            Named::Events => {
                "Every event of every ledger, with its facts (as of is ignored; --known-at applies)"
            }
        }
    }

    /// The table named `name`, if there is one.
    #[must_use]
    pub fn parse(name: &str) -> Option<Named> {
        Named::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Whether `year` narrows it (yearly figures, disbursements, payments).
    #[must_use]
    pub fn takes_year(self) -> bool {
        matches!(self, Named::Yearly | Named::Disbursements | Named::Payments)
    }

    /// The table under `view`'s horizon, every row of it (`year` narrows
    /// those that [`Named::takes_year`]); the same rows as the Python
    /// method of the same name with no filter.
    ///
    /// # Errors
    /// Storage errors.
    pub fn read(self, view: &View<'_>, year: Option<i32>) -> Result<RecordBatch> {
        match self {
            Named::Parcels => view.parcels_table(&ParcelFilter::default()),
            Named::Enterprises => view.enterprises_table(&EnterpriseFilter::default()),
            Named::Yearly => view.yearly_table(year),
            Named::Leases => view.leases_table(),
            Named::Grants => view.applications_table(&ApplicationFilter::default()),
            Named::Disbursements => view.disbursements_table(year),
            Named::Programmes => view.programmes_table(),
            Named::Overdue => view.overdue_table(),
            Named::Observations => view.observations_table(None),
            Named::Receivables => view.receivables_table(),
            Named::Payments => view.payments_table(year),
            Named::Buildings => view.buildings_table(),
            Named::Qualifications => view.qualifications_table(),
            Named::Honours => view.honours_table(),
            Named::Compliance => view.compliance_table(),
            Named::Events => view.events_table(&EventFilter::default()),
        }
    }
}

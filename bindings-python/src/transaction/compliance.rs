//! Qualifications, honours, inspections, incidents and complaints.

use parkdb::compliance::{
    Complaint, Domain, Honour, HonourLevel, Incident, Inspection, Qualification, QualificationKind,
};
use pyo3::prelude::*;

use crate::convert::{date, opt_date, opt_quantity, IntoPy, Text, Whole};

use super::{FirmKey, Transaction};

#[pymethods]
impl Transaction {
    /// 认定: records a qualification awarded to an enterprise on ``on`` —
    /// ``kind`` ``high_tech`` (高新技术企业), ``tech_sme`` (科技型中小企业),
    /// ``specialised`` (专精特新), ``backbone`` (a programme's 骨干企业: name it in
    /// ``programme``), ``new_drug`` (新药证书) or ``other`` (ISO14001…). Without
    /// ``valid_until``, a 高新技术企业 or 专精特新 holds three years and a
    /// 科技型中小企业 one; the others hold until revoked. A firm's ``high_tech``
    /// then derives from its 高新技术企业 qualifications as of each date.
    ///
    /// Raises ``ValidationError`` (an unknown kind), ``NotFoundError``,
    /// ``LifecycleError`` (an end before the award, a certificate number recorded
    /// already).
    ///
    ///     db.qualify(e, "backbone", on="2005-06-20", programme="厦门国家半导体照明工程产业化基地")
    #[pyo3(signature = (enterprise, kind, *, on, number=None, programme=None, valid_until=None))]
    #[allow(clippy::too_many_arguments)]
    fn qualify(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        kind: Text,
        on: &Bound<'_, PyAny>,
        number: Option<Text>,
        programme: Option<Text>,
        valid_until: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let q = Qualification {
            kind: QualificationKind::parse(&kind).py_err(py)?,
            number: number.map(|n| n.0),
            programme: programme.map(|p| p.0),
            valid_until: opt_date(valid_until, "valid_until")?,
        };
        let d = date(on, "on")?;
        self.with(py, |w| w.qualify(firm, d, q)).map(|e| e.0)
    }

    /// 撤销: revokes the qualification of ``kind`` (and ``number``, if given) that
    /// holds on ``on``, with the reason.
    ///
    /// Raises ``ValidationError`` (no reason), ``NotFoundError``,
    /// ``LifecycleError`` (none holds then).
    ///
    ///     db.revoke_qualification(e, "high_tech", on="2009-05-01", reason="年报造假")
    #[pyo3(signature = (enterprise, kind, *, on, reason, number=None))]
    fn revoke_qualification(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        kind: Text,
        on: &Bound<'_, PyAny>,
        reason: Text,
        number: Option<Text>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let kind = QualificationKind::parse(&kind).py_err(py)?;
        let d = date(on, "on")?;
        self.with(py, |w| {
            w.revoke_qualification(firm, d, kind, number.as_deref(), &reason)
        })
        .map(|e| e.0)
    }

    /// Records an honour: the ``award`` (科学技术奖), its ``level`` (``national``,
    /// ``provincial``, ``municipal``, ``district`` or 国家级…区级), its ``grade``
    /// (二等奖), the ``year`` it is for, the ``project`` and any ``co_winners``.
    ///
    /// Raises ``ValidationError`` (an empty award or grade, a year after the
    /// date), ``NotFoundError``.
    ///
    ///     db.honour(e, "科学技术奖", on="2005-04-20", level="市级", grade="二等奖", year=2004,
    ///              project="SARS病毒荧光PCR核酸检测试剂盒", co_winners=["合作单位甲"])
    #[pyo3(signature = (enterprise, award, *, on, level, grade, year, project=None, co_winners=Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn honour(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        award: Text,
        on: &Bound<'_, PyAny>,
        level: Text,
        grade: Text,
        year: Whole<i32>,
        project: Option<Text>,
        co_winners: Vec<String>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let h = Honour {
            award: award.0,
            level: HonourLevel::parse(&level).py_err(py)?,
            class: grade.0,
            year: year.0,
            project: project.map(|p| p.0),
            co_winners,
        };
        let d = date(on, "on")?;
        self.with(py, |w| w.honour(firm, d, h)).map(|e| e.0)
    }

    /// Records an inspection of a firm: ``domain`` ``environment`` (环保) or
    /// ``safety`` (安全), ``surprise=True`` for an unannounced one (突击), its
    /// findings and, when they need one, a rectification deadline (``rectify_by``);
    /// ``compliance()`` shows it open until ``rectify`` and overdue after the
    /// deadline.
    ///
    /// Raises ``ValidationError``, ``NotFoundError``, ``LifecycleError`` (a
    /// deadline before the inspection).
    ///
    ///     db.record_inspection(e, "environment", on="2005-02-10", surprise=True,
    ///                          findings="夜间偷排", rectify_by="2005-03-31")
    #[pyo3(signature = (enterprise, domain, *, on, surprise=false, findings=None, rectify_by=None))]
    #[allow(clippy::too_many_arguments)]
    fn record_inspection(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        domain: Text,
        on: &Bound<'_, PyAny>,
        surprise: bool,
        findings: Option<Text>,
        rectify_by: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let i = Inspection {
            domain: Domain::parse(&domain).py_err(py)?,
            surprise,
            findings: findings.map(|f| f.0),
            rectify_by: opt_date(rectify_by, "rectify_by")?,
        };
        let d = date(on, "on")?;
        self.with(py, |w| w.record_inspection(firm, d, i))
            .map(|e| e.0)
    }

    /// 整改完成: the firm's inspection number ``inspection`` (0 for its first,
    /// in the order recorded) rectified on ``on``.
    ///
    /// Raises ``NotFoundError``, ``LifecycleError`` (an unknown inspection, one
    /// that asked for no rectification, one rectified already, a date before it).
    ///
    ///     db.rectify(e, 0, on="2005-03-25", note="加装在线监测")
    #[pyo3(signature = (enterprise, inspection, *, on, note=None))]
    fn rectify(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        inspection: Whole<u32>,
        on: &Bound<'_, PyAny>,
        note: Option<Text>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let d = date(on, "on")?;
        self.with(py, |w| w.rectify(firm, d, inspection.0, note.as_deref()))
            .map(|e| e.0)
    }

    /// Records an incident (事故): its ``domain``, what happened (``kind``), how
    /// much was released (``quantity_t``), the ``casualties``, how long the
    /// response took (``response_hours``) and the ``outcome``.
    ///
    /// Raises ``ValidationError`` (an empty kind, a negative quantity),
    /// ``NotFoundError``.
    ///
    ///     db.record_incident(e, "environment", "浓硫酸外泄", on="2005-03-12", quantity_t=6,
    ///                        response_hours=5, outcome="未伤一人")
    #[pyo3(signature = (enterprise, domain, kind, *, on, quantity_t=None, casualties=Whole(0), response_hours=None, outcome=None), text_signature = "($self, enterprise, domain, kind, *, on, quantity_t=None, casualties=0, response_hours=None, outcome=None)")]
    #[allow(clippy::too_many_arguments)]
    fn record_incident(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        domain: Text,
        kind: Text,
        on: &Bound<'_, PyAny>,
        quantity_t: Option<&Bound<'_, PyAny>>,
        casualties: Whole<u32>,
        response_hours: Option<&Bound<'_, PyAny>>,
        outcome: Option<Text>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let i = Incident {
            domain: Domain::parse(&domain).py_err(py)?,
            kind: kind.0,
            quantity_t: opt_quantity(quantity_t, "quantity_t")?,
            casualties: casualties.0,
            response_hours: opt_quantity(response_hours, "response_hours")?,
            outcome: outcome.map(|o| o.0),
        };
        let d = date(on, "on")?;
        self.with(py, |w| w.record_incident(firm, d, i))
            .map(|e| e.0)
    }

    /// Records a complaint (投诉) about a firm: its ``domain``, what it is about
    /// and who made it; open until ``resolve_complaint``.
    ///
    /// Raises ``ValidationError`` (an empty subject), ``NotFoundError``.
    ///
    ///     db.record_complaint(e, "environment", "河水水质", on="2005-02-03", source="上游养殖户")
    #[pyo3(signature = (enterprise, domain, subject, *, on, source=None))]
    fn record_complaint(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        domain: Text,
        subject: Text,
        on: &Bound<'_, PyAny>,
        source: Option<Text>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let c = Complaint {
            domain: Domain::parse(&domain).py_err(py)?,
            subject: subject.0,
            source: source.map(|s| s.0),
        };
        let d = date(on, "on")?;
        self.with(py, |w| w.record_complaint(firm, d, c))
            .map(|e| e.0)
    }

    /// The firm's complaint number ``complaint`` (0 for its first) resolved on
    /// ``on``, with how.
    ///
    /// Raises ``ValidationError`` (no resolution), ``NotFoundError``,
    /// ``LifecycleError`` (an unknown complaint, one resolved already, a date
    /// before it).
    ///
    ///     db.resolve_complaint(e, 0, on="2005-03-31", resolution="查清污染源头")
    #[pyo3(signature = (enterprise, complaint, *, on, resolution))]
    fn resolve_complaint(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        complaint: Whole<u32>,
        on: &Bound<'_, PyAny>,
        resolution: Text,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let d = date(on, "on")?;
        self.with(py, |w| {
            w.resolve_complaint(firm, d, complaint.0, &resolution)
        })
        .map(|e| e.0)
    }
}

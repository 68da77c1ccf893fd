//! The land ledger's writes: parcels from requisition to production,
//! their contracts, conveyances and mortgages.

use parkdb::{Allocation, LandUse, NewParcel, SupplyMethod};
use pyo3::prelude::*;

use crate::convert::{
    self, date, opt_date, opt_yuan, quantity, validation, yuan, IntoPy, Text, Whole,
};

use super::{area_arg, FirmKey, Transaction};

steps! {
/// 前期开发 (三通一平, 填土): records the parcel's development.
///
/// From the date the policy ``no_development_without_certificate_from`` takes
/// effect, land without a certificate is refused (已征土地,还没有办证的坚决一律不填土).
///
/// Raises ``NotFoundError``, ``LifecycleError`` (naming the rule).
///
///     db.develop("GP-001", "2004-06-01")
develop(parcel);
/// 动工: construction starts on a held parcel.
///
/// Raises ``NotFoundError``, ``LifecycleError`` (no holder, or already started).
///
///     db.start_construction("GP-001", "2005-01-15")
start_construction(parcel);
/// 竣工: construction on the parcel is complete.
///
/// Raises ``NotFoundError``, ``LifecycleError`` (construction not started).
///
///     db.complete_construction("GP-001", "2006-03-01")
complete_construction(parcel);
/// 收回: takes a held parcel back into the reserve.
///
/// Raises ``NotFoundError``, ``LifecycleError`` (land in the reserve).
///
///     db.reclaim("GP-053", "2005-09-01", reason="闲置满两年")
reclaim(parcel, reason);
}

#[pymethods]
impl Transaction {
    /// 征地: adds a parcel to the zone's reserve and returns its id.
    ///
    /// Give the area in 亩 (``area_mu``), ㎡ (``area_m2``) or 公顷 (``area_ha``).
    /// Codes are compared as written in Unicode's compatibility form, without
    /// invisible characters, so ``ＧＰ-１`` is ``GP-1``.
    ///
    /// A ``boundary`` (界址) may be given as WKT or GeoJSON text, a GeoJSON
    /// mapping, a shapely geometry (anything with ``__geo_interface__``) or the
    /// list of boundary points (界址点) as ``(x, y)`` pairs, x the easting; in
    /// ``crs`` (an EPSG code such as 4527, ``"EPSG:4527"``, a pyproj CRS), else
    /// the database's default (``set_default_crs``).
    ///
    /// Raises ``ValidationError`` (empty or bad code, non-positive area, a
    /// boundary that is not a valid shape or names no coordinate system),
    /// ``ConflictError`` (a code in use).
    ///
    ///     p = db.add_parcel("GP-001", "52.7272", requisitioned="2004-05-01")
    #[pyo3(signature = (code, area_mu=None, *, land_use=Text("industrial".into()), requisitioned, location=None, area_m2=None, area_ha=None, boundary=None, crs=None), text_signature = "($self, code, area_mu=None, *, land_use='industrial', requisitioned, location=None, area_m2=None, area_ha=None, boundary=None, crs=None)")]
    #[allow(clippy::too_many_arguments)]
    fn add_parcel(
        &self,
        py: Python<'_>,
        code: Text,
        area_mu: Option<&Bound<'_, PyAny>>,
        land_use: Text,
        requisitioned: &Bound<'_, PyAny>,
        location: Option<Text>,
        area_m2: Option<&Bound<'_, PyAny>>,
        area_ha: Option<&Bound<'_, PyAny>>,
        boundary: Option<&Bound<'_, PyAny>>,
        crs: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let new = NewParcel {
            area: area_arg(py, area_mu, area_m2, area_ha)?,
            land_use: LandUse::parse(&land_use).py_err(py)?,
            requisitioned: date(requisitioned, "requisitioned")?,
            location: location.map(String::from),
            code: code.0,
            boundary: boundary
                .map(|b| crate::geometry::outline(b, crs))
                .transpose()?,
        };
        self.with(py, |w| w.add_parcel(new)).map(|id| id.0)
    }

    /// 登记: enters a parcel whose requisition is not known (one of
    /// published supply, transfer or mortgage results) on the day it enters the
    /// ledger, ``entered``, in the reserve or already held by ``holder``. No
    /// requisition date is invented: ``parcels()`` leaves ``requisitioned``
    /// empty and says ``entered_unrequisitioned_on``; the land summary counts
    /// the land from then, in ``requisitioned_mu`` and ``requisition_unknown_mu``.
    /// ``import_ledgers`` does this for 中国土地市场网's results.
    ///
    /// Raises ``ValidationError`` (empty or bad code, non-positive area),
    /// ``ConflictError`` (a code in use), ``NotFoundError`` (the holder).
    ///
    ///     p = db.register_parcel("LC-2017-001", area_ha="1.867291", entered="2017-01-08")
    #[pyo3(signature = (code, area_mu=None, *, land_use=Text("industrial".into()), entered, holder=None, location=None, area_m2=None, area_ha=None, boundary=None, crs=None), text_signature = "($self, code, area_mu=None, *, land_use='industrial', entered, holder=None, location=None, area_m2=None, area_ha=None, boundary=None, crs=None)")]
    #[allow(clippy::too_many_arguments)]
    fn register_parcel(
        &self,
        py: Python<'_>,
        code: Text,
        area_mu: Option<&Bound<'_, PyAny>>,
        land_use: Text,
        entered: &Bound<'_, PyAny>,
        holder: Option<FirmKey>,
        location: Option<Text>,
        area_m2: Option<&Bound<'_, PyAny>>,
        area_ha: Option<&Bound<'_, PyAny>>,
        boundary: Option<&Bound<'_, PyAny>>,
        crs: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let holder = holder.map(|h| self.firm(py, h)).transpose()?;
        let new = NewParcel {
            area: area_arg(py, area_mu, area_m2, area_ha)?,
            land_use: LandUse::parse(&land_use).py_err(py)?,
            requisitioned: date(entered, "entered")?,
            location: location.map(String::from),
            code: code.0,
            boundary: boundary
                .map(|b| crate::geometry::outline(b, crs))
                .transpose()?,
        };
        self.with(py, |w| w.register_parcel(new, holder))
            .map(|id| id.0)
    }

    /// Records the supply contract's other agreed terms on the day
    /// of the supply in force: ``deliver_by`` (约定交地时间), ``terms``
    /// (土地使用年限: years, or ``{"其他工业用地": 50, "其他商服用地": 40}``), the
    /// plot-ratio bounds as agreed (``check()`` finds them swapped), the
    /// ``instalments`` of 分期支付 (they must sum to the price), ``industry``,
    /// ``grade``, ``approved_by``, ``project`` and the ``notice``. Shown in
    /// ``parcels()`` (``deliver_by``, ``use_terms``, ``plot_ratio_min``…).
    ///
    /// Raises ``ValidationError`` (instalments that do not make the price, a term
    /// of 0 years), ``LifecycleError`` (no supply on that day, or terms recorded
    /// already), ``NotFoundError``.
    ///
    ///     db.agree_contract(p, "2017-01-08", deliver_by="2017-03-28", terms=50,
    ///                       plot_ratio_min="1.2", instalments=["337.03万元"])
    #[pyo3(signature = (parcel, on, *, deliver_by=None, terms=None, plot_ratio_min=None, plot_ratio_max=None, instalments=None, industry=None, grade=None, approved_by=None, project=None, notice=None))]
    #[allow(clippy::too_many_arguments)]
    fn agree_contract(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
        deliver_by: Option<&Bound<'_, PyAny>>,
        terms: Option<&Bound<'_, PyAny>>,
        plot_ratio_min: Option<&Bound<'_, PyAny>>,
        plot_ratio_max: Option<&Bound<'_, PyAny>>,
        instalments: Option<Vec<Bound<'_, PyAny>>>,
        industry: Option<Text>,
        grade: Option<Text>,
        approved_by: Option<Text>,
        project: Option<Text>,
        notice: Option<Text>,
    ) -> PyResult<u64> {
        let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
        let mut contract = parkdb::Contract::new();
        contract.deliver_by = opt_date(deliver_by, "deliver_by")?;
        contract.terms = use_terms(py, terms)?;
        contract.plot_ratio_min = plot_ratio_min
            .map(|q| quantity(q, "plot_ratio_min"))
            .transpose()?;
        contract.plot_ratio_max = plot_ratio_max
            .map(|q| quantity(q, "plot_ratio_max"))
            .transpose()?;
        contract.instalments = instalments
            .unwrap_or_default()
            .iter()
            .map(|a| yuan(a, "instalments"))
            .collect::<PyResult<_>>()?;
        contract.industry = industry.map(String::from);
        contract.grade = grade.map(String::from);
        contract.approved_by = approved_by.map(String::from);
        contract.project = project.map(String::from);
        contract.notice = notice.map(String::from);
        self.with(py, |w| w.agree_contract(p, d, contract))
            .map(|e| e.0)
    }

    /// 二级市场转让: the holder passes the parcel to another firm (``how``:
    /// 买卖, 赠与, 继承…). The price passes between the firms: unlike ``transfer``
    /// (the park's own), nothing is owed to the park.
    ///
    /// Raises ``NotFoundError``, ``ValidationError`` (negative price),
    /// ``LifecycleError`` (land in the reserve, or held by that firm already).
    ///
    ///     db.convey("GP-001", "天津市乙装备有限公司", "2016-01-12", price_yuan="1403.349万元", how="买卖")
    #[pyo3(signature = (parcel, enterprise, on, *, price_yuan=None, how=None))]
    fn convey(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        enterprise: FirmKey,
        on: &Bound<'_, PyAny>,
        price_yuan: Option<&Bound<'_, PyAny>>,
        how: Option<Text>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
        let price = opt_yuan(price_yuan, "price_yuan")?;
        self.with(py, |w| w.convey(p, firm, d, price, how.as_deref()))
            .map(|e| e.0)
    }

    /// 土地抵押: registers a mortgage on a held parcel from ``on`` to
    /// ``until``, lent by ``mortgagee``, with its certificates (the mortgage's
    /// 他项权证, the land's 国用 or 不动产权 certificate). ``parcels(as_of)``
    /// shows the mortgages in force (``mortgaged``, ``mortgage_yuan``,
    /// ``mortgagees``).
    ///
    /// Raises ``ValidationError`` (an amount that is not positive, an end not
    /// after the start), ``LifecycleError`` (land in the reserve),
    /// ``NotFoundError``.
    ///
    ///     db.mortgage("GP-001", "中国工商银行", "2016-01-14", amount_yuan="1500万元",
    ///                 until="2017-01-13", use_certificate="京延国用（2014出）第00061号")
    #[pyo3(signature = (parcel, mortgagee, on, *, amount_yuan, until=None, appraised_yuan=None, area_mu=None, right_certificate=None, use_certificate=None, notice=None))]
    #[allow(clippy::too_many_arguments)]
    fn mortgage(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        mortgagee: Text,
        on: &Bound<'_, PyAny>,
        amount_yuan: &Bound<'_, PyAny>,
        until: Option<&Bound<'_, PyAny>>,
        appraised_yuan: Option<&Bound<'_, PyAny>>,
        area_mu: Option<&Bound<'_, PyAny>>,
        right_certificate: Option<Text>,
        use_certificate: Option<Text>,
        notice: Option<Text>,
    ) -> PyResult<u64> {
        let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
        let mut m = parkdb::Mortgage::new(
            mortgagee.0,
            yuan(amount_yuan, "amount_yuan")?,
            d,
            opt_date(until, "until")?,
        );
        m.appraised = opt_yuan(appraised_yuan, "appraised_yuan")?;
        m.area = area_mu
            .map(|a| area_arg(py, Some(a), None, None))
            .transpose()?;
        m.right_certificate = right_certificate.map(String::from);
        m.use_certificate = use_certificate.map(String::from);
        m.notice = notice.map(String::from);
        self.with(py, |w| w.mortgage(p, m)).map(|e| e.0)
    }

    /// 办证: records the parcel's land-use certificate.
    ///
    /// Raises ``ValidationError`` (empty number), ``NotFoundError``, ``LifecycleError``.
    ///
    ///     db.certify("GP-001", "2004-07-01", certificate="东国用(2004)第12号")
    #[pyo3(signature = (parcel, on, *, certificate))]
    fn certify(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
        certificate: Text,
    ) -> PyResult<u64> {
        let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
        self.with(py, |w| w.certify(p, d, &certificate))
            .map(|e| e.0)
    }

    /// 出让/划拨: supplies a parcel in the reserve to an enterprise.
    ///
    /// ``method`` is ``tender``, ``auction``, ``listing``, ``agreement`` or
    /// ``allocation`` (or 招标, 拍卖, 挂牌, 协议, 划拨); ``start_by`` is the agreed
    /// construction start, from which idleness is counted.
    ///
    /// Raises ``NotFoundError``, ``ValidationError`` (negative price, dates out of
    /// order), ``LifecycleError`` (the parcel has a holder).
    ///
    ///     db.allocate("GP-001", e, "2004-08-01", method="listing", price_yuan="1,800,000",
    ///                 start_by="2005-02-01")
    #[pyo3(signature = (parcel, enterprise, on, *, method, price_yuan, start_by=None, complete_by=None))]
    #[allow(clippy::too_many_arguments)]
    fn allocate(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        enterprise: FirmKey,
        on: &Bound<'_, PyAny>,
        method: Text,
        price_yuan: &Bound<'_, PyAny>,
        start_by: Option<&Bound<'_, PyAny>>,
        complete_by: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let p = self.parcel(py, parcel)?;
        let terms = Allocation {
            holder: firm,
            date: date(on, "date")?,
            method: SupplyMethod::parse(&method).py_err(py)?,
            price: yuan(price_yuan, "price_yuan")?,
            start_by: opt_date(start_by, "start_by")?,
            complete_by: opt_date(complete_by, "complete_by")?,
        };
        self.with(py, |w| w.allocate(p, terms)).map(|e| e.0)
    }

    /// 认定闲置: declares a held parcel idle; the fee defaults to 20% of the
    /// supply price.
    ///
    /// Raises ``NotFoundError``, ``ValidationError`` (negative fee),
    /// ``LifecycleError`` (land in the reserve or under construction).
    ///
    ///     db.declare_idle("GP-053", "2005-03-01")
    #[pyo3(signature = (parcel, on, *, fee_yuan=None))]
    fn declare_idle(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
        fee_yuan: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
        let fee = opt_yuan(fee_yuan, "fee_yuan")?;
        self.with(py, |w| w.declare_idle(p, d, fee)).map(|e| e.0)
    }

    /// 转让: the holder passes the parcel to another enterprise.
    ///
    /// Raises ``NotFoundError``, ``ValidationError`` (negative price),
    /// ``LifecycleError`` (land in the reserve, or a transfer to the holder itself).
    ///
    ///     db.transfer("GP-001", other, "2006-01-01", price_yuan="2000000")
    #[pyo3(signature = (parcel, enterprise, on, *, price_yuan=None))]
    fn transfer(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        enterprise: FirmKey,
        on: &Bound<'_, PyAny>,
        price_yuan: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
        let price = opt_yuan(price_yuan, "price_yuan")?.unwrap_or(parkdb::Yuan::ZERO);
        self.with(py, |w| w.transfer(p, firm, d, price))
            .map(|e| e.0)
    }

    /// 分宗: splits a parcel into parts whose areas sum exactly to its own; the
    /// parent retires and the parts inherit its state. Returns the parts' ids.
    ///
    /// A part may carry its boundary: ``(code, area, boundary)``, or a mapping
    /// with ``code``, ``area_mu``, ``boundary`` and ``crs``. Where the parent has
    /// a boundary, the parts' shapes must lie within it, not overlap each other,
    /// and cover it within the area tolerance.
    ///
    /// Raises ``ValidationError`` or ``ConflictError`` (a bad or taken code, a
    /// part's shape outside the parent, overlapping, or leaving part of it
    /// uncovered), ``LifecycleError`` (areas that do not sum to the parcel's).
    ///
    ///     db.split("GP-001", "2005-01-01", [("GP-001-1", "30"), ("GP-001-2", "22.7272")])
    #[pyo3(signature = (parcel, on, parts, *, crs=None))]
    fn split(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
        parts: Vec<Bound<'_, PyAny>>,
        crs: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<u64>> {
        let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
        let parts = parts
            .iter()
            .map(|part| split_part(part, crs))
            .collect::<PyResult<Vec<_>>>()?;
        self.with(py, |w| w.split_parts(p, d, &parts))
            .map(|ids| ids.into_iter().map(|i| i.0).collect())
    }

    /// Sets a parcel's boundary (界址) from a date (``on``, else the date of
    /// the parcel's latest event); ``None`` removes it. A dated event: reads as of
    /// earlier dates show the boundary then. The boundary as for ``add_parcel``.
    /// The surveyed area is measured on the plane of the Gauss-Krüger zone (for
    /// longitude and latitude, the zone the shape lies in); the registered area
    /// stays the legal figure.
    ///
    /// Raises ``ValidationError`` (a ring crossing itself or not closed, fewer
    /// than 3 points, a coordinate not a number, a point outside the coordinate
    /// system's zone or with x and y swapped, an unknown coordinate system),
    /// ``LifecycleError`` (a date before the parcel's latest event).
    ///
    ///     db.set_boundary("GP-001", [(39512000, 3400000), (39512200, 3400000),
    ///                                (39512200, 3400100), (39512000, 3400100)], crs=4527)
    #[pyo3(signature = (parcel, boundary, *, crs=None, on=None))]
    fn set_boundary(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        boundary: Option<&Bound<'_, PyAny>>,
        crs: Option<&Bound<'_, PyAny>>,
        on: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let p = self.parcel(py, parcel)?;
        let on = opt_date(on, "on")?;
        let outline = boundary
            .map(|b| crate::geometry::outline(b, crs))
            .transpose()?;
        self.with(py, |w| {
            let d = match on {
                Some(d) => d,
                None => w.parcel(p)?.last_event,
            };
            w.set_boundary(p, d, outline.as_ref())
        })
        .map(|e| e.0)
    }

    /// Sets a parcel's note (备注) from a date (``on``, else the date of the
    /// parcel's latest event); ``None`` or empty text removes it. A dated event:
    /// reads as of earlier dates show the note then, and the parcels table has it
    /// as ``note``. An import keeps a 地块台账 row's 备注 this way.
    ///
    /// Raises ``ValidationError`` (control characters, more than 4,000
    /// characters), ``NotFoundError``, ``LifecycleError`` (a date before the
    /// parcel's requisition, a parcel retired by a split).
    ///
    ///     db.set_parcel_note("GP-001", "一期，待办证", on="2005-12-31")
    #[pyo3(signature = (parcel, note, *, on=None))]
    fn set_parcel_note(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        note: Option<Text>,
        on: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let p = self.parcel(py, parcel)?;
        let on = opt_date(on, "on")?;
        self.with(py, |w| {
            let d = match on {
                Some(d) => d,
                None => w.parcel(p)?.last_event,
            };
            w.set_parcel_note(p, d, note.as_deref())
        })
        .map(|e| e.0)
    }

    /// Reports the buildings on a parcel as of a date (``on``, else the date of
    /// the parcel's latest event): their floor area (总建筑面积) and footprint
    /// (建筑基底面积: buildings, structures and yards) in m². The parcels table
    /// shows them with ``plot_ratio`` (容积率) and ``building_coverage`` (建筑系数),
    /// and ``inefficient_land`` finds 用而未尽 from them. A later report replaces
    /// an earlier one; reads as of earlier dates show the figures then.
    ///
    /// Raises ``ValidationError`` (a negative figure), ``NotFoundError``,
    /// ``LifecycleError`` (construction not started, a footprint larger than the
    /// floor area or than the parcel, a retired parcel, a date before the
    /// parcel's requisition).
    ///
    ///     db.report_buildings("GP-001", floor_area_m2="28,000", footprint_m2="14,500",
    ///                         on="2006-03-31")
    #[pyo3(signature = (parcel, *, floor_area_m2, footprint_m2, on=None))]
    fn report_buildings(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        floor_area_m2: &Bound<'_, PyAny>,
        footprint_m2: &Bound<'_, PyAny>,
        on: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let p = self.parcel(py, parcel)?;
        let on = opt_date(on, "on")?;
        let floor = quantity(floor_area_m2, "floor_area_m2")?;
        let footprint = quantity(footprint_m2, "footprint_m2")?;
        self.with(py, |w| {
            let d = match on {
                Some(d) => d,
                None => w.parcel(p)?.last_event,
            };
            w.report_buildings(p, d, floor, footprint)
        })
        .map(|e| e.0)
    }
}

/// A part of a split: `(code, area)`, `(code, area, boundary)` or a
/// mapping with `code`, `area_mu`, `boundary` and `crs`.
fn split_part(
    part: &Bound<'_, PyAny>,
    crs: Option<&Bound<'_, PyAny>>,
) -> PyResult<parkdb::SplitPart> {
    let py = part.py();
    if let Ok(d) = part.cast::<pyo3::types::PyDict>() {
        let get = |k: &str| d.get_item(k);
        let code: Text = get("code")?
            .ok_or_else(|| convert::validation(py, "parts", "a part needs its code".into()))?
            .extract()?;
        let area = get("area_mu")?.or(get("area")?).ok_or_else(|| {
            convert::validation(py, "parts", format!("part {}: give area_mu", code.0))
        })?;
        let own_crs = get("crs")?;
        let boundary = get("boundary")?.filter(|b| !b.is_none());
        return Ok(parkdb::SplitPart {
            area: convert::mu(&area, "area_mu")?,
            boundary: boundary
                .map(|b| crate::geometry::outline(&b, own_crs.as_ref().or(crs)))
                .transpose()?,
            code: code.0,
        });
    }
    let items: Vec<Bound<'_, PyAny>> = part.extract().map_err(|_| {
        convert::validation(
            py,
            "parts",
            "a part is (code, area) or (code, area, boundary)".into(),
        )
    })?;
    match &items[..] {
        [code, area] | [code, area, _] => {
            let code: Text = code.extract()?;
            let boundary = items.get(2).filter(|b| !b.is_none());
            Ok(parkdb::SplitPart {
                area: convert::mu(area, "area_mu")?,
                boundary: boundary
                    .map(|b| crate::geometry::outline(b, crs))
                    .transpose()?,
                code: code.0,
            })
        }
        _ => Err(convert::validation(
            py,
            "parts",
            "a part is (code, area) or (code, area, boundary)".into(),
        )),
    }
}

/// 土地使用年限 as Python gives it: years (an int, the parcel's own use)
/// or a mapping of use to years (`{"其他工业用地": 50, "其他商服用地": 40}`).
fn use_terms(py: Python<'_>, terms: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<parkdb::UseTerm>> {
    let Some(terms) = terms else {
        return Ok(Vec::new());
    };
    if let Ok(Whole(years)) = terms.extract::<Whole<u16>>() {
        return Ok(vec![parkdb::UseTerm { use_: None, years }]);
    }
    let Ok(map) = terms.cast::<pyo3::types::PyDict>() else {
        return Err(validation(
            py,
            "terms",
            "expected years (an int) or a mapping of use to years".into(),
        ));
    };
    map.iter()
        .map(|(k, v)| {
            Ok(parkdb::UseTerm {
                use_: Some(k.extract::<String>()?),
                years: v.extract::<Whole<u16>>()?.0,
            })
        })
        .collect()
}

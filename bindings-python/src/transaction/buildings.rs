//! Buildings by stage, and indicators observed.

use parkdb::indicators::{Direction, SubjectKind};
use parkdb::land::{BuildingSpec, BuildingStage, BuildingUse};
use pyo3::prelude::*;

use crate::convert::{self, date, opt_quantity, quantity, IntoPy, Text};

use super::Transaction;

#[pymethods]
impl Transaction {
    /// Registers a building (物业, the incubator's 厂房) on the parcel it stands
    /// on: its ``code`` (unique: ``1#``), ``floor_area_m2``, ``lettable_m2`` (at
    /// most the floor area), ``use`` (``factory`` 厂房, ``office`` 办公,
    /// ``dormitory`` 宿舍, ``commercial`` 商业), ``name`` and, if known,
    /// ``footprint_m2`` (基底面积: the parcel's 建筑系数 then follows from the
    /// register where no buildings were reported). Leases that name its
    /// code are then held to its lettable area: one that would let more on any
    /// day is refused. ``buildings()`` shows occupancy (出租率) and vacant area.
    ///
    /// Raises ``ValidationError`` (an empty code, no floor area, a lettable area
    /// above it), ``ConflictError`` (a code in use), ``NotFoundError``,
    /// ``LifecycleError`` (a split parcel, a date before the parcel).
    ///
    ///     db.register_building("GP-120", "1#", floor_area_m2="16,000", lettable_m2="15,000",
    ///                          on="2004-05-01", name="科创中心1#厂房")
    #[pyo3(signature = (parcel, code, *, floor_area_m2, lettable_m2, on, r#use=Text("factory".into()), name=None, footprint_m2=None), text_signature = "($self, parcel, code, *, floor_area_m2, lettable_m2, on, use='factory', name=None, footprint_m2=None)")]
    #[allow(clippy::too_many_arguments)]
    fn register_building(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        code: Text,
        floor_area_m2: &Bound<'_, PyAny>,
        lettable_m2: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
        r#use: Text,
        name: Option<Text>,
        footprint_m2: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let p = self.parcel(py, parcel)?;
        let spec = BuildingSpec {
            code: code.0,
            name: name.map(|n| n.0),
            use_: BuildingUse::parse(&r#use).py_err(py)?,
            floor_area_m2: quantity(floor_area_m2, "floor_area_m2")?,
            lettable_m2: quantity(lettable_m2, "lettable_m2")?,
            footprint_m2: opt_quantity(footprint_m2, "footprint_m2")?,
        };
        let d = date(on, "on")?;
        self.with(py, |w| w.register_building(p, d, spec))
            .map(|e| e.0)
    }

    /// A building reached a stage on ``on``: ``preparation`` (前期),
    /// ``under_construction`` (在建), ``topped_out`` (封顶), ``completed`` (竣工)
    /// or ``in_use`` (投入使用), after the stage it reached last. The annual report
    /// counts the floor area completed in the year (物业建设).
    ///
    /// Raises ``ValidationError`` (an unknown building or stage),
    /// ``LifecycleError`` (a stage not after the last, a date before it).
    ///
    ///     db.reach_building_stage("1#", "投入使用", on="2005-06-01")
    #[pyo3(signature = (code, stage, *, on))]
    fn reach_building_stage(
        &self,
        py: Python<'_>,
        code: Text,
        stage: Text,
        on: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        let stage = BuildingStage::parse(&stage).py_err(py)?;
        let d = date(on, "on")?;
        self.with(py, |w| w.reach_building_stage(&code, d, stage))
            .map(|e| e.0)
    }

    /// Plans a stage for a building by a date (``by``; recorded ``on``),
    /// replacing an earlier plan for that stage; ``buildings()`` shows the next
    /// stage planned and the report says it (预计12月投入使用).
    ///
    /// Raises ``ValidationError`` (an unknown building or stage).
    ///
    ///     db.plan_building_stage("5#", "in_use", by="2005-12-31", on="2005-09-01")
    #[pyo3(signature = (code, stage, *, by, on))]
    fn plan_building_stage(
        &self,
        py: Python<'_>,
        code: Text,
        stage: Text,
        by: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        let stage = BuildingStage::parse(&stage).py_err(py)?;
        let (by, d) = (date(by, "by")?, date(on, "on")?);
        self.with(py, |w| w.plan_building_stage(&code, d, stage, by))
            .map(|e| e.0)
    }

    /// Defines an indicator (its code unique, e.g. ``R&D_GDP``) observed on the
    /// ``zone``, an ``enterprise`` or a ``parcel``. Returns its id.
    ///
    /// Raises ``ValidationError`` (empty code or name), ``ConflictError`` (a code in use).
    ///
    ///     db.define_indicator("R&D_GDP", "R&D经费占GDP比重", unit="%")
    #[pyo3(signature = (code, name, *, unit=None, direction=Text("higher".into()), subject=Text("zone".into())), text_signature = "($self, code, name, *, unit=None, direction='higher', subject='zone')")]
    fn define_indicator(
        &self,
        py: Python<'_>,
        code: Text,
        name: Text,
        unit: Option<Text>,
        direction: Text,
        subject: Text,
    ) -> PyResult<u64> {
        let direction = Direction::parse(&direction).py_err(py)?;
        let subject = SubjectKind::parse(&subject).py_err(py)?;
        self.with(py, |w| {
            w.define_indicator(&code, &name, unit.as_deref(), direction, subject)
        })
        .map(|i| i.0)
    }

    /// Observes a value of an indicator for a subject and a period (``2005``,
    /// ``2005-Q1``, ``2005-03``), valid at the period's end; a second observation
    /// of the same subject and period is a revision.
    ///
    /// Raises ``NotFoundError`` (indicator or subject), ``ValidationError`` (a bad period).
    ///
    ///     db.observe("R&D_GDP", 2005, "2.1")
    #[pyo3(signature = (code, period, value, *, subject=Text("zone".to_string()), source=None), text_signature = "($self, code, period, value, *, subject='zone', source=None)")]
    fn observe(
        &self,
        py: Python<'_>,
        code: Text,
        period: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
        subject: Text,
        source: Option<Text>,
    ) -> PyResult<u64> {
        let period: String = period.str()?.to_str()?.to_owned();
        let value = convert::quantity(value, "value")?;
        self.with(py, |w| {
            w.observe(&code, &subject, &period, value, source.as_deref())
        })
        .map(|e| e.0)
    }
}

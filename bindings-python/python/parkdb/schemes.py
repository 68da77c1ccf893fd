"""Evaluation schemes (亩均效益评价) and target frameworks (科技进步考核).

``huangyan_2022()`` is the per-mu evaluation of Huangyan district (Taizhou),
data year 2022, for above-scale firms; ``huangyan_2022_small()`` the one for
firms below designated size. Their numbers come from parkdb's core, so Rust
and Python evaluate alike. Change a returned scheme with
``dataclasses.replace`` or by editing its fields before passing it to
``Database.evaluate``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from . import _native

#: The indicators a scheme can score, in the Huangyan preset's units.
INDICATORS = {
    "tax_per_mu": "亩均税收 (万元/亩)",
    "value_added_per_mu": "亩均增加值 (万元/亩)",
    "value_added_per_energy": "单位能耗增加值 (万元/吨标煤)",
    "value_added_per_emission": "单位排放增加值 (万元/吨)",
    "labour_productivity": "全员劳动生产率 (万元/人)",
    "rd_ratio": "R&D占比 (R&D / revenue)",
    "tax_per_electricity": "单位电耗税收 (元/千瓦时)",
    "investment_per_mu": "投资强度 (万元/亩)",
}


@dataclass
class SchemeItem:
    """One scored indicator: ``min(value / benchmark, cap) × weight``."""

    indicator: str
    weight: float
    benchmark: float
    cap: float = 2.0
    direction: str = "higher"
    #: ``"zero"`` or ``"scope_mean"`` (the mean item score of the firms in scope).
    missing: str = "zero"


@dataclass
class Surcharge:
    """A price a grade drives (差别化电价、水价、排污): ``rate_yuan`` per unit of
    ``resource`` (``"electricity_kwh"``, ``"water_m3"`` or ``"emissions_t"``,
    the yearly figure it is charged on) for firms graded ``grade``, and
    ``rate_after_yuan`` once a firm has held that grade ``after_years``
    straight years, this year included.

    海宁's draft, class D: ``Surcharge("electricity_kwh", "D", Decimal("0.3"),
    after_years=3, rate_after_yuan=Decimal("0.4"))``."""

    resource: str
    grade: str
    rate_yuan: Decimal
    after_years: int | None = None
    rate_after_yuan: Decimal | None = None


@dataclass
class Scheme:
    """An evaluation scheme: items, scope, and grading."""

    name: str
    items: list[SchemeItem]
    source: str = ""
    #: True: above-scale firms only; False: the others only; None: all.
    above_scale: bool | None = None
    min_land_mu: Decimal = Decimal(0)
    exempt: list[int] = field(default_factory=list)
    include_leased: bool = False
    #: ``"percentile"`` (share of firms ahead) or ``"absolute"`` (minimum score).
    grading: str = "percentile"
    grades: list[tuple[str, float]] = field(
        default_factory=lambda: [("A", 0.2), ("B", 0.6), ("C", 0.95), ("D", 1.0)]
    )
    #: The prices the grades drive (``Database.surcharges``); none in the presets.
    surcharges: list[Surcharge] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["grades"] = [tuple(g) for g in self.grades]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Scheme:
        items = [SchemeItem(**i) for i in d["items"]]
        rest = {k: v for k, v in d.items() if k not in ("items", "surcharges")}
        rest["grades"] = [tuple(g) for g in rest["grades"]]
        surcharges = [Surcharge(**s) for s in d.get("surcharges") or []]
        return cls(items=items, surcharges=surcharges, **rest)


def huangyan_2022() -> Scheme:
    """黄岩区2022年度规上工业企业亩均效益综合评价 (see the Rust preset's doc for the source)."""
    return Scheme.from_dict(_native.scheme_preset("huangyan_2022"))


def huangyan_2022_small() -> Scheme:
    """黄岩区2022年度规下工业企业亩均效益综合评价: 亩均税收 and 单位电耗税收, 50 each."""
    return Scheme.from_dict(_native.scheme_preset("huangyan_2022_small"))


@dataclass
class TargetFramework:
    """科技进步考核: each indicator code has a target (监测标准) and a weight;
    score = Σ min(value / target, 1) × weight over the zone's observations."""

    name: str
    #: (indicator code, target, weight)
    targets: list[tuple[str, float, float]]


@dataclass
class Target:
    """A target of a plan on a figure the ledgers derive: any field of the
    annual report (``requisitioned_in_year_mu``, ``projects_signed``,
    ``tax_yuan``…) or ``approved_in_batch:<batch>`` (projects approved in
    a batch), to reach ``goal`` by ``by`` (else by the year's end)."""

    name: str
    figure: str
    goal: float
    by: Any = None


@dataclass
class Milestone:
    """A milestone the ledgers cannot derive (ISO14001认证 by July): ``done``
    is the date it was reached, if it was."""

    name: str
    by: Any = None
    done: Any = None


@dataclass
class Plan:
    """A year's plan (工作计划): targets on derived figures and milestones.
    ``db.plan_progress(plan, as_of)`` says how far each is;
    ``db.annual_report(year, plan=plan)`` says met or not, with the figure."""

    name: str
    year: int
    targets: list[Target] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "year": self.year,
            "targets": [vars(t).copy() for t in self.targets],
            "milestones": [vars(m).copy() for m in self.milestones],
        }


__all__ = [
    "INDICATORS",
    "Milestone",
    "Plan",
    "Target",
    "Scheme",
    "SchemeItem",
    "Surcharge",
    "TargetFramework",
    "huangyan_2022",
    "huangyan_2022_small",
]

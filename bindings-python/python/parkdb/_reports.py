"""Result objects: attributes, ``to_dict()``, Chinese ``text()``, and HTML for Jupyter."""

from __future__ import annotations

import datetime as _dt
import html
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from typing import Any

from . import _native

# The labels are parkdb's (Rust), defined once: land uses' Chinese terms
# and the report's rows of areas.
_LAND_USE_ZH = dict(_native.VOCABULARY["LAND_USES"])


def _fmt(v: Decimal) -> str:
    return format(v.normalize(), "f") if v == v.to_integral() else format(v, "f").rstrip("0").rstrip(".")


@dataclass(frozen=True)
class LandFigures:
    """Areas of the land ledger (亩, exact ``Decimal``) and counts."""

    requisitioned_mu: Decimal
    developed_mu: Decimal
    certified_mu: Decimal
    supplied_mu: Decimal
    reserve_mu: Decimal
    under_construction_mu: Decimal
    completed_mu: Decimal
    idle_mu: Decimal
    reclaimed_mu: Decimal
    parcel_count: int
    idle_count: int
    reclaimed_count: int
    #: What the zone paid for its land by the date (征地补偿, 调地, 办证费),
    #: and per 亩 requisitioned (``None`` without land).
    land_cost_yuan: Decimal = Decimal(0)
    land_cost_per_mu_yuan: Decimal | None = None
    #: Of ``requisitioned_mu``, the land whose requisition is not known: it
    #: entered from published supply, transfer or mortgage results
    #: (``import_ledgers``) and is counted from the day it entered.
    requisition_unknown_mu: Decimal = Decimal(0)

    @classmethod
    def _from(cls, d: dict[str, Any]) -> LandFigures:
        return cls(**{f.name: d[f.name] for f in fields(cls)})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_ROWS = [(name, label) for name, label in _native.LAND_AREAS]


@dataclass(frozen=True)
class LandSummary(LandFigures):
    """The land ledger as of a date: totals as attributes, and ``by_land_use``."""

    as_of: _dt.date = _dt.date.min
    by_land_use: dict[str, LandFigures] = field(default_factory=dict)

    @classmethod
    def _from(cls, d: dict[str, Any]) -> LandSummary:  # type: ignore[override]
        base = {f.name: d[f.name] for f in fields(LandFigures)}
        by = {k: LandFigures._from(v) for k, v in d["by_land_use"].items()}
        return cls(**base, as_of=d["as_of"], by_land_use=by)

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(LandFigures)}
        d["as_of"] = self.as_of
        d["by_land_use"] = {k: v.to_dict() for k, v in self.by_land_use.items()}
        return d

    def explain(self, figure: str) -> Any:
        """What makes ``figure`` of the totals (``"reserve_mu"``,
        ``"idle_count"``, ``"land_cost_yuan"``…): a ``Table`` of the parcels
        whose parts make it (``kind``, ``entity_id``, ``code``, ``name`` the
        holder, ``amount``, the ``event_id``, ``event`` and ``date`` that put
        it in, and that event's source columns); the amounts add up to the
        figure exactly, as the summary read it."""
        explainer = self.__dict__.get("_explainer")
        if explainer is None:
            raise TypeError("this summary was not read from a database: nothing to explain")
        return explainer(figure)

    def to_pandas(self) -> Any:
        """The totals and each land use's figures as a ``pandas.DataFrame``,
        one row each (``land_use`` is ``None`` on the totals); areas as
        floats, as ``Table.to_pandas()`` gives them."""
        import pandas as pd

        names = [f.name for f in fields(LandFigures)]
        rows = [{"as_of": self.as_of, "land_use": None, **{n: getattr(self, n) for n in names}}]
        for use, figures in self.by_land_use.items():
            rows.append({"as_of": self.as_of, "land_use": use, **{n: getattr(figures, n) for n in names}})
        frame = pd.DataFrame(rows)
        for n in names:
            frame[n] = frame[n].astype("float64" if n.endswith(("_mu", "_yuan")) else "int64")
        frame["as_of"] = pd.to_datetime(frame["as_of"])
        return frame

    def text(self) -> str:
        """A paragraph in the style of a zone's work report."""
        return (
            f"截至{self.as_of.year}年{self.as_of.month}月{self.as_of.day}日,"
            f"征地{_fmt(self.requisitioned_mu)}亩,开发用地{_fmt(self.developed_mu)}亩,"
            f"已办国有土地使用证{_fmt(self.certified_mu)}亩;已供应{_fmt(self.supplied_mu)}亩,"
            f"储备{_fmt(self.reserve_mu)}亩;在建{_fmt(self.under_construction_mu)}亩,"
            f"竣工{_fmt(self.completed_mu)}亩;闲置{self.idle_count}宗{_fmt(self.idle_mu)}亩,"
            f"累计收回{self.reclaimed_count}宗{_fmt(self.reclaimed_mu)}亩。"
        )

    def _repr_html_(self) -> str:
        uses = list(self.by_land_use)
        head = "<th></th><th>合计</th>" + "".join(f"<th>{html.escape(_LAND_USE_ZH.get(u, u))}</th>" for u in uses)
        body = ""
        for key, label in _ROWS:
            cells = f"<td>{_fmt(getattr(self, key))}</td>" + "".join(
                f"<td>{_fmt(getattr(self.by_land_use[u], key))}</td>" for u in uses
            )
            body += f"<tr><th>{label} (亩)</th>{cells}</tr>"
        return (
            f"<div><p><b>土地台账</b> 截至 {self.as_of.isoformat()} · {self.parcel_count} 宗地块</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        )


@dataclass(frozen=True)
class CheckReport:
    """What ``Database.check()`` found; ``clean`` is true when ``problems`` is empty.

    ``findings`` are what the ledgers say that a person should look at,
    though nothing is damaged: ``{"kind": "area_mismatch" | "overlap",
    "parcels": [ids], "message": str}`` — a surveyed area beyond the area
    tolerance, parcels whose boundaries overlap.
    """

    clean: bool
    records: int
    events: int
    index_entries: int
    problems: list[str]
    findings: list[dict[str, Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.clean

    def _repr_html_(self) -> str:
        state = "无问题 (clean)" if self.clean else f"{len(self.problems)} 个问题"
        items = "".join(f"<li>{html.escape(p)}</li>" for p in self.problems[:50])
        items += "".join(f"<li>{html.escape(f['message'])}</li>" for f in self.findings[:50])
        return (
            f"<div><p><b>完整性检查</b>: {state} · {self.records} records, {self.events} events, "
            f"{self.index_entries} index entries</p><ul>{items}</ul></div>"
        )


@dataclass(frozen=True)
class DatasetCheck:
    """What ``parkdb.check_dataset(dir)`` found in a Parquet dataset.

    ``parks``: one dict per park whose manifest could be read — ``park``,
    ``as_of`` (date), ``exported_at`` (datetime or None), ``events`` (the
    park's event count when exported) and ``tables``, each ``{"table",
    "path", "rows", "crc32", "intact"}``. ``problems``: every park that
    would be left out, counted twice or read wrong (a missing or copied
    manifest, a partition without one, a missing, extra or damaged file),
    each naming its park. ``clean`` is true when there is none."""

    clean: bool
    parks: list[dict[str, Any]]
    problems: list[str]
    text: str = field(repr=False, default="")

    def __bool__(self) -> bool:
        return self.clean

    def _repr_html_(self) -> str:
        state = "无问题 (clean)" if self.clean else f"{len(self.problems)} 个问题"
        rows = "".join(
            f"<tr><td>{html.escape(p['park'])}</td><td>{p['as_of'].isoformat()}</td>"
            f"<td>{len(p['tables'])}</td><td>{sum(t['rows'] for t in p['tables'])}</td>"
            f"<td>{sum(1 for t in p['tables'] if not t['intact'])}</td></tr>"
            for p in self.parks
        )
        items = "".join(f"<li>{html.escape(p)}</li>" for p in self.problems[:50])
        return (
            f"<div><p><b>数据集检查</b>: {state}</p><table><thead><tr><th>park</th><th>as_of</th>"
            f"<th>tables</th><th>rows</th><th>damaged</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<ul>{items}</ul></div>"
        )


class AnnualReport:
    """Every figure of the two work reports for a year, derived from the ledgers.

    Figures are attributes (area ``Decimal`` 亩, money ``Decimal`` 元, counts
    ``int``); ``to_dict()`` gives them as a dict, ``text()`` as Chinese
    paragraphs in the style of the reports.
    """

    # The figures, typed for type checkers (they are read through __getattr__).
    year: int
    #: The day the figures are of: the year's last, or today for a year not over.
    as_of: _dt.date
    requisitioned_mu: Decimal
    developed_mu: Decimal
    certified_mu: Decimal
    supplied_mu: Decimal
    idle_mu: Decimal
    requisitioned_in_year_mu: Decimal
    developed_in_year_mu: Decimal
    certified_in_year_mu: Decimal
    reclaimed_in_year_mu: Decimal
    commercial_tendered_mu: Decimal
    capital_increase_land_mu: Decimal
    output_value_yuan: Decimal
    tax_yuan: Decimal
    capital_increase_yuan: Decimal
    disbursed_yuan: Decimal
    repaid_yuan: Decimal
    recovered_yuan: Decimal
    overdue_yuan: Decimal
    leased_m2: Decimal
    commercial_tendered_count: int
    projects_signed: int
    projects_on_reclaimed_land: int
    capital_increases: int
    in_production: int
    under_construction: int
    applications_received: int
    overdue_count: int
    tenants: int
    tenants_signed: int
    supply_rate: float
    built_rate: float
    reclaimed: list[dict[str, Any]]
    approved_by_batch: dict[str, dict[str, Any]]
    disbursed_by_kind: dict[str, Decimal]
    #: Inefficient land at year end by kind code (``"supplied_not_used"``…):
    #: ``{"parcels": int, "area_mu": Decimal}``, the kinds found only.
    inefficient_land: dict[str, dict[str, Any]]
    # The year's money (五、财务): collected in the year, outstanding at its end.
    land_price_collected_yuan: Decimal
    land_price_outstanding_yuan: Decimal
    idle_fee_collected_yuan: Decimal
    idle_fee_outstanding_yuan: Decimal
    management_fee_collected_yuan: Decimal
    management_fee_outstanding_yuan: Decimal
    compensation_paid_yuan: Decimal
    #: What the zone paid for its land up to the year's end.
    land_cost_yuan: Decimal
    #: Per charge code (``land_price``, ``idle_fee``, ``management_fee``):
    #: ``collected_yuan``, ``written_off_yuan``, ``outstanding_yuan``,
    #: ``overdue_yuan``, ``debtors``; ``compensation`` by kind code; and
    #: ``collection_steps`` (追缴 in the year).
    finance: dict[str, Any]
    # Firms' records: high-tech firms at year end; qualifications awarded,
    # honours given, inspections (突击 among them), incidents (with their
    # casualties) and complaints in the year; items open at its end.
    high_tech_firms: int
    qualifications_in_year: int
    honours_in_year: int
    inspections_in_year: int
    surprise_inspections_in_year: int
    incidents_in_year: int
    casualties_in_year: int
    complaints_in_year: int
    open_compliance_items: int
    #: Floor area of buildings completed in the year (物业建设), m².
    floor_area_completed_m2: Decimal
    #: The buildings register at the year's end: ``code``, ``stage``,
    #: ``lettable_m2``, ``leased_m2``, ``tenants``, ``occupancy``.
    buildings: list[dict[str, Any]]
    #: With ``annual_report(year, plan=…)``: each target and milestone of the
    #: plan, met or not by the year's end (``name``, ``figure``, ``goal``,
    #: ``value``, ``by``, ``done``, ``met``).
    plan_progress: list[dict[str, Any]]

    def __init__(self, d: dict[str, Any]) -> None:
        self._d = dict(d)
        self._text = self._d.pop("text")

    @classmethod
    def _from(cls, d: dict[str, Any]) -> AnnualReport:
        return cls(d)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._d[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._d))

    def to_dict(self) -> dict[str, Any]:
        return dict(self._d)

    def to_docx(self, path: Any, *, zone: str | None = None, scheme: Any = None) -> None:
        """Writes the report as a Word document people edit and hand in:
        its title (``zone`` first: ``"高平工业区"``), 一、土地 … 五、财务 in the
        report's sentences with their tables (land, the fund's batches, the
        buildings, receivables by kind and age) and charts (land and money
        per year), the year-end map, 六、亩均效益评价 by ``scheme`` (a
        ``Scheme`` or a preset's name; ``huangyan_2022`` by default), the
        progress of the report's plan, and an appendix of where its
        headline figures come from. A4, 仿宋 text, 黑体 headings. The
        document reads the ledgers as the report did."""
        writer = self.__dict__.get("_writer")
        if writer is None:
            raise TypeError("this report was not read from a database: nothing to write")
        writer(path, zone, scheme)

    def explain(self, figure: str) -> Any:
        """What makes ``figure`` (a field name: ``"certified_mu"``,
        ``"tax_yuan"``, ``"overdue_count"``…): a ``Table`` of the parcels,
        firms or applications whose parts make it, one row each
        (``kind``, ``entity_id``, ``code``, ``name``, ``amount``, the
        ``event_id``, ``event`` and ``date`` that put it in, and that
        event's ``source``, ``source_by``, ``source_file``, ``source_sheet``,
        ``source_row``…); the amounts add up to the figure exactly. A rate
        (``supply_rate``, ``built_rate``) has no rows: the table's schema
        metadata ``derived`` says what it combines. The figure explains as
        the report read it, even after later writes."""
        explainer = self.__dict__.get("_explainer")
        if explainer is None:
            raise TypeError("this report was not read from a database: nothing to explain")
        return explainer(figure)

    def to_pandas(self) -> Any:
        """The report's figures as a one-row ``pandas.DataFrame`` (its scalar
        figures: areas, money, counts and rates; lists and breakdowns stay
        in ``to_dict()``). Areas and money as floats."""
        import pandas as pd

        scalars = {
            k: (float(v) if isinstance(v, Decimal) else v)
            for k, v in self._d.items()
            if not isinstance(v, (list, dict))
        }
        return pd.DataFrame([scalars])

    def text(self) -> str:
        return str(self._text)

    def __repr__(self) -> str:
        return f"<parkdb.AnnualReport {self._d['year']}>"

    def _repr_html_(self) -> str:
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in self._text.splitlines() if p)
        return f"<div><h4>{self._d['year']}年度工作报告</h4>{paragraphs}</div>"


class ProvinceReport:
    """The parks of a Parquet dataset side by side for a year
    (``parkdb.province_report``): ``parks`` is a ``Table`` with one row per
    park, ranked by tax per mu (``rank``, ``park``, ``as_of``, the land in
    亩, ``evaluated`` and ``grade_<G>`` firms per grade, ``tax_yuan``,
    ``value_added_yuan``, ``land_evaluated_mu``, ``tax_per_mu`` and
    ``value_added_per_mu`` in 万元/亩); ``text()`` gives it as Chinese
    lines."""

    def __init__(self, year: int, scheme: str, parks: Any, text: str) -> None:
        self.year = year
        self.scheme = scheme
        self.parks = parks
        self._text = text

    def text(self) -> str:
        return self._text

    def to_pandas(self) -> Any:
        return self.parks.to_pandas()

    def __repr__(self) -> str:
        return f"ProvinceReport({self.year}, {self.scheme!r}, {len(self.parks)} parks)"

    def _repr_html_(self) -> str:
        lines = "".join(f"<p>{html.escape(line)}</p>" for line in self._text.splitlines())
        return f"<div>{lines}</div>"

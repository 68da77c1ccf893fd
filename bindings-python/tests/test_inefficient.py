"""Inefficient land (低效用地) derived as of a date, checked against the
parcels, the register and the evaluation the same database gives."""

import datetime as dt
from decimal import Decimal

import pytest

import parkdb
from parkdb import schemes


def _years_after(day, years):
    return day.replace(year=day.year + years)


def test_the_seed_zone_kinds_agree_with_its_tables(seed):
    as_of = dt.date(2005, 12, 31)
    found = seed.inefficient_land(as_of=as_of, scheme=schemes.huangyan_2022(), year=2005).to_pandas()
    assert set(found["kind"]) <= {
        "approved_not_supplied", "supplied_not_used", "not_fully_used", "built_not_producing",
        "producing_below_standard"}
    parcels = {p["code"]: p for p in seed.parcels(as_of=as_of).to_pylist()}
    firms = {f["enterprise_id"]: f for f in seed.enterprises(as_of=as_of).to_pylist()}
    graded = seed.evaluate(schemes.huangyan_2022(), 2005).to_pandas()
    d_firms = set(graded.loc[graded["in_scope"] & (graded["grade"] == "D"), "enterprise_id"])

    def expected(code, p):
        if p["status"] == "reserve" and p["times_reclaimed"] == 0 and as_of > _years_after(p["requisitioned"], 2):
            return "approved_not_supplied"
        if p["status"] == "allocated":
            limit = p["start_by"] or _years_after(p["supplied_on"], 1)
            return "supplied_not_used" if as_of > limit else None
        if p["status"] == "completed":
            if p["plot_ratio"] is not None and (p["plot_ratio"] < 1.0 or p["building_coverage"] < 0.3):
                return "not_fully_used"
            firm = firms[p["holder_id"]]
            if firm["status"] == "in_production":
                return "producing_below_standard" if p["holder_id"] in d_firms else None
            return "built_not_producing" if as_of > _years_after(p["completed_on"], 1) else None
        return None

    want = {code: k for code, p in parcels.items() if (k := expected(code, p))}
    assert dict(zip(found["code"], found["kind"])) == want
    assert {"批而未供", "供而未用", "投而未达标"} <= set(found["kind_zh"])
    for row in found[found["kind"] == "approved_not_supplied"].itertuples():
        assert row.since.date() == _years_after(parcels[row.code]["requisitioned"], 2) + dt.timedelta(days=1)


def test_rules_are_the_policys_and_a_scheme_needs_its_year(seed):
    strict = seed.inefficient_land(as_of="2005-12-31", unsupplied_years=1)
    lenient = seed.inefficient_land(as_of="2005-12-31", unsupplied_years=5)
    count = lambda t: sum(r["kind"] == "approved_not_supplied" for r in t.to_pylist())  # noqa: E731
    assert count(strict) > count(lenient)
    with pytest.raises(parkdb.ValidationError, match="year"):
        seed.inefficient_land(as_of="2005-12-31", scheme=schemes.huangyan_2022())


def test_buildings_reported_make_not_fully_used_land():
    db = parkdb.open()
    e = db.add_enterprise("东岸精密")
    p = db.add_parcel("GP-1", "30", requisitioned="2001-01-01")
    db.allocate(p, e, "2001-06-01", method="listing", price_yuan="1")
    db.start_construction(p, "2002-01-01")
    db.complete_construction(p, "2003-01-01")
    # 30 亩 is 20,000 m²: 12,000 m² of floor is a plot ratio of 0.6.
    db.report_buildings("GP-1", floor_area_m2="12,000", footprint_m2="8000", on="2004-03-01")
    row = db.parcels().to_pylist()[0]
    assert row["floor_area_m2"] == Decimal("12000.0000")
    assert row["plot_ratio"] == pytest.approx(0.6) and row["building_coverage"] == pytest.approx(0.4)
    found = db.inefficient_land(as_of="2004-12-31").to_pylist()
    assert [(r["code"], r["kind"], r["kind_zh"], r["since"]) for r in found] == [
        ("GP-1", "not_fully_used", "用而未尽", dt.date(2004, 3, 1))]
    assert "plot ratio 0.60 below 1" in found[0]["rule"]
    # Above a floor of 0.5 it is not 用而未尽, and the next kind in the
    # province's order shows: its holder is not producing (建而未投).
    lower = db.inefficient_land(as_of="2004-12-31", min_plot_ratio=0.5).to_pylist()
    assert [r["kind"] for r in lower] == ["built_not_producing"]
    # Before the report, the figures are not known.
    before = db.inefficient_land(as_of="2004-02-01").to_pylist()
    assert [r["kind"] for r in before] == ["built_not_producing"]
    with pytest.raises(parkdb.ValidationError, match="min_building_coverage"):
        db.inefficient_land(min_building_coverage=-0.1)
    with pytest.raises(parkdb.LifecycleError, match="does not fit"):
        db.report_buildings("GP-1", floor_area_m2="30000", footprint_m2="20000.0001")


def test_the_annual_report_sums_inefficient_land_by_kind(seed):
    report = seed.annual_report(2005)
    found = seed.inefficient_land(as_of="2005-12-31").to_pylist()
    want = {}
    for r in found:
        k = want.setdefault(r["kind"], {"parcels": 0, "area_mu": Decimal(0)})
        k["parcels"] += 1
        k["area_mu"] += r["area_mu"]
    assert report.inefficient_land == want and want
    first = next(iter(want.items()))
    zh = {r["kind"]: r["kind_zh"] for r in found}[first[0]]
    assert f"{zh}{first[1]['parcels']}宗" in report.text()

"""Inefficient land (低效用地) derived as of a date, checked against the
parcels, the register and the evaluation the same database gives."""

import datetime as dt

import pytest

import parkdb
from parkdb import schemes


def _years_after(day, years):
    return day.replace(year=day.year + years)


def test_the_seed_zone_kinds_agree_with_its_tables(seed):
    as_of = dt.date(2005, 12, 31)
    found = seed.inefficient_land(as_of=as_of, scheme=schemes.huangyan_2022(), year=2005).to_pandas()
    assert set(found["kind"]) <= {
        "approved_not_supplied", "supplied_not_used", "built_not_producing", "producing_below_standard"}
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

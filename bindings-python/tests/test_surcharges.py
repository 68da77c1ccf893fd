"""Grade-driven surcharges (差别化价格): amounts worked out by hand, the
higher rate after straight years in a grade, grades as published."""

import datetime as dt
import time
from decimal import Decimal

import pytest

import parkdb
from parkdb import schemes


def _scheme(**changes):
    """亩均税收 against 10 万元/亩 on 10 亩: a tax of 100 万元 is A, 10 万元 is D."""
    scheme = schemes.Scheme(
        name="surcharge test",
        items=[schemes.SchemeItem("tax_per_mu", weight=100, benchmark=10, cap=1)],
        grading="absolute",
        grades=[("A", 50.0), ("D", 0.0)],
        surcharges=[
            schemes.Surcharge("electricity_kwh", "D", Decimal("0.3"), after_years=3, rate_after_yuan=Decimal("0.4")),
            schemes.Surcharge("water_m3", "D", Decimal("0.5")),
        ],
    )
    for k, v in changes.items():
        setattr(scheme, k, v)
    return scheme


def test_surcharges_by_grade_and_straight_years():
    db = parkdb.open()
    firms = {}
    for name, taxes in {"X": ["10", "10", "10"], "Y": ["100", "10", "10"], "Z": ["100"] * 3}.items():
        e = firms[name] = db.add_enterprise(name)
        p = db.add_parcel(f"P-{name}", "10", requisitioned="2019-01-01")
        db.allocate(p, e, "2019-06-01", method="listing", price_yuan="1")
        for k, tax in enumerate(taxes):
            db.report_year(e, 2020 + k, tax_yuan=Decimal(tax) * 10_000, electricity_kwh="2000000",
                           water_m3="10000" if name == "X" else None)
    db.report_year(firms["X"], 2022, electricity_kwh="1234567.5")
    time.sleep(0.005)
    published = dt.datetime.now(dt.timezone.utc)
    time.sleep(0.005)
    db.report_year(firms["X"], 2020, tax_yuan="1000000")  # corrected after publication

    rows = db.surcharges(_scheme(), 2022, graded_at={2020: published}).to_pylist()
    got = [(r["name"], r["resource"], r["years_in_grade"], r["rate_yuan"], r["amount_yuan"]) for r in rows]
    assert got == [
        ("X", "electricity_kwh", 3, Decimal("0.4000"), Decimal("493827.00")),
        ("X", "water_m3", 3, Decimal("0.5000"), Decimal("5000.00")),
        ("Y", "electricity_kwh", 2, Decimal("0.3000"), Decimal("600000.00")),
        ("Y", "water_m3", 2, Decimal("0.5000"), None),
    ]
    assert rows[0]["used"] == Decimal("1234567.5000")
    # As known now, X was A in 2020: two straight years, the lower rate.
    now = db.surcharges(_scheme(), 2022).to_pylist()
    assert (now[0]["years_in_grade"], now[0]["amount_yuan"]) == (2, Decimal("370370.25"))
    yearly = db.yearly(2022).to_pylist()
    assert {r["name"]: r["water_m3"] for r in yearly}["X"] == Decimal("10000.0000")


def test_a_scheme_round_trips_with_its_surcharges_and_bad_ones_are_refused():
    scheme = _scheme()
    assert schemes.Scheme.from_dict(scheme.to_dict()) == scheme
    assert schemes.huangyan_2022().surcharges == []
    db = parkdb.open()
    for bad in (
        [schemes.Surcharge("electricity_kwh", "D", Decimal("0"))],
        [schemes.Surcharge("gas_m3", "D", Decimal("0.1"))],
        [schemes.Surcharge("water_m3", "D", Decimal("0.1"), after_years=1, rate_after_yuan=Decimal("0.2"))],
        [schemes.Surcharge("water_m3", "D", Decimal("0.1"), after_years=3)],
    ):
        with pytest.raises(parkdb.ValidationError):
            db.surcharges(_scheme(surcharges=bad), 2022)

"""Every figure explained, from Python: the parts of a report's or a land
summary's figure add up to it exactly, and a figure explains as the report
read it even after later writes."""

import datetime as dt
from decimal import Decimal

import pytest

import parkdb


def total(table, zero):
    """The sum of a table's amounts, exactly (Decimal or int, as stored)."""
    return sum(table.to_arrow().column("amount").to_pylist(), zero)


@pytest.fixture(scope="module")
def zone():
    db = parkdb.example()
    yield db
    db.close()


def test_every_figure_of_the_2005_report_sums_to_the_report(zone):
    report = zone.annual_report(2005)
    figures = {k: v for k, v in report.to_dict().items() if isinstance(v, (int, Decimal)) and k != "year"}
    figures.pop("leased_m2", None)
    figures.pop("floor_area_completed_m2", None)
    assert len(figures) > 40
    for name, value in figures.items():
        assert total(report.explain(name), type(value)(0)) == value, name
    certified = report.explain("certified_mu").to_pandas()
    assert set(certified["event"]) == {"certified"}
    assert set(certified["source"]) == {"api"}
    rate = report.explain("supply_rate").to_arrow()
    assert rate.num_rows == 0
    assert b"supplied_mu" in rate.schema.metadata[b"derived"]
    with pytest.raises(parkdb.ValidationError, match="certified_mu"):
        report.explain("certfied_mu")


def test_a_land_summary_explains_its_totals(zone):
    summary = zone.land_summary(dt.date(2005, 12, 31))
    for name in ("requisitioned_mu", "reserve_mu", "idle_mu", "reclaimed_mu", "parcel_count", "land_cost_yuan"):
        value = getattr(summary, name)
        assert total(summary.explain(name), type(value)(0)) == value, name


def test_a_figure_explains_as_its_report_read_it(tmp_path):
    db = parkdb.example(tmp_path / "zone.parkdb")
    report = db.annual_report(2005)
    p = db.add_parcel("LATE-1", area_mu="7.5", requisitioned=dt.date(2005, 2, 1))
    db.certify(p, dt.date(2005, 6, 1), certificate="国用(2005)第99号")
    explained = report.explain("certified_mu")
    assert total(explained, Decimal(0)) == report.certified_mu
    then = explained.to_pandas()
    assert "LATE-1" not in set(then["code"])
    now = db.annual_report(2005)
    assert now.certified_mu == report.certified_mu + Decimal("7.5")
    assert "LATE-1" in set(now.explain("certified_mu").to_pandas()["code"])
    db.close()


def test_receivables_and_a_firms_rate_explain_themselves(zone):
    as_of = "2005-12-31"
    table = zone.receivables(as_of=as_of).to_arrow()
    for charge in (None, "land_price", "management_fee"):
        rows = [
            v
            for v, c in zip(table.column("outstanding_yuan").to_pylist(), table.column("charge").to_pylist())
            if charge is None or c == charge
        ]
        explained = zone.explain_receivables("outstanding_yuan", as_of=as_of, charge=charge)
        assert total(explained, Decimal(0)) == sum(rows, Decimal(0)), charge
    firms = zone.evaluate(parkdb.schemes.huangyan_2022(), 2005).to_pandas()
    firm = int(firms.dropna(subset=["tax_per_mu"]).iloc[0]["enterprise_id"])
    why = zone.explain_evaluation(2005, firm, "tax_per_mu").to_arrow()
    meta = why.schema.metadata
    assert meta[b"parts_of"] == b"land_mu"
    assert b"tax=" in meta[b"inputs"]
    assert why.num_rows >= 1

import datetime as dt
import time
from decimal import Decimal

import pytest

import parkdb
from conftest import D, M


def test_register_lifecycle_and_status_as_of(db):
    e = db.add_enterprise("华为技术有限公司", credit_code="914403001922038216", industry="39", founded="1987-09-15", high_tech=True)
    row = db.enterprise("914403001922038216")
    assert row["enterprise_id"] == e and row["industry"] == "C39" and row["high_tech"] is True
    assert row["status"] == "registered" and row["registered"] == D(1987, 9, 15)
    db.enterprise_signed(e, "2003-03-01", investment_yuan="60000000", land_mu="40")
    db.enterprise_construction_started(e, "2003-09-01")
    db.enterprise_in_production(e, "2004-10-01")
    db.capital_increased(e, "2005-06-01", land_mu=40, investment_yuan=Decimal("20000000"))
    assert db.enterprise(e, as_of="2004-06-30")["status"] == "under_construction"
    now = db.enterprise(e)
    assert now["status"] == "in_production"
    assert now["added_land_mu"] == M("40") and now["planned_investment_yuan"] == M("60000000.00")
    assert [r["name"] for r in db.enterprises(status="in_production").to_pylist()] == ["华为技术有限公司"]
    assert len(db.enterprises(status="in_production", as_of="2004-06-30")) == 0
    assert len(db.enterprises(industry="C")) == 1 and len(db.enterprises(industry="C17")) == 0
    db.enterprise_suspended(e, "2006-01-01", reason="停电")
    db.enterprise_resumed(e, "2006-02-01")
    db.enterprise_closed(e, "2010-01-01", reason="迁出")
    assert db.enterprise(e)["status"] == "closed"
    events = [r["event"] for r in db.history("enterprise", e).to_pylist()]
    assert events[:4] == ["registered", "signed", "construction_started", "in_production"]


def test_credit_code_rules(db):
    db.add_enterprise("A", credit_code="91440300708461136T")
    with pytest.raises(parkdb.ConflictError):
        db.add_enterprise("B", credit_code="91440300708461136t")
    with pytest.raises(parkdb.ValidationError, match="check character"):
        db.add_enterprise("C", credit_code="914403001922038217")
    odd = db.add_enterprise("C", credit_code="914403001922038217", allow_invalid_code=True)
    assert db.enterprise(odd)["credit_code"] == "914403001922038217"
    with pytest.raises(parkdb.ValidationError):
        db.add_enterprise("D", industry="C98")


def test_yearly_figures_revise_and_known_at(db):
    e = db.add_enterprise("科华电子")
    db.report_year(e, 2005, output_yuan=100_000_000, tax_yuan="4000000", employees=300, energy_tce="1200.5", above_scale=True)
    time.sleep(0.005)
    published = dt.datetime.now(dt.timezone.utc)
    time.sleep(0.005)
    db.report_year(e, 2005, tax_yuan="4500000")
    row = db.yearly(2005).to_pylist()[0]
    assert row["tax_yuan"] == M("4500000.00") and row["output_yuan"] == M("100000000.00")
    assert row["energy_tce"] == M("1200.5") and row["employees"] == 300 and row["above_scale"] is True
    assert db.yearly(2005, known_at=published).to_pylist()[0]["tax_yuan"] == M("4000000.00")
    assert len(db.yearly(2004)) == 0


def test_leases_and_occupancy(db):
    a = db.add_enterprise("凯弗隆(厦门)科技有限公司")
    db.lease(a, building="1#", unit="301", area_m2=4200, start="2005-06-15")
    db.lease(a, building="2#", area_m2="800.5", start="2005-07-01", end="2005-12-31")
    rows = db.leases(as_of="2006-01-01").to_pylist()
    assert [(r["building"], r["occupied"]) for r in rows] == [("1#", True), ("2#", False)]
    db.end_lease(a, 0, "2006-06-30")
    assert not any(r["occupied"] for r in db.leases(as_of="2006-07-01").to_pylist())


def test_seed_register(seed):
    assert len(seed.enterprises(status="in_production", as_of="2005-12-31")) == 52
    assert len(seed.enterprises(status="under_construction", as_of="2005-12-31")) == 17
    y = seed.yearly(2005).to_pandas()
    assert y["output_yuan"].sum() == M("3800000000.00")
    leases = seed.leases(as_of="2005-12-31").to_pandas()
    assert leases.loc[leases.occupied, "area_m2"].sum() == M("21587")


def test_enterprise_by_id_code_or_unique_name(db):
    a = db.add_enterprise("顺德市励精纺织贸易有限公司", credit_code="91440300708461136T")
    db.add_enterprise("金联化工物流")
    db.add_enterprise("金联化工物流")
    for key in [a, "91440300708461136T", "顺德市励精纺织贸易有限公司"]:
        assert db.enterprise(key)["enterprise_id"] == a
    with pytest.raises(parkdb.ConflictError, match="2 firms"):
        db.enterprise("金联化工物流")
    with pytest.raises(parkdb.NotFoundError, match="registered name"):
        db.enterprise("无此企业")

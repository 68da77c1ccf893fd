import datetime as dt
import time
from decimal import Decimal

import pytest

import parkdb
from conftest import D, M


def test_requisition_to_production(db):
    e = db.add_enterprise("科华电子", industry="C39")
    p = db.add_parcel("GP-001", "120.5", land_use="industrial", requisitioned="2001-03-01")
    db.develop(p, D(2001, 6, 1))
    db.certify("GP-001", "2002-01-10", certificate="佛府(顺)国用(2002)第0401285号")
    db.allocate(p, e, "2002-03-01", method="listing", price_yuan=3_615_000, start_by="2002-09-01")
    db.start_construction(p, "2002-08-01")
    db.complete_construction(p, "2003-05-01")
    row = db.parcel(p)
    assert row["status"] == "completed"
    assert row["holder_id"] == e and row["holder_name"] == "科华电子"
    assert row["area_mu"] == M("120.5")
    assert row["price_yuan"] == M("3615000.00")
    assert row["certified_on"] == D(2002, 1, 10)
    assert db.parcel("GP-001", as_of="2002-03-31")["status"] == "allocated"
    s = db.land_summary(as_of="2003-12-31")
    assert (s.requisitioned_mu, s.completed_mu, s.supplied_mu) == (M("120.5"), M("120.5"), M("120.5"))
    assert s.by_land_use["industrial"].certified_mu == M("120.5")
    assert s.parcel_count == 1


def test_idle_reclaim_and_resupply(db):
    lijing = db.add_enterprise("顺德市励精纺织贸易有限公司")
    newcomer = db.add_enterprise("金联化工物流")
    p = db.add_parcel("GP-017", "52.7272", requisitioned="2001-05-01")
    db.allocate(p, lijing, "2002-03-01", method="agreement", price_yuan="3163632", start_by="2002-09-01")
    early = db.parcel(p, as_of="2003-03-01")
    assert early["start_overdue"] is True and early["start_overdue_days"] == 181
    assert early["idle"] is False and early["potential_idle_fee_yuan"] is None
    row = db.parcel(p, as_of="2003-09-02")
    assert row["idle"] is True and row["reclaimable"] is False
    assert row["start_overdue"] is False and row["start_overdue_days"] is None
    # Idle by time alone: nothing is owed until it is declared.
    assert row["idle_fee_yuan"] is None
    assert row["potential_idle_fee_yuan"] == M("632726.40")
    db.declare_idle(p, "2003-10-01")
    declared = db.parcel(p, as_of="2003-10-01")
    assert declared["idle_fee_yuan"] == M("632726.40")
    assert declared["potential_idle_fee_yuan"] is None
    assert db.parcel(p, as_of="2003-09-30")["idle_fee_yuan"] is None
    assert db.parcel(p, as_of="2004-09-02")["reclaimable"] is True
    assert db.land_summary(as_of="2004-06-30").idle_mu == M("52.7272")
    db.reclaim(p, "2005-03-15", reason="闲置满两年")
    db.allocate(p, newcomer, "2005-06-01", method="listing", price_yuan=Decimal("3500000.00"))
    s = db.land_summary(as_of="2005-12-31")
    assert s.reclaimed_mu == M("52.7272") and s.reclaimed_count == 1
    assert [r["code"] for r in db.parcels(holder=newcomer).to_pylist()] == ["GP-017"]
    assert db.parcels(holder=lijing).to_pylist() == []
    assert len(db.parcels(holder=lijing, as_of="2004-12-31")) == 1
    assert db.check().clean


def test_transfer_split_and_policy(db):
    a = db.add_enterprise("林健")
    b = db.add_enterprise("启程")
    p = db.add_parcel("GP-020", "35.6180", requisitioned="2001-05-01")
    db.allocate(p, a, "2002-01-01", method="agreement", price_yuan=1)
    db.transfer(p, b, "2003-01-01", price_yuan="2500000")
    assert db.parcel(p)["holder_id"] == b
    kids = db.split(p, "2004-01-01", [("GP-020-1", "20"), ("GP-020-2", Decimal("15.6180"))])
    assert len(kids) == 2
    assert db.parcel(p)["status"] == "retired"
    assert db.parcel("GP-020-2")["parent_id"] == p
    assert db.land_summary(as_of="2004-12-31").requisitioned_mu == M("35.618")

    q = db.add_parcel("GP-030", "10", requisitioned="2001-01-01")
    db.set_policy(no_development_without_certificate_from="2005-01-01")
    db.develop(q, "2004-12-31")  # before the policy: loads as it happened
    assert db.policy() == {
        "no_development_without_certificate_from": D(2005, 1, 1),
        "default_crs": None,
        "area_tolerance": 0.01,
        "idle_periods": [],
    }
    r = db.add_parcel("GP-031", "10", requisitioned="2001-01-01")
    with pytest.raises(parkdb.LifecycleError, match="certificate"):
        db.develop(r, "2005-01-01")


def test_area_units_and_exact_input(db):
    p1 = db.add_parcel("A", area_m2=21587, requisitioned="2005-01-01")
    p2 = db.add_parcel("B", area_ha="2", requisitioned="2005-01-01")
    p3 = db.add_parcel("C", 0.1234567, requisitioned="2005-01-01")  # float: rounded to 0.000001
    p4 = db.add_parcel("D", Decimal("52.7272"), requisitioned=dt.datetime(2005, 1, 1, 13, 0))
    areas = {r["code"]: r["area_mu"] for r in db.parcels().to_pylist()}
    assert areas == {"A": M("32.3805"), "B": M("30"), "C": M("0.123457"), "D": M("52.7272")}
    assert {p1, p2, p3, p4} == {r["parcel_id"] for r in db.parcels().to_pylist()}


def test_hectares_and_square_metres_are_kept_exactly(db):
    """1.867291 公顷 is 28.009365 亩 exactly; parkdb once kept 28.0094."""
    db.add_parcel("HA", area_ha="1.867291", requisitioned="2017-01-01")
    db.add_parcel("HB", "1.867291公顷", requisitioned="2017-01-01")
    db.add_parcel("M2", area_m2="21587.37", requisitioned="2017-01-01")
    db.add_parcel("M3", "21587.37平方米", requisitioned="2017-01-01")
    areas = {r["code"]: r["area_mu"] for r in db.parcels().to_pylist()}
    assert areas == {
        "HA": M("28.009365"),
        "HB": M("28.009365"),
        "M2": M("32.381055"),
        "M3": M("32.381055"),
    }
    assert sum(areas.values()) == M("120.78084")
    before = len(db.parcels().to_pylist())
    for bad in ["52.7272101", "1_000", "0.001㎡"]:
        with pytest.raises(parkdb.ValidationError, match="never rounds"):
            db.add_parcel("X", bad, requisitioned="2017-01-01")
    with pytest.raises(parkdb.ValidationError, match="公顷"):
        db.add_parcel("X", area_ha="1.8672911", requisitioned="2017-01-01")
    assert len(db.parcels().to_pylist()) == before


def test_money_takes_yuan_wan_and_yi(db):
    e = db.add_enterprise("E")
    for code, price in [("P1", "129.89万元"), ("P2", "1.2亿元"), ("P3", "1298900"), ("P4", Decimal("0.01"))]:
        p = db.add_parcel(code, "10", requisitioned="2005-01-01")
        db.develop(p, "2005-02-01")
        db.allocate(p, e, "2005-03-01", method="listing", price_yuan=price)
    prices = {r["code"]: r["price_yuan"] for r in db.parcels().to_pylist()}
    assert prices == {"P1": M("1298900.00"), "P2": M("120000000.00"), "P3": M("1298900.00"), "P4": M("0.01")}
    p5 = db.add_parcel("P5", "1", requisitioned="2005-01-01")
    db.develop(p5, "2005-02-01")
    with pytest.raises(parkdb.ValidationError, match="万元"):
        db.allocate(p5, e, "2005-03-01", method="listing", price_yuan="0.0000001万元")


def test_transaction_is_all_or_nothing(db):
    e = db.add_enterprise("E")
    with db.transaction() as tx:
        p = tx.add_parcel("T-1", "10", requisitioned="2005-01-01")
        tx.develop("T-1", "2005-02-01")  # a code added in the same transaction
        tx.allocate(p, e, "2005-03-01", method="tender", price_yuan=100)
    assert db.parcel("T-1")["status"] == "allocated"
    with pytest.raises(parkdb.LifecycleError):
        with db.transaction() as tx:
            tx.add_parcel("T-2", "10", requisitioned="2005-01-01")
            tx.start_construction("T-2", "2005-02-01")  # no holder
    with pytest.raises(parkdb.NotFoundError):
        db.parcel("T-2")
    with pytest.raises(RuntimeError):
        with db.transaction() as tx:
            tx.add_parcel("T-3", "10", requisitioned="2005-01-01")
            raise RuntimeError("the analyst's own error")
    with pytest.raises(parkdb.NotFoundError):
        db.parcel("T-3")
    # A write on the database while this thread holds a transaction is refused, not a hang.
    with db.transaction() as tx:
        with pytest.raises(parkdb.ConflictError):
            db.add_parcel("T-4", "1", requisitioned="2005-01-01")
    db.add_parcel("T-4", "1", requisitioned="2005-01-01")


def test_void_and_as_known_at(db):
    a = db.add_enterprise("A")
    b = db.add_enterprise("B")
    p = db.add_parcel("GP-1", "40", requisitioned="2004-01-01")
    wrong = db.allocate(p, a, "2005-01-01", method="listing", price_yuan=100)
    time.sleep(0.005)
    before = dt.datetime.now(dt.timezone.utc)
    time.sleep(0.005)
    db.void(wrong, reason="wrong firm")
    db.allocate(p, b, "2005-01-01", method="listing", price_yuan=100)
    assert db.parcel(p)["holder_id"] == b
    assert db.parcel(p, known_at=before)["holder_id"] == a
    h = db.history("parcel", p).to_pylist()
    # In valid-date order: the void on the day it was made, after 2005.
    assert [r["event"] for r in h] == ["requisitioned", "allocated", "allocated", "void"]
    assert h[1]["voided_by"] == h[3]["event_id"]
    assert "wrong firm" in h[3]["detail"]
    assert h[1]["recorded"].tzinfo is not None
    assert len(db.history("parcel", p, known_at=before)) == 2
    assert db.land_summary(as_of="2005-12-31", known_at=before).supplied_mu == M("40")


def test_seed_zone_figures(seed):
    s = seed.land_summary(as_of="2005-12-31")
    assert (s.requisitioned_mu, s.developed_mu, s.certified_mu) == (M("10100"), M("7960"), M("4509"))
    assert s.reclaimed_mu == M("151.3452")
    assert "征地10100亩" in s.text() and "已办国有土地使用证4509亩" in s.text()
    assert s.by_land_use["commercial_residential"].supplied_mu == M("100")
    idle_2004 = seed.parcels(as_of="2004-12-31").to_pandas(exact=True).query("idle")
    assert sorted(idle_2004["area_mu"]) == [M("35.618"), M("52.7272"), M("63")]


def test_land_summaries_as_a_table_and_summaries_to_pandas(seed):
    dates = ["2003-12-31", "2004-12-31", "2005-12-31"]
    table = seed.land_summaries(dates).to_pylist()
    assert [r["as_of"].isoformat() for r in table] == dates
    for row, date in zip(table, dates):
        one = seed.land_summary(as_of=date)
        assert row["requisitioned_mu"] == one.requisitioned_mu
        assert row["reclaimed_count"] == one.reclaimed_count
    by_use = seed.land_summaries(dates[-1:], by_land_use=True).to_pylist()
    assert by_use[0]["land_use"] is None and {r["land_use"] for r in by_use[1:]} >= {"industrial"}
    assert sum(r["requisitioned_mu"] for r in by_use[1:]) == by_use[0]["requisitioned_mu"]
    frame = seed.land_summary(as_of="2005-12-31").to_pandas()
    assert frame.loc[0, "requisitioned_mu"] == float(table[-1]["requisitioned_mu"])
    assert frame["land_use"].isna().sum() == 1
    report = seed.annual_report(2005).to_pandas()
    assert len(report) == 1 and report.loc[0, "year"] == 2005
    assert report.loc[0, "requisitioned_mu"] == float(seed.annual_report(2005).requisitioned_mu)

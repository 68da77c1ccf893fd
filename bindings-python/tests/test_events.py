"""The events table (#14, point 3): one row per event with its facts, so
that land supplied per year counts every supply, also a parcel reclaimed
and supplied again, and leaves out supplies that were voided."""

import datetime as dt
from decimal import Decimal

import pytest

import parkdb


@pytest.fixture
def supplies(db):
    e1, e2 = db.add_enterprise("东岸精密"), db.add_enterprise("科华电子")
    p1 = db.add_parcel("P1", "10", requisitioned="2004-01-01")
    p2 = db.add_parcel("P2", "5", requisitioned="2004-01-01")
    p3 = db.add_parcel("P3", "7", requisitioned="2004-01-01")
    db.add_parcel("P4", "3", requisitioned="2004-01-01")
    db.allocate(p1, e1, "2005-03-01", method="listing", price_yuan="1000000", start_by="2005-06-01")
    db.allocate(p2, e1, "2005-05-01", method="agreement", price_yuan="400000")
    db.declare_idle(p1, "2006-03-01", fee_yuan="20000")
    db.reclaim(p1, "2006-09-01", reason="闲置两年")
    wrong = db.allocate(p3, e2, "2006-04-01", method="listing", price_yuan="700000")
    db.void(wrong, reason="录入错误")
    db.allocate(p1, e2, "2007-02-01", method="tender", price_yuan="1200000")
    return db, e1, e2


def _supplied_per_year(rows):
    out = {}
    for r in rows:
        if r["event"] == "allocated":
            out[r["date"].year] = out.get(r["date"].year, Decimal(0)) + r["area_mu"]
    return out


def test_land_supplied_per_year_counts_every_supply(supplies):
    db, e1, e2 = supplies
    rows = db.events("parcel").to_pylist()
    allocated = [r for r in rows if r["event"] == "allocated"]
    # The area is the requisition's; join it from the requisitions.
    area = {r["entity_id"]: r["area_mu"] for r in rows if r["event"] == "requisitioned"}
    for r in allocated:
        r["area_mu"] = area[r["entity_id"]]
    assert _supplied_per_year(allocated) == {2005: Decimal(15), 2007: Decimal(10)}
    assert [(r["code"], r["holder_id"], r["method"], r["price_yuan"]) for r in allocated] == [
        ("P1", e1, "listing", Decimal("1000000.00")),
        ("P1", e2, "tender", Decimal("1200000.00")),
        ("P2", e1, "agreement", Decimal("400000.00")),
    ]
    # The obvious way, over the parcels' latest supply, misses 2005's P1.
    latest = {}
    for p in db.parcels().to_pylist():
        if p["supplied_on"]:
            latest[p["supplied_on"].year] = latest.get(p["supplied_on"].year, 0) + p["area_mu"]
    assert latest == {2005: Decimal(5), 2007: Decimal(10)}


def test_facts_voids_and_filters(supplies):
    db, e1, e2 = supplies
    rows = db.events("parcel").to_pylist()
    idle = [r for r in rows if r["event"] == "idle_declared"]
    assert idle[0]["fee_yuan"] == Decimal("20000.00") and idle[0]["code"] == "P1"
    assert [r["reason"] for r in rows if r["event"] == "reclaimed"] == ["闲置两年"]
    assert not any(r["voided"] or r["event"] == "void" for r in rows)
    everything = db.events("parcel", include_voided=True).to_pylist()
    voided = [r for r in everything if r["voided"]]
    assert [(r["code"], r["event"]) for r in voided] == [("P3", "allocated")]
    void = [r for r in everything if r["event"] == "void"]
    assert void[0]["reason"] == "录入错误" and void[0]["event_id"] == voided[0]["voided_by"]
    in_2006 = db.events("parcel", since="2006-01-01", until="2006-12-31").to_pylist()
    assert sorted(r["event"] for r in in_2006) == ["idle_declared", "reclaimed"]
    every_kind = {r["kind"] for r in db.events().to_pylist()}
    assert every_kind == {"parcel", "enterprise"}
    with pytest.raises(parkdb.ValidationError):
        db.events("lease")


def test_events_as_known_at_a_past_moment(db):
    e = db.add_enterprise("E")
    p = db.add_parcel("P", "2", requisitioned="2004-01-01")
    before = dt.datetime.now(dt.timezone.utc)
    db.allocate(p, e, "2005-01-01", method="listing", price_yuan="1")
    assert [r["event"] for r in db.events("parcel", known_at=before).to_pylist()] == ["requisitioned"]
    assert [r["event"] for r in db.events("parcel").to_pylist()] == ["requisitioned", "allocated"]


def test_history_has_the_fact_columns(supplies):
    db, e1, e2 = supplies
    h = db.history("parcel", "P1").to_pylist()
    assert list(h[0])[:6] == ["event_id", "valid", "recorded", "event", "detail", "voided_by"]
    assert [r["holder_id"] for r in h if r["event"] == "allocated"] == [e1, e2]
    assert h[0]["area_mu"] == Decimal("10.0000")

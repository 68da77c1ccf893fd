import datetime as dt
from decimal import Decimal

import pytest

import parkdb


@pytest.fixture
def db():
    d = parkdb.open()
    yield d
    d.close()


@pytest.fixture
def world(db):
    """Two enterprises, a parcel, a programme with application 1, an indicator."""
    e = db.add_enterprise("科华电子")
    other = db.add_enterprise("启程")
    p = db.add_parcel("GP-001", "52.7272", requisitioned="2004-05-01")
    g = db.add_programme("2005年度科技三项费用", 2005, budget_yuan="1000000")
    db.apply(g, e, "新药", "2005-03-10", requested_yuan=500000)  # application 1
    db.define_indicator("R&D_GDP", "R&D经费占GDP比重", unit="%")
    return db, e, other, p


@pytest.fixture(scope="session")
def seed():
    """The seed's example zone (read-only in tests)."""
    d = parkdb.example()
    yield d
    d.close()


def fingerprint(db: parkdb.Database) -> tuple:
    """Everything a refused write must leave unchanged."""
    parcels = db.parcels().to_pylist()
    histories = [db.history("parcel", p["parcel_id"]).to_pylist() for p in parcels]
    firms = db.enterprises().to_pylist()
    firm_histories = [db.history("enterprise", f["enterprise_id"]).to_pylist() for f in firms]
    report = db.check()
    return (
        parcels,
        histories,
        firms,
        firm_histories,
        db.yearly().to_pylist(),
        db.leases().to_pylist(),
        db.grants().to_pylist(),
        db.programmes().to_pylist(),
        db.observations().to_pylist(),
        report.records,
        report.events,
        report.index_entries,
    )


D = dt.date
M = Decimal

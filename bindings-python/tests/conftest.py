import datetime as dt
from decimal import Decimal

import pytest

import parkdb


@pytest.fixture
def db():
    d = parkdb.open()
    yield d
    d.close()


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

"""``known_at`` means what Python and its libraries mean (#14, point 1): a
naive datetime is local time, a date the start of a local day, an aware one
the moment it says, ISO text as ``fromisoformat`` reads it, and naive
pandas and NumPy times are UTC."""

import datetime as dt
import os
import subprocess
import sys
import time

import pytest

import parkdb

_IN_SHANGHAI = r"""
import datetime as dt, sys, time
import parkdb
db = parkdb.open(sys.argv[1])
db.add_parcel("BEFORE", "1", requisitioned="2005-01-01")
time.sleep(0.05)
between = dt.datetime.now()          # naive: local time, UTC+8 here
time.sleep(0.05)
db.add_parcel("AFTER", "1", requisitioned="2005-01-01")
codes = lambda t: sorted(r["code"] for r in db.parcels(known_at=t).to_pylist())
assert codes(between) == ["BEFORE"], codes(between)
assert codes(between.astimezone()) == ["BEFORE"]
assert codes(between.isoformat()) == ["BEFORE"]
assert codes(dt.datetime.now()) == ["AFTER", "BEFORE"]
# Read as UTC, the naive local time would be eight hours in the future.
assert codes(between.replace(tzinfo=dt.timezone.utc)) == ["AFTER", "BEFORE"]
# A date is the start of that local day: nothing was recorded before today.
assert codes(dt.date.today()) == []
assert codes(dt.date.today() + dt.timedelta(days=1)) == ["AFTER", "BEFORE"]
print("ok")
"""


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="needs TZ")
def test_a_naive_known_at_is_local_time(tmp_path):
    env = dict(os.environ, TZ="Asia/Shanghai")
    run = subprocess.run(
        [sys.executable, "-c", _IN_SHANGHAI, str(tmp_path / "z.parkdb")],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok"


def _two_writes(db):
    db.add_parcel("BEFORE", "1", requisitioned="2005-01-01")
    time.sleep(0.05)
    between = dt.datetime.now(dt.timezone.utc)
    time.sleep(0.05)
    db.add_parcel("AFTER", "1", requisitioned="2005-01-01")
    return between


def _codes(db, t):
    return sorted(r["code"] for r in db.parcels(known_at=t).to_pylist())


def test_pandas_and_numpy_times_naive_in_utc(db):
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    between = _two_writes(db)
    naive_utc = between.replace(tzinfo=None)
    assert _codes(db, pd.Timestamp(naive_utc)) == ["BEFORE"]
    assert _codes(db, pd.Timestamp(between)) == ["BEFORE"]
    assert _codes(db, pd.Timestamp(between).tz_convert("Asia/Shanghai")) == ["BEFORE"]
    assert _codes(db, np.datetime64(naive_utc, "ns")) == ["BEFORE"]
    assert _codes(db, np.datetime64(naive_utc, "us")) == ["BEFORE"]
    with pytest.raises(parkdb.ValidationError, match="NaT"):
        db.parcels(known_at=np.datetime64("NaT"))


def test_iso_text_with_an_offset_and_bad_input(db):
    between = _two_writes(db)
    assert _codes(db, between.isoformat()) == ["BEFORE"]
    assert _codes(db, between.astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat()) == ["BEFORE"]
    assert _codes(db, between.strftime("%Y-%m-%dT%H:%M:%S.%fZ")) == ["BEFORE"]
    for bad in ["yesterday", "2024-13-01", 12.5]:
        with pytest.raises(parkdb.ValidationError):
            db.parcels(known_at=bad)


def test_recorded_times_are_utc_timestamps_and_the_docs_say_what_known_at_means(db):
    pa = pytest.importorskip("pyarrow")
    p = db.add_parcel("P", "1", requisitioned="2005-01-01")
    table = pa.table(db.history("parcel", p))
    assert table.schema.field("recorded").type == pa.timestamp("us", tz="UTC")
    for name in ("parcels", "enterprises", "history", "annual_report", "land_summary", "observations"):
        assert "naive ``datetime`` in local time" in getattr(parkdb.Database, name).__doc__, name

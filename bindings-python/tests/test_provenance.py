"""Where every event came from: who wrote it through the API, which file,
sheet and row of an import, and the imports themselves."""

import datetime as dt
import hashlib
import os

import pandas as pd
import pytest

import parkdb


def _values(column):
    return [None if pd.isna(v) else v for v in column]


def test_writes_record_the_handles_or_the_transactions_by(tmp_path):
    db = parkdb.open(tmp_path / "by.parkdb", by="王芳")
    assert db.by == "王芳"
    p = db.add_parcel("GP-1", area_mu="10", land_use="industrial", requisitioned=dt.date(2004, 1, 1))
    with db.transaction(by="李强") as tx:
        tx.develop(p, dt.date(2004, 6, 1))
    db.by = None
    db.certify(p, dt.date(2004, 9, 1), certificate="国用(2004)第1号")
    events = db.events().to_pandas()
    assert list(events["source"]) == ["api"] * 3
    user = next(
        (os.environ[v] for v in ("USER", "USERNAME", "LOGNAME") if os.environ.get(v, "").strip()),
        None,
    )
    assert _values(events["source_by"]) == ["王芳", "李强", user]
    assert events["import_id"].isna().all()
    history = db.history("parcel", "GP-1").to_pandas()
    assert _values(history["source_by"]) == ["王芳", "李强", user]
    first = int(events["event_id"].iloc[0])
    origin = db.origin(first)
    assert origin["source"] == "api" and origin["by"] == "王芳"
    assert origin["file"] is None and origin["row"] is None
    assert db.origin(10_000)["source"] == "unknown"
    # A name the rules of names refuse is a ValidationError, and the handle keeps its own.
    db.by = "王芳"
    with pytest.raises(parkdb.ValidationError):
        db.by = "王\x00芳"
    assert db.by == "王芳"
    db.close()


def test_an_imports_events_name_file_sheet_and_row_and_the_import_is_listed(db, tmp_path):
    register = tmp_path / "企业名录.csv"
    register.write_text("企业名称\n东岸精密\n", encoding="utf-8")
    parcels = tmp_path / "地块台账.csv"
    parcels.write_text(
        "地块编号,面积(亩),用途,征地日期\nGP-001,30,工业,2003-05-01\nGP-002,12.5,工业,2003-06-01\n",
        encoding="utf-8",
    )
    db.by = "数据专员"
    report = db.import_ledgers(register, parcels)
    assert report["written"]
    events = db.events(kind="parcel").to_pandas().set_index("code")
    assert events.loc["GP-002", "source_file"] == "地块台账.csv"
    assert events.loc["GP-002", "source_sheet"] == "地块台账"
    assert events.loc["GP-002", "source_row"] == 3
    assert events.loc["GP-001", "source_row"] == 2
    imports = db.imports().to_pandas()
    assert len(imports) == 1
    row = imports.iloc[0]
    assert row["source"] == "import" and row["by"] == "数据专员"
    assert row["files"] == "企业名录.csv; 地块台账.csv"
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (register, parcels)]
    assert row["sha256"] == "; ".join(digests)
    assert row["events"] == report["events"]
    # The import's events, found by its number.
    everything = db.events().to_pandas()
    assert (everything["import_id"] == row["import_id"]).sum() == report["events"]
    origin = db.origin(int(events.loc["GP-001", "event_id"]))
    assert origin["sha256"] == digests[1] and origin["row"] == 2

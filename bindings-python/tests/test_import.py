"""Ledgers (台账) imported from Python, and the date forms the ledgers use."""

import datetime as dt
import pathlib

import numpy as np
import pandas as pd
import pytest

import parkdb

LEDGERS = pathlib.Path(__file__).parents[2] / "examples" / "ledgers"


def test_import_ledgers_reports_rows_and_writes_once(db, tmp_path):
    files = sorted(LEDGERS.glob("*.csv"))
    checked = db.import_ledgers(*files, dry_run=True)
    assert not checked["written"] and checked["rows"]["parcels"] > 0
    assert len(db.parcels()) == 0
    report = db.import_ledgers(*files)
    assert report["written"] and report["rows"] == checked["rows"]
    assert report["skipped"] == []
    assert len(db.parcels()) == report["rows"]["parcels"]
    assert report["events"] > report["rows"]["parcels"]
    assert report["changed"] == report["rows"]
    # Again: the database holds every row already, and nothing is written.
    before = db.check().events
    again = db.import_ledgers(*files)
    assert again["events"] == 0 and set(again["changed"].values()) == {0}
    assert db.check().events == before
    # A row that contradicts the database: every problem listed, nothing written.
    wrong = pathlib.Path(files[0]).parent / "地块台账.csv"
    text = wrong.read_text(encoding="utf-8-sig").splitlines()
    header, first = text[0], text[1].split(",")
    first[1] = "999"
    with pytest.raises(parkdb.LedgerError) as info:
        db.import_ledgers(_write(tmp_path, header, ",".join(first)))
    assert isinstance(info.value, parkdb.ValidationError)
    problems = info.value.problems
    assert problems and {"sheet", "row", "column", "reason"} <= set(problems[0])
    assert f"{problems[0]['sheet']}, row {problems[0]['row']}" in str(info.value)
    assert "the database holds" in problems[0]["reason"] and "999" in problems[0]["reason"]
    assert "nothing was written" in str(info.value)
    assert db.check().events == before


def _write(where, *lines):
    path = where / "地块台账.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_bad_row_names_sheet_row_and_column(db, tmp_path):
    path = tmp_path / "地块台账.csv"
    path.write_text("地块编号,面积,用途,征地日期\nGP-1,15,工业,2010-01-01\nGP-2,十五,工业,2010-01-01\n", encoding="utf-8")
    with pytest.raises(parkdb.LedgerError) as info:
        db.import_ledgers(path)
    [p] = info.value.problems
    assert (p["row"], p["column"]) == (3, "面积")
    assert len(db.parcels()) == 0


@pytest.mark.parametrize("form", ["2005-03-01", "2005/3/1", "2005.03.01", "2005年3月1日",
                                  dt.date(2005, 3, 1), pd.Timestamp("2005-03-01"),
                                  np.datetime64("2005-03-01")])
def test_reads_and_writes_take_the_ledgers_date_forms(db, form):
    p = db.add_parcel("GP-1", 15, requisitioned=form)
    assert db.parcel(p)["requisitioned"] == dt.date(2005, 3, 1)
    assert db.parcel(p, as_of=form)["code"] == "GP-1"


def test_an_impossible_date_says_so(db):
    with pytest.raises(parkdb.ValidationError, match="not a day of the calendar"):
        db.add_parcel("GP-1", 15, requisitioned="2005-02-30")
    with pytest.raises(parkdb.ValidationError, match="not a date"):
        db.add_parcel("GP-1", 15, requisitioned="38000")


def test_a_workbook_for_people_sets_aside_its_title_totals_and_signatures(db, tmp_path):
    path = tmp_path / "2005年台账.csv"
    path.write_text(
        "东岸工业园地块台账（截至2005年12月31日）\n"
        "单位：亩\n"
        "序号,地块编号,面积,用途,征地日期,备注\n"
        "1,GP-1,\"1,205\",工业,2005/3/1,东区\n"
        "合计,,1205,,,\n"
        "填表人：张三,,审核人：李四,,,\n",
        encoding="utf-8",
    )
    path = path.rename(tmp_path / "2005年地块台账.csv")
    report = db.import_ledgers(path)
    assert [s["row"] for s in report["skipped"]] == [1, 2, 5, 6]
    assert db.parcel("GP-1")["area_mu"] == __import__("decimal").Decimal("1205.0000")

"""Workbooks as a park's data officer keeps them, made with openpyxl: a
merged title, 填报单位 and unit lines, a header of two levels, 序号 and
备注 columns, a 合计 row and signatures; one row per parcel and per firm
with the lifecycle as dates, updated each month and imported again."""

import datetime as dt
import decimal
import pathlib
import subprocess
import sys

import openpyxl
import pytest

import parkdb

FIRMS = ["序号", "企业名称", "统一社会信用代码", "签约日期", "投资额", "用地面积", "动工日期", "投产日期"]
PARCELS = ["序号", "地块编号", "面积", "用途", "坐落", "征地日期", "土地证号", "办证日期", "用地单位",
           "供地方式", "成交价", "供地日期", "约定动工日期", "实际动工日期", "竣工日期", "备注"]
GP1 = [1, "GP-001", 30, "工业", "兴隆路北", "2003/5/1", "佛府国用(2004)第17号", "2004年6月1日",
       "东岸精密机械有限公司 ", "挂牌", "1,200", dt.datetime(2004, 3, 1), "2004.09.01", "2004-08-01",
       None, "一期"]
GP2 = [2, "GP-002", "１２．５", "工业用地", None, "2003-05-01", None, None, None, None, None, None,
       None, None, None, None]


def workbook(path, parcels, yearly=None):
    """The park's workbook: the register, the parcel ledger and (if given)
    the year's figures under a header of two levels."""
    book = openpyxl.Workbook()
    firms = book.active
    firms.title = "企业名录"
    firms.append(["东岸工业园企业名录"])
    firms.merge_cells("A1:H1")
    firms.append(["单位：万元、亩"])
    firms.append(FIRMS)
    firms.append([1, "东岸精密机械有限公司", "91440606MA4UJ0001L", "2004.3.1", "5,000", 30,
                  "2004年8月1日", None])
    firms.append([2, "科华电子有限公司"])
    land = book.create_sheet("2014年地块台账")
    land.append(["东岸工业园地块台账（截至2014年12月31日）"])
    land.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(PARCELS))
    land.append(["填报单位：东岸工业园管委会"])
    land.append(["单位：亩、万元"])
    land.append(PARCELS)
    for row in parcels:
        land.append(row)
    land.append(["合计", None, "42.5"])
    land.append([])
    land.append(["填表人：张三", None, None, "审核人：李四", None, "填报日期：2015年1月5日"])
    if yearly:
        sheet = book.create_sheet("2014年年度经济指标")
        sheet.append(["2014年主要经济指标"])
        sheet.append(["序号", "企业名称", "年份", "主要经济指标（万元）", None, None, "备注"])
        sheet.append([None, None, None, "产值", "税收（元）", "增加值", None])
        for cell in ("A2:A3", "B2:B3", "C2:C3", "D2:F2", "G2:G3"):
            sheet.merge_cells(cell)
        for row in yearly:
            sheet.append(row)
        sheet.append(["合计", None, None, "1,205", "52,000", None, None])
    book.save(path)
    return path


def history(db, code):
    return [(e["valid"], e["event"]) for e in db.history("parcel", code).to_pylist()]


def test_a_park_workbook_imports_as_its_events_and_again_writes_nothing(db, tmp_path):
    june = workbook(tmp_path / "6月台账.xlsx", [GP1, GP2],
                    yearly=[[1, "东岸精密机械有限公司", 2014, "1,205", "52,000", 300, "新投产"]])
    report = db.import_ledgers(june)
    assert report["written"] and report["rows"] == {"enterprises": 2, "parcels": 2, "yearly": 1}
    reasons = " ".join(s["reason"] for s in report["skipped"])
    assert "unit line" in reasons and "合计" in reasons and "signature" in reasons
    p = db.parcel("GP-001")
    assert p["status"] == "under_construction" and p["area_mu"] == decimal.Decimal("30.0000")
    assert p["certified_on"] == dt.date(2004, 6, 1)
    assert db.parcel("GP-002")["area_mu"] == decimal.Decimal("12.5000")
    assert history(db, "GP-001") == [
        (dt.date(2003, 5, 1), "requisitioned"),
        (dt.date(2004, 3, 1), "allocated"),
        (dt.date(2004, 6, 1), "certified"),
        (dt.date(2004, 8, 1), "construction_started"),
        (dt.date(2004, 8, 1), "noted"),
    ]
    firm = db.enterprises().to_pandas().set_index("name").loc["东岸精密机械有限公司"]
    assert firm["status"] == "under_construction"
    # 备注 kept as the parcel's note, from the row's latest date.
    notes = {r["code"]: r["note"] for r in db.parcels().to_pylist()}
    assert notes == {"GP-001": "一期", "GP-002": None}
    assert db.parcel("GP-001", as_of="2004-07-31")["note"] is None
    [year] = db.yearly(year=2014).to_pylist()
    # 产值 and 增加值 in 万元 from the group cell; 税收 names its own unit.
    assert year["output_yuan"] == decimal.Decimal("12050000.00")
    assert year["tax_yuan"] == decimal.Decimal("52000.00")
    assert year["value_added_yuan"] == decimal.Decimal("3000000.00")

    events = db.check().events
    again = db.import_ledgers(june)
    assert again["events"] == 0 and set(again["changed"].values()) == {0}
    assert db.check().events == events

    # December: a completion filled in, GP-002 certified in 2003 (before
    # anything but its requisition), a new parcel; the rows in another order.
    gp1 = list(GP1)
    gp1[14] = "2005/10/1"
    gp2 = list(GP2)
    gp2[6], gp2[7] = "佛府国用(2003)第9号", "2003-12-01"
    gp3 = [3, "GP-003", 8, "物流", None, "2014-07-01"] + [None] * 10
    december = workbook(tmp_path / "12月台账.xlsx", [gp3, gp2, gp1])
    dry = db.import_ledgers(december, dry_run=True)
    assert not dry["written"] and dry["events"] == 3
    report = db.import_ledgers(december)
    assert report["events"] == 3 and report["changed"]["parcels"] == 3
    assert db.parcel("GP-001")["status"] == "completed"
    assert db.parcel("GP-002", as_of="2004-01-01")["certified_on"] == dt.date(2003, 12, 1)
    assert db.check().clean


def test_a_contradicting_workbook_is_refused_whole(db, tmp_path):
    db.import_ledgers(workbook(tmp_path / "6月台账.xlsx", [GP1, GP2]))
    events = db.check().events
    gp1 = list(GP1)
    gp1[2] = 31
    gp1[8] = "科华电子有限公司"
    with pytest.raises(parkdb.LedgerError) as info:
        db.import_ledgers(workbook(tmp_path / "改过的台账.xlsx", [gp1, GP2]))
    by_column = {p["column"]: p for p in info.value.problems}
    assert set(by_column) == {"面积(亩)", "用地单位"}
    area = by_column["面积(亩)"]
    assert (area["sheet"], area["row"]) == ("2014年地块台账", 5)
    assert "30" in area["reason"] and "31" in area["reason"]
    assert "transfer" in by_column["用地单位"]["reason"]
    assert db.check().events == events


def test_history_entered_late_from_python(db):
    firm = db.add_enterprise("东岸精密")
    db.add_parcel("GP-1", 10, requisitioned="2003-01-01")
    db.allocate("GP-1", firm, "2005-03-01", method="listing", price_yuan=100)
    db.certify("GP-1", "2004-06-01", certificate="证")
    assert [e["event"] for e in db.history("parcel", "GP-1").to_pylist()] == [
        "requisitioned", "certified", "allocated"]
    with pytest.raises(parkdb.LifecycleError, match="needs a holder"):
        db.start_construction("GP-1", "2004-12-01")
    assert db.parcel("GP-1", as_of="2004-12-31")["certified_on"] == dt.date(2004, 6, 1)


def test_the_installed_command_imports_a_park_workbook(tmp_path):
    command = pathlib.Path(sys.executable).parent / "parkdb"
    book = workbook(tmp_path / "台账.xlsx", [GP1, GP2])

    def run(*args):
        return subprocess.run([str(command), "--db", "park.parkdb", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)

    assert run("init").returncode == 0
    done = run("import", str(book))
    assert done.returncode == 0 and "events written" in done.stdout, done.stderr
    done = run("import", str(book))
    assert done.returncode == 0 and "nothing new" in done.stdout, done.stderr


def test_notes_on_parcels_and_firms(db):
    firm = db.add_enterprise("东岸精密", registered="2004-01-01")
    db.add_parcel("GP-1", 10, requisitioned="2003-01-01")
    db.set_parcel_note("GP-1", "一期，待办证", on="2005-12-31")
    db.set_enterprise_note(firm, "骨干企业")
    assert db.parcel("GP-1")["note"] == "一期，待办证"
    assert db.parcel("GP-1", as_of="2005-12-30")["note"] is None
    assert db.enterprises().to_pylist()[0]["note"] == "骨干企业"
    noted = [e for e in db.events("parcel").to_pylist() if e["event"] == "noted"]
    assert [e["note"] for e in noted] == ["一期，待办证"]
    db.set_parcel_note("GP-1", None, on="2006-01-01")
    assert db.parcel("GP-1")["note"] is None
    assert db.parcel("GP-1", as_of="2005-12-31")["note"] == "一期，待办证"

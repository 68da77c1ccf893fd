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
    assert again["written"] is False
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


def _workbook_bomb(path: pathlib.Path, inflated: int) -> None:
    """An .xlsx of a few megabytes whose sheet inflates to ``inflated``
    bytes: one inline string cell of ``x``s. The deflate stream is one
    compressed megabyte of ``x`` repeated (a full flush resets the
    compressor, so each repeat compresses alike), the zip written by hand."""
    import struct
    import zlib

    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    small = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} xmlns:r="{rel}">'
            '<sheets><sheet name="地块台账" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
    }
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'.encode()
    tail = b"</t></is></c></row></sheetData></worksheet>"
    chunk = b"x" * (1 << 20)
    repeats = (inflated - len(head) - len(tail)) // len(chunk)
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = co.compress(head) + co.flush(zlib.Z_FULL_FLUSH)
    block = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    assert co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH) == block
    last = co.compress(tail) + co.flush()
    crc = zlib.crc32(head)
    for _ in range(repeats - 1):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, zlib.crc32(chunk, crc))
    entries = [(name, zlib.crc32(text.encode()), [zlib.compress(text.encode())[2:-4]], len(text.encode()))
               for name, text in small.items()]
    entries.append(("xl/worksheets/sheet1.xml", crc, [first, *([block] * repeats), last],
                    len(head) + repeats * len(chunk) + len(tail)))
    central, offset = b"", 0
    with open(path, "wb") as out:
        for name, crc, pieces, size in entries:
            raw = name.encode()
            packed = sum(len(p) for p in pieces)
            header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, packed, size, len(raw), 0)
            out.write(header + raw)
            for p in pieces:
                out.write(p)
            central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, packed, size,
                                   len(raw), 0, 0, 0, 0, 0, offset) + raw
            offset += len(header) + len(raw) + packed
        out.write(central)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), offset, 0))


def test_a_workbook_bomb_is_refused_by_its_bound_inside_a_memory_limit(tmp_path):
    """A 2.5 MB workbook whose sheet inflates to 2.5 GiB aborted Python,
    even in a dry run. Now its declared inflation is refused before any of
    it is read, in a process allowed 3 GiB of address space."""
    import subprocess
    import sys

    bomb = tmp_path / "地块台账.xlsx"
    _workbook_bomb(bomb, 5 << 29)
    assert bomb.stat().st_size < 4 << 20
    script = f"""
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
import parkdb
db = parkdb.open()
try:
    db.import_ledgers({str(bomb)!r}, dry_run=True)
except parkdb.LedgerError as e:
    print("refused", e.limit, e.problems[0]["sheet"].endswith("地块台账.xlsx"), str(e))
    sys.exit(0)
print("read it")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("refused inflated_bytes True"), done.stdout
    assert "2684354560 bytes once inflated" not in done.stdout  # it stopped at the bound
    assert "beyond the import's limit of 2147483648" in done.stdout
    assert parkdb.IMPORT_LIMITS["inflated_bytes"] == 2 << 30


def test_import_bounds_are_raised_by_name_and_a_pipe_is_refused(db, tmp_path):
    import os

    ledger = tmp_path / "地块台账.csv"
    ledger.write_text("地块编号,面积（亩）,用途,征地日期\nGP-1,10,工业,2001-01-01\nGP-2,20,工业,2001-01-01\n", encoding="utf-8")
    with pytest.raises(parkdb.LedgerError, match="rows in a sheet") as refused:
        db.import_ledgers(ledger, limits={"rows": 2})
    assert refused.value.limit == "rows"
    assert len(db.parcels()) == 0
    assert db.import_ledgers(ledger, limits={"rows": 3})["rows"]["parcels"] == 2
    with pytest.raises(parkdb.ValidationError, match="no bound"):
        db.import_ledgers(ledger, limits={"lines": 3})
    fifo = tmp_path / "企业名录.csv"
    os.mkfifo(fifo)
    with pytest.raises(parkdb.ValidationError, match="not a regular file"):
        db.import_ledgers(fifo, dry_run=True)


def test_a_workbook_that_writes_its_cells_out_of_order_reads_as_excel_shows_it(db, tmp_path):
    """Excel writes a sheet's cells row by row, left to right, and parkdb
    builds each row as it reads; a workbook written in another order (a
    row's cells shuffled, a row after the one below it, one row in two
    parts) still reads cell for cell as Excel shows it."""
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "地块台账"
    book.active.append(["placeholder"])
    made = tmp_path / "made.xlsx"
    book.save(made)

    def c(ref, value):
        if isinstance(value, str):
            return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
        return f'<c r="{ref}"><v>{value}</v></c>'

    rows = (
        '<row r="1">' + c("A1", "地块编号") + c("B1", "面积（亩）") + c("C1", "用途") + c("D1", "征地日期") + "</row>"
        '<row r="3">' + c("C3", "工业") + c("A3", "GP-3") + c("D3", "2003-03-03") + c("B3", 30.5) + "</row>"
        '<row r="2">' + c("B2", 20) + c("A2", "GP-2") + "</row>"
        '<row r="4">' + c("A4", "GP-4") + c("B4", 40) + c("C4", "工业") + c("D4", "2004-04-04") + "</row>"
        '<row r="2">' + c("D2", "2002-02-02") + c("C2", "仓储") + "</row>"
    )
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    sheet_xml = f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData>{rows}</sheetData></worksheet>'
    path = tmp_path / "地块台账.xlsx"
    with zipfile.ZipFile(made) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode()
            out.writestr(item, data)
    report = db.import_ledgers(path)
    assert report["rows"]["parcels"] == 3 and report["written"]
    got = {p["code"]: p for p in db.parcels().to_pylist()}
    assert sorted(got) == ["GP-2", "GP-3", "GP-4"]
    assert str(got["GP-2"]["area_mu"]) == "20.000000" and got["GP-2"]["land_use"] == "logistics"
    assert got["GP-2"]["requisitioned"] == dt.date(2002, 2, 2)
    assert str(got["GP-3"]["area_mu"]) == "30.500000" and got["GP-3"]["requisitioned"] == dt.date(2003, 3, 3)
    assert str(got["GP-4"]["area_mu"]) == "40.000000"


def test_unknown_columns_are_set_aside_and_listed_unless_strict(db, tmp_path):
    path = tmp_path / "地块台账.csv"
    path.write_text("地块编号,面积(公顷),用途,征地日期,项目说明\nGP-1,1.867291,工业,2017-01-09,机加工\n", encoding="utf-8")
    with pytest.raises(parkdb.LedgerError, match="项目说明") as refused:
        db.import_ledgers(path, strict=True)
    assert refused.value.problems[0]["column"] == "项目说明"
    assert db.parcels().to_pylist() == []
    report = db.import_ledgers(path)
    assert report["written"] is True
    [aside] = report["skipped"]
    assert aside["column"] == "项目说明" and "set aside" in aside["reason"]
    assert db.parcel("GP-1")["area_mu"] == parkdb_decimal("28.009365")
    twice = tmp_path / "parcels.csv"
    twice.write_text("code,area_mu,面积(亩),land_use,requisitioned\nGP-2,1,2,industrial,2017-01-09\n", encoding="utf-8")
    with pytest.raises(parkdb.LedgerError, match="again"):
        db.import_ledgers(twice)


def parkdb_decimal(text):
    from decimal import Decimal

    return Decimal(text)

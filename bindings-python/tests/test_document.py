"""The work report as the document people hand in: python-docx opens it
and finds the report's text and figures, its tables and its pictures; a
map saves as a PNG Pillow opens."""

import io
import zipfile

import docx
import pytest
from PIL import Image

import parkdb


@pytest.fixture(scope="module")
def zone():
    db = parkdb.example()
    yield db
    db.close()


def test_the_report_as_a_word_document(zone, tmp_path):
    report = zone.annual_report(2005)
    path = tmp_path / "2005年工作总结.docx"
    report.to_docx(path, zone="高平工业区")
    document = docx.Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs)
    assert document.paragraphs[0].text == "高平工业区2005年度工作总结"
    for section in ("一、土地", "二、招商与企业", "三、科技经费", "四、科创中心", "五、财务", "六、亩均效益评价"):
        assert section in text
    assert f"征地{report.requisitioned_mu}亩" in text
    # The land table holds the report's figures.
    cells = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert cells[0] == ["项目", "年末累计", "本年"]
    assert ["已办证", str(report.certified_mu), str(report.certified_in_year_mu)] in cells
    assert len(document.tables) >= 5
    # Its pictures are PNGs: the charts and the year-end map.
    pictures = [s for s in document.inline_shapes]
    assert len(pictures) >= 3
    with zipfile.ZipFile(path) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/") and not n.endswith("/")]
        for name in media:
            Image.open(io.BytesIO(z.read(name))).verify()
    # A4 and the fonts government documents are set in.
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    xml = document.element.xml
    assert "仿宋" in document.styles.element.xml and "黑体" in xml
    # The appendix explains the headline figures.
    assert "附录:主要数据来源" in text


def test_a_map_saves_as_a_png(zone, tmp_path):
    m = zone.map(as_of="2005-12-31")
    path = tmp_path / "地块图.png"
    m.save(path)
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.width > 1000
    assert m.to_png()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_year_not_over_is_reported_as_of_today(zone):
    import datetime as dt

    today = dt.date.today()
    report = zone.annual_report(today.year + 3)
    assert report.as_of == today
    assert f"截至{today.year}年{today.month}月{today.day}日" in report.text()
    assert zone.annual_report(2005).as_of == dt.date(2005, 12, 31)

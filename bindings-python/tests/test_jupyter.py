"""What a notebook user sees: HTML previews, re-opened paths, summaries as dicts."""

from decimal import Decimal

import parkdb


def test_reopening_a_path_returns_the_same_database(tmp_path):
    a = parkdb.open(tmp_path / "zone.parkdb")
    b = parkdb.open(str(tmp_path / "zone.parkdb"))
    assert a is b
    a.add_parcel("A", "1", requisitioned="2005-01-01")
    assert len(b.parcels()) == 1
    with parkdb.open(tmp_path / "zone.parkdb") as c:
        assert c is a
    assert a.closed


def test_html_previews_are_bounded(seed):
    t = seed.parcels()
    html = t._repr_html_()
    assert html.count("<tr>") == 11  # header + 10 rows
    assert f"{len(t) - 10} more rows" in html
    s = seed.land_summary(as_of="2005-12-31")
    h = s._repr_html_()
    assert "征地" in h and "10100" in h and "商住" in h
    assert "clean" in seed.check()._repr_html_()
    assert "rows" in repr(t)


def test_summary_to_dict_is_plain_data(seed):
    d = seed.land_summary(as_of="2005-12-31").to_dict()
    assert d["certified_mu"] == Decimal("4509")
    assert d["by_land_use"]["logistics"]["developed_mu"] > 0
    assert d["as_of"].year == 2005

"""The README's and the guides' Python blocks run as written, and their
reads return rows."""

import os
import pathlib
import re


ROOT = pathlib.Path(__file__).parents[2]


def _blocks(name):
    """The Python blocks of a Markdown file of the repository."""
    return re.findall(r"```python\n(.*?)```", (ROOT / name).read_text(encoding="utf-8"), re.S)


def _run_tour(heading, tmp_path, monkeypatch, name="README.md"):
    """Runs the first Python block after `heading` in `name`; its names."""
    text = (ROOT / name).read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102
    return scope


def test_the_readme_tour_runs_and_its_reads_return_rows(tmp_path, monkeypatch):
    scope = _run_tour("### Python", tmp_path, monkeypatch)
    assert len(scope["df"]) >= 1
    assert scope["df"]["area_mu"].dtype == "float64"
    assert len(scope["db"].events("parcel")) >= 4
    assert len(scope["db"].land_summaries(["2005-12-31"])) == 1
    assert scope["reader"].read_only and len(scope["reader"].parcels()) == 1
    scope["reader"].close()
    scope["db"].close()
    assert os.path.isdir(tmp_path / "zone.parkdb")


def test_the_readme_map_tour_runs(tmp_path, monkeypatch):
    scope = _run_tour("# Parcels on the map", tmp_path, monkeypatch, "docs/maps.md")
    db = scope["db"]
    assert [r["code"] for r in db.parcels(intersects=(39512250, 3400050)).to_pylist()] == ["GP-102"]
    assert [r["code"] for r in db.neighbours("GP-101").to_pylist()] == ["GP-102"]
    assert scope["gdf"].crs.to_epsg() == 4527
    findings = db.check().findings
    assert len(findings) == 1 and "16.5" in findings[0]["message"]
    assert (tmp_path / "地块图.svg").read_text(encoding="utf-8").count('class="parcel"') == 2
    db.close()


def test_every_python_block_of_the_readme_and_the_guides_is_run_by_a_test():
    """The README has one block (its tour), the maps guide one, the
    dashboard guide one (run against a live server in test_serve.py); a new
    block needs a test of its own, and so shows up here."""
    counts = {name: len(_blocks(name)) for name in ["README.md", *sorted(
        str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]}
    assert counts == {
        "README.md": 1,
        "docs/analyst.md": 0,
        "docs/dashboard.md": 1,
        "docs/data-officer.md": 0,
        "docs/embedding.md": 0,
        "docs/maps.md": 1,
        "docs/promises.md": 0,
        "docs/province.md": 0,
        "docs/storage.md": 0,
    }, counts

"""The README's Python tour runs as written, and its reads return rows."""

import os
import pathlib
import re


def _run_tour(heading, tmp_path, monkeypatch):
    """Runs the first Python block after `heading` in the README; its names."""
    readme = (pathlib.Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(heading) :]
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
    scope = _run_tour("### Parcels on the map", tmp_path, monkeypatch)
    db = scope["db"]
    assert [r["code"] for r in db.parcels(intersects=(39512250, 3400050)).to_pylist()] == ["GP-102"]
    assert [r["code"] for r in db.neighbours("GP-101").to_pylist()] == ["GP-102"]
    assert scope["gdf"].crs.to_epsg() == 4527
    findings = db.check().findings
    assert len(findings) == 1 and "16.5" in findings[0]["message"]
    assert (tmp_path / "地块图.svg").read_text(encoding="utf-8").count('class="parcel"') == 2
    db.close()

"""The README's Python tour runs as written, and its reads return rows."""

import os
import pathlib
import re


def test_the_readme_tour_runs_and_its_reads_return_rows(tmp_path, monkeypatch):
    readme = (pathlib.Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Python") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102
    assert len(scope["df"]) >= 1
    assert scope["df"]["area_mu"].dtype == "float64"
    assert len(scope["db"].events("parcel")) >= 4
    assert len(scope["db"].land_summaries(["2005-12-31"])) == 1
    assert scope["reader"].read_only and len(scope["reader"].parcels()) == 1
    scope["reader"].close()
    scope["db"].close()
    assert os.path.isdir(tmp_path / "zone.parkdb")

"""``parkdb serve`` as people use it: started as ``python -m parkdb serve``
on the example zone, its API read by pyarrow and polars and compared with
the Python API, and its pages driven in headless Chromium (the
distribution's ``chromium`` and ``chromium-driver``, which the README's
test command installs) with the figures in the DOM checked against
``annual_report(2005)``. Screenshots land in ``target/screenshots/``.
"""

from __future__ import annotations

import contextlib
import io
import json
import pathlib
import select
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from decimal import Decimal

import pyarrow as pa
import pytest

import parkdb

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHOTS = ROOT / "target" / "screenshots"


@pytest.fixture(scope="module")
def zone(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("serve") / "zone.parkdb"
    parkdb.example(path).close()
    return path


@contextlib.contextmanager
def serving(path: pathlib.Path, *args: str) -> Iterator[tuple[str, list[str]]]:
    """Runs ``python -m parkdb serve`` on a free port; yields its URL and
    the lines it printed first. It must stop cleanly on SIGTERM."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "parkdb", "--db", str(path), "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "parkdb serve printed nothing within a minute"
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "serving" in first, first
        url = first.split(" at ")[1].split()[0]
        lines = [first]
        if "--token" in args:
            lines.append(proc.stdout.readline())
        yield url, lines
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, f"parkdb serve ended with {proc.returncode}: {err}"


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, r.headers["Content-Type"], r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"], e.read()


@pytest.fixture(scope="module")
def server(zone: pathlib.Path) -> Iterator[str]:
    with serving(zone) as (url, _):
        yield url


def test_the_api_returns_the_rows_of_the_python_api(zone: pathlib.Path, server: str) -> None:
    db = parkdb.open(zone, read_only=True)
    try:
        for name, read in [
            ("parcels", lambda: db.parcels(as_of="2005-12-31")),
            ("enterprises", lambda: db.enterprises(as_of="2005-12-31")),
            ("grants", lambda: db.grants(as_of="2005-12-31")),
            ("yearly", lambda: db.yearly(2005, as_of="2005-12-31")),
            ("buildings", lambda: db.buildings(as_of="2005-12-31")),
        ]:
            status, kind, body = fetch(f"{server}api/{name}?as_of=2005-12-31&year=2005&format=arrow")
            assert status == 200, body[:300]
            assert kind == "application/vnd.apache.arrow.stream"
            served = pa.ipc.open_stream(body).read_all()
            expected = read().to_arrow()
            assert served.equals(expected), name
            status, kind, body = fetch(f"{server}api/{name}?as_of=2005-12-31&year=2005")
            assert kind == "application/json"
            rows = json.loads(body)
            assert len(rows) == expected.num_rows
            assert [r[expected.column_names[0]] for r in rows] == expected.column(0).to_pylist()
        # A polars client reads the stream as it reads any Arrow IPC stream.
        pl = pytest.importorskip("polars")
        _, _, body = fetch(f"{server}api/parcels?status=completed&format=arrow")
        frame = pl.read_ipc_stream(io.BytesIO(body))
        assert frame.height == len(db.parcels(status="completed"))
        assert set(frame["status"].to_list()) == {"completed"}

        report = db.annual_report(2005)
        status, _, body = fetch(f"{server}api/report/2005")
        served = json.loads(body)
        for key in ("requisitioned_mu", "supplied_mu", "idle_mu", "tax_yuan", "disbursed_yuan"):
            assert Decimal(served[key]) == getattr(report, key), key
        assert served["projects_signed"] == report.projects_signed
        assert served["text"] == report.text()
        summary = db.land_summary("2005-06-30")
        served = json.loads(fetch(f"{server}api/summary?as_of=2005-06-30")[2])
        assert served["parcel_count"] == summary.parcel_count
        assert Decimal(served["supplied_mu"]) == summary.supplied_mu
    finally:
        db.close()


def test_bad_requests_get_messages_not_traces(server: str) -> None:
    status, kind, body = fetch(f"{server}api/parcels?as_of=31/31/2005")
    assert status == 400 and kind == "application/json"
    assert "not a date" in json.loads(body)["message"]
    status, kind, body = fetch(f"{server}enterprises/424242")
    assert status == 404 and kind.startswith("text/html")
    assert "Traceback" not in body.decode() and "panicked" not in body.decode()


def test_a_token_is_needed_beyond_loopback(zone: pathlib.Path) -> None:
    refused = subprocess.run(
        [sys.executable, "-m", "parkdb", "--db", str(zone), "serve", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    assert "--token" in refused.stderr
    with serving(zone, "--token", "a-long-enough-token") as (url, lines):
        assert fetch(f"{url}api/parcels")[0] == 401
        ok = fetch(f"{url}api/parcels", {"Authorization": "Bearer a-long-enough-token"})
        assert ok[0] == 200
        assert "login?code=" in lines[1]


def _browser() -> object:
    chromium = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    assert chromium and driver, (
        "the browser test needs chromium and chromium-driver from the distribution "
        "(the README's test command installs them)"
    )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1800"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(driver), options=options)


def test_the_dashboard_in_a_real_browser(zone: pathlib.Path, server: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    db = parkdb.open(zone, read_only=True)
    report = db.annual_report(2005)
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser = _browser()
    try:
        # The overview: the seed's figures, its text and the map.
        browser.get(f"{server}?year=2005")
        assert "2005" in browser.title
        figure = lambda key: browser.find_element(By.CSS_SELECTOR, f'#report-figures [data-figure="{key}"]')
        for key in ("requisitioned_mu", "developed_mu", "certified_mu", "supplied_mu", "idle_mu"):
            assert Decimal(figure(key).get_attribute("textContent")) == getattr(report, key), key
        land = lambda key: browser.find_element(By.CSS_SELECTOR, f'#land-figures [data-figure="{key}"]').text
        assert Decimal(land("requisitioned_mu")) == report.requisitioned_mu
        assert browser.find_element(By.ID, "report-text").text.split() == report.text().split()
        assert len(browser.find_elements(By.CSS_SELECTOR, "#map svg path.parcel")) > 0
        browser.save_screenshot(str(SHOTS / "overview.png"))

        # A figure opens its explanation: one row per part, as the API says.
        browser.get(f"{server}explain/2005/certified_mu")
        rows = browser.find_elements(By.CSS_SELECTOR, "#explanation tbody tr")
        parts = report.explain("certified_mu").to_arrow()
        assert len(rows) == parts.num_rows > 0
        assert "certified_mu" in browser.title
        browser.save_screenshot(str(SHOTS / "explain.png"))
        browser.get(f"{server}?year=2005")

        # The English labels behind the toggle.
        heading = browser.find_element(By.CSS_SELECTOR, "#land-figures th")
        assert heading.text == "地块数"
        browser.find_element(By.ID, "lang-toggle").click()
        assert heading.text == "Parcels"
        browser.find_element(By.ID, "lang-toggle").click()

        # A click on a parcel of the map opens its profile.
        browser.find_element(By.CSS_SELECTOR, '#map path.parcel[data-code="GP-001"]').click()
        WebDriverWait(browser, 20).until(lambda b: "/parcels/GP-001" in b.current_url)
        facts = {
            dd.get_attribute("data-field"): dd.text
            for dd in browser.find_elements(By.CSS_SELECTOR, "#facts dd")
        }
        # Chinese labels first, the column's name behind the toggle.
        assert browser.find_element(By.CSS_SELECTOR, "#facts dt").text == "地块序号"
        parcel = db.parcel("GP-001")
        assert facts["code"] == "GP-001"
        assert Decimal(facts["area_mu"]) == parcel["area_mu"]
        assert facts["status"] == parcel["status"]
        assert len(browser.find_elements(By.CSS_SELECTOR, "#timeline li")) == len(db.history("parcel", "GP-001"))
        browser.save_screenshot(str(SHOTS / "parcel.png"))

        # The parcels table: a filter clicked, the rows counted.
        browser.get(f"{server}parcels")
        total = int(browser.find_element(By.ID, "row-count").get_attribute("data-total"))
        assert total == len(db.parcels())
        Select(browser.find_element(By.CSS_SELECTOR, 'select.facet[data-column="status"]')).select_by_value("completed")
        WebDriverWait(browser, 20).until(lambda b: "status=completed" in b.current_url)
        shown = int(browser.find_element(By.ID, "row-count").get_attribute("data-total"))
        assert shown == len(db.parcels(status="completed")) and 0 < shown < total
        statuses = {td.text for td in browser.find_elements(By.CSS_SELECTOR, "#table tbody tr td:nth-child(5)")}
        assert statuses == {"completed"}
        browser.save_screenshot(str(SHOTS / "parcels.png"))

        # The evaluation: grades counted as the Python API grades.
        graded = db.evaluate(parkdb.schemes.huangyan_2022(), 2005).to_pylist()
        browser.get(f"{server}evaluate/huangyan_2022/2005")
        counts: dict[str, int] = {}
        for row in graded:
            if row["grade"]:
                counts[row["grade"]] = counts.get(row["grade"], 0) + 1
        for grade, n in counts.items():
            element = browser.find_element(By.CSS_SELECTOR, f'#grade-counts [data-grade="{grade}"] b')
            assert int(element.text) == n, grade
        assert len(browser.find_elements(By.CSS_SELECTOR, "#map svg path.parcel")) > 0
        browser.save_screenshot(str(SHOTS / "evaluate.png"))

        # An enterprise's profile with its yearly chart.
        browser.get(f"{server}enterprises/1")
        assert browser.find_elements(By.CSS_SELECTOR, "#chart svg rect.bar")
        browser.save_screenshot(str(SHOTS / "enterprise.png"))
    finally:
        browser.quit()
        db.close()


def test_the_dashboard_guides_arrow_client_runs_against_a_server(zone: pathlib.Path, server: str) -> None:
    """docs/dashboard.md's Python block, with the guide's URL pointed at
    this test's server."""
    import re

    guide = (pathlib.Path(__file__).parents[2] / "docs" / "dashboard.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", guide, re.S).group(1)
    assert "http://127.0.0.1:8090/" in code
    scope: dict = {}
    exec(compile(code.replace("http://127.0.0.1:8090/", server), "docs/dashboard.md", "exec"), scope)  # noqa: S102
    db = parkdb.open(zone, read_only=True)
    try:
        assert scope["parcels"].num_rows == len(db.parcels())
    finally:
        db.close()


@pytest.mark.parametrize("how", ["command", "module"])
def test_ctrl_c_stops_the_server_without_a_traceback(zone: pathlib.Path, how: str) -> None:
    """Ctrl-C in the terminal running ``parkdb serve`` (the installed
    command or ``python -m parkdb``): it stops, exit status 0 or 130, and
    Python prints no traceback."""
    import signal

    command = pathlib.Path(sys.executable).parent / "parkdb"
    argv = [str(command)] if how == "command" else [sys.executable, "-m", "parkdb"]
    proc = subprocess.Popen(
        [*argv, "--db", str(zone), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready and proc.stdout is not None
        assert "serving" in proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode in (0, 130), (proc.returncode, err)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err

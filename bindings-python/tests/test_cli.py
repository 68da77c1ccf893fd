"""The wheel installs the ``parkdb`` command: the same command line as the
Rust binary, with no Rust toolchain."""

import pathlib
import subprocess
import sys

import pytest

COMMAND = pathlib.Path(sys.executable).parent / "parkdb"


def run(*args, cwd):
    return subprocess.run([str(COMMAND), *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_installed_command_builds_and_reports(tmp_path):
    assert COMMAND.exists(), "pip install of the wheel puts parkdb beside python"
    done = run("--db", "zone.parkdb", "example", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = run("--db", "zone.parkdb", "report", "2005", cwd=tmp_path)
    assert done.returncode == 0 and "征地" in done.stdout, done.stderr
    done = run("--db", "zone.parkdb", "map", "--out", "地块图.svg", cwd=tmp_path)
    assert done.returncode == 0 and (tmp_path / "地块图.svg").exists(), done.stderr
    # A database the command made opens from Python.
    import parkdb

    with parkdb.open(tmp_path / "zone.parkdb", read_only=True) as db:
        assert len(db.parcels()) > 0


def test_errors_and_help_have_their_exit_status(tmp_path):
    done = run("--help", cwd=tmp_path)
    assert done.returncode == 0 and "Usage: parkdb" in done.stdout
    done = run("no-such-command", cwd=tmp_path)
    assert done.returncode == 2 and "no-such-command" in done.stderr
    done = run("--db", "missing", "summary", "--as-of", "2005-12-31", cwd=tmp_path)
    assert done.returncode == 1 and "no database" in done.stderr


def test_python_dash_m_parkdb(tmp_path):
    done = subprocess.run([sys.executable, "-m", "parkdb", "--version"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("parkdb ")


@pytest.mark.parametrize("argv", [["--version"]])
def test_the_entry_point_returns_the_status(argv, capfd):
    from parkdb._cli import main

    assert main(argv) == 0
    assert "parkdb" in capfd.readouterr().out


@pytest.mark.parametrize("how", ["command", "module"])
def test_ctrl_c_stops_a_slow_import_at_once_with_nothing_written(tmp_path, how):
    """The installed command runs inside Python, which catches SIGINT: the
    import went on to its end. Now it stops at once, exit status 130, no
    traceback, and the database holds nothing of the import."""
    import signal
    import time

    # Large enough that the import runs many times the second it is given
    # before the interrupt (60,000 rows ran about 2 s in a test build
    # until imports got quicker, and the test began to race).
    rows = "\n".join(f"GP-{i:06d},{1 + i % 50},工业,2001-01-01" for i in range(300_000))
    (tmp_path / "地块台账.csv").write_text("地块编号,面积（亩）,用途,征地日期\n" + rows + "\n", encoding="utf-8")
    assert run("--db", "park.parkdb", "init", cwd=tmp_path).returncode == 0
    argv = [str(COMMAND)] if how == "command" else [sys.executable, "-m", "parkdb"]
    proc = subprocess.Popen([*argv, "--db", "park.parkdb", "import", "地块台账.csv"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)
        assert proc.poll() is None, "the import should still be running: make the file larger"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        # A failed assertion leaves no process running and no pipe open.
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    # 130: ended by the interrupt (an import that ran to its end exits 0).
    assert proc.returncode == 130, (proc.returncode, err)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    import parkdb

    with parkdb.open(tmp_path / "park.parkdb", read_only=True) as db:
        assert len(db.parcels()) == 0

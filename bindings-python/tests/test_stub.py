"""The hand-kept stub names everything the package exports, with the same parameters."""

import ast
import inspect
import pathlib

import parkdb

STUB = pathlib.Path(parkdb.__file__).with_name("__init__.pyi")


def _stub():
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    names, methods = set(), {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names)
        if isinstance(node, ast.ClassDef):
            methods[node.name] = {
                f.name: [a.arg for a in f.args.args[1:] + f.args.kwonlyargs]
                for f in node.body
                if isinstance(f, ast.FunctionDef)
            }
    return names, methods


def test_every_export_is_in_the_stub():
    names, _ = _stub()
    assert set(parkdb.__all__) - names == set()


def test_every_write_method_has_the_native_parameters():
    _, methods = _stub()
    for name in parkdb.WRITE_METHODS:
        assert name in methods["_Writes"], name
        native = getattr(parkdb._native.Transaction, name)
        sig = inspect.signature(native)
        params = [p for p in sig.parameters if p != "self"]
        assert methods["_Writes"][name] == params, name


def test_every_read_method_is_in_the_stub():
    _, methods = _stub()
    public = {n for n, v in vars(parkdb.Database).items() if not n.startswith("_") and callable(v) and n not in parkdb.WRITE_METHODS}
    public |= {"closed", "path"}
    assert public - set(methods["Database"]) == set()


def test_the_stub_agrees_with_the_package_by_mypy_stubtest(tmp_path):
    """mypy's stubtest reads the stub and imports the package: every name,
    class and parameter (each write method's is the native method's own
    signature) must agree, defaults included; what may differ is listed,
    with why, in stubtest/allowlist.txt, and an entry no longer needed
    fails too."""
    import subprocess
    import sys

    here = pathlib.Path(__file__).parent / "stubtest"
    run = subprocess.run(
        [
            sys.executable, "-m", "mypy.stubtest", "parkdb",
            "--mypy-config-file", str(here / "mypy.ini"),
            "--allowlist", str(here / "allowlist.txt"),
        ],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Success" in run.stdout, run.stdout

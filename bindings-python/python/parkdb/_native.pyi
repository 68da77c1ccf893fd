# The native module (Rust, through pyo3), typed as a whole: parkdb's own
# stub (__init__.pyi) is its public face, checked against it by
# tests/test_stub.py (mypy.stubtest).
from typing import Any

def __getattr__(name: str) -> Any: ...

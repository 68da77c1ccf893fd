"""The ``parkdb`` command that the wheel installs: the same command line as
the Rust binary, run by the native module (no Rust toolchain needed)."""

from __future__ import annotations

import sys

from . import _native


def main(argv: list[str] | None = None) -> int:
    """Runs ``parkdb`` with ``argv`` (default: the process's arguments)."""
    args = sys.argv if argv is None else ["parkdb", *argv]
    sys.stdout.flush()
    return int(_native.cli([str(a) for a in args]))


if __name__ == "__main__":  # pragma: no cover - run as a module
    sys.exit(main())

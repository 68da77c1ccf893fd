"""The ``parkdb`` command that the wheel installs: the same command line as
the Rust binary, run by the native module (no Rust toolchain needed)."""

from __future__ import annotations

import sys

from . import _native


def main(argv: list[str] | None = None) -> int:
    """Runs ``parkdb`` with ``argv`` (default: the process's arguments).

    Run as the command (no ``argv``), Ctrl-C ends it at once with status
    130 and no traceback, as it ends the Rust binary; nothing half-done is
    stored. Called with ``argv`` from Python code, it runs to its end."""
    as_command = argv is None
    args = sys.argv if argv is None else ["parkdb", *argv]
    sys.stdout.flush()
    return int(_native.cli([str(a) for a in args], exit_on_interrupt=as_command))


if __name__ == "__main__":  # pragma: no cover - run as a module
    sys.exit(main())

"""Random sequences of what a notebook does with transactions, against a
model (#19): begin, write, a refused write caught, rollback, commit, close
and reopen, a transaction dropped, a second begin on the same thread.
After every step the database shows exactly what the model committed, and
at the end it reopens clean with the same.

The test run takes a few dozen sequences; a longer fuzzing run:
``PARKDB_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz_transactions.py``.
"""

from __future__ import annotations

import gc
import os

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.stateful import (  # noqa: E402
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

import parkdb  # noqa: E402

CODES = st.sampled_from(["A", "B", "C", "D"])
EXAMPLES = int(os.environ.get("PARKDB_FUZZ_EXAMPLES", "40"))


class Parcels:
    """The model: each parcel's code → the id of its live 'developed'
    event, or None if it is not developed."""

    def __init__(self, developed: dict[str, int | None] | None = None) -> None:
        self.developed = dict(developed or {})

    def copy(self) -> Parcels:
        return Parcels(self.developed)


class Transactions(RuleBasedStateMachine):
    @initialize()
    def open(self) -> None:
        import tempfile

        self.dir = tempfile.mkdtemp(prefix="parkdb-fuzz-")
        self.path = os.path.join(self.dir, "zone.parkdb")
        self.db = parkdb.open(self.path)
        self.committed = Parcels()
        self.tx = None
        self.pending: Parcels | None = None
        self.stale = []

    # ---- where a write goes ----

    def target(self):
        return self.tx if self.tx is not None else self.db

    def seen(self) -> Parcels:
        return self.pending if self.pending is not None else self.committed

    def written(self, model: Parcels) -> None:
        if self.tx is not None:
            self.pending = model
        else:
            self.committed = model

    # ---- units of work ----

    @precondition(lambda self: self.tx is None)
    @rule()
    def begin(self) -> None:
        self.tx = self.db.transaction()
        self.pending = self.committed.copy()

    @precondition(lambda self: self.tx is not None)
    @rule()
    def begin_again_on_this_thread_is_refused(self) -> None:
        with pytest.raises(parkdb.ConflictError):
            self.db.transaction()

    @precondition(lambda self: self.tx is not None)
    @rule(code=CODES)
    def write_beside_the_open_transaction_is_refused(self, code: str) -> None:
        with pytest.raises(parkdb.ConflictError):
            self.db.add_parcel(code + "-outside", "1", requisitioned="2005-01-01")

    @precondition(lambda self: self.tx is not None)
    @rule()
    def commit(self) -> None:
        self.tx.commit()
        self.committed, self.tx, self.pending = self.pending, None, None

    @precondition(lambda self: self.tx is not None)
    @rule()
    def rollback(self) -> None:
        self.tx.rollback()
        self.tx, self.pending = None, None

    @precondition(lambda self: self.tx is not None)
    @rule()
    def drop(self) -> None:
        self.tx = None
        self.pending = None
        gc.collect()

    @rule()
    def close_and_reopen(self) -> None:
        if self.tx is not None:
            self.stale.append(self.tx)
        self.tx, self.pending = None, None
        self.db.close()
        self.db = parkdb.open(self.path)

    @precondition(lambda self: bool(self.stale))
    @rule()
    def a_transaction_from_before_close_cannot_commit(self) -> None:
        stale = self.stale.pop()
        with pytest.raises(parkdb.StorageError):
            stale.add_parcel("LATE", "1", requisitioned="2005-01-01")
        with pytest.raises(parkdb.StorageError):
            stale.commit()

    # ---- writes ----

    @rule(code=CODES)
    def add(self, code: str) -> None:
        model = self.seen().copy()
        if code in model.developed:
            with pytest.raises(parkdb.ConflictError):
                self.target().add_parcel(code, "1", requisitioned="2005-01-01")
            return
        self.target().add_parcel(code, "1", requisitioned="2005-01-01")
        model.developed[code] = None
        self.written(model)

    @rule(code=CODES)
    def develop(self, code: str) -> None:
        model = self.seen().copy()
        if code not in model.developed:
            with pytest.raises(parkdb.NotFoundError):
                self.target().develop(code, "2005-02-01")
        elif model.developed[code] is not None:
            with pytest.raises(parkdb.LifecycleError):
                self.target().develop(code, "2005-02-01")
        else:
            model.developed[code] = self.target().develop(code, "2005-02-01")
            self.written(model)

    @rule(code=CODES)
    def void_the_development(self, code: str) -> None:
        model = self.seen().copy()
        event = model.developed.get(code)
        if event is None:
            return
        self.target().void(event, reason="entered by mistake")
        model.developed[code] = None
        self.written(model)

    @rule(code=CODES, which=st.sampled_from(["void creation", "zero area", "void nothing", "control"]))
    def refused_and_caught(self, code: str, which: str) -> None:
        """A refusal caught inside the unit leaves nothing of itself."""
        target = self.target()
        if which == "void creation":
            # A committed parcel's history reads outside the open unit too.
            if code not in self.committed.developed:
                return
            first = self.db.history("parcel", code).to_pylist()[0]["event_id"]
            with pytest.raises(parkdb.LifecycleError):
                target.void(first, reason="wrong")
        elif which == "zero area":
            with pytest.raises(parkdb.ValidationError):
                target.add_parcel(code + "-0", "0", requisitioned="2005-01-01")
        elif which == "void nothing":
            with pytest.raises(parkdb.NotFoundError):
                target.void(10**9, reason="wrong")
        else:
            with pytest.raises(parkdb.ValidationError):
                target.add_parcel(code + "\x1b[0m", "1", requisitioned="2005-01-01")

    # ---- what a reader sees ----

    @invariant()
    def the_database_shows_what_was_committed(self) -> None:
        if not hasattr(self, "db"):
            return
        rows = self.db.parcels().to_pylist()
        shown = {r["code"]: r["developed"] for r in rows}
        assert shown == {c: e is not None for c, e in self.committed.developed.items()}

    def teardown(self) -> None:
        if not hasattr(self, "db"):
            return
        self.tx = None
        self.stale.clear()
        gc.collect()
        self.db.close()
        again = parkdb.open(self.path)
        try:
            assert again.check().clean
            shown = {r["code"]: r["developed"] for r in again.parcels().to_pylist()}
            assert shown == {c: e is not None for c, e in self.committed.developed.items()}
        finally:
            again.close()
            import shutil

            shutil.rmtree(self.dir, ignore_errors=True)


Transactions.TestCase.settings = settings(
    max_examples=EXAMPLES, stateful_step_count=30, deadline=None, database=None
)
test_transactions_against_a_model = Transactions.TestCase

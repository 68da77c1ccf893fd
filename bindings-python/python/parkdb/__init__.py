"""parkdb: an embedded database for an industrial park and the district
science & technology bureau that funds its firms.

>>> import parkdb
>>> db = parkdb.open()                      # a temporary database
>>> p = db.add_parcel("GP-017", "52.7272", land_use="industrial", requisitioned="2001-05-01")
>>> db.land_summary(as_of="2001-12-31").requisitioned_mu
Decimal('52.7272')
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
import threading
import weakref
from typing import Any, Callable

from . import _native
from ._reports import CheckReport, LandFigures, LandSummary
from ._table import Table
from .errors import (
    ConflictError,
    CorruptError,
    Error,
    IncompatibleFormatError,
    LifecycleError,
    NotFoundError,
    StorageError,
    ValidationError,
)

__version__ = "0.1.0"
FORMAT_VERSION: int = _native.FORMAT_VERSION

#: The write methods; on a ``Database`` each is its own transaction, on a
#: ``Transaction`` each joins the open one.
WRITE_METHODS = (
    "add_enterprise",
    "add_parcel",
    "develop",
    "certify",
    "allocate",
    "start_construction",
    "complete_construction",
    "declare_idle",
    "reclaim",
    "transfer",
    "split",
    "void",
    "set_policy",
)

LAND_USES = ("industrial", "commercial_residential", "commercial", "logistics", "public", "other")
SUPPLY_METHODS = ("tender", "auction", "listing", "agreement", "allocation")
PARCEL_STATUSES = ("reserve", "allocated", "under_construction", "completed", "retired")

_open_lock = threading.Lock()
_open_databases: weakref.WeakValueDictionary[str, Database] = weakref.WeakValueDictionary()


class Transaction:
    """A unit of work: every write made through it is stored together at the
    end of the ``with`` block, or, if the block raises, none is."""

    def __init__(self, db: Database, native: Any) -> None:
        self._db = db
        self._native = native

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc_type is None and self._native.active:
                self._native.commit()
            else:
                self._native.rollback()
        finally:
            self._db._tx_done()

    def commit(self) -> None:
        """Stores every write of the transaction and ends it."""
        try:
            self._native.commit()
        finally:
            self._db._tx_done()

    def rollback(self) -> None:
        """Ends the transaction without writing anything."""
        self._native.rollback()
        self._db._tx_done()


def _tx_method(name: str) -> Callable[..., Any]:
    native = getattr(_native.Transaction, name)

    @functools.wraps(native)
    def method(self: Transaction, *args: Any, **kwargs: Any) -> Any:
        return getattr(self._native, name)(*args, **kwargs)

    return method


def _db_method(name: str) -> Callable[..., Any]:
    native = getattr(_native.Transaction, name)

    @functools.wraps(native)
    def method(self: Database, *args: Any, **kwargs: Any) -> Any:
        with self.transaction() as tx:
            return getattr(tx, name)(*args, **kwargs)

    return method


for _name in WRITE_METHODS:
    setattr(Transaction, _name, _tx_method(_name))


class Database:
    """An open parkdb database. Use ``parkdb.open(path)``; it is also a
    context manager that closes the database at the end of the block."""

    def __init__(self, native: Any) -> None:
        self._native = native
        self._local = threading.local()

    # ---- life ----

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Flushes and closes this handle; later calls raise ``StorageError``."""
        self._native.close()

    @property
    def closed(self) -> bool:
        return bool(self._native.closed)

    @property
    def path(self) -> str | None:
        """The database directory, or ``None`` for a temporary database."""
        return self._native.path

    def __repr__(self) -> str:
        where = self.path if not self.closed else "closed"
        return f"<parkdb.Database {where or 'temporary'}>"

    def _repr_html_(self) -> str:
        return f"<p><b>parkdb.Database</b> {self!r}</p>"

    # ---- writing ----

    def transaction(self) -> Transaction:
        """A unit of work: ``with db.transaction() as tx: tx.add_parcel(...)``.

        One transaction is open at a time; another thread waits for it. A
        write on the database itself from the thread that holds an open
        transaction is refused (it would wait for itself).
        """
        if getattr(self._local, "open", False):
            raise ConflictError(
                "a transaction is already open in this thread; write through it, "
                "or end it before writing on the database"
            )
        tx = Transaction(self, self._native.begin())
        self._local.open = True
        return tx

    def _tx_done(self) -> None:
        self._local.open = False

    def flush(self) -> None:
        """Makes every write so far durable."""
        self._native.flush()

    def backup(self, path: str | os.PathLike[str]) -> None:
        """Writes a consistent copy of the database to a new directory."""
        self._native.backup(os.fspath(path))

    # ---- reading ----

    def parcel(self, key: int | str, as_of: Any = None, known_at: Any = None) -> dict[str, Any]:
        """One parcel by id or code, as a dict of the parcels table's columns."""
        return Table(self._native.parcel(key, as_of, known_at)).to_pylist()[0]

    def parcels(
        self,
        as_of: Any = None,
        status: str | None = None,
        holder: int | None = None,
        land_use: str | None = None,
        known_at: Any = None,
    ) -> Table:
        """The parcels table, filtered; ``idle`` is derived as of ``as_of`` (or today)."""
        return Table(self._native.parcels(as_of, known_at, status, holder, land_use))

    def enterprises(self, as_of: Any = None, known_at: Any = None) -> Table:
        """The enterprise register."""
        return Table(self._native.enterprises(as_of, known_at))

    def history(self, kind: str, key: int | str, known_at: Any = None) -> Table:
        """Every event of a ``"parcel"`` or ``"enterprise"``, voids included."""
        return Table(self._native.history(kind, key, known_at))

    def land_summary(self, as_of: Any = None, known_at: Any = None) -> LandSummary:
        """The land ledger's figures as of a date (default: today)."""
        if as_of is None:
            as_of = _dt.date.today()
        return LandSummary._from(self._native.land_summary(as_of, known_at))

    def check(self) -> CheckReport:
        """Checks every record against its events and every index entry."""
        return CheckReport(**self._native.check())

    def size_on_disk(self) -> int:
        return int(self._native.size_on_disk())


for _name in WRITE_METHODS:
    setattr(Database, _name, _db_method(_name))


def open(path: str | os.PathLike[str] | None = None, *, durability: str = "immediate") -> Database:  # noqa: A001
    """Opens (creating if needed) the database in directory ``path``.

    Without a path, a temporary database that disappears when closed.
    Opening a path this process already has open returns the same
    ``Database``, so re-running a notebook cell works. ``durability`` is
    ``"immediate"`` (every write flushed before it returns) or
    ``"eventual"`` (flushed in the background within about half a second).
    """
    if path is None:
        return Database(_native.temporary())
    key = os.path.realpath(os.fspath(path))
    with _open_lock:
        db = _open_databases.get(key)
        if db is not None and not db.closed:
            return db
        db = Database(_native.open(os.fspath(path), durability))
        _open_databases[key] = db
        return db


def example(path: str | os.PathLike[str] | None = None) -> Database:
    """The seed's example zone, built into a new database (temporary without a path)."""
    db = open(path)
    _native.build_example(db._native)
    return db


def validate_credit_code(code: str) -> bool:
    """True when ``code`` is a valid unified social credit code (GB 32100-2015)."""
    return bool(_native.validate_credit_code(code))


__all__ = [
    "FORMAT_VERSION",
    "LAND_USES",
    "PARCEL_STATUSES",
    "SUPPLY_METHODS",
    "WRITE_METHODS",
    "CheckReport",
    "ConflictError",
    "CorruptError",
    "Database",
    "Error",
    "IncompatibleFormatError",
    "LandFigures",
    "LandSummary",
    "LifecycleError",
    "NotFoundError",
    "StorageError",
    "Table",
    "Transaction",
    "ValidationError",
    "example",
    "open",
    "validate_credit_code",
]


"""parkdb: an embedded database for an industrial park and the district
science & technology bureau that funds its firms.

>>> import parkdb
>>> db = parkdb.open()                      # a temporary database
>>> p = db.add_parcel("GP-017", "52.7272", land_use="industrial", requisitioned="2001-05-01")
>>> db.land_summary(as_of="2001-12-31").requisitioned_mu
Decimal('52.7272')
"""

from __future__ import annotations

import os
import threading
import weakref

from . import _native
from . import schemes
from ._database import KNOWN_AT as KNOWN_AT  # published before the move; not in __all__
from ._database import Database, Map, PlanProgress, _scheme_dict
from ._transaction import WRITE_METHODS, Transaction
from ._reports import AnnualReport, CheckReport, DatasetCheck, LandFigures, LandSummary, ProvinceReport
from ._table import Table
from .errors import (
    ClosedError,
    ConflictError,
    ReadOnlyError,
    CorruptError,
    Error,
    IncompatibleFormatError,
    InternalError,
    InUseError,
    LedgerError,
    LifecycleError,
    NotFoundError,
    StorageError,
    ValidationError,
)

# Published as parkdb's own (their modules are where they are kept).
for _cls in (Database, Transaction, Map, PlanProgress):
    _cls.__module__ = __name__

__version__: str = _native.__version__
FORMAT_VERSION: int = _native.FORMAT_VERSION

#: Each coded vocabulary as parkdb defines it (in Rust, once): name →
#: {code: Chinese term}, in order. ``TERMS["LAND_USES"]["industrial"]`` is
#: ``"工业"``; every write and filter takes the code or the term.
TERMS: dict[str, dict[str, str]] = {
    name: dict(values) for name, values in _native.VOCABULARY.items()
}
LAND_USES: tuple[str, ...] = tuple(TERMS["LAND_USES"])
SUPPLY_METHODS: tuple[str, ...] = tuple(TERMS["SUPPLY_METHODS"])
PARCEL_STATUSES: tuple[str, ...] = tuple(TERMS["PARCEL_STATUSES"])
ENTERPRISE_STATUSES: tuple[str, ...] = tuple(TERMS["ENTERPRISE_STATUSES"])
APPLICATION_STATUSES: tuple[str, ...] = tuple(TERMS["APPLICATION_STATUSES"])
AWARD_KINDS: tuple[str, ...] = tuple(TERMS["AWARD_KINDS"])

_open_lock = threading.Lock()
_open_databases: weakref.WeakValueDictionary[str, Database] = weakref.WeakValueDictionary()



def open(  # noqa: A001
    path: str | os.PathLike[str] | None = None,
    *,
    durability: str = "immediate",
    read_only: bool = False,
    wait: float = 2.0,
    by: str | None = None,
) -> Database:
    """Opens (creating if needed) the database in directory ``path``.

    Without a path, a temporary database that disappears when closed.
    Opening a path this process already has open returns the same
    ``Database``, so re-running a notebook cell works. ``durability`` is
    ``"immediate"`` (every write flushed before it returns) or
    ``"eventual"`` (flushed in the background within about half a second).

    ``read_only=True`` takes a snapshot instead: the database's files are
    copied aside and opened there, so the handle holds no lock, any number
    of notebooks and processes can read while one writes, and writes raise
    ``ReadOnlyError``. ``refresh()`` takes a new snapshot with what was
    written since. While a writer is flushing, a copy may be torn: it is
    taken again for at most ``wait`` seconds, then ``InUseError``. A writer
    that runs for long should flush (``durability="immediate"``, the
    default) so that readers see its work, or write ``backup()`` copies on
    a schedule for them.

    ``by`` names who writes through the handle (``Database.by``): each
    event keeps it as its source.
    """
    if read_only:
        if path is None:
            refused = ValidationError("invalid path: a read-only handle needs the path of a database")
            refused.field, refused.reason = "path", "a read-only handle needs the path of a database"
            raise refused
        return Database(_native.open_read_only(os.fspath(path), wait))
    if path is None:
        db = Database(_native.temporary())
        if by is not None:
            db.by = by
        return db
    key = os.path.realpath(os.fspath(path))
    with _open_lock:
        db = _open_databases.get(key)
        # In a child made by os.fork() this is the parent's handle, which
        # refuses every call with a StorageError that says so.
        if db is not None and not db.closed:
            if by is not None:
                db.by = by
            return db
        db = Database(_native.open(os.fspath(path), durability))
        if by is not None:
            db.by = by
        _open_databases[key] = db
        return db


def example(path: str | os.PathLike[str] | None = None) -> Database:
    """The seed's example zone, built into a new database (temporary without a path).

    A path that holds a database with data is refused (``ValidationError``)."""
    db = open(path)
    _native.build_example(db._native)
    return db


def evaluate_dataset(
    path: str | os.PathLike[str], scheme: schemes.Scheme | str, year: int, *, parks: list[str] | None = None
) -> Table:
    """Evaluates every firm of every park in a Parquet dataset (written by
    ``Database.export_parquet``) with ``scheme`` on ``year``'s figures, as one
    ranking; no database is opened. Columns: ``park``, ``land_as_of`` (the
    date the park's land was read as of), then those of
    ``Database.evaluate`` with each firm's id in its park. Where a scheme's
    benchmarks are absolute (and its missing items score zero) each firm
    scores as in its park alone.

    ``parks=["east", "west"]`` takes those parks alone (all by default).
    Every park taken must have been exported as of the year's end or later:
    those that were not are named together in one ``ValidationError``,
    which says how to leave them out — never mixed in, never dropped in
    silence.

    Each file is checked against its park's manifest; an export interrupted
    after its commit is finished first. Raises ``ValidationError`` (parks
    exported before the year's end: their firms' land then is not in the
    dataset; a park the dataset does not hold; a scheme with exemptions; a
    directory with no park), ``CorruptError`` (a file that does not match
    its manifest, a park whose manifest is missing or copied, see
    ``check_dataset``)."""
    return Table(_native.evaluate_dataset(os.fspath(path), _scheme_dict(scheme), year, parks))


def province_report(
    path: str | os.PathLike[str],
    scheme: schemes.Scheme | str,
    year: int,
    *,
    xlsx: str | os.PathLike[str] | None = None,
    parks: list[str] | None = None,
) -> ProvinceReport:
    """The province report of a Parquet dataset's parks for ``year``: per park
    the land requisitioned, supplied, idle and reclaimed, firms by grade in
    one evaluation across the parks (``evaluate_dataset``), and tax and value
    added per mu of the firms evaluated, ranked by tax per mu. With ``xlsx``
    it is also written as a workbook; ``parks=`` chooses the parks as in
    ``evaluate_dataset``. A park with no firm evaluated says why in the
    text. Raises as ``evaluate_dataset``."""
    rows, text = _native.province_report(
        os.fspath(path), _scheme_dict(scheme), year, None if xlsx is None else os.fspath(xlsx), parks
    )
    return ProvinceReport(year, scheme.name, Table(rows), text)


#: The bounds of what ``Database.import_ledgers`` reads from one file (see there).
IMPORT_LIMITS: dict[str, int] = dict(_native.IMPORT_LIMITS)


def check_dataset(path: str | os.PathLike[str]) -> DatasetCheck:
    """Checks a Parquet dataset (written by ``Database.export_parquet``)
    whole: every park with its as-of, its tables' rows and checksums (each
    file read back), and every problem — a partition without its manifest,
    a manifest copied from another park or naming files that are missing,
    a file no manifest names, a damaged file — each naming its park.
    ``evaluate_dataset`` and ``province_report`` refuse a dataset with such
    problems (``CorruptError``) rather than leave a park out or count one
    twice. Raises ``ValidationError`` for a directory with no park at all."""
    return DatasetCheck(**_native.check_dataset(os.fspath(path)))


def validate_credit_code(code: str) -> bool:
    """True when ``code`` is a valid unified social credit code (GB 32100-2015)."""
    return bool(_native.validate_credit_code(code))


__all__ = [
    "APPLICATION_STATUSES",
    "AWARD_KINDS",
    "ENTERPRISE_STATUSES",
    "FORMAT_VERSION",
    "LAND_USES",
    "PARCEL_STATUSES",
    "SUPPLY_METHODS",
    "WRITE_METHODS",
    "PlanProgress",
    "AnnualReport",
    "CheckReport",
    "IMPORT_LIMITS",
    "DatasetCheck",
    "check_dataset",
    "ClosedError",
    "ConflictError",
    "ReadOnlyError",
    "CorruptError",
    "InUseError",
    "LedgerError",
    "InternalError",
    "Database",
    "Error",
    "IncompatibleFormatError",
    "LandFigures",
    "LandSummary",
    "LifecycleError",
    "NotFoundError",
    "StorageError",
    "Map",
    "ProvinceReport",
    "Table",
    "Transaction",
    "ValidationError",
    "evaluate_dataset",
    "example",
    "open",
    "province_report",
    "schemes",
    "validate_credit_code",
]


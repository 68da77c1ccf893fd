"""The exceptions parkdb raises.

Every error says what was refused and why; after an error from a write,
nothing of that write was stored. Inside a transaction the rest of the
transaction is kept and goes on (statement atomicity, as in SQLite): if
the error leaves the ``with db.transaction()`` block, nothing of the
transaction is stored; if it is caught inside, the other writes commit.
To undo a group of writes together while the transaction goes on, write
them in ``with tx.savepoint():``.
"""


class Error(Exception):
    """Base class of every parkdb error."""


class ValidationError(Error, ValueError):
    """Input that can never be right: a malformed or out-of-range value.

    Attributes: ``field``, ``reason``.
    """


class LedgerError(ValidationError):
    """Rows of ledgers (台账) that cannot be imported; nothing was written.

    The message lists every problem; ``problems`` holds them as dicts with
    ``sheet``, ``row``, ``column`` and ``reason``. A file beyond a bound of
    what an import reads (``parkdb.IMPORT_LIMITS``) is refused before it is
    read whole; ``limit`` then names the bound (``"inflated_bytes"``,
    ``"rows"``…), which ``import_ledgers(…, limits={name: n})`` raises.
    """

    problems: list[dict[str, object]]
    limit: str | None = None


class LifecycleError(Error, ValueError):
    """A step the entity's lifecycle does not allow (allocating a held parcel, …).

    Attributes: ``entity``, ``subject``, ``rule`` (the rule in words, with
    the case's dates and amounts) and ``kind``, the rule's code to branch
    on: ``not_created``, ``already_exists``, ``out_of_order``,
    ``already_done``, ``not_allowed_now``, ``in_reserve``,
    ``already_held``, ``split``, ``amount``, ``no_such_item``, ``ended``,
    ``policy``, ``void`` (more may come).
    """

    entity: str
    subject: str
    rule: str
    kind: str


class NotFoundError(Error, KeyError):
    """The entity or event does not exist (or did not at the date asked).

    Attributes: ``entity``, ``key``.
    """

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ConflictError(Error):
    """The write clashes with what is stored (a duplicate code, …).

    Attributes: ``entity``, ``key``, ``reason``.
    """


class StorageError(Error):
    """The storage engine failed, the database is closed or in use by another process."""


class CorruptError(StorageError):
    """Stored bytes that cannot be what parkdb wrote."""


class IncompatibleFormatError(StorageError):
    """The database was written by a newer parkdb."""


class InUseError(StorageError):
    """Another process has the database open.

    Attributes: ``path``.
    """


class ReadOnlyError(StorageError):
    """A write through a read-only handle (``parkdb.open(path, read_only=True)``)."""


class ClosedError(StorageError):
    """The database was closed, or the transaction has ended."""


class InternalError(Error):
    """A fault of parkdb itself, never of the caller's input: please report it."""


__all__ = [
    "LedgerError",
    "ClosedError",
    "ConflictError",
    "CorruptError",
    "Error",
    "InUseError",
    "IncompatibleFormatError",
    "InternalError",
    "LifecycleError",
    "NotFoundError",
    "ReadOnlyError",
    "StorageError",
    "ValidationError",
]

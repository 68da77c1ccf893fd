"""``Transaction``, a unit of work, and the write methods it shares with
``Database``: each is the native method of that name, whose docstring
(written once, in Rust) says what it records, what it refuses and an
example; the footer here adds what every write takes."""

from __future__ import annotations

import contextlib
import functools
from typing import TYPE_CHECKING, Any, Callable, Iterator

from . import _native

if TYPE_CHECKING:
    from ._database import Database

#: The write methods; on a ``Database`` each is its own transaction, on a
#: ``Transaction`` each joins the open one. Read from the native module, in
#: alphabetical order: a write method bound there is published here.
WRITE_METHODS: tuple[str, ...] = tuple(
    name
    for name in sorted(vars(_native.Transaction))
    if not name.startswith("_") and name not in ("commit", "rollback", "active")
)

_DATES = "Dates are ``datetime.date`` or ``\"YYYY-MM-DD\"``, from 1900 to 2200."
_EXACT = (
    "Areas and money take ``int``, ``str`` (``\"1,205.5\"``) or ``Decimal`` exactly; a ``str`` may "
    "name its unit (``\"1.867291公顷\"``, ``\"21587㎡\"``, ``\"129.89万元\"``, ``\"1.2亿元\"``). "
    "Areas are kept to 0.000001 亩 (公顷 to 6 places and ㎡ to 2 are exact) and money to the fen; "
    "an input that needs more places is refused, never rounded. A float is rounded to the places "
    "its unit keeps exactly (six of 亩 and 公顷, two of ㎡ and 元)."
)

FOOTER = f"""

{_DATES} {_EXACT}
On a ``Database`` the write is a transaction of its own; on a
``Transaction`` it joins the open one."""


class Transaction:
    """A unit of work: every write made through it is stored together at the
    end of the ``with`` block, or, if the block raises, none is."""

    def __init__(self, db: Database, native: Any) -> None:
        self._db = db
        self._native = native

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None and self._native.active:
            self._native.commit()
        else:
            self._native.rollback()

    def commit(self) -> None:
        """Stores every write of the transaction and ends it."""
        self._native.commit()

    def rollback(self) -> None:
        """Ends the transaction without writing anything."""
        self._native.rollback()

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        """A group of writes inside the transaction that is undone together
        if the block raises, while the transaction goes on (a write that is
        refused undoes only itself; see ``parkdb.errors``)::

            with db.transaction() as tx:
                tx.add_parcel("GP-1", "10", requisitioned="2005-01-01")
                try:
                    with tx.savepoint():
                        tx.add_parcel("GP-2", "5", requisitioned="2005-01-01")
                        tx.develop("GP-2", "2004-01-01")  # refused: before its requisition
                except parkdb.LifecycleError:
                    pass  # GP-2 is not added either; GP-1 is
        """
        self._native._begin_savepoint()
        try:
            yield
        except BaseException:
            self._native._end_savepoint(True)
            raise
        self._native._end_savepoint(False)


def _published(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
    """The write method ``name`` as the package publishes it: the native
    method's signature and docstring, with the footer every write shares,
    made by ``call(self, native_method_name, args, kwargs)``."""
    native = getattr(_native.Transaction, name)

    @functools.wraps(native)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return call(self, name, args, kwargs)

    method.__doc__ = (native.__doc__ or "").rstrip() + FOOTER
    return method


def _tx_method(name: str) -> Callable[..., Any]:
    """A write that joins the open transaction."""
    return _published(name, lambda tx, n, args, kwargs: getattr(tx._native, n)(*args, **kwargs))


def _in_own_transaction(db: Database, name: str, args: Any, kwargs: Any) -> Any:
    with db.transaction() as tx:
        return getattr(tx, name)(*args, **kwargs)


def _db_method(name: str) -> Callable[..., Any]:
    """A write that is a transaction of its own."""
    return _published(name, _in_own_transaction)


for _name in WRITE_METHODS:
    setattr(Transaction, _name, _tx_method(_name))

"""Transactions of the service layer, and units that skip needless savepoints.

A service write runs in `write_transaction()`: on its own it is a transaction (or a savepoint
inside a caller's transaction), so a caller may catch its error and go on. Inside a
`rollback_unit()` the caller promises to roll the whole unit back on any error, so the writes
in it take no savepoints of their own: the offline sync applies each entry as one unit and
saves two queries per write.
"""

import contextlib
import contextvars

from django.db import transaction

_in_unit: contextvars.ContextVar[bool] = contextvars.ContextVar("feltbok_in_unit", default=False)


def write_transaction():
    """The transaction of one service write (no savepoint inside a rollback unit)."""
    return transaction.atomic(savepoint=not _in_unit.get())


@contextlib.contextmanager
def rollback_unit():
    """A savepoint rolled back as a whole on any error raised inside it."""
    token = _in_unit.set(True)
    try:
        with transaction.atomic():
            yield
    finally:
        _in_unit.reset(token)

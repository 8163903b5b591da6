"""Plain single-row INSERTs for the offline sync's hot path.

`Model.objects.create()` builds and compiles its INSERT anew for every row; for the sync of a
thousand queued entries that costs more than the database's own work (docs/benchmarks.md).
`insert_row` runs the same INSERT from a statement built once per model: the fields' own
`pre_save` (defaults, auto_now) and `get_db_prep_save` prepare the values exactly as `save()`
would, and the new primary key is read back with RETURNING (SQLite ≥ 3.35 and PostgreSQL).

It skips what `save()` adds on top — model `save()` overrides and signals — so it is used only
for models that have neither (or whose caller does their part, as `record_encounter` does).
"""

import functools

from django.db import connection


@functools.cache
def _statement(model, vendor):
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    pk = quote(model._meta.pk.column)
    # Names from the model's own metadata, never from input.
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders}) "  # noqa: S608  # nosec B608
    return fields, sql + f"RETURNING {pk}"


def insert_row(obj):
    """INSERT `obj` as `save()` would for a new row (without overrides or signals)."""
    fields, sql = _statement(type(obj), connection.vendor)
    values = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj

"""Roll-up tables for the statistics engine: encounters counted per service, day and dimension.

Why: at 10 million encounters the plain queries read millions of rows and join the patrol and
the person for every one (ADR 0015). The roll-ups hold the same counts with the dimensions
copied in, so a year is a few thousand rows (contacts) or one narrow row per person and day
(distinct persons).

How they stay right, whoever writes: database triggers (created in migration 0003, on
PostgreSQL and SQLite alike) mark a (service, day) as stale in the same transaction as any
insert, update or delete of an encounter or a person in an encounter, and as any change of a
patrol's team or shift or a person's age band or gender. `refresh()` takes the marks before the
engine reads, and taking a mark recomputes that day from the encounters (a trigger, SQL in
rollups_sql). Writers need not know about roll-ups; tests compare both paths.
"""

import datetime

from django.db import connection, transaction

from feltbok.fieldwork.models import Encounter, EncounterKind, EncounterPerson
from feltbok.reports.models import ContactRollup, PersonDayRollup, PersonRollup, RollupStaleDay
from feltbok.reports.rollups_sql import STALE

DAYS_PER_STATEMENT = 31  # a rebuild fills a month of days per statement

# --- recomputing days -----------------------------------------------------------------------


def refresh(service_id: int) -> int:
    """Recompute the service's stale days, in one query.

    Taking the stale marks (DELETE … RETURNING) recomputes those days' roll-up rows (a trigger
    on the marks). Of two concurrent readers the second waits for the first's transaction and
    then finds nothing left to do. No savepoint: a failure fails the caller's transaction.
    """
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {STALE} WHERE service_id = %s RETURNING day",  # noqa: S608  # nosec B608
            [service_id],
        )
        days = sorted({_as_date(row[0]) for row in cursor.fetchall()})
    return len(days)


def rebuild(service_id: int, progress=None) -> int:
    """Recompute every day of the service that has encounters (`manage.py rebuild_rollups`)."""
    with transaction.atomic():
        RollupStaleDay.objects.filter(service_id=service_id).delete()
        for model in (ContactRollup, PersonRollup, PersonDayRollup):
            model.objects.filter(service_id=service_id)._raw_delete(connection.alias)
        days = sorted(
            set(
                Encounter.objects.filter(service_id=service_id)
                .values_list("local_date", flat=True)
                .distinct()
                .order_by()
            )
            | set(
                EncounterPerson.objects.filter(service_id=service_id)
                .values_list("encounter__local_date", flat=True)
                .distinct()
                .order_by()
            )
        )
        RollupStaleDay.objects.bulk_create(
            RollupStaleDay(service_id=service_id, day=day) for day in days
        )
    for i in range(0, len(days), DAYS_PER_STATEMENT):
        chunk = days[i : i + DAYS_PER_STATEMENT]
        with transaction.atomic():  # taking the marks recomputes the days (trigger)
            RollupStaleDay.objects.filter(service_id=service_id, day__in=chunk)._raw_delete(
                connection.alias
            )
        if progress:
            progress(chunk[-1], i + len(chunk), len(days))
    return len(days)


def _as_date(value):
    if isinstance(value, str):  # SQLite hands back the text
        return datetime.date.fromisoformat(value)
    return value


# --- what the engine reads ------------------------------------------------------------------

_PATHS = {
    "team": "team_id",
    "area": "area_id",
    "shift": "shift",
    "kind": "kind",
    "outreach_mode": "outreach_mode",
    "age_band": "age_band",
    "gender": "gender",
}


def source(service_id, measure_key, start, end):
    """Like statistics._source, from the roll-ups: (queryset, paths, date path, aggregate)."""
    period = {"service_id": service_id, "day__gte": start, "day__lte": end}
    if measure_key == "persons":
        return PersonDayRollup.objects.filter(**period), _PATHS, "day", ("distinct_person", None)
    if measure_key == "new_persons":
        new = PersonDayRollup.objects.filter(**period, first_contact=True)
        return new, _PATHS, "day", ("distinct_person", None)
    contacts = ContactRollup.objects.filter(**period)
    if measure_key == "anonymous":
        return contacts.filter(kind=EncounterKind.ANONYMOUS), _PATHS, "day", ("sum", "head_count")
    if measure_key == "groups":
        return contacts.filter(kind=EncounterKind.GROUP), _PATHS, "day", ("sum", "encounters")
    if measure_key == "tallies":  # head counts, for contacts split by age band or gender
        return contacts, _PATHS, "day", ("sum", "head_count")
    if measure_key == "known":  # persons in encounters, idem
        return PersonRollup.objects.filter(**period), _PATHS, "day", ("sum", "persons")
    return contacts, _PATHS, "day", ("sum", "contacts")

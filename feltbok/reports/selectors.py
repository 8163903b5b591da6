"""Aggregates for analysts: no person-level rows ever leave this module."""

import datetime
from dataclasses import dataclass

from django.db.models import Sum

from feltbok.core.access import Perm, scoped
from feltbok.fieldwork.models import Encounter
from feltbok.organisation.models import FieldArea
from feltbok.reports.disclosure import Cell, cell


@dataclass(frozen=True)
class Week:
    year: int
    number: int
    monday: datetime.date

    @property
    def label(self):
        return f"{self.year}-W{self.number:02d}"


@dataclass
class AreaRow:
    area: FieldArea
    cells: list[Cell]


def weeks_between(start: datetime.date, end: datetime.date) -> list[Week]:
    monday = start - datetime.timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        year, number, _day = monday.isocalendar()
        weeks.append(Week(year, number, monday))
        monday += datetime.timedelta(days=7)
    return weeks


def weekly_contacts_by_area(actor, start: datetime.date, end: datetime.date):
    """Contacts (persons met plus anonymous head counts) per field area and ISO week.

    Counted by the encounter's local date (kept with the row); cells from 1 to 4 are
    suppressed.
    """
    actor.require(Perm.VIEW_STATISTICS)
    weeks = weeks_between(start, end)
    per_day = (
        scoped(actor, Encounter)
        .filter(local_date__gte=weeks[0].monday, local_date__lte=end)
        .values("area_id", "local_date")
        .annotate(contacts=Sum("contact_count"))
        .order_by()
    )
    # Summing days into ISO weeks in Python keeps the SQL the same on SQLite and PostgreSQL.
    totals: dict[tuple[int, datetime.date], int] = {}
    for row in per_day:
        day = row["local_date"]
        monday = day - datetime.timedelta(days=day.weekday())
        key = (row["area_id"], monday)
        totals[key] = totals.get(key, 0) + row["contacts"]
    area_ids = {area_id for area_id, _monday in totals}
    areas = scoped(actor, FieldArea).filter(pk__in=area_ids) | scoped(actor, FieldArea).valid_on(
        end
    )
    rows = [
        AreaRow(area=area, cells=[cell(totals.get((area.pk, week.monday), 0)) for week in weeks])
        for area in areas.distinct().order_by("name")
    ]
    return weeks, rows

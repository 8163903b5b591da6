"""The team lead's week: field areas × shift types, and patrols run against the plan.

A team-internal view (it is not published), so counts are shown as they are; but it holds
aggregates only, never a person. A constant number of queries whatever the week holds.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from feltbok.core.access import Perm, scoped
from feltbok.fieldwork.models import AreaVisit, Encounter, Patrol, PlannedPatrol, Shift
from feltbok.organisation.models import FieldArea

EARLIEST_YEAR = 2000
LATEST_YEAR = 2100


class WeekError(ValueError):
    """A week that does not exist; the message is shown to the user."""


@dataclass(frozen=True)
class IsoWeek:
    year: int
    number: int

    @property
    def monday(self) -> datetime.date:
        return datetime.date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> datetime.date:
        return self.monday + datetime.timedelta(days=6)

    @property
    def previous(self) -> "IsoWeek":
        return IsoWeek.of(self.monday - datetime.timedelta(days=7))

    @property
    def next(self) -> "IsoWeek":
        return IsoWeek.of(self.monday + datetime.timedelta(days=7))

    @classmethod
    def of(cls, day: datetime.date) -> "IsoWeek":
        year, number, _weekday = day.isocalendar()
        return cls(year, number)

    @classmethod
    def parse(cls, year: int, number: int) -> "IsoWeek":
        if not EARLIEST_YEAR <= year <= LATEST_YEAR:
            raise WeekError(
                _("Choose a year from %(first)s to %(last)s.")
                % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
            )
        try:
            datetime.date.fromisocalendar(year, number, 1)
        except ValueError as exc:
            raise WeekError(
                _("There is no week %(week)s in %(year)s.") % {"week": number, "year": year}
            ) from exc
        return cls(year, number)


@dataclass(frozen=True)
class CoverageCell:
    patrols: int
    contacts: int


@dataclass
class CoverageRow:
    area: FieldArea
    cells: list[CoverageCell]  # one per shift type, in Shift order

    @property
    def patrols(self) -> int:
        return sum(cell.patrols for cell in self.cells)

    @property
    def contacts(self) -> int:
        return sum(cell.contacts for cell in self.cells)


@dataclass(frozen=True)
class ShiftSummary:
    shift: str
    label: str
    planned: int
    run: int

    @property
    def difference(self) -> int:
        return self.run - self.planned


@dataclass
class Coverage:
    week: IsoWeek
    shifts: list[tuple[str, str]]
    rows: list[CoverageRow]
    summary: list[ShiftSummary]

    @property
    def uncovered(self) -> list[FieldArea]:
        """Areas no patrol covered this week."""
        return [row.area for row in self.rows if row.patrols == 0]

    @property
    def totals(self) -> list[CoverageCell]:
        return [
            CoverageCell(
                patrols=sum(row.cells[i].patrols for row in self.rows),
                contacts=sum(row.cells[i].contacts for row in self.rows),
            )
            for i in range(len(self.shifts))
        ]


def week_coverage(actor, week: IsoWeek) -> Coverage:
    """Patrols that covered each area and the contacts made there, per shift type.

    A patrol covers an area when the area is one of the patrol's areas or the patrol
    recorded a visit there; each patrol counts once per area and shift. Patrols and contacts
    belong to the week of the patrol's date (a night patrol after midnight stays in the
    shift it started). Areas are those in force at some point in the week, plus any other
    area that had a patrol or contact in it.
    """
    actor.require(Perm.VIEW_COVERAGE)
    monday, sunday = week.monday, week.sunday
    patrols_in_week = scoped(actor, Patrol).filter(date__gte=monday, date__lte=sunday)

    covered: set[tuple[int, int, str]] = set(  # (patrol, area, shift)
        Patrol.areas.through.objects.filter(patrol__in=patrols_in_week).values_list(
            "patrol_id", "fieldarea_id", "patrol__shift"
        )
    )
    covered |= set(
        scoped(actor, AreaVisit)
        .filter(patrol__in=patrols_in_week)
        .values_list("patrol_id", "area_id", "patrol__shift")
    )
    patrol_counts: dict[tuple[int, str], int] = {}
    for _patrol_id, area_id, shift in covered:
        patrol_counts[(area_id, shift)] = patrol_counts.get((area_id, shift), 0) + 1

    contact_counts = {
        (row["area_id"], row["patrol__shift"]): row["contacts"]
        for row in scoped(actor, Encounter)
        .filter(patrol__in=patrols_in_week)
        .values("area_id", "patrol__shift")
        .annotate(contacts=Sum("contact_count"))
        .order_by()
    }

    used_area_ids = {area_id for area_id, _shift in patrol_counts} | {
        area_id for area_id, _shift in contact_counts
    }
    areas = scoped(actor, FieldArea).filter(
        Q(pk__in=used_area_ids)
        | (Q(valid_from__lte=sunday) & (Q(valid_to__isnull=True) | Q(valid_to__gte=monday)))
    )
    shifts = list(Shift.choices)
    rows = [
        CoverageRow(
            area=area,
            cells=[
                CoverageCell(
                    patrols=patrol_counts.get((area.pk, shift), 0),
                    contacts=contact_counts.get((area.pk, shift), 0),
                )
                for shift, _label in shifts
            ],
        )
        for area in areas.order_by("name", "valid_from")
    ]

    planned = _count_by_shift(
        scoped(actor, PlannedPatrol).filter(date__gte=monday, date__lte=sunday)
    )
    run = _count_by_shift(patrols_in_week)
    summary = [
        ShiftSummary(shift=shift, label=label, planned=planned.get(shift, 0), run=run.get(shift, 0))
        for shift, label in shifts
    ]
    return Coverage(week=week, shifts=shifts, rows=rows, summary=summary)


def _count_by_shift(queryset) -> dict[str, int]:
    return {
        row["shift"]: row["count"]
        for row in queryset.values("shift").annotate(count=Count("pk")).order_by()
    }

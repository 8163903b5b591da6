"""Trend reports per field area: figures over time from the statistics engine, and alongside
them the team's dated observations of the area's environments.

Business rules only; `trends_views` calls `report()`. Every figure is one `statistics.run()`
filtered on the area, so the engine's disclosure control applies unchanged (small cells
hidden, secondary suppression, a filter refused when it singles out a few). Nothing here
counts encounters itself.

The observations are not person-level: an EnvironmentObservation links to a visit, an
environment and the recording staff member, never to a person. Its free-text note could
still name someone, so the note is shown only to roles that see patrols (where the same note
is readable already); other roles (analysts) get the structured part, with a small number
of people present shown as "fewer than" the threshold.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm, scoped
from feltbok.fieldwork.models import EnvironmentObservation, Mood, Substance
from feltbok.people.models import AgeBand
from feltbok.reports import statistics

TREND_BUCKETS = ("month", "quarter")
MAX_OBSERVATIONS = 50  # the newest; the page stays readable and its cost constant

# One section per figure: (key, heading, measure, split by).
SECTIONS = (
    ("contacts", gettext_lazy("Contacts"), "contacts", ()),
    ("persons", gettext_lazy("Distinct persons"), "persons", ()),
    ("age_band", gettext_lazy("Contacts by age band"), "contacts", ("age_band",)),
    ("gender", gettext_lazy("Contacts by gender"), "contacts", ("gender",)),
    ("topic", gettext_lazy("Contacts by topic"), "contacts", ("topic",)),
    ("incidents", gettext_lazy("Incidents by kind"), "incidents", ()),
)


class TrendError(ValueError):
    """A request that cannot be answered; the message is shown to the user (400)."""


@dataclass
class TrendQuery:
    area: object  # a FieldArea of the actor's service
    start: datetime.date
    end: datetime.date
    bucket: str = "month"
    environment: object = None  # an Environment in that area, or None for all


@dataclass
class Section:
    key: str
    title: str
    result: statistics.Result | None
    error: str = ""

    @property
    def chart_id(self) -> str:
        return f"trend-{self.key}-data"

    @property
    def chart(self) -> dict | None:
        if self.result is None or not self.result.table.rows:
            return None
        table = self.result.table
        return {
            "labels": table.columns,
            "series": [
                {"label": " · ".join(row.labels), "values": row.cells} for row in table.rows[:12]
            ],
            "title": self.title,
        }


@dataclass
class ObservationLine:
    observed_at: datetime.datetime
    environment: str
    mood: str
    substances: list[str]
    ages: list[str]
    people_present: int | None
    few_present: bool  # 1 to threshold−1 people: shown as "fewer than" to aggregate-only roles
    note: str | None  # None when the role may not read the free text


@dataclass
class TrendReport:
    query: TrendQuery
    start: datetime.date
    end: datetime.date
    threshold: int
    sections: list[Section] = field(default_factory=list)
    observations: list[ObservationLine] = field(default_factory=list)
    notes_shown: bool = False


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last 12 months: from the first of the month 11 months back, to today."""
    month = today.month - 11
    year = today.year + (month - 1) // 12
    return datetime.date(year, (month - 1) % 12 + 1, 1), today


def validate(actor, query: TrendQuery) -> None:
    if query.area is None or query.area.service_id != actor.service_id:
        raise TrendError(_("Choose one of the service's field areas."))
    if query.end < query.start:
        raise TrendError(_("The end date must be after the start date."))
    if query.bucket not in TREND_BUCKETS:
        raise TrendError(_("Show the trend per month or per quarter."))
    environment = query.environment
    if environment is not None and (
        environment.service_id != actor.service_id or environment.area_id != query.area.pk
    ):
        raise TrendError(_("Choose an environment in the chosen field area."))


def report(actor, query: TrendQuery) -> TrendReport:
    """The area's figures over time (suppressed by the engine) and its observations."""
    actor.require(Perm.VIEW_STATISTICS)
    validate(actor, query)
    start, end = statistics.snap_period(query.bucket, query.start, query.end)
    result = TrendReport(
        query=query, start=start, end=end, threshold=statistics.threshold_for(actor)
    )
    for key, title, measure, rows in SECTIONS:
        stats_query = statistics.Query(
            start=query.start,
            end=query.end,
            measure=measure,
            bucket=query.bucket,
            rows=rows,
            filters={"area": query.area.pk},
        )
        try:
            section = Section(key, str(title), statistics.run(actor, stats_query))
        except statistics.StatisticsError as error:
            # E.g. the area differs from the whole service by a few: shown, not fatal.
            section = Section(key, str(title), None, str(error))
        result.sections.append(section)
    result.notes_shown = actor.can(Perm.VIEW_PATROLS)
    result.observations = _observations(actor, query, start, end, result)
    return result


def _observations(actor, query, start, end, result) -> list[ObservationLine]:
    rows = (
        scoped(actor, EnvironmentObservation)
        .filter(
            visit__area=query.area,
            observed_at__date__gte=start,
            observed_at__date__lte=end,
        )
        .select_related("environment")
        .order_by("-observed_at")
    )
    if query.environment is not None:
        rows = rows.filter(environment=query.environment)
    rows = list(rows[:MAX_OBSERVATIONS])
    moods, substances, ages = dict(Mood.choices), dict(Substance.choices), dict(AgeBand.choices)
    lines = []
    for row in rows:
        present = row.people_present
        few = present is not None and 0 < present < result.threshold
        lines.append(
            ObservationLine(
                observed_at=row.observed_at,
                environment=row.environment.name if row.environment else "",
                mood=str(moods.get(row.mood, "")),
                substances=[str(substances.get(s, s)) for s in row.substances],
                ages=[str(ages.get(a, a)) for a in row.age_mix],
                people_present=None if few and not result.notes_shown else present,
                few_present=few and not result.notes_shown,
                note=row.note if result.notes_shown else None,
            )
        )
    if result.notes_shown and any(line.note for line in lines):
        # Free text that could name someone left the patrol pages: who read it, where.
        with transaction.atomic():
            log_action(
                actor,
                AuditAction.READ,
                object_type="environment_observations",
                object_id=str(query.area.code),
                detail={
                    "start": str(start),
                    "end": str(end),
                    "notes": sum(1 for line in lines if line.note),
                },
            )
    return lines

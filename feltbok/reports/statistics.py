"""The statistics engine: counts for a period, filtered and grouped, suppressed before they leave.

Business rules only; the views and exports call `run()`. Every table is aggregated in the
database (one query per measure and per set of totals, never one per cell) and goes through
`disclosure.protect` before anyone sees it: nothing person-level leaves this module.

Protection against differences between filters (documented in docs/user-guide-statistics.md):
- the period is widened to whole time buckets (weeks, months, quarters, years), so two periods
  differ by whole columns, which are protected like any other column total;
- for each active filter, the total without that filter is counted too; when the two totals
  differ by 1 to threshold−1, the narrower filter is refused with a message (the few outside
  the filter could be worked out by subtracting).
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import (
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    TextField,
    Value,
)
from django.db.models.functions import Cast, TruncMonth, TruncQuarter, TruncWeek, TruncYear
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feltbok.core.access import Perm, scoped
from feltbok.fieldwork.models import (
    Encounter,
    EncounterKind,
    EncounterPerson,
    FollowUpTime,
    IncidentKind,
    IncidentNote,
    OutreachMode,
    Patrol,
    PatrolStatus,
    PlannedPatrol,
    Shift,
    Topic,
)
from feltbok.lectures.models import Audience, Lecture
from feltbok.notifications.models import Notification
from feltbok.organisation.models import FieldArea, Team
from feltbok.people.models import AgeBand, Gender
from feltbok.referrals.models import Referral, ReferralStatus
from feltbok.reports import rollups
from feltbok.reports.disclosure import ProtectedTable, protect, protect_table

MAX_YEARS = 5
HIDDEN = ":"


class StatisticsError(ValueError):
    """A request that cannot be answered; the message is shown to the user (400)."""


def threshold_for(actor) -> int:
    """The service's suppression threshold; FELTBOK_SUPPRESSION_THRESHOLD when it set none."""
    from feltbok.reports.models import StatisticsSettings

    chosen = (
        StatisticsSettings.objects.filter(service_id=actor.service_id)
        .values_list("suppression_threshold", flat=True)
        .first()
    )
    return chosen or settings.FELTBOK_SUPPRESSION_THRESHOLD


# --- time buckets ---------------------------------------------------------------------------


def _bucket_start(kind: str, day: datetime.date) -> datetime.date:
    if kind == "week":
        return day - datetime.timedelta(days=day.weekday())
    if kind == "month":
        return day.replace(day=1)
    if kind == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def _next_bucket(kind: str, start: datetime.date) -> datetime.date:
    if kind == "week":
        return start + datetime.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[kind]
    month = start.month - 1 + months
    return start.replace(year=start.year + month // 12, month=month % 12 + 1, day=1)


def bucket_label(kind: str, start: datetime.date) -> str:
    if kind == "week":
        year, number, _day = start.isocalendar()
        return f"{year}-W{number:02d}"
    if kind == "month":
        return f"{start:%Y-%m}"
    if kind == "quarter":
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


BUCKETS = {
    "week": (gettext_lazy("Week"), TruncWeek),
    "month": (gettext_lazy("Month"), TruncMonth),
    "quarter": (gettext_lazy("Quarter"), TruncQuarter),
    "year": (gettext_lazy("Year"), TruncYear),
}


def buckets_between(kind: str, start: datetime.date, end: datetime.date) -> list[datetime.date]:
    first = _bucket_start(kind, start)
    starts = [first]
    while (following := _next_bucket(kind, starts[-1])) <= end:
        starts.append(following)
    return starts


def snap_period(kind, start, end) -> tuple[datetime.date, datetime.date]:
    """The period widened to whole buckets (first day of the first, last day of the last)."""
    first = _bucket_start(kind, start)
    last = _next_bucket(kind, _bucket_start(kind, end)) - datetime.timedelta(days=1)
    return first, last


# --- dimensions and measures ----------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    key: str
    label: object
    # Field paths from Encounter; person-level ones (age band, gender) differ per source.
    path: str | None
    choices: tuple = ()


DIMENSIONS = {
    "team": Dimension("team", gettext_lazy("Team"), "patrol__team_id"),
    "area": Dimension("area", gettext_lazy("Field area"), "area_id"),
    "shift": Dimension("shift", gettext_lazy("Shift"), "patrol__shift", tuple(Shift.choices)),
    "age_band": Dimension("age_band", gettext_lazy("Age band"), None, tuple(AgeBand.choices)),
    "gender": Dimension("gender", gettext_lazy("Gender"), None, tuple(Gender.choices)),
    "topic": Dimension("topic", gettext_lazy("Topic"), None, tuple(Topic.choices)),
    "kind": Dimension("kind", gettext_lazy("Contact kind"), "kind", tuple(EncounterKind.choices)),
    "outreach_mode": Dimension(
        "outreach_mode", gettext_lazy("Outreach"), "outreach_mode", tuple(OutreachMode.choices)
    ),
}
PERSON_DIMENSIONS = {"age_band", "gender"}


@dataclass(frozen=True)
class Measure:
    key: str
    label: object
    dimensions: frozenset  # the dimensions it can be grouped and filtered by
    additive: bool = True  # whether cells add up to the totals
    category: str | None = None  # a measure counted per category (incidents by kind …)
    counts_people: bool = True  # False for staff hours: not suppressed (nobody is counted)


_ENCOUNTER_DIMS = frozenset(DIMENSIONS)
MEASURES = {
    "contacts": Measure("contacts", gettext_lazy("Contacts"), _ENCOUNTER_DIMS),
    "persons": Measure(
        "persons",
        gettext_lazy("Distinct persons"),
        _ENCOUNTER_DIMS - {"kind"},
        additive=False,
    ),
    "new_persons": Measure(
        "new_persons", gettext_lazy("New persons (first contact)"), _ENCOUNTER_DIMS - {"kind"}
    ),
    "anonymous": Measure(
        "anonymous", gettext_lazy("Anonymous head counts"), _ENCOUNTER_DIMS - {"kind"}
    ),
    "groups": Measure(
        "groups",
        gettext_lazy("Group contacts"),
        _ENCOUNTER_DIMS - {"kind", "age_band", "gender"},
    ),
    "incidents": Measure(
        "incidents",
        gettext_lazy("Incidents by kind"),
        frozenset({"team", "area", "shift"}),
        category="incident_kind",
    ),
    "referrals": Measure(
        "referrals",
        gettext_lazy("Referrals by status and outcome"),
        frozenset(),
        category="referral_status",
    ),
    "notifications": Measure(
        "notifications",
        gettext_lazy("Notifications by type"),
        frozenset(),
        category="notification_type",
    ),
    "patrols": Measure(
        "patrols",
        gettext_lazy("Patrols run per shift type"),
        frozenset({"team", "shift"}),
        category="shift",
    ),
    "planned_patrols": Measure(
        "planned_patrols",
        gettext_lazy("Patrols planned per shift type"),
        frozenset({"team", "shift"}),
        category="shift",
    ),
    "hours": Measure(
        "hours",
        gettext_lazy("Field and follow-up hours"),
        frozenset({"team"}),
        category="hours",
        counts_people=False,
    ),
    # The team's own teaching (feltbok.lectures): nobody the service works with is counted.
    "lectures": Measure(
        "lectures",
        gettext_lazy("Lectures given by audience"),
        frozenset(),
        category="lecture_audience",
        counts_people=False,
    ),
}


@dataclass
class Query:
    start: datetime.date
    end: datetime.date
    measure: str = "contacts"
    bucket: str = "week"
    rows: tuple[str, ...] = ()  # zero, one or two dimensions
    filters: dict = field(default_factory=dict)  # dimension → value
    compare: str = ""  # "", "previous" or "year"


@dataclass
class Row:
    labels: list[str]
    cells: list  # int, or None when hidden
    total: int | None


@dataclass
class Table:
    query: Query
    measure_label: str
    row_headers: list[str]
    columns: list[str]  # bucket labels
    rows: list[Row]
    column_totals: list
    grand_total: int | None
    threshold: int
    start: datetime.date
    end: datetime.date

    @property
    def has_hidden(self) -> bool:
        return (
            any(cell is None for row in self.rows for cell in row.cells)
            or any(row.total is None for row in self.rows)
            or any(total is None for total in self.column_totals)
            or self.grand_total is None
        )


@dataclass
class Comparison:
    label: str
    start: datetime.date
    end: datetime.date
    lines: list  # (labels, this, other) with None for hidden
    this_total: int | None
    other_total: int | None


@dataclass
class Result:
    table: Table
    comparison: Comparison | None


def validate(query: Query) -> None:
    if query.end < query.start:
        raise StatisticsError(_("The end date must be after the start date."))
    if (query.end - query.start).days > MAX_YEARS * 366:
        raise StatisticsError(
            _("Choose a period of at most %(years)s years.") % {"years": MAX_YEARS}
        )
    if query.measure not in MEASURES:
        raise StatisticsError(_("Unknown measure."))
    if query.bucket not in BUCKETS:
        raise StatisticsError(_("Unknown time unit."))
    measure = MEASURES[query.measure]
    allowed = set(measure.dimensions)
    if len(query.rows) > 2 or len(set(query.rows)) != len(query.rows):
        raise StatisticsError(_("Group by at most two different dimensions."))
    if measure.category and query.rows:
        raise StatisticsError(_("This measure is already split into its own categories."))
    for key in [*query.rows, *query.filters]:
        if key not in DIMENSIONS:
            raise StatisticsError(_("Unknown dimension."))
        if key not in allowed:
            raise StatisticsError(
                _("%(measure)s cannot be split or filtered by %(dimension)s.")
                % {"measure": measure.label, "dimension": DIMENSIONS[key].label}
            )
    if query.compare not in ("", "previous", "year"):
        raise StatisticsError(_("Unknown comparison."))
    if query.compare == "year":
        start, end = snap_period(query.bucket, query.start, query.end)
        if _minus_year(start) + (end - start) >= start:
            raise StatisticsError(
                _("A period longer than a year cannot be compared with the year before.")
            )


# --- the queries ----------------------------------------------------------------------------

_TOPICS_TEXT = "topics_text"


def _topic_q(value: str, prefix: str = "") -> Q:
    # The JSON list as text contains the quoted value, on SQLite and PostgreSQL alike.
    return Q(**{f"{prefix}{_TOPICS_TEXT}__contains": f'"{value}"'})


def use_rollups() -> bool:
    """Read the roll-up tables (reports.rollups) rather than the encounters themselves."""
    return getattr(settings, "FELTBOK_STATISTICS_ROLLUPS", True)


def _source(actor, measure_key, dims, start, end):
    """The queryset, how to reach each dimension from it, and the aggregate expression."""
    if use_rollups():
        return rollups.source(actor.service_id, measure_key, start, end)
    if measure_key in ("persons", "new_persons"):
        qs = EncounterPerson.objects.filter(
            service_id=actor.service_id,
            encounter__local_date__gte=start,
            encounter__local_date__lte=end,
        )
        if measure_key == "new_persons":
            qs = qs.filter(first_contact=True)
        if "topic" in dims:
            qs = qs.annotate(**{_TOPICS_TEXT: Cast("encounter__topics", TextField())})
        paths = {key: f"encounter__{d.path}" for key, d in DIMENSIONS.items() if d.path}
        paths |= {"age_band": "person__age_band", "gender": "person__gender"}
        return qs, paths, "encounter__local_date", ("distinct_person", None)
    qs = scoped(actor, Encounter).filter(local_date__gte=start, local_date__lte=end)
    if "topic" in dims:
        qs = qs.annotate(**{_TOPICS_TEXT: Cast("topics", TextField())})
    paths = {key: d.path for key, d in DIMENSIONS.items() if d.path}
    paths |= {"age_band": "age_band", "gender": "gender"}
    if measure_key == "anonymous":
        return qs.filter(kind=EncounterKind.ANONYMOUS), paths, "local_date", ("sum", "head_count")
    if measure_key == "groups":
        return qs.filter(kind=EncounterKind.GROUP), paths, "local_date", ("count", None)
    return qs, paths, "local_date", ("sum", "contact_count")


def _aggregate(expr, condition=None):
    how, field_name = expr
    if how == "sum":
        return Sum(field_name, filter=condition)
    if how == "count":
        return Count("pk", filter=condition)
    return Count("person_id", distinct=True, filter=condition)


def _grouped(qs, paths, date_path, expr, bucket, group_dims, filters):
    """{(bucket start or None, value, …): count}, one query. Topic is a column per topic."""
    for key, value in filters.items():
        qs = qs.filter(_topic_q(value)) if key == "topic" else qs.filter(**{paths[key]: value})
    fields = []
    if bucket:
        qs = qs.annotate(_bucket=BUCKETS[bucket][1](date_path))
        fields.append("_bucket")
    plain = [key for key in group_dims if key != "topic"]
    fields += [paths[key] for key in plain]
    qs = qs.values(*fields) if fields else qs
    out: dict[tuple, int] = {}
    if "topic" in group_dims:
        aggregates = {
            f"_t_{value}": _aggregate(expr, _topic_q(value)) for value, _label in Topic.choices
        }
        rows = qs.annotate(**aggregates).order_by() if fields else [qs.aggregate(**aggregates)]
        for row in rows:
            for value, _label in Topic.choices:
                keys = {key: row[paths[key]] for key in plain} | {"topic": value}
                out_key = (row.get("_bucket"), *(keys[key] for key in group_dims))
                out[out_key] = out.get(out_key, 0) + (row[f"_t_{value}"] or 0)
        return out
    if fields:
        rows = qs.annotate(_n=_aggregate(expr)).order_by()
    else:
        rows = [qs.aggregate(_n=_aggregate(expr))]
    for row in rows:
        out_key = (row.get("_bucket"), *(row[paths[key]] for key in group_dims))
        out[out_key] = out.get(out_key, 0) + (row["_n"] or 0)
    return out


def _encounter_counts(actor, measure_key, bucket, group_dims, filters, start, end):
    dims = set(group_dims) | set(filters)
    qs, paths, date_path, expr = _source(actor, measure_key, dims, start, end)
    if measure_key == "contacts" and dims & PERSON_DIMENSIONS and use_rollups():
        first = _grouped(
            *rollups.source(actor.service_id, "known", start, end), bucket, group_dims, filters
        )
        tallies, paths, date_path, expr = rollups.source(actor.service_id, "tallies", start, end)
        second = _grouped(
            tallies.filter(head_count__gt=0), paths, date_path, expr, bucket, group_dims, filters
        )
        for key, value in second.items():
            first[key] = first.get(key, 0) + value
        return first
    if measure_key == "contacts" and dims & PERSON_DIMENSIONS:
        # Known persons by their own age band and gender, plus anonymous and group head counts
        # by the tally's age band and gender: two queries.
        persons = EncounterPerson.objects.filter(
            service_id=actor.service_id,
            encounter__local_date__gte=start,
            encounter__local_date__lte=end,
        )
        if "topic" in dims:
            persons = persons.annotate(**{_TOPICS_TEXT: Cast("encounter__topics", TextField())})
        person_paths = {key: f"encounter__{d.path}" for key, d in DIMENSIONS.items() if d.path}
        person_paths |= {"age_band": "person__age_band", "gender": "person__gender"}
        first = _grouped(
            persons,
            person_paths,
            "encounter__local_date",
            ("count", None),
            bucket,
            group_dims,
            filters,
        )
        second = _grouped(
            qs.filter(head_count__gt=0),
            paths,
            date_path,
            ("sum", "head_count"),
            bucket,
            group_dims,
            filters,
        )
        for key, value in second.items():
            first[key] = first.get(key, 0) + value
        return first
    return _grouped(qs, paths, date_path, expr, bucket, group_dims, filters)


def _category_counts(actor, measure_key, bucket, filters, start, end):
    """Incidents, referrals, notifications and patrols: {(bucket, category): count}."""
    if measure_key == "hours":
        return _hours(actor, bucket, filters, start, end)
    if measure_key == "incidents":
        qs = scoped(actor, IncidentNote).filter(
            occurred_at__date__gte=start, occurred_at__date__lte=end
        )
        paths = {"team": "patrol__team_id", "area": "area_id", "shift": "patrol__shift"}
        date_path, category = "occurred_at", "kind"
    elif measure_key == "referrals":
        qs = scoped(actor, Referral).filter(created_at__date__gte=start, created_at__date__lte=end)
        paths, date_path, category = {}, "created_at", "status"
    elif measure_key == "lectures":
        qs = scoped(actor, Lecture).filter(date__gte=start, date__lte=end)
        paths, date_path, category = {}, "date", "audience"
    elif measure_key == "notifications":
        qs = scoped(actor, Notification).filter(
            concern_at__date__gte=start, concern_at__date__lte=end
        )
        paths, date_path, category = {}, "concern_at", "notification_type__name"
    else:
        model = Patrol if measure_key == "patrols" else PlannedPatrol
        qs = scoped(actor, model).filter(date__gte=start, date__lte=end)
        paths, date_path, category = {"team": "team_id", "shift": "shift"}, "date", "shift"
    for key, value in filters.items():
        qs = qs.filter(**{paths[key]: value})
    trunc = BUCKETS[bucket][1]
    if date_path != "date":
        qs = qs.annotate(_bucket=trunc(date_path, output_field=DateField()))
    else:
        qs = qs.annotate(_bucket=trunc(date_path))
    out: dict[tuple, int] = {}
    for row in qs.values("_bucket", category).annotate(_n=Count("pk")).order_by():
        key = (_as_date(row["_bucket"]), row[category])
        out[key] = out.get(key, 0) + row["_n"]
    return out


def _hours(actor, bucket, filters, start, end):
    """Whole hours on ended patrols (each member's time) and registered follow-up: 3 queries.

    The service's own patrols only (the Time page also credits joint patrols of partners).
    """
    trunc = BUCKETS[bucket][1]
    patrols = scoped(actor, Patrol).filter(
        status=PatrolStatus.ENDED, date__gte=start, date__lte=end
    )
    follow_up = scoped(actor, FollowUpTime).filter(date__gte=start, date__lte=end)
    if "team" in filters:
        patrols = patrols.filter(team_id=filters["team"])
        follow_up = follow_up.filter(user__memberships__team_id=filters["team"])
    duration = ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())
    seconds: dict[tuple, float] = {}
    # First and second member on every patrol, then each other member.
    for row in (
        patrols.annotate(_bucket=trunc("date"))
        .values("_bucket")
        .annotate(_d=Sum(duration))
        .order_by()
    ):
        key = (_as_date(row["_bucket"]), "field")
        seconds[key] = seconds.get(key, 0) + 2 * row["_d"].total_seconds()
    others = Patrol.other_members.through.objects.filter(patrol__in=patrols)
    for row in (
        others.annotate(
            _bucket=trunc("patrol__date"),
            _d=ExpressionWrapper(
                F("patrol__ended_at") - F("patrol__started_at"), output_field=DurationField()
            ),
        )
        .values("_bucket")
        .annotate(_s=Sum("_d"))
        .order_by()
    ):
        key = (_as_date(row["_bucket"]), "field")
        seconds[key] = seconds.get(key, 0) + row["_s"].total_seconds()
    for row in (
        follow_up.annotate(_bucket=trunc("date"))
        .values("_bucket")
        .annotate(_m=Sum("minutes"))
        .order_by()
    ):
        key = (_as_date(row["_bucket"]), "follow_up")
        seconds[key] = seconds.get(key, 0) + row["_m"] * 60
    return {key: round(value / 3600) for key, value in seconds.items()}


def _as_date(value):
    if isinstance(value, str):  # a raw query on SQLite
        return datetime.date.fromisoformat(value[:10])
    if isinstance(value, datetime.datetime):
        return value.date()
    return value


def _labels(actor, key) -> dict:
    if key == "area":
        return dict(scoped(actor, FieldArea).values_list("pk", "name"))
    if key == "team":
        return dict(scoped(actor, Team).values_list("pk", "name"))
    if key == "incident_kind":
        return dict(IncidentKind.choices)
    if key == "referral_status":
        return dict(ReferralStatus.choices)
    if key == "notification_type":
        return {}
    if key == "lecture_audience":
        return dict(Audience.choices)
    if key == "hours":
        return {"field": _("Field hours"), "follow_up": _("Follow-up hours")}
    return dict(DIMENSIONS[key].choices)


def _grand(actor, query, filters, start, end) -> int:
    measure = MEASURES[query.measure]
    if measure.category:
        counts = _category_counts(actor, query.measure, query.bucket, filters, start, end)
    else:
        counts = _encounter_counts(actor, query.measure, None, (), filters, start, end)
    return sum(counts.values())


def check_differences(actor, query, start, end, threshold) -> None:
    """Refuse a filter whose total differs from the total without it by 1..threshold−1."""
    if not query.filters:
        return
    narrow = _grand(actor, query, query.filters, start, end)
    for key in query.filters:
        wider = {k: v for k, v in query.filters.items() if k != key}
        difference = _grand(actor, query, wider, start, end) - narrow
        if 0 < difference < threshold:
            raise StatisticsError(
                _(
                    "This selection cannot be shown: without the filter on %(dimension)s it "
                    "differs by fewer than %(threshold)s, so a few people could be worked out "
                    "by subtracting. Widen the selection."
                )
                % {"dimension": DIMENSIONS[key].label, "threshold": threshold}
            )


def _build_table(actor, query, start, end, threshold, labels=None) -> Table:
    measure = MEASURES[query.measure]
    buckets = buckets_between(query.bucket, start, end)
    if measure.category:
        counts = _category_counts(actor, query.measure, query.bucket, query.filters, start, end)
        group_dims = (measure.category,)
    else:
        group_dims = query.rows
        counts = _encounter_counts(
            actor, query.measure, query.bucket, group_dims, query.filters, start, end
        )
    counts = {(_as_date(key[0]), *key[1:]): value for key, value in counts.items()}
    labels = {} if labels is None else labels  # shared with the comparison: one query each
    label_maps = [
        labels[key] if key in labels else labels.setdefault(key, _labels(actor, key))
        for key in group_dims
    ]
    row_keys = sorted(
        {key[1:] for key, value in counts.items() if value},
        key=lambda k: [str(label_maps[i].get(v, v or "")) for i, v in enumerate(k)],
    )
    if not group_dims:
        row_keys = [()]
    column_index = {b: i for i, b in enumerate(buckets)}
    cells = [[0] * len(buckets) for _row in row_keys]
    row_index = {k: i for i, k in enumerate(row_keys)}
    for key, value in counts.items():
        if key[0] in column_index and key[1:] in row_index:
            cells[row_index[key[1:]]][column_index[key[0]]] += value
    if not measure.counts_people:
        protected = protect(cells, threshold, columns=len(buckets))
        protected.hidden = set()
    elif measure.additive:
        protected = protect(cells, threshold, columns=len(buckets))
    else:
        protected = _protect_distinct(actor, query, cells, row_keys, buckets, start, end, threshold)
    unknown = _("Unknown")
    rows = []
    for i, key in enumerate(row_keys):
        labels = [str(label_maps[d].get(v, v or unknown)) for d, v in enumerate(key)]
        rows.append(
            Row(
                labels=labels or [str(measure.label)],
                cells=[protected.shown(i, j) for j in range(len(buckets))],
                total=protected.shown(i, len(buckets)),
            )
        )
    headers = {
        "incident_kind": _("Kind"),
        "referral_status": _("Status"),
        "notification_type": _("Type"),
        "hours": _("Hours"),
        "lecture_audience": _("Audience"),
    }
    row_headers = [str(headers.get(key) or DIMENSIONS[key].label) for key in group_dims] or [
        _("Measure")
    ]
    return Table(
        query=query,
        measure_label=str(measure.label),
        row_headers=row_headers,
        columns=[bucket_label(query.bucket, b) for b in buckets],
        rows=rows,
        column_totals=[protected.shown(len(row_keys), j) for j in range(len(buckets))],
        grand_total=protected.shown(len(row_keys), len(buckets)),
        threshold=threshold,
        start=start,
        end=end,
    )


def _protect_distinct(actor, query, cells, row_keys, buckets, start, end, threshold):
    """Distinct persons: totals counted on their own (a person seen in two weeks is one)."""
    if use_rollups() and "topic" not in query.rows:
        per_row, per_bucket, grand = _distinct_totals(actor, query, start, end)
    else:
        per_row = _encounter_counts(
            actor, query.measure, None, query.rows, query.filters, start, end
        )
        per_bucket = _encounter_counts(
            actor, query.measure, query.bucket, (), query.filters, start, end
        )
        grand = _encounter_counts(actor, query.measure, None, (), query.filters, start, end)
    table = ProtectedTable(
        cells=cells,
        row_totals=[per_row.get((None, *key), 0) for key in row_keys],
        column_totals=[],
        grand_total=sum(grand.values()),
        hidden=set(),
    )
    per_bucket_dates = {_as_date(k[0]): v for k, v in per_bucket.items()}
    table.column_totals = [per_bucket_dates.get(b, 0) for b in buckets]
    return protect_table(table, threshold, audit=False)


def _distinct_totals(actor, query, start, end):
    """Row, column and grand totals of distinct persons from the roll-up in one query (UNION ALL
    of the three groupings; keeps the number of queries per page as on the plain path)."""
    qs, paths, _date_path, _expr = rollups.source(actor.service_id, query.measure, start, end)
    for key, value in query.filters.items():
        qs = qs.filter(_topic_q(value)) if key == "topic" else qs.filter(**{paths[key]: value})
    columns = [paths[key] for key in query.rows]
    parts, params = [], []
    for marker, bucket, dims in ((0, None, columns), (1, query.bucket, []), (2, None, [])):
        part = qs.annotate(_b=BUCKETS[bucket][1]("day")) if bucket else qs
        fields = (["_b"] if bucket else []) + dims
        part = part.values(*fields) if fields else part.annotate(_all=Value(1)).values("_all")
        sql, part_params = (
            part.annotate(_n=Count("person_id", distinct=True)).order_by().query.sql_with_params()
        )
        shown = ", ".join(
            [f"{marker}", '"_b"' if bucket else "NULL"]
            + [f'"{c}"' if c in dims else "NULL" for c in columns]
        )
        parts.append(f'SELECT {shown}, "_n" FROM ({sql}) part{marker}')  # noqa: S608  # nosec B608
        params += part_params
    per_row, per_bucket, grand = {}, {}, {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for marker, bucket, *values, count in cursor.fetchall():
            if marker == 0:
                per_row[(None, *values)] = count
            elif marker == 1:
                per_bucket[(_as_date(bucket), *values)] = count
            else:
                grand[(None, *values)] = count
    return per_row, per_bucket, grand


def _minus_year(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _comparison(actor, query, table, start, end, threshold, labels=None) -> Comparison:
    if query.compare == "year":
        other_start, other_end = snap_period(query.bucket, _minus_year(start), _minus_year(end))
        label = _("The same period a year before")
    else:
        length = end - start
        other_end = start - datetime.timedelta(days=1)
        other_start = _bucket_start(query.bucket, other_end - length)
        label = _("The period before")
    other = _build_table(actor, query, other_start, other_end, threshold, labels)
    other_rows = {tuple(row.labels): row.total for row in other.rows}
    lines = [(row.labels, row.total, other_rows.pop(tuple(row.labels), 0)) for row in table.rows]
    lines += [(list(labels), 0, total) for labels, total in other_rows.items()]
    return Comparison(
        label=label,
        start=other_start,
        end=other_end,
        lines=lines,
        this_total=table.grand_total,
        other_total=other.grand_total,
    )


def run(actor, query: Query) -> Result:
    """The protected table (and comparison) for the query; StatisticsError on bad input."""
    actor.require(Perm.VIEW_STATISTICS)
    validate(query)
    if use_rollups():
        rollups.refresh(actor.service_id)
    threshold = threshold_for(actor)
    start, end = snap_period(query.bucket, query.start, query.end)
    check_differences(actor, query, start, end, threshold)
    labels = {}
    table = _build_table(actor, query, start, end, threshold, labels)
    comparison = None
    if query.compare:
        comparison = _comparison(actor, query, table, start, end, threshold, labels)
    return Result(table=table, comparison=comparison)


def rows_for_export(result: Result) -> list[list]:
    """The table as rows of plain values (hidden entries as HIDDEN), header first."""
    table = result.table
    out = [[*table.row_headers, *table.columns, _("Total")]]
    for row in table.rows:
        out.append([*row.labels, *[HIDDEN if c is None else c for c in row.cells], _or(row.total)])
    filler = [""] * (len(table.row_headers) - 1)
    out.append(
        [_("Total"), *filler, *[_or(c) for c in table.column_totals], _or(table.grand_total)]
    )
    return out


def _or(value):
    return HIDDEN if value is None else value

"""Reads for counts: campaign lists, observations (audited), merges and the result.

The result counts each person once: observations merged into another are left out.
Analysts get it with small cells suppressed (feltbok.reports.disclosure.cell), plus a simple
secondary suppression inside each table so a lone suppressed cell cannot be recovered from
the total.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from feltbok.accounts.models import Role
from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm, get_scoped_or_404, scoped
from feltbok.counts.definitions import ETHOS_LIGHT, ETHOS_OUTSIDE
from feltbok.counts.models import (
    Campaign,
    Category,
    Comorbidity,
    CountAgeBand,
    Duration,
    Merge,
    Observation,
)
from feltbok.people.models import Gender
from feltbok.reports.disclosure import Cell, cell

COUNTS_PERMS = (
    Perm.MANAGE_COUNTS,
    Perm.RECORD_COUNTS,
    Perm.VIEW_COUNT_RESULT,
    Perm.VIEW_COUNT_AGGREGATES,
)


def can_see_counts(actor) -> bool:
    return any(actor.can(perm) for perm in COUNTS_PERMS)


def campaigns_for(actor):
    """The service's campaigns with the number of persons counted (duplicates left out)."""
    if not can_see_counts(actor):
        raise PermissionDenied
    return list(
        scoped(actor, Campaign)
        .select_related("definition")
        .annotate(persons=Count("observations", filter=Q(observations__merged_into__isnull=True)))
        .order_by("-starts_on", "name")
    )


def campaign_for(actor, code) -> Campaign:
    if not can_see_counts(actor):
        raise PermissionDenied
    return get_scoped_or_404(actor, Campaign.objects.select_related("definition"), code=code)


def categories(campaign) -> list[Category]:
    return list(Category.objects.filter(definition_id=campaign.definition_id).order_by("order"))


def observations_for(actor, campaign: Campaign) -> list[Observation]:
    """The campaign's observations (peer workers: only their own); the read is audited."""
    actor.require(Perm.RECORD_COUNTS)
    rows = (
        Observation.objects.filter(campaign=campaign, service_id=actor.service_id)
        .select_related("category", "person", "recorded_by", "area", "place")
        .order_by("-observed_on", "-created_at", "-pk")
    )
    if actor.role == Role.PEER_WORKER:
        rows = rows.filter(recorded_by=actor.user)
    rows = list(rows)
    log_action(
        actor,
        AuditAction.READ,
        campaign,
        detail={"observations": len(rows)},
    )
    return rows


def merges_for(actor, campaign: Campaign) -> list[Merge]:
    actor.require(Perm.MANAGE_COUNTS)
    merges = list(
        Merge.objects.filter(campaign=campaign, service_id=actor.service_id)
        .select_related(
            "primary__category", "primary__person", "primary__recorded_by", "merged_by", "undone_by"
        )
        .prefetch_related("merged__category", "merged__recorded_by", "merged__person")
    )
    log_action(actor, AuditAction.READ, campaign, detail={"merges": len(merges)})
    return merges


def unmerged_observations(actor, campaign: Campaign) -> list[Observation]:
    """Observations counted as persons of their own: the candidates for a merge by hand."""
    actor.require(Perm.MANAGE_COUNTS)
    return list(
        Observation.objects.filter(
            campaign=campaign, service_id=actor.service_id, merged_into__isnull=True
        )
        .select_related("category", "person")
        .order_by("observed_on", "pk")
    )


def merge_for(actor, code) -> Merge:
    actor.require(Perm.MANAGE_COUNTS)
    return get_scoped_or_404(actor, Merge.objects.select_related("campaign", "primary"), code=code)


# --- The result --------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    value: object  # an int, or a disclosure Cell when suppressed
    share: int | None  # whole per cent of the total, None where it would reveal a cell


@dataclass
class Table:
    key: str
    title: str
    rows: list[Row]


@dataclass
class Result:
    campaign: Campaign
    suppressed: bool
    total: object
    women: object
    women_share: int | None
    children: object
    observations: int
    duplicates: int
    tables: list[Table] = field(default_factory=list)


def _share(value, total):
    return round(100 * value / total) if total else None


@dataclass(frozen=True)
class Withheld(Cell):
    """A cell withheld only so that a small cell beside it cannot be worked out (secondary)."""

    def __str__(self):
        return "×"


def _protect(values: list[int], forced=()) -> list[Cell]:
    """`cell()` on each value, `forced` cells withheld; never one hidden cell alone.

    A lone hidden cell could be worked out from the total, so the next smallest published
    cell is withheld with it.
    """
    cells = [cell(v) for v in values]
    for i in forced:
        if cells[i].value and not cells[i].suppressed:
            cells[i] = Withheld(value=cells[i].value, suppressed=True)
    if sum(c.suppressed for c in cells) == 1:
        candidates = [(c.value, i) for i, c in enumerate(cells) if c.value and not c.suppressed]
        if candidates:
            _value, i = min(candidates)
            cells[i] = Withheld(value=cells[i].value, suppressed=True)
    return cells


def _table(key, title, labelled: list[tuple[str, int]], total, suppressed, forced=()) -> Table:
    if not suppressed:
        rows = [Row(label, value, _share(value, total)) for label, value in labelled]
        return Table(key, title, rows)
    cells = _protect([value for _label, value in labelled], forced)
    total_hidden = cell(total).suppressed
    rows = [
        Row(label, c, None if c.suppressed or total_hidden else _share(c.value, total))
        for (label, _value), c in zip(labelled, cells, strict=True)
    ]
    return Table(key, title, rows)


def result(actor, campaign: Campaign, *, audit_action=AuditAction.READ) -> Result:
    """The count's result: full for team leads and administrators, suppressed for analysts.

    Three queries whatever the size of the count: the categories, the counted observations
    (one row of codes each), and the number of merged duplicates. The read is audited.
    """
    if actor.can(Perm.VIEW_COUNT_RESULT):
        suppressed = False
    elif actor.can(Perm.VIEW_COUNT_AGGREGATES):
        suppressed = True
    else:
        raise PermissionDenied
    cats = categories(campaign)
    rows = list(
        Observation.objects.filter(campaign=campaign, merged_into__isnull=True).values_list(
            "category_id", "gender", "age_band", "comorbidity", "duration", "children"
        )
    )
    duplicates = Observation.objects.filter(campaign=campaign, merged_into__isnull=False).count()
    total = len(rows)
    by_category = Counter(r[0] for r in rows)
    by_gender = Counter(r[1] for r in rows)
    by_age = Counter(r[2] for r in rows)
    by_comorbidity = Counter(r[3] for r in rows)
    by_duration = Counter(r[4] for r in rows)
    women_by_category = Counter(r[0] for r in rows if r[1] == Gender.FEMALE)
    children = sum(r[5] for r in rows)
    ethos_of = {c.pk: c.ethos for c in cats}
    by_ethos = Counter(ethos_of.get(r[0], ETHOS_OUTSIDE) for r in rows)
    ethos_numbers = [n for n in ETHOS_LIGHT if n != ETHOS_OUTSIDE]
    if by_ethos.get(ETHOS_OUTSIDE) or any(c.ethos == ETHOS_OUTSIDE for c in cats):
        ethos_numbers.append(ETHOS_OUTSIDE)

    def choice_rows(choices, counter):
        return [(str(label), counter.get(value, 0)) for value, label in choices]

    tables = [
        _table("gender", _("Gender"), choice_rows(Gender.choices, by_gender), total, False),
        _table("age", _("Age band"), choice_rows(CountAgeBand.choices, by_age), total, False),
        _table(
            "situation",
            _("Sleeping situation (%(definition)s)") % {"definition": campaign.definition},
            [(str(c), by_category.get(c.pk, 0)) for c in cats],
            total,
            False,
        ),
        _table(
            "ethos",
            _("Sleeping situation (ETHOS Light)"),
            [(_(ETHOS_LIGHT[n]), by_ethos.get(n, 0)) for n in ethos_numbers],
            total,
            False,
        ),
        _table(
            "comorbidity",
            _("Substance use and mental illness"),
            choice_rows(Comorbidity.choices, by_comorbidity),
            total,
            False,
        ),
        _table(
            "duration",
            _("Homeless for"),
            choice_rows(Duration.choices, by_duration),
            total,
            False,
        ),
        _table(
            "women",
            _("Women by sleeping situation"),
            [(str(c), women_by_category.get(c.pk, 0)) for c in cats],
            by_gender.get(Gender.FEMALE, 0),
            False,
        ),
    ]
    women = by_gender.get(Gender.FEMALE, 0)
    outcome = Result(
        campaign=campaign,
        suppressed=suppressed,
        total=total,
        women=women,
        women_share=_share(women, total),
        children=children,
        observations=total + duplicates,
        duplicates=duplicates,
        tables=tables,
    )
    if suppressed:
        outcome = _suppress(outcome, [c.ethos for c in cats], ethos_numbers)
    log_action(
        actor,
        audit_action,
        campaign,
        object_type="count_result",
        detail={"suppressed": suppressed},
    )
    return outcome


def _suppress(outcome: Result, category_ethos: list[int], ethos_numbers: list[int]) -> Result:
    """The analyst's view: every figure through `cell()`, tables with secondary suppression.

    An ETHOS Light figure that includes a hidden sleeping situation is withheld as well:
    otherwise a hidden situation could be worked out from its ETHOS Light figure minus the
    published situations mapped to the same ETHOS Light category.
    """
    total = outcome.total
    tables = []
    hidden_ethos = set()
    for table in outcome.tables:
        base = outcome.women if table.key == "women" else total
        labelled = [(row.label, row.value) for row in table.rows]
        forced = ()
        if table.key == "ethos":
            forced = [i for i, n in enumerate(ethos_numbers) if n in hidden_ethos]
        protected = _table(table.key, table.title, labelled, base, True, forced)
        if table.key == "situation":
            hidden_ethos = {
                ethos
                for ethos, row in zip(category_ethos, protected.rows, strict=True)
                if row.value.suppressed
            }
        tables.append(protected)
    women = cell(outcome.women)
    return Result(
        campaign=outcome.campaign,
        suppressed=True,
        total=cell(total),
        women=women,
        women_share=None if women.suppressed or cell(total).suppressed else outcome.women_share,
        children=cell(outcome.children),
        observations=cell(outcome.observations),
        duplicates=cell(outcome.duplicates),
        tables=tables,
    )


def export_rows(outcome: Result) -> list[list[str]]:
    """The result as rows for CSV and XLSX: table, category, persons, per cent."""
    rows = [
        [_("Table"), _("Category"), _("Persons"), _("Per cent")],
        [_("Total"), "", str(outcome.total), ""],
        [
            _("Women"),
            "",
            str(outcome.women),
            "" if outcome.women_share is None else str(outcome.women_share),
        ],
        [_("Children with them"), "", str(outcome.children), ""],
    ]
    for table in outcome.tables:
        for row in table.rows:
            share = "" if row.share is None else str(row.share)
            rows.append([table.title, row.label, str(row.value), share])
    return rows

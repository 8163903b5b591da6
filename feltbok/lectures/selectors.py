"""Reads for lectures: the list for a period and its summary per audience."""

from dataclasses import dataclass

from feltbok.accounts.models import Membership
from feltbok.core.access import Perm, scoped
from feltbok.lectures.models import Audience, Lecture


def lectures_between(actor, start, end) -> list[Lecture]:
    """The service's lectures in the period, newest first: two queries whatever their number."""
    actor.require(Perm.RECORD_LECTURES)
    return list(
        scoped(actor, Lecture)
        .filter(date__gte=start, date__lte=end)
        .prefetch_related("given_by")
        .order_by("-date", "-created_at")
    )


@dataclass
class AudienceLine:
    label: str
    lectures: int
    attending: int


def summary(lectures: list[Lecture]) -> list[AudienceLine]:
    """Lectures and attendance per audience, from the list already read (no query)."""
    lines = {value: AudienceLine(str(label), 0, 0) for value, label in Audience.choices}
    for lecture in lectures:
        lines[lecture.audience].lectures += 1
        lines[lecture.audience].attending += lecture.attending
    return [line for line in lines.values() if line.lectures]


def staff_choices(actor) -> list[tuple]:
    """Active staff of the service, for "given by"."""
    memberships = (
        Membership.objects.filter(service_id=actor.service_id, is_active=True)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    )
    return [(m.user, m.user.get_full_name() or m.user.email) for m in memberships]

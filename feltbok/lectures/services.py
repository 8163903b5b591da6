"""Writes for lectures: recording one, with its audit entry in the same transaction."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from feltbok.accounts.models import Membership
from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm
from feltbok.core.transactions import write_transaction
from feltbok.lectures.models import MAX_ATTENDING, Audience, Lecture

MAX_YEARS_BACK = 5


class LectureError(ValueError):
    """Refused: the message says why, in the user's language; nothing is stored."""


@dataclass
class LectureData:
    date: datetime.date
    audience: str
    topic: str
    attending: int
    given_by: list = field(default_factory=list)  # users
    notes: str = ""


def _plain(value, *, limit, label, required=False) -> str:
    text = " ".join(str(value or "").split()) if limit <= 200 else str(value or "").strip()
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in text):
        raise LectureError(
            _("“%(field)s” contains characters that cannot be saved. Write plain text.")
            % {"field": label}
        )
    if required and not text:
        raise LectureError(_("Fill in “%(field)s”.") % {"field": label})
    if len(text) > limit:
        raise LectureError(
            _("“%(field)s” is too long: at most %(limit)s characters.")
            % {"field": label, "limit": limit}
        )
    return text


def record_lecture(actor, data: LectureData) -> Lecture:
    """A lecture or teaching session given by staff of the actor's service."""
    actor.require(Perm.RECORD_LECTURES)
    today = timezone.localdate()
    if data.date > today:
        raise LectureError(_("The date cannot be in the future."))
    if data.date < today.replace(year=today.year - MAX_YEARS_BACK, day=1):
        raise LectureError(
            _("Record lectures from the last %(years)s years.") % {"years": MAX_YEARS_BACK}
        )
    if data.audience not in Audience.values:
        raise LectureError(_("Choose the audience."))
    topic = _plain(data.topic, limit=200, label=_("Topic"), required=True)
    notes = _plain(data.notes, limit=2000, label=_("Notes"))
    if not isinstance(data.attending, int) or not 0 < data.attending <= MAX_ATTENDING:
        raise LectureError(
            _("The number attending must be between 1 and %(max)s.") % {"max": MAX_ATTENDING}
        )
    given_by = list({user.pk: user for user in data.given_by}.values())
    if not given_by:
        raise LectureError(_("Choose who gave the lecture."))
    staff = set(
        Membership.objects.filter(
            service_id=actor.service_id, is_active=True, user__in=given_by
        ).values_list("user_id", flat=True)
    )
    if any(user.pk not in staff for user in given_by):
        raise LectureError(_("Choose staff of this service."))
    with write_transaction():
        lecture = Lecture.objects.create(
            service_id=actor.service_id,
            date=data.date,
            audience=data.audience,
            topic=topic,
            attending=data.attending,
            notes=notes,
            recorded_by=actor.user,
        )
        lecture.given_by.set(given_by)
        log_action(
            actor,
            AuditAction.CREATE,
            lecture,
            detail={"audience": data.audience, "attending": data.attending},
        )
    return lecture

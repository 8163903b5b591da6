"""Writes: emergency access grants, and the audit of review reads and exports."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from feltbok.audit.models import AuditAction
from feltbok.audit.services import log_action
from feltbok.core.access import Perm
from feltbok.oversight import selectors
from feltbok.oversight.models import REASON_MIN_LENGTH, EmergencyAccess, ReasonKind


class EmergencyAccessError(Exception):
    """Refused: the message says why, in the user's language."""


def grant_emergency_access(actor, person, *, reason_kind, reason_text, now=None):
    """Open one person outside the actor's normal scope for a limited time, giving a reason.

    The grant and its flagged audit row (on the person, with the reason) land together.
    Refused without a reason from the list or with too short an explanation: nothing stored.
    """
    actor.require(Perm.BREAK_GLASS)
    if person.service_id != actor.service_id:
        raise EmergencyAccessError(_("This person is not in your service."))
    if reason_kind not in ReasonKind.values:
        raise EmergencyAccessError(_("Choose a reason from the list."))
    reason_text = " ".join((reason_text or "").split())
    if len(reason_text) < REASON_MIN_LENGTH:
        raise EmergencyAccessError(
            _("Explain why you need the record now, in at least %(n)s characters.")
            % {"n": REASON_MIN_LENGTH}
        )
    now = now or timezone.now()
    expires_at = now + datetime.timedelta(hours=selectors.grant_hours())
    with transaction.atomic():
        grant = EmergencyAccess.objects.create(
            service_id=actor.service_id,
            person=person,
            user=actor.user,
            role=actor.role,
            reason_kind=reason_kind,
            reason_text=reason_text[:300],
            granted_at=now,
            expires_at=expires_at,
        )
        log_action(
            actor,
            AuditAction.READ,
            person,
            reason=f"{gettext_noop('Emergency access')}: {reason_text}",
            detail={
                "emergency": True,
                "grant": str(grant.code),
                "reason_kind": reason_kind,
                "expires_at": expires_at.isoformat(),
            },
        )
    return grant


def log_review(actor, what, detail):
    """A read of the review pages (who looked at the log, and with which filters)."""
    log_action(actor, AuditAction.READ, object_type=what, detail=detail)


def log_export(actor, what, detail):
    log_action(actor, AuditAction.EXPORT, object_type=what, detail=detail)

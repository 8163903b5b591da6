"""Reads of protected exports: the requester's own list and the download gate."""

from django.http import Http404

from feltbok.core.access import scoped
from feltbok.exports.models import ProtectedExport


def my_exports(actor, limit=100):
    """The actor's own exports, newest first (one query)."""
    return list(scoped(actor, ProtectedExport).filter(requested_by=actor.user)[:limit])


def export_for_requester(actor, code) -> ProtectedExport:
    """Only the requester may fetch an export; anyone else gets 404, which confirms nothing."""
    try:
        return scoped(actor, ProtectedExport).get(code=code, requested_by=actor.user)
    except ProtectedExport.DoesNotExist as exc:
        raise Http404 from exc


def person_ids_for_codes(actor, codes) -> list[int]:
    """The persons an export names (by public code), for the export's record (one query)."""
    from feltbok.people.models import Person

    codes = [str(code) for code in codes if code]
    if not codes:
        return []
    return list(scoped(actor, Person).filter(code__in=codes).values_list("pk", flat=True))


def rotation_runs(actor, limit=10):
    """The latest background key rotations (installation-wide; no personal data)."""
    from feltbok.core.access import Perm
    from feltbok.exports.models import KeyRotationRun

    actor.require(Perm.MANAGE_KEYS)
    return list(KeyRotationRun.objects.select_related("requested_by")[:limit])

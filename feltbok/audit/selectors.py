from feltbok.audit.models import AuditEvent
from feltbok.core.access import Perm, scoped


def access_log_for(actor, obj, limit=200):
    """Who read or changed `obj`, newest first (team leads only)."""
    actor.require(Perm.VIEW_ACCESS_LOG)
    return (
        scoped(actor, AuditEvent)
        .filter(object_type=obj._meta.model_name, object_id=str(obj.code))
        .order_by("-seq")[:limit]
    )

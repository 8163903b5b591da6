from django.conf import settings

from feltbok.core.access import Perm, actor_for


def feltbok(request):
    actor = actor_for(request) if hasattr(request, "user") else None
    return {
        "actor": actor,
        "perms_": {perm.name: actor.can(perm) for perm in Perm} if actor else {},
        "demo": settings.DEMO,
    }

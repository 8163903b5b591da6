from django.conf import settings
from django.utils.translation import gettext_lazy as _

from feltbok.core.access import Perm, actor_for
from feltbok.people.models import PersonFlag

# Messages the offline outbox (static/feltbok/outbox.js) shows; "%(n)s" is filled in there.
JS_MESSAGES = {
    "pending": _("%(n)s not sent yet: kept on this phone until the network is back"),
    "rejected": _("%(n)s refused by the server: see the list"),
    "not_sent": _("Not sent yet"),
    "refused": _("Refused"),
    "tally": _("Anonymous count: %(n)s"),
    "new_person": _("New person"),
    "incident": _("Incident"),
    "group": _("Group contact: %(n)s"),
    "identity_online": _(
        "An identified person can only be registered with network. Choose nickname or "
        "description now, and add the identity later."
    ),
    "observation": _("Environment observation"),
    "arrived": _("Arrived"),
    "ended": _("Patrol ended"),
    "flags": dict(PersonFlag.choices),
    "logout_unsent": _(
        "%(n)s entries are not sent yet and will be lost if you log out now. Log out anyway?"
    ),
}


def feltbok(request):
    actor = actor_for(request) if hasattr(request, "user") else None
    return {
        "js_i18n": JS_MESSAGES if actor else {},
        "actor": actor,
        "perms_": {perm.name: actor.can(perm) for perm in Perm} if actor else {},
        "demo": settings.DEMO,
    }

"""Patrol mode's list of inquiries sent to the patrol, and a duration filter."""

from django import template
from django.utils.translation import gettext as _

from feltbok.oncall import selectors
from feltbok.oncall.forms import CloseForm, NoteForm

register = template.Library()


@register.filter
def duration(value):
    """A timedelta as "1 h 05 min" / "12 min"; empty for None."""
    if value is None:
        return ""
    minutes = max(0, int(value.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(hours)s h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)s min") % {"minutes": minutes}


@register.inclusion_tag("oncall/_patrol_inquiries.html", takes_context=True)
def patrol_inquiries(context, patrol, actor):
    """Open inquiries sent to this patrol, for its members while it is under way."""
    rows = selectors.patrol_inquiries(actor, patrol) if patrol.is_active else []
    request = context.get("request")
    return {
        "inquiries": rows,
        "patrol": patrol,
        "next": request.get_full_path() if request else "",
        "note_form": NoteForm(),
        "close_form": CloseForm(),
        "csrf_token": context.get("csrf_token"),
    }

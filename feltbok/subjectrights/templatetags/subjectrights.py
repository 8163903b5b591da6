from django import template

from feltbok.core.access import actor_for
from feltbok.subjectrights.selectors import correction_history

register = template.Library()


@register.inclusion_tag("subjectrights/_history.html", takes_context=True)
def corrections_panel(context, person):
    """The person page's history of corrected details (what the actor may see of it)."""
    actor = actor_for(context["request"])
    return {"corrections": correction_history(actor, person) if actor else []}

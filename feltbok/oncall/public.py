"""The public concern form: no log-in, four languages, abuse protection.

Anyone may tell the team about someone who seems to live isolated. What is sent lands in the
coordinators' triage queue as a new inquiry; the receipt shows nothing of it. Bad input gets a
clear message and stores nothing; a flood gets a polite refusal; a filled-in honeypot gets the
receipt and stores nothing.
"""

import hashlib
import time

from django.conf import settings
from django.db import connection, transaction
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from feltbok.oncall import selectors, services
from feltbok.oncall.forms import ConcernForm
from feltbok.oncall.models import SubmissionWindow

# At most this many submissions per client in each fixed window, counted in the database so
# that all workers count together (SubmissionWindow). Behind a proxy, REMOTE_ADDR must be the
# client's address (set by the proxy's WSGI server).
RATE_LIMIT = getattr(settings, "FELTBOK_CONCERN_RATE_LIMIT", 5)
RATE_WINDOW_SECONDS = getattr(settings, "FELTBOK_CONCERN_RATE_WINDOW", 600)
# A request body larger than this is refused before it is read: the form's fields together
# are far smaller (about 5,000 characters of text).
MAX_BODY_BYTES = 64 * 1024


def _no_store(response):
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, private"
    return response


def _client_key(request) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    # Only a keyed hash of the address, never the address itself, is stored.
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]


def _now() -> float:
    return time.time()


def over_rate_limit(request) -> bool:
    """Count this submission; True once the client has sent more than the window allows.

    One statement that adds one to the client's count in the current window and returns it,
    so concurrent submissions in any worker are counted exactly.
    """
    limit = getattr(settings, "FELTBOK_CONCERN_RATE_LIMIT", RATE_LIMIT)
    window = getattr(settings, "FELTBOK_CONCERN_RATE_WINDOW", RATE_WINDOW_SECONDS)
    start = int(_now()) // window * window
    table = SubmissionWindow._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (client, window_start, count) VALUES (%s, %s, 1) "  # noqa: S608 # nosec B608 (the table name is our own)
            f"ON CONFLICT (client, window_start) DO UPDATE SET count = {table}.count + 1 "
            "RETURNING count",
            [_client_key(request), start],
        )
        count = cursor.fetchone()[0]
        if count == 1:  # the client's first in this window: past windows are no longer needed
            SubmissionWindow.objects.filter(window_start__lt=start).delete()
    return count > limit


def _emergency_numbers(country):
    """Norway: 113 ambulance, 112 police (110 fire); Denmark and Sweden: 112."""
    if country == "NO":
        return [("113", _("Medical emergency")), ("112", _("Police"))]
    return [("112", _("Emergency"))]


def _page_context(settings_row):
    service = settings_row.service
    hours = selectors.public_hours(settings_row)
    return {
        "oncall": settings_row,
        "service": service,
        "emergency": _emergency_numbers(service.country),
        "on_call_open": hours.on_call_open,
        "on_call_hours": hours.on_call_hours,
        "walk_in_hours": hours.walk_in_hours,
        "exceptions": hours.exceptions,
    }


@require_GET
def index(request):
    """The services that take concerns through this form."""
    rows = list(selectors.public_services())
    if len(rows) == 1:
        return _no_store(redirect("concern:form", slug=rows[0].public_slug))
    return _no_store(render(request, "oncall/public/index.html", {"services": rows}))


# The empty form's fields are the same for every visitor in a language (the CSRF token is
# outside them), and rendering eleven check boxes and eight fields through the widget
# templates is most of the page's cost: each worker renders them once per language.
_blank_fields_cache: dict[tuple, SafeString] = {}


def _blank_fields(settings_row):
    key = (get_language(), settings_row.reporter_retention_days)
    html = _blank_fields_cache.get(key)
    if html is None:
        context = {"form": ConcernForm(), "oncall": settings_row}
        html = _blank_fields_cache[key] = render_to_string("oncall/public/_fields.html", context)
    return html  # a SafeString: the template's own output, rendered with autoescape


def _render(request, settings_row, status=200, **extra):
    context = _page_context(settings_row)
    context.update(extra)
    return _no_store(render(request, "oncall/public/form.html", context, status=status))


@require_http_methods(["GET", "POST"])
def concern(request, slug):
    settings_row = selectors.public_settings(slug)
    if request.method == "GET":
        return _render(
            request, settings_row, form=ConcernForm(), blank_fields=_blank_fields(settings_row)
        )

    # Refused before the body is read: too large, or too many from this client.
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = MAX_BODY_BYTES + 1
    if length > MAX_BODY_BYTES:
        refusal = _("What you sent was too large. Shorten the text and send it again, or call us.")
        return _render(request, settings_row, 413, form=ConcernForm(), refusal=refusal)
    if over_rate_limit(request):
        refusal = _(
            "We have received several reports from you in a short time. Wait a few minutes "
            "before you send another, or call us."
        )
        return _render(request, settings_row, 429, form=None, refusal=refusal)

    form = ConcernForm(request.POST)
    if not form.is_valid():
        return _render(request, settings_row, 400, form=form)
    if form.cleaned_data["website"]:
        # The honeypot was filled in: a bot. It sees the receipt; nothing is stored.
        return _no_store(redirect("concern:received", slug=slug))
    data = services.InquiryData(
        concern=form.cleaned_data["concern"],
        urgency="",
        caller_type=form.cleaned_data["caller_type"],
        where=form.cleaned_data["where"],
        when=form.cleaned_data["when"],
        signs=form.cleaned_data["signs"],
        reporter_name=form.cleaned_data["reporter_name"],
        reporter_phone=form.cleaned_data["reporter_phone"],
        reporter_email=form.cleaned_data["reporter_email"],
    )
    if not data.concern.strip():
        form.add_error("concern", _("Tell us in a few words what worries you."))
        return _render(request, settings_row, 400, form=form)
    try:
        services.submit_public_concern(settings_row.service, data, settings_row=settings_row)
    except services.OncallError as error:
        form.add_error(None, str(error))
        return _render(request, settings_row, 400, form=form)
    return _no_store(redirect("concern:received", slug=slug))


@require_GET
def received(request, slug):
    """The receipt: nothing of what was sent, and what to do in an emergency."""
    settings_row = selectors.public_settings(slug)
    return _no_store(render(request, "oncall/public/received.html", _page_context(settings_row)))

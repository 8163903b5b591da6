"""The requester's exports and the download of one, and the page that shows a password once."""

from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from feltbok.core.access import Perm, acting
from feltbok.exports import selectors, services


def no_store(response):
    """Neither the browser nor a proxy keeps a copy of a page or file with personal data."""
    response["Cache-Control"] = "no-store, private"
    response["Pragma"] = "no-cache"
    return response


def render_created(request, created, back_url=""):
    """The one time the password is shown: the page is rendered, not redirected to."""
    return no_store(
        render(
            request,
            "exports/created.html",
            {"export": created.export, "password": created.password, "back_url": back_url},
        )
    )


@require_GET
@acting()
def mine(request, actor):
    exports = selectors.my_exports(actor)
    return no_store(
        render(request, "exports/mine.html", {"exports": exports, "now": timezone.now()})
    )


@require_GET
@acting()
def download(request, actor, code):
    export = selectors.export_for_requester(actor, code)
    path = services.file_path(export)
    if not export.is_downloadable(timezone.now()) or not path.exists():
        return no_store(render(request, "exports/gone.html", {"export": export}, status=410))
    services.log_download(actor, export)
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{export.kind}-{timezone.localtime(export.created_at):%Y%m%d-%H%M}.zip",
        content_type="application/zip",
    )
    return no_store(response)


@require_GET
@acting(Perm.MANAGE_KEYS)
def keys(request, actor):
    """Administrators follow key rotation here (started with `rotate_keys --background`)."""
    from feltbok.core.crypto import key_ring

    return render(
        request,
        "exports/keys.html",
        {"runs": selectors.rotation_runs(actor), "active_key": key_ring().active_id},
    )

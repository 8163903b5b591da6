from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from feltbok.core.access import Perm, acting


@require_GET
@never_cache
def healthz(request):
    """200 with the database status when the app can serve; 503 when the database is gone."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "vendor": connection.vendor})


@require_GET
@acting()
def home(request, actor):
    """Each role starts where its work is."""
    if actor.can(Perm.RECORD_FIELDWORK) or actor.can(Perm.VIEW_PATROLS):
        return redirect("fieldwork:patrols")
    if actor.can(Perm.VIEW_STATISTICS):
        return redirect("reports:weekly")
    return render(request, "core/home.html")


SERVICE_WORKER = settings.BASE_DIR / "static" / "feltbok" / "sw.js"


@require_GET
def service_worker(request):
    """The service worker must be served from the root to control the patrol pages."""
    response = HttpResponse(
        SERVICE_WORKER.read_text(encoding="utf-8"), content_type="text/javascript"
    )
    response["Service-Worker-Allowed"] = "/"
    return response


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


def permission_denied(request, exception):
    return render(request, "403.html", status=403)


def bad_request(request, exception):
    return render(request, "400.html", status=400)

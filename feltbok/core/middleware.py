import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

# Paths open to a logged-in user who has not yet enrolled a second factor.
MFA_ENROLMENT_OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz", "/i18n/")


def _api_refusal(message):
    """The API answers in JSON (401), never with a redirect to a log-in page."""
    return JsonResponse({"detail": message}, status=401)


class SessionTimeoutMiddleware:
    """Log out after a period without activity, and after an absolute maximum."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.setdefault("feltbok_login_at", now)
            last_seen = request.session.get("feltbok_seen_at", now)
            idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            absolute = settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            if now - last_seen > idle or now - started > absolute:
                logout(request)
                if request.path.startswith("/api/"):
                    return _api_refusal(_("The session has expired. Log in again."))
                messages.info(request, _("You were logged out because the session expired."))
                return redirect(f"{reverse('account_login')}?next={request.path}")
            # Write the session at most once a minute, not on every request.
            if now - last_seen > 60 or "feltbok_seen_at" not in request.session:
                request.session["feltbok_seen_at"] = now
        return self.get_response(request)


def is_mfa_exempt(user):
    """Only seeded demo users, and only while the named demo setting is on."""
    return settings.DEMO and user.is_demo


class RequireMultiFactorMiddleware:
    """Every role must have a second factor: send users without one to enrolment."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(MFA_ENROLMENT_OPEN_PREFIXES)
            and not is_mfa_exempt(user)
            and not _has_authenticator(request)
        ):
            if request.path.startswith("/api/"):
                return _api_refusal(_("Set up two-factor authentication first."))
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def _has_authenticator(request):
    # Checked once per session: enrolment cannot be undone without passing through /accounts/.
    if request.session.get("feltbok_mfa_ok"):
        return True
    from allauth.mfa.models import Authenticator

    enrolled = Authenticator.objects.filter(
        user=request.user, type=Authenticator.Type.TOTP
    ).exists()
    if enrolled:
        request.session["feltbok_mfa_ok"] = True
    return enrolled


class NoStoreMiddleware:
    """Pages with personal data must not be kept in browser or proxy caches."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, private"
        if request.method == "POST" and request.path == reverse("account_logout"):
            # Whatever the phone kept (outbox, look-up list, cached pages) goes with log-out.
            response["Clear-Site-Data"] = '"cache", "storage"'
        return response


class HtmxMiddleware:
    """Sets `request.htmx` for requests made by htmx (they get page fragments)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.htmx = request.headers.get("HX-Request") == "true"
        response = self.get_response(request)
        if request.htmx:
            response.headers.setdefault("Vary", "HX-Request")
        return response

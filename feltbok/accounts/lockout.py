"""django-axes hooks: which account a failed log-in counts against, and the lock-out page."""

from django.shortcuts import render


def username_from_request(request, credentials=None):
    credentials = credentials or {}
    # allauth's form posts "login"; Django's admin log-in posts "username".
    login = (
        credentials.get("email")
        or credentials.get("login")
        or credentials.get("username")
        or request.POST.get("login")
        or request.POST.get("username")
        or ""
    )
    return str(login).strip().lower()[:254]


def lockout_response(request, response=None, credentials=None, *args, **kwargs):
    return render(request, "account/locked_out.html", status=429)

"""The demo seed gives the documented worker follow-ups to show."""

from io import StringIO

import pytest
from django.core.management import call_command

from feltbok.accounts.models import User
from feltbok.audit.services import verify_chain
from feltbok.core import demo
from feltbok.core.access import actor_for_user
from feltbok.followup import selectors
from feltbok.followup.models import DeclinedContact, Episode, Programme
from feltbok.organisation.models import Service


@pytest.fixture
def seeded(db):
    call_command("seed_demo", weeks=1, stdout=StringIO())
    return Service.objects.get(name=demo.DEMO_SERVICE)


def test_demo_follow_up(seeded):
    worker = actor_for_user(User.objects.get(email=demo.DEMO_ACCOUNTS[0].email))
    assert Episode.objects.filter(service=seeded).count() == 5
    assert Episode.objects.filter(service=seeded, ended_on__isnull=True).count() == 4
    assert DeclinedContact.objects.filter(service=seeded).count() == 1
    assert Programme.objects.filter(service=seeded).count() == 3
    mine = selectors.my_followups(worker)
    assert len(mine.episodes) == 3
    assert len(mine.overdue_tasks) == 1
    assert len(mine.commissions) == 2
    # Inactive once the person's last encounter is 30 days old (the demo's setting).
    inactive, settings = selectors.inactive_episodes(worker)
    assert settings.inactive_after_days == 30
    assert len(inactive) <= 1
    # Written through the services: the audit chain holds it, unbroken.
    assert verify_chain(seeded.pk) == []
    # The Danish demo service has no follow-up.
    assert not Episode.objects.exclude(service=seeded).exists()


def test_demo_pages_render(seeded, client):
    from django.urls import reverse

    from conftest import enrol_totp

    user = User.objects.get(email=demo.DEMO_ACCOUNTS[0].email)
    enrol_totp(user)
    client.force_login(user)
    urls = [reverse("followup:mine"), reverse("followup:inactive"), reverse("followup:programmes")]
    urls += [
        reverse("followup:episode", kwargs={"code": code})
        for code in Episode.objects.filter(service=seeded).values_list("code", flat=True)
    ]
    urls += [
        reverse("followup:programme", kwargs={"code": code})
        for code in Programme.objects.filter(service=seeded).values_list("code", flat=True)
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url

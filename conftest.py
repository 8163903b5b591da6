"""Shared test fixtures: a service with one user per role, and an outsider service.

Fixed personas, as in healthchecks' tests: every permission test uses the same cast.
"""

import datetime

import pytest
from django.conf import settings
from django.utils import translation

from feltbok.accounts.models import Membership, Role, User
from feltbok.core.access import actor_for_user
from feltbok.organisation.models import Country, FieldArea, Service, Team

PASSWORD = "correct horse battery staple"

SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[10.75, 59.91], [10.76, 59.91], [10.76, 59.92], [10.75, 59.92], [10.75, 59.91]]
    ],
}


def make_user(email, first_name="", last_name=""):
    return User.objects.create_user(
        email=email, password=PASSWORD, first_name=first_name, last_name=last_name
    )


def make_member(service, role, email, team=None, first_name="Test", last_name=""):
    user = make_user(email, first_name=first_name, last_name=last_name or role.label)
    Membership.objects.create(user=user, service=service, team=team, role=role)
    return user


@pytest.fixture(autouse=True)
def english():
    """Service-level messages in English in tests; requests still follow the user's language."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_public_cache():
    """The public pages' short-lived cache belongs to one test: rolled-back rows send no signal."""
    from feltbok.oncall.selectors import clear_public_cache

    clear_public_cache()


@pytest.fixture
def service(db):
    return Service.objects.create(name="Uteseksjonen (test)", country=Country.NORWAY)


@pytest.fixture
def other_service(db):
    return Service.objects.create(name="Det Opsøgende Team (test)", country=Country.DENMARK)


@pytest.fixture
def team(service):
    return Team.objects.create(service=service, name="Sentrum")


@pytest.fixture
def area(service):
    return FieldArea.objects.create(
        service=service,
        name="Vaterland/Grønland",
        boundary=SQUARE,
        valid_from=datetime.date(2018, 1, 1),
    )


@pytest.fixture
def second_area(service):
    return FieldArea.objects.create(
        service=service,
        name="Oslo S og omegn",
        boundary=SQUARE,
        valid_from=datetime.date(2018, 1, 1),
    )


@pytest.fixture
def users(service, other_service, team):
    """One user per role in `service`, plus a worker of `other_service` ("outsider")."""
    cast = {
        role.value: make_member(service, role, f"{role.value}@test.example", team=team)
        for role in Role
    }
    cast["colleague"] = make_member(
        service, Role.WORKER, "colleague@test.example", team=team, first_name="Kollega"
    )
    # The outsider leads a team in another service: every right, none of them here.
    cast["outsider"] = make_member(other_service, Role.TEAM_LEAD, "outsider@test.example")
    cast["no_membership"] = make_user("nobody@test.example")
    return cast


@pytest.fixture
def actors(users):
    return {name: actor_for_user(user) for name, user in users.items()}


@pytest.fixture
def worker(actors):
    return actors["worker"]


def enrol_totp(user):
    """Give a user a TOTP authenticator, as enrolment through allauth would."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def log_in_as(client, users, persona, language=None):
    """The permission matrices' log-in: any persona, "anonymous" stays logged out."""
    if persona == "anonymous":
        return
    enrol_totp(users[persona])
    client.force_login(users[persona])
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language


def totp_code(secret):
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


@pytest.fixture
def login(client, users):
    """A logged-in test client for a persona (MFA enrolled, as every real user is)."""

    def _login(name, language="en"):
        """Tests read English messages; `language=None` keeps the default (bokmål)."""
        user = users[name]
        if not user.authenticator_set.exists():
            enrol_totp(user)
        client.force_login(user)
        if language:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client

    return _login


@pytest.fixture
def person(worker):
    from feltbok.people.models import AgeBand, AnonymityLevel, Gender
    from feltbok.people.services import PersonData, create_person

    return create_person(
        worker,
        PersonData(
            anonymity_level=AnonymityLevel.NICKNAME,
            nickname="Ravnen",
            gender=Gender.MALE,
            age_band=AgeBand.FROM_18,
        ),
    )


@pytest.fixture
def patrol(worker, users, area):
    """An active patrol of the worker and a colleague."""
    from feltbok.fieldwork.models import Shift
    from feltbok.fieldwork.services import start_patrol

    return start_patrol(worker, colleague=users["colleague"], shift=Shift.EVENING, areas=[area])

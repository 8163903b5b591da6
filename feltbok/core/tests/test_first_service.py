"""`create_service` and `create_admin`: the first service and administrator on a new server."""

import io

import pytest
from django.core.management import CommandError, call_command

from feltbok.accounts.models import Membership, Role, User
from feltbok.organisation.models import Service, Team

GOOD_PASSWORD = "a long walk to Grønland 42"


def test_create_service_with_its_teams(db, capsys):
    call_command("create_service", "Uteseksjonen", country="NO", team=["Sentrum", "Natt"])

    service = Service.objects.get()
    assert (service.name, service.country, service.language) == ("Uteseksjonen", "NO", "nb")
    assert sorted(Team.objects.filter(service=service).values_list("name", flat=True)) == [
        "Natt",
        "Sentrum",
    ]
    assert "Created service Uteseksjonen (Sentrum, Natt)." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        (["uteseksjonen"], {"country": "NO"}, "exists already"),
        (["Ny"], {"country": "XX"}, "invalid choice"),
        (["Ny"], {"country": "NO", "team": ["A", "a"]}, "each only once"),
        (["x" * 121], {"country": "NO"}, "at most 120 characters"),
    ],
)
def test_create_service_refuses_bad_input(db, args, options, message):
    call_command("create_service", "Uteseksjonen", country="NO")

    with pytest.raises(CommandError, match=message):
        call_command("create_service", *args, **options)

    assert list(Service.objects.values_list("name", flat=True)) == ["Uteseksjonen"]
    assert not Team.objects.exists()


@pytest.fixture
def new_service(db):
    call_command("create_service", "Uteseksjonen", country="NO")
    return Service.objects.get()


def create_admin(monkeypatch, password, *args, **options):
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    call_command("create_admin", *args, **options)


def test_create_admin_gives_the_admin_role_and_the_django_admin(new_service, monkeypatch):
    create_admin(
        monkeypatch,
        GOOD_PASSWORD,
        "Ada@Example.no",
        service="uteseksjonen",
        first_name="Ada",
        last_name="Admin",
    )

    user = User.objects.get()
    assert (user.email, user.get_full_name()) == ("ada@example.no", "Ada Admin")
    assert user.is_staff
    assert user.is_superuser
    assert user.check_password(GOOD_PASSWORD)
    membership = Membership.objects.get()
    assert (membership.user, membership.service, membership.role) == (
        user,
        new_service,
        Role.ADMIN,
    )


@pytest.mark.parametrize(
    ("password", "email", "service", "message"),
    [
        ("short", "ada@example.no", "Uteseksjonen", "Password refused: This password is too short"),
        (GOOD_PASSWORD, "not-an-address", "Uteseksjonen", "Not an e-mail address"),
        (GOOD_PASSWORD, "ada@example.no", "Nowhere", "No service named 'Nowhere'"),
    ],
)
def test_create_admin_refuses_bad_input(
    new_service, monkeypatch, password, email, service, message
):
    with pytest.raises(CommandError, match=message):
        create_admin(monkeypatch, password, email, service=service)

    assert not User.objects.exists()
    assert not Membership.objects.exists()


def test_create_admin_refuses_an_existing_user(new_service, monkeypatch):
    create_admin(monkeypatch, GOOD_PASSWORD, "ada@example.no", service="Uteseksjonen")

    with pytest.raises(CommandError, match="exists already"):
        create_admin(monkeypatch, GOOD_PASSWORD, "ADA@example.no", service="Uteseksjonen")

    assert User.objects.count() == 1
    assert Membership.objects.count() == 1

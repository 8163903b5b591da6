import pytest

from feltbok.people.models import Person


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    """Export files go to a fresh directory per test."""
    settings.VAR_DIR = tmp_path
    return tmp_path


def make_person(service, user, nickname):
    return Person.objects.create(
        service=service,
        anonymity_level="nickname",
        nickname=nickname,
        nickname_norm=nickname.lower(),
        gender="unknown",
        age_band="unknown",
        created_by=user,
    )


@pytest.fixture
def persons(service, users):
    return [make_person(service, users["team_lead"], name) for name in ("Kråka", "Svalen")]

import datetime

import pytest

from feltbok.people.models import AgeBand, AnonymityLevel, Gender
from feltbok.people.services import PersonData, create_person


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    """Export files go to a fresh directory per test."""
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def identified(worker):
    """A person who chose to be identified, registered by the worker."""
    return create_person(
        worker,
        PersonData(
            anonymity_level=AnonymityLevel.IDENTIFIED,
            nickname="Måken",
            gender=Gender.FEMALE,
            age_band=AgeBand.FROM_18,
            birth_year=1990,
            full_name="Kari Nordmann",
            birth_date=datetime.date(1990, 5, 17),
            national_id="17059012345",
        ),
    )

import datetime

import pytest
from django.utils import timezone

from feltbok.followup import services


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def episode(worker, person, users, today):
    """The worker follows Ravnen up, as his only contact person, since 30 days."""
    return services.start_episode(
        worker,
        person,
        contact_persons=[users["worker"]],
        started_on=today - datetime.timedelta(days=30),
    )


@pytest.fixture
def place(actors, area):
    from feltbok.organisation import services as organisation_services

    return organisation_services.create_place(
        actors["team_lead"],
        organisation_services.PlaceData(area=area, name="Oslo S", kind="station"),
    )

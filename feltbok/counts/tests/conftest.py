import datetime

import pytest
from django.utils import timezone

from feltbok.counts import services
from feltbok.counts.models import Definition


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def definition(db):
    return Definition.objects.get(code="no_national")


@pytest.fixture
def campaign(actors, definition, today):
    """An open count, from three days ago to three days ahead, by the Norwegian definition."""
    campaign = services.create_campaign(
        actors["team_lead"],
        name="Kartlegging uke 48",
        definition=definition,
        starts_on=today - datetime.timedelta(days=3),
        ends_on=today + datetime.timedelta(days=3),
    )
    return services.open_campaign(actors["team_lead"], campaign)


def anonymous(today, **overrides):
    """An anonymous observation: K.N., born 1970, a man without a place for the night."""
    values = {
        "observed_on": today,
        "source": "patrol",
        "category": "no_place",
        "gender": "male",
        "initials": "K.N.",
        "birth_year": 1970,
        "comorbidity": "both",
    }
    values.update(overrides)
    return services.ObservationData(**values)

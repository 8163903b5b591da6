import pytest

from feltbok.oncall.models import OncallSettings
from feltbok.oncall.services import seed_default_hours


@pytest.fixture
def oncall_settings(service):
    seed_default_hours(service)
    return OncallSettings.objects.create(
        service=service, public_slug="uteseksjonen", phone="913 03 913"
    )


@pytest.fixture
def coordinator(actors):
    return actors["coordinator"]

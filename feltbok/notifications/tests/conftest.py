import pytest

from feltbok.notifications.legal import ensure_types
from feltbok.notifications.models import NotificationType


@pytest.fixture
def types(db):
    """The country types (a flushed test database may have lost the data migration's rows)."""
    ensure_types()
    return {(t.country, t.key): t for t in NotificationType.objects.all()}


@pytest.fixture
def child_welfare(types):
    return types[("NO", "child_welfare")]


@pytest.fixture
def concern(worker, person, child_welfare):
    from feltbok.notifications.services import record_concern

    return record_concern(
        worker,
        notification_type=child_welfare,
        person=person,
        concern="15-åring alene ved Oslo S etter midnatt, ruset.",
    )

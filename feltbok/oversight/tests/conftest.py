import datetime

import pytest
from django.utils import timezone

from feltbok.people.models import Person


def make_person(service, user, nickname, *, days_ago=0, last_contact_days_ago=None):
    """A person registered `days_ago` days ago (and last met as given), without audit."""
    person = Person.objects.create(
        service=service,
        anonymity_level="nickname",
        nickname=nickname,
        nickname_norm=nickname.lower(),
        gender="unknown",
        age_band="unknown",
        created_by=user,
    )
    now = timezone.now()
    last = (
        now - datetime.timedelta(days=last_contact_days_ago)
        if last_contact_days_ago is not None
        else None
    )
    Person.objects.filter(pk=person.pk).update(
        created_at=now - datetime.timedelta(days=days_ago), last_contact_at=last
    )
    person.refresh_from_db()
    return person


@pytest.fixture
def dormant(service, users):
    """Registered by the team lead two years ago, last met 400 days ago: outside the normal
    scope of workers and coordinators (no relation, not in the service's active caseload)."""
    return make_person(
        service, users["team_lead"], "Svalen", days_ago=730, last_contact_days_ago=400
    )

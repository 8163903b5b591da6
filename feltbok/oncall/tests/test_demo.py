"""The demo seed: hours and settings of both services, inquiries and walk-ins in Oslo's."""

from feltbok.core.demo import DEMO_SERVICE, DEMO_SERVICE_DK
from feltbok.oncall.demo import seed_oncall
from feltbok.oncall.models import (
    Inquiry,
    LineKind,
    OncallSettings,
    OpeningException,
    OpeningHours,
    WalkInVisit,
)


def test_demo_oncall(service, other_service, users):
    service.name, other_service.name = DEMO_SERVICE, DEMO_SERVICE_DK
    service.save()
    other_service.save()
    seed_oncall([service, other_service])

    assert OpeningHours.objects.filter(service=service, kind=LineKind.ON_CALL).count() == 7
    assert OpeningHours.objects.filter(service=service, kind=LineKind.WALK_IN).count() == 5
    assert OpeningHours.objects.filter(service=other_service).count() == 7
    oslo = OncallSettings.objects.get(service=service)
    assert (oslo.public_slug, oslo.phone, oslo.walk_in_address) == (
        "uteseksjonen",
        "913 03 913",
        "Maridalsveien 3",
    )
    assert OpeningException.objects.filter(service=service, note="1. juledag").exists()
    statuses = sorted(Inquiry.objects.filter(service=service).values_list("status", flat=True))
    assert statuses == ["closed", "following_up", "new", "new", "new"]
    assert Inquiry.objects.filter(channel="public_form").count() == 1
    assert WalkInVisit.objects.filter(service=service).count() == 3
    assert not Inquiry.objects.filter(service=other_service).exists()

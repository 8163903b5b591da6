"""insert_row stores exactly what save() would."""

import datetime
import uuid
from decimal import Decimal

from django.utils import timezone

from feltbok.core.rows import insert_row
from feltbok.fieldwork.models import Encounter
from feltbok.sync.models import SyncReceipt

SKIP = {"id", "code", "created_at", "updated_at"}


def stored(model, pk):
    row = model.objects.filter(pk=pk).values().get()
    return {key: value for key, value in row.items() if key not in SKIP}


def test_an_encounter_row_is_the_same_as_through_save(worker, patrol, area):
    moment = timezone.now() - datetime.timedelta(minutes=5)
    values = {
        "service_id": worker.service_id,
        "patrol": patrol,
        "occurred_at": moment,
        "local_date": timezone.localtime(moment).date(),
        "area": area,
        "kind": "group",
        "head_count": 3,
        "contact_count": 4,
        "topics": ["food", "conversation"],
        "note": "Suppe og kaffe – «god stemning».",
        "recorded_by": worker.user,
        "latitude": Decimal("59.91234"),
        "longitude": Decimal("10.75678"),
    }
    saved = Encounter.objects.create(code=uuid.uuid4(), **values)
    inserted = insert_row(Encounter(code=uuid.uuid4(), **values))

    assert inserted.pk is not None
    assert inserted.pk != saved.pk
    assert stored(Encounter, inserted.pk) == stored(Encounter, saved.pk)
    fresh = Encounter.objects.get(pk=inserted.pk)
    assert fresh.created_at is not None
    assert fresh.topics == ["food", "conversation"]


def test_a_receipt_row_keeps_its_json_result(worker):
    result = {"key": "k1", "status": 201, "result": {"id": str(uuid.uuid4()), "ø": [1, None]}}
    receipt = insert_row(
        SyncReceipt(
            service_id=worker.service_id,
            key="k1",
            user=worker.user,
            payload_hash="a" * 64,
            status=201,
            result=result,
        )
    )
    assert SyncReceipt.objects.get(pk=receipt.pk).result == result

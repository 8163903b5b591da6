from django.db import migrations, models
from django.utils import timezone


def fill_local_date(apps, schema_editor):
    Encounter = apps.get_model("fieldwork", "Encounter")
    batch = []
    for encounter in Encounter.objects.only("pk", "occurred_at").iterator(chunk_size=5000):
        encounter.local_date = timezone.localtime(encounter.occurred_at).date()
        batch.append(encounter)
        if len(batch) == 5000:
            Encounter.objects.bulk_update(batch, ["local_date"])
            batch = []
    Encounter.objects.bulk_update(batch, ["local_date"])


class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0002_field_work_in_full")]

    operations = [
        migrations.AddField(
            model_name="encounter",
            name="local_date",
            field=models.DateField(editable=False, null=True, verbose_name="date"),
        ),
        migrations.RunPython(fill_local_date, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="encounter",
            name="local_date",
            field=models.DateField(editable=False, verbose_name="date"),
        ),
        migrations.AddIndex(
            model_name="encounter",
            index=models.Index(
                fields=["service", "local_date", "area"], name="encounter_day_area_idx"
            ),
        ),
    ]

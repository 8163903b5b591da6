"""Seed the count definitions: ETHOS Light and the Norwegian, Swedish and Danish counts."""

from django.db import migrations


def seed(apps, schema_editor):
    from feltbok.counts.definitions import sync_definitions

    sync_definitions(apps.get_model("counts", "Definition"), apps.get_model("counts", "Category"))


class Migration(migrations.Migration):
    dependencies = [("counts", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

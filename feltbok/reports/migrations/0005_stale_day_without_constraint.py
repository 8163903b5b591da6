"""The stale-day marks lose their foreign-key constraint (see the model). On SQLite the table
is rebuilt, which drops the trigger on it, so all roll-up triggers are dropped first and
created again after."""

import django.db.models.deletion
from django.db import migrations, models

from feltbok.reports import rollups_sql


def drop(apps, schema_editor):
    rollups_sql.drop_triggers(schema_editor)


def create(apps, schema_editor):
    rollups_sql.create_triggers(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("organisation", "0003_place_safety_note"),
        ("reports", "0004_rollup_first_contact"),
    ]

    operations = [
        migrations.RunPython(drop, create),
        migrations.AlterField(
            model_name="rollupstaleday",
            name="service",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="organisation.service",
            ),
        ),
        migrations.RunPython(create, drop),
    ]

"""New persons are counted as distinct persons with a first contact (as the plain query does):
the person-day roll-up keeps the flag. Triggers recreated around the change, every day stale."""

import importlib

from django.db import migrations, models

from feltbok.reports import rollups_sql

MARK_ALL = importlib.import_module("feltbok.reports.migrations.0003_rollup_triggers").MARK_ALL


def drop(apps, schema_editor):
    rollups_sql.drop_triggers(schema_editor)


def create(apps, schema_editor):
    rollups_sql.create_triggers(schema_editor)
    schema_editor.execute("DELETE FROM reports_persondayrollup", params=None)
    # Days already marked stay marked.
    mark = MARK_ALL.replace("INSERT INTO", "INSERT OR IGNORE INTO")
    if schema_editor.connection.vendor == "postgresql":
        mark = MARK_ALL + " ON CONFLICT DO NOTHING"
    schema_editor.execute(mark, params=None)


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_rollup_triggers")]

    operations = [
        migrations.RunPython(drop, create),
        migrations.AddField(
            model_name="persondayrollup",
            name="first_contact",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(create, drop),
    ]

"""Triggers that mark roll-up days stale on every write (reports.rollups), and every day with
encounters marked stale now: the first statistics read (or `manage.py rebuild_rollups`, for a
large database) fills the roll-ups."""

from django.db import migrations

from feltbok.reports import rollups_sql

MARK_ALL = """
INSERT INTO reports_rollupstaleday (service_id, day)
SELECT DISTINCT service_id, local_date FROM fieldwork_encounter
UNION
SELECT DISTINCT ep.service_id, e.local_date FROM fieldwork_encounterperson ep
JOIN fieldwork_encounter e ON e.id = ep.encounter_id
"""


def forwards(apps, schema_editor):
    rollups_sql.create_triggers(schema_editor)
    schema_editor.execute(MARK_ALL, params=None)


def backwards(apps, schema_editor):
    rollups_sql.drop_triggers(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_rollups"),
        ("fieldwork", "0005_incident_details"),
        ("people", "0001_initial"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]

"""Load the notification types of each country (feltbok/notifications/legal.py)."""

from django.db import migrations


def create_types(apps, schema_editor):
    from feltbok.notifications.legal import ensure_types

    ensure_types(apps.get_model("notifications", "NotificationType"))


def remove_types(apps, schema_editor):
    from feltbok.notifications.legal import TYPES

    NotificationType = apps.get_model("notifications", "NotificationType")
    for row in TYPES:
        NotificationType.objects.filter(country=row["country"], key=row["key"]).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(create_types, remove_types)]

"""Background work of protected exports (django-tasks)."""

from django_tasks import task

from feltbok.exports import services


@task()
def expire_exports_task() -> int:
    """Delete the files of exports past their expiry (queued for each export's expiry time)."""
    return services.expire_exports()

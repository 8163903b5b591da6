"""Background work of protected exports (django-tasks)."""

from django_tasks import task

from feltbok.exports import services


@task()
def expire_exports_task() -> int:
    """Delete the files of exports past their expiry (queued for each export's expiry time)."""
    return services.expire_exports()


@task()
def rotate_keys_task(run_code: str) -> str:
    """`rotate_keys` in the background, recording its progress in the KeyRotationRun.

    A refusal (a missing key) is recorded in the run and changes nothing; it is not raised
    again, so the worker does not retry a run that cannot succeed.
    """
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = io.StringIO()
    try:
        call_command("rotate_keys", resume=run_code, stdout=out)
    except CommandError as exc:
        return str(exc)
    return out.getvalue()

from django.conf import settings
from django.core.checks import Error, register


@register(deploy=True)
def demo_setting_refused(app_configs, **kwargs):
    """The demo exemption from multi-factor must never reach production."""
    if settings.DEMO:
        return [Error("FELTBOK_DEMO is on.", hint="Unset it in production.", id="feltbok.E001")]
    return []

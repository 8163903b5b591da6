"""Settings for the test suite: development fallbacks plus the test-only fast hasher.

Production settings are tested separately (tests run `check --deploy` on feltbok.settings).
"""

import os

os.environ.setdefault("FELTBOK_DEBUG", "1")
os.environ.setdefault("FELTBOK_TESTING", "1")
# Playwright's sync API runs an event loop in the test thread; the ORM calls made there are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from feltbok.settings import *  # noqa: F403

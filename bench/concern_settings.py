"""Settings for load-testing the public concern form over plain HTTP on 127.0.0.1.

Production settings (DEBUG off) with what a local load test needs: no HTTPS redirect and
cookies without the Secure flag (locust talks plain HTTP), and a rate limit high enough that
50 submitters from one address are not refused. Not for anything but bench/.
"""

import os

os.environ.setdefault("FELTBOK_DEBUG", "0")
os.environ.setdefault("FELTBOK_SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("FELTBOK_KEYS", "bench1:YmVuY2gtb25seS1mZWx0Ym9rLWtleS0zMi1ieXRlcyE=")
os.environ.setdefault("FELTBOK_BLIND_INDEX_KEY", "YmVuY2gtb25seS1ibGluZC1pbmRleC1rZXktMzJieXQ=")
os.environ.setdefault("FELTBOK_ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("FELTBOK_SSL_REDIRECT", "0")

from feltbok.settings import *  # noqa: F403

SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SESSION_COOKIE_NAME = "feltbok-session"
CSRF_COOKIE_NAME = "feltbok-csrf"
FELTBOK_CONCERN_RATE_LIMIT = 10**9
# Collected into the bench's own directory (manage.py collectstatic), as in production.
STATIC_ROOT = VAR_DIR / "static"  # noqa: F405

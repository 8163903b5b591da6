"""Feltbok settings: one module, driven by the environment.

Every value is parsed strictly (a typo in a boolean is an error, not False) and every secret
can be read from a file named by the same variable with a `_FILE` suffix.
Production is the default; development and the demo must be asked for explicitly.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from feltbok.core.crypto import KeyRing

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env(name, default=None):
    """A string from the environment, or from the file named by NAME_FILE."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_name}: {exc}") from exc
    return os.environ.get(name, default)


def envbool(name, default):
    value = env(name)
    if value is None:
        return default
    value = value.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def envint(name, default, minimum=None):
    value = env(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


def envlist(name, default):
    value = env(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = envbool("FELTBOK_DEBUG", False)
# The demo: seeded demo users may skip multi-factor enrolment. Refused outside DEBUG.
DEMO = envbool("FELTBOK_DEMO", False)
if DEMO and not DEBUG:
    raise ImproperlyConfigured("FELTBOK_DEMO is a development setting and needs FELTBOK_DEBUG=1.")
TESTING = envbool("FELTBOK_TESTING", False)

# Development-only fallbacks. They are public, so production (DEBUG off) refuses to start
# without real values.
_DEV_SECRET_KEY = "dev-only-insecure-key-9b1d3c0e6f0a4c2e8f7d5b3a1c9e7f5d3b1a9c7e5f3d1b9a"  # noqa: S105
_DEV_KEYS = "dev1:ZGV2LW9ubHktZmVsdGJvay1rZXktMzItYnl0ZXMhISE="
_DEV_INDEX_KEY = "ZGV2LW9ubHktYmxpbmQtaW5kZXgta2V5LTMyYnl0ZXM="

SECRET_KEY = env("FELTBOK_SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else None)
if not SECRET_KEY:
    raise ImproperlyConfigured("FELTBOK_SECRET_KEY (or FELTBOK_SECRET_KEY_FILE) must be set.")

# Key ring for identifying fields: "id:base64key,id:base64key"; the active key encrypts,
# every listed key decrypts. The blind-index key makes HMAC look-ups of exact values.
FELTBOK_KEYS = env("FELTBOK_KEYS") or (_DEV_KEYS if DEBUG else None)
FELTBOK_ACTIVE_KEY = env("FELTBOK_ACTIVE_KEY") or (
    FELTBOK_KEYS.split(",")[-1].split(":")[0] if FELTBOK_KEYS else None
)
FELTBOK_BLIND_INDEX_KEY = env("FELTBOK_BLIND_INDEX_KEY") or (_DEV_INDEX_KEY if DEBUG else None)
if not FELTBOK_KEYS or not FELTBOK_BLIND_INDEX_KEY:
    raise ImproperlyConfigured("FELTBOK_KEYS and FELTBOK_BLIND_INDEX_KEY must be set.")
KeyRing.parse(FELTBOK_KEYS, FELTBOK_ACTIVE_KEY)  # refuse a malformed ring at start-up

ALLOWED_HOSTS = envlist(
    "FELTBOK_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = envlist("FELTBOK_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # its bundled Swagger files, so /api/docs needs nothing from elsewhere
    "feltbok.core",
    "feltbok.organisation",
    "feltbok.accounts",
    "feltbok.audit",
    "feltbok.people",
    "feltbok.fieldwork",
    "feltbok.reports",
    "feltbok.sync",
    "feltbok.followup",
    "feltbok.referrals",
    "feltbok.notifications",
    "feltbok.oncall",
    "feltbok.counts",
    "feltbok.oversight",
    "feltbok.reportbuilder",
    "feltbok.exports",
    "feltbok.subjectrights",
    "feltbok.privacy",
    "feltbok.lectures",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "feltbok.core.middleware.HtmxMiddleware",
    "feltbok.core.middleware.SessionTimeoutMiddleware",
    "feltbok.core.middleware.RequireMultiFactorMiddleware",
    "feltbok.core.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

SILENCED_SYSTEM_CHECKS = ["axes.W006"]

if not (DEBUG or TESTING):
    # Production serves its compressed, hashed static files itself (whitenoise).
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "feltbok.urls"
WSGI_APPLICATION = "feltbok.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "feltbok" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "feltbok.core.context_processors.feltbok",
            ],
        },
    },
]

# Database: SQLite under var/ by default (WAL mode, set in init_command); PostgreSQL via
# DATABASE_URL in production.
VAR_DIR = Path(env("FELTBOK_VAR_DIR", str(BASE_DIR / "var")))
# Files the app keeps (uploads, exports); backed up with the database.
MEDIA_ROOT = VAR_DIR / "media"
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'feltbok.sqlite3'}",
        conn_max_age=envint("FELTBOK_DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # WAL; 64 MiB page cache and reads through a memory map: a large database's index
        # pages are then not copied in one by one (docs/benchmarks.md, the offline sync).
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA cache_size=-65536; PRAGMA mmap_size=1073741824;"
        ),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it counts failures and refuses locked-out log-ins.
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Background work (retention, key rotation, expiry of exports): django-tasks, queued in the
# database and run by `manage.py db_worker` (docs/operations.md). Tests run tasks at once.
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend"
        ),
    }
}

if TESTING:
    # Hashing with the production hasher would make the suite slow; nothing else changes.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# django-allauth: local accounts created by an administrator, log-in by e-mail, MFA.
SITE_ID = 1
ACCOUNT_ADAPTER = "feltbok.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_RATE_LIMITS = False  # django-axes does the lock-out; one mechanism, one message
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"
MFA_ADAPTER = "feltbok.accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Feltbok"

# django-axes: lock an account after repeated failed log-ins.
AXES_FAILURE_LIMIT = envint("FELTBOK_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=envint("FELTBOK_LOCKOUT_MINUTES", 30, minimum=1))
# Per account, not per address: field staff share the municipality's NAT, and one
# colleague's typos must not lock out the whole office (hence axes.W006 is silenced).
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "feltbok.accounts.lockout.username_from_request"
AXES_LOCKOUT_CALLABLE = "feltbok.accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Sessions: an idle timeout and an absolute one (a night patrol lasts until 04:00).
SESSION_IDLE_TIMEOUT = timedelta(minutes=envint("FELTBOK_SESSION_IDLE_MINUTES", 60, minimum=1))
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=envint("FELTBOK_SESSION_MAX_HOURS", 12, minimum=1))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Languages: Norwegian bokmål is the default.
LANGUAGE_CODE = "nb"
LANGUAGES = [
    ("nb", _("Norwegian bokmål")),
    ("da", _("Danish")),
    ("sv", _("Swedish")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("FELTBOK_TIME_ZONE", "Europe/Oslo")

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security headers. No inline scripts anywhere: the CSP allows only our own files.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("FELTBOK_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("FELTBOK_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-feltbok-session"
    CSRF_COOKIE_NAME = "__Host-feltbok-csrf"

# Limits for what a request may carry: field work sends small forms.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

# Protected exports (person-level data): days an encrypted export stays downloadable.
FELTBOK_EXPORT_DAYS = envint("FELTBOK_EXPORT_DAYS", 7, minimum=1)

# Small-cell suppression in aggregates: cells below this are shown as "<N".
FELTBOK_SUPPRESSION_THRESHOLD = envint("FELTBOK_SUPPRESSION_THRESHOLD", 5, minimum=2)

# Emergency access and access-log review (issue 7; feltbok/oversight, ADR 0011).
FELTBOK_EMERGENCY_ACCESS_HOURS = envint("FELTBOK_EMERGENCY_ACCESS_HOURS", 12, minimum=1)
FELTBOK_NORMAL_SCOPE_DAYS = envint("FELTBOK_NORMAL_SCOPE_DAYS", 365, minimum=1)
FELTBOK_REVIEW_BURST_THRESHOLD = envint("FELTBOK_REVIEW_BURST_THRESHOLD", 30, minimum=2)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One JSON line per record, without query strings, bodies or exception messages.
    "formatters": {"json": {"()": "feltbok.core.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": env("FELTBOK_LOG_LEVEL", "INFO")},
    "loggers": {
        # Request errors are logged without the request's body or query (personal data).
        "django.request": {"level": "ERROR", "propagate": True},
        "axes": {"level": "WARNING"},
    },
}

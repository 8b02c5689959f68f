"""The one settings module. Everything that differs between machines comes from the environment.

DATABASE_URL  default: SQLite file under var/ (the embedded default)
REDIS_URL     when set, django-q2 uses Redis as its broker; otherwise its ORM broker
SECRET_KEY, DEBUG, ALLOWED_HOSTS, BOOKING_OFFER_HOURS, CONTACT_PHONE
CONN_MAX_AGE, DB_PREPARED_STATEMENTS (PostgreSQL: see the Database block)
HEARTBEAT_STALE_SECONDS (when the task cluster counts as stalled: see Background work)
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The fallback is for development and tests only; `manage.py check --deploy` flags it (W009).
SECRET_KEY = env_str("SECRET_KEY", "django-insecure-tsunagu-development-key-not-for-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "django_htmx",
    "django_q",
    "accounts",
    "audit",
    "followups",
    "residents",
    "classes",
    "volunteers",
    "attendance",
    "surveys",
    "reports",
    "notifications",
    "health",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.JapaneseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
            ],
        },
    },
]

FORM_RENDERER = "config.forms.TsunaguFormRenderer"

# --- Database -----------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tsunagu.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two bookings never interleave; WAL lets
    # readers carry on while one writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's own queries bind parameters on the client and are never prepared. The venue's
    # scan path (attendance.checkin) binds on the server so that its statements are prepared
    # once per connection: planning its joined read costs ten times more than running it.
    # Set DB_PREPARED_STATEMENTS=0 behind a pooler that cannot keep prepared statements
    # (PgBouncer in transaction mode before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        0 if env_bool("DB_PREPARED_STATEMENTS", True) else None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background work (django-q2) -------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
Q_WORKERS = env_int("Q_WORKERS", 2)
Q_CLUSTER = {
    "name": "tsunagu",
    "workers": Q_WORKERS,
    "timeout": 120,
    "retry": 180,
    "max_attempts": 3,
    "catch_up": False,
    "label": "Django Q2",
    # The pusher moves at most this many tasks from the broker into the cluster's memory ahead
    # of the workers. With Redis, what it holds is lost if the cluster stalls and is killed
    # (README, "Background work"), so it holds no more than one task per worker.
    "queue_limit": Q_WORKERS,
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
# A task cluster whose heartbeat (health.tasks.beat, scheduled every minute) is older than this
# is stalled: /health/ answers 503 and `manage.py qcluster_watchdog` restarts the cluster. A
# healthy cluster's heartbeat is at most about 90 s old, more while a long backlog is worked off.
HEARTBEAT_STALE_SECONDS = env_int("HEARTBEAT_STALE_SECONDS", 300)

# What follows a change (followups): seconds before each retry of a failed follow-up, then it
# is marked failed and shows in the admin; how long a worker may hold one before it is due again.
FOLLOWUP_RETRY_DELAYS = [
    int(s) for s in env_list("FOLLOWUP_RETRY_DELAYS", ["10", "60", "300", "1800", "7200"])
]
FOLLOWUP_LEASE_SECONDS = env_int("FOLLOWUP_LEASE_SECONDS", 300)

# --- Auth (django-allauth) -------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# --- Language and time -----------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

# --- Security --------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# Production serves over HTTPS and sets SECURE_COOKIES=1; the local site runs on plain http.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "config.logging.RedactTicketTokens"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint narrates every step of every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Tsunagu rules ---------------------------------------------------------------------------
# How long a waitlisted resident may hold an offered seat before it moves on.
BOOKING_OFFER_HOURS = env_int("BOOKING_OFFER_HOURS", 48)
# Search answers at most this many residents; the desk reads them out, not pages through them.
RESIDENT_SEARCH_LIMIT = 20
# Personal data is kept this many years after a resident's last activity (a booking, a
# check-in, a registry edit); then a daily task anonymises the record like an erasure.
# 0 turns the rule off. The file register (個人情報ファイル簿) states it.
RESIDENT_RETENTION_YEARS = env_int("RESIDENT_RETENTION_YEARS", 5)
# The number residents call about their booking; printed on tickets and shown on ticket pages.
CONTACT_PHONE = env_str("CONTACT_PHONE", "0982-52-2111（日向市 DX推進課）")

# --- Notifications ---------------------------------------------------------------------------
# Twilio account and sending number; with NOTIFY_TRANSPORT=console (the default) nothing leaves
# the machine and every message is written to the log instead.
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER")
# Send Twilio's API calls to another host (a local stub in tests and benchmarks).
TWILIO_API_BASE = env_str("TWILIO_API_BASE")
# Seconds to wait for Twilio (connecting, then each read). A send that gets no answer in time
# may still have reached Twilio: it is looked up there before any retry.
TWILIO_TIMEOUT = float(env_str("TWILIO_TIMEOUT", "15"))
# The site's address as Twilio sees it: links in SMS and webhook signatures are built on it.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
NOTIFY_TRANSPORT = env_str("NOTIFY_TRANSPORT", "console")  # console | twilio
# Nothing goes out between these local times (Asia/Tokyo); it waits for the morning.
NOTIFY_QUIET_START = env_str("NOTIFY_QUIET_START", "21:00")
NOTIFY_QUIET_END = env_str("NOTIFY_QUIET_END", "09:00")
# When the day-before reminders go out (local time).
NOTIFY_REMINDER_TIME = env_str("NOTIFY_REMINDER_TIME", "10:00")
# Seconds to wait before each retry after a temporary error; then the message fails.
NOTIFY_RETRY_DELAYS = [int(s) for s in env_list("NOTIFY_RETRY_DELAYS", ["60", "300", "1800"])]
# A message claimed this long ago without an outcome (its worker died) is checked and resumed.
NOTIFY_STALE_SECONDS = env_int("NOTIFY_STALE_SECONDS", 300)
# While sending is paused because the provider refused the credentials, one message tries
# again at most this often (seconds); new credentials in the settings lift the pause at once.
NOTIFY_PAUSE_PROBE_SECONDS = env_int("NOTIFY_PAUSE_PROBE_SECONDS", 300)

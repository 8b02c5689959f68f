"""The one settings module. Everything that differs between machines comes from the environment.

DATABASE_URL  default: SQLite file under var/ (the embedded default)
REDIS_URL     when set, django-q2 uses Redis as its broker and the shared cache lives there;
              otherwise its ORM broker and a cache table in the database
SECRET_KEY, DEBUG, ALLOWED_HOSTS, BOOKING_OFFER_HOURS, CONTACT_PHONE
CONN_MAX_AGE, DB_PREPARED_STATEMENTS (PostgreSQL: see the Database block)
HEARTBEAT_STALE_SECONDS (when the task cluster counts as stalled: see Background work)
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.production import DEVELOPMENT_SECRET_KEY, production_problems, refusal

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
# The fallback is for development only: with DEBUG off the site refuses to start on it (the
# production guard at the end of this module).
SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
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
    "consultations",
    "surveys",
    "reports",
    "privacy",
    "selfbook",
    "notifications",
    "health",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # cspfuzz: the Content-Security-Policy header on every answer, refusals included
    # (CONTENT_SECURITY_POLICY below).
    "config.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.JapaneseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.MfaRequiredMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # cspfuzz: refuses NUL and other control characters in any input with a 400 (README,
    # "Input that is refused"); last, so its page has the user, messages and language.
    "config.middleware.ControlCharacterGuardMiddleware",
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
# --- Shared cache (accounts) --------------------------------------------------------------
# Every process of the site shares one cache, so rate limits (logins, the public survey) hold
# across gunicorn workers and restarts: Redis when REDIS_URL (or CACHE_REDIS_URL, e.g. another
# database number than the task broker's) is set, otherwise a table in the database (made by
# accounts' migration, so `migrate` is all it needs). CACHE_KEY_PREFIX keeps sites sharing one
# Redis apart.
CACHE_TABLE = "tsunagu_cache"
CACHE_REDIS_URL = env_str("CACHE_REDIS_URL", REDIS_URL)
if CACHE_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "tsunagu"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "tsunagu"),
            # Past MAX_ENTRIES the table drops a third of its rows, counters with them: high
            # enough that a guesser cycling through names cannot wipe the login counts.
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 100_000)},
        }
    }

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
ACCOUNT_SESSION_REMEMBER = False  # sessions end when idle instead (below)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# --- Accounts: throttling, sessions, invitations, MFA (accounts) ----------------------------------
# Login throttling: failed logins are counted per client address and per (address, login name)
# in the shared cache, never per login name alone, so nobody can lock a colleague out from
# elsewhere (accounts.throttle). Past the free failures each failure doubles the wait (2 s,
# 4 s, ...) up to LOGIN_WAIT_MAX_SECONDS; a count is forgotten LOGIN_FAILURE_MEMORY_SECONDS
# after its last failure.
LOGIN_FREE_FAILURES_PER_LOGIN = env_int("LOGIN_FREE_FAILURES_PER_LOGIN", 5)
LOGIN_FREE_FAILURES_PER_ADDRESS = env_int("LOGIN_FREE_FAILURES_PER_ADDRESS", 30)
LOGIN_WAIT_MAX_SECONDS = env_int("LOGIN_WAIT_MAX_SECONDS", 300)
LOGIN_FAILURE_MEMORY_SECONDS = env_int("LOGIN_FAILURE_MEMORY_SECONDS", 3600)
# allauth's own limit on failed logins counts per login name too (a lockout): off. Its other
# limits are per address or per user and stay, in the same cache.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
# Reverse proxies in front of the site that append to X-Forwarded-For (0: none, the client is
# REMOTE_ADDR). accounts.clientip and allauth read the client's address through it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Sessions end SESSION_IDLE_MINUTES after the last request (accounts.middleware), so there is
# no "remember me". A password change keeps the session it was made in and ends the user's
# others (Django's session hash; allauth's ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE stays off).
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
# Staff accounts are made through a one-time link from the DX office, valid this many days.
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7)
# Anyone may sign up to apply as a volunteer (volunteers:apply); such an account has no role,
# cannot log in until its e-mail address is verified, and gets the volunteer role only when
# the office approves. 0 closes sign-up: every account is then made by invitation.
VOLUNTEER_SELF_SIGNUP = env_bool("VOLUNTEER_SELF_SIGNUP", True)
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "tsunagu@localhost")
# Multi-factor authentication (allauth.mfa, TOTP with recovery codes). Users holding any of
# MFA_REQUIRED_ROLES (comma-separated role names: desk, venue, volunteer, dxoffice) must set
# up an authenticator app before any other page (accounts.middleware). The production setup
# in the README lists the roles that see personal data.
INSTALLED_APPS.insert(INSTALLED_APPS.index("allauth.account") + 1, "allauth.mfa")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "Tsunagu")
MFA_REQUIRED_ROLES = env_list("MFA_REQUIRED_ROLES", [])

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
STATIC_ROOT = env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles"))
# Production (STATIC_MANIFEST=1): collectstatic writes each file under a name with its content's
# hash and templates link to those names, so a browser may keep them for a year and a new
# release is fetched at once (deploy/nginx.conf serves STATIC_ROOT). Off in development and
# tests, which run without collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "config.storage.StaticManifestStorage"
            if env_bool("STATIC_MANIFEST", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Security --------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# Production serves over HTTPS and sets SECURE_COOKIES=1; the local site runs on plain http.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
# HTTPS in production, all from the environment (deploy/environment.example sets them; with them
# `manage.py check --deploy` is clean, tests/test_deploy.py). Behind the reverse proxy that ends
# TLS (deploy/nginx.conf), SECURE_PROXY_SSL_HEADER=1 trusts its X-Forwarded-Proto — only safe
# when the proxy always sets that header and the application server is reachable only through
# it. SECURE_SSL_REDIRECT sends plain http to https (the proxy redirects too); the health check
# is exempt, so a supervisor may ask the application server directly.
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
# Strict-Transport-Security: browsers refuse plain http for this long (seconds). Start low
# (3600) and raise to a year once https works everywhere; it cannot be taken back early.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

# cspfuzz: Content-Security-Policy (config.middleware.ContentSecurityPolicyMiddleware; Django
# 5.2 has none of its own). No inline script, handler or style anywhere: scripts and styles
# come from static/ only; data: images are the QR codes and Chart.js's canvases. Shaped like
# django-csp 4's setting, so moving to it (or to Django 6's) is a rename.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "media-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Ticket tokens, phone numbers and searched names never reach a log line (config/logging.py).
    "filters": {"redact_tokens": {"()": "config.logging.RedactPersonalData"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # runserver's request lines ("GET /path?query"): Django's own handler for them has no
        # filter, so they go through ours instead.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint narrates every step of every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Tsunagu rules ---------------------------------------------------------------------------
# How long a waitlisted resident may hold an offered seat before it moves on.
BOOKING_OFFER_HOURS = env_int("BOOKING_OFFER_HOURS", 48)
# The desk may take back a booking made by mistake (the wrong line) this long after making it.
BOOKING_UNDO_MINUTES = env_int("BOOKING_UNDO_MINUTES", 10)
# A venue scanner's pass lasts this long; the open scanner page renews it halfway. A logout,
# deactivation or lost role or venue refuses it at once (attendance.scanpass).
SCAN_PASS_MINUTES = env_int("SCAN_PASS_MINUTES", 10)
# Search answers at most this many residents; the desk reads them out, not pages through them.
RESIDENT_SEARCH_LIMIT = 20
# Personal data is kept this many years after a resident's last activity (a booking, a
# check-in, a registry edit); then a daily task anonymises the record like an erasure.
# 0 turns the rule off. The file register (個人情報ファイル簿) states it.
RESIDENT_RETENTION_YEARS = env_int("RESIDENT_RETENTION_YEARS", 5)
# The session's date decides (attendance/checkin.py "When a ticket counts"): a ticket is
# accepted from 00:00 of its session's day (Asia/Tokyo) until the later of that day's end and
# the session's end plus this many minutes, so a resident scanned at 00:05 for a session that
# ended at 23:59 is checked in. Closing (attendance/closing.py) marks no-shows only after the
# session's end plus the same grace.
CHECKIN_GRACE_MINUTES = env_int("CHECKIN_GRACE_MINUTES", 30)
# The number residents call about their booking; printed on tickets and shown on ticket pages.
CONTACT_PHONE = env_str("CONTACT_PHONE", "0982-52-2111（日向市 DX推進課）")
# --- Residents booking themselves (selfbook: the public calendar, a code by SMS) -------------
# A one-time code works this many minutes, and for this many wrong tries; then a new one.
SELFBOOK_CODE_MINUTES = env_int("SELFBOOK_CODE_MINUTES", 10)
SELFBOOK_CODE_ATTEMPTS = env_int("SELFBOOK_CODE_ATTEMPTS", 5)
# Codes one mobile number may be sent in 24 hours (counted in the database).
SELFBOOK_CODES_PER_NUMBER = env_int("SELFBOOK_CODES_PER_NUMBER", 3)
# Code requests one client address may make in an hour (the shared cache, as logins).
SELFBOOK_CODES_PER_ADDRESS = env_int("SELFBOOK_CODES_PER_ADDRESS", 10)
# Codes the whole site sends in a day (Asia/Tokyo), whoever asks: a cap on the SMS bill.
SELFBOOK_CODES_PER_DAY = env_int("SELFBOOK_CODES_PER_DAY", 300)
# --- The file register (個人情報ファイル簿, /audit/register/): the city that holds the resident
# file and the office residents contact about their personal data (disclosure, correction...).
MUNICIPALITY_NAME = env_str("MUNICIPALITY_NAME", "日向市")
PERSONAL_DATA_OFFICE = env_str(
    "PERSONAL_DATA_OFFICE", "日向市 総務課 DX推進係（電話 0982-52-2111）"
)

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

# --- Production guard ------------------------------------------------------------------------
# With DEBUG off (production) the site refuses to start — every process that loads these
# settings: gunicorn, the task cluster, manage.py — on the development SECRET_KEY, an empty or
# wildcard ALLOWED_HOSTS, or a PUBLIC_BASE_URL that is not https, unless
# ALLOW_HTTP_CLOSED_NETWORK=1 declares a closed network without TLS (config/production.py).
# `make run` and the Makefile's other targets set DEBUG=1, as manage.py does for the commands
# that only check or generate code (check, makemigrations); tests get a test key and the
# closed-network flag from tests/environment.py (a pytest plugin, pyproject.toml).
ALLOW_HTTP_CLOSED_NETWORK = env_bool("ALLOW_HTTP_CLOSED_NETWORK", False)
if not DEBUG:
    _problems = production_problems(
        secret_key=SECRET_KEY,
        allowed_hosts=ALLOWED_HOSTS,
        public_base_url=PUBLIC_BASE_URL,
        allow_http=ALLOW_HTTP_CLOSED_NETWORK,
    )
    if _problems:
        raise ImproperlyConfigured(refusal(_problems))

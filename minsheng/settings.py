"""minsheng settings: one module, every value from the environment with strict parsing.

Production differs from development only by environment variables (see docs/operations.md).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MINSHENG_VAR_DIR", str(BASE_DIR / "var")))


def env_str(name: str, default: str | None = None) -> str | None:
    """NAME, or the contents of the file named by NAME_FILE (container secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be <= {maximum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


TESTING = "pytest" in sys.modules or env_bool("MINSHENG_TESTING", False)
PRODUCTION = env_bool("MINSHENG_PRODUCTION", False)
DEBUG = env_bool("MINSHENG_DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("MINSHENG_DEBUG must be false when MINSHENG_PRODUCTION is true")

_DEV_SECRET = "minsheng-development-only-secret-key-not-for-production-use-0123456789"
SECRET_KEY = env_str("SECRET_KEY") or env_str("MINSHENG_SECRET_KEY") or ""
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    SECRET_KEY = _DEV_SECRET

# Key for encrypting petitioners' personal data at rest (Fernet, urlsafe base64 of 32 bytes).
# Several keys may be given comma-separated: the first encrypts, all decrypt (key rotation).
DATA_ENCRYPTION_KEYS = env_list("MINSHENG_DATA_KEY", [])
if not DATA_ENCRYPTION_KEYS:
    if PRODUCTION:
        raise ImproperlyConfigured("MINSHENG_DATA_KEY must be set in production")
    DATA_ENCRYPTION_KEYS = ["ZGV2ZWxvcG1lbnQtb25seS1rZXktbm90LWZvci1wcm9k"]  # development only

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver", "[::1]"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",  # serves the API docs' Swagger UI from static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "minsheng.core",
    "minsheng.orgs",
    "minsheng.petitions",
    "minsheng.workflow",
    "minsheng.intelligence",
    "minsheng.analytics",
    "minsheng.assessment",
    "minsheng.accountability",
    "minsheng.notifications",
    "minsheng.documents",
    "minsheng.search",
    "minsheng.portal",
    "minsheng.workbench",
    "minsheng.api",
    "minsheng.integrations",
    "minsheng.reception",
    "minsheng.stability",
]

MIDDLEWARE = [
    "minsheng.core.metrics.MetricsMiddleware",  # first: counts and times every request
    "django.middleware.security.SecurityMiddleware",
    "minsheng.core.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "minsheng.core.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "minsheng.orgs.middleware.StaffIdleTimeoutMiddleware",
    "minsheng.orgs.middleware.StaffTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "minsheng.core.middleware.BadParameterMiddleware",
    "minsheng.portal.error_views.ErrorPageMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lock-out into the lock-out response
]

ROOT_URLCONF = "minsheng.urls"
CSRF_FAILURE_VIEW = "minsheng.portal.error_views.csrf_failure"
WSGI_APPLICATION = "minsheng.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "minsheng" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_default_db = f"sqlite:///{VAR_DIR / 'minsheng.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL") or _default_db
try:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            # Persistent connections (seconds; `minsheng serve` uses 600 when neither is set).
            conn_max_age=env_int("CONN_MAX_AGE", env_int("DB_CONN_MAX_AGE", 0)),
            conn_health_checks=True,
        )
    }
except ValueError as exc:  # unknown scheme
    raise ImproperlyConfigured(f"DATABASE_URL is not valid: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": ""}  # in-memory test database
# A streaming replica of the primary (docs/operations.md "Province", docs/adr/0018): dashboards,
# analytics, exports and search read from it (minsheng.core.replica) unless its lag exceeds the
# bound or the client wrote within the pin window (read-your-writes). Unset: one database.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL") or ""
MINSHENG_REPLICA_MAX_LAG_SECONDS = env_int("MINSHENG_REPLICA_MAX_LAG_SECONDS", 5, minimum=0)
MINSHENG_REPLICA_LAG_CHECK_SECONDS = env_int("MINSHENG_REPLICA_LAG_CHECK_SECONDS", 1, minimum=0)
# At least the lag bound plus the probe interval: once a pin ends, the replica has the client's writes.
MINSHENG_REPLICA_PIN_SECONDS = env_int(
    "MINSHENG_REPLICA_PIN_SECONDS",
    3 * (MINSHENG_REPLICA_MAX_LAG_SECONDS + MINSHENG_REPLICA_LAG_CHECK_SECONDS),
    minimum=MINSHENG_REPLICA_MAX_LAG_SECONDS + MINSHENG_REPLICA_LAG_CHECK_SECONDS,
)
# Replica-eligible requests (safe methods only): path prefixes, and search paths when ?q= is given.
MINSHENG_REPLICA_PATHS = env_list(
    "MINSHENG_REPLICA_PATHS",
    [
        "/workbench/dashboard/",
        "/workbench/analytics/",
        "/workbench/indicators/",
        "/workbench/petitions/export.xlsx",
        "/api/v1/indicators",
        "/api/v1/analytics",
        "/stats/",
        "/stats.json",
    ],
)
MINSHENG_REPLICA_SEARCH_PATHS = env_list(
    "MINSHENG_REPLICA_SEARCH_PATHS", ["/workbench/petitions/", "/api/v1/petitions"]
)
DATABASE_ROUTERS: list[str] = []
if DATABASE_REPLICA_URL:
    try:
        DATABASES["replica"] = dj_database_url.parse(
            DATABASE_REPLICA_URL,
            conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
            conn_health_checks=True,
        )
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URL is not valid: {exc}") from None
    # Tests read the primary through the replica alias (no second test database is created).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["minsheng.core.replica.ReplicaRouter"]
    # After authentication (it reads who is asking), before every view.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "minsheng.core.replica.ReplicaMiddleware",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rate limits, one-time codes and lock-outs must hold across every server process: production
# needs a shared cache — Redis (REDIS_URL), or the database (MINSHENG_CACHE=database, after
# `minsheng createcachetable`). A per-process cache would give each process its own allowance.
REDIS_URL = env_str("REDIS_URL") or env_str("CACHE_URL")
CACHE_KIND = env_str("MINSHENG_CACHE", "redis" if REDIS_URL else "local") or "local"
if CACHE_KIND not in ("redis", "database", "local"):
    raise ImproperlyConfigured("MINSHENG_CACHE must be redis, database or local")
if CACHE_KIND == "redis":
    if not REDIS_URL:
        raise ImproperlyConfigured("MINSHENG_CACHE=redis needs REDIS_URL")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
elif CACHE_KIND == "database":
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "minsheng_cache"}
    }
else:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "production needs a shared cache for rate limits and one-time codes: set REDIS_URL, "
            "or MINSHENG_CACHE=database (then run `minsheng createcachetable`)"
        )
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "minsheng"}}

TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING or env_bool("MINSHENG_TASKS_IMMEDIATE", False)
            else "django_tasks_db.DatabaseBackend"
        ),
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Staff (not citizens' portal accounts): >= 12 characters from >= 3 character classes.
    {
        "NAME": "minsheng.orgs.security.CharacterClassesValidator",
        "OPTIONS": {"min_classes": 3, "min_length": 12},
    },
]
# django-axes first: it refuses a locked-out username/address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "/workbench/login/"
LOGIN_REDIRECT_URL = "/workbench/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "minsheng" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai") or "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")) or VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "minsheng@localhost")
SMS_BACKEND = env_str("MINSHENG_SMS_BACKEND", "minsheng.notifications.sms.ConsoleSmsBackend")
if PRODUCTION and str(SMS_BACKEND).endswith(("ConsoleSmsBackend", "JournalSmsBackend")):
    # The console backend only logs: codes and query passwords would land in the log, never on a phone.
    raise ImproperlyConfigured("MINSHENG_SMS_BACKEND must name a real SMS gateway in production")

# JournalSmsBackend (development, the crash drill): the JSON-lines file it appends to.
MINSHENG_SMS_JOURNAL = env_str("MINSHENG_SMS_JOURNAL", "") or ""

# Security (all on in production; manage.py check --deploy passes).
SESSION_COOKIE_HTTPONLY = True
# Session data (the portal's typed contact details among it) encrypted at rest (minsheng.core.sessions).
SESSION_SERIALIZER = "minsheng.core.sessions.EncryptedJSONSerializer"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp 4): only this origin's scripts, styles and images; no inline
# script or <style>, no framing, forms post only here (docs/security-web.md).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # ECharts writes its tooltips as HTML with style attributes; style attributes cannot run
        # script and images stay 'self'/data:, while <style> elements remain forbidden.
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
    }
}
# Number of reverse proxies in front of the app that append to X-Forwarded-For (0: use REMOTE_ADDR).
MINSHENG_TRUSTED_PROXIES = env_int("MINSHENG_TRUSTED_PROXIES", 0, minimum=0)

# ---- minsheng domain settings (REGULATIONS.md marks these configurable) ----
# R-CNT-2: the start day is not counted (exclusive) unless this is true.
MINSHENG_COUNT_START_DAY = env_bool("MINSHENG_COUNT_START_DAY", False)
# R-CNT-3: roll a calendar-day period forward when its last day is a rest day.
MINSHENG_ROLLOVER = env_bool("MINSHENG_ROLLOVER", True)
# /metrics (docs/operations.md "Metrics"): loopback, these addresses, or this bearer token.
MINSHENG_METRICS_TOKEN = env_str("MINSHENG_METRICS_TOKEN", "") or ""
MINSHENG_METRICS_ALLOW = [
    a.strip() for a in (env_str("MINSHENG_METRICS_ALLOW", "") or "").split(",") if a.strip()
]
# Enrichment at registration: "inline" (in the registration transaction) or "task" (queued in the
# same transaction, run by `minsheng worker` after the commit; `minsheng serve` defaults to it).
MINSHENG_ENRICH = env_str("MINSHENG_ENRICH", "inline")
if MINSHENG_ENRICH not in ("inline", "task"):
    raise ImproperlyConfigured("MINSHENG_ENRICH must be inline or task")
# R-CNT-7: hearing days excluded from the 复核 clock (inclusive count of hearing_start..hearing_end).
MINSHENG_HEARING_EXCLUSION = env_bool("MINSHENG_HEARING_EXCLUSION", True)
# R-023, Art. 20(3) [T]: at most 5 representatives of a collective visit — a deployment may ask
# for fewer, never more (a larger value is refused at start-up).
MINSHENG_MAX_REPRESENTATIVES = env_int("MINSHENG_MAX_REPRESENTATIVES", 5, minimum=1, maximum=5)
# R-023 local option (Shenzhen [S]): 不予受理 a collective visit whose group, advised, still will not
# choose representatives. Nationally (Art. 47(1)) staff only 劝阻、批评或者教育: off by default.
MINSHENG_REFUSE_WITHOUT_REPRESENTATIVES = env_bool("MINSHENG_REFUSE_WITHOUT_REPRESENTATIVES", False)
# postmark rule for review requests sent by post.
MINSHENG_POSTMARK_RULE = env_bool("MINSHENG_POSTMARK_RULE", True)
# feedback period (days) for supervision suggestions (条例2005 Art.36 default).
# Leader reception days are published at least this many days ahead (ACCOUNTABILITY.md A-082:
# a city's 市长信访接待日 is published 3 days ahead [S]; other local rules say 2).
MINSHENG_RECEPTION_PUBLISH_LEAD_DAYS = env_int("MINSHENG_RECEPTION_PUBLISH_LEAD_DAYS", 3, minimum=0)
# A-081 reception duties: how often which leaders receive visitors (the compliance report). A JSON
# list of rules (docs/accountability.md "Reception duties"); unset: 接访意见2009 (city Party and
# government leaders one day a quarter, county Party secretary and head one day a month).
_duties_json = env_str("MINSHENG_RECEPTION_DUTIES", "") or ""
if _duties_json:
    import json

    from minsheng.reception.duties import DutyError, duties_from

    try:
        MINSHENG_RECEPTION_DUTIES = json.loads(_duties_json)
        duties_from(MINSHENG_RECEPTION_DUTIES)
    except (ValueError, DutyError) as exc:
        raise ImproperlyConfigured(f"MINSHENG_RECEPTION_DUTIES: {exc}") from exc
MINSHENG_SUPERVISION_FEEDBACK_DAYS = env_int("MINSHENG_SUPERVISION_FEEDBACK_DAYS", 30, minimum=1)
# Art. 25 / Art. 46(4): hours between receipt and the first urgent report beyond which it is 缓报
# (rules.yaml D-URGENT-REPORT says "immediate" and sets no hour limit; 2 is the project default).
MINSHENG_URGENT_REPORT_HOURS = env_int("MINSHENG_URGENT_REPORT_HOURS", 2, minimum=0)
# Art. 25: organ code of 国家信访局, reported to at the same time as the next higher bureau (none: not reported).
MINSHENG_NATIONAL_PETITION_BUREAU = env_str("MINSHENG_NATIONAL_PETITION_BUREAU") or None
# Days before nominal_due at which an open deadline is marked due-soon.
MINSHENG_DUE_SOON_DAYS = env_int("MINSHENG_DUE_SOON_DAYS", 3, minimum=0)
# A sweep that marks more than this many deadlines of one organ (due soon, or overdue) sends each
# of its staff one summary message for them instead of one message per petition.
MINSHENG_SWEEP_DIGEST_OVER = env_int("MINSHENG_SWEEP_DIGEST_OVER", 50, minimum=0)
# PostgreSQL work_mem for the sweep's own transaction (SET LOCAL): a sweep that marks a million
# deadlines joins them with the petitions and its scratch tables in memory instead of in batches
# on disk. One sweep runs at a time (advisory lock), so this is spent once. "" keeps the server's.
MINSHENG_SWEEP_WORK_MEM = env_str("MINSHENG_SWEEP_WORK_MEM", "256MB") or ""
# R-121 [P]: whether 基本满意 counts as satisfied; the rating window in days (national rule not obtained).
MINSHENG_BASIC_SATISFIED_COUNTS = env_bool("MINSHENG_BASIC_SATISFIED_COUNTS", True)
# 一票否决 (ACCOUNTABILITY.md A-050..A-053): off by default. 条例2022 has no veto; a deployment may
# enable it only naming the document that provides for it and the authority that approved it
# (the system check accountability.E001 refuses to start otherwise).
MINSHENG_VETO_ENABLED = env_bool("MINSHENG_VETO_ENABLED", False)
MINSHENG_VETO_LEGAL_BASIS = os.environ.get("MINSHENG_VETO_LEGAL_BASIS", "").strip()
MINSHENG_VETO_APPROVING_AUTHORITY = os.environ.get("MINSHENG_VETO_APPROVING_AUTHORITY", "").strip()
# A YAML replacing minsheng/accountability/thresholds.yaml (Art. 39(3) proposals).
MINSHENG_ACCOUNTABILITY_THRESHOLDS = os.environ.get("MINSHENG_ACCOUNTABILITY_THRESHOLDS", "").strip()
# ACCOUNTABILITY.md A-021: the competent organ's acceptance clock — "statutory" (条例 Art. 23: 15
# days from its own receipt) or "gd_30d" (the GD systems: 30 days from registration).
MINSHENG_ORGAN_ACCEPTANCE_VARIANT = env_str("MINSHENG_ORGAN_ACCEPTANCE_VARIANT", "statutory") or "statutory"
if MINSHENG_ORGAN_ACCEPTANCE_VARIANT not in ("statutory", "gd_30d"):
    raise ValueError("MINSHENG_ORGAN_ACCEPTANCE_VARIANT must be 'statutory' or 'gd_30d'")
MINSHENG_RATING_WINDOW_DAYS = env_int("MINSHENG_RATING_WINDOW_DAYS", 30, minimum=1)
# D-ASSIGNED: the period a 交办 gets when the bureau does not set one (the bureau normally does).
MINSHENG_ASSIGNED_DEFAULT_DAYS = env_int("MINSHENG_ASSIGNED_DEFAULT_DAYS", 60, minimum=1)
# Art. 32(2) / 42(4): calendar days after a supporting opinion was signed beyond which an execution
# still unrecorded is flagged for a check (执行未落实). The law sets no period; a local choice.
MINSHENG_EXECUTION_CHECK_DAYS = env_int("MINSHENG_EXECUTION_CHECK_DAYS", 60, minimum=1, maximum=730)
# Anonymous reports of misconduct through the portal (R-150(e)).
MINSHENG_ALLOW_ANONYMOUS_ACCUSATIONS = env_bool("MINSHENG_ALLOW_ANONYMOUS_ACCUSATIONS", True)
# leaders and supervisors above an accused unit count as its accused side (they answer for it).
MINSHENG_SHIELD_OVERSIGHT = env_bool("MINSHENG_SHIELD_OVERSIGHT", True)
MINSHENG_API_TOKEN_TTL_HOURS = env_int("MINSHENG_API_TOKEN_TTL_HOURS", 12, minimum=1)
# Idempotency-Key on POST /api/v1 (docs/api.md): how long a key and its first answer are kept.
MINSHENG_IDEMPOTENCY_TTL_HOURS = env_int("MINSHENG_IDEMPOTENCY_TTL_HOURS", 24, minimum=1)
# Webhooks (docs/open311.md): retries with exponential backoff (base × 2^(attempt-1), capped at a day),
# the number of attempts per message, and the consecutive failures after which a subscription is disabled.
MINSHENG_WEBHOOK_BACKOFF_SECONDS = env_int("MINSHENG_WEBHOOK_BACKOFF_SECONDS", 30, minimum=1)
MINSHENG_WEBHOOK_MAX_ATTEMPTS = env_int("MINSHENG_WEBHOOK_MAX_ATTEMPTS", 8, minimum=1)
MINSHENG_WEBHOOK_DISABLE_AFTER = env_int("MINSHENG_WEBHOOK_DISABLE_AFTER", 20, minimum=1)
MINSHENG_WEBHOOK_TIMEOUT_SECONDS = env_int("MINSHENG_WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
MINSHENG_OPEN311_CONTACT = env_str("MINSHENG_OPEN311_CONTACT", "") or ""
# The interactive API docs at /api/v1/docs (Swagger UI served from static files, no CDN).
MINSHENG_API_DOCS = env_bool("MINSHENG_API_DOCS", True)
# Staff accounts (docs/operations.md "Staff accounts"). Lock-out: django-axes, attempts in the
# database (shared by every process); failures within the cool-off period count.
MINSHENG_LOGIN_FAILURE_LIMIT = env_int("MINSHENG_LOGIN_FAILURE_LIMIT", 5, minimum=1)
MINSHENG_LOGIN_COOLOFF_MINUTES = env_int("MINSHENG_LOGIN_COOLOFF_MINUTES", 30, minimum=0)  # 0: until unlocked
# Each listed parameter locks on its own: an account, and a client address (password spraying).
MINSHENG_LOGIN_LOCKOUT_BY = env_list("MINSHENG_LOGIN_LOCKOUT_BY", ["username", "ip_address"])
MINSHENG_STAFF_IDLE_MINUTES = env_int("MINSHENG_STAFF_IDLE_MINUTES", 30, minimum=1)
# TOTP required for administrators and roles that may reveal identities (recommended in production).
MINSHENG_REQUIRE_2FA = env_bool("MINSHENG_REQUIRE_2FA", False)
# Analytics on Dask (docs/operations.md): the scheduler address (tcp://host:8786) of a
# dask.distributed cluster that runs the map step of the hot-issue and trend jobs; unset: in-process.
MINSHENG_DASK_SCHEDULER = env_str("MINSHENG_DASK_SCHEDULER", "") or ""
MINSHENG_DASK_TIMEOUT_SECONDS = env_int("MINSHENG_DASK_TIMEOUT_SECONDS", 30, minimum=1)
MINSHENG_MODEL_DIR = Path(env_str("MINSHENG_MODEL_DIR", str(VAR_DIR / "models")) or VAR_DIR / "models")
# The city's administrative division list(s) that place messages in districts for hot issues
# (CSV: district,kind,name[,bare]; docs/analytics.md "Places"). Default: the vendored list of A市,
# the city of the demo and of the TipDM data; "none": no list (a deployment elsewhere sets its own,
# or common village names such as 光明村 would be placed in A市's districts).
_DIVISION_DATA = BASE_DIR / "minsheng" / "core" / "data"
MINSHENG_DIVISION_LISTS = [
    p
    for p in env_list(
        "MINSHENG_DIVISION_LISTS",
        [str(_DIVISION_DATA / "admin_towns.csv"), str(_DIVISION_DATA / "admin_villages.csv")],
    )
    if p.lower() != "none"
]
for _division_list in MINSHENG_DIVISION_LISTS:
    if not Path(_division_list).is_file():
        raise ImproperlyConfigured(f"MINSHENG_DIVISION_LISTS: no file {_division_list}")
# Font with CJK glyphs for chart images in .docx reports (PDFs use reportlab's built-in STSong-Light).
MINSHENG_REPORT_FONT = env_str("MINSHENG_REPORT_FONT", "") or ""
MINSHENG_DEMO_PASSWORD = env_str("MINSHENG_DEMO_PASSWORD", "minsheng-demo") or "minsheng-demo"

_LOCKOUT_PARAMETERS = {"username", "ip_address", "user_agent"}
if not MINSHENG_LOGIN_LOCKOUT_BY or set(MINSHENG_LOGIN_LOCKOUT_BY) - _LOCKOUT_PARAMETERS:
    raise ImproperlyConfigured("MINSHENG_LOGIN_LOCKOUT_BY must list some of username, ip_address, user_agent")
AXES_ENABLED = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = MINSHENG_LOGIN_FAILURE_LIMIT
# In hours (float); None: locked until an administrator unlocks.
AXES_COOLOFF_TIME = MINSHENG_LOGIN_COOLOFF_MINUTES / 60 if MINSHENG_LOGIN_COOLOFF_MINUTES else None
AXES_LOCKOUT_PARAMETERS = MINSHENG_LOGIN_LOCKOUT_BY  # each listed parameter locks on its own
# A success does not wipe failures: with ip_address locking it would delete every attempt from that
# address (any login, even a citizen's, would clear an attacker's count). Failures expire after the cool-off.
AXES_RESET_ON_SUCCESS = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "minsheng.orgs.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "minsheng.orgs.security.client_ip"
AXES_VERBOSE = False
OTP_TOTP_ISSUER = env_str("MINSHENG_OTP_ISSUER", "民声信访") or "民声信访"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO") or "INFO"},
    "loggers": {"jieba": {"level": "WARNING"}},
}

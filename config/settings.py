"""Settings for the observer platform, read from the environment (12-factor).

With nothing configured the project runs on embedded defaults, so `make run` works on a fresh
machine: SQLite in `var/`, local media files, and Celery on a filesystem broker in `var/`.
Production sets DATABASE_URL, REDIS_URL, SECRET_KEY and friends (see docker/.env.example).
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from config.observability import init_sentry, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# Variables already in the environment win over the file's. ENV_FILE names another file
# (/dev/null for none).
environ.Env.read_env(Path(os.environ.get("ENV_FILE", BASE_DIR / ".env")), overwrite=False)

# manage.py marks its runs (OBSERVERS_COMMAND_LINE). Such a run in a checkout with nothing
# configured, neither DEBUG nor SECRET_KEY in the environment or in the .env file, is a
# developer's: it gets the development defaults, as under `make run`. A deployment configured
# in either place keeps the production settings. The web server and the worker never pass here.
UNCONFIGURED_COMMAND_LINE = env.bool("OBSERVERS_COMMAND_LINE", default=False) and "SECRET_KEY" not in os.environ
DEBUG = env.bool("DEBUG", default=UNCONFIGURED_COMMAND_LINE)

# A secret key is mandatory outside DEBUG: a missing one must stop the server, not silently
# fall back to a known value that would let anyone forge sessions.
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-never-use-in-production")
else:
    SECRET_KEY = env.str("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    # The project's apps, lowest layer first (see README "Layout").
    "elections",
    "observers",
    "evidence",
    "protocols",
    "incidents",
    "checklists",
    "dashboard",
    "sms",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses what every middleware below writes (pages, JSON, the CSV exports), before any of them
    # reads the body; static files are answered (precompressed) by whitenoise above. See config/compression.py.
    "config.compression.CompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "observers.middleware.ClientAddressMiddleware",
    # Outside the second factor's redirects, so they are never cached either.
    "observers.middleware.NoStoreForAuthenticatedMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "observers.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The Celery worker is a second process: tests must use a file it can open too, and the
    # two processes must wait for each other's locks rather than fail at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 30
    DATABASES["default"]["TEST"] = {"NAME": env.str("SQLITE_TEST_DATABASE", default=str(VAR_DIR / "test.sqlite3"))}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A check-in farther than this from the station's coordinates is flagged (never refused).
FAR_CHECK_IN_METRES = env.int("FAR_CHECK_IN_METRES", default=1000)
# SMS channel: first retry delay (doubling), attempts before a message is failed, and how long
# before an election's results deadline the "protocol not yet received" reminders go out.
SMS_RETRY_SECONDS = env.int("SMS_RETRY_SECONDS", default=30)
SMS_MAX_ATTEMPTS = env.int("SMS_MAX_ATTEMPTS", default=5)
SMS_REMINDER_LEAD_MINUTES = env.int("SMS_REMINDER_LEAD_MINUTES", default=180)
# Calendar days a commission has to answer a complaint, counted from the day it was filed.
COMPLAINT_ANSWER_DAYS = env.int("COMPLAINT_ANSWER_DAYS", default=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "observers.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "observers:start"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Languages ------------------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [
    ("kk", _("Kazakh")),
    ("ru", _("Russian")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date and number formats Django does not ship (Kazakh): config/formats/<language>/formats.py.
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Almaty")
USE_TZ = True

# --- Static and media files -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files whitenoise serves at the site's root, for the clients that ask there whatever the page says
# (/favicon.ico).
WHITENOISE_ROOT = BASE_DIR / "config" / "root"
WHITENOISE_USE_FINDERS = DEBUG
if DEBUG:
    STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request when it is missing
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    # Evidence is private: every object is read through a short-lived signed URL.
    media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env.str("AWS_S3_REGION_NAME", default=None),
            "access_key": env.str("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default=None),
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }
else:
    media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": media_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

# --- Evidence (photos and videos observers upload) -----------------------------------------
# Resumable uploads keep no state on the web machine: each chunk is an object of the default
# storage under this folder (with a row in the database) until the file is complete; see
# evidence/services/uploads.py. EVIDENCE_UPLOAD_DIR is no longer read by the upload (kept for old .env files).
EVIDENCE_UPLOAD_CHUNKS = env.str("EVIDENCE_UPLOAD_CHUNKS", default="uploads")
EVIDENCE_UPLOAD_DIR = Path(env.str("EVIDENCE_UPLOAD_DIR", default=str(MEDIA_ROOT.parent / "uploads")))
EVIDENCE_MAX_PHOTO_BYTES = env.int("EVIDENCE_MAX_PHOTO_BYTES", default=40 * 1024 * 1024)
# An official results file, once unpacked (a zip's member, a workbook's parts): a national file of
# 100,000 stations is about 40 MB; a zip bomb is refused before it fills the memory.
RESULTS_FILE_MAX_BYTES = env.int("RESULTS_FILE_MAX_BYTES", default=256 * 1024 * 1024)
EVIDENCE_MAX_VIDEO_BYTES = env.int("EVIDENCE_MAX_VIDEO_BYTES", default=2 * 1024 * 1024 * 1024)
# A photo with more pixels is refused (read from its header, before any decoding) as a possible
# decompression bomb: 50 MP is more than a phone's full-resolution photo (48-50 MP sensors) and
# bounds what the web and Celery workers decode. Pillow's own limit is set to the same number
# (evidence/apps.py) for every other decode.
EVIDENCE_MAX_IMAGE_PIXELS = env.int("EVIDENCE_MAX_IMAGE_PIXELS", default=50_000_000)
# Per observer: unfinished resumable uploads at once, and the bytes they announce together.
EVIDENCE_MAX_OPEN_UPLOADS = env.int("EVIDENCE_MAX_OPEN_UPLOADS", default=10)
EVIDENCE_MAX_OPEN_UPLOAD_BYTES = env.int("EVIDENCE_MAX_OPEN_UPLOAD_BYTES", default=4 * 1024 * 1024 * 1024)
# An upload with no byte received for this long is deleted by the periodic sweep.
EVIDENCE_UPLOAD_EXPIRY_HOURS = env.int("EVIDENCE_UPLOAD_EXPIRY_HOURS", default=24)

# --- Cache and Celery -----------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # The prefix keeps apart what shares one Redis: two deployments, or two test runs whose rate
    # limits (sign-up throttling) must not carry over from one to the next.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="")}}
    CELERY_BROKER_URL = REDIS_URL
    # A message taken by a worker that died (machine lost, not only its process: a killed pool
    # process is rejected and requeued at once, config/celery.py) comes back after the visibility
    # timeout. It must outlast the longest task (task_time_limit, 15 minutes) or a running task
    # would be delivered twice; the periodic sweeps re-send anything older much sooner anyway.
    # Short socket timeouts: a web request must not hang on a broker that is unreachable
    # (config/broker.py logs the failure and the sweep catches up).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=20 * 60),
        "socket_connect_timeout": 3,
        "socket_timeout": 10,
    }
    CELERY_BROKER_CONNECTION_TIMEOUT = 3
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Kombu's filesystem transport: a real broker made of files, so a real worker runs on a
    # machine with no Redis. Producers write to the same folder the worker reads.
    CELERY_BROKER_DIR = Path(env.str("CELERY_BROKER_DIR", default=str(VAR_DIR / "celery-broker")))
    for sub in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
        # Kombu polls the folder once a second by default: a flag would wait up to a second for
        # nothing. Listing a local folder five times a second costs next to nothing.
        "polling_interval": 0.2,
    }
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True

# --- Django REST Framework ------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "observers.tokens.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.CappedPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
    # How many reverse proxies in front of the site append to X-Forwarded-For. 0 (the default):
    # the client is REMOTE_ADDR and the header is ignored; a client can write anything into it.
    # Behind one TLS proxy on the same host (docs/production.md), 1. Rate limits per address
    # (DRF's throttles and observers.throttling) use this one rule.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
# Phone numbers without a country code are read as numbers of this region (observers/identity.py).
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="KZ")
# API tokens (observers/tokens.py) expire this many days after they are issued.
API_TOKEN_LIFETIME_DAYS = env.int("API_TOKEN_LIFETIME_DAYS", default=30)
# The second factor (observers/two_factor.py): the name authenticator apps show.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Election observers")
# Rate limits (observers/throttling.py): name -> (attempts, seconds).
RATE_LIMITS = {
    # Sign-ups from one address, the page and the API together.
    "sign-up": (env.int("SIGN_UP_LIMIT_PER_HOUR", default=20), 3600),
    # Failed logins (page, admin, second factor, API token) of one username from one address,
    # counted over a day; past this many, each further failure locks that pair (and only that
    # pair) for LOGIN_LOCKOUT_SECONDS, doubling.
    "login": (env.int("LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS", default=5), 86400),
}
# The first lockout of a (username, address) pair and the longest one, in seconds.
LOGIN_LOCKOUT_SECONDS = (env.int("LOGIN_LOCKOUT_FIRST_SECONDS", default=60),
                         env.int("LOGIN_LOCKOUT_LONGEST_SECONDS", default=3600))
SPECTACULAR_SETTINGS = {
    "TITLE": "Election observer platform API",
    "DESCRIPTION": "Observers, protocols, evidence and incidents for citizen election observation.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI is served from our own static files: no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "AccreditationStatusEnum": "observers.models.Accreditation.Status",
        "DiscrepancyStatusEnum": "protocols.models.Discrepancy.Status",
        "DiscrepancyKindEnum": "protocols.models.Discrepancy.Kind",
        "DiscrepancySeverityEnum": "protocols.models.Discrepancy.Severity",
        "ElectionStatusEnum": "elections.models.Election.Status",
        "IncidentStatusEnum": "incidents.models.Incident.Status",
        "IncidentSeverityEnum": "incidents.models.Severity",
    },
}

# --- Map ---------------------------------------------------------------------------------
# An NGO may run its own tile server: the map's code is served by us, only tiles come from here.
MAP_TILES_URL = env.str("MAP_TILES_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILES_ATTRIBUTION = env.str("MAP_TILES_ATTRIBUTION", default="© OpenStreetMap contributors")

# --- Mail -----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="observers@localhost")

# --- Security -------------------------------------------------------------------------------
# Observers' identities are at stake: production is HTTPS only, cookies never leave it.
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Content-Security-Policy (django-csp), enforced on every answer: scripts, styles, fonts and
# everything else only from this site's own static files; no inline script, no style="" and no
# eval anywhere, so a hostile text that slipped into a page still could not run. Images also
# from data: URIs (Leaflet, Swagger UI) and the map's tile server; evidence also from the media
# storage a signed URL redirects to (S3). The admin and the API docs run under the same policy.


def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# A tile URL with {s} is served from subdomains (a., b., c.): their parent domain's wildcard.
_TILE_ORIGIN = _origin(MAP_TILES_URL.replace("{s}.", "*."))
_S3_ENDPOINT = env.str("AWS_S3_ENDPOINT_URL", default="")
_MEDIA_ORIGINS = env.list("CSP_MEDIA_ORIGINS", default=(
    [_origin(_S3_ENDPOINT)] if _S3_ENDPOINT else ["https://*.amazonaws.com"] if AWS_STORAGE_BUCKET_NAME else []))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:", _TILE_ORIGIN, *_MEDIA_ORIGINS],
        "media-src": [SELF, "blob:", *_MEDIA_ORIGINS],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Operations ---------------------------------------------------------------------------------
# LOG_FORMAT=json: one JSON object per line, for a log collector; otherwise plain text lines.
LOGGING = logging_config(log_format=env.str("LOG_FORMAT", default="text"), level=env.str("LOG_LEVEL", default="INFO"))
# Errors of the web processes and the workers go to Sentry only when SENTRY_DSN is set.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENABLED = init_sentry(dsn=SENTRY_DSN, environment=env.str("SENTRY_ENVIRONMENT", default=""),
                             release=env.str("SENTRY_RELEASE", default=""),
                             traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0))

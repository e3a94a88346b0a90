"""Settings for searchlog, read from environment variables (12-factor).

Every setting has a safe default for the embedded first run: SQLite and a Celery
broker on the filesystem. Set DATABASE_URL and CELERY_BROKER_URL for PostgreSQL
and Redis.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SEARCHLOG_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("Set SECRET_KEY when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-the-embedded-run"  # noqa: S105

# The audit trail's HMAC key: kept outside the database, so that neither the app's database role nor the database's
# superuser can rewrite the chain without it being detected.
SEARCHLOG_AUDIT_KEY = os.environ.get("SEARCHLOG_AUDIT_KEY", "")
if not SEARCHLOG_AUDIT_KEY:
    if not DEBUG:
        raise RuntimeError("Set SEARCHLOG_AUDIT_KEY (a long random secret) when DEBUG is off.")
    SEARCHLOG_AUDIT_KEY = "insecure-development-audit-key-only-for-the-embedded-run"  # noqa: S105
elif len(SEARCHLOG_AUDIT_KEY) < 32 and not DEBUG:
    raise RuntimeError("SEARCHLOG_AUDIT_KEY must be at least 32 characters.")

# Tests add Django's "testserver" themselves (setup_test_environment); it is no host to serve by default.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "mozilla_django_oidc",
    "csp",
    "searchlog",
]

MIDDLEWARE = [
    # First, so every response (early refusals and errors included) carries the request id.
    "searchlog.middleware.RequestContextMiddleware",
    # Before the error handling, so API errors and early refusals carry the same headers as every other answer.
    "django.middleware.security.SecurityMiddleware",
    "searchlog.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "searchlog.middleware.ApiErrorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-otp: request.user.is_verified().
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages, so the sign-in page can say why the session ended.
    "searchlog.middleware.SessionTimeoutMiddleware",
    # Holds a password-only session at the second-factor step (after the timeout: an ended session is just ended).
    "searchlog.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
                "searchlog.context_processors.service",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "searchlog.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": int(os.environ.get("SEARCHLOG_PASSWORD_MIN_LENGTH") or 12)}},
    # Django's own list of 20,000 common passwords, shipped with it: no network look-up.
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password sign-in goes through the lockout (searchlog.lockout) whichever door it comes by; single sign-on with
# OpenID Connect answers only the callback, and only when SEARCHLOG_OIDC_ISSUER is set.
AUTHENTICATION_BACKENDS = [
    "searchlog.auth_backends.LockoutModelBackend",
    "searchlog.sso.SearchlogOIDCBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "build" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Sessions: signed out after SEARCHLOG_SESSION_IDLE_MINUTES without a request and SEARCHLOG_SESSION_MAX_HOURS after
# signing in, whatever happens (searchlog.sessions); the cookie itself lasts no longer than the absolute limit.
SEARCHLOG_SESSION_IDLE_MINUTES = env_float("SEARCHLOG_SESSION_IDLE_MINUTES", 30)
SEARCHLOG_SESSION_MAX_HOURS = env_float("SEARCHLOG_SESSION_MAX_HOURS", 12)
SESSION_COOKIE_AGE = int(SEARCHLOG_SESSION_MAX_HOURS * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# HTTPS behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto (SEARCHLOG_HTTPS=true): redirect plain
# HTTP, send HSTS, secure cookies. SEARCHLOG_TRUST_X_FORWARDED_FOR: the proxy's X-Forwarded-For last hop is the
# client's address (for the audit trail and the per-address lockout); leave it off unless such a proxy is in front.
SEARCHLOG_HTTPS = env_bool("SEARCHLOG_HTTPS", False)
SEARCHLOG_TRUST_X_FORWARDED_FOR = env_bool("SEARCHLOG_TRUST_X_FORWARDED_FOR", False)
if SEARCHLOG_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS") or 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # /healthz is asked over plain HTTP by the container's own health check.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", SEARCHLOG_HTTPS or not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", SEARCHLOG_HTTPS or not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SEARCHLOG_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), "
    "interest-cohort=()"
)
# Content-Security-Policy (django-csp): scripts only from here or with this response's nonce, never inline
# otherwise; nothing framed; forms post only here. The API docs add inline styles for themselves (config/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# The largest request body accepted (bytes); larger ones are refused with 413 before any view reads them.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE") or 1024 * 1024)

# Without a mail server: DEBUG (`make run`) prints one line per email (recipient, subject, link); otherwise
# Django's console backend prints the whole message.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "searchlog.email_backends.OneLineConsoleBackend"
    if DEBUG
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "emails"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds before an unanswering mail server counts as a failed attempt (well inside the delivery
# task's time budget and the stale-claim timeout, so a hung server never causes a second send).
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "searchlog@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Hashed, expiring, revocable tokens (searchlog.tokens), not DRF's authtoken.
        "searchlog.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "searchlog.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "searchlog.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "searchlog API",
    "DESCRIPTION": "Record and review online searches about people supported.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs are for signed-in users only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "searchlog.api.schema.error_responses",
    ],
    # Records and prior approvals both have a `status`, with different choices.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "searchlog.models.Status",  # the records' name before approvals came
        "ApprovalStatusEnum": "searchlog.models_approvals.ApprovalStatus",
        "OutcomeEnum": "searchlog.models.EscalationOutcome",  # the escalations' name before quality samples came
        "SampleOutcomeEnum": "searchlog.models_quality.SampleOutcome",
    },
}

# Celery: an embedded filesystem broker unless CELERY_BROKER_URL is set.
# The filesystem broker ignores the host; naming one stops kombu warning "No hostname was supplied. Reverting to
# default 'localhost'" each time a task is sent (the demo's migrate and seed_demo send several).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "filesystem://localhost//"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery-broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    for _folder in ("out", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Give up publishing quickly when the broker is down: the page that saved must not hang, and the
# next sweep picks up whatever was not dispatched.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
CELERY_BEAT_SCHEDULE = {
    "reminder-sweep": {
        "task": "searchlog.tasks.reminder_sweep",
        "schedule": float(os.environ.get("SEARCHLOG_SWEEP_SECONDS", "300")),
        # A sweep older than its interval is stale: the next one does the same work.
        "options": {"expires": float(os.environ.get("SEARCHLOG_SWEEP_SECONDS", "300"))},
    },
    "end-expired-lockouts": {
        "task": "searchlog.tasks.end_expired_lockouts",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    "expire-approvals": {
        "task": "searchlog.tasks.expire_approvals",
        "schedule": env_float("SEARCHLOG_APPROVAL_EXPIRY_SECONDS", 300),
        "options": {"expires": env_float("SEARCHLOG_APPROVAL_EXPIRY_SECONDS", 300)},
    },
    # Monthly, at night: anonymise what is past the retention period (searchlog.retention).
    "apply-retention": {
        "task": "searchlog.tasks.apply_retention",
        "schedule": crontab(day_of_month="1", hour="2", minute="30"),
    },
    "seal-audit-trail": {
        "task": "searchlog.tasks.seal_audit_trail",
        "schedule": env_float("SEARCHLOG_AUDIT_SEAL_SECONDS", 5),
        "options": {"expires": env_float("SEARCHLOG_AUDIT_SEAL_SECONDS", 5)},
    },
}

# Product settings.
SEARCHLOG_ORGANISATION_NAME = os.environ.get("SEARCHLOG_ORGANISATION_NAME", "Example Council")
SEARCHLOG_SITE_URL = os.environ.get("SEARCHLOG_SITE_URL", "http://127.0.0.1:8000")
# A record made after the end of the next working day after the search is a late record (working_days.py).
# The same subject searched this many times within the window is repeat searching.
SEARCHLOG_REPEAT_SEARCH_COUNT = int(os.environ.get("SEARCHLOG_REPEAT_SEARCH_COUNT", "2"))
SEARCHLOG_REPEAT_SEARCH_DAYS = int(os.environ.get("SEARCHLOG_REPEAT_SEARCH_DAYS", "30"))
# A submitted record waiting longer than this many working days for review is overdue.
SEARCHLOG_REVIEW_DEADLINE_WORKING_DAYS = int(os.environ.get("SEARCHLOG_REVIEW_DEADLINE_WORKING_DAYS", "5"))
# The justification rule: the least substance (characters, ignoring spaces at either end) of a "why" answer
# when there was no consent: a floor against "needed", not a judgement.
SEARCHLOG_MIN_ANSWER_LENGTH = int(os.environ.get("SEARCHLOG_MIN_ANSWER_LENGTH", "25"))
# Reminders: an unjustified record is chased after this many hours, again every interval, and its
# team's managers are told too after the second threshold.
SEARCHLOG_UNJUSTIFIED_AFTER_HOURS = env_float("SEARCHLOG_UNJUSTIFIED_AFTER_HOURS", 24)
SEARCHLOG_REMINDER_INTERVAL_HOURS = env_float("SEARCHLOG_REMINDER_INTERVAL_HOURS", 24)
SEARCHLOG_UNJUSTIFIED_TO_MANAGERS_AFTER_HOURS = env_float("SEARCHLOG_UNJUSTIFIED_TO_MANAGERS_AFTER_HOURS", 72)
# A returned record not resubmitted after this many hours is chased (then every interval).
SEARCHLOG_RETURNED_AFTER_HOURS = env_float("SEARCHLOG_RETURNED_AFTER_HOURS", 24)
# A record carrying any of these flags needs information governance's sign-off after the manager's (ig_review).
SEARCHLOG_IG_REVIEW_FLAGS = [
    flag.strip() for flag in os.environ.get(
        "SEARCHLOG_IG_REVIEW_FLAGS",
        "interaction,personal_account,consent_refused,confidential_information,repeat_searching,reviewer_involved,"
        "outside_approval",
    ).split(",") if flag.strip()
]
# Prior approval of planned searches: an approval lasts this many days unless the decider sets another expiry,
# never more than the maximum; a request may ask for at most this many viewings. Requesters are reminded this
# many hours before an approval expires with no record made under it.
SEARCHLOG_APPROVAL_DAYS = int(os.environ.get("SEARCHLOG_APPROVAL_DAYS", "7"))
SEARCHLOG_APPROVAL_MAX_DAYS = int(os.environ.get("SEARCHLOG_APPROVAL_MAX_DAYS", "28"))
SEARCHLOG_APPROVAL_MAX_VIEWINGS = int(os.environ.get("SEARCHLOG_APPROVAL_MAX_VIEWINGS", "10"))
SEARCHLOG_APPROVAL_EXPIRING_HOURS = env_float("SEARCHLOG_APPROVAL_EXPIRING_HOURS", 24)
# Information governance is reminded this many hours before a breach's 72-hour ICO deadline, and again at it.
SEARCHLOG_ICO_WARNING_HOURS = env_float("SEARCHLOG_ICO_WARNING_HOURS", 24)
# Practitioners are asked to review their own social media privacy settings this often.
# Retention (searchlog.retention): records are anonymised this many years after their last activity; a setting under
# the minimum is refused (the retention schedule promises at least that long).
SEARCHLOG_RETENTION_YEARS = int(os.environ.get("SEARCHLOG_RETENTION_YEARS") or 6)
SEARCHLOG_RETENTION_MIN_YEARS = int(os.environ.get("SEARCHLOG_RETENTION_MIN_YEARS") or 3)
SEARCHLOG_PRIVACY_CHECK_DAYS = int(os.environ.get("SEARCHLOG_PRIVACY_CHECK_DAYS", "90"))
# The organisation's own social media policy, linked from the privacy check page (no link when empty).
SEARCHLOG_POLICY_URL = os.environ.get("SEARCHLOG_POLICY_URL", "")
# The longest free-text answer, comment or addendum accepted (characters).
SEARCHLOG_MAX_TEXT_LENGTH = int(os.environ.get("SEARCHLOG_MAX_TEXT_LENGTH") or 5000)
# Lockout: this many failed sign-ins for one username within the window lock it for LOCKOUT_MINUTES (even with the
# right password); ADDRESS_FAILURES from one address lock that address (higher: staff often share one address).
SEARCHLOG_LOCKOUT_FAILURES = int(os.environ.get("SEARCHLOG_LOCKOUT_FAILURES") or 10)
SEARCHLOG_LOCKOUT_WINDOW_MINUTES = env_float("SEARCHLOG_LOCKOUT_WINDOW_MINUTES", 15)
SEARCHLOG_LOCKOUT_MINUTES = env_float("SEARCHLOG_LOCKOUT_MINUTES", 15)
SEARCHLOG_ADDRESS_FAILURES = int(os.environ.get("SEARCHLOG_ADDRESS_FAILURES") or 100)
# API tokens expire this many hours after they are issued.
SEARCHLOG_TOKEN_HOURS = env_float("SEARCHLOG_TOKEN_HOURS", 12)
# Bench only (bench/api.py): serve /bench/bare/, a view that does nothing, to compare the API against.
SEARCHLOG_BENCH_BARE_VIEW = env_bool("SEARCHLOG_BENCH_BARE_VIEW", False)

# The audit sealer: where it writes its signed checkpoints (outside the database), and how long an event may wait
# to be sealed before verify_audit_trail reports it.
SEARCHLOG_AUDIT_CHECKPOINT_DIR = Path(os.environ.get("SEARCHLOG_AUDIT_CHECKPOINT_DIR", VAR_DIR / "audit-checkpoints"))
SEARCHLOG_AUDIT_SEAL_GRACE_SECONDS = env_float("SEARCHLOG_AUDIT_SEAL_GRACE_SECONDS", 60)
# Email delivery, one notice per claim. A claim older than the stale timeout belongs to a sender that
# died and is taken over; a failed send is retried after BACKOFF, 2 x BACKOFF, 4 x BACKOFF… seconds
# and marked failed after MAX_ATTEMPTS (visible in the admin). Tests only: a pause after each send.
SEARCHLOG_DELIVERY_STALE_SECONDS = env_float("SEARCHLOG_DELIVERY_STALE_SECONDS", 600)
# The defaults try for about two and a half hours (0, 5, 15, 35, 75, 155 minutes) before giving up.
SEARCHLOG_DELIVERY_BACKOFF_SECONDS = env_float("SEARCHLOG_DELIVERY_BACKOFF_SECONDS", 300)
SEARCHLOG_DELIVERY_MAX_ATTEMPTS = int(os.environ.get("SEARCHLOG_DELIVERY_MAX_ATTEMPTS", "6"))
SEARCHLOG_TEST_PAUSE_AFTER_SEND = env_float("SEARCHLOG_TEST_PAUSE_AFTER_SEND", 0)

# Single sign-on (OpenID Connect, authorisation code + PKCE), on when an issuer is set. Endpoints and keys come from
# the issuer's discovery document ({issuer}/.well-known/openid-configuration). Nothing here is specific to a provider.
SEARCHLOG_OIDC_ISSUER = os.environ.get("SEARCHLOG_OIDC_ISSUER", "").rstrip("/")
SEARCHLOG_OIDC_CLIENT_ID = os.environ.get("SEARCHLOG_OIDC_CLIENT_ID", "")
SEARCHLOG_OIDC_CLIENT_SECRET = os.environ.get("SEARCHLOG_OIDC_CLIENT_SECRET", "")
SEARCHLOG_OIDC_SCOPES = os.environ.get("SEARCHLOG_OIDC_SCOPES", "openid email profile")
# The claim carrying the email address, and the one saying the provider verified it (empty: the provider only ever
# sends addresses it has verified, as with an organisation's own directory). First sign-in links by verified email.
SEARCHLOG_OIDC_EMAIL_CLAIM = os.environ.get("SEARCHLOG_OIDC_EMAIL_CLAIM", "email")
SEARCHLOG_OIDC_EMAIL_VERIFIED_CLAIM = os.environ.get("SEARCHLOG_OIDC_EMAIL_VERIFIED_CLAIM", "email_verified")
SEARCHLOG_OIDC_GROUPS_CLAIM = os.environ.get("SEARCHLOG_OIDC_GROUPS_CLAIM", "groups")
# "manager=<group id>,auditor=<group id>": set each user's role from their groups at every sign-in (empty: roles are
# kept in searchlog only).
SEARCHLOG_OIDC_ROLE_GROUPS = os.environ.get("SEARCHLOG_OIDC_ROLE_GROUPS", "")
# Create a user on first sign-in when no user has that verified email (off: only people the organisation added).
SEARCHLOG_OIDC_CREATE_USERS = env_bool("SEARCHLOG_OIDC_CREATE_USERS", False)
SEARCHLOG_OIDC_TIMEOUT = env_float("SEARCHLOG_OIDC_TIMEOUT", 10)
# mozilla-django-oidc's own settings (client id, secret, scopes and endpoints are read from ours by searchlog.sso).
OIDC_RP_SIGN_ALGO = os.environ.get("SEARCHLOG_OIDC_SIGN_ALGO", "RS256")
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_AUTHENTICATE_CLASS = "searchlog.views.sso.SignInWithProvider"
OIDC_CALLBACK_CLASS = "searchlog.views.sso.ProviderCallback"
LOGIN_REDIRECT_URL_FAILURE = "/sign-in/"
# Password sign-in (the page and POST /api/v1/auth/token/); turn off when everyone signs in with the provider.
SEARCHLOG_LOCAL_SIGN_IN = env_bool("SEARCHLOG_LOCAL_SIGN_IN", True)
# A second factor (TOTP, with recovery codes) for local accounts: always for managers, auditors and administrators;
# for everyone when this is on (default: on in production, off with DEBUG).
SEARCHLOG_MFA_REQUIRED = env_bool("SEARCHLOG_MFA_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = SEARCHLOG_ORGANISATION_NAME + " search log"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

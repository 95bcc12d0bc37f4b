"""Every knob comes from the environment (or a `.env` file) through django-environ; see `.env.example`."""

from __future__ import annotations

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    BILLING_BACKEND=(str, "engine"),
    BILLING_CURRENCY=(str, "USD"),
    INGEST_MAX_FUTURE_SECONDS=(int, 300),
    MCP_ALLOWED_HOSTS=(list, ["127.0.0.1:*", "localhost:*"]),
    MCP_ALLOWED_ORIGINS=(list, ["http://127.0.0.1:*", "http://localhost:*"]),
)
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(env_file)

SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-change-me")
DEBUG = env("DEBUG")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "billing_admin.engine",
    "billing_admin.approvals",
    "mcp_bridge",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "billing_admin.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "billing_admin.wsgi.application"
ASGI_APPLICATION = "billing_admin.asgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `sqlite:///db.sqlite3` names the project's file wherever the process starts (an MCP client
    # launches `mcp_stdio` from its own directory), never a new empty file beside it.
    _sqlite_name = str(DATABASES["default"]["NAME"])
    if _sqlite_name != ":memory:" and not _sqlite_name.startswith("file:") and not Path(_sqlite_name).is_absolute():
        DATABASES["default"]["NAME"] = str(BASE_DIR / _sqlite_name)
    # WAL and a busy timeout let the uvicorn workers, the scheduler and tests share one file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    # Opening a PostgreSQL connection costs several milliseconds: keep them across requests.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A full 1000-event ingestion batch with rich attributes is larger than Django's 2.5 MB default.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGIN_URL = "dashboard:login"
LOGIN_REDIRECT_URL = "dashboard:overview"
LOGOUT_REDIRECT_URL = "dashboard:login"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}

# The billing domain.
BILLING_BACKEND = env("BILLING_BACKEND")
BILLING_CURRENCY = env("BILLING_CURRENCY")
INGEST_MAX_FUTURE_SECONDS = env("INGEST_MAX_FUTURE_SECONDS")
TOGAI_BASE_URL = env("TOGAI_BASE_URL", default="https://api.togai.com")
TOGAI_API_KEY = env("TOGAI_API_KEY", default="")
TOGAI_TIMEOUT = env.float("TOGAI_TIMEOUT", default=10.0)  # seconds per request to the Togai API
TOGAI_RETRIES = env.int("TOGAI_RETRIES", default=3)  # on 429 / 503 and refused connections

# The chat panel.
ANTHROPIC_API_KEY = env("ANTHROPIC_API_KEY", default="")
ANTHROPIC_BASE_URL = env("ANTHROPIC_BASE_URL", default="https://api.anthropic.com")
ANTHROPIC_MODEL = env("ANTHROPIC_MODEL", default="claude-sonnet-5-5")
ANTHROPIC_TIMEOUT = env.float("ANTHROPIC_TIMEOUT", default=60.0)  # seconds per API request
ANTHROPIC_MAX_RETRIES = env.int("ANTHROPIC_MAX_RETRIES", default=2)  # the SDK's retries on overload / rate limit
CHAT_MAX_ROUNDS = env.int("CHAT_MAX_ROUNDS", default=8)  # model turns between two inputs from the person

# The MCP endpoint's DNS-rebinding protection.
MCP_ALLOWED_HOSTS = env("MCP_ALLOWED_HOSTS")
MCP_ALLOWED_ORIGINS = env("MCP_ALLOWED_ORIGINS")

# Money-move ceilings (four-eyes), in the units of the currency the money moves in: a credit, a
# wallet top-up or an invoice status change above its ceiling is refused over the API, MCP and the
# tool console, and in the dashboard and the chat waits for a second finance admin's approval.
# BILLING_MAX_AMOUNT_BY_CURRENCY (e.g. JPY=15000000,KRW=130000000) replaces all three for a currency;
# amounts are never converted. An empty value means no ceiling. See billing_admin/limits.py.
BILLING_MAX_CREDIT_AMOUNT = env.str("BILLING_MAX_CREDIT_AMOUNT", default="100000")
BILLING_MAX_TOPUP_AMOUNT = env.str("BILLING_MAX_TOPUP_AMOUNT", default="100000")
BILLING_MAX_INVOICE_AMOUNT = env.str("BILLING_MAX_INVOICE_AMOUNT", default="100000")
BILLING_MAX_AMOUNT_BY_CURRENCY = env.dict("BILLING_MAX_AMOUNT_BY_CURRENCY", default={})
BILLING_APPROVAL_MAX_AGE_HOURS = env.int("BILLING_APPROVAL_MAX_AGE_HOURS", default=72)  # then a request expires

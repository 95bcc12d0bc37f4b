"""Every knob comes from the environment (or a `.env` file) through django-environ; see `.env.example`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

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
# The environment wins over the file. ENV_FILE names another file (e.g. /etc/billing-admin.env),
# or none when empty.
env_file = environ.Env().str("ENV_FILE", default=str(BASE_DIR / ".env"))
if env_file and Path(env_file).is_file():
    environ.Env.read_env(env_file)

DEBUG = env("DEBUG")
# The key signs sessions and approval tokens: a production process never falls back to a known one.
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set and DEBUG is off: set SECRET_KEY in the environment or .env "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), or DEBUG=true for local development"
        )
    SECRET_KEY = "insecure-development-key-change-me"
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "django_htmx",
    "template_partials",
    "billing_admin.engine",
    "billing_admin.approvals",
    "mcp_bridge",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
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
    # Under ASGI every request runs in a thread of its own, so a connection kept per thread
    # (CONN_MAX_AGE > 0) is orphaned when the thread ends. A bounded pool per process lends one
    # connection for the request and takes it back when the request ends: a process never holds
    # more than DB_POOL_MAX_SIZE, however many requests are in flight (the rest wait their turn,
    # up to DB_POOL_TIMEOUT seconds). Django requires CONN_MAX_AGE = 0 with a pool.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DB_POOL_MAX_SIZE", default=10),
        "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
    }
    # With a pool this checks each connection as it is lent: one the server dropped (restart,
    # failover) is replaced instead of failing the request.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A full 1000-event ingestion batch with rich attributes is larger than Django's 2.5 MB default.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username and address is refused before a password is checked.
    "dashboard.auth_backends.SignInThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]

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

# Production hardening: on by default whenever DEBUG is off; each one can be turned off alone
# (e.g. SECURE_SSL_REDIRECT=false when a proxy already redirects). See README, "Deployment".
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Behind a TLS-terminating proxy: the header it sets and the value meaning HTTPS, e.g.
# SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https. Trust it only if the proxy always sets it.
_proxy_ssl_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header) if _proxy_ssl_header else None
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# Pages send the CSRF token from the template (hx-headers), never read from the cookie by script.
CSRF_COOKIE_HTTPONLY = True

# Content Security Policy, in every mode (so tests and development see what production enforces):
# scripts and styles only from this site; htmx's own indicator styles are off (see base.html) and
# their rules live in dashboard.css; the one inline <style> (the API docs page) carries the nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username from
# one address, that pair is refused (even with the right password) until AXES_COOLOFF_MINUTES pass.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "dashboard.views.auth.locked_out"
AXES_CLIENT_IP_CALLABLE = "billing_admin.client_ip.request_client_ip"
# Behind a proxy: the header it writes the client's address into (e.g. X-Forwarded-For); empty =
# the connection's peer address. See billing_admin/client_ip.py.
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", default="")

# Bearer-token throttling (REST /api and MCP /mcp): after TOKEN_FAILURE_LIMIT refused tokens from
# one client address within TOKEN_FAILURE_WINDOW seconds, that address gets 429 with Retry-After
# until the window ends. Counted in the default cache (below).
TOKEN_FAILURE_LIMIT = env.int("TOKEN_FAILURE_LIMIT", default=20)
TOKEN_FAILURE_WINDOW = env.int("TOKEN_FAILURE_WINDOW", default=300)

# The cache holds the bearer-token failure counts. The default is per process (so N workers allow
# N times the limit); CACHE_URL=redis://127.0.0.1:6379/1 (or another django-environ cache URL)
# shares the counts across workers and hosts.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

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

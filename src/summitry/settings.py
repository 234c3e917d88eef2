"""Django settings for Summitry. Every deployment choice comes from a ``SUMMITRY_*`` environment
variable; the defaults are the embedded ones (SQLite, in-memory channel layer, Janus on loopback)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("SUMMITRY_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := os.environ.get("SUMMITRY_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def _database(url: str) -> dict[str, object]:
    if url.startswith("sqlite:///"):
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": url.removeprefix("sqlite:///"),
                "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20,
                            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}}
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"SUMMITRY_DATABASE_URL: unsupported scheme {parsed.scheme!r}")
    host = parsed.hostname or ""
    # postgresql:///summitry?host=/run/postgresql uses a Unix socket
    for part in parsed.query.split("&"):
        if part.startswith("host="):
            host = unquote(part[5:])
    return {"ENGINE": "django.db.backends.postgresql", "NAME": parsed.path.lstrip("/"),
            "USER": unquote(parsed.username or ""), "PASSWORD": unquote(parsed.password or ""),
            "HOST": host, "PORT": str(parsed.port or ""), "CONN_MAX_AGE": 0}


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("SUMMITRY_DEBUG", "") == "1"
ALLOWED_HOSTS = os.environ.get("SUMMITRY_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("SUMMITRY_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "ninja",  # /api/docs renders Swagger UI from ninja's own static files, not a CDN (our CSP allows 'self' only)
    "summitry.accounts",
    "summitry.meetings",
    "summitry.trips",
    "summitry.audit",
    "summitry.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "summitry.web.NoNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "summitry.web.PersonLanguageMiddleware",
    "summitry.web.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "summitry.web.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "summitry.urls"
ASGI_APPLICATION = "summitry.asgi.application"

TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [BASE_DIR / "templates"],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]

DATABASES = {"default": _database(os.environ.get("SUMMITRY_DATABASE_URL",
                                                 f"sqlite:///{DATA_DIR / 'summitry.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The HTTPS proxy in front (e.g. nginx on the same machine): only a request from one of these
# addresses has its X-Forwarded-For read, so that sign-in throttling counts the real client.
SUMMITRY_TRUSTED_PROXIES = frozenset(a.strip() for a in os.environ.get("SUMMITRY_TRUSTED_PROXIES", "").split(",")
                                     if a.strip())
if os.environ.get("SUMMITRY_TLS") == "1":
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000

# The live channel's layer: in memory for one process (the embedded default); Redis when several processes
# serve (SUMMITRY_REDIS_URL, e.g. redis://127.0.0.1:6379/0), so that an event reaches every page wherever
# it is connected.
# Redis's publish/subscribe layer: one subscription connection per process, however many pages it serves (the
# list-based layer holds connections per page and ran out of them at 50 pages per process in bench/fanout.py).
if os.environ.get("SUMMITRY_REDIS_URL"):
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                                  "CONFIG": {"hosts": [os.environ["SUMMITRY_REDIS_URL"]]}}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Mail (invitations, updates, cancellations, guest links) -----------------------------------
# With SUMMITRY_EMAIL_HOST set, mail goes out by SMTP. Without it (a fresh machine, the demo) each message
# is written to a file in <data dir>/mail/, so that nothing fails for want of a server and what would have
# been sent can be read there. SUMMITRY_EMAIL_BACKEND=smtp|file|console chooses explicitly.
_EMAIL_BACKENDS = {"smtp": "django.core.mail.backends.smtp.EmailBackend",
                   "file": "django.core.mail.backends.filebased.EmailBackend",
                   "console": "django.core.mail.backends.console.EmailBackend"}
_email_backend = os.environ.get("SUMMITRY_EMAIL_BACKEND", "smtp" if os.environ.get("SUMMITRY_EMAIL_HOST") else "file")
if _email_backend not in _EMAIL_BACKENDS:
    raise ValueError(f"SUMMITRY_EMAIL_BACKEND: one of {', '.join(_EMAIL_BACKENDS)}, not {_email_backend!r}")
EMAIL_BACKEND = _EMAIL_BACKENDS[_email_backend]
EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_HOST = os.environ.get("SUMMITRY_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("SUMMITRY_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("SUMMITRY_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SUMMITRY_EMAIL_PASSWORD", "")
# starttls (port 587, the default), ssl (implicit TLS, port 465) or none (a relay on the same machine)
_email_security = os.environ.get("SUMMITRY_EMAIL_SECURITY", "starttls")
if _email_security not in ("starttls", "ssl", "none"):
    raise ValueError(f"SUMMITRY_EMAIL_SECURITY: starttls, ssl or none, not {_email_security!r}")
EMAIL_USE_TLS = _email_security == "starttls"
EMAIL_USE_SSL = _email_security == "ssl"
EMAIL_TIMEOUT = int(os.environ.get("SUMMITRY_EMAIL_TIMEOUT", "10"))  # seconds: a planning write never waits long
DEFAULT_FROM_EMAIL = os.environ.get("SUMMITRY_EMAIL_FROM", "Summitry protocol office <protocol@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Janus -------------------------------------------------------------------------------------
JANUS = {
    "RUN_DIR": Path(os.environ.get("SUMMITRY_JANUS_RUN_DIR", DATA_DIR / "janus")),
    # Janus's API is only ever on loopback: browsers reach it through Summitry's relay.
    "WS_IP": "127.0.0.1",
    "WS_PORT": int(os.environ.get("SUMMITRY_JANUS_WS_PORT", "8188")),
    "HTTP_PORT": int(os.environ.get("SUMMITRY_JANUS_HTTP_PORT", "8088")),
    "ADMIN_PORT": int(os.environ.get("SUMMITRY_JANUS_ADMIN_PORT", "7088")),
    "RTP_PORT_RANGE": os.environ.get("SUMMITRY_JANUS_RTP_PORTS", "20000-40000"),
    "ICE_ENFORCE_LIST": os.environ.get("SUMMITRY_JANUS_ICE_ENFORCE", ""),
    "DEBUG_LEVEL": int(os.environ.get("SUMMITRY_JANUS_DEBUG_LEVEL", "4")),
}
# Which media gateway the application talks to (decision 0006): "janus", or "fake", an in-memory Janus
# for tests and for trying the pages without one (no media flows then).
SUMMITRY_MEDIA_GATEWAY = os.environ.get("SUMMITRY_MEDIA_GATEWAY", "janus")
if SUMMITRY_MEDIA_GATEWAY not in ("janus", "fake"):
    raise ValueError(f"SUMMITRY_MEDIA_GATEWAY: janus or fake, not {SUMMITRY_MEDIA_GATEWAY!r}")

# Joins per participant per minute: enough for reloads and every recovery, not for a join/leave loop (each join
# costs Janus calls, a key rotation and every page's attention). The join benchmark raises it.
SUMMITRY_JOINS_PER_MINUTE = int(os.environ.get("SUMMITRY_JOINS_PER_MINUTE", "12"))

# ICE servers for the browsers (media.ice): none by default, never a third party's. SUMMITRY_ICE_SERVERS is a
# JSON list of {"urls", "username", "credential"}; SUMMITRY_TURN_URLS with SUMMITRY_TURN_SECRET (coturn's
# static-auth-secret) gives each grant short-lived TURN credentials of its own; SUMMITRY_ICE_TRANSPORT_POLICY=relay
# sends all media through TURN.
from summitry.media import ice as _ice  # noqa: E402

SUMMITRY_ICE_SERVERS = _ice.parse_servers(os.environ.get("SUMMITRY_ICE_SERVERS", "[]"))
SUMMITRY_TURN_URLS = _ice.parse_turn_urls(os.environ.get("SUMMITRY_TURN_URLS", ""))
SUMMITRY_TURN_SECRET = os.environ.get("SUMMITRY_TURN_SECRET", "")
SUMMITRY_TURN_TTL_S = int(os.environ.get("SUMMITRY_TURN_TTL_S", str(12 * 3600)))
SUMMITRY_ICE_TRANSPORT_POLICY = _ice.parse_policy(os.environ.get("SUMMITRY_ICE_TRANSPORT_POLICY", "all"))
if SUMMITRY_TURN_URLS and not SUMMITRY_TURN_SECRET:
    raise ValueError("SUMMITRY_TURN_URLS needs SUMMITRY_TURN_SECRET (coturn's static-auth-secret)")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"summitry": {"handlers": ["console"], "level": os.environ.get("SUMMITRY_LOG_LEVEL", "INFO"),
                             "propagate": False}},
}

"""A typical Django 5.2 project's settings (startproject defaults), over MotCua's tables.

PEER_DATABASE_URL: sqlite:///PATH or postgresql://user@host:port/name.
"""

import os
from urllib.parse import urlsplit

SECRET_KEY = os.environ.get("PEER_SECRET_KEY", "peer-bench-not-secret")
DEBUG = False
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "peer",
]

# startproject's middleware, unchanged.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "peer.urls"
WSGI_APPLICATION = "peer.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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


def _database(url: str) -> dict:
    conn_max_age = int(os.environ.get("PEER_CONN_MAX_AGE", "600"))  # persistent connections
    if url.startswith("sqlite:///"):
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": url.removeprefix("sqlite:///"),
            "CONN_MAX_AGE": conn_max_age,
            # Django 5.1+'s usual production settings for SQLite.
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    u = urlsplit(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": u.path.lstrip("/"),
        "USER": u.username or "postgres",
        "PASSWORD": u.password or "",
        "HOST": u.hostname or "127.0.0.1",
        "PORT": str(u.port or 5432),
        "CONN_MAX_AGE": conn_max_age,
    }


DATABASES = {"default": _database(os.environ.get("PEER_DATABASE_URL", "sqlite:///peer.sqlite3"))}

LANGUAGE_CODE = "vi"
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# What the pages print, as MotCua's settings give them.
PROVINCE = os.environ.get("PROVINCE", "Ninh Bình")
CENTER_NAME = os.environ.get("CENTER_NAME", f"Trung tâm Phục vụ hành chính công tỉnh {PROVINCE}")
UNIT_CODE = os.environ.get("UNIT_CODE", "000.00.20.H42")
ASSET_VERSION = os.environ.get("PEER_ASSET_VERSION", "b01f243b3d")
# db: count lookups per client address in MotCua's rate_limit_counter table (same upsert);
# off: no limit.
RATELIMIT = os.environ.get("PEER_RATELIMIT", "db")

"""Settings shared by every environment. Everything deploy-specific comes from the environment."""
from pathlib import Path

from config import psycopg_compat  # noqa: F401  (Debian's drivers; see the module)
from config.env import database_from_secret, env_bool, env_int, env_list, env_str, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _bundle_version() -> str | None:
    # The deployed bundle's version label: Dockerrun.aws.json mounts the bundle's VERSION file at
    # APP_VERSION_FILE (a bundle setting no environment property, so Immutable deployments accept it);
    # bundles run without an image (the local emulator's) have it at the project root.
    for candidate in (env_str("APP_VERSION_FILE", "/run/bundle/VERSION"), str(BASE_DIR / "VERSION")):
        path = Path(candidate)
        if path.is_file():
            return path.read_text().strip() or None
    return None


# The bundle's label first, then the image's build argument.
APP_VERSION = _bundle_version() or env_str("APP_VERSION", "unknown")

DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "notes",
]

MIDDLEWARE = [
    # First: answers the load balancer before host validation and the HTTPS redirect.
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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

# DATABASE_URL, or the database's master secret (EB sets DATABASE_SECRET from Secrets Manager; infra/eb-pipeline.yml).
if env_str("DATABASE_SECRET", "") and not env_str("DATABASE_URL", ""):
    DATABASES = {
        "default": database_from_secret(
            env_str("DATABASE_SECRET"), env_str("DATABASE_HOST", ""), env_str("DATABASE_NAME", ""), env_str("DATABASE_PORT", "5432")
        )
    }
else:
    DATABASES = {"default": parse_database_url(env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/django_eb"))}
# A short connect timeout keeps /healthz quick when the database is gone (libpq's minimum is 2 s).
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 3))
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# nginx serves STATIC_ROOT at /static/ (docker/nginx/nginx.conf); collectstatic fills it at build time.
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

# Local and test: files on disk. dev and production replace "default" with S3.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"one_line_json": {"()": "config.log_format.OneLineJsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "one_line_json"}},
    "root": {"handlers": ["stdout"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django": {"handlers": ["stdout"], "level": env_str("LOG_LEVEL", "INFO"), "propagate": False}},
}

"""Reading settings from the environment, with errors that name the variable and the expected form."""
import json
import os
from urllib.parse import unquote, urlsplit, parse_qsl

from django.core.exceptions import ImproperlyConfigured

# URL scheme -> Django backend. Only what this project deploys on; anything else is a clear error.
_BACKENDS = {
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
    "pgsql": "django.db.backends.postgresql",
    "sqlite": "django.db.backends.sqlite3",
}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"The environment variable {name} is required and is not set.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use true/false, 1/0, yes/no or on/off.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list; blanks are dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def parse_database_url(url: str, name: str = "DATABASE_URL") -> dict:
    """postgres://user:password@host:port/dbname?sslmode=require -> a Django DATABASES entry.

    Written here instead of depending on dj-database-url so the code runs unchanged on Debian's
    packages (CI) and on the pip requirements (images). Query parameters become OPTIONS.
    """
    parts = urlsplit(url)
    engine = _BACKENDS.get(parts.scheme)
    if engine is None:
        raise ImproperlyConfigured(
            f"{name} has an unsupported scheme {parts.scheme!r}: expected "
            "postgres://USER:PASSWORD@HOST:PORT/NAME (or sqlite:///PATH)."
        )
    if engine.endswith("sqlite3"):
        return {"ENGINE": engine, "NAME": unquote(parts.path[1:]) or ":memory:"}
    db_name = unquote(parts.path.lstrip("/"))
    if not db_name:
        raise ImproperlyConfigured(f"{name} names no database: expected postgres://USER:PASSWORD@HOST:PORT/NAME.")
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has an invalid port: expected a number after the host.") from None
    return {
        "ENGINE": engine,
        "NAME": db_name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": unquote(parts.hostname or ""),
        "PORT": str(port or ""),
        "OPTIONS": dict(parse_qsl(parts.query)),
    }


def database_from_secret(secret_json: str, host: str, name: str, port: str = "5432") -> dict:
    """The database's master secret ({"username": ..., "password": ...}: infra/eb-pipeline.yml's
    <env>DatabaseSecret, or RDS's own managed secret; set by EB from Secrets Manager as DATABASE_SECRET) plus DATABASE_HOST / DATABASE_NAME / DATABASE_PORT -> a DATABASES entry."""
    try:
        secret = json.loads(secret_json)
        user, password = secret["username"], secret["password"]
    except (ValueError, TypeError, KeyError):
        raise ImproperlyConfigured(
            'DATABASE_SECRET is not the RDS secret: expected JSON {"username": ..., "password": ...}.'
        ) from None
    if not host or not name:
        raise ImproperlyConfigured("DATABASE_SECRET is set: DATABASE_HOST and DATABASE_NAME are required with it.")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": user,
        "PASSWORD": password,
        "HOST": host,
        "PORT": port,
        "OPTIONS": {"sslmode": "require"},
    }

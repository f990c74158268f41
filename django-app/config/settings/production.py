"""Production: everything in _deployed plus HTTPS only. `manage.py check --deploy` reports nothing."""
from config.env import env_bool, env_int

from ._deployed import *  # noqa: F401,F403

SECURE_SSL_REDIRECT = True
# The load balancer's health checker speaks plain HTTP to the instance: never redirect it.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

"""The dev environment: production's code paths (S3, manifest static, no DEBUG) over plain HTTP.

Dev environments are usually reached on their EB URL without TLS, so no HTTPS redirect, HSTS or
secure-only cookies here; everything else is as in production.
"""
from ._deployed import *  # noqa: F401,F403

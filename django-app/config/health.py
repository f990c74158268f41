"""/healthz, answered before any other middleware.

It must come before host validation (EB's health checker sends the instance IP as Host, which is
not in ALLOWED_HOSTS) and before the HTTPS redirect (the checker speaks plain HTTP to the instance).
"""
import json
import logging

from django.conf import settings
from django.db import connections
from django.http import HttpResponse

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"


def database_status() -> str:
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception as error:  # any failure means "not healthy", whatever the driver raises
        logger.warning("health check: database unavailable: %s", error)
        # Drop the broken connection so the next check reconnects instead of reusing it (inside a
        # transaction, as in Django's TestCase, closing would poison the rest of that transaction).
        if not connection.in_atomic_block:
            connection.close()
        return "unavailable"


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path != HEALTH_PATH:
            return self.get_response(request)
        database = database_status()
        body = {"status": "ok" if database == "ok" else "unhealthy", "version": settings.APP_VERSION, "database": database}
        response = HttpResponse(json.dumps(body), content_type="application/json", status=200 if database == "ok" else 503)
        response["Cache-Control"] = "no-store"
        return response

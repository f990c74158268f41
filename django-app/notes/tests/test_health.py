import json
from unittest import mock

from django.db import OperationalError
from django.test import TestCase, override_settings


@override_settings(APP_VERSION="v-test-42", ALLOWED_HOSTS=["example.com"])
class HealthCheckTests(TestCase):
    def test_ok_with_version_even_for_an_ip_host(self):
        # EB's checker sends the instance IP as Host, which ALLOWED_HOSTS does not list.
        response = self.client.get("/healthz", HTTP_HOST="10.0.3.17")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertEqual(json.loads(response.content), {"status": "ok", "version": "v-test-42", "database": "ok"})

    def test_other_paths_still_validate_the_host(self):
        response = self.client.get("/", HTTP_HOST="10.0.3.17")
        self.assertEqual(response.status_code, 400)

    def test_503_when_the_database_fails(self):
        with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.cursor", side_effect=OperationalError("gone")):
            response = self.client.get("/healthz", HTTP_HOST="10.0.3.17")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(json.loads(response.content), {"status": "unhealthy", "version": "v-test-42", "database": "unavailable"})
        self.assertEqual(response["Cache-Control"], "no-store")

    @override_settings(SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=[r"^healthz$"])
    def test_no_https_redirect_for_the_health_path(self):
        self.assertEqual(self.client.get("/healthz", HTTP_HOST="10.0.3.17").status_code, 200)
        self.assertEqual(self.client.get("/", HTTP_HOST="example.com").status_code, 301)

import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase

from config.env import database_from_secret, env_bool, parse_database_url
from config.log_format import OneLineJsonFormatter

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent


class DatabaseUrlTests(SimpleTestCase):
    def test_postgres_url_with_everything(self):
        parsed = parse_database_url("postgres://app%40x:p%2Fss@db.internal:6543/notes?sslmode=require")
        self.assertEqual(parsed["ENGINE"], "django.db.backends.postgresql")
        self.assertEqual((parsed["USER"], parsed["PASSWORD"], parsed["HOST"], parsed["PORT"], parsed["NAME"]), ("app@x", "p/ss", "db.internal", "6543", "notes"))
        self.assertEqual(parsed["OPTIONS"], {"sslmode": "require"})

    def test_minimal_postgres_url(self):
        parsed = parse_database_url("postgresql://127.0.0.1/app")
        self.assertEqual((parsed["USER"], parsed["PORT"], parsed["NAME"]), ("", "", "app"))

    def test_unsupported_scheme_names_the_variable_and_the_form(self):
        with self.assertRaisesMessage(ImproperlyConfigured, "DATABASE_URL has an unsupported scheme 'mysql': expected postgres://"):
            parse_database_url("mysql://x/y")

    def test_missing_database_name(self):
        with self.assertRaisesMessage(ImproperlyConfigured, "DATABASE_URL names no database"):
            parse_database_url("postgres://host:5432/")


class EnvTests(SimpleTestCase):
    def test_booleans(self):
        os.environ["TEST_FLAG_X"] = "Yes"
        try:
            self.assertTrue(env_bool("TEST_FLAG_X", False))
            os.environ["TEST_FLAG_X"] = "maybe"
            with self.assertRaisesMessage(ImproperlyConfigured, "TEST_FLAG_X='maybe' is not a boolean"):
                env_bool("TEST_FLAG_X", False)
        finally:
            del os.environ["TEST_FLAG_X"]


class DeployedSettingsTests(SimpleTestCase):
    def load_settings(self, module: str, **env: str) -> subprocess.CompletedProcess:
        clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "AWS_STORAGE_BUCKET_NAME")}
        code = f"import importlib, json; s = importlib.import_module('{module}'); print(json.dumps({{'debug': s.DEBUG, 'default': s.STORAGES['default']['BACKEND'], 'redirect': getattr(s, 'SECURE_SSL_REDIRECT', False)}}))"
        return subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, env={**clean, **env}, capture_output=True, text=True, timeout=60)

    def test_production_requires_secret_key(self):
        result = self.load_settings("config.settings.production", AWS_STORAGE_BUCKET_NAME="b")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("ImproperlyConfigured: The environment variable SECRET_KEY is required and is not set.", result.stderr)

    def test_dev_requires_the_bucket(self):
        result = self.load_settings("config.settings.dev", SECRET_KEY="k" * 60)
        self.assertIn("The environment variable AWS_STORAGE_BUCKET_NAME is required", result.stderr)

    def test_production_uses_s3_and_https(self):
        result = self.load_settings("config.settings.production", SECRET_KEY="k" * 60, AWS_STORAGE_BUCKET_NAME="media-bucket")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout), {"debug": False, "default": "storages.backends.s3boto3.S3Boto3Storage", "redirect": True})

    def test_dev_uses_s3_over_plain_http(self):
        result = self.load_settings("config.settings.dev", SECRET_KEY="k" * 60, AWS_STORAGE_BUCKET_NAME="media-bucket")
        self.assertEqual(json.loads(result.stdout), {"debug": False, "default": "storages.backends.s3boto3.S3Boto3Storage", "redirect": False})

    def test_the_environment_template_settings_load(self):
        # What infra/eb-pipeline.yml gives an environment: the RDS secret, host and name; the bundle's version file.
        with tempfile.TemporaryDirectory() as bundle:
            Path(bundle, "VERSION").write_text("3f2a9c1d0b7e-ab12ab12ab12\n")
            code = "import json; from config.settings import dev as s; d = s.DATABASES['default']; print(json.dumps([s.APP_VERSION, d['USER'], d['PASSWORD'], d['HOST'], d['NAME']]))"
            env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "APP_VERSION")}
            env.update(
                SECRET_KEY="k" * 60, AWS_STORAGE_BUCKET_NAME="media", APP_VERSION="image-build-arg", APP_VERSION_FILE=f"{bundle}/VERSION",
                DATABASE_SECRET='{"username": "app", "password": "pw"}', DATABASE_HOST="db.internal", DATABASE_NAME="app",
            )
            result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout), ["3f2a9c1d0b7e-ab12ab12ab12", "app", "pw", "db.internal", "app"])


class LogFormatTests(SimpleTestCase):
    def test_a_traceback_stays_on_one_line(self):
        try:
            raise ValueError("boom\nsecond line")
        except ValueError:
            record = logging.getLogger("t").makeRecord("t", logging.ERROR, __file__, 1, "failed %s", ("here",), sys.exc_info())
        line = OneLineJsonFormatter().format(record)
        self.assertNotIn("\n", line)
        entry = json.loads(line)
        self.assertEqual((entry["level"], entry["message"]), ("ERROR", "failed here"))
        self.assertIn("ValueError: boom", entry["exception"])


class DatabaseFromSecretTests(SimpleTestCase):
    def test_rds_managed_secret_plus_host_and_name(self):
        parsed = database_from_secret('{"username": "app", "password": "p@ss/w"}', "db.internal", "app")
        self.assertEqual((parsed["USER"], parsed["PASSWORD"], parsed["HOST"], parsed["PORT"], parsed["NAME"]), ("app", "p@ss/w", "db.internal", "5432", "app"))
        self.assertEqual(parsed["OPTIONS"], {"sslmode": "require"})

    def test_not_the_rds_secret_names_the_variable_and_the_form(self):
        with self.assertRaisesMessage(ImproperlyConfigured, 'DATABASE_SECRET is not the RDS secret: expected JSON {"username"'):
            database_from_secret("hunter2", "db.internal", "app")

    def test_host_and_name_are_required(self):
        with self.assertRaisesMessage(ImproperlyConfigured, "DATABASE_HOST and DATABASE_NAME are required"):
            database_from_secret('{"username": "app", "password": "x"}', "", "app")

"""`manage.py test`: fast hashing, uploads in a throwaway directory, the same database engine as production."""
import atexit
import shutil
import tempfile

from config.env import env_str

from .base import *  # noqa: F401,F403

SECRET_KEY = env_str("SECRET_KEY", "django-insecure-test-only")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="django-test-media-")
# Every process that loads these settings removes its own upload directory when it exits.
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)

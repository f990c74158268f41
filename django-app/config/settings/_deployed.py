"""What dev and production share: a required secret, S3 media, hashed static names, no DEBUG."""
from config.env import env_int, env_str

from .base import *  # noqa: F401,F403
from .base import STORAGES

DEBUG = False
# Never baked into an image or a bundle: EB environment properties (or a secret store) provide it.
SECRET_KEY = env_str("SECRET_KEY")

AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME", env_str("AWS_REGION", "us-east-1"))
AWS_LOCATION = env_str("AWS_MEDIA_PREFIX", "media")
# Only for S3-compatible stores and local emulators; empty means AWS itself.
AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL", "") or None
# Uploads are private; django-storages signs URLs for a limited time.
AWS_DEFAULT_ACL = None
AWS_QUERYSTRING_EXPIRE = env_int("AWS_QUERYSTRING_EXPIRE", 3600)

STORAGES = {
    **STORAGES,
    # S3Boto3Storage: the name both django-storages 1.13 (Debian) and 1.14 (pip) accept.
    "default": {"BACKEND": "storages.backends.s3boto3.S3Boto3Storage"},
    # Content-hashed file names let nginx send far-future cache headers for /static/.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}

# The container sits behind EB's nginx (and a load balancer that terminates TLS).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = False
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

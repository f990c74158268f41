"""Developer machines and the local Elastic Beanstalk emulator: files on disk, an insecure key allowed."""
from config.env import env_bool, env_str

from .base import *  # noqa: F401,F403

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "django-insecure-local-only-never-deployed")

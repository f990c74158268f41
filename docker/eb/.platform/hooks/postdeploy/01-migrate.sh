#!/bin/bash
# Applies Django migrations after the new container is running.
#
# On Amazon Linux 2023 every instance runs the postdeploy hooks and there is no leader instance
# (container_commands' leader_only runs on the host, outside the container, where Django is not).
# So every instance runs `migrate_with_lock`, which takes a PostgreSQL advisory lock around
# `migrate`: the first instance applies the migrations, the others wait for the lock and then find
# nothing to do. Running it twice, or on many instances at once, is therefore safe.
set -euo pipefail

container=$(docker ps --quiet --filter "status=running" --latest)
if [[ -z "$container" ]]; then
  echo "01-migrate: no running container found; cannot run migrations" >&2
  exit 1
fi
echo "01-migrate: running migrate_with_lock in container $container"
docker exec "$container" python3 manage.py migrate_with_lock --lock-timeout 600

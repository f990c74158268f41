#!/usr/bin/env bash
# The Django checks of actions/django-test, runnable on its own: wait for the database, migrate,
# `manage.py test`, `makemigrations --check --dry-run`, `check --deploy` with the production
# settings. Every check runs (tests are skipped only when migrations fail); each result goes to the
# job summary, and the script fails when any check failed.
#
# Settings (environment):
#   DATABASE_URL                 required  e.g. postgres://postgres:postgres@localhost:5432/app
#   SETTINGS_MODULE              required  settings for tests and migrations, e.g. config.settings.test
#   PRODUCTION_SETTINGS_MODULE   settings for `check --deploy` (empty: that check is skipped)
#   DEPLOY_CHECK_ENV             KEY=VALUE lines set only for `check --deploy` (e.g. AWS_STORAGE_BUCKET_NAME=x)
#   WORKING_DIRECTORY            where manage.py is (default: .)
#   PYTHON                       default: python
#   REQUIREMENTS                 requirement files to pip install, space-separated (empty: install nothing)
#   DATABASE_WAIT_SECONDS        default: 60
#   TEST_ARGS                    extra `manage.py test` arguments, space-separated
#   GITHUB_STEP_SUMMARY / GITHUB_OUTPUT   written when set (outputs: tests-run, failed-checks)
set -uo pipefail

fail() { printf 'django-test: error: %s\n' "$*" >&2; exit 2; }

: "${DATABASE_URL:?DATABASE_URL is required, e.g. postgres://postgres:postgres@localhost:5432/app}"
: "${SETTINGS_MODULE:?SETTINGS_MODULE is required: the settings module for tests, e.g. config.settings.test}"
PRODUCTION_SETTINGS_MODULE=${PRODUCTION_SETTINGS_MODULE:-}
DEPLOY_CHECK_ENV=${DEPLOY_CHECK_ENV:-}
WORKING_DIRECTORY=${WORKING_DIRECTORY:-.}
PYTHON=${PYTHON:-python}
REQUIREMENTS=${REQUIREMENTS:-}
DATABASE_WAIT_SECONDS=${DATABASE_WAIT_SECONDS:-60}
TEST_ARGS=${TEST_ARGS:-}

[[ $DATABASE_WAIT_SECONDS =~ ^[0-9]+$ ]] || fail "DATABASE_WAIT_SECONDS '$DATABASE_WAIT_SECONDS' must be a whole number of seconds"
[[ $SETTINGS_MODULE =~ ^[A-Za-z_][A-Za-z0-9_.]*$ ]] || fail "SETTINGS_MODULE '$SETTINGS_MODULE' is not a dotted module path"
[[ -z $PRODUCTION_SETTINGS_MODULE || $PRODUCTION_SETTINGS_MODULE =~ ^[A-Za-z_][A-Za-z0-9_.]*$ ]] ||
  fail "PRODUCTION_SETTINGS_MODULE '$PRODUCTION_SETTINGS_MODULE' is not a dotted module path"
cd "$WORKING_DIRECTORY" || fail "WORKING_DIRECTORY '$WORKING_DIRECTORY' is not a directory"
[[ -f manage.py ]] || fail "no manage.py in WORKING_DIRECTORY '$WORKING_DIRECTORY'"

declare -a deploy_env=()
while IFS= read -r line; do
  [[ -z ${line//[[:space:]]/} ]] && continue
  [[ $line =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || fail "DEPLOY_CHECK_ENV line '$line' is not KEY=VALUE"
  deploy_env+=("$line")
done <<<"$DEPLOY_CHECK_ENV"

export DATABASE_URL
export DJANGO_SETTINGS_MODULE=$SETTINGS_MODULE
export PYTHONUNBUFFERED=1

results=()
failed=0
log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT

# check NAME COMMAND... — runs it with its output shown and kept, records pass/fail.
check() {
  local name=$1 status
  shift
  echo "::group::$name"
  "$@" 2>&1 | tee "$log_dir/$name.log"
  status=${PIPESTATUS[0]}
  echo "::endgroup::"
  if ((status == 0)); then
    results+=("| $name | passed |")
  else
    results+=("| $name | **failed** (exit $status) |")
    failed=$((failed + 1))
    echo "::error title=django-test::$name failed (exit $status)"
  fi
  return "$status"
}

wait_for_database() {
  local deadline=$((SECONDS + DATABASE_WAIT_SECONDS))
  until "$PYTHON" -c 'import django; django.setup(); from django.db import connection; connection.ensure_connection()' 2>"$log_dir/db-error"; do
    if ((SECONDS >= deadline)); then
      echo "database not reachable after ${DATABASE_WAIT_SECONDS}s: $(tail -n 1 "$log_dir/db-error")"
      return 1
    fi
    sleep 1
  done
  echo "database reachable"
}

if [[ -n $REQUIREMENTS ]]; then
  requirement_flags=()
  for file in $REQUIREMENTS; do requirement_flags+=(--requirement "$file"); done
  check "install requirements" "$PYTHON" -m pip install --disable-pip-version-check "${requirement_flags[@]}"
fi

tests_run=0
# shellcheck disable=SC2086 # TEST_ARGS is a list of words on purpose
if check "database" wait_for_database && check "migrate" "$PYTHON" manage.py migrate --no-input; then
  check "test" "$PYTHON" manage.py test --no-input $TEST_ARGS
  tests_run=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\} in .*/\1/p' "$log_dir/test.log" | tail -n 1)
  tests_run=${tests_run:-0}
fi
check "makemigrations --check" "$PYTHON" manage.py makemigrations --check --dry-run --no-input

if [[ -n $PRODUCTION_SETTINGS_MODULE ]]; then
  # A throwaway key: check --deploy wants a long random SECRET_KEY, and no real one belongs in CI.
  throwaway_key=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(50))')
  check "check --deploy" env "${deploy_env[@]}" DJANGO_SETTINGS_MODULE="$PRODUCTION_SETTINGS_MODULE" \
    SECRET_KEY="$throwaway_key" "$PYTHON" manage.py check --deploy --fail-level WARNING
fi

if [[ -n ${GITHUB_STEP_SUMMARY:-} ]]; then
  {
    echo "### Django checks"
    echo "| check | result |"
    echo "|---|---|"
    printf '%s\n' "${results[@]}"
    echo
    echo "Tests run: $tests_run"
  } >>"$GITHUB_STEP_SUMMARY"
fi
if [[ -n ${GITHUB_OUTPUT:-} ]]; then
  printf 'tests-run=%s\nfailed-checks=%s\n' "$tests_run" "$failed" >>"$GITHUB_OUTPUT"
fi
echo "django-test: $((${#results[@]} - failed)) of ${#results[@]} checks passed, $tests_run tests run"
((failed == 0))

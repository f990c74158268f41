#!/usr/bin/env bash
# Lays out an Elastic Beanstalk source bundle for the Docker platform: Dockerrun.aws.json naming
# the image by digest, the app's .ebextensions and .platform, and bundle-version/VERSION holding the
# version label (Dockerrun mounts that folder at /run/bundle, where the app reads it: a file, not an
# environment property, so Immutable deployments accept the bundle). The deploy action zips the
# directory deterministically (same content, same bytes).
#
# Settings (environment):
#   IMAGE_REF      required  the image by digest: <registry>/<name>@sha256:<64 hex>
#   VERSION_LABEL  required  the application version label (1-100 characters, no "/")
#   OUT_DIR        required  where to lay the bundle out (created; must not exist or be empty)
#   EB_DIR         the app's EB files: Dockerrun.aws.json, .ebextensions/, .platform/ (default: docker/eb)
# Outputs (key=value on stdout, and appended to $GITHUB_OUTPUT when set): bundle-dir, version-label.
set -euo pipefail

fail() { printf 'make-bundle: error: %s\n' "$*" >&2; exit 2; }

: "${IMAGE_REF:?IMAGE_REF is required: the image by digest, <registry>/<name>@sha256:<64 hex>}"
: "${VERSION_LABEL:?VERSION_LABEL is required: the application version label}"
: "${OUT_DIR:?OUT_DIR is required: the directory to lay the bundle out in}"
EB_DIR=${EB_DIR:-docker/eb}

# EB's hosts pull by this reference: a tag could move between the gate and a scale-out.
[[ $IMAGE_REF =~ ^[a-z0-9][a-z0-9._:/-]*@sha256:[0-9a-f]{64}$ ]] ||
  fail "IMAGE_REF '$IMAGE_REF' must name the image by digest: <registry>/<name>@sha256:<64 hex>"
[[ ${#VERSION_LABEL} -ge 1 && ${#VERSION_LABEL} -le 100 && $VERSION_LABEL != */* ]] ||
  fail "VERSION_LABEL '$VERSION_LABEL' must be 1-100 characters without '/'"
[[ $VERSION_LABEL =~ ^[A-Za-z0-9._+-]+$ ]] ||
  fail "VERSION_LABEL '$VERSION_LABEL' may only contain letters, digits and . _ + -"
[[ -f $EB_DIR/Dockerrun.aws.json ]] || fail "EB_DIR '$EB_DIR' has no Dockerrun.aws.json"
[[ ! -e $EB_DIR/Dockerfile ]] || fail "EB_DIR '$EB_DIR' has a Dockerfile: EB would build it on every instance and ignore the image"
if [[ -e $OUT_DIR ]] && [[ -n $(ls -A "$OUT_DIR") ]]; then fail "OUT_DIR '$OUT_DIR' exists and is not empty"; fi

jq -e '.Image | type == "object"' "$EB_DIR/Dockerrun.aws.json" >/dev/null 2>&1 ||
  fail "$EB_DIR/Dockerrun.aws.json is not JSON with an \"Image\" object (Dockerrun v1)"

# Immutable deployments refuse a bundle whose configuration files change settings: those belong on
# the environment (infra/eb-pipeline.yml).
for config in "$EB_DIR"/.ebextensions/*.config; do
  if [[ -f $config ]] && grep -q '^option_settings' "$config"; then
    printf '::warning::%s sets option_settings: an Immutable deployment refuses such a bundle; set them on the environment instead (docs/aws-setup.md)\n' "$config"
  fi
done

mkdir -p "$OUT_DIR"
# Image.Update is left out: its default (true) has every instance pull, and by digest a pull fetches
# exactly that image or finds it cached.
jq --arg image "$IMAGE_REF" '.Image.Name = $image | del(.Image.Update)' \
  "$EB_DIR/Dockerrun.aws.json" >"$OUT_DIR/Dockerrun.aws.json"
for dir in .ebextensions .platform; do
  if [[ -d $EB_DIR/$dir ]]; then cp -R "$EB_DIR/$dir" "$OUT_DIR/$dir"; fi
done
# EB runs only executable hooks, and a checkout on some systems loses the bit.
if [[ -d $OUT_DIR/.platform ]]; then
  find "$OUT_DIR/.platform" -path '*hooks/*' -type f -exec chmod 0755 {} +
fi
mkdir -p "$OUT_DIR/bundle-version"
printf '%s\n' "$VERSION_LABEL" >"$OUT_DIR/bundle-version/VERSION"

printf 'bundle-dir=%s\nversion-label=%s\n' "$OUT_DIR" "$VERSION_LABEL"
if [[ -n ${GITHUB_OUTPUT:-} ]]; then
  printf 'bundle-dir=%s\nversion-label=%s\n' "$OUT_DIR" "$VERSION_LABEL" >>"$GITHUB_OUTPUT"
fi

#!/usr/bin/env bash
# Builds the base image only when its content hash is not in the registry yet, then builds the app
# image FROM that base by digest and pushes both. The logic of actions/build-images, kept out of
# YAML so tests can run it with podman against a local registry.
#
# Settings (environment):
#   IMAGE_REPOSITORY   required  registry/name of the app image, no tag (e.g. 1234.dkr.ecr.eu-west-1.amazonaws.com/shop)
#   IMAGE_TAG          required  tag of the app image (e.g. the commit SHA)
#   BASE_REPOSITORY    registry/name of the base image (default: IMAGE_REPOSITORY; tags base-<hash>)
#   CONTEXT            build context directory (default: .)
#   BASE_DOCKERFILE    default docker/Dockerfile.base      (relative to CONTEXT)
#   IMAGE_DOCKERFILE   default docker/Dockerfile.production (relative to CONTEXT)
#   BASE_HASH_FILES    files/globs/directories (relative to CONTEXT), whitespace-separated, whose
#                      content goes into the base (default: requirements/*)
#   BASE_BUILD_ARGS    KEY=VALUE lines for the base build (part of the hash)
#   IMAGE_BUILD_ARGS   KEY=VALUE lines for the app build
#   BUILDER            docker (docker buildx, GitHub runners) | podman (here)   default: docker
#   PLATFORM           default linux/amd64 (part of the hash)
#   CACHE              docker only: gha | registry | none   default: none
#   TLS_VERIFY         podman/skopeo only: true | false      default: true
#   FORCE_BASE_BUILD   true | false                          default: false
# Outputs (key=value on stdout, and appended to $GITHUB_OUTPUT when set): base-hash, base-tag,
# base-digest, base-ref, base-rebuilt, image-digest, image-ref. Progress goes to stderr.
set -euo pipefail
shopt -s inherit_errexit

log() { printf 'build-images: %s\n' "$*" >&2; }
fail() { printf 'build-images: error: %s\n' "$*" >&2; exit 2; }
# Scratch files live in one directory that goes away however the script ends (error, Ctrl-C, kill).
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

repository_pattern='^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9-]+)*(:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)+$'
tag_pattern='^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$'

: "${IMAGE_REPOSITORY:?IMAGE_REPOSITORY is required: registry/name without a tag, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop}"
: "${IMAGE_TAG:?IMAGE_TAG is required: an image tag such as the commit SHA}"
BASE_REPOSITORY=${BASE_REPOSITORY:-$IMAGE_REPOSITORY}
CONTEXT=${CONTEXT:-.}
BASE_DOCKERFILE=${BASE_DOCKERFILE:-docker/Dockerfile.base}
IMAGE_DOCKERFILE=${IMAGE_DOCKERFILE:-docker/Dockerfile.production}
BASE_HASH_FILES=${BASE_HASH_FILES-requirements/*}
BASE_BUILD_ARGS=${BASE_BUILD_ARGS:-}
IMAGE_BUILD_ARGS=${IMAGE_BUILD_ARGS:-}
BUILDER=${BUILDER:-docker}
PLATFORM=${PLATFORM:-linux/amd64}
CACHE=${CACHE:-none}
TLS_VERIFY=${TLS_VERIFY:-true}
FORCE_BASE_BUILD=${FORCE_BASE_BUILD:-false}

[[ $IMAGE_REPOSITORY =~ $repository_pattern ]] ||
  fail "IMAGE_REPOSITORY '$IMAGE_REPOSITORY' is not a lower-case registry/name without tag or digest"
[[ $BASE_REPOSITORY =~ $repository_pattern ]] ||
  fail "BASE_REPOSITORY '$BASE_REPOSITORY' is not a lower-case registry/name without tag or digest"
[[ $IMAGE_TAG =~ $tag_pattern ]] ||
  fail "IMAGE_TAG '$IMAGE_TAG' is not a valid tag (letters, digits, _ . -, at most 128, not starting with . or -)"
case $BUILDER in docker | podman) ;; *) fail "BUILDER '$BUILDER' must be docker or podman" ;; esac
case $CACHE in gha | registry | none) ;; *) fail "CACHE '$CACHE' must be gha, registry or none" ;; esac
case $TLS_VERIFY in true | false) ;; *) fail "TLS_VERIFY '$TLS_VERIFY' must be true or false" ;; esac
case $FORCE_BASE_BUILD in true | false) ;; *) fail "FORCE_BASE_BUILD '$FORCE_BASE_BUILD' must be true or false" ;; esac
[[ -d $CONTEXT ]] || fail "CONTEXT '$CONTEXT' is not a directory"
cd "$CONTEXT"
[[ -f $BASE_DOCKERFILE ]] || fail "BASE_DOCKERFILE '$BASE_DOCKERFILE' not found in CONTEXT '$CONTEXT'"
[[ -f $IMAGE_DOCKERFILE ]] || fail "IMAGE_DOCKERFILE '$IMAGE_DOCKERFILE' not found in CONTEXT '$CONTEXT'"

# KEY=VALUE lines → one --build-arg flag each; anything else is a mistake worth naming.
declare -a base_args=() image_args=()
parse_build_args() {
  local name=$1 text=$2 line
  local -n flags=$3
  while IFS= read -r line; do
    [[ -z ${line//[[:space:]]/} ]] && continue
    [[ $line =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || fail "$name line '$line' is not KEY=VALUE"
    flags+=(--build-arg "$line")
  done <<<"$text"
}

# The files that go into the base, sorted so the hash does not depend on glob or find order.
declare -a hashed_files=()
collect_hashed_files() {
  local pattern matches=()
  shopt -s nullglob globstar
  for pattern in $BASE_HASH_FILES; do
    # shellcheck disable=SC2206 # the pattern is meant to glob
    matches=($pattern)
    # A pattern without glob characters stays as it is even when no such file exists.
    [[ ${#matches[@]} -gt 0 && -e ${matches[0]} ]] || fail "BASE_HASH_FILES pattern '$pattern' matches nothing in CONTEXT '$CONTEXT'"
    mapfile -t -O "${#hashed_files[@]}" hashed_files < <(find "${matches[@]}" -type f -print)
  done
  shopt -u nullglob globstar
  if ((${#hashed_files[@]} > 0)); then
    mapfile -t hashed_files < <(printf '%s\n' "${hashed_files[@]}" | LC_ALL=C sort -u)
  fi
}

base_hash() {
  local file arg
  {
    printf 'dockerfile %s %s\n' "$BASE_DOCKERFILE" "$(sha256sum <"$BASE_DOCKERFILE" | cut -d' ' -f1)"
    for file in "${hashed_files[@]}"; do
      printf 'file %s %s\n' "$file" "$(sha256sum <"$file" | cut -d' ' -f1)"
    done
    for arg in "${base_args[@]}"; do
      if [[ $arg != --build-arg ]]; then printf 'arg %s\n' "$arg"; fi
    done | LC_ALL=C sort
    printf 'platform %s\n' "$PLATFORM"
  } | sha256sum | cut -c1-32
}

# Prints the manifest digest of REF, or nothing when the registry has no such tag. Any other
# failure (auth, network) stops the build rather than silently rebuilding.
registry_digest() {
  local ref=$1 raw err
  raw=$scratch/manifest err=$scratch/lookup-error
  # A file, not $( ): the digest is over the exact bytes, trailing newline included.
  if [[ $BUILDER == podman ]] &&
    skopeo inspect --tls-verify="$TLS_VERIFY" --raw "docker://$ref" >"$raw" 2>"$err"; then
    sha256sum <"$raw" | sed 's/^\([0-9a-f]*\).*/sha256:\1/'
  elif [[ $BUILDER == docker ]] &&
    docker buildx imagetools inspect "$ref" --format '{{json .Manifest}}' >"$raw" 2>"$err"; then
    jq -r .digest "$raw"
  elif ! grep -qiE 'manifest unknown|not found|no such manifest|name unknown|NotFound' "$err"; then
    fail "could not look up $ref in the registry: $(cat "$err")"
  fi
}

# build DOCKERFILE REF CACHE_SCOPE [flags...] → pushes REF and prints its digest.
build_and_push() {
  local dockerfile=$1 ref=$2 scope=$3 digest_file
  shift 3
  digest_file=$scratch/digest
  if [[ $BUILDER == podman ]]; then
    podman --cgroup-manager=cgroupfs build --isolation=chroot --tls-verify="$TLS_VERIFY" \
      --platform "$PLATFORM" --file "$dockerfile" --tag "$ref" "$@" . >&2
    podman push --tls-verify="$TLS_VERIFY" --digestfile "$digest_file" "$ref" >&2
    cat "$digest_file"
  else
    local cache_flags=()
    case $CACHE in
      gha) cache_flags=(--cache-from "type=gha,scope=$scope" --cache-to "type=gha,mode=max,scope=$scope") ;;
      registry) cache_flags=(--cache-from "type=registry,ref=${ref%:*}:cache-$scope"
        --cache-to "type=registry,ref=${ref%:*}:cache-$scope,mode=max,image-manifest=true,oci-mediatypes=true") ;;
    esac
    docker buildx build --platform "$PLATFORM" --file "$dockerfile" --tag "$ref" \
      "${cache_flags[@]}" --provenance=false --push --metadata-file "$digest_file" "$@" . >&2
    jq -r '."containerimage.digest"' "$digest_file"
  fi
}

emit() {
  printf '%s=%s\n' "$1" "$2"
  if [[ -n ${GITHUB_OUTPUT:-} ]]; then printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"; fi
}

parse_build_args BASE_BUILD_ARGS "$BASE_BUILD_ARGS" base_args
parse_build_args IMAGE_BUILD_ARGS "$IMAGE_BUILD_ARGS" image_args
collect_hashed_files

hash=$(base_hash)
base_tag="$BASE_REPOSITORY:base-$hash"
log "base content hash $hash → $base_tag"

base_digest=
if [[ $FORCE_BASE_BUILD == false ]]; then base_digest=$(registry_digest "$base_tag"); fi
if [[ -n $base_digest ]]; then
  base_rebuilt=false
  log "base already in the registry ($base_digest): not rebuilding it"
else
  base_rebuilt=true
  log "building the base image"
  base_digest=$(build_and_push "$BASE_DOCKERFILE" "$base_tag" base "${base_args[@]}")
fi
[[ $base_digest =~ ^sha256:[0-9a-f]{64}$ ]] || fail "base digest '$base_digest' is not sha256:<64 hex>"
base_ref="$BASE_REPOSITORY@$base_digest"

image_tag_ref="$IMAGE_REPOSITORY:$IMAGE_TAG"
log "building $image_tag_ref FROM $base_ref"
# Cache scope per Dockerfile: dev and production builds must not evict each other's cache.
image_digest=$(build_and_push "$IMAGE_DOCKERFILE" "$image_tag_ref" "image-${IMAGE_DOCKERFILE##*/}" \
  --build-arg "BASE_IMAGE=$base_ref" \
  --label "org.opencontainers.image.base.name=$base_tag" \
  --label "org.opencontainers.image.base.digest=$base_digest" \
  "${image_args[@]}")
[[ $image_digest =~ ^sha256:[0-9a-f]{64}$ ]] || fail "image digest '$image_digest' is not sha256:<64 hex>"

emit base-hash "$hash"
emit base-tag "$base_tag"
emit base-digest "$base_digest"
emit base-ref "$base_ref"
emit base-rebuilt "$base_rebuilt"
emit image-digest "$image_digest"
emit image-ref "$IMAGE_REPOSITORY@$image_digest"

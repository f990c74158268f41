#!/usr/bin/env bash
# Cut a release: a commit on top of the current one in which every reusable workflow and action
# names the suite's own actions by the commit SHA they were released from, not by the moving tag.
#
#   scripts/release.sh v1.4.0
#
# Why: a caller that pins `…/.github/workflows/deploy.yml@<sha>` would otherwise still run
# `…/actions/deploy-version@v1` inside it, i.e. whatever v1 points at that day. After this script
# the release commit R (tagged v1.4.0) differs from its parent S only in those `uses:` lines, which
# now read `@<S> # v1.4.0`; the actions at S are byte for byte the actions at R, so a caller pinning
# R runs exactly the code it pinned. (A commit cannot name its own SHA; its parent's is the nearest
# immutable ref with the same code.) The templates under workflows/ are the user's copies and keep
# `@v1`; docs/releasing.md says how to publish and move v1.
#
# The release commit is made on a detached HEAD and only the tag points at it; the branch you ran
# it on is left as it was (main keeps `@v1`, which its tests require).
#
# Refuses: a version that is not vMAJOR.MINOR.PATCH, an existing tag, a dirty tree, a tree whose
# reusable workflows hold no `@v1` suite reference (already a release commit), and a result that
# still holds one. Exit 0 released, 1 refused (nothing committed), 2 usage.
set -euo pipefail

SUITE_REPOSITORY=${SUITE_REPOSITORY:-django-eb-pipeline/django-eb-pipeline}
MOVING_REF=${MOVING_REF:-v1}

die() { echo "release: $*" >&2; exit 1; }

version=${1:-}
if [[ $# -ne 1 || ! $version =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "usage: scripts/release.sh vMAJOR.MINOR.PATCH   (got: ${*:-nothing})" >&2
  exit 2
fi
[[ ${version%%.*} == "$MOVING_REF" ]] || die "version $version is not in the $MOVING_REF series (MOVING_REF=$MOVING_REF)"

root=$(git rev-parse --show-toplevel)
cd "$root"
git rev-parse -q --verify "refs/tags/$version" >/dev/null && die "tag $version already exists"
[[ -z $(git status --porcelain --untracked-files=no) ]] || die "the working tree has uncommitted changes: commit or stash them first"
source_sha=$(git rev-parse HEAD)
# The release commit hangs off HEAD without moving the branch: main keeps `@v1`.
back_to=$(git symbolic-ref -q --short HEAD || echo "$source_sha")
git checkout -q --detach
trap 'git checkout -q -f "$back_to"' EXIT

# The files that reference the suite from inside it: reusable workflows and every action.yml.
mapfile -t files < <(git ls-files -- '.github/workflows/*.yml' '.github/workflows/*.yaml' 'action.yml' 'actions/*/action.yml')
repo_re=${SUITE_REPOSITORY//./\\.}
# `uses: <repo>[/path]@v1` at the start of a line (a step or a job), an optional trailing comment.
pattern="^([[:space:]]*(- )?uses:[[:space:]]*${repo_re}(/[^@[:space:]]*)?)@${MOVING_REF}([[:space:]]*(#.*)?)$"

count=0
changed=()
for file in "${files[@]}"; do
  n=$(grep -cE "$pattern" "$file" || true)
  ((n > 0)) || continue
  sed -E -i "s|${pattern}|\\1@${source_sha} # ${version}|" "$file"
  count=$((count + n))
  changed+=("$file")
done
((count > 0)) || die "no \"uses: ${SUITE_REPOSITORY}…@${MOVING_REF}\" line found: is HEAD already a release commit?"

# Nothing may still float: any suite reference left that is not the pinned SHA is an error.
left=$(grep -nE "^[[:space:]]*(- )?uses:[[:space:]]*${repo_re}(/|@)" "${files[@]}" | grep -v "@${source_sha} # ${version}\$" || true)
if [[ -n $left ]]; then
  die "suite references this script cannot pin (left unchanged, nothing committed):"$'\n'"$left"
fi

git add -- "${changed[@]}"
git commit -q -m "Release ${version}: the suite's own actions pinned to ${source_sha}" \
  -m "${count} uses: lines in ${#changed[@]} files name ${SUITE_REPOSITORY}…@${source_sha} (the commit this release was cut from) instead of @${MOVING_REF}."
git tag -a "$version" -m "django-eb-pipeline ${version} (actions at ${source_sha})"
release_sha=$(git rev-parse HEAD)

echo "released ${version}: ${release_sha} (${count} references in ${#changed[@]} files pinned to ${source_sha})"
for file in "${changed[@]}"; do echo "  ${file}"; done
echo "publish:  git push origin ${version} && git tag -f ${MOVING_REF} ${version}^{} && git push -f origin ${MOVING_REF}"

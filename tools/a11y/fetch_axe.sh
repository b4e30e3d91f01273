#!/usr/bin/env bash
# Fetches axe-core 4 from the npm registry into tests/a11y (axe.min.js and its licences), for updating the copy
# kept in the project. Needs npm. Usage: tools/a11y/fetch_axe.sh [version, default 4]
set -euo pipefail
version="${1:-4}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "axe-core@$version" >/dev/null && tar xzf axe-core-*.tgz)
cp "$work/package/axe.min.js" "$repo/tests/a11y/axe.min.js"
cp "$work/package/LICENSE" "$repo/tests/a11y/axe-core.LICENSE"
cp "$work/package/LICENSE-3RD-PARTY.txt" "$repo/tests/a11y/axe-core.LICENSE-3RD-PARTY.txt"
head -1 "$repo/tests/a11y/axe.min.js"
sha256sum "$repo/tests/a11y/axe.min.js"

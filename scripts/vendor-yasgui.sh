#!/usr/bin/env bash
# Vendor YASGUI (the SPARQL editor + results viewer of the query UI at /) into api/static/yasgui/.
#
# The UI loads nothing from another host: the built bundle and its stylesheet are copied from the
# npm package into the repository and served by our app. This script reproduces that copy:
#
#   scripts/vendor-yasgui.sh            # fetch the pinned version, check its sha256, copy the files
#   scripts/vendor-yasgui.sh --check    # only check that the files in the tree match the pins
#
# To upgrade: change VERSION, run with UPDATE=1 (prints the new sums instead of refusing them),
# put the sums below and in api/static/yasgui/VENDORED.md, and run tests/test_ui.py.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE="@zazuko/yasgui"
VERSION="4.6.2"
TARBALL_SHA256="6520cdd256a4003e8d45865e0d631b6456b88a0e6b65f4f3e56d78a25d74c9a7"
JS_SHA256="55034eaac74c55f55fbd1eeed008ae38a79053651cbed2b453f1fcfd895a4b75"
CSS_SHA256="085b94556b97f9928981bdedb6848fd11ad4d8d950e821f0d698c58ca538fc55"
DEST="api/static/yasgui"

sum() { sha256sum "$1" | cut -d' ' -f1; }

check_tree() {
  local ok=0
  [ "$(sum "$DEST/yasgui.min.js")" = "$JS_SHA256" ] || { echo "$DEST/yasgui.min.js: sha256 differs from the pin" >&2; ok=1; }
  [ "$(sum "$DEST/yasgui.min.css")" = "$CSS_SHA256" ] || { echo "$DEST/yasgui.min.css: sha256 differs from the pin" >&2; ok=1; }
  [ -f "$DEST/LICENSE" ] || { echo "$DEST/LICENSE is missing" >&2; ok=1; }
  return $ok
}

if [ "${1:-}" = "--check" ]; then
  check_tree && echo "vendored $PACKAGE@$VERSION matches its pins"
  exit
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# `npm pack` downloads the published tarball from the npm registry without installing anything.
(cd "$work" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null)
tgz="$(ls "$work"/*.tgz)"
got="$(sum "$tgz")"
if [ "$got" != "$TARBALL_SHA256" ]; then
  if [ "${UPDATE:-0}" = 1 ]; then
    echo "tarball sha256: $got"
  else
    echo "the tarball of $PACKAGE@$VERSION has sha256 $got, not the pinned $TARBALL_SHA256" >&2
    exit 1
  fi
fi
tar -xzf "$tgz" -C "$work"
mkdir -p "$DEST"
cp "$work/package/build/yasgui.min.js" "$work/package/build/yasgui.min.css" "$DEST/"
if [ "${UPDATE:-0}" = 1 ]; then
  echo "yasgui.min.js  sha256: $(sum "$DEST/yasgui.min.js")"
  echo "yasgui.min.css sha256: $(sum "$DEST/yasgui.min.css")"
  exit 0
fi
# The npm tarball ships no licence file (its package.json says "license": "MIT"); LICENSE and
# THIRD-PARTY.md beside the files are kept in the repository and are not overwritten here.
check_tree
echo "vendored $PACKAGE@$VERSION into $DEST"

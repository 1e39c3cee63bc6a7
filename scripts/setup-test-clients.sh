#!/usr/bin/env bash
# The agent programs the e2e tests run (Claude Code, opencode: ~700 MB of native binaries) live in
# test/client-kit, outside the adapter's own install. npm test installs them once per lock file.
set -euo pipefail
kit="$(cd "$(dirname "$0")/../test/client-kit" && pwd)"
stamp="$kit/node_modules/.installed-lock.json"
cmp -s "$kit/package-lock.json" "$stamp" && exit 0
echo "installing the test clients (Claude Code, opencode) into test/client-kit ..."
# No install scripts: the tests run the native binaries from the platform packages, which is all
# the wrappers' postinstall scripts copy. --loglevel=error: Claude Code's package declares Node 22,
# which its native binary does not use (npm would warn EBADENGINE on Node 20).
npm ci --prefix "$kit" --ignore-scripts --no-audit --no-fund --loglevel=error
cp "$kit/package-lock.json" "$stamp"

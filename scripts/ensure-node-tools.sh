#!/usr/bin/env bash
# Makes sure Node.js and the portal's pinned JavaScript checks (ESLint, from package.json /
# package-lock.json) are here for `make jslint` and `make test`. Idempotent: does nothing
# when node_modules/ already matches package-lock.json.
#
# Node and npm come from Debian's packages when missing (the portal's unit tests use
# Node's own test runner, `node --test`; ESLint 9 needs Node 18.18 or newer). The tools
# are installed with `npm ci --ignore-scripts` (exactly the locked versions, no install
# scripts run) into node_modules/, which git ignores.
set -euo pipefail

cd "$(dirname "$0")/.."
NODE_PACKAGES=(nodejs npm)
MIN_NODE_MAJOR=18
MIN_NODE_MINOR=18
STAMP=node_modules/.package-lock.sha256

say() { echo "ensure-node-tools: $*"; }
fail() { echo "ensure-node-tools: $*" >&2; exit 1; }

node_ok() {
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || return 1
    local major minor
    IFS=. read -r major minor _ <<<"$(node --version | sed 's/^v//')"
    [ "$major" -gt "$MIN_NODE_MAJOR" ] || { [ "$major" -eq "$MIN_NODE_MAJOR" ] && [ "$minor" -ge "$MIN_NODE_MINOR" ]; }
}

ensure_node() {
    if node_ok; then
        return
    fi
    if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
        fail "node $(node --version) is older than $MIN_NODE_MAJOR.$MIN_NODE_MINOR (ESLint 9 needs it); upgrade it."
    fi
    say "node or npm is missing; installing Debian's ${NODE_PACKAGES[*]} ..."
    bash scripts/apt-install.sh "${NODE_PACKAGES[@]}"
    node_ok || fail "${NODE_PACKAGES[*]} are installed but node $MIN_NODE_MAJOR.$MIN_NODE_MINOR+ and npm are not on PATH."
}

lock_sum() {
    sha256sum package-lock.json | cut -d' ' -f1
}

tools_ok() {
    [ -x node_modules/.bin/eslint ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(lock_sum)" ]
}

ensure_tools() {
    if tools_ok; then
        return
    fi
    say "installing the locked JavaScript tools (npm ci) into node_modules/ ..."
    local log
    log="$(mktemp)"
    trap 'rm -f "$log"' RETURN
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >"$log" 2>&1 \
        || fail "npm ci failed (offline?): $(tail -n 3 "$log")"
    lock_sum > "$STAMP"
    say "ESLint $(node_modules/.bin/eslint --version) is in node_modules/."
}

ensure_node
ensure_tools
tools_ok || fail "the JavaScript tools in node_modules/ do not match package-lock.json."

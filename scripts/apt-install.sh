#!/usr/bin/env bash
# Installs Debian packages for the setup scripts (ensure-dynamodb-local.sh,
# ensure-node-tools.sh): as root, else with sudo; no recommended packages.
#   bash scripts/apt-install.sh PACKAGE...
set -euo pipefail

fail() { echo "apt-install: $*" >&2; exit 1; }

[ "$#" -gt 0 ] || fail "name the packages to install."
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "not root and sudo is missing; install $* as root."
    sudo=(sudo)
fi
"${sudo[@]}" apt-get update -qq >/dev/null \
    || fail "apt-get update failed (offline?); install $* by hand."
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "$@" >/dev/null \
    || fail "apt-get install $* failed (offline?)."

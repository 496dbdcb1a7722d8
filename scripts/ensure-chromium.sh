#!/usr/bin/env bash
# Makes sure a Chromium browser is at /usr/bin/chromium for the portal's browser tests
# (tests/e2e/test_portal_browser.py). Idempotent: does nothing when it is already there.
# Uses the distribution's package, never `playwright install`.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    echo "ensure-chromium: $CHROMIUM is already installed ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown')); nothing to do."
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "ensure-chromium: not root and sudo is missing; install the 'chromium' package as root." >&2
    exit 1
fi

echo "ensure-chromium: $CHROMIUM is missing; running apt-get update ..."
"${SUDO[@]}" apt-get update
echo "ensure-chromium: installing chromium (no recommended packages) ..."
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

if [ ! -x "$CHROMIUM" ]; then
    echo "ensure-chromium: the chromium package is installed but $CHROMIUM is still missing." >&2
    exit 1
fi
echo "ensure-chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium) at $CHROMIUM."

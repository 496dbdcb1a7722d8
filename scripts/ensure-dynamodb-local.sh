#!/usr/bin/env bash
# Makes sure DynamoDB Local (AWS's own engine) and a Java runtime are here for the local
# stack, the e2e tests and `make bench`. Idempotent: does nothing when both are present.
#
# The engine ships inside the npm package amplify-dynamodb-simulator (its emulator/ folder:
# DynamoDBLocal.jar, DynamoDBLocal_lib/ with the Linux sqlite4java library). It is fetched
# with `npm pack` (no install scripts run), checked against pinned SHA-256 sums, and only
# the emulator is extracted into .tools/dynamodb-local/. Java comes from Debian's packages.
set -euo pipefail

cd "$(dirname "$0")/.."
PACKAGE=amplify-dynamodb-simulator
VERSION=2.9.30
TARBALL_SHA256=3503ffac19f183407909fecdacf4db51ab1fdad1da7b2f177016670b2d80e4b9
JAR_SHA256=454305e9bc3e6ebcca5b62569869e31563b8d7e346474e94557b2600702146c7
TOOLS=.tools
TARGET="$TOOLS/dynamodb-local"
JRE_PACKAGE=openjdk-17-jre-headless

say() { echo "ensure-dynamodb-local: $*"; }
fail() { echo "ensure-dynamodb-local: $*" >&2; exit 1; }

jar_ok() {
    [ -f "$TARGET/DynamoDBLocal.jar" ] && [ -f "$TARGET/VERSION" ] \
        && [ "$(cat "$TARGET/VERSION")" = "$VERSION" ] \
        && echo "$JAR_SHA256  $TARGET/DynamoDBLocal.jar" | sha256sum --check --status
}

ensure_java() {
    if command -v java >/dev/null 2>&1; then
        return
    fi
    say "java is missing; installing Debian's $JRE_PACKAGE ..."
    bash scripts/apt-install.sh "$JRE_PACKAGE"
    command -v java >/dev/null 2>&1 || fail "$JRE_PACKAGE is installed but java is not on PATH."
}

ensure_engine() {
    if jar_ok; then
        return
    fi
    command -v npm >/dev/null 2>&1 || fail "npm is missing; it fetches $PACKAGE@$VERSION (apt-get install npm)."
    local work
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' RETURN
    say "fetching $PACKAGE@$VERSION with npm pack ..."
    (cd "$work" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null 2>"$work/npm.log") \
        || fail "npm pack $PACKAGE@$VERSION failed (offline?): $(tail -n 1 "$work/npm.log")"
    local tarball="$work/$PACKAGE-$VERSION.tgz"
    echo "$TARBALL_SHA256  $tarball" | sha256sum --check --status \
        || fail "$PACKAGE-$VERSION.tgz does not match its pinned SHA-256; refusing it."
    tar -xzf "$tarball" -C "$work" package/emulator \
        || fail "$PACKAGE-$VERSION.tgz has no package/emulator folder."
    echo "$JAR_SHA256  $work/package/emulator/DynamoDBLocal.jar" | sha256sum --check --status \
        || fail "DynamoDBLocal.jar does not match its pinned SHA-256; refusing it."
    mkdir -p "$TOOLS"
    rm -rf "$TARGET"
    mv "$work/package/emulator" "$TARGET"
    echo "$VERSION" > "$TARGET/VERSION"
    say "DynamoDB Local from $PACKAGE@$VERSION is in $TARGET."
}

ensure_java
ensure_engine
jar_ok || fail "DynamoDB Local is not usable in $TARGET."

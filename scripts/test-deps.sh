#!/usr/bin/env bash
# System packages the test suite drives for real, from Debian's packages: PostgreSQL (the
# desk's second database, the shared tracker store), Redis (the lock store of several Rasa
# instances), Chromium (browser tests) and OpenSSL (a certificate for the TLS mail server).
# Installed only when missing.
set -euo pipefail
missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -eq 0 ]; then
  echo "test-deps: PostgreSQL, Redis, Chromium and OpenSSL are installed"; exit 0
fi
echo "test-deps: installing ${missing[*]} from Debian's packages"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "test-deps: done"

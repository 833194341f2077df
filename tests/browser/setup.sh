#!/usr/bin/env bash
# Install what the browser tests need: Debian's chromium and the Python playwright driver.
# Idempotent, quiet and fast when already installed. Run as root on Debian (CI). Never runs
# `playwright install`: the tests drive /usr/bin/chromium through executable_path.
set -euo pipefail

if ! command -v chromium >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi

PY="${PYTHON:-python3}"
if ! "$PY" -c "import playwright.sync_api" >/dev/null 2>&1; then
    "$PY" -m pip install -q "playwright>=1.40"
fi

chromium --version >/dev/null 2>&1
"$PY" -c "import playwright.sync_api"

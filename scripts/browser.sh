#!/usr/bin/env bash
# Headless Chromium for the dashboard's browser test (test/integration/dashboard.int.test.ts, driven by
# playwright-core): installs Debian's `chromium` package when no browser is found, then prints its path.
#
#   bash scripts/browser.sh          install if missing (apt-get; root, or sudo when available), print the path
#
# The test looks at CHROMIUM_PATH first, then /usr/bin/chromium; set CHROMIUM_PATH to use another build.
set -euo pipefail

BROWSER="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$BROWSER" ]; then
  echo "[browser] $BROWSER ($("$BROWSER" --version 2>/dev/null | head -n1))"
  exit 0
fi
if [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "[browser] CHROMIUM_PATH=$CHROMIUM_PATH is not an executable" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "[browser] chromium is missing and installing it needs root: apt-get install -y chromium" >&2
    exit 1
  fi
fi
echo "[browser] installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
echo "[browser] /usr/bin/chromium ($(/usr/bin/chromium --version 2>/dev/null | head -n1))"

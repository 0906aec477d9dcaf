#!/usr/bin/env bash
# Creates bench/.venv if it is missing and installs bench/quality/requirements.txt into it.
# Idempotent; about a second when everything is already installed (pip only checks the pins).
#   PYTHON      interpreter used to create the venv (default: python3; needs Python >= 3.11)
#   BENCH_VENV  venv location (default: bench/.venv)
# Output goes to stderr, so callers' stdout stays clean.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${BENCH_VENV:-$here/../.venv}"
if [ ! -x "$venv/bin/python" ]; then
  echo "setup-venv: creating $venv with ${PYTHON:-python3}" >&2
  "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt" 1>&2

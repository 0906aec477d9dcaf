"""Runs the calling script inside bench/.venv, created/updated from requirements.txt (stdlib only).

`python3 bench/quality/peers.py` and `bench/.venv/bin/python bench/quality/peers.py` both work: the first call runs
setup-venv.sh (idempotent, ~1 s when up to date) and, when the interpreter is not the venv's, re-executes the script
with the venv's Python. Set BENCH_SKIP_VENV_SETUP=1 to skip the pip check (e.g. offline).
"""
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = Path(os.environ.get("BENCH_VENV", HERE.parent / ".venv")).resolve()
_DONE = "_BENCH_VENV_READY"


def ensure_venv(script: str) -> None:
    if os.environ.get(_DONE) != "1":
        if os.environ.get("BENCH_SKIP_VENV_SETUP") != "1":
            subprocess.run([str(HERE / "setup-venv.sh")], check=True)
        os.environ[_DONE] = "1"
    if Path(sys.prefix).resolve() != VENV:
        py = VENV / "bin" / "python"
        os.execv(str(py), [str(py), str(Path(script).resolve()), *sys.argv[1:]])

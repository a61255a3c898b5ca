"""Lets ``python benchmarks/<script>.py`` run with any interpreter: when the one running lacks the
project's dependencies, the script re-runs itself with the project's ``.venv`` (created with
``make venv`` first if it does not exist yet)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEEDED = ("numba", "qiskit_aer", "qiskit_optimization", "nlopt")


def ensure_environment() -> None:
    if all(importlib.util.find_spec(m) is not None for m in NEEDED):
        sys.path.insert(0, str(ROOT))
        return
    venv_python = ROOT / ".venv" / "bin" / "python"
    if Path(sys.executable).absolute() == venv_python.absolute():
        print(f"benchmarks: {venv_python} lacks some of {', '.join(NEEDED)}; run `make venv` again", file=sys.stderr)
        sys.exit(2)
    if not venv_python.exists():
        print("benchmarks: setting up the project's environment first (make venv) ...", file=sys.stderr)
        try:
            failed = subprocess.call(["make", "-C", str(ROOT), "venv"]) != 0
        except OSError as exc:   # no make on this machine
            failed = True
            print(f"benchmarks: cannot run make ({exc})", file=sys.stderr)
        if failed:
            print("benchmarks: `make venv` failed; create .venv with the project installed first", file=sys.stderr)
            sys.exit(2)
    os.execv(str(venv_python), [str(venv_python), *sys.argv])

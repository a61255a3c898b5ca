"""Instance references that travel: paths stored relative to the data directory, resolved where the
run executes, and reference optima computed once per instance and kept in the results folder.

A worker (another process, another machine) finds the file under the ``data_dir`` the coordinator
used when that folder exists there, else under its own ``$QBENCH_DATA`` / default data directory, so
a Dask worker with the public sets mounted elsewhere needs only ``QBENCH_DATA``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from qbench.paths import PROJECT_INSTANCES, default_data_dir

DATA, PROJECT = "data", "project"
OPTIMA_FILE = "reference_optima.json"


def portable(path: str | Path, data_dir: Path) -> tuple[str, str | None]:
    """(path, root): relative to the data directory (root ``data``) or to the project's own
    ``instances/`` (root ``project``) when it lies there, else the path as given (root None)."""
    path_s = str(path)
    file_part, sep, selector = path_s.partition("#")
    p = Path(file_part).resolve()
    for root_name, root in ((DATA, Path(data_dir)), (PROJECT, PROJECT_INSTANCES)):
        try:
            rel = p.relative_to(Path(root).resolve())
        except ValueError:
            continue
        return rel.as_posix() + sep + selector, root_name
    return path_s, None


def resolve(path: str, root: str | None, data_dir_hint: str | None = None) -> str:
    """The local file for a portable reference (``#selector`` kept)."""
    if root is None:
        return path
    if root == PROJECT:
        return str(PROJECT_INSTANCES / path)
    file_part = path.partition("#")[0]
    for base in (data_dir_hint, os.environ.get("QBENCH_DATA"), str(default_data_dir())):
        if base and (Path(base).expanduser() / file_part).exists():
            return str(Path(base).expanduser() / path)
    return str(Path(data_dir_hint or default_data_dir()) / path)


class OptimumCache:
    """``<results>/reference_optima.json``: fingerprint -> the computed optimum and the time limit it
    had. An entry is reused when it is proven optimal or was computed with at least the time limit
    asked for now."""

    def __init__(self, path: Path | None):
        self.path = path
        self.entries: dict[str, dict[str, Any]] = {}
        self.dirty = False
        if path is not None and path.exists():
            try:
                self.entries = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.entries = {}   # a damaged cache is only a cache: recompute

    def get(self, fingerprint: str, time_limit: float) -> dict[str, Any] | None:
        entry = self.entries.get(fingerprint)
        if not entry:
            return None
        if entry["optimum"].get("gap") is None or entry.get("time_limit", 0) >= time_limit:
            return entry["optimum"]
        return None

    def put(self, fingerprint: str, optimum: dict[str, Any], time_limit: float, name: str) -> None:
        self.entries[fingerprint] = {"optimum": optimum, "time_limit": time_limit, "instance": name}
        self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.entries, indent=1, sort_keys=True), encoding="utf-8")
        tmp.replace(self.path)
        self.dirty = False

"""Where the public benchmark sets are read from."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PROJECT_INSTANCES = REPO_ROOT / "instances"


def default_data_dir() -> Path:
    """``$QBENCH_DATA``, else ``../shared/instances`` beside the checkout, else ``instances/``."""
    env = os.environ.get("QBENCH_DATA")
    if env:
        return Path(env).expanduser()
    shared = REPO_ROOT.parent / "shared" / "instances"
    if shared.is_dir():
        return shared
    return PROJECT_INSTANCES


def resolve_data_path(name: str | Path, data_dir: Path, *, base: Path | None = None) -> Path:
    """A file named in a config or on the command line: absolute, relative to the data directory,
    relative to ``base`` (the config's folder), or relative to the project's own ``instances/``."""
    p = Path(name).expanduser()
    if p.is_absolute():
        return p
    for root in (data_dir, base, PROJECT_INSTANCES, Path.cwd()):
        if root is not None and (root / p).exists():
            return root / p
    return data_dir / p

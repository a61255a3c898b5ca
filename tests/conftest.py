from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _shared_instances() -> Path | None:
    env = os.environ.get("QBENCH_DATA")
    if env and Path(env).is_dir():
        return Path(env)
    candidate = REPO.parent / "shared" / "instances"
    return candidate if candidate.is_dir() else None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The public benchmark sets (../shared/instances); tests that need them skip when absent."""
    path = _shared_instances()
    if path is None:
        pytest.skip("public instance sets not available (set QBENCH_DATA or place ../shared/instances)")
    return path

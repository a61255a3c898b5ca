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


@pytest.fixture(autouse=True)
def _verify_every_study(request, tmp_path):
    """Every study a test executes is re-checked by ``qbench verify`` (independent readers and
    evaluation): no mismatched objective or feasibility, no duplicate. Tests that leave a store
    incomplete on purpose opt out of the completeness check with ``@pytest.mark.partial_store``."""
    yield
    from qbench.verify import verify_results

    if request.node.get_closest_marker("tampered_store") is not None:
        return
    partial = request.node.get_closest_marker("partial_store") is not None
    for store in sorted(tmp_path.rglob("runs.sqlite")):
        try:
            rep = verify_results(store.parent)
        except Exception as exc:  # a store without a config (store unit tests) is not a study
            if "no stored config" in str(exc):
                continue
            raise
        assert rep.mismatches == 0 and rep.duplicates == 0, (store, rep.line(), rep.problems[:5])
        assert partial or rep.runs == rep.planned, (store, rep.line())


def pytest_configure(config):
    config.addinivalue_line("markers", "partial_store: the test leaves a study's store incomplete on purpose")
    config.addinivalue_line("markers", "tampered_store: the test corrupts a store on purpose (no re-check)")

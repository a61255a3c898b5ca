"""Which run a device job belongs to, so that its id reaches the run store before anyone waits on it.

``qbench run`` names the store (:func:`use_store`, also exported as ``QBENCH_JOB_STORE`` for worker
processes) and wraps every run in :func:`run_context`; a backend asks :func:`next_slot` before each
submission and gets ``(store, run_id, seq)``. A rerun of a killed run repeats the same submissions in
the same order (same seed), so slot ``seq`` finds the job submitted last time and retrieves it.
Outside ``qbench run`` (``qbench solve``) there is no store and :func:`next_slot` returns None.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from pathlib import Path

ENV = "QBENCH_JOB_STORE"
_run: contextvars.ContextVar[tuple[str, list[int]] | None] = contextvars.ContextVar("qbench_run", default=None)


def use_store(directory: str | Path | None) -> None:
    if directory is None:
        os.environ.pop(ENV, None)
    else:
        os.environ[ENV] = str(directory)


@contextlib.contextmanager
def run_context(run_id: str):
    token = _run.set((run_id, [0]))
    try:
        yield
    finally:
        _run.reset(token)


def next_slot():
    """(RunStore, run_id, seq) for the next submission of the current run, or None."""
    current, directory = _run.get(), os.environ.get(ENV)
    if current is None or not directory:
        return None
    from qbench.runner.store import RunStore

    run_id, counter = current
    seq = counter[0]
    counter[0] += 1
    return RunStore(directory), run_id, seq

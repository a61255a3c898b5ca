"""Executors map ``run_one`` over run specs and yield records as they finish.

The local executor runs in this process (numba/BLAS already use every core for one run). A Dask
executor plugs in here with the same signature: specs and records are plain picklable data.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

from qbench.runner.grid import RunSpec


class LocalExecutor:
    name = "local"

    def map(self, fn: Callable[[RunSpec], dict], specs: Iterable[RunSpec]) -> Iterator[dict]:
        for spec in specs:
            yield fn(spec)


EXECUTORS = {"local": LocalExecutor}

"""Executors map ``run_one`` over run specs and yield records as they finish.

Runs are independent tasks: specs and records are plain picklable data, ``run_one`` reloads its
instance itself (from a path relative to the data directory, see :mod:`qbench.runner.portable`), and
only the coordinator (the caller of ``map``) writes to the store, in the order results arrive.

* ``local``  one run after another in this process (numba/BLAS may use every core for one run)
* ``pool``   a local process pool (``qbench run --workers N``); a worker that dies takes its run with
  it: the pool is restarted and the runs that had not finished are submitted again
* ``dask``   Dask distributed (``--dask ADDRESS``, or ``local`` for a LocalCluster on this machine);
  the scheduler reschedules the tasks of a lost worker (``retries`` more times)

Every worker warms the JIT once before its first run (:mod:`qbench.runner.warmup`), so compile time
is never part of a run's ``seconds``.
"""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterable, Iterator

from qbench.errors import ConfigError
from qbench.runner.grid import RunSpec


class LocalExecutor:
    name = "local"

    def map(self, fn: Callable[[RunSpec], dict], specs: Iterable[RunSpec]) -> Iterator[dict]:
        for spec in specs:
            yield fn(spec)


#: glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def _keep_freed_memory() -> None:
    """Let glibc keep freed state vectors for the next evaluation instead of returning them.

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which also freezes glibc's
    mmap threshold at 128 KiB: every state-sized numpy array (1 MiB at 16 qubits) is then mmap'ed
    and unmapped again, and its pages faulted in afresh - 40 000 page faults and ~5 % of the run time
    over the 40 runs of ``benchmarks/sweep.py``. These are the limits glibc's own dynamic threshold
    reaches in a plain process (32 MiB mmap threshold, trim at twice that)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)
        libc.mallopt(_M_TRIM_THRESHOLD, 64 << 20)
    except (OSError, AttributeError):  # not glibc: nothing to adjust
        pass


def _init_worker(threads: int | None) -> None:
    """One numba thread per worker when several workers share the cores, glibc's allocator kept
    from unmapping freed state vectors, then the JIT warm-up. The thread cap is process-wide:
    Dask runs tasks in a thread other than the one that calls this."""
    _keep_freed_memory()
    if threads is not None:
        import numba

        from qbench.backends.statevector.threads import clamp_threads, set_thread_cap

        set_thread_cap(threads)
        numba.set_num_threads(clamp_threads(threads))
    from qbench.runner.warmup import warm_up

    warm_up()


class ProcessPoolRunExecutor:
    name = "pool"

    def __init__(self, workers: int, threads_per_worker: int | None = 1, max_restarts: int = 3):
        if workers < 1:
            raise ConfigError(f"--workers must be at least 1, got {workers}")
        self.workers = workers
        self.threads = threads_per_worker
        self.max_restarts = max_restarts

    def map(self, fn: Callable[[RunSpec], dict], specs: Iterable[RunSpec]) -> Iterator[dict]:
        pending = list(specs)
        restarts = 0
        while pending:
            with ProcessPoolExecutor(self.workers, initializer=_init_worker, initargs=(self.threads,)) as pool:
                futures = {pool.submit(fn, s): s for s in pending}
                broken = False
                while futures:
                    done, _ = wait(futures, return_when=FIRST_COMPLETED)
                    for fut in done:
                        spec = futures.pop(fut)
                        try:
                            record = fut.result()
                        except BrokenProcessPool:
                            broken = True
                            futures[fut] = spec  # kept: resubmitted below
                            break
                        pending.remove(spec)
                        yield record
                    if broken:
                        break
            if broken:
                restarts += 1
                if restarts > self.max_restarts:
                    raise RuntimeError(f"the process pool broke {restarts} times; {len(pending)} runs not done")


#: Dask settings for workers that run one CPU-bound task at a time. The worker's statistical
#: profiler samples every thread's stack each 10 ms and has to take the GIL from the run to do it;
#: on the 40 short runs of ``benchmarks/sweep.py`` it cost ~5 % of the Dask wall time. The event
#: loop health check (20 ms) and memory monitor (100 ms) are slowed for the same reason.
COMPUTE_WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.worker.memory.monitor-interval": "500ms",
}


def start_local_cluster(workers: int):
    """A LocalCluster of single-threaded worker processes with :data:`COMPUTE_WORKER_CONFIG`
    (nannies hand the configuration they were built under to their workers)."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(COMPUTE_WORKER_CONFIG):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)


class DaskExecutor:
    """``address``: a scheduler address (``tcp://host:8786``) or ``local`` for a LocalCluster of
    ``workers`` single-threaded worker processes on this machine."""

    name = "dask"

    def __init__(self, address: str, workers: int | None = None, retries: int = 2):
        self.address = address
        self.workers = workers
        self.retries = retries

    def _client(self):
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - a declared dependency
            raise ConfigError("the dask executor needs 'dask[distributed]' (pip install 'dask[distributed]')") from None
        if self.address == "local":
            n = self.workers or os.cpu_count() or 1
            cluster = start_local_cluster(n)
            return Client(cluster), cluster
        try:
            return Client(self.address, timeout="20s"), None
        except (OSError, TimeoutError) as exc:
            raise ConfigError(f"cannot reach the Dask scheduler at {self.address!r} ({exc})") from None

    def map(self, fn: Callable[[RunSpec], dict], specs: Iterable[RunSpec]) -> Iterator[dict]:
        from distributed import as_completed

        specs = list(specs)
        if not specs:
            return
        client, cluster = self._client()
        try:
            threads = 1 if self.address == "local" else None
            client.run(_init_worker, threads)          # warm every worker that is up now
            # one map message and results gathered on the event loop: ~20 % less coordinator CPU
            # than a submit and a blocking .result() per run
            futures = client.map(fn, specs, pure=False, retries=self.retries,
                                 key=[f"qbench-run-{s.run_id}" for s in specs])
            for _, record in as_completed(futures, with_results=True):
                yield record
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


EXECUTORS = {"local": LocalExecutor, "pool": ProcessPoolRunExecutor, "dask": DaskExecutor}


def make_executor(workers: int | None = None, dask: str | None = None, config_executor=None):
    """The executor the command line (first) or the config's ``executor:`` asks for."""
    if dask:
        return DaskExecutor(dask, workers=workers)
    if workers and workers > 1:
        return ProcessPoolRunExecutor(workers)
    if config_executor:
        spec = dict(config_executor)
        if "dask" in spec:
            return DaskExecutor(str(spec["dask"]), workers=spec.get("workers"))
        if spec.get("workers", 1) > 1:
            return ProcessPoolRunExecutor(int(spec["workers"]))
    return LocalExecutor()

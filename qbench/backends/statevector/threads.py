"""How many numba threads a kernel call uses.

A parallel region ends in a barrier; on a busy machine (more runnable threads than cores) a
descheduled worker can hold that barrier for a whole scheduler time slice (~4 ms). States below
2^14 amplitudes therefore run on one thread (a pass over them takes microseconds), larger ones on
every numba thread: from 14 qubits a QAOA layer costs ~100 us and two threads save ~40 % on an idle
machine. Where several engines run side by side (parallel sweeps), give each ``threads=1``, or cap
the whole process with :func:`set_thread_cap` (what sweep workers do): numba's own
``set_num_threads`` holds only for the calling thread, and a Dask worker runs tasks in another one.
"""

from __future__ import annotations

from contextlib import contextmanager, nullcontext

import numba

#: from this many qubits (2^n amplitudes / energies) kernels run on all numba threads
PARALLEL_FROM = 14

_cap: dict[str, int | None] = {"threads": None}


def clamp_threads(k: int) -> int:
    """k limited to 1 .. the numba threads this process has."""
    return max(1, min(int(k), numba.config.NUMBA_NUM_THREADS))


def set_thread_cap(k: int | None) -> None:
    """At most k threads for every kernel of this process whose caller did not ask for a number
    (None: no cap, all numba threads)."""
    _cap["threads"] = None if k is None else max(1, int(k))


def auto_threads(n: int, threads: int | None = None, parallel_from: int = PARALLEL_FROM) -> int:
    """Threads for a kernel over 2^n entries: an explicit ``threads`` wins; otherwise one below
    ``parallel_from`` qubits and all numba threads (or the process cap) from there."""
    if threads:
        return clamp_threads(threads)
    if n < parallel_from:
        return 1
    return clamp_threads(_cap["threads"] or numba.config.NUMBA_NUM_THREADS)


def thread_scope(k: int):
    """Run the enclosed numba calls on k threads (restoring the previous setting)."""
    k = clamp_threads(k)
    return nullcontext() if k == numba.get_num_threads() else _scoped_threads(k)


@contextmanager
def _scoped_threads(k: int):
    prev = numba.get_num_threads()
    numba.set_num_threads(k)
    try:
        yield
    finally:
        numba.set_num_threads(prev)

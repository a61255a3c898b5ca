"""Compile (or load from numba's cache) every JIT kernel once per process, before the first run.

numba compiles a kernel the first time it is called with a new type signature; with ``cache=True`` a
later process loads the machine code from ``__pycache__`` (or ``$NUMBA_CACHE_DIR``) instead, which
still costs a little. Without a warm-up that one-off cost lands in the ``seconds`` of whichever run
comes first in a process. :func:`warm_up` runs tiny solves that touch the same kernels (QAOA
expectation, adjoint gradient, CVaR, sampling and top-k readout, on one thread and on several;
annealing; exhaustive QUBO minimum), so a run's ``seconds`` measure the method, and reports the time
it took as the process's compile time (``result['timing']['compile_s']`` of the first run).
"""

from __future__ import annotations

import time
import warnings

import numpy as np

_state = {"done": False, "seconds": 0.0, "claimed": False}


def _tiny_qubo(n: int, seed: int = 0):
    from qbench.qubo import QUBO

    rng = np.random.default_rng(seed)
    return QUBO(rng.normal(size=n), np.triu(rng.normal(size=(n, n)), 1))


def _solves() -> None:
    from qbench.solvers.annealing import SimulatedAnnealingSolver
    from qbench.solvers.qaoa import QAOASolver
    from qbench.solvers.qubo_exact import ExactQuboSolver

    # 4 qubits stay on one thread; 14 is where the engine starts its parallel kernels.
    for n in (4, 14):
        q = _tiny_qubo(n)
        QAOASolver(reps=1, maxiter=3, shots=16).solve(q, seed=0)
        QAOASolver(reps=1, maxiter=2, shots=0, top_k=8, optimizer="L-BFGS-B").solve(q, seed=0)
        QAOASolver(reps=1, maxiter=2, shots=16, cvar_alpha=0.5).solve(q, seed=0)
        QAOASolver(reps=1, maxiter=2, shots=16, threads=1).solve(q, seed=0)
    SimulatedAnnealingSolver(num_reads=2, num_sweeps=4).solve(_tiny_qubo(5), seed=0)
    ExactQuboSolver().solve(_tiny_qubo(12), seed=0)


def warm_up() -> float:
    """Warm every kernel in this process (once); the seconds the first call took (0.0 afterwards).

    A failing warm-up (e.g. a solver whose parameters changed) never fails a run: the kernels then
    compile inside the first run as before, and the warning says so."""
    if _state["done"]:
        return 0.0
    t0 = time.perf_counter()
    try:
        _solves()
    except Exception as exc:  # pragma: no cover - only when a component's API drifted
        warnings.warn(f"JIT warm-up failed ({type(exc).__name__}: {exc}); the first run's seconds "
                      "may include compilation", RuntimeWarning, stacklevel=2)
    _state["seconds"] = time.perf_counter() - t0
    _state["done"] = True
    return _state["seconds"]


def claim_compile_seconds() -> float:
    """The warm-up's seconds for the first run of this process that asks, 0.0 for every later one
    (so compile time is reported once per process, apart from any run's ``seconds``)."""
    warm_up()
    if _state["claimed"]:
        return 0.0
    _state["claimed"] = True
    return _state["seconds"]

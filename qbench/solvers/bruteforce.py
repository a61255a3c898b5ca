"""Exact QUBO minimisation by enumerating all 2^n energies (the statevector engine's cost diagonal).

The lowest energy is found without storing the diagonal (per-block minima), so one call at n = 20
is ~1 ms of compute; the k lowest (``num_lowest > 1``) build the diagonal once and use
``argpartition``. Used directly, and by the Lagrangian formulations as the exact inner solver.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from qbench.backends.statevector.diagonal import index_to_bits, qubo_diagonal, qubo_minimum
from qbench.backends.statevector.memory import available_bytes, fmt_bytes
from qbench.errors import TooLargeError
from qbench.qubo import QUBO
from qbench.sampleset import SampleSet
from qbench.solvers.base import QuboSolver

#: beyond this even a patient enumeration is pointless (2^40 energies ~ hours)
HARD_LIMIT = 40


@dataclass
class BruteForceSolver(QuboSolver):
    name: ClassVar[str] = "bruteforce"
    sampling: ClassVar[bool] = False

    max_variables: int = 26
    num_lowest: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.max_variables, int) or self.max_variables < 0:
            raise ValueError(f"max_variables must be a non-negative integer, got {self.max_variables!r}")
        if not isinstance(self.num_lowest, int) or self.num_lowest < 1:
            raise ValueError(f"num_lowest must be a positive integer, got {self.num_lowest!r}")

    def check_size(self, qubo: QUBO) -> None:
        n = qubo.num_variables
        if n > min(self.max_variables, HARD_LIMIT):
            raise TooLargeError(
                f"bruteforce: {n} variables exceed max_variables={min(self.max_variables, HARD_LIMIT)} (2^{n} energies to "
                f"enumerate); raise max_variables, shrink the QUBO, or use the 'qubo-exact' or 'annealing' "
                f"solver")
        if self.num_lowest > 1:
            need = 8 * (1 << n) + 16 * min(self.num_lowest, 1 << n)
            avail = available_bytes()
            if need > avail:
                raise TooLargeError(
                    f"bruteforce: the {n}-variable energy table needs {fmt_bytes(need)} but {fmt_bytes(avail)} is "
                    f"available; use num_lowest=1 (no table), shrink the QUBO, or use 'qubo-exact'")

    def solve(self, qubo: QUBO, *, seed: int | None = None) -> SampleSet:
        self.check_size(qubo)
        t0 = time.perf_counter()
        n = qubo.num_variables
        info: dict = {"evaluations": 1 << n, "solver": self.name, "status": "optimal"}
        if n == 0:
            info["seconds"] = time.perf_counter() - t0
            return SampleSet.single(np.zeros(0, dtype=np.uint8), float(qubo.offset), info)
        if self.num_lowest == 1:
            idx, _ = qubo_minimum(qubo)
            x = index_to_bits([idx], n)[0]
            e = float(qubo.energy(x))
            info.update(seconds=time.perf_counter() - t0, lower_bound=e)
            return SampleSet.single(x, e, info)
        E = qubo_diagonal(qubo)
        k = min(self.num_lowest, E.size)
        idx = np.argpartition(E, k - 1)[:k] if k < E.size else np.arange(E.size)
        idx = idx[np.lexsort((idx, E[idx]))]
        X = index_to_bits(idx, n)
        energies = np.asarray(qubo.energy(X), dtype=float)
        info.update(seconds=time.perf_counter() - t0, lower_bound=float(energies.min()),
                    degeneracy=int(np.count_nonzero(E <= E[idx[0]] + 1e-9 * max(1.0, abs(float(E[idx[0]]))))))
        probs = np.full(k, 1.0 / k)
        return SampleSet(X, probs, energies, info).sorted()

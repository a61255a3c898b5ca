"""Exact QUBO minimiser for any size, picking the cheapest method that is exact for the QUBO at hand.

1. **Separable** QUBO (no quadratic terms): ``x_i = 1`` iff ``h_i < 0``, in O(n). Lagrangian
   relaxations of linear problems (MDKP, MIS with linearly dualised edges) are separable, which makes
   an exact inner solver instant whatever n is.
2. **n <= brute_force_max** (default 30): enumeration of all 2^n energies by doubling, keeping only
   block minima (``qbench.backends.statevector.qubo_minimum``: ~0.15 s at 28 variables, ~0.65 s at
   30 on two cores, no 2^n table).
3. **Otherwise** a MILP (``qbench.solvers.milp.solve_model``): each product ``x_i x_j`` with a
   non-zero coupling becomes a continuous ``y_ij`` with the McCormick inequalities it needs, solved by
   HiGHS with a time limit. If the limit stops it, the best incumbent is returned with
   ``info['optimal'] = False`` and HiGHS's bound in ``info['bound']``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from qbench.backends.statevector.diagonal import index_to_bits, qubo_minimum
from qbench.qubo import QUBO
from qbench.sampleset import SampleSet
from qbench.solvers.base import QuboSolver

#: Largest enumeration allowed (2^30 energies: ~0.65 s; each further variable doubles it).
ENUMERATION_LIMIT = 34


def solve_separable(qubo: QUBO) -> tuple[np.ndarray, float]:
    x = (qubo.linear < 0).astype(np.uint8)
    return x, float(qubo.offset + qubo.linear[x == 1].sum())


@dataclass
class ExactQuboSolver(QuboSolver):
    """Exact minimiser (see the module docstring). One row: the minimiser, probability 1.

    brute_force_max: enumerate up to this many variables.
    time_limit: seconds for the MILP route (None: no limit).
    """

    name: ClassVar[str] = "qubo-exact"
    sampling: ClassVar[bool] = False
    brute_force_max: int = 30
    time_limit: float | None = 60.0

    def __post_init__(self) -> None:
        if not 0 <= self.brute_force_max <= ENUMERATION_LIMIT:
            raise ValueError(f"brute_force_max must be between 0 and {ENUMERATION_LIMIT}")
        if self.time_limit is not None and self.time_limit <= 0:
            raise ValueError("time_limit must be positive")

    def solve(self, qubo: QUBO, *, seed: int | None = None) -> SampleSet:
        n = qubo.num_variables
        if n == 0:
            return SampleSet(np.zeros((1, 0), dtype=np.uint8), np.ones(1), np.array([qubo.offset]),
                             {"evaluations": 1, "method": "empty", "optimal": True})
        if not qubo.quadratic.any():
            x, e = solve_separable(qubo)
            return SampleSet.single(x, e, {"evaluations": 1, "method": "separable", "optimal": True})
        if n <= self.brute_force_max:
            idx, _ = qubo_minimum(qubo)
            x = index_to_bits([idx], n)[0]
            return SampleSet.single(x, float(qubo.energy(x)),
                                    {"evaluations": 2 ** n, "method": "enumeration", "optimal": True})
        x, e, optimal, bound = self._milp(qubo)
        info = {"evaluations": 1, "method": "milp", "optimal": optimal}
        if bound is not None:
            info["bound"] = bound
        return SampleSet.single(x, e, info)

    def _milp(self, qubo: QUBO) -> tuple[np.ndarray, float, bool, float | None]:
        from qbench.problems.base import BinaryModel
        from qbench.solvers.milp import solve_model

        model = BinaryModel("min", qubo.linear, qubo.quadratic, qubo.offset)
        res = solve_model(model, self.time_limit)
        if res.x is None:
            raise RuntimeError(f"MILP for the QUBO found no solution ({res.status})")
        return res.x.astype(np.uint8), float(qubo.energy(res.x)), res.status == "optimal", res.bound

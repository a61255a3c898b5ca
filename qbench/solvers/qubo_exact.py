"""Exact QUBO minimiser for any size, picking the cheapest method that is exact for the QUBO at hand.

1. **Separable** QUBO (no quadratic terms): ``x_i = 1`` iff ``h_i < 0``, in O(n). Lagrangian
   relaxations of linear problems (MDKP, MIS with linearly dualised edges) are separable, which makes
   an exact inner solver instant whatever n is.
2. **n <= brute_force_max** (default 26): enumeration of all 2^n energies with
   ``qbench.solvers.bruteforce`` (block minima, no 2^n table); without that module, the doubling
   enumeration below, which holds the 2^n table and is used up to 24 variables only.
3. **Otherwise** a MILP (``qbench.solvers.milp.solve_model``; the fallback below when that module is
   absent): each product ``x_i x_j`` with a non-zero coupling becomes a continuous
   ``y_ij`` with the McCormick inequalities it needs (``y >= x_i + x_j - 1`` for a positive coupling,
   ``y <= x_i, y <= x_j`` for a negative one; exact at binary x), solved by HiGHS with a time limit.
   If the limit stops it, the best incumbent is returned with ``info['optimal'] = False``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from qbench.qubo import QUBO
from qbench.sampleset import SampleSet
from qbench.solvers.base import QuboSolver

#: Refuse to build a 2^n float64 table beyond this (2^30 energies = 8 GiB).
ENUMERATION_LIMIT = 30
#: The built-in table enumeration is used up to this size (2^24 energies = 128 MiB).
OWN_ENUMERATION_MAX = 24


def all_energies(qubo: QUBO) -> np.ndarray:
    """Energies of all 2^n bitstrings; index i holds the state with ``x_k = (i >> k) & 1``.

    Built by doubling: the states with ``x_k = 1`` are the states of the first k variables shifted by
    ``h_k + sum_{j<k} J_jk x_j``, and that linear form is itself enumerated by doubling. O(2^n) work.
    """
    n = qubo.num_variables
    if n > ENUMERATION_LIMIT:
        raise ValueError(f"refusing to enumerate 2^{n} states")
    E = np.array([qubo.offset])
    for k in range(n):
        field = np.zeros(1)
        for j in range(k):
            field = np.concatenate([field, field + qubo.quadratic[j, k]])
        E = np.concatenate([E, E + qubo.linear[k] + field])
    return E


def index_to_bits(index: int, n: int) -> np.ndarray:
    return ((int(index) >> np.arange(n)) & 1).astype(np.uint8)


def solve_separable(qubo: QUBO) -> tuple[np.ndarray, float]:
    x = (qubo.linear < 0).astype(np.uint8)
    return x, float(qubo.offset + qubo.linear[x == 1].sum())


def solve_milp(qubo: QUBO, time_limit: float | None) -> tuple[np.ndarray, float, bool, float | None]:
    """McCormick-linearised MILP; returns (x, energy, proven optimal, lower bound)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    n = qubo.num_variables
    I, J = np.nonzero(qubo.quadratic)
    w = qubo.quadratic[I, J]
    m = I.shape[0]
    cost = np.concatenate([qubo.linear, w])
    pos, neg = np.flatnonzero(w > 0), np.flatnonzero(w < 0)
    rows, cols, vals, lo, hi = [], [], [], [], []
    r = 0
    for k in pos:  # y - x_i - x_j >= -1
        rows += [r, r, r]; cols += [n + k, I[k], J[k]]; vals += [1.0, -1.0, -1.0]
        lo.append(-1.0); hi.append(np.inf); r += 1
    for k in neg:  # y - x_i <= 0, y - x_j <= 0
        for v in (I[k], J[k]):
            rows += [r, r]; cols += [n + k, v]; vals += [1.0, -1.0]
            lo.append(-np.inf); hi.append(0.0); r += 1
    constraints = []
    if r:
        A = coo_matrix((vals, (rows, cols)), shape=(r, n + m)).tocsr()
        constraints.append(LinearConstraint(A, lo, hi))
    integrality = np.concatenate([np.ones(n), np.zeros(m)])
    options = {"disp": False}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    res = milp(cost, constraints=constraints, integrality=integrality, bounds=Bounds(0.0, 1.0),
               options=options)
    if res.x is None:
        raise RuntimeError(f"MILP for the QUBO failed: {res.message}")
    x = np.round(res.x[:n]).astype(np.uint8)
    bound = getattr(res, "mip_dual_bound", None)
    return x, float(qubo.energy(x)), res.status == 0, (None if bound is None else float(bound) + qubo.offset)


@dataclass
class ExactQuboSolver(QuboSolver):
    """Exact minimiser (see the module docstring). One row: the minimiser, probability 1.

    brute_force_max: enumerate up to this many variables.
    time_limit: seconds for the MILP route (None: no limit).
    """

    name: ClassVar[str] = "qubo-exact"
    sampling: ClassVar[bool] = False
    brute_force_max: int = 26
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
            found = self._enumerate(qubo)
            if found is not None:
                x, e = found
                return SampleSet.single(x, e, {"evaluations": 2 ** n, "method": "enumeration", "optimal": True})
        x, e, optimal, bound = self._milp(qubo)
        info = {"evaluations": 1, "method": "milp", "optimal": optimal}
        if bound is not None:
            info["bound"] = bound
        return SampleSet.single(x, e, info)

    def _milp(self, qubo: QUBO) -> tuple[np.ndarray, float, bool, float | None]:
        try:
            from qbench.solvers.milp import solve_model
        except ImportError:
            return solve_milp(qubo, self.time_limit)
        from qbench.problems.base import BinaryModel

        model = BinaryModel("min", qubo.linear, qubo.quadratic, qubo.offset)
        res = solve_model(model, self.time_limit)
        if res.x is None:
            raise RuntimeError(f"MILP for the QUBO found no solution ({res.status})")
        return res.x.astype(np.uint8), float(qubo.energy(res.x)), res.status == "optimal", res.bound

    @staticmethod
    def _enumerate(qubo: QUBO) -> tuple[np.ndarray, float] | None:
        """The enumerated minimiser, or None when no enumeration is available at this size."""
        n = qubo.num_variables
        try:
            from qbench.solvers.bruteforce import BruteForceSolver
        except ImportError:
            BruteForceSolver = None
        if BruteForceSolver is not None:
            x, e = BruteForceSolver(max_variables=max(n, 1)).solve(qubo).lowest()
            return np.asarray(x, dtype=np.uint8), float(e)
        if n > OWN_ENUMERATION_MAX:
            return None
        E = all_energies(qubo)
        i = int(np.argmin(E))
        return index_to_bits(i, n), float(E[i])

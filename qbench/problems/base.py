"""The Problem interface shared by every problem kind, and the constrained binary model behind it.

Every problem in the suite is, underneath, a *constrained binary program*::

    optimise  constant + c.x + x^T Q x        (Q strictly upper-triangular; sense 'max' or 'min')
    s.t.      A_ub x <= b_ub,   A_eq x = b_eq,   x in {0,1}^n

:class:`BinaryModel` holds that form. Formulations (slack, unbalanced, Lagrangian) and the generic exact
MILP work on it alone, so a new problem kind only has to say how to build its model, read its files,
repair a sample and present a solution.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np

Sense = Literal["max", "min"]
OptimumStatus = Literal["proven", "best-known", "computed", "unknown"]
FEASIBILITY_TOL = 1e-9


@dataclass
class Optimum:
    """A reference value with how much to trust it."""

    value: float
    status: OptimumStatus = "proven"
    source: str = ""
    gap: float | None = None  # relative MIP gap when status == "computed" and the solver stopped early

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "status": self.status, "source": self.source, "gap": self.gap}


@dataclass
class BinaryModel:
    sense: Sense
    c: np.ndarray
    Q: np.ndarray | None = None
    constant: float = 0.0
    A_ub: np.ndarray | None = None
    b_ub: np.ndarray | None = None
    A_eq: np.ndarray | None = None
    b_eq: np.ndarray | None = None
    var_names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.c = np.asarray(self.c, dtype=float)
        n = self.c.shape[0]
        if self.Q is not None:
            Q = np.asarray(self.Q, dtype=float)
            self.c = self.c + np.diag(Q)
            self.Q = np.triu(Q, 1) + np.tril(Q, -1).T
            if not self.Q.any():
                self.Q = None
        self.A_ub, self.b_ub = _rows(self.A_ub, self.b_ub, n)
        self.A_eq, self.b_eq = _rows(self.A_eq, self.b_eq, n)
        if not self.var_names:
            self.var_names = [f"x{i}" for i in range(n)]

    @property
    def num_variables(self) -> int:
        return self.c.shape[0]

    @property
    def num_constraints(self) -> int:
        return self.A_ub.shape[0] + self.A_eq.shape[0]

    def objective(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(np.asarray(X, dtype=float))
        val = X @ self.c + self.constant
        if self.Q is not None:
            val = val + np.einsum("si,si->s", X @ self.Q, X)
        return val

    def residuals(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(A_ub x - b_ub, A_eq x - b_eq) per sample: shapes (S, k_ub) and (S, k_eq)."""
        X = np.atleast_2d(np.asarray(X, dtype=float))
        return X @ self.A_ub.T - self.b_ub, X @ self.A_eq.T - self.b_eq

    def violation(self, X: np.ndarray) -> np.ndarray:
        r_ub, r_eq = self.residuals(X)
        return np.clip(r_ub, 0.0, None).sum(axis=1) + np.abs(r_eq).sum(axis=1)


def _rows(A, b, n: int) -> tuple[np.ndarray, np.ndarray]:
    if A is None:
        return np.zeros((0, n)), np.zeros(0)
    A = np.atleast_2d(np.asarray(A, dtype=float))
    b = np.asarray(b, dtype=float).reshape(-1)
    if A.shape != (b.shape[0], n):
        raise ValueError(f"constraint matrix {A.shape} does not match {b.shape[0]} right-hand sides and {n} variables")
    return A, b


class Problem:
    """One instance of a problem kind. Subclasses set ``kind`` and usually override ``repair``,
    ``greedy`` and ``solution_repr``; vectorised methods take a bitstring (n,) or a batch (S, n)."""

    kind: ClassVar[str] = "binary"

    def __init__(self, name: str, model: BinaryModel, optimum: Optimum | None = None,
                 source: str | Path | None = None):
        self.name = name
        self.model = model
        self.optimum = optimum
        self.source = str(source) if source is not None else None

    # ---- basic facts ----------------------------------------------------------------------------
    @property
    def sense(self) -> Sense:
        return self.model.sense

    @property
    def num_variables(self) -> int:
        return self.model.num_variables

    def inequality_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """The ``<=`` rows (A_ub, b_ub) that may need slack bits. Pairwise conflicts
        ``x_u + x_v <= 1`` may be left out (they need none); kinds whose model is large and built
        lazily override this so that counting qubits never builds the model."""
        return self.model.A_ub, self.model.b_ub

    def describe(self) -> dict[str, Any]:
        """Size facts for listings (subclasses add their own, e.g. items/constraints or vertices/edges)."""
        return {"variables": self.num_variables, "constraints": self.model.num_constraints}

    # ---- evaluation (vectorised) ----------------------------------------------------------------
    def objective(self, X: np.ndarray) -> np.ndarray:
        return self.model.objective(X)

    def violation(self, X: np.ndarray) -> np.ndarray:
        return self.model.violation(X)

    def is_feasible(self, X: np.ndarray) -> np.ndarray:
        return self.violation(X) <= FEASIBILITY_TOL

    def energy(self, X: np.ndarray) -> np.ndarray:
        """The objective as a quantity to minimise (what SampleSet energies of problem solvers hold)."""
        values = self.objective(X)
        return -values if self.sense == "max" else values

    def better(self, a: float, b: float) -> bool:
        """Is objective value a strictly better than b under this problem's sense?"""
        return a > b if self.sense == "max" else a < b

    def gap_pct(self, value: float, reference: float | None = None) -> float | None:
        """Relative distance to the optimum in percent (0 = optimal, positive = worse)."""
        ref = self.optimum.value if reference is None and self.optimum else reference
        if ref is None:
            return None
        diff = (ref - value) if self.sense == "max" else (value - ref)
        if ref == 0:
            return 0.0 if diff == 0 else float("inf")
        return 100.0 * diff / abs(ref)

    # ---- solutions ------------------------------------------------------------------------------
    def repair(self, x: np.ndarray) -> np.ndarray:
        """Map any bitstring to a feasible one (then improve it). The default handles models whose
        constraints are all ``<=`` with non-negative coefficients (drop variables, then add greedily)."""
        return self.improve(_drop_until_feasible(self, np.asarray(x, dtype=np.uint8).copy()))

    def improve(self, x: np.ndarray) -> np.ndarray:
        """First-improvement 1-flip local search that never leaves the feasible set."""
        return one_flip_local_search(self, x)

    def greedy(self) -> np.ndarray:
        return self.repair(np.zeros(self.num_variables, dtype=np.uint8))

    def solution_repr(self, x: np.ndarray) -> list[int]:
        """The solution as users read it (0/1 per variable here; a permutation or tour for QAP/TSP)."""
        return [int(v) for v in np.asarray(x).reshape(-1)]

    def solve_dedicated(self, time_limit: float | None = None):
        """A problem-specific exact method, if the kind has one: a one-row SampleSet whose ``info`` has
        ``status`` (optimal | time_limit | feasible), ``bound``, ``gap_pct`` and ``method``; else None."""
        return None

    # ---- interop --------------------------------------------------------------------------------
    def to_model(self):
        """The instance as a qiskit-optimization ``QuadraticProgram``."""
        from qiskit_optimization import QuadraticProgram

        m = self.model
        qp = QuadraticProgram(self.name)
        for name in m.var_names:
            qp.binary_var(name)
        quadratic = {}
        if m.Q is not None:
            for i, j in zip(*np.nonzero(m.Q)):
                quadratic[(m.var_names[i], m.var_names[j])] = float(m.Q[i, j])
        linear = {m.var_names[i]: float(v) for i, v in enumerate(m.c) if v != 0}
        if m.sense == "max":
            qp.maximize(constant=m.constant, linear=linear, quadratic=quadratic)
        else:
            qp.minimize(constant=m.constant, linear=linear, quadratic=quadratic)
        for k, (row, rhs) in enumerate(zip(m.A_ub, m.b_ub)):
            qp.linear_constraint({m.var_names[i]: float(v) for i, v in enumerate(row) if v != 0}, "<=", float(rhs), f"ub{k}")
        for k, (row, rhs) in enumerate(zip(m.A_eq, m.b_eq)):
            qp.linear_constraint({m.var_names[i]: float(v) for i, v in enumerate(row) if v != 0}, "==", float(rhs), f"eq{k}")
        return qp

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, n={self.num_variables})"


def one_flip_local_search(problem: Problem, x: np.ndarray, max_rounds: int = 1000) -> np.ndarray:
    """Best-improvement 1-flip search over feasible neighbours, evaluated as one batch per round."""
    x = np.asarray(x, dtype=np.uint8).copy()
    if not problem.is_feasible(x)[0]:
        return x
    n = x.shape[0]
    current = problem.objective(x)[0]
    for _ in range(max_rounds):
        neigh = np.repeat(x[None, :], n, axis=0)
        idx = np.arange(n)
        neigh[idx, idx] ^= 1
        vals = problem.objective(neigh)
        ok = problem.is_feasible(neigh)
        if problem.sense == "min":
            vals = -vals
            cur = -current
        else:
            cur = current
        vals = np.where(ok, vals, -np.inf)
        j = int(np.argmax(vals))
        if not vals[j] > cur + 1e-12:
            break
        x = neigh[j]
        current = problem.objective(x)[0]
    return x


def _drop_until_feasible(problem: Problem, x: np.ndarray) -> np.ndarray:
    m = problem.model
    if m.A_eq.shape[0] or (m.A_ub < 0).any():
        return x  # no generic drop rule; subclasses with equalities repair themselves
    while not problem.is_feasible(x)[0] and x.any():
        on = np.flatnonzero(x)
        load = m.A_ub[:, on].sum(axis=0) + 1e-12
        gain = m.c[on] if m.sense == "max" else -m.c[on]
        x[on[int(np.argmin(gain / load))]] = 0
    return x

"""Exact solution of any :class:`~qbench.problems.base.BinaryModel` with HiGHS (``scipy.optimize.milp``).

Quadratic objectives are linearised with one continuous variable y_ij in [0, 1] per non-zero Q_ij,
standing for x_i x_j. Only the inequalities the optimiser could otherwise exploit are added: writing
the objective as a minimisation with coefficient q = +-Q_ij,

* q < 0 (the solver wants y large):  y_ij <= x_i,  y_ij <= x_j;
* q > 0 (the solver wants y small):  y_ij >= x_i + x_j - 1   (y_ij >= 0 is its bound).

At an optimum y_ij = x_i x_j either way, so the linearised model has the same optimal value.
All constraint matrices are passed to HiGHS as scipy.sparse matrices.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp

from qbench.errors import InfeasibleInstanceError
from qbench.problems.base import BinaryModel

MilpStatus = Literal["optimal", "time_limit", "feasible", "no_solution"]


@dataclass
class MilpResult:
    x: np.ndarray | None          # best 0/1 solution found (None when none was found)
    objective: float | None       # its objective in the model's own sense, constant included
    status: MilpStatus
    bound: float | None           # proven bound on the optimum (upper for max, lower for min)
    gap_pct: float | None         # 100 |bound - objective| / |objective|; 0 when optimal
    seconds: float
    info: dict[str, Any] = field(default_factory=dict)


def solve_model(model: BinaryModel, time_limit: float | None = 60.0, *, mip_rel_gap: float = 0.0) -> MilpResult:
    """Solve ``model`` to optimality (``mip_rel_gap=0``: HiGHS's default 1e-4 would stop short of the
    optimum on objectives of size 1e5 and more) or until ``time_limit`` seconds.

    Raises :class:`~qbench.errors.InfeasibleInstanceError` when HiGHS proves the model infeasible.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    start = time.perf_counter()
    n = model.num_variables
    sign = -1.0 if model.sense == "max" else 1.0  # HiGHS minimises
    cost = [sign * model.c]
    blocks_ub: list[sp.spmatrix] = []
    rhs_ub: list[np.ndarray] = []
    if model.A_ub.shape[0]:
        blocks_ub.append(sp.csr_matrix(model.A_ub))
        rhs_ub.append(model.b_ub)
    num_products = 0
    if model.Q is not None:
        rows_i, rows_j = np.nonzero(model.Q)
        q = sign * model.Q[rows_i, rows_j]
        num_products = q.shape[0]
        cost.append(q)
        lin_A, lin_b = _linearisation_rows(n, rows_i, rows_j, q)
        blocks_ub.append(lin_A)
        rhs_ub.append(lin_b)
    total = n + num_products
    constraints = []
    if blocks_ub:
        A = sp.vstack([_widen(block, total) for block in blocks_ub]).tocsr()
        constraints.append(LinearConstraint(A, -np.inf, np.concatenate(rhs_ub)))
    if model.A_eq.shape[0]:
        constraints.append(LinearConstraint(_widen(sp.csr_matrix(model.A_eq), total), model.b_eq, model.b_eq))
    integrality = np.concatenate([np.ones(n), np.zeros(num_products)])
    options: dict[str, Any] = {"mip_rel_gap": float(mip_rel_gap), "disp": False}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    res = milp(np.concatenate(cost), constraints=constraints, integrality=integrality,
               bounds=Bounds(0.0, 1.0), options=options)
    seconds = time.perf_counter() - start
    info = {"highs_status": int(res.status), "highs_message": str(res.message),
            "linearised_products": num_products, "nodes": getattr(res, "mip_node_count", None)}
    if res.status == 2:
        raise InfeasibleInstanceError("the integer program is infeasible (HiGHS proved it)")
    dual = getattr(res, "mip_dual_bound", None)
    bound = None if dual is None or not np.isfinite(dual) else float(sign * dual + model.constant)
    if res.x is None:
        return MilpResult(None, None, "no_solution", bound, None, seconds, info)
    x = (np.asarray(res.x[:n]) > 0.5).astype(np.uint8)
    value = float(model.objective(x)[0])
    if res.status == 0:
        return MilpResult(x, value, "optimal", value, 0.0, seconds, info)
    status: MilpStatus = "time_limit" if res.status == 1 else "feasible"
    if bound is not None:
        # the bound can never be worse than a solution in hand
        bound = max(bound, value) if model.sense == "max" else min(bound, value)
    return MilpResult(x, value, status, bound, relative_gap_pct(value, bound), seconds, info)


def relative_gap_pct(value: float, bound: float | None) -> float | None:
    """100 |bound - value| / |value| (0 when equal, inf when value is 0 and the bound is not)."""
    if bound is None:
        return None
    diff = abs(bound - value)
    if diff <= 1e-9 * max(1.0, abs(value)):
        return 0.0
    return float("inf") if value == 0 else 100.0 * diff / abs(value)


def _linearisation_rows(n: int, i: np.ndarray, j: np.ndarray, q: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Rows over (x, y) for the product variables y_k = x_i x_j, see the module docstring."""
    k = np.arange(q.shape[0])
    y = n + k
    rows, cols, vals, rhs = [], [], [], []
    upper = np.flatnonzero(q < 0)   # y <= x_i and y <= x_j
    lower = np.flatnonzero(q > 0)   # x_i + x_j - y <= 1
    r = 0
    for partner in (i, j):
        idx = np.arange(upper.shape[0])
        rows += [r + idx, r + idx]
        cols += [y[upper], partner[upper]]
        vals += [np.ones(upper.shape[0]), -np.ones(upper.shape[0])]
        rhs.append(np.zeros(upper.shape[0]))
        r += upper.shape[0]
    idx = np.arange(lower.shape[0])
    rows += [r + idx, r + idx, r + idx]
    cols += [i[lower], j[lower], y[lower]]
    vals += [np.ones(lower.shape[0]), np.ones(lower.shape[0]), -np.ones(lower.shape[0])]
    rhs.append(np.ones(lower.shape[0]))
    r += lower.shape[0]
    A = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(r, n + q.shape[0]))
    return A, np.concatenate(rhs)


def _widen(A: sp.spmatrix, total: int) -> sp.csr_matrix:
    """Pad a block with zero columns on the right up to ``total`` columns."""
    A = sp.csr_matrix(A)
    if A.shape[1] == total:
        return A
    return sp.hstack([A, sp.csr_matrix((A.shape[0], total - A.shape[1]))]).tocsr()

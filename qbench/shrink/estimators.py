"""Correlation estimators: for the current Ising graph, an estimate ``C[a, b]`` in [-1, 1] of
``<z_a z_b>`` in good solutions, for every pair of nodes (node 0 the reference, so ``C[0, i]``
says how firmly x_i leans to 0 (+1) or 1 (-1)).

* ``sdp``: the Goemans-Williamson relaxation ``min <W, X>, diag X = 1, X PSD`` (cvxpy). ``sdp_solver:
  auto`` (default) runs SCS at eps 1e-6 for at most 2000 iterations and hands an unconverged solve to
  Clarabel: SCS takes 0.2-0.3 s on a 65-node MIS graph where Clarabel takes ~3 s (same objective to 5
  digits), but stalls on badly scaled QUBOs (QAP penalties 10^4 times the flows: 16 s at eps 1e-6, and
  at eps 1e-4 correlations of 0.72 where the optimum has ~1.0); X is factorised
  ``X = V V^T`` (eigendecomposition, negative eigenvalues clipped), the rows of V normalised to unit
  vectors, and ``C = V V^T`` of those.
* ``lp``: the McCormick linearisation of the QUBO (``y_ij`` for every coupling, HiGHS through
  ``scipy.optimize.linprog``); ``C[0, i] = 1 - 2 x_i`` and, for coupled pairs, ``C[i, j] = 1 - 2 P(x_i !=
  x_j)`` with ``P = x_i + x_j - 2 y_ij``; uncoupled pairs as if independent. Fischer et al.
  (arXiv 2404.17242) found LP correlations better on sparse graphs, SDP on dense ones.
* ``spectral``: the k lowest eigenvectors of W as node vectors (cheapest; rank-k relaxation).
* ``samples``: ``<z_a z_b>`` under the distribution of any qbench QUBO solver run on the current QUBO.
"""

from __future__ import annotations

import time
import warnings
from typing import Any, Callable

import numpy as np

from qbench.shrink.maxcut import IsingGraph, bits_to_spins

SDP_SOLVERS = ("auto", "scs", "clarabel")
#: SCS iterations before ``auto`` switches to Clarabel.
AUTO_SCS_ITERATIONS = 2000


def _unit_rows(V: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(V, axis=1, keepdims=True)
    return V / np.where(norms > 1e-12, norms, 1.0)


def sdp_vectors(W: np.ndarray, solver: str = "auto", tol: float = 1e-6) -> tuple[np.ndarray, dict[str, Any]]:
    """Unit vectors (rows) of the Goemans-Williamson SDP of the graph W, and facts about the solve."""
    import cvxpy as cp

    m = W.shape[0]
    if m == 1:
        return np.ones((1, 1)), {"sdp_solver": solver, "sdp_seconds": 0.0}
    scale = float(np.abs(W).max()) or 1.0
    X = cp.Variable((m, m), PSD=True)
    problem = cp.Problem(cp.Minimize(cp.sum(cp.multiply(W / scale, X))), [cp.diag(X) == 1])
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        # "optimal_inaccurate" is kept (the status is recorded): correlations need no more digits
        warnings.simplefilter("ignore", UserWarning)
        if solver == "clarabel":
            problem.solve(solver=cp.CLARABEL, tol_gap_abs=tol, tol_gap_rel=tol, tol_feas=tol)
        elif solver == "scs":
            problem.solve(solver=cp.SCS, eps_abs=tol, eps_rel=tol)
        elif solver == "auto":
            # SCS first (fast on well-scaled graphs); badly scaled ones (QUBOs with large penalty
            # weights) stall it, so an unconverged SCS hands over to Clarabel's interior point
            problem.solve(solver=cp.SCS, eps_abs=tol, eps_rel=tol, max_iters=AUTO_SCS_ITERATIONS)
            solver = "scs"
            if problem.status != "optimal" or X.value is None:
                problem.solve(solver=cp.CLARABEL, tol_gap_abs=tol, tol_gap_rel=tol, tol_feas=tol)
                solver = "clarabel"
        else:
            raise ValueError(f"unknown sdp_solver {solver!r}; allowed: {', '.join(SDP_SOLVERS)}")
    seconds = time.perf_counter() - t0
    Xv = X.value if X.value is not None else np.eye(m)
    vals, vecs = np.linalg.eigh((Xv + Xv.T) / 2.0)
    V = vecs * np.sqrt(np.clip(vals, 0.0, None))[None, :]
    return _unit_rows(V), {"sdp_solver": solver, "sdp_tol": tol, "sdp_seconds": seconds,
                           "sdp_status": problem.status}


def sdp_correlations(graph: IsingGraph, *, sdp_solver: str = "auto", sdp_tol: float = 1e-6,
                     **_: Any) -> tuple[np.ndarray, dict[str, Any]]:
    V, info = sdp_vectors(graph.weights, sdp_solver, sdp_tol)
    return np.clip(V @ V.T, -1.0, 1.0), info


def lp_correlations(graph: IsingGraph, **_: Any) -> tuple[np.ndarray, dict[str, Any]]:
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    q = graph.to_qubo()
    n = q.num_variables
    ii, jj = np.nonzero(q.quadratic)
    k = ii.shape[0]
    c = np.concatenate([q.linear, q.quadratic[ii, jj]])
    rows, cols, vals, rhs = [], [], [], []
    for e in range(k):   # y <= x_i, y <= x_j, x_i + x_j - y <= 1  (y >= 0 by bounds)
        r = 3 * e
        rows += [r, r, r + 1, r + 1, r + 2, r + 2, r + 2]
        cols += [n + e, ii[e], n + e, jj[e], ii[e], jj[e], n + e]
        vals += [1, -1, 1, -1, 1, 1, -1]
        rhs += [0, 0, 1]
    A = coo_matrix((vals, (rows, cols)), shape=(3 * k, n + k)) if k else None
    t0 = time.perf_counter()
    res = linprog(c, A_ub=A, b_ub=np.array(rhs, dtype=float) if k else None, bounds=(0.0, 1.0), method="highs")
    seconds = time.perf_counter() - t0
    x = res.x[:n] if res.x is not None else np.full(n, 0.5)
    zbar = np.concatenate([[1.0], 1.0 - 2.0 * x])
    C = np.outer(zbar, zbar)
    if k and res.x is not None:
        differ = np.clip(x[ii] + x[jj] - 2.0 * res.x[n:], 0.0, 1.0)
        C[ii + 1, jj + 1] = C[jj + 1, ii + 1] = 1.0 - 2.0 * differ
    return np.clip(C, -1.0, 1.0), {"lp_seconds": seconds, "lp_status": int(res.status)}


def spectral_correlations(graph: IsingGraph, *, rank: int = 3, **_: Any) -> tuple[np.ndarray, dict[str, Any]]:
    W = graph.weights
    vals, vecs = np.linalg.eigh(W)
    V = _unit_rows(vecs[:, : max(1, min(rank, W.shape[0]))])
    return np.clip(V @ V.T, -1.0, 1.0), {}


def sample_correlations(graph: IsingGraph, *, sampler=None, seed: int | None = None,
                        **_: Any) -> tuple[np.ndarray, dict[str, Any]]:
    """``<z_a z_b>`` under a QUBO solver's distribution on the current graph's QUBO."""
    if sampler is None:
        from qbench.solvers.annealing import SimulatedAnnealingSolver

        sampler = SimulatedAnnealingSolver()
    samples = sampler.solve(graph.to_qubo(), seed=seed)
    Z = bits_to_spins(samples.samples)
    C = (Z * samples.probabilities[:, None]).T @ Z
    return np.clip(C, -1.0, 1.0), {"estimator_evaluations": int(samples.info.get("evaluations", 0))}


ESTIMATORS: dict[str, Callable[..., tuple[np.ndarray, dict[str, Any]]]] = {
    "sdp": sdp_correlations,
    "lp": lp_correlations,
    "spectral": spectral_correlations,
    "samples": sample_correlations,
}

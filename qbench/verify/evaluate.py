"""Objective value and feasibility of one stored solution, computed from the verifier's own instance data.

A stored ``x`` is read in whichever documented form it has: a 0/1 vector over the problem's binary
variables (MDKP/market split: one per item; MIS: one per vertex; QAP: n^2, row = facility, column =
location; TSP: (n-1)^2 with city 0 first, row = city-1, column = position-1, or n^2 for all cities), or
the native form (MIS: 1-based vertex list; QAP: 0-based location per facility; TSP: 0-based tour). Returns ``(objective, feasible)``; the objective is ``None`` where an infeasible native
solution (a permutation with holes) has no defined value.
"""

from __future__ import annotations

import numpy as np

from qbench.verify.readers import Graph, MarketSplit, Mdkp, Qap, Tsp

TOL = 1e-9


class BadSolution(Exception):
    pass


def _binary(x, n: int) -> np.ndarray:
    a = np.asarray(x)
    if a.ndim != 1 or a.shape[0] != n or not np.isin(a, (0, 1)).all():
        raise BadSolution(f"expected {n} values in {{0, 1}}, got {len(a)} values")
    return a.astype(np.int64)


def evaluate(kind: str, inst, x) -> tuple[float | None, bool]:
    if x is None:
        raise BadSolution("no solution stored")
    return _EVALUATORS[kind](inst, list(x))


def _mdkp(inst: Mdkp, x) -> tuple[float, bool]:
    v = _binary(x, inst.profits.shape[0])
    used = inst.weights @ v
    return float(inst.profits @ v), bool((used <= inst.capacities + TOL).all())


def _mis(inst: Graph, x) -> tuple[float, bool]:
    a = np.asarray(x, dtype=np.int64)
    if a.shape[0] == inst.n and np.isin(a, (0, 1)).all():
        chosen = a.astype(bool)
    else:  # 1-based vertex list
        if len(set(a.tolist())) != a.shape[0] or (a.size and (a.min() < 1 or a.max() > inst.n)):
            raise BadSolution(f"not a set of vertices 1..{inst.n}")
        chosen = np.zeros(inst.n, dtype=bool)
        chosen[a - 1] = True
    e = inst.edges
    conflicts = int((chosen[e[:, 0]] & chosen[e[:, 1]]).sum()) if e.size else 0
    return float(chosen.sum()), conflicts == 0


def _permutation(x, n: int, square: int) -> np.ndarray | None:
    """A permutation of 0..n-1 (native form or one-hot rows of length ``square``), None if not one."""
    a = np.asarray(x, dtype=np.int64)
    if a.shape[0] == square and square != n and np.isin(a, (0, 1)).all():
        M = a.reshape(n, n)
        if not ((M.sum(axis=0) == 1).all() and (M.sum(axis=1) == 1).all()):
            return None
        return M.argmax(axis=1)
    if a.shape[0] != n:
        raise BadSolution(f"expected {n} entries (or {square} bits), got {a.shape[0]}")
    if sorted(a.tolist()) != list(range(n)):
        return None
    return a


def _qap(inst: Qap, x) -> tuple[float | None, bool]:
    n = inst.flow.shape[0]
    p = _permutation(x, n, n * n)
    if p is None:
        return None, False
    return float((inst.flow * inst.distance[np.ix_(p, p)]).sum()), True


def _tsp(inst: Tsp, x) -> tuple[float | None, bool]:
    n = inst.weights.shape[0]
    a = np.asarray(x, dtype=np.int64)
    m = n - 1
    if a.shape[0] == m * m and m * m != n and np.isin(a, (0, 1)).all():
        positions = _permutation(a, m, m * m)  # row c = city c+1, column t = position t+1
        if positions is None:
            return None, False
        tour = np.concatenate([[0], np.argsort(positions) + 1])
    elif a.shape[0] == n * n and n > 1 and np.isin(a, (0, 1)).all():
        positions = _permutation(a, n, n * n)  # all n cities one-hot: row = city, column = position
        if positions is None:
            return None, False
        tour = np.argsort(positions)
    else:
        tour = _permutation(a, n, -1)
        if tour is None:
            return None, False
    return float(inst.weights[tour, np.roll(tour, -1)].sum()), True


def _marketsplit(inst: MarketSplit, x) -> tuple[float, bool]:
    v = _binary(x, inst.A.shape[1])
    deviation = float(np.abs(inst.A @ v - inst.b).sum())
    if inst.variant == "share":
        return deviation, True
    return 0.0, deviation == 0.0


_EVALUATORS = {"mdkp": _mdkp, "mis": _mis, "qap": _qap, "tsp": _tsp, "marketsplit": _marketsplit}

SENSE = {"mdkp": "max", "mis": "max", "qap": "min", "tsp": "min", "marketsplit": "min"}


def gap_pct(kind: str, value: float, optimum: float) -> float:
    diff = (optimum - value) if SENSE[kind] == "max" else (value - optimum)
    if optimum == 0:
        return 0.0 if diff == 0 else float("inf")
    return 100.0 * diff / abs(optimum)

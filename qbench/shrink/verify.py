"""Verification of expanded samples against the original constraints, and their repair.

Shrinking can make the shrunk QUBO's optimum infeasible for the original problem (a merge may tie
variables that no feasible solution ties). Every expanded sample is therefore checked with the
problem's own ``is_feasible``; the infeasible ones (most probable first, up to a budget) are repaired
with ``problem.repair`` and re-checked, so a run always says how much repair the shrinking cost.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def verify_and_repair(problem, X: np.ndarray, probabilities: np.ndarray, budget: int = 256
                      ) -> tuple[dict[str, Any], np.ndarray]:
    """Stats of the expanded samples ``X`` (on the problem's variables) and the repaired rows
    (``(k, n)``, the budgeted infeasible samples after ``problem.repair``)."""
    X = np.atleast_2d(np.asarray(X, dtype=np.uint8))
    p = np.asarray(probabilities, dtype=float)
    feasible = np.asarray(problem.is_feasible(X), dtype=bool)
    infeasible = np.flatnonzero(~feasible)
    chosen = infeasible[np.argsort(-p[infeasible], kind="stable")][: max(budget, 0)]
    repaired = np.array([problem.repair(X[i]) for i in chosen], dtype=np.uint8).reshape(-1, X.shape[1])
    repaired_ok = int(np.asarray(problem.is_feasible(repaired)).sum()) if len(repaired) else 0
    stats = {
        "expanded_samples": int(X.shape[0]),
        "expanded_feasible_mass": float(p[feasible].sum()),
        "needed_repair": int(infeasible.shape[0]),
        "needed_repair_mass": float(p[infeasible].sum()),
        "repaired": int(chosen.shape[0]),
        "repaired_feasible": repaired_ok,
    }
    return stats, repaired

"""Score the samples of one run against the problem: feasibility before repair, quality after it.

The metrics are the ones the studies report: how much probability a method puts on feasible
bitstrings (before any classical help), how good the best answer is once infeasible samples are
repaired, and how that compares with the optimum (gap, approximation ratio, probability of sampling an
optimum).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qbench.problems.base import Problem
from qbench.sampleset import SampleSet

#: How many distinct samples are repaired (most probable first, then lowest energy). Repairing every
#: sample of a 10^4-shot run would let a classical heuristic, not the quantum method, decide the result.
DEFAULT_REPAIR_BUDGET = 32
OBJECTIVE_TOL = 1e-6


@dataclass
class Score:
    metrics: dict[str, Any]
    best_x: np.ndarray | None
    best_feasible: bool
    extra: dict[str, Any] = field(default_factory=dict)


def score(problem: Problem, samples: SampleSet, *, repair: bool = True,
          repair_budget: int = DEFAULT_REPAIR_BUDGET, candidates: np.ndarray | None = None) -> Score:
    """Metrics of one run. ``candidates`` are solutions the method produced by its own classical
    steps (e.g. a Lagrangian loop's repaired best); they count for the post-repair best, not for the
    pre-repair feasibility numbers."""
    X = samples.samples
    p = samples.probabilities
    objective = problem.objective(X)
    feasible = problem.is_feasible(X)
    ml = int(np.argmax(p))
    low = int(np.argmin(samples.energies))

    opt = problem.optimum.value if problem.optimum is not None else None
    is_opt = feasible & np.isclose(objective, opt, atol=OBJECTIVE_TOL, rtol=0) if opt is not None else None

    best_pre = _best(problem, objective, feasible)
    to_repair = _repair_candidates(samples, repair_budget) if repair else np.array([], dtype=int)
    repaired = [problem.repair(X[i]) for i in to_repair]
    repaired_feasible = int(sum(bool(problem.is_feasible(x)[0]) for x in repaired))
    own = [] if candidates is None else list(np.atleast_2d(np.asarray(candidates, dtype=np.uint8)))
    best_x, best_val = (X[best_pre], float(objective[best_pre])) if best_pre is not None else (None, None)
    for x in repaired + own:
        if not problem.is_feasible(x)[0]:
            continue
        val = float(problem.objective(x)[0])
        if best_val is None or problem.better(val, best_val):
            best_x, best_val = x, val

    if best_x is None:  # nothing feasible even after repair: report the least-violating sample
        viol = problem.violation(X)
        best_x = X[int(np.argmin(viol))]
        best_val = float(problem.objective(best_x)[0])
    best_is_feasible = bool(problem.is_feasible(best_x)[0])

    metrics: dict[str, Any] = {
        "num_samples": int(len(samples)),
        "feasible_mass": float(p[feasible].sum()),
        "most_likely_feasible": bool(feasible[ml]),
        "lowest_energy_feasible": bool(feasible[low]),
        "best_objective_pre_repair": float(objective[best_pre]) if best_pre is not None else None,
        "repaired": int(len(to_repair)),
        "repaired_feasible": repaired_feasible,
        "best_objective": best_val,
        "feasible": best_is_feasible,
        "sense": problem.sense,
        "optimum": opt,
        "optimum_status": problem.optimum.status if problem.optimum is not None else None,
        "gap_pct": problem.gap_pct(best_val) if (opt is not None and best_is_feasible) else None,
        "approx_ratio": _ratio(problem.sense, best_val, opt) if best_is_feasible else None,
        "p_optimal": float(p[is_opt].sum()) if is_opt is not None else None,
        "optimum_found": bool(best_is_feasible and opt is not None
                              and abs(best_val - opt) <= OBJECTIVE_TOL),
    }
    return Score(metrics, best_x, best_is_feasible)


def _best(problem: Problem, objective: np.ndarray, feasible: np.ndarray) -> int | None:
    if not feasible.any():
        return None
    vals = np.where(feasible, objective if problem.sense == "max" else -objective, -np.inf)
    return int(np.argmax(vals))


def _repair_candidates(samples: SampleSet, budget: int) -> np.ndarray:
    by_prob = np.argsort(-samples.probabilities, kind="stable")
    by_energy = np.argsort(samples.energies, kind="stable")
    picked: list[int] = []
    seen: set[int] = set()
    for i in np.stack([by_prob, by_energy], axis=1).reshape(-1):
        if len(picked) >= budget:
            break
        if int(i) not in seen:
            seen.add(int(i))
            picked.append(int(i))
    return np.array(picked, dtype=int)


def _ratio(sense: str, value: float, opt: float | None) -> float | None:
    if opt is None or value is None:
        return None
    if sense == "max":
        return value / opt if opt != 0 else None
    return opt / value if value != 0 else (1.0 if opt == 0 else None)

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
#: How the single answer of a distribution is read out (the seed studies use "most-likely" and count
#: an infeasible most probable bitstring as infinitely bad); see :func:`readout_index`.
READOUTS = ("most-likely", "best-sample", "lowest-energy")
DEFAULT_READOUT = "best-sample"


@dataclass
class Score:
    metrics: dict[str, Any]
    best_x: np.ndarray | None
    best_feasible: bool
    extra: dict[str, Any] = field(default_factory=dict)


def score(problem: Problem, samples: SampleSet, *, repair: bool = True,
          repair_budget: int = DEFAULT_REPAIR_BUDGET, candidates: np.ndarray | None = None,
          readout: str = DEFAULT_READOUT, prior_repairs: int = 0) -> Score:
    """Metrics of one run. ``candidates`` are solutions the method produced by its own classical
    steps (e.g. a Lagrangian loop's repaired best); they count for the post-repair best, not for the
    pre-repair feasibility numbers. With ``repair=False`` nothing is repaired and ``candidates`` are
    ignored: the result is the best feasible sample itself (none: infeasible). ``prior_repairs``: repair
    calls the method already made (a formulation's loop, a problem solver's own steps); the
    ``repairs`` metric adds them to the scorer's own."""
    if readout not in READOUTS:
        raise ValueError(f"unknown readout {readout!r}; allowed: {', '.join(READOUTS)}")
    if not repair:
        candidates = None
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
    metrics.update(raw_metrics(problem, samples, objective, feasible, best_pre, metrics["gap_pct"], readout))
    metrics["repairs"] = int(len(to_repair)) + int(prior_repairs)
    metrics["repaired_changed"] = int(sum(not np.array_equal(r, X[i]) for r, i in zip(repaired, to_repair)))
    extra = {"x_raw": X[best_pre] if best_pre is not None else None}
    return Score(metrics, best_x, best_is_feasible, extra)


def raw_metrics(problem: Problem, samples: SampleSet, objective: np.ndarray, feasible: np.ndarray,
                best_pre: int | None, gap_pct: float | None, readout: str) -> dict[str, Any]:
    """What the samples give without any repair: the best raw gap, the expectation's approximation
    ratio, repair's share of the final gap, and the single answer under the ``readout`` rule."""
    opt = problem.optimum.value if problem.optimum is not None else None
    raw_gap = problem.gap_pct(float(objective[best_pre])) if (best_pre is not None and opt is not None) else None
    r = readout_index(problem, samples, objective, feasible, readout)
    readout_ok = r is not None and bool(feasible[r])
    readout_obj = float(objective[r]) if readout_ok else None
    return {
        "best_gap_pct_raw": raw_gap,
        "feasible_raw": best_pre is not None,
        "expectation_approx_ratio": expectation_ratio(problem, samples.probabilities, objective, feasible),
        "repair_share_pct": (raw_gap - gap_pct) if (raw_gap is not None and gap_pct is not None) else None,
        "readout": readout,
        "readout_objective": readout_obj,
        "readout_gap_pct": problem.gap_pct(readout_obj) if (readout_ok and opt is not None) else None,
    }


def readout_index(problem: Problem, samples: SampleSet, objective: np.ndarray, feasible: np.ndarray,
                  rule: str) -> int | None:
    """The row a readout rule picks: ``most-likely`` the most probable bitstring (ties: lower energy),
    ``lowest-energy`` the lowest energy (ties: more probable), ``best-sample`` the best feasible one
    (None when no sample is feasible). The first two may pick an infeasible row (counted as infinity)."""
    if len(samples) == 0:
        return None
    if rule == "most-likely":
        return int(np.lexsort((samples.energies, -samples.probabilities))[0])
    if rule == "lowest-energy":
        return int(np.lexsort((-samples.probabilities, samples.energies))[0])
    return _best(problem, objective, feasible)


def expectation_ratio(problem: Problem, p: np.ndarray, objective: np.ndarray,
                      feasible: np.ndarray) -> float | None:
    """Expected approximation ratio of one sample drawn from the distribution, an infeasible sample
    counting 0 (the worst): ``sum_x p(x) r(x)`` with ``r = f/opt`` (max) or ``opt/f`` (min)."""
    opt = problem.optimum.value if problem.optimum is not None else None
    if opt is None:
        return None
    f = np.asarray(objective, dtype=float)
    if problem.sense == "max":
        if opt == 0:
            return None
        ratios = f / opt
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios = np.where(f != 0, opt / np.where(f != 0, f, 1.0), 1.0 if opt == 0 else 0.0)
    return float(p @ np.where(feasible, ratios, 0.0))


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

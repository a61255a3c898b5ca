"""Adaptive control of the shrinking loop.

Repeat: take the allowed pair (a, b) with the largest |C[a, b]| (ties to the stronger coupling),
merge it with the sign of C, and keep the other correlations (the kept node's row becomes the mean
of the two rows, sign-corrected). Correlations are recomputed from scratch every ``recompute_every``
merges (0: never) and whenever the best allowed |C| falls below ``recompute_below``. The loop stops at
the target size, or when no allowed pair reaches ``min_confidence`` (even after a recomputation).

Targets: an integer >= 1 is a qubit budget, a number in (0, 1) (or a string ``"2/3"``) the fraction of
the variables to keep (rounded up), ``"fit"`` the largest QUBO the wrapped solver accepts.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qbench.qubo import QUBO
from qbench.shrink.estimators import ESTIMATORS, SDP_SOLVERS
from qbench.shrink.merge import MergeRecord, MergeState


@dataclass
class ShrinkConfig:
    target: int | float | str = 0.5
    estimator: str = "sdp"
    constraint_aware: bool = True
    recompute_every: int = 5
    recompute_below: float | None = None
    min_confidence: float = 0.0
    sdp_solver: str = "auto"
    sdp_tol: float = 1e-6
    #: QUBO solver (registry name) and its params behind the ``samples`` estimator.
    sampler: str = "annealing"
    sampler_params: dict[str, Any] = field(default_factory=dict)
    #: Repair (and count) at most this many distinct expanded samples, most probable first.
    verify_budget: int = 256

    def __post_init__(self) -> None:
        if isinstance(self.target, str) and "/" in self.target:   # "2/3": an exact fraction
            num, _, den = self.target.partition("/")
            try:
                self.target = int(num) / int(den)
            except (ValueError, ZeroDivisionError):
                raise ValueError(f"target {self.target!r} is not a fraction like 2/3") from None
        t = self.target
        if isinstance(t, bool) or not (t == "fit" or (isinstance(t, (int, float)) and t > 0)):
            raise ValueError(f"target must be a qubit budget (integer >= 1), a fraction in (0, 1) or 'fit', not {t!r}")
        if isinstance(t, float) and t >= 1:
            if t != int(t):
                raise ValueError(f"target {t} is neither a fraction below 1 nor a whole number of qubits")
            self.target = int(t)
        if self.estimator not in ESTIMATORS:
            raise ValueError(f"unknown estimator {self.estimator!r}; allowed: {', '.join(ESTIMATORS)}")
        if self.sdp_solver not in SDP_SOLVERS:
            raise ValueError(f"unknown sdp_solver {self.sdp_solver!r}; allowed: {', '.join(SDP_SOLVERS)}")
        if self.recompute_every < 0:
            raise ValueError("recompute_every must be >= 0 (0: never)")
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ValueError("min_confidence must be in [0, 1]")

    def target_size(self, num_variables: int, fit: int | None = None) -> int:
        if self.target == "fit":
            return num_variables if fit is None else min(num_variables, int(fit))
        if isinstance(self.target, float):
            return max(1, math.ceil(self.target * num_variables - 1e-6))
        return min(num_variables, int(self.target))


@dataclass
class ShrinkOutcome:
    qubo: QUBO                  # the shrunk QUBO
    record: MergeRecord
    info: dict[str, Any]


def shrink(qubo: QUBO, config: ShrinkConfig, *, guard=None, fit: int | None = None,
           seed: int | None = None, sampler=None) -> ShrinkOutcome:
    """Shrink ``qubo`` to the config's target; ``guard`` (a :class:`~qbench.shrink.guards.MergeGuard`)
    vetoes merges; ``fit`` is the solver's qubit limit for ``target: fit``."""
    t0 = time.perf_counter()
    state = MergeState(qubo)
    target = config.target_size(qubo.num_variables, fit)
    estimate = ESTIMATORS[config.estimator]
    options = {"sdp_solver": config.sdp_solver, "sdp_tol": config.sdp_tol, "sampler": sampler, "seed": seed}
    info: dict[str, Any] = {"estimator": config.estimator, "recomputations": 0, "estimator_seconds": 0.0}
    vetoed: set[tuple[int, int, int]] = set()

    C = None
    nodes = state.alive_nodes()
    since = 0
    stop = "target"
    while state.num_variables > target:
        if C is None or (config.recompute_every and since >= config.recompute_every):
            C, nodes = _recompute(state, estimate, options, info)
            since = 0
        pick = _best_pair(state, C, nodes, guard, vetoed)
        if pick is not None and config.recompute_below is not None and abs(pick[2]) < config.recompute_below \
                and since > 0:
            C, nodes = _recompute(state, estimate, options, info)
            since = 0
            pick = _best_pair(state, C, nodes, guard, vetoed)
        if pick is None or abs(pick[2]) < config.min_confidence:
            stop = "no-allowed-pair" if pick is None else "not-confident"
            break
        a, b, corr = pick
        i, j = _orient(int(nodes[a]), int(nodes[b]))
        sign = 1 if corr >= 0 else -1
        state.apply(int(i), int(j), sign, corr)
        C, nodes = _fold(C, nodes, int(i), int(j), sign)
        since += 1

    shrunk, record = state.shrunk_qubo()
    info.update({"target": target, "qubits_before": qubo.num_variables, "qubits_after": shrunk.num_variables,
                 "merges": len(record.steps), "fixed": sum(1 for m in record.steps if m.kept == 0),
                 "stop_reason": stop, "shrink_seconds": time.perf_counter() - t0,
                 "constraint_aware": guard is not None, "vetoed": len(vetoed)})
    info["estimator_seconds"] = round(info["estimator_seconds"], 6)
    return ShrinkOutcome(shrunk, record, info)


def _recompute(state: MergeState, estimate, options, info) -> tuple[np.ndarray, np.ndarray]:
    t = time.perf_counter()
    C, extra = estimate(state.current_graph(), **options)
    info["estimator_seconds"] += time.perf_counter() - t
    info["recomputations"] += 1
    for k, v in extra.items():
        if k.endswith("_seconds"):
            info[k] = info.get(k, 0.0) + v
        else:
            info[k] = v
    return C, state.alive_nodes()


def _orient(u: int, v: int) -> tuple[int, int]:
    """(removed, kept): the reference node 0 is always kept."""
    if u == 0 or v == 0:
        return u + v, 0
    return max(u, v), min(u, v)


def _best_pair(state: MergeState, C: np.ndarray, nodes: np.ndarray, guard,
               vetoed: set[tuple[int, int, int]]) -> tuple[int, int, float] | None:
    """(row a, row b, correlation) of the strongest allowed pair (indices into ``nodes``). Groups only
    grow, so a vetoed (removed, kept, sign) stays vetoed while both nodes live: it is not re-checked."""
    m = C.shape[0]
    a_idx, b_idx = np.triu_indices(m, 1)
    strength = np.abs(C[a_idx, b_idx])
    W = np.abs(state.weights[np.ix_(nodes, nodes)])[a_idx, b_idx]
    order = np.lexsort((-W, -np.round(strength, 9)))
    for k in order:
        a, b = int(a_idx[k]), int(b_idx[k])
        i, j = _orient(int(nodes[a]), int(nodes[b]))
        sign = 1 if C[a, b] >= 0 else -1
        if guard is None:
            return a, b, float(C[a, b])
        if (i, j, sign) in vetoed:
            continue
        if guard.allows(state, i, j, sign):
            return a, b, float(C[a, b])
        vetoed.add((i, j, sign))
    return None


def _fold(C: np.ndarray, nodes: np.ndarray, i: int, j: int, sign: int) -> tuple[np.ndarray, np.ndarray]:
    """Correlations after folding node i into j: j's row becomes the mean of its own and i's (signed)."""
    a = int(np.flatnonzero(nodes == i)[0])
    b = int(np.flatnonzero(nodes == j)[0])
    C = C.copy()
    row = (C[b] + sign * C[a]) / 2.0
    C[b, :] = row
    C[:, b] = row
    C[b, b] = 1.0
    keep = np.arange(C.shape[0]) != a
    return C[np.ix_(keep, keep)], nodes[keep]

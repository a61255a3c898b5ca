"""QAOA with layer-by-layer parameter transfer (INTERP, Zhou et al., PRX 10, 021067 (2020)).

Optimise depth 1 from the linear ramp, then start depth q+1 from the depth-q optimum linearly
interpolated onto q+1 layers, up to ``reps``. The evaluation budget ``maxiter`` is shared: depth q gets
a share proportional to its number of angles (2q), so the total stays within ``maxiter``. Everything
else (engine, angle scale, CVaR, readout) is :class:`~qbench.solvers.qaoa.QAOASolver`'s.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from qbench.qubo import QUBO
from qbench.sampleset import SampleSet
from qbench.solvers.qaoa import QAOASolver


def interpolate_angles(values: np.ndarray, p_new: int) -> np.ndarray:
    """INTERP: the schedule of q layers, read as a function of t = (l + 1/2)/q, resampled at
    p_new layers (linear interpolation, constant beyond the ends)."""
    q = len(values)
    if q == 0:
        return np.zeros(p_new)
    t_old = (np.arange(q) + 0.5) / q
    t_new = (np.arange(p_new) + 0.5) / p_new
    return np.interp(t_new, t_old, np.asarray(values, dtype=float))


def stage_budgets(reps: int, maxiter: int) -> list[int]:
    """Optimiser evaluations for depths 1..reps, proportional to 2q angles; each stage also spends one
    evaluation on its final state, so the total stays within ``maxiter`` (at least one per stage)."""
    weights = np.arange(1, reps + 1, dtype=float)
    raw = np.floor(max(maxiter - reps, 0) * weights / weights.sum()).astype(int)
    return [max(1, int(b)) for b in raw]


@dataclass
class InterpQAOASolver(QAOASolver):
    """QAOA whose depth-p angles start from the interpolated depth-(p-1) optimum (see module doc)."""

    name: ClassVar[str] = "qaoa-interp"
    _start: np.ndarray | None = dataclasses.field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.multi_angle:
            raise ValueError("qaoa-interp transfers one gamma and one beta per layer; multi_angle is not supported")

    def initial_point(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return super().initial_point(n, rng) if self._start is None else self._start.copy()

    def solve(self, qubo: QUBO, *, seed: int | None = None) -> SampleSet:
        budgets = stage_budgets(self.reps, self.maxiter)
        result, start, total = None, None, 0
        for depth, budget in enumerate(budgets, start=1):
            stage = dataclasses.replace(self, reps=depth, maxiter=budget)
            stage._start = start
            result = QAOASolver.solve(stage, qubo, seed=seed)
            total += int(result.info["evaluations"])
            if depth < self.reps:
                scale = float(result.info["angle_scale"])
                g = np.asarray(result.info["gammas"]) * scale
                b = np.asarray(result.info["betas"], dtype=float)
                start = np.concatenate([interpolate_angles(g, depth + 1), interpolate_angles(b, depth + 1)])
        result.info["evaluations"] = total
        result.info["stage_budgets"] = budgets
        result.info["init"] = "interp"
        return result

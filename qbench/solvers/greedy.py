"""The greedy classical baseline: each problem kind's own constructive heuristic (``Problem.greedy``)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from qbench.sampleset import SampleSet
from qbench.solvers.base import ProblemSolver

if TYPE_CHECKING:
    from qbench.problems.base import Problem


@dataclass
class GreedySolver(ProblemSolver):
    """One deterministic answer from ``problem.greedy()``; its energy is ``problem.energy(x)``."""

    name: ClassVar[str] = "greedy"

    def solve(self, problem: "Problem", *, seed: int | None = None) -> SampleSet:
        start = time.perf_counter()
        x = problem.greedy()
        info = {"method": f"{problem.kind}-greedy", "feasible": bool(problem.is_feasible(x)[0]),
                "evaluations": 0, "seconds": time.perf_counter() - start}
        return SampleSet.single(x, energy=float(problem.energy(x)[0]), info=info)

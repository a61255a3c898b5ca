"""The greedy classical baseline: each problem kind's own constructive heuristic (``Problem.greedy``).

It is reported as what it is: :data:`GREEDY_STEPS` says, per problem kind, whether the answer comes from
a construction alone or also from the kind's repair routine and local search (``info['construction']``,
``info['repair_used']``, ``info['local_search']``, ``info['steps']``), and ``info['repairs']`` counts the
repair calls, so the ``repairs`` metric of a greedy run is not zero when its construction *is* a repair.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from qbench.sampleset import SampleSet
from qbench.solvers.base import ProblemSolver

if TYPE_CHECKING:
    from qbench.problems.base import Problem


#: kind -> (construction, uses problem.repair, runs a local search). Kinds not listed use the
#: base class: ``repair(zeros)`` = drop rule (nothing to drop) + first-improvement 1-flip local search.
GREEDY_STEPS: dict[str, tuple[str, bool, bool]] = {
    "mdkp": ("fill by profit per relative weight and by LP-dual surrogate weight", True, True),
    "mis": ("minimum-degree insertion", True, False),
    "qap": ("busiest facilities on most central locations", False, True),
    "tsp": ("nearest-neighbour tour from city 0", False, True),
    "marketsplit": ("all-zero start", False, True),
}
_DEFAULT_STEPS = ("empty start + best 1-flip additions", True, True)


def greedy_info(kind: str) -> dict:
    construction, repair_used, local_search = GREEDY_STEPS.get(kind, _DEFAULT_STEPS)
    steps = ["construction"] + (["repair"] if repair_used else []) + (["local-search"] if local_search else [])
    return {"construction": construction, "repair_used": repair_used, "local_search": local_search,
            "steps": "+".join(steps), "repairs": int(repair_used)}


@dataclass
class GreedySolver(ProblemSolver):
    """One deterministic answer from ``problem.greedy()``; its energy is ``problem.energy(x)``."""

    name: ClassVar[str] = "greedy"

    def solve(self, problem: "Problem", *, seed: int | None = None) -> SampleSet:
        start = time.perf_counter()
        x = problem.greedy()
        info = {"method": f"{problem.kind}-greedy", "feasible": bool(problem.is_feasible(x)[0]),
                "evaluations": 0, "seconds": time.perf_counter() - start, **greedy_info(problem.kind)}
        return SampleSet.single(x, energy=float(problem.energy(x)[0]), info=info)
